"""candidate links: the candidate's own page for a letter (/c/<token>)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 14:30:00.000000

A link per letter, its token stored only as a SHA-256; a statement, its files and a review
request received on that page have no staff member who recorded them (recorded_by NULL; the
audit entry names the candidate's letter).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('candidate_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('pre_notice_id', sa.Integer(), nullable=True),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(pre_notice_id IS NULL) <> (notice_id IS NULL)',
                       name='ck_candidate_link_one_letter'),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], ),
    sa.ForeignKeyConstraint(['pre_notice_id'], ['pre_notices.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('notice_id'),
    sa.UniqueConstraint('pre_notice_id'),
    sa.UniqueConstraint('token_sha256')
    )
    for table, column in (('statements', 'recorded_by'), ('statement_files', 'uploaded_by'),
                          ('review_requests', 'recorded_by')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.Integer(), nullable=True)


def downgrade():
    for table, column in (('statements', 'recorded_by'), ('statement_files', 'uploaded_by'),
                          ('review_requests', 'recorded_by')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.Integer(), nullable=False)
    op.drop_table('candidate_links')
