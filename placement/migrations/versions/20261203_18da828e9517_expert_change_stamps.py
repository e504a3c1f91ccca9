"""Change stamps: each expert's stamp, and the checks kept with a need's ranking.

``expert_profiles.change_stamp`` is bumped by every change that can alter who may see the
expert among a need's kept candidates; ``need_rankings.checks`` keeps, with the ranking, the
stamps its candidates were checked at, so a view re-checks only those whose stamp moved.

Revision ID: 18da828e9517
Revises: d5e6f7a8b9c0
Create Date: 2026-12-03 17:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "18da828e9517"
down_revision = "d5e6f7a8b9c0"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("expert_profiles") as batch:
        batch.add_column(
            sa.Column("change_stamp", sa.BigInteger(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("need_rankings") as batch:
        batch.add_column(sa.Column("checks", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("need_rankings") as batch:
        batch.drop_column("checks")
    with op.batch_alter_table("expert_profiles") as batch:
        batch.drop_column("change_stamp")
