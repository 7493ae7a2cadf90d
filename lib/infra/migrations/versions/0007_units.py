"""Pilots that split stores or markets between the arms: the unit on the pilot, each unit's values.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pilot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("unit_summary", sa.String(length=20), nullable=True))
    op.create_table(
        "unit_result",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pilot_id", sa.Integer(), sa.ForeignKey("pilot.id"), nullable=False),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("import_batch.id"), nullable=True),
        sa.Column("metric", sa.String(length=80), nullable=False),
        sa.Column("arm", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=120), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("n", sa.Float(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("stratum", sa.String(length=120), nullable=True),
        sa.Column("before", sa.Float(), nullable=True),
        sa.Column("stratum_name", sa.String(length=120), nullable=True),
        sa.Column("before_name", sa.String(length=120), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("n >= 0", name="ck_unit_result_n"),
    )
    op.create_index("ix_unit_result_pilot_id", "unit_result", ["pilot_id"])
    op.create_index("ix_unit_result_batch_id", "unit_result", ["batch_id"])
    op.create_index(
        "uq_unit_result_current",
        "unit_result",
        ["pilot_id", "metric", "unit", "day"],
        unique=True,
        sqlite_where=sa.text("superseded_at IS NULL"),
        postgresql_where=sa.text("superseded_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_unit_result_current", table_name="unit_result")
    op.drop_index("ix_unit_result_batch_id", table_name="unit_result")
    op.drop_index("ix_unit_result_pilot_id", table_name="unit_result")
    op.drop_table("unit_result")
    with op.batch_alter_table("pilot", schema=None) as batch_op:
        batch_op.drop_column("unit_summary")
        batch_op.drop_column("unit")
