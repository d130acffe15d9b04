"""due process: the proposal stage (拟处理 → 事先告知)

Revision ID: 0009
Revises: 0008_letters
Create Date: 2026-12-01 14:00:00.000000

Pre-decision notices (处理事先告知书), each attempt to serve one, and the statements (陈述申辩)
or waivers received; a sitting may set its own tiers for the stage; a confirmation records the
statements it considered and its reasons.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008_letters'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pre_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=True),
    sa.Column('issued_by', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('served_on', sa.Date(), nullable=True),
    sa.Column('service_method', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], ),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ),
    sa.ForeignKeyConstraint(['issued_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], ),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('incident_id', 'person_id', name='uq_pre_notice_party'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('pre_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pre_notices_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pre_notices_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pre_notices_sitting_id'), ['sitting_id'], unique=False)

    op.create_table('pre_notice_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pre_notice_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('served_on', sa.Date(), nullable=False),
    sa.Column('failed', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('posted_at', sa.String(length=256), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pre_notice_id'], ['pre_notices.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pre_notice_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pre_notice_services_pre_notice_id'), ['pre_notice_id'], unique=False)

    op.create_table('statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('pre_notice_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('received_via', sa.String(length=16), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('witness', sa.String(length=128), nullable=True),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ),
    sa.ForeignKeyConstraint(['pre_notice_id'], ['pre_notices.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statements_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statements_pre_notice_id'), ['pre_notice_id'], unique=False)

    op.create_table('statement_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('pre_notice_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ),
    sa.ForeignKeyConstraint(['pre_notice_id'], ['pre_notices.id'], ),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    with op.batch_alter_table('statement_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_files_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_files_pre_notice_id'), ['pre_notice_id'], unique=False)

    # Plain ADD COLUMNs (no batch rebuild): nullable, so every existing row reads as before.
    op.add_column('sittings', sa.Column('pre_notice_tiers', sa.String(length=16), nullable=True))
    op.add_column('decisions', sa.Column('considered_statement_ids', sa.JSON(), nullable=True))
    op.add_column('decisions', sa.Column('reasons', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('reasons')
        batch_op.drop_column('considered_statement_ids')
    with op.batch_alter_table('sittings', schema=None) as batch_op:
        batch_op.drop_column('pre_notice_tiers')
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statements_pre_notice_id'))
        batch_op.drop_index(batch_op.f('ix_statements_incident_id'))
    op.drop_table('statements')
    with op.batch_alter_table('statement_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_files_pre_notice_id'))
        batch_op.drop_index(batch_op.f('ix_statement_files_incident_id'))
    op.drop_table('statement_files')
    with op.batch_alter_table('pre_notice_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pre_notice_services_pre_notice_id'))
    op.drop_table('pre_notice_services')
    with op.batch_alter_table('pre_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pre_notices_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_pre_notices_person_id'))
        batch_op.drop_index(batch_op.f('ix_pre_notices_incident_id'))
    op.drop_table('pre_notices')
