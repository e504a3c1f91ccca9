"""availability windows get public ids

Windows are edited and removed by URL, and URLs of personal records carry opaque ids. Existing
rows get a fresh UUID each before the column becomes required.

Revision ID: e5a348bb1f32
Revises: c8b26996ed08
Create Date: 2026-11-24 17:15:00.083769

"""

import uuid

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e5a348bb1f32"
down_revision = "c8b26996ed08"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("availability_windows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uuid", sa.Uuid(), nullable=True))

    windows = sa.table("availability_windows", sa.column("id", sa.Integer), sa.column("uuid", sa.Uuid))
    connection = op.get_bind()
    for (window_id,) in connection.execute(sa.select(windows.c.id)).all():
        connection.execute(
            windows.update().where(windows.c.id == window_id).values(uuid=uuid.uuid4())
        )

    with op.batch_alter_table("availability_windows", schema=None) as batch_op:
        batch_op.alter_column("uuid", existing_type=sa.Uuid(), nullable=False)
        batch_op.create_index(batch_op.f("ix_availability_windows_uuid"), ["uuid"], unique=True)


def downgrade():
    with op.batch_alter_table("availability_windows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_availability_windows_uuid"))
        batch_op.drop_column("uuid")
