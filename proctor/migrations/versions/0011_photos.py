"""photos: registration photos, check-in photos and the identity check (人证核验)

Revision ID: 0011_photos
Revises: 0010
Create Date: 2026-12-01 16:00:00.000000

A registration photo per candidate (imported from a ZIP), the photos taken at check-in with the
faces found in them, and on each check-in the face check (match, mismatch or unsure) and the
photo taken.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_photos'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registration_photos',
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('source_name', sa.String(length=255), nullable=False),
    sa.Column('imported_by', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('faces', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], ),
    sa.ForeignKeyConstraint(['imported_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('candidate_id')
    )
    with op.batch_alter_table('registration_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_photos_sha256'), ['sha256'],
                              unique=False)
    op.create_table('checkin_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('faces', sa.Integer(), nullable=False),
    sa.Column('registration_sha256', sa.String(length=64), nullable=True),
    sa.Column('registration_faces', sa.Integer(), nullable=True),
    sa.Column('device', sa.String(length=255), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('taken_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], ),
    sa.ForeignKeyConstraint(['taken_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    with op.batch_alter_table('checkin_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_photos_candidate_id'), ['candidate_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_checkin_photos_sha256'), ['sha256'], unique=False)
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_check', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('checkin_photo_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_attendance_checkin_photo', 'checkin_photos',
                                    ['checkin_photo_id'], ['id'])


def downgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_constraint('fk_attendance_checkin_photo', type_='foreignkey')
        batch_op.drop_column('checkin_photo_id')
        batch_op.drop_column('photo_check')
    with op.batch_alter_table('checkin_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_photos_sha256'))
        batch_op.drop_index(batch_op.f('ix_checkin_photos_candidate_id'))
    op.drop_table('checkin_photos')
    with op.batch_alter_table('registration_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_photos_sha256'))
    op.drop_table('registration_photos')
