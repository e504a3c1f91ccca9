"""The year an expert settled abroad, for the outcome model's years-abroad feature.

Revision ID: d1e2f3a4b5c6
Revises: c4d5e6f7a8b9
Create Date: 2026-12-03 14:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d1e2f3a4b5c6"
down_revision = "c4d5e6f7a8b9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("expert_profiles") as batch:
        batch.add_column(sa.Column("abroad_since", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("expert_profiles") as batch:
        batch.drop_column("abroad_since")
