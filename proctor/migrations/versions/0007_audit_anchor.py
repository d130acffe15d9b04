"""audit anchor: a MAC on every audit entry

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00.000000

Each audit entry gets `mac`, an HMAC-SHA256 of its seq and hash under the audit key, which is kept
outside the database (PROCTOR_AUDIT_KEY or `<data dir>/audit_key`; see proctor.services.audit):
someone with the database alone who drops the triggers and re-hashes the chain cannot sign it.
The entries already there are signed now, with the append-only triggers lifted for the
backfill and put back exactly as 0001 made them (`audit verify` compares them).
"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SQLITE_GUARDS = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
]


def upgrade():
    # Not batch mode: on SQLite a batch rebuilds the table, and its triggers with it.
    op.add_column('audit_log', sa.Column('mac', sa.String(length=64), nullable=True))
    _sign_existing_entries()


def _sign_existing_entries():
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT seq, hash FROM audit_log ORDER BY seq")).all()
    if not rows:
        return
    from proctor.services.audit import audit_key_for, mac_of

    key = audit_key_for(current_app.config)
    dialect = bind.dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    else:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
    bind.execute(sa.text("UPDATE audit_log SET mac = :mac WHERE seq = :seq"),
                 [{"seq": seq, "mac": mac_of(key, seq, digest)} for seq, digest in rows])
    if dialect == "sqlite":
        op.execute(SQLITE_GUARDS[0])
    else:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update")


def downgrade():
    op.drop_column('audit_log', 'mac')  # ALTER TABLE … DROP COLUMN: the triggers stay
