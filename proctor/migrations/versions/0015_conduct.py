"""conduct records: misconduct of staff and training bodies, their files and letters

Revision ID: 0015_conduct
Revises: 0014_patrol
Create Date: 2026-12-01 16:00:00.000000

Apart from the candidates' tables: a staff member is named by account or by name and ID number
(never a `persons` row), a training body by name; the letters have their own numbering.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_conduct'
down_revision = '0014_patrol'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('conduct_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('staff_user_id', sa.Integer(), nullable=True),
    sa.Column('staff_name', sa.String(length=64), nullable=True),
    sa.Column('staff_id_number', sa.String(length=32), nullable=True),
    sa.Column('staff_duty', sa.String(length=16), nullable=True),
    sa.Column('training_body', sa.String(length=128), nullable=True),
    sa.Column('sitting_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('codes_version', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('measure', sa.Text(), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], ),
    sa.ForeignKeyConstraint(['staff_user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    with op.batch_alter_table('conduct_records', schema=None) as batch_op:
        for column in ('sitting_id', 'staff_id_number', 'staff_user_id', 'status',
                       'training_body'):
            batch_op.create_index(batch_op.f(f'ix_conduct_records_{column}'), [column],
                                  unique=False)

    op.create_table('conduct_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['conduct_records.id'], ),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    with op.batch_alter_table('conduct_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conduct_files_record_id'), ['record_id'],
                              unique=False)

    op.create_table('conduct_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('issued_by', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['issued_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['record_id'], ['conduct_records.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number'),
    sa.UniqueConstraint('record_id')
    )


def downgrade():
    op.drop_table('conduct_notices')
    with op.batch_alter_table('conduct_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conduct_files_record_id'))
    op.drop_table('conduct_files')
    with op.batch_alter_table('conduct_records', schema=None) as batch_op:
        for column in ('training_body', 'status', 'staff_user_id', 'staff_id_number',
                       'sitting_id'):
            batch_op.drop_index(batch_op.f(f'ix_conduct_records_{column}'))
    op.drop_table('conduct_records')
