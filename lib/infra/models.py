"""Table models, and the shared bases their input models derive from.

Each field a person types is declared once, on a base (``GoalBase``,
``PilotBase``, ...): its type, its limit (which is also the column's length)
and its single-field rules. The table (``Pilot(PilotBase, table=True)``) adds
ids, timestamps and constraints; the input model in ``lib/inputs.py``
(``PilotIn(PilotBase)``) adds the rules across fields. Table models skip
pydantic validation, so every write goes through an input model; the database
adds the last line of defence with CHECK and unique constraints, so even a
script that bypasses the inputs cannot store conversions above exposures or
two current values for the same day and arm.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import AutoString, Field, SQLModel

from lib.infra.fields import (
    ARM_MAX,
    ARMS_MAX,
    CHOICE_MAX,
    MARKETS_MAX,
    METRIC_MAX,
    NAME_MAX,
    NOTE_MAX,
    PERSON_MAX,
    TEXT_MAX,
    UNIT_MAX,
    Line,
    Text,
    choice,
    finite,
    required_text,
)
from lib.vocabulary import (
    CHANNELS,
    COMPARISONS,
    DEFAULT_ARMS,
    DESIGNS,
    DIRECTIONS,
    GOAL_LEVELS,
    METRIC_KINDS,
    OUTCOMES,
    PILOT_STATUSES,
    PRIORITIES,
    ROLES,
    THRESHOLD_TYPES,
    UNIT_SUMMARIES,
)
from lib.vocabulary import PRIORITY_LABELS as PRIORITY_LABELS  # re-exported: pages import the vocabulary from here


def utcnow() -> datetime:
    """Aware UTC: SQLModel stores it as UTC and gives it back as UTC on every back end."""
    return datetime.now(UTC)


# ------------------------------------------------------------------ shared bases: what people type


class GoalBase(SQLModel):
    """A shared goal with its KPI: company -> marketing -> team."""

    name: Line = Field(max_length=NAME_MAX)
    level: str = Field(default="team", max_length=CHOICE_MAX)
    parent_id: int | None = Field(default=None, foreign_key="goal.id", index=True)
    kpi_name: Line = Field(max_length=NAME_MAX)
    kpi_unit: Line = Field(default="", max_length=UNIT_MAX)
    target_value: float | None = None
    period: Line = Field(default="", max_length=UNIT_MAX)
    description: Text = Field(default="", max_length=TEXT_MAX)

    _required = field_validator("name", "kpi_name", mode="before")(required_text)
    _level = choice("level", GOAL_LEVELS, "goal level")
    _target = field_validator("target_value")(finite)


class PilotBase(SQLModel):
    """A small campaign run against success criteria agreed before it starts."""

    name: Line = Field(max_length=NAME_MAX, unique=True)
    design: str = Field(max_length=CHOICE_MAX)
    hypothesis: Text = Field(default="", max_length=TEXT_MAX)
    owner: Line = Field(default="", max_length=PERSON_MAX)
    team: Line = Field(default="", max_length=PERSON_MAX)
    channel: str = Field(default="other", max_length=CHOICE_MAX)
    goal_id: int | None = Field(default=None, foreign_key="goal.id", index=True)
    status: str = Field(default="planned", max_length=CHOICE_MAX)
    priority: str = Field(default="should", max_length=10)
    start_date: date | None = None
    end_date: date | None = None
    baseline_start: date | None = None
    baseline_end: date | None = None
    planned_n_per_arm: int | None = None
    #: comma-separated; each arm at most ARM_MAX characters (checked with the design, in PilotIn)
    arms: Line = Field(default=DEFAULT_ARMS["ab"], max_length=ARMS_MAX)
    #: the backlog's one line: what the team expects if it works
    expected_outcome: Line = Field(default="", max_length=NAME_MAX)
    #: units a month when scaled (people reached, orders): turns a measured lift into a projected contribution
    scale_volume: float | None = Field(default=None)
    #: what the arms split when it is not people: "stores", "markets" (None: people). The verdict is then per unit
    unit: str | None = Field(default=None, max_length=UNIT_MAX)
    #: a unit's value for the pilot: "mean" per row or period (None reads as mean), or its "total"
    unit_summary: str | None = Field(default=None, max_length=CHOICE_MAX)
    #: market tests: the markets that get the pilot, and markets kept out of the controls; comma-separated
    #: (None before a pilot names any: backups written before market tests restore as they were)
    test_markets: Line | None = Field(default=None, max_length=MARKETS_MAX)
    excluded_markets: Line | None = Field(default=None, max_length=MARKETS_MAX)

    _required = field_validator("name", mode="before")(required_text)
    _design = choice("design", DESIGNS, "design")
    _channel = choice("channel", CHANNELS, "channel")
    _status = choice("status", PILOT_STATUSES, "status")
    _priority = choice("priority", PRIORITIES, "priority")

    @field_validator("arms", mode="before")
    @classmethod
    def _no_arms(cls, v: object) -> object:
        return "" if v is None else v  # none given: the design's own (PilotIn.cross_check)

    @field_validator("unit", mode="before")
    @classmethod
    def _unit(cls, v: object) -> object:
        if isinstance(v, str):
            v = " ".join(v.split())
            if v.casefold() in ("", "people", "person"):
                return None  # people are the default
        return v

    @field_validator("unit_summary")
    @classmethod
    def _unit_summary(cls, v: str | None) -> str | None:
        if v is not None and v not in UNIT_SUMMARIES:
            raise ValueError(f"'{v}' is not a unit summary; use one of: {', '.join(UNIT_SUMMARIES)}.")
        return v

    @field_validator("scale_volume")
    @classmethod
    def _volume(cls, v: float | None) -> float | None:
        return finite(v, minimum=0.0)

    @field_validator("planned_n_per_arm")
    @classmethod
    def _planned(cls, v: int | None) -> int | None:
        if v is not None and v <= 0:
            raise ValueError("must be a positive number of people per arm.")
        return v


class CriterionBase(SQLModel):
    """One success criterion; see ``lib.specs.CriterionSpec`` for what the threshold means."""

    metric: Line = Field(max_length=METRIC_MAX)
    unit: Line = Field(default="", max_length=UNIT_MAX)
    kind: str = Field(max_length=CHOICE_MAX)
    role: str = Field(default="primary", max_length=CHOICE_MAX)
    direction: str = Field(default="increase", max_length=CHOICE_MAX)
    comparison: str = Field(max_length=CHOICE_MAX)
    threshold: float = 0.0
    threshold_type: str = Field(default="absolute", max_length=CHOICE_MAX)
    confidence: float = 0.95
    expected: float | None = None
    #: what a rate or an average is counted over, as the team says it ("Sent", "Orders"); None: from the metric
    denominator_label: str | None = Field(default=None, max_length=UNIT_MAX)
    #: what is counted ("Replies"), or what an average or a daily figure is of ("Order value"); None: from the metric
    numerator_label: str | None = Field(default=None, max_length=UNIT_MAX)

    _required = field_validator("metric", mode="before")(required_text)
    _kind = choice("kind", METRIC_KINDS, "metric kind")

    @field_validator("denominator_label", "numerator_label", mode="before")
    @classmethod
    def _count_name(cls, v: object) -> object:
        if isinstance(v, str):
            v = " ".join(v.split())
            if not v:
                return None  # left empty: named from the metric
            if v.casefold() in ("day", "arm"):
                raise ValueError("is a column the grid already has (Day, Arm); pick another name, e.g. Sent.")
        return v

    _role = choice("role", ROLES, "role")
    _comparison = choice("comparison", COMPARISONS, "comparison")
    _direction = choice("direction", DIRECTIONS, "direction")
    _threshold_type = choice("threshold_type", THRESHOLD_TYPES, "threshold type")
    _finite = field_validator("threshold", "expected")(finite)

    @field_validator("confidence")
    @classmethod
    def _confidence(cls, v: float) -> float:
        if not 0.5 <= v < 1:
            raise ValueError("must be between 50% and 99.9% (e.g. 0.95).")
        return v


class ResultBase(SQLModel):
    """Sufficient statistics for one pilot x metric x arm x day (see ``lib.specs.Observation``)."""

    metric: Line = Field(max_length=METRIC_MAX)
    arm: Line = Field(max_length=ARM_MAX)
    day: date
    n: float
    total: float
    total_sq: float | None = None
    total_cu: float | None = None  # sum of cubes (mean metrics from event imports); may be negative
    cost: float | None = None
    note: Text = Field(default="", max_length=NOTE_MAX)

    _required = field_validator("metric", "arm", mode="before")(required_text)


class DecisionBase(SQLModel):
    """What the review meeting decided, and why."""

    outcome: str = Field(max_length=CHOICE_MAX)
    # The column holds 4000, but every rationale is also its audit event's reason (TEXT_MAX).
    rationale: Text = Field(max_length=TEXT_MAX, sa_type=AutoString(length=4000))
    decided_by: Line = Field(max_length=PERSON_MAX)
    #: when the meeting looks at a pilot it extended again (the queue shows it from that day)
    next_check_in: date | None = None
    #: why the meeting decided against the recommendation (required then)
    override_reason: Text = Field(default="", max_length=TEXT_MAX)

    _required = field_validator("rationale", "decided_by", mode="before")(required_text)
    _outcome = choice("outcome", OUTCOMES, "decision")


class GoalActualBase(SQLModel):
    """What a goal's KPI actually came to over one period, in the goal's own unit."""

    goal_id: int = Field(foreign_key="goal.id", index=True)
    #: the last day of the period the value covers (a month, a quarter: as the goal's unit counts)
    period_end: date
    value: float
    note: Line = Field(default="", max_length=NAME_MAX)

    _value = field_validator("value")(finite)


# ------------------------------------------------------------------ tables


class Goal(GoalBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class GoalActual(GoalActualBase, table=True):
    """A goal's logged actual for one period. Never updated in place: logging the same period again supersedes
    the row (``superseded_at``) and keeps it as history; "current" means ``superseded_at IS NULL``."""

    __tablename__ = "goal_actual"
    __table_args__ = (
        sa.Index(
            "uq_goal_actual_current",
            "goal_id",
            "period_end",
            unique=True,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_by: str = Field(default="", max_length=PERSON_MAX)
    created_at: datetime = Field(default_factory=utcnow)
    superseded_at: datetime | None = None


class Pilot(PilotBase, table=True):
    __table_args__ = (
        sa.CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="ck_pilot_dates"),
        sa.CheckConstraint("planned_n_per_arm IS NULL OR planned_n_per_arm > 0", name="ck_pilot_planned_n"),
    )

    id: int | None = Field(default=None, primary_key=True)
    criteria_locked_at: datetime | None = None
    #: the backlog's order (1 first) within its MoSCoW priority; None sorts after ranked ideas
    backlog_rank: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def arm_list(self) -> list[str]:
        return _names(self.arms)

    @property
    def test_market_list(self) -> list[str]:
        return _names(self.test_markets)

    @property
    def excluded_market_list(self) -> list[str]:
        return _names(self.excluded_markets)


def _names(stored: str | None) -> list[str]:
    """A comma-separated column (arms, markets) as its names; empty or NULL is none."""
    return [name for name in (stored or "").split(",") if name]


class Criterion(CriterionBase, table=True):
    __table_args__ = (
        sa.CheckConstraint("confidence > 0 AND confidence < 1", name="ck_criterion_confidence"),
        sa.UniqueConstraint("pilot_id", "metric", "role", name="uq_criterion_metric_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
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
    created_by: str = Field(default="", max_length=PERSON_MAX)
    created_at: datetime = Field(default_factory=utcnow)
    undone_at: datetime | None = None
    undone_by: str | None = Field(default=None, max_length=PERSON_MAX)


class ResultEntry(ResultBase, table=True):
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
    source: str = Field(default="manual", max_length=CHOICE_MAX)
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id", index=True)
    created_by: str = Field(default="", max_length=PERSON_MAX)
    created_at: datetime = Field(default_factory=utcnow)
    superseded_at: datetime | None = None
    superseded_by_id: int | None = Field(default=None, foreign_key="result_entry.id")


class UnitResult(SQLModel, table=True):
    """What one unit (a store, a market) logged for one metric on one day, for pilots that split units.

    Written by an import beside the arm x day values (``ResultEntry``) and
    undone with it; never updated in place: an undone or replaced import
    supersedes its rows (``superseded_at``), which stay as history. ``stratum``
    and ``before`` are what was known about the unit before the pilot (its
    market, last month's sales), named as the file names them.
    """

    __tablename__ = "unit_result"
    __table_args__ = (
        sa.CheckConstraint("n >= 0", name="ck_unit_result_n"),
        sa.Index(
            "uq_unit_result_current",
            "pilot_id",
            "metric",
            "unit",
            "day",
            unique=True,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id", index=True)
    metric: str = Field(max_length=METRIC_MAX)
    arm: str = Field(max_length=ARM_MAX)
    unit: str = Field(max_length=NAME_MAX)
    day: date
    n: float
    total: float
    stratum: str | None = Field(default=None, max_length=NAME_MAX)
    before: float | None = None
    stratum_name: str | None = Field(default=None, max_length=NAME_MAX)
    before_name: str | None = Field(default=None, max_length=NAME_MAX)
    source: str = Field(default="file", max_length=CHOICE_MAX)
    created_by: str = Field(default="", max_length=PERSON_MAX)
    created_at: datetime = Field(default_factory=utcnow)
    superseded_at: datetime | None = None


class Decision(DecisionBase, table=True):
    """What the review meeting decided, with the numbers frozen at that moment."""

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    recommendation: str = Field(default="", max_length=CHOICE_MAX)
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
    label: str = Field(default="", max_length=NAME_MAX)
    created_by: str = Field(default="", max_length=PERSON_MAX)
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
    reason: str = Field(default="", max_length=TEXT_MAX)
    actor: str = Field(default="", max_length=PERSON_MAX)
    at: datetime = Field(default_factory=utcnow)


class ImportMappingMemory(SQLModel, table=True):
    """The column mapping last used for a pilot, suggested again next time."""

    __tablename__ = "import_mapping"

    pilot_id: int = Field(foreign_key="pilot.id", primary_key=True)
    mapping_json: str = Field(default="{}", sa_type=sa.Text)
    updated_at: datetime = Field(default_factory=utcnow)


class TeamCapacity(SQLModel, table=True):
    """How many pilots a team can run at once: its backlog's length in weeks follows from it."""

    __tablename__ = "team_capacity"
    __table_args__ = (sa.CheckConstraint("pilots_at_once >= 1", name="ck_team_capacity_positive"),)

    team: str = Field(primary_key=True, max_length=PERSON_MAX)
    pilots_at_once: int = 1
    updated_at: datetime = Field(default_factory=utcnow)


class WorkspaceSetting(SQLModel, table=True):
    """Workspace defaults (confidence, look schedule): one row per key, read with defaults in lib.services.settings."""

    __tablename__ = "workspace_setting"

    key: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)
    updated_at: datetime = Field(default_factory=utcnow)


class StoredEvaluation(SQLModel, table=True):
    """Each pilot's latest evaluation, with the data version it was computed from.

    Every write that changes a pilot bumps ``data_version`` (in ``audit.record``); a
    page reads the stored verdict while ``evaluated_version`` matches it and the
    method version is current, and recomputes only the pilots that changed.
    Derived data: never backed up, rebuilt on demand.
    """

    __tablename__ = "stored_evaluation"

    pilot_id: int = Field(foreign_key="pilot.id", primary_key=True)
    data_version: int = 0
    evaluated_version: int | None = None
    method_version: str = Field(default="", max_length=40)
    recommendation: str = Field(default="", max_length=CHOICE_MAX)
    evaluation_json: str = Field(default="{}", sa_type=sa.Text)
    computed_at: datetime | None = None
