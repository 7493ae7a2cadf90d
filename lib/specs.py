"""Plain-data records shared by the stats, decision and import layers.

Everything downstream of the database works on sufficient statistics per
day x arm x metric, so the maths never needs raw rows and the importer,
the manual entry grid and the CLI all produce the same shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

# The vocabulary lives in lib.vocabulary; these names stay importable from here for analysts' notebooks.
from lib.vocabulary import (  # noqa: E402, F401
    COMPARISONS,
    CONTROL_ARM,
    DESIGNS,
    DIRECTIONS,
    METRIC_KINDS,
    PILOT_ARM,
    ROLES,
    THRESHOLD_TYPES,
    TWO_ARM_DESIGNS,
    Design,
    Direction,
    MetricKind,
    Role,
    ThresholdType,
)
from lib.vocabulary import Comparison as ComparisonKind  # noqa: E402, F401


@dataclass(frozen=True)
class Observation:
    """Sufficient statistics for one metric, one arm, one day (or week start).

    - proportion: ``n`` = exposures (visitors, contacts), ``total`` = conversions.
    - mean: ``n`` = observations (orders), ``total`` = sum, ``total_sq`` = sum of squares,
      ``total_cu`` = sum of cubes (event imports compute it; the engine uses it to
      correct for skew, and judges means without it conservatively).
    - count: ``total`` = the count or amount for the day (leads, revenue); ``n`` is
      the number of units behind it when known (1 for a plain daily figure).

    For before/after pilots the arm is always ``pilot``; whether a day is in the
    baseline or the pilot period follows from the pilot's dates.
    """

    day: date
    arm: str
    metric: str
    n: float
    total: float
    total_sq: float | None = None
    total_cu: float | None = None


@dataclass(frozen=True)
class UnitObservation:
    """What one unit (a store, a market, a person) logged for one metric on one day (or week start).

    For pilots that split units between the arms (``PilotSpec.unit``): ``n``
    and ``total`` as in :class:`Observation` but for this unit alone;
    ``stratum`` (its market, region, size) and ``before`` (its value before
    the pilot: last month's sales, past spend) are what was known before,
    named by ``stratum_name`` and ``before_name`` as the file has them.
    """

    day: date
    arm: str
    metric: str
    unit: str
    n: float
    total: float
    stratum: str | None = None
    before: float | None = None
    stratum_name: str | None = None
    before_name: str | None = None


@dataclass(frozen=True)
class CriterionSpec:
    """A success criterion as agreed before the pilot starts.

    ``threshold`` means, by comparison:
    - vs_target: the target value of the metric in the pilot arm (0.08 = 8% reply rate;
      for mean/count the value per unit or per day).
    - vs_control / vs_baseline: the minimum effect the pilot must show over the
      control arm / baseline period: an absolute difference (0.01 = +1 point) or,
      when ``threshold_type`` is relative, a lift (0.10 = +10%). 0 means "better at all".
    For a guardrail it is the largest harm tolerated in the bad ``direction``
    (0 = must not get worse at all).
    ``direction`` says which way is good for the metric.

    ``threshold`` is the *minimum worth scaling*: the criterion is met when the
    data show the effect is beyond it. ``expected`` is the effect (or, vs_target,
    the value) the team expects, in the same units; it sizes the plan and sets
    the futility rule (a pilot that can no longer show it beats the threshold
    when the rest of the plan came in at ``expected`` is stopped). ``None``
    means no expectation was given: no futility stop.
    """

    metric: str
    kind: MetricKind
    role: Role
    comparison: ComparisonKind
    threshold: float
    direction: Direction = "increase"
    threshold_type: ThresholdType = "absolute"
    confidence: float = 0.95
    expected: float | None = None
    #: what the metric counts, as the team named it ("Replies"): the noun of an extra outcome (None: from the metric)
    numerator_label: str | None = None


def arm_roles(arms: Sequence[str], design: str | None = None) -> tuple[str, str]:
    """The names of the control arm and of the pilot arm, as the team named them: the one arm rule.

    An A/B pilot's control is its first arm and its pilot the second ("gate_30", "gate_40");
    a one-arm pilot (before/after, against a target) has only its pilot arm. ``design``
    None reads the design from the arms: two or more make an A/B pilot. Without arms
    the defaults "control" and "pilot" stand.
    """
    ab = len(arms) >= 2 if design is None else design in TWO_ARM_DESIGNS
    if ab:
        return (arms[0], arms[1]) if len(arms) >= 2 else (CONTROL_ARM, PILOT_ARM)
    return CONTROL_ARM, arms[0] if arms else PILOT_ARM


@dataclass(frozen=True)
class PilotSpec:
    """What the decision engine needs to know about the pilot itself."""

    name: str
    design: Design
    start: date | None = None
    end: date | None = None
    baseline_start: date | None = None
    baseline_end: date | None = None
    planned_n_per_arm: int | None = None
    control_arm: str = CONTROL_ARM
    pilot_arm: str = PILOT_ARM
    #: what the arms split when not people ("stores", "markets"): the evidence is then per unit
    unit: str | None = None
    #: a unit's value for the period: "mean" (per row, or per period for counts) or "total"
    unit_summary: str = "mean"
    #: market tests: the markets that get the pilot, and markets left out of the controls (e.g. spill-over)
    test_markets: tuple[str, ...] = ()
    excluded_markets: tuple[str, ...] = ()

    @property
    def planned_days(self) -> int | None:
        """Days from the start to the end date, both counted: the calendar plan (None without both dates)."""
        if self.start is None or self.end is None or self.end < self.start:
            return None
        return (self.end - self.start).days + 1
