"""Validated input for every write: the "create/update" variants of the tables.

Forms, the importer and the CLI all pass through these, so a rule is written
once and a bad value is refused with a message naming the field before
anything touches the database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lib.models import CHANNELS, GOAL_LEVELS, OUTCOMES, PILOT_STATUSES, PRIORITIES
from lib.observations import (
    COMPARISONS,
    CONTROL_ARM,
    DESIGNS,
    DIRECTIONS,
    METRIC_KINDS,
    PILOT_ARM,
    ROLES,
    THRESHOLD_TYPES,
)

DESIGN_COMPARISON = {"ab": "vs_control", "before_after": "vs_baseline", "target": "vs_target"}
DESIGN_LABELS = {"ab": "A/B (control vs pilot)", "before_after": "Before/after", "target": "Against a target"}
DEFAULT_ARMS = {"ab": f"{CONTROL_ARM},{PILOT_ARM}", "before_after": PILOT_ARM, "target": PILOT_ARM}


# Field names as the forms label them, so a message points at the box to fix.
FIELD_LABELS = {
    "kpi_name": "KPI",
    "kpi_unit": "Unit",
    "parent_id": "Parent goal",
    "target_value": "Target",
    "goal_id": "Goal it serves",
    "planned_n_per_arm": "Planned people per arm",
    "start_date": "Start",
    "end_date": "End",
    "baseline_start": "Baseline start",
    "baseline_end": "Baseline end",
    "n": "Exposures / units",
    "total": "Conversions / total",
    "total_sq": "Sum of squares",
    "decided_by": "Decided by",
    "threshold_type": "Threshold is",
    "criteria": "Criteria",
    "expected": "Expected",
    "total_cu": "Sum of cubes",
    "actor": "Not allowed",
}
ROLE_ORDER = ("primary", "secondary", "guardrail")


def field_label(field: str) -> str:
    if field in FIELD_LABELS:
        return FIELD_LABELS[field]
    if field.startswith("criterion_"):
        _, number, rest = field.split("_", 2)
        return f"Criterion {number} · {field_label(rest).lower()}"
    text = field.replace("_", " ")
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{field_label(self.field)}: {self.message}"


class InvalidInput(ValueError):
    """Bad input: carries one message per field so forms can show them inline."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))

    @classmethod
    def one(cls, field: str, message: str) -> InvalidInput:
        return cls([FieldError(field, message)])

    def for_field(self, field: str) -> str | None:
        return next((e.message for e in self.errors if e.field == field), None)


def _friendly(err: dict) -> FieldError:
    field = str(err["loc"][0]) if err.get("loc") else "input"
    kind = err.get("type", "")
    if kind == "value_error":
        message = str(err["ctx"]["error"])
    elif kind in ("missing", "string_too_short"):
        message = "is required."
    elif kind == "string_too_long":
        message = f"is too long (at most {err['ctx']['max_length']} characters)."
    elif kind.startswith(("float", "int")):
        message = "must be a number."
    elif kind.startswith("date"):
        message = "must be a date (YYYY-MM-DD)."
    else:
        message = err.get("msg", "is not valid.")
    return FieldError(field, message)


def validated(model: type[_Input], **values):
    """Build ``model`` or raise InvalidInput listing every bad field.

    Single-field rules run in pydantic; rules across fields run after, in
    ``cross_check``, so each message still names the field to fix.
    """
    try:
        obj = model(**values)
    except ValidationError as exc:
        raise InvalidInput([_friendly(e) for e in exc.errors()]) from None
    errors = obj.cross_check()
    if errors:
        raise InvalidInput(errors)
    return obj


def _one_of(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"'{value}' is not a known {what}; use one of: {', '.join(allowed)}.")
    return value


def _choice(field: str, allowed: tuple[str, ...], what: str):
    """A validator that accepts only the known values of an enumeration."""
    return field_validator(field)(lambda value: _one_of(value, allowed, what))


def _required_text(value: str | None) -> str:
    value = (value or "").strip()
    if not value:
        raise ValueError("is required.")
    return value


