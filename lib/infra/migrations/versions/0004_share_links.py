"""Share links target one pilot or one goal, and may be pinned to a recorded decision.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("share_link", schema=None) as batch_op:
        batch_op.add_column(sa.Column("goal_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decision_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_share_link_goal_id_goal", "goal", ["goal_id"], ["id"])
        batch_op.create_foreign_key("fk_share_link_decision_id_decision", "decision", ["decision_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_share_link_goal_id"), ["goal_id"], unique=False)
        batch_op.create_check_constraint("ck_share_link_one_target", "pilot_id IS NULL OR goal_id IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("share_link", schema=None) as batch_op:
        batch_op.drop_constraint("ck_share_link_one_target", type_="check")
        batch_op.drop_index(batch_op.f("ix_share_link_goal_id"))
        batch_op.drop_constraint("fk_share_link_decision_id_decision", type_="foreignkey")
        batch_op.drop_constraint("fk_share_link_goal_id_goal", type_="foreignkey")
        batch_op.drop_column("decision_id")
        batch_op.drop_column("goal_id")
