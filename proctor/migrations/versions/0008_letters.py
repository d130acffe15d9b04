"""letters: revised decision notices, review decision letters, one numbering per sitting

Revision ID: 0008_letters
Revises: 0007
Create Date: 2026-12-01 13:40:00.000000

A notice row is now any letter of the process (`kind`): the decision notice, a revised decision
notice after a changed review (`supersedes_id`; the old one gets `superseded_by_id`, its content
untouched) and the review decision letter (`review_id`). `issue_key` replaces the one-notice-per-
party constraint, so one party may hold several letters while issuing stays idempotent.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_letters'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=24), nullable=False,
                                      server_default='decision'))
        batch_op.add_column(sa.Column('issue_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('review_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('supersedes_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('superseded_by_id', sa.Integer(), nullable=True))
    op.execute("UPDATE notices SET issue_key = 'decision:' || CAST(incident_id AS VARCHAR(20))"
               " || ':' || CAST(person_id AS VARCHAR(20))")
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.alter_column('issue_key', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint('uq_notice_party', type_='unique')
        batch_op.create_unique_constraint('uq_notices_issue_key', ['issue_key'])
        batch_op.create_index('ix_notices_review_id', ['review_id'], unique=False)
        batch_op.create_foreign_key('fk_notices_review_id', 'review_requests', ['review_id'],
                                    ['id'])
        batch_op.create_foreign_key('fk_notices_supersedes_id', 'notices', ['supersedes_id'],
                                    ['id'])
        batch_op.create_foreign_key('fk_notices_superseded_by_id', 'notices',
                                    ['superseded_by_id'], ['id'])


def downgrade():
    # Only decision notices fit the old shape: the other letters go first, with the reviews
    # asked of a revised notice (a downgrade loses them; nothing else does).
    op.execute("UPDATE notices SET superseded_by_id = NULL, supersedes_id = NULL, "
               "review_id = NULL")
    op.execute("DELETE FROM review_requests WHERE notice_id IN "
               "(SELECT id FROM notices WHERE kind <> 'decision')")
    op.execute("DELETE FROM notices WHERE kind <> 'decision'")
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_constraint('fk_notices_superseded_by_id', type_='foreignkey')
        batch_op.drop_constraint('fk_notices_supersedes_id', type_='foreignkey')
        batch_op.drop_constraint('fk_notices_review_id', type_='foreignkey')
        batch_op.drop_index('ix_notices_review_id')
        batch_op.drop_constraint('uq_notices_issue_key', type_='unique')
        batch_op.create_unique_constraint('uq_notice_party', ['incident_id', 'person_id'])
        batch_op.drop_column('superseded_by_id')
        batch_op.drop_column('supersedes_id')
        batch_op.drop_column('review_id')
        batch_op.drop_column('issue_key')
        batch_op.drop_column('kind')
