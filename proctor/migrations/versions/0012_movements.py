"""movements: a candidate leaving the room and coming back (离座/返回)

Revision ID: 0012_movements
Revises: 0011_photos
Create Date: 2026-12-01 16:00:00.000000

Each leaving and return is a row, numbered per candidate (odd: left, even: returned), so two
tablets recording the same one at once cannot both succeed.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_movements'
down_revision = '0011_photos'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("left_id", sa.Integer(), nullable=True),
        sa.Column("escort_name", sa.String(length=128), nullable=True),
        sa.Column("escort_user_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"]),
        sa.ForeignKeyConstraint(["escort_user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["left_id"], ["movements.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"]),
        sa.ForeignKeyConstraint(["sitting_id"], ["sittings.id"]),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("candidate_id", "n", name="uq_movement_order"),
        sa.UniqueConstraint("client_id"),
        sa.UniqueConstraint("left_id"),
    )
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_movements_candidate_id"), ["candidate_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_movements_room_id"), ["room_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_movements_sitting_id"), ["sitting_id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_movements_sitting_id"))
        batch_op.drop_index(batch_op.f("ix_movements_room_id"))
        batch_op.drop_index(batch_op.f("ix_movements_candidate_id"))
    op.drop_table("movements")
