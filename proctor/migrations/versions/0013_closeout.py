"""room close-out: papers handed out and collected, explanations of discrepancies

Revision ID: 0013_closeout
Revises: 0012_movements
Create Date: 2026-12-01 16:00:00.000000

Each close-out entered on a tablet is a row (the latest counts); each explanation is bound to
the facts of the discrepancy it explains.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_closeout'
down_revision = '0012_movements'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('room_closeouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('handed_out', sa.Integer(), nullable=False),
    sa.Column('collected', sa.Integer(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['room_id'], ['rooms.id'], ),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    op.create_index('ix_room_closeouts_room_subject', 'room_closeouts',
                    ['room_id', 'subject_id'], unique=False)
    op.create_table('discrepancy_explanations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('discrepancy', sa.String(length=96), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['room_id'], ['rooms.id'], ),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    op.create_index('ix_discrepancy_explanations_room_subject', 'discrepancy_explanations',
                    ['room_id', 'subject_id'], unique=False)


def downgrade():
    op.drop_index('ix_discrepancy_explanations_room_subject',
                  table_name='discrepancy_explanations')
    op.drop_table('discrepancy_explanations')
    op.drop_index('ix_room_closeouts_room_subject', table_name='room_closeouts')
    op.drop_table('room_closeouts')
