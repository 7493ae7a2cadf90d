"""Validated input for every write: the "create/update" variants of the tables.

Forms, the importer, the CLI and backups all pass through these, so a rule is
written once and a bad value is refused with a message naming the field before
anything touches the database. Each input model derives from the table's
shared base in ``lib/models.py`` (fields, limits, single-field rules) and adds
the rules across fields in ``cross_check``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlmodel import SQLModel
from sqlmodel.main import SQLModelConfig

from lib.criteria import is_money_threshold, money_problems
from lib.infra.fields import ARM_MAX, NAME_MAX, PERSON_MAX, TEXT_MAX, choice, finite, shown, text_problem
from lib.infra.models import CriterionBase, DecisionBase, GoalActualBase, GoalBase, PilotBase, ResultBase
from lib.vocabulary import CONTROL_ARM, DEFAULT_ARMS, METRIC_KINDS, PILOT_ARM, STARTED_STATUSES
from lib.vocabulary import DESIGN_COMPARISON as DESIGN_COMPARISON  # re-exported: old imports keep working
from lib.vocabulary import DESIGN_LABELS as DESIGN_LABELS

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
    "your_name": "Your name",
    "period_end": "Period ending",
    "value": "Actual",
    "denominator_label": "Counted over",
    "numerator_label": "What is counted",
}


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


def _friendly(err: ErrorDetails) -> FieldError:
    field = str(err["loc"][0]) if err.get("loc") else "input"
    kind = err.get("type", "")
    if kind == "value_error":
        message = str(err.get("ctx", {}).get("error", err["msg"]))
    elif kind in ("missing", "string_too_short"):
        message = "is required."
    elif kind == "string_too_long":
        message = f"is too long (at most {err.get('ctx', {}).get('max_length')} characters)."
    elif kind.startswith(("float", "int")):
        message = "must be a number."
    elif kind.startswith("date"):
        message = "must be a date (YYYY-MM-DD)."
    else:
        message = err.get("msg", "is not valid.")
    return FieldError(field, message)


def validated(model: type[_In], **values: Any) -> _In:
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


class _Input(SQLModel):
    """What every input model adds to its shared base: strict parsing, and rules across fields."""

    model_config = SQLModelConfig(str_strip_whitespace=True, extra="forbid")

    def cross_check(self) -> list[FieldError]:
        """Rules that involve several fields; may normalise values."""
        return []


_In = TypeVar("_In", bound=_Input)


class GoalIn(_Input, GoalBase):
    pass


class GoalActualIn(_Input, GoalActualBase):
    pass


class PilotIn(_Input, PilotBase):
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
        if self.status in STARTED_STATUSES and not self.start_date:
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
            elif self.design == "market" and not self.end_date:
                errors.append(
                    FieldError(
                        "end_date",
                        "is required before a market test runs: its test period (start to end) is its plan.",
                    )
                )
            elif self.design not in ("before_after", "market") and not self.planned_n_per_arm:
                errors.append(
                    FieldError(
                        "planned_n_per_arm",
                        "is required before the pilot runs: work it out with “Plan the sample” (or `lib.cli plan`).",
                    )
                )
        arms = [a.strip() for a in (self.arms or DEFAULT_ARMS[self.design]).split(",") if a.strip()]
        if self.design == "ab" and len(dict.fromkeys(arms)) < 2:
            errors.append(
                FieldError(
                    "arms",
                    "an A/B pilot needs two arms, named as your export names them: the control first, then the "
                    f"pilot (e.g. '{CONTROL_ARM},{PILOT_ARM}' or 'gate_30,gate_40').",
                )
            )
        if self.unit and self.design not in ("ab", "market"):
            errors.append(
                FieldError("unit", "only an A/B pilot splits stores or markets between arms; leave it empty (people).")
            )
        errors.extend(market_errors(self))
        if self.design == "market":
            arms, self.unit = [CONTROL_ARM, PILOT_ARM], self.unit or "markets"
        elif self.design != "ab":
            arms = [PILOT_ARM]
        errors.extend(
            FieldError("arms", f"'{shown(a)}' is too long for an arm's name (at most {ARM_MAX} characters).")
            for a in arms
            if len(a) > ARM_MAX
        )
        self.arms = ",".join(dict.fromkeys(arms))
        return errors


def market_names(text: str | None) -> list[str]:
    """``"Chicago, Portland"`` -> ["Chicago", "Portland"]: trimmed, blanks and repeats dropped, order kept."""
    return list(dict.fromkeys(" ".join(m.split()) for m in (text or "").split(",") if m.strip()))


def market_errors(pilot: PilotIn) -> list[FieldError]:
    """A started market test names its test markets; no market is both tested and excluded; other designs name none.

    Normalises both lists to "A,B" (trimmed, no repeats).
    """
    test, excluded = market_names(pilot.test_markets), market_names(pilot.excluded_markets)
    pilot.test_markets, pilot.excluded_markets = ",".join(test) or None, ",".join(excluded) or None
    if pilot.design != "market":
        if test or excluded:
            return [
                FieldError(
                    "test_markets",
                    "only a market test names test or excluded markets; choose the design "
                    "“market” or leave them empty.",
                )
            ]
        return []
    errors: list[FieldError] = []
    if not test and pilot.status in STARTED_STATUSES:  # an idea or a plan may name them later
        errors.append(
            FieldError(
                "test_markets",
                f"a {pilot.status} market test needs its test markets: the markets that get the pilot, "
                "as the data names them (e.g. Chicago,Portland).",
            )
        )
    both = [m for m in test if m.casefold() in {e.casefold() for e in excluded}]
    if both:
        errors.append(
            FieldError(
                "excluded_markets",
                f"{', '.join(shown(m) for m in both)} cannot be both a test market and excluded from the controls.",
            )
        )
    long = [m for m in test + excluded if len(m) > NAME_MAX]
    errors.extend(
        FieldError("test_markets", f"'{shown(m)}' is too long for a market's name (at most {NAME_MAX} characters).")
        for m in long
    )
    return errors


class CriterionIn(_Input, CriterionBase):
    def cross_check(self) -> list[FieldError]:
        if is_money_threshold(self.threshold_type):  # a price, judged its own way (lib.criteria.money_problems)
            found = money_problems(
                self.threshold_type, self.kind, self.comparison, self.role, self.threshold, self.expected
            )
            return [FieldError(name, message) for name, message in found]
        problems = self._check_threshold()
        den, num = self.denominator_label, self.numerator_label
        if den and num and den.casefold() == num.casefold():
            problems.append(
                FieldError("numerator_label", "must differ from what it is counted over (e.g. Replies over Sent).")
            )
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
        if self.comparison == "vs_synthetic":  # a market test reads every criterion as a lift over its control
            if self.threshold_type not in ("absolute", "relative"):
                return [FieldError("threshold_type", "a market test's threshold is a lift over the synthetic control.")]
            self.threshold_type = "relative"
            if self.threshold <= -1:
                return [FieldError("threshold", "a relative lift must be above -100%.")]
            return []
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


class ResultIn(_Input, ResultBase):
    """One day's figures for one arm and metric; ``kind`` decides which rules apply."""

    kind: str

    _kind = choice("kind", METRIC_KINDS, "metric kind")

    def cross_check(self) -> list[FieldError]:
        errors: list[FieldError] = []
        for name in ("n", "total", "total_sq", "total_cu", "cost"):
            value = getattr(self, name)
            try:
                signed = name == "total_cu" or (name == "total" and self.kind == "mean")
                finite(value, minimum=None if signed else 0)
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


class DecisionIn(_Input, DecisionBase):
    pass


def check_actor(actor: str) -> None:
    """Refuse a name no write could store: it signs every entry, decision and audit event, so it is never empty
    (an unsigned grid row, import or share link cannot be traced to anyone)."""
    problem = text_problem(str(actor), PERSON_MAX)
    if not problem and not str(actor).strip():
        problem = "is required: every result, import, share link and decision is signed with it."
    if problem:
        where = (
            " Give it at the top of the page or in the sidebar." if getattr(actor, "role", "local") == "local" else ""
        )
        raise InvalidInput.one("your_name", problem + where)


def checked_reason(reason: str) -> str:
    """A reason for a change, as the audit trail keeps it (several lines allowed)."""
    problem = text_problem(reason, TEXT_MAX, multiline=True)
    if problem:
        raise InvalidInput.one("reason", problem)
    return reason
