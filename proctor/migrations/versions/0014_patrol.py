"""patrol (巡考): flags on a seat or a room, their photos, visits and the signed patrol record

Revision ID: 0014_patrol
Revises: 0013_closeout
Create Date: 2026-12-01 16:00:00.000000

The roles `patrol` (users.role, staff_assignments.role) are new values of VARCHAR columns
without CHECK constraints: no change to those tables.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_patrol'
down_revision = '0013_closeout'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('patrol_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('seat_no', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('raised_by', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('nothing_found', 'reminded', 'incident_reported',
                                 name='flagoutcome', native_enum=False, length=24),
              nullable=True),
    sa.Column('answer_note', sa.Text(), nullable=True),
    sa.Column('warning_id', sa.Integer(), nullable=True),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ),
    sa.ForeignKeyConstraint(['raised_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['room_id'], ['rooms.id'], ),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], ),
    sa.ForeignKeyConstraint(['warning_id'], ['warnings.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    with op.batch_alter_table('patrol_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_flags_room_id'), ['room_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_flags_sitting_id'), ['sitting_id'],
                              unique=False)

    op.create_table('patrol_flag_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('device', sa.String(length=255), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('taken_by', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['flag_id'], ['patrol_flags.id'], ),
    sa.ForeignKeyConstraint(['taken_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    with op.batch_alter_table('patrol_flag_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_flag_photos_flag_id'), ['flag_id'],
                              unique=False)

    op.create_table('patrol_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('patrol_id', sa.Integer(), nullable=False),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('invigilators', sa.JSON(), nullable=False),
    sa.Column('rules_read', sa.Boolean(), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patrol_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['room_id'], ['rooms.id'], ),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    with op.batch_alter_table('patrol_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_visits_patrol_id'), ['patrol_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_visits_sitting_id'), ['sitting_id'],
                              unique=False)

    op.create_table('patrol_record_signoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('record_hash', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sitting_id', 'user_id', name='uq_patrol_signed_once')
    )


def downgrade():
    op.drop_table('patrol_record_signoffs')
    with op.batch_alter_table('patrol_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_visits_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_visits_patrol_id'))
    op.drop_table('patrol_visits')
    with op.batch_alter_table('patrol_flag_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_flag_photos_flag_id'))
    op.drop_table('patrol_flag_photos')
    with op.batch_alter_table('patrol_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_flags_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_flags_room_id'))
    op.drop_table('patrol_flags')
