"""Market tests: the markets a pilot treats, and the markets kept out of its synthetic control.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pilot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("test_markets", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("excluded_markets", sa.String(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pilot", schema=None) as batch_op:
        batch_op.drop_column("excluded_markets")
        batch_op.drop_column("test_markets")
