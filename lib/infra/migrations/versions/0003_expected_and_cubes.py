"""Decision engine v2: the effect a criterion expects, and sums of cubes for skewed means.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("criterion", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expected", sa.Float(), nullable=True))
    with op.batch_alter_table("result_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("total_cu", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("result_entry", schema=None) as batch_op:
        batch_op.drop_column("total_cu")
    with op.batch_alter_table("criterion", schema=None) as batch_op:
        batch_op.drop_column("expected")
