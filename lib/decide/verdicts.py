"""What the decision engine returns: one verdict per criterion, one evaluation per pilot.

Frozen, JSON-safe through ``to_dict``: a decision freezes ``to_dict()`` of
the evaluation it was shown, with ``method_version`` saying which rules made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lib.stats.before_after import CounterfactualDay
from lib.stats.result_types import ComparisonResult, TargetResult, plain

RECOMMENDATIONS: tuple[str, ...] = ("scale", "iterate", "keep_running", "abort")
STATUSES: tuple[str, ...] = ("met", "missed", "harmed", "safe", "too_early", "inconclusive", "futile")
#: bumped whenever a rule or boundary changes; stored with every frozen snapshot
METHOD_VERSION = "2026.11-gs"


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
    #: pilots that split units (stores, markets): the unit's name, units per arm, what the interval was
    #: adjusted for, the unadjusted reading with the same boundary, and what adjusting did, in words
    unit: str | None = None
    n_units: dict[str, int] | None = None
    adjusted_for: list[str] = field(default_factory=list)
    unadjusted_difference: float | None = None
    unadjusted_ci_low: float | None = None
    unadjusted_ci_high: float | None = None
    adjustment_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass(frozen=True)
class PilotEvaluation:
    """The engine's answer for one pilot."""

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

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain data: dates as ISO strings, None instead of NaN."""
        return plain(self)
