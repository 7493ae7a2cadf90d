"""Table models: the shape of what Greenlight stores.

Validation of user input lives in ``lib/inputs.py`` (table models skip pydantic
validation); the database adds the last line of defence with CHECK and
unique constraints, so even a script that bypasses the inputs cannot store
conversions above exposures or two current values for the same day and arm.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

GOAL_LEVELS: tuple[str, ...] = ("company", "marketing", "team")
PILOT_STATUSES: tuple[str, ...] = ("idea", "planned", "running", "decided")
PRIORITIES: tuple[str, ...] = ("must", "should", "could", "wont")
PRIORITY_LABELS: dict[str, str] = {
    "must": "Must have",
    "should": "Should have",
    "could": "Could have",
    "wont": "Won't have",
}
CHANNELS: tuple[str, ...] = ("email", "social", "paid", "web", "events", "other")
SOURCES: tuple[str, ...] = ("manual", "file", "cli", "demo")
OUTCOMES: tuple[str, ...] = ("scale", "iterate", "abort", "extend")
SHARE_SCOPES: tuple[str, ...] = ("pilot", "goal")


def utcnow() -> datetime:
    """Aware UTC: SQLModel stores it as UTC and gives it back as UTC on every back end."""
    return datetime.now(UTC)


class Goal(SQLModel, table=True):
    """A shared goal with its KPI: company -> marketing -> team."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    level: str = Field(default="team", max_length=20)
    parent_id: int | None = Field(default=None, foreign_key="goal.id", index=True)
    kpi_name: str = Field(max_length=120)
    kpi_unit: str = Field(default="", max_length=40)
    target_value: float | None = None
    period: str = Field(default="", max_length=40)
    description: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Pilot(SQLModel, table=True):
    """A small campaign run against success criteria agreed before it starts."""

    __table_args__ = (
        sa.CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="ck_pilot_dates"),
        sa.CheckConstraint("planned_n_per_arm IS NULL OR planned_n_per_arm > 0", name="ck_pilot_planned_n"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    hypothesis: str = Field(default="", max_length=2000)
    owner: str = Field(default="", max_length=80)
    team: str = Field(default="", max_length=80)
    channel: str = Field(default="other", max_length=20)
    goal_id: int | None = Field(default=None, foreign_key="goal.id", index=True)
    design: str = Field(max_length=20)
    status: str = Field(default="planned", max_length=20)
    priority: str = Field(default="should", max_length=10)
    start_date: date | None = None
    end_date: date | None = None
    baseline_start: date | None = None
    baseline_end: date | None = None
    planned_n_per_arm: int | None = None
    arms: str = Field(default="control,pilot", max_length=200)
    criteria_locked_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def arm_list(self) -> list[str]:
        return [a for a in self.arms.split(",") if a]


class Criterion(SQLModel, table=True):
    """One success criterion; see ``lib.observations.CriterionSpec`` for threshold meaning."""

    __table_args__ = (
        sa.CheckConstraint("confidence > 0 AND confidence < 1", name="ck_criterion_confidence"),
        sa.UniqueConstraint("pilot_id", "metric", "role", name="uq_criterion_metric_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    metric: str = Field(max_length=80)
    unit: str = Field(default="", max_length=40)
    kind: str = Field(max_length=20)
    role: str = Field(max_length=20)
    direction: str = Field(default="increase", max_length=20)
    comparison: str = Field(max_length=20)
    threshold: float = 0.0
    threshold_type: str = Field(default="absolute", max_length=20)
    confidence: float = 0.95
    expected: float | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ImportBatch(SQLModel, table=True):
    """One imported file: undone as a whole, refused if imported twice."""

    __tablename__ = "import_batch"
    __table_args__ = (
        sa.Index(
            "uq_batch_checksum_live",
            "pilot_id",
            "checksum",
            unique=True,
            sqlite_where=sa.text("undone_at IS NULL"),
            postgresql_where=sa.text("undone_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    file_name: str = Field(max_length=255)
    checksum: str = Field(max_length=64)
    layout: str = Field(default="aggregated", max_length=20)
    source: str = Field(default="file", max_length=20)
    row_count: int = 0
    entry_count: int = 0
    mapping_json: str = Field(default="{}", sa_type=sa.Text)
    created_by: str = Field(default="", max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    undone_at: datetime | None = None
    undone_by: str | None = Field(default=None, max_length=80)


class ResultEntry(SQLModel, table=True):
    """Sufficient statistics for one pilot x metric x arm x day.

    Rows are never updated in place: a correction supersedes the old row with a
    new one (``superseded_at``/``superseded_by_id``), a deletion supersedes it with
    nothing. "Current" means ``superseded_at IS NULL``; a partial unique index
    keeps one current row per key even under concurrent writers.
    """

    __tablename__ = "result_entry"
    __table_args__ = (
        sa.CheckConstraint("n >= 0", name="ck_entry_n"),
        sa.CheckConstraint("total_sq IS NULL OR total_sq >= 0", name="ck_entry_total_sq"),
        sa.CheckConstraint("cost IS NULL OR cost >= 0", name="ck_entry_cost"),
        sa.Index(
            "uq_entry_current",
            "pilot_id",
            "metric",
            "arm",
            "day",
            unique=True,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    metric: str = Field(max_length=80)
    arm: str = Field(max_length=40)
    day: date
    n: float = 0
    total: float = 0
    total_sq: float | None = None
    total_cu: float | None = None
    cost: float | None = None
    source: str = Field(default="manual", max_length=20)
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id", index=True)
    note: str = Field(default="", max_length=500)
    created_by: str = Field(default="", max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    superseded_at: datetime | None = None
    superseded_by_id: int | None = Field(default=None, foreign_key="result_entry.id")


class Decision(SQLModel, table=True):
    """What the review meeting decided, with the numbers frozen at that moment."""

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    outcome: str = Field(max_length=20)
    recommendation: str = Field(default="", max_length=20)
    rationale: str = Field(max_length=4000)
    decided_by: str = Field(max_length=80)
    decided_at: datetime = Field(default_factory=utcnow)
    snapshot_json: str = Field(default="{}", sa_type=sa.Text)


class ShareLink(SQLModel, table=True):
    """A read-only link for stakeholders to one pilot's report or one goal's portfolio.

    Only the token's SHA-256 is stored (see ``lib/share.py``). ``scope`` says
    which of ``pilot_id``/``goal_id`` is set; ``decision_id`` pins a pilot link
    to a recorded decision's frozen numbers instead of today's.
    """

    __tablename__ = "share_link"
    __table_args__ = (sa.CheckConstraint("pilot_id IS NULL OR goal_id IS NULL", name="ck_share_link_one_target"),)

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    scope: str = Field(default="pilot", max_length=20)
    pilot_id: int | None = Field(default=None, foreign_key="pilot.id", index=True)
    goal_id: int | None = Field(default=None, foreign_key="goal.id", index=True)
    decision_id: int | None = Field(default=None, foreign_key="decision.id")
    label: str = Field(default="", max_length=120)
    created_by: str = Field(default="", max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    """Who changed what and when, with the values before and after."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=40)
    entity_id: int | None = Field(default=None, index=True)
    pilot_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=40)
    before_json: str | None = Field(default=None, sa_type=sa.Text)
    after_json: str | None = Field(default=None, sa_type=sa.Text)
    reason: str = Field(default="", max_length=2000)
    actor: str = Field(default="", max_length=80)
    at: datetime = Field(default_factory=utcnow)


class ImportMappingMemory(SQLModel, table=True):
    """The column mapping last used for a pilot, suggested again next time."""

    __tablename__ = "import_mapping"

    pilot_id: int = Field(foreign_key="pilot.id", primary_key=True)
    mapping_json: str = Field(default="{}", sa_type=sa.Text)
    updated_at: datetime = Field(default_factory=utcnow)
