"""A criterion's two counts named as the team names them ("Sent", "Replies"), for the grid and its sentences.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("criterion", schema=None) as batch_op:
        batch_op.add_column(sa.Column("denominator_label", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("numerator_label", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("criterion", schema=None) as batch_op:
        batch_op.drop_column("numerator_label")
        batch_op.drop_column("denominator_label")
