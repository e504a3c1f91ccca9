"""Stored expert features (helper index): featurised profiles kept when a profile changes.

Revision ID: c4d5e6f7a8b9
Revises: c7d4e1a2b9f0
Create Date: 2026-12-03 12:55:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'c4d5e6f7a8b9'
down_revision = "c7d4e1a2b9f0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('expert_features',
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('profile', sa.LargeBinary(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['expert_id'], ['expert_profiles.id'], name=op.f('fk_expert_features_expert_id_expert_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('expert_id', name=op.f('pk_expert_features'))
    )


def downgrade():
    op.drop_table('expert_features')
