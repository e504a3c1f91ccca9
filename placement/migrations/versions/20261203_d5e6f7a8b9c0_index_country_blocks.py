"""Country blocks (helper index): each origin country's expert rows as one stored block.

Revision ID: d5e6f7a8b9c0
Revises: d1e2f3a4b5c6
Create Date: 2026-12-03 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5e6f7a8b9c0'
down_revision = "d1e2f3a4b5c6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('country_index',
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('block', sa.LargeBinary(), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('country', name=op.f('pk_country_index'))
    )


def downgrade():
    op.drop_table('country_index')
