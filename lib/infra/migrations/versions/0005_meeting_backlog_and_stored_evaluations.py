"""The review meeting's check-ins and overrides, the backlog, team capacity, settings, stored evaluations.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pilot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expected_outcome", sa.String(length=120), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("scale_volume", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("backlog_rank", sa.Integer(), nullable=True))
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_check_in", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("override_reason", sa.String(length=2000), nullable=False, server_default=""))
    op.create_table(
        "team_capacity",
        sa.Column("team", sa.String(length=80), primary_key=True),
        sa.Column("pilots_at_once", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("pilots_at_once >= 1", name="ck_team_capacity_positive"),
    )
    op.create_table(
        "workspace_setting",
        sa.Column("key", sa.String(length=40), primary_key=True),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "stored_evaluation",
        sa.Column("pilot_id", sa.Integer(), sa.ForeignKey("pilot.id"), primary_key=True),
        sa.Column("data_version", sa.Integer(), nullable=False),
        sa.Column("evaluated_version", sa.Integer(), nullable=True),
        sa.Column("method_version", sa.String(length=40), nullable=False),
        sa.Column("recommendation", sa.String(length=20), nullable=False),
        sa.Column("evaluation_json", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("stored_evaluation")
    op.drop_table("workspace_setting")
    op.drop_table("team_capacity")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_column("override_reason")
        batch_op.drop_column("next_check_in")
    with op.batch_alter_table("pilot", schema=None) as batch_op:
        batch_op.drop_column("backlog_rank")
        batch_op.drop_column("scale_volume")
        batch_op.drop_column("expected_outcome")