def _finite(value: float | None, *, minimum: float | None = None) -> float | None:
    if value is None:
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        raise ValueError("must be a finite number.")
    if minimum is not None and value < minimum:
        raise ValueError(f"must not be negative (got {value:g}).")
    return value


class _Input(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    def cross_check(self) -> list[FieldError]:
        """Rules that involve several fields; may normalise values."""
        return []


class GoalIn(_Input):
    name: str = Field(max_length=120)
    level: str = "team"
    parent_id: int | None = None
    kpi_name: str
    kpi_unit: str = ""
    target_value: float | None = None
    period: str = ""
    description: str = ""

    _name = field_validator("name", "kpi_name", mode="before")(_required_text)

    _level = _choice("level", GOAL_LEVELS, "goal level")

    @field_validator("target_value")
    @classmethod
    def _target(cls, v: float | None) -> float | None:
        return _finite(v)


class PilotIn(_Input):
    name: str
    design: str
    hypothesis: str = ""
    owner: str = ""
    team: str = ""
    channel: str = "other"
    goal_id: int | None = None
    status: str = "planned"
    priority: str = "should"
    start_date: date | None = None
    end_date: date | None = None
    baseline_start: date | None = None
    baseline_end: date | None = None
    planned_n_per_arm: int | None = None
    arms: str | None = None

    _name = field_validator("name", mode="before")(_required_text)

    _design = _choice("design", DESIGNS, "design")

    _channel = _choice("channel", CHANNELS, "channel")

    _status = _choice("status", PILOT_STATUSES, "status")

    _priority = _choice("priority", PRIORITIES, "priority")

    @field_validator("planned_n_per_arm")
    @classmethod
    def _planned(cls, v: int | None) -> int | None:
        if v is not None and v <= 0:
            raise ValueError("must be a positive number of people per arm.")
        return v

    def cross_check(self) -> list[FieldError]:
        errors: list[FieldError] = []
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors.append(FieldError("end_date", "must be on or after the start date."))
        if self.design == "before_after":
            if not (self.baseline_start and self.baseline_end):
                errors.append(
                    FieldError("baseline_start", "a before/after pilot needs a baseline period (start and end).")
                )
            elif self.baseline_end < self.baseline_start:
                errors.append(FieldError("baseline_end", "must be on or after the baseline start."))
            elif self.start_date and self.baseline_end >= self.start_date:
                errors.append(FieldError("baseline_end", "must end before the pilot starts."))
        if self.status in ("running", "decided") and not self.start_date:
            errors.append(FieldError("start_date", f"is required for a {self.status} pilot."))
        if self.status == "running":
            # the verdicts measure progress against the plan and set how strict each daily look is
            if self.design == "before_after" and not self.end_date:
                errors.append(
                    FieldError(
                        "end_date",
                        "is required before a before/after pilot runs: its length is "
                        "its plan (how many pilot days the verdict waits for).",
                    )
                )
            elif self.design != "before_after" and not self.planned_n_per_arm:
                errors.append(
                    FieldError(
                        "planned_n_per_arm",
                        "is required before the pilot runs: work it out with “Plan the sample” (or `lib.cli plan`).",
                    )
                )
        arms = [a.strip() for a in (self.arms or DEFAULT_ARMS[self.design]).split(",") if a.strip()]
        if self.design == "ab" and (CONTROL_ARM not in arms or len(arms) < 2):
            errors.append(FieldError("arms", f"an A/B pilot needs a '{CONTROL_ARM}' arm and at least one other."))
        if self.design != "ab":
            arms = [PILOT_ARM]
        self.arms = ",".join(dict.fromkeys(arms))
        return errors


class CriterionIn(_Input):
    metric: str
    kind: str
    role: str = "primary"
    comparison: str
    threshold: float = 0.0
    direction: str = "increase"
    threshold_type: str = "absolute"
    confidence: float = 0.95
    expected: float | None = None
    unit: str = ""

    _metric = field_validator("metric", mode="before")(_required_text)

    _kind = _choice("kind", METRIC_KINDS, "metric kind")

    _role = _choice("role", ROLES, "role")

    _comparison = _choice("comparison", COMPARISONS, "comparison")

    _direction = _choice("direction", DIRECTIONS, "direction")

    _threshold_type = _choice("threshold_type", THRESHOLD_TYPES, "threshold type")

    @field_validator("confidence")
    @classmethod
    def _confidence(cls, v: float) -> float:
        if not 0.5 <= v < 1:
            raise ValueError("must be between 50% and 99.9% (e.g. 0.95).")
        return v

    @field_validator("threshold")
    @classmethod
    def _finite_threshold(cls, v: float) -> float:
        return _finite(v)

    @field_validator("expected")
    @classmethod
    def _finite_expected(cls, v: float | None) -> float | None:
        return None if v is None else _finite(v)

    def cross_check(self) -> list[FieldError]:
        problems = self._check_threshold()
        if self.expected is not None and self.role != "guardrail":
            # vs a target both are values of the metric; otherwise both are improvements in the good direction
            good = 1 if self.direction == "increase" or self.comparison != "vs_target" else -1
            if (self.expected - self.threshold) * good <= 0:
                worth = "target" if self.comparison == "vs_target" else "minimum worth scaling (the threshold)"
                better = "above" if good > 0 else "below"
                problems.append(
                    FieldError(
                        "expected",
                        f"must be {better} the {worth}: the plan sizes the test "
                        "of “better than the threshold” for the effect you expect.",
                    )
                )
            elif self.comparison == "vs_target" and self.kind == "proportion" and not 0 < self.expected < 1:
                problems.append(FieldError("expected", "an expected rate must be between 0% and 100%."))
        return problems

    def _check_threshold(self) -> list[FieldError]:
        if self.comparison == "vs_target":
            if self.threshold_type == "relative":
                return [FieldError("threshold_type", "a target is an absolute value, not a lift.")]
            if self.kind == "proportion" and not 0 <= self.threshold <= 1:
                return [FieldError("threshold", "a target rate must be between 0% and 100% (e.g. 0.08 for 8%).")]
        elif self.threshold_type == "relative" and self.threshold <= -1:
            return [FieldError("threshold", "a relative lift must be above -100%.")]
        elif self.threshold_type == "absolute" and self.kind == "proportion" and not -1 <= self.threshold <= 1:
            return [FieldError("threshold", "a difference in rates must be between -100 and +100 points.")]
        return []


class ResultIn(_Input):
    """One day's figures for one arm and metric; ``kind`` decides which rules apply."""

    metric: str
    arm: str
    day: date
    kind: str
    n: float
    total: float
    total_sq: float | None = None
    total_cu: float | None = None  # sum of cubes (mean metrics from event imports); may be negative
    cost: float | None = None
    note: str = ""

    _kind = _choice("kind", METRIC_KINDS, "metric kind")

    _labels = field_validator("metric", "arm", mode="before")(_required_text)

    def cross_check(self) -> list[FieldError]:
        errors: list[FieldError] = []
        for name in ("n", "total", "total_sq", "total_cu", "cost"):
            value = getattr(self, name)
            try:
                signed = name == "total_cu" or (name == "total" and self.kind == "mean")
                _finite(value, minimum=None if signed else 0)
            except ValueError as exc:
                errors.append(FieldError(name, str(exc)))
        if not errors and self.kind == "proportion":
            if self.total > self.n:
                errors.append(
                    FieldError("total", f"conversions ({self.total:,.0f}) cannot exceed exposures ({self.n:,.0f}).")
                )
            if self.n != int(self.n) or self.total != int(self.total):
                errors.append(FieldError("n", "conversions and exposures must be whole numbers."))
        if not errors and self.kind == "mean" and self.n == 0 and self.total != 0:
            errors.append(FieldError("n", "a sum needs at least one observation."))
        return errors


class DecisionIn(_Input):
    outcome: str
    rationale: str
    decided_by: str

    _text = field_validator("rationale", "decided_by", mode="before")(_required_text)

    _outcome = _choice("outcome", OUTCOMES, "decision")
