"""Locks and bans of the global assignment keep the reason staff gave.

Revision ID: b3c1d2e4f5a6
Revises: f07445acba8a
Create Date: 2026-12-03 09:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3c1d2e4f5a6'
down_revision = 'f07445acba8a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pair_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('pair_rules', schema=None) as batch_op:
        batch_op.drop_column('reason')
