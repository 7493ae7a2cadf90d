"""What the decision engine returns: one verdict per criterion, one evaluation per pilot.

Frozen, JSON-safe through ``to_dict``: a decision freezes ``to_dict()`` of
the evaluation it was shown, with ``method_version`` saying which rules made it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal, get_args

from lib.decide.records import record_maker
from lib.stats.before_after import CounterfactualDay
from lib.stats.result_types import ComparisonResult, TargetResult, plain
from lib.vocabulary import VERDICT_STATUSES

STATUSES: tuple[str, ...] = VERDICT_STATUSES
#: bumped whenever a rule or boundary changes; stored with every frozen snapshot
METHOD_VERSION = "2026.11-gs"
#: the shape of ``to_dict``, bumped when it changes so kept evaluations are computed again
#: (2: the pace and the reasons' codes kept as data; 1 had them as words only, see :mod:`lib.decide.frozen`)
EVALUATION_FORMAT = 2

#: what a reason for the recommendation says, as data (its words are rendered beside it, in ``reasons``)
ReasonCode = Literal[
    "no_data",  # nothing logged yet
    "no_criteria",  # nothing to judge
    "keep_running",  # not enough data to call it yet
    "scale",  # every primary met, no guardrail harmed
    "abort",  # abort and go back to the drawing board
    "errors",  # some criteria could not be evaluated
    "srm",  # the split between arms is off
    "iterate",  # the planned sample is in but the result is mixed
    "met",  # a primary criterion is met (``metric``)
    "harmed",  # a guardrail got worse than tolerated (``metric``)
    "missed",  # a primary falls short of its threshold (``metric``)
    "futile",  # a primary can no longer reach its threshold (``metric``)
    "progress",  # share of the planned sample in (``metric``)
    "more_needed",  # how much more is needed (``metric``)
    "error",  # one criterion could not be evaluated (``metric``)
    "pace",  # at today's pace the plan is not in by the end date (``metric``; the numbers: its verdict's ``pace``)
    "sequential",  # the bounds stay valid under daily looks
    "corrected",  # the error budget is split between criteria
    "observational",  # before/after is not an experiment
    "unknown_design",  # the pilot's design is not one the engine knows
    "no_primary",  # secondary criteria stand in for a missing primary
    "market",  # a market test: read against a synthetic control of untreated markets (``metric``: its reading)
    "withheld",  # a market test's synthetic control tracked too poorly before the start to read (``metric``)
    "unknown",  # read back from a snapshot frozen before reasons carried codes: only its words are known
]
REASON_CODES: tuple[str, ...] = get_args(ReasonCode)


@dataclass(frozen=True)
class ReasonKey:
    """What one reason says, as data: its ``code`` and the criterion it is about (``metric``), if any.

    Readers find a reason by its key, never by its words (``PilotEvaluation.reasons`` holds those).
    """

    code: ReasonCode
    metric: str | None = None


@dataclass(frozen=True)
class Pace:
    """A criterion's sample against its plan at the average daily pace so far, carried forward in a straight line.

    Numbers, not words: :func:`lib.decide.wording.pace_note` says them once the reader's date is known,
    and the progress chart draws them. ``so_far`` is per arm (the smaller arm) by ``last_day``, in
    ``units``; ``per_day`` the average since the pilot's start; ``projected`` what that pace reaches by
    ``end`` while that date is ahead (else None); ``plan`` the planned sample per arm (None: no plan, only
    a pace). A pace read back from a snapshot frozen before it was kept as data knows only what its note
    said (no ``last_day``, ``per_day``).
    """

    so_far: float
    plan: int | None
    units: str
    end: date | None
    projected: float | None
    last_day: date | None = None
    per_day: float | None = None

    @property
    def short(self) -> bool:
        """At this pace the planned sample is not in by the end date."""
        return self.projected is not None and self.plan is not None and self.projected < self.plan

    @property
    def reaches_on(self) -> date | None:
        """The day this pace reaches the plan; None once it is in, or without a pace."""
        if self.last_day is None or not self.per_day or self.plan is None or self.so_far >= self.plan:
            return None
        return self.last_day + timedelta(days=math.ceil((self.plan - self.so_far) / self.per_day))

    def at(self, day: date) -> float:
        """Units per arm this pace reaches by ``day`` (from ``last_day`` on)."""
        if self.last_day is None or self.per_day is None:
            return self.so_far
        return self.so_far + self.per_day * (day - self.last_day).days


def primary_index(roles: Sequence[str | None]) -> int | None:
    """Which criterion stands for the pilot, by position: the first primary; without one, the first criterion.

    The one rule behind the headline sentence, the main chart, the informed reading and the
    learnings; frozen snapshots (plain dicts) use it through their ``role`` values.
    """
    return next((i for i, role in enumerate(roles) if role == "primary"), 0 if roles else None)


@dataclass(frozen=True)
class CriterionVerdict:
    """How one criterion stands, with the sentence for the review meeting.

    ``ci_low``/``ci_high`` is the interval the verdict used, on
    ``interval_scale`` ("difference", "lift" or "value"): a criterion is met
    exactly when the threshold lies beyond its near end, missed exactly when
    it lies beyond its far end. ``p_value`` is the sequential one-sided
    p-value of ``p_value_tests`` (1 - ``confidence``); ``p_value_raw`` the
    fixed-sample one of the same side, for analysts. ``sample_n`` is per arm
    (the smaller arm; days for count metrics and before/after), ``progress``
    the information fraction of the plan, ``more_needed`` further units
    (``more_needed_unit``) per arm. ``counterfactual`` (before/after only) is
    the model's "expected without the pilot" per day with its 95 % band beside
    the observed value: what the before/after chart draws. ``standard_error``
    is the fixed-sample standard error of the effect on ``interval_scale``
    (half the width of its ±1 standard-error interval): what reading a pilot
    with the team's past pilots (:mod:`lib.services.past_pilots`) pools; no verdict uses it.
    ``pace`` (planned sample counted in people only) is where today's pace takes the plan by the end
    date; when it falls short the pace note says so, as ``warnings[pace_note_at]``.
    """

    metric: str
    role: str
    kind: str
    comparison: str
    control_value: float | None
    pilot_value: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    relative_lift: float | None
    p_value: float | None
    p_value_raw: float | None
    confidence: float | None
    met: bool | None
    status: str
    sample_n: float
    progress: float | None
    more_needed: int | None
    sentence: str
    warnings: list[str] = field(default_factory=list)
    label: str = ""
    threshold: float = 0.0
    threshold_type: str = "absolute"
    direction: str = "increase"
    required_confidence: float = 0.95
    more_needed_unit: str | None = None
    relative_ci_low: float | None = None
    relative_ci_high: float | None = None
    adjusted_difference: float | None = None
    adjusted_ci_low: float | None = None
    adjusted_ci_high: float | None = None
    method: str | None = None
    result: ComparisonResult | TargetResult | None = None
    interval_scale: str = "difference"
    p_value_tests: str = ""
    expected: float | None = None
    reason: str = ""
    placebo: str | None = None
    counterfactual: tuple[CounterfactualDay, ...] = ()
    standard_error: float | None = None
    pace: Pace | None = None
    pace_note_at: int | None = None
    #: pilots that split units (stores, markets): the unit's name, units per arm, what the interval was
    #: adjusted for, the unadjusted reading with the same boundary, and what adjusting did, in words
    unit: str | None = None
    n_units: dict[str, int] | None = None
    adjusted_for: list[str] = field(default_factory=list)
    unadjusted_difference: float | None = None
    unadjusted_ci_low: float | None = None
    unadjusted_ci_high: float | None = None
    adjustment_note: str | None = None
    #: market tests: the reading against the synthetic control as plain data (see :mod:`lib.decide.market`)
    market: dict[str, Any] | None = None
    #: money criteria (cost per extra, return on spend): the pilot's extra outcome and extra spend so far,
    #: scaled to the pilot arm (:mod:`lib.stats.spend`); the interval is the ratio's, on ``interval_scale``
    #: "cost" (money per extra outcome) or "return" (money back per unit of money spent)
    extra_outcome: float | None = None
    extra_spend: float | None = None
    #: what one extra outcome is called ("reply"; :func:`lib.vocabulary.outcome_nouns`); "" frozen before it was kept
    outcome_noun: str = ""

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


#: ``CriterionVerdict(**values)``, the same object, without the frozen ``__init__`` (fifty-odd fields)
new_verdict = record_maker(CriterionVerdict)


@dataclass(frozen=True)
class PilotEvaluation:
    """The engine's answer for one pilot.

    ``reasons`` are the words of each reason for the recommendation, in order; ``reason_keys`` what
    each one says, as data, in the same order (one key per reason; left out, every reason is "unknown").
    """

    pilot: str
    recommendation: str
    reasons: list[str]
    verdicts: list[CriterionVerdict]
    srm_p_value: float | None
    srm_flag: bool
    design: str = "ab"
    as_of: date | None = None
    sequential: bool = True
    multiple_testing: str = "holm"
    method_version: str = METHOD_VERSION
    reason_keys: list[ReasonKey] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.reason_keys and self.reasons:
            object.__setattr__(self, "reason_keys", [ReasonKey("unknown") for _ in self.reasons])
        if len(self.reason_keys) != len(self.reasons):
            raise ValueError(
                f"{len(self.reasons)} reasons but {len(self.reason_keys)} reason keys: one key per reason."
            )

    @property
    def primary(self) -> CriterionVerdict | None:
        """The criterion the pilot is judged by first (see :func:`primary_index`); None without criteria."""
        i = primary_index([v.role for v in self.verdicts])
        return None if i is None else self.verdicts[i]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain data: dates as ISO strings, None instead of NaN."""
        return plain(self)
