"""Does it pay? Spend against what it bought: extra outcomes, cost per extra outcome, return on spend.

Definitions (A/B pilot; arm ``a`` is control ``c`` or pilot ``p``; sums over the days logged):

- an arm's **size** ``N_a``: the units its outcome is counted over — exposures for a rate
  (contacts, visitors), observations for an average (visitors, orders), days for a daily count;
- its **outcome per unit** ``r_a = X_a / N_a`` (conversions per contact, revenue per visitor,
  leads per day) and **spend per unit** ``s_a = S_a / N_a`` (money logged under
  :data:`SPEND_METRIC` in that arm, per the same units);
- **extra outcome** ``Δo = g (r_p − r_c) N_p``: what the pilot arm got beyond what it would have
  got at the control's rate, ``g`` = +1 when more is better (−1 for, say, unsubscribes). For a
  rate it is the extra conversions ``(rate_p − rate_c) × n_p``; for an average, the extra total
  (revenue) over the pilot's units; for a daily count, the extra per day × the pilot's days;
- **extra spend** ``Δs = (s_p − s_c) N_p``: the pilot's spend beyond what control spends for the
  same size. When only the pilot arm spends, ``Δs = S_p``, a fixed figure (what was paid is
  known); when both spend, the control's rate is an estimate and ``Δs`` carries its uncertainty;
- **cost per extra outcome** ``Δs / Δo`` and **return on spend** ``Δo / Δs`` (the outcome is
  money, e.g. revenue): ratios that do not depend on ``N_p``, so a projection to any audience
  keeps them.

Uncertainty comes from day-to-day variation: each arm's per-unit figures are ratio estimators
over its days, with the linearised (delta-method, day-clustered) variances and covariance
``Var(r_a) = D/(D−1) Σ_d (X_d − r_a N_d)² / N_a²`` and alike — the HC1 sandwich of a weighted
mean, so spend that moves with traffic or with conversions is counted together with them. Arms
are independent; the degrees of freedom are Welch–Satterthwaite's over the days. Each ratio's
interval is Fieller's (:class:`lib.stats.contrasts.FiellerRatio`): exact for normal estimates,
open-ended ("€25 to no upper bound") when the denominator could be zero. The decision rule
(:mod:`lib.decide`) tests the sign of the linear contrast behind it: "cost per extra ≤ X" is
``X Δo − Δs ≥ 0``, "return ≥ R" is ``Δo − R Δs ≥ 0``.

Pure: observations in, frozen figures out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from lib.stats.before_after import fit_step
from lib.stats.contrasts import FiellerRatio, LinearContrast
from lib.stats.distributions import z_two_sided
from lib.vocabulary import SPEND_METRIC, MetricKind

if TYPE_CHECKING:  # plain records read by attribute: the stats layer does not import lib.specs
    from lib.specs import Observation, PilotSpec

__all__ = [
    "SPEND_METRIC",
    "ArmDays",
    "Increments",
    "MoneySpan",
    "ScalingProjection",
    "SpendReading",
    "arm_days",
    "from_sums",
    "increments",
    "project_scaling",
    "read_spend",
]


@dataclass(frozen=True)
class MoneySpan:
    """An estimate with its interval; ``None`` = unbounded on that side (or, for the estimate, undefined).

    Values are in the workspace currency (spend, cost per extra), in the outcome's units (extra
    outcome) or a plain ratio (return on spend). A fixed figure has ``low == high == estimate``.
    """

    estimate: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class ArmDays:
    """One arm's day-level sums: units behind the outcome, the outcome, and the money spent, per day."""

    days: tuple[date, ...]
    size: tuple[float, ...]
    outcome: tuple[float, ...]
    spend: tuple[float, ...]

    @property
    def units(self) -> float:
        return math.fsum(self.size)

    @property
    def total_outcome(self) -> float:
        return math.fsum(self.outcome)

    @property
    def total_spend(self) -> float:
        return math.fsum(self.spend)

    def moments(self, spend_fixed: bool) -> tuple[float, float, float, float, float]:
        """``(r, s, var_r, var_s, cov)``: per-unit outcome and spend with their day-clustered (co)variances.

        Variances are NaN with fewer than two days (no spread can be measured); spend's are 0 when
        it is a fixed figure.
        """
        n = self.units
        r = self.total_outcome / n
        s = self.total_spend / n
        days = len(self.days)
        if days < 2:
            return r, s, math.nan, 0.0 if spend_fixed else math.nan, 0.0 if spend_fixed else math.nan
        ex = [x - r * m for x, m in zip(self.outcome, self.size, strict=True)]
        es = [y - s * m for y, m in zip(self.spend, self.size, strict=True)]
        factor = days / (days - 1) / (n * n)
        var_r = factor * math.fsum(e * e for e in ex)
        if spend_fixed:
            return r, s, var_r, 0.0, 0.0
        var_s = factor * math.fsum(e * e for e in es)
        cov = factor * math.fsum(a * b for a, b in zip(ex, es, strict=True))
        return r, s, var_r, var_s, cov


def arm_days(
    observations: Sequence[Observation],
    arm: str,
    outcome_metric: str,
    outcome_kind: MetricKind,
    *,
    as_of: date | None = None,
) -> ArmDays:
    """The arm's sums per day: every day with its outcome or its spend logged (spend-only days have size 0).

    A daily count's size is one per day with the outcome logged: its units are days.
    """
    size: dict[date, float] = {}
    outcome: dict[date, float] = {}
    spend: dict[date, float] = {}
    for o in observations:
        if o.arm != arm or (as_of is not None and o.day > as_of):
            continue
        if o.metric == outcome_metric:
            size[o.day] = size.get(o.day, 0.0) + float(o.n)
            outcome[o.day] = outcome.get(o.day, 0.0) + float(o.total)
        elif o.metric == SPEND_METRIC:
            spend[o.day] = spend.get(o.day, 0.0) + float(o.total)
    return from_sums({d: (size[d], outcome[d]) for d in size}, spend, outcome_kind)


def from_sums(outcome: Mapping[date, tuple[float, float]], spend: Mapping[date, float], kind: str) -> ArmDays:
    """An arm's days from its outcome's ``(n, total)`` per day and its spend per day (the engine's sums).

    A daily count's size is one per day with the outcome logged, however many rows that day had.
    """
    days = tuple(sorted(set(outcome) | set(spend)))
    size = tuple((1.0 if kind == "count" else outcome[d][0]) if d in outcome else 0.0 for d in days)
    return ArmDays(
        days,
        size,
        tuple(outcome[d][1] if d in outcome else 0.0 for d in days),
        tuple(spend.get(d, 0.0) for d in days),
    )


def _satterthwaite(parts: Sequence[tuple[float, float]]) -> float | None:
    """Welch–Satterthwaite degrees of freedom of a sum of independent variances, each on ``days - 1``."""
    total = sum(v for v, _ in parts)
    denom = sum(v * v / (d - 1) for v, d in parts if d > 1)
    if total <= 0 or denom <= 0:
        return None
    return total * total / denom


@dataclass(frozen=True)
class Increments:
    """Per unit of the pilot arm: the outcome and spend differences, their (co)variances, and the size.

    ``outcome`` = ``g (r_p − r_c)``, ``spend`` = ``s_p − s_c`` (see the module's definitions);
    ``size`` = ``N_p``. ``spend_fixed``: only the pilot arm spends, so the spend is a fixed figure.
    ``arm_parts`` keeps each arm's (co)variances and days for the degrees of freedom.
    """

    outcome: float
    spend: float
    var_outcome: float
    var_spend: float
    cov: float
    size: float
    spend_fixed: bool
    arm_parts: tuple[tuple[float, float, float, float], ...]  # per arm: var_r, var_s, g·cov, days

    @property
    def measured(self) -> bool:
        """Whether the spread could be measured (two days in each arm)."""
        return all(math.isfinite(v) for v in (self.var_outcome, self.var_spend, self.cov))

    def df_for(self, weight_outcome: float, weight_spend: float) -> float | None:
        """Degrees of freedom of ``weight_outcome · outcome + weight_spend · spend``."""
        parts = []
        for var_r, var_s, cov, days in self.arm_parts:
            v = weight_outcome**2 * var_r + weight_spend**2 * var_s + 2 * weight_outcome * weight_spend * cov
            parts.append((max(v, 0.0), days))
        return _satterthwaite(parts)

    def cost_ratio(self) -> FiellerRatio:
        """Cost per extra outcome, ``spend / outcome``, as a Fieller contrast."""
        c = self.spend / self.outcome if self.outcome > 0 else 0.0
        df = self.df_for(-c, 1.0)
        return FiellerRatio(self.spend, self.outcome, self.var_spend, self.var_outcome, self.cov, df)

    def return_ratio(self) -> FiellerRatio:
        """Return on spend, ``outcome / spend`` (the outcome is money), as a Fieller contrast."""
        rho = self.outcome / self.spend if self.spend > 0 else 0.0
        df = self.df_for(1.0, -rho)
        return FiellerRatio(self.outcome, self.spend, self.var_outcome, self.var_spend, self.cov, df)


def increments(control: ArmDays, pilot: ArmDays, *, direction: str = "increase") -> Increments | None:
    """The pilot's extra outcome and extra spend per unit, or None while an arm has no units."""
    if control.units <= 0 or pilot.units <= 0:
        return None
    good = -1.0 if direction == "decrease" else 1.0
    spend_fixed = control.total_spend == 0
    rc, sc, vrc, vsc, cc = control.moments(spend_fixed)
    rp, sp, vrp, vsp, cp = pilot.moments(spend_fixed)
    return Increments(
        outcome=good * (rp - rc),
        spend=sp - sc,
        var_outcome=vrc + vrp,
        var_spend=vsc + vsp,
        cov=good * (cc + cp),
        size=pilot.units,
        spend_fixed=spend_fixed,
        arm_parts=((vrc, vsc, good * cc, len(control.days)), (vrp, vsp, good * cp, len(pilot.days))),
    )


@dataclass(frozen=True)
class SpendReading:
    """What the money bought so far, each figure with its interval (see the module's definitions)."""

    total: MoneySpan  # spend logged so far (both arms; a fixed figure: low == high == estimate)
    extra_outcome: MoneySpan  # incremental outcome in the pilot arm vs control (conversions, revenue, sign-ups)
    extra_spend: MoneySpan  # incremental spend (estimated when both arms spend)
    cost_per_extra: MoneySpan  # Fieller; open-ended when the extra outcome could be zero
    return_on_spend: MoneySpan | None  # None when the outcome is not money
    outcome_metric: str
    outcome_is_money: bool
    days: int
    confidence: float = 0.95
    increments: Increments | None = None  # per unit of the pilot arm: what projections scale


NOTHING = MoneySpan(None, None, None)


def _linear(estimate: float, var: float, df: float | None, k: float, scale: float = 1.0) -> MoneySpan:
    """``scale · estimate`` with its two-sided interval at normal quantile ``k`` (t with ``df``)."""
    if not math.isfinite(var):
        return MoneySpan(scale * estimate, None, None)
    line = LinearContrast(estimate, math.sqrt(max(var, 0.0)), df)
    low, high = line.lower(k), line.upper(k)
    assert low is not None and high is not None
    return MoneySpan(scale * estimate, scale * low, scale * high)


def _ratio(ratio: FiellerRatio, k: float, measured: bool) -> MoneySpan:
    estimate = ratio.num / ratio.den if ratio.den > 0 else None
    if not measured:
        return MoneySpan(estimate, None, None)
    return MoneySpan(estimate, ratio.lower(k), ratio.upper(k))


def read_spend(
    observations: Sequence[Observation],
    spec: PilotSpec,
    outcome_metric: str,
    outcome_kind: MetricKind,
    outcome_is_money: bool,
    confidence: float = 0.95,
    *,
    direction: str = "increase",
    as_of: date | None = None,
) -> SpendReading | None:
    """Spend, extra outcome, cost per extra outcome and return on spend, with ``confidence`` intervals.

    None when no spend is logged. A before/after pilot compares its pilot period with the
    counterfactual of its baseline (:func:`period_increments`); a pilot against a target gets its
    total only: what the spend bought needs a comparison.
    """
    spend_rows = [o for o in observations if o.metric == SPEND_METRIC and (as_of is None or o.day <= as_of)]
    if not spend_rows:
        return None
    total = math.fsum(o.total for o in spend_rows)
    days = len({o.day for o in spend_rows})
    money = MoneySpan(total, total, total)
    empty = SpendReading(
        money, NOTHING, NOTHING, NOTHING, NOTHING if outcome_is_money else None, outcome_metric, outcome_is_money, days
    )
    if spec.design == "ab":
        control = arm_days(observations, spec.control_arm, outcome_metric, outcome_kind, as_of=as_of)
        pilot = arm_days(observations, spec.pilot_arm, outcome_metric, outcome_kind, as_of=as_of)
        inc = increments(control, pilot, direction=direction)
    elif spec.design == "before_after":
        inc = period_increments(observations, spec, outcome_metric, outcome_kind, direction=direction, as_of=as_of)
    else:
        return _with_confidence(empty, confidence)
    if inc is None:
        return _with_confidence(empty, confidence)
    k = z_two_sided(1.0 - confidence)
    extra_outcome = _linear(inc.outcome, inc.var_outcome, inc.df_for(1.0, 0.0), k, inc.size)
    if inc.spend_fixed:
        fixed = inc.spend * inc.size
        extra_spend = MoneySpan(fixed, fixed, fixed)
    else:
        extra_spend = _linear(inc.spend, inc.var_spend, inc.df_for(0.0, 1.0), k, inc.size)
    cost = _ratio(inc.cost_ratio(), k, inc.measured)
    ret = _ratio(inc.return_ratio(), k, inc.measured) if outcome_is_money else None
    return SpendReading(
        money, extra_outcome, extra_spend, cost, ret, outcome_metric, outcome_is_money, days, confidence, inc
    )


def _window(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def period_increments(
    observations: Sequence[Observation],
    spec: PilotSpec,
    outcome_metric: str,
    outcome_kind: MetricKind,
    *,
    direction: str = "increase",
    as_of: date | None = None,
) -> Increments | None:
    """Before/after: the pilot period against the counterfactual its baseline projects (an observation, not
    an experiment).

    The extra outcome per unit is the adjusted step of :func:`lib.stats.before_after.fit_step` (trend,
    weekday and day-to-day carry-over modelled) on the daily values; the extra spend is the pilot
    period's spend when the baseline spent nothing (a fixed figure), else the same step fitted to
    the daily spend, its uncertainty counted as independent of the outcome's. The size is the
    pilot period's units (exposures, observations, or days for a daily count). None without
    enough days in each period.
    """
    if spec.start is None:
        return None
    baseline_end = spec.baseline_end
    if baseline_end is None:
        baseline_end = date.fromordinal(spec.start.toordinal() - 1)
    size = 0.0
    values: dict[bool, dict[date, list[float]]] = {True: {}, False: {}}
    spend: dict[bool, dict[date, float]] = {True: {}, False: {}}
    for o in observations:
        if o.arm != spec.pilot_arm or (as_of is not None and o.day > as_of):
            continue
        in_pilot = _window(o.day, spec.start, spec.end)
        if not in_pilot and not _window(o.day, spec.baseline_start, baseline_end):
            continue
        if o.metric == outcome_metric:
            cell = values[in_pilot].setdefault(o.day, [0.0, 0.0])
            cell[0] += float(o.n)
            cell[1] += float(o.total)
        elif o.metric == SPEND_METRIC:
            spend[in_pilot][o.day] = spend[in_pilot].get(o.day, 0.0) + float(o.total)

    def daily(period: dict[date, list[float]]) -> tuple[list[date], list[float]]:
        days = sorted(d for d, (n, _) in period.items() if outcome_kind == "count" or n > 0)
        return days, [period[d][1] if outcome_kind == "count" else period[d][1] / period[d][0] for d in days]

    before_days, before = daily(values[False])
    after_days, after = daily(values[True])
    step = fit_step(before_days, before, after_days, after)
    if step is None:
        return None
    size = float(len(after_days)) if outcome_kind == "count" else math.fsum(values[True][d][0] for d in after_days)
    good = -1.0 if direction == "decrease" else 1.0
    spent = math.fsum(spend[True].values())
    if math.fsum(spend[False].values()) == 0:
        return Increments(
            good * step.estimate, spent / size, step.standard_error**2, 0.0, 0.0, size, True,
            ((step.standard_error**2, 0.0, 0.0, step.df + 1), (0.0, 0.0, 0.0, 2.0)),
        )  # fmt: skip
    spend_days = {p: sorted(spend[p]) for p in (False, True)}
    spend_step = fit_step(
        spend_days[False], [spend[False][d] for d in spend_days[False]],
        spend_days[True], [spend[True][d] for d in spend_days[True]],
    )  # fmt: skip
    if spend_step is None:
        return None
    per_unit = len(after_days) / size  # a day's extra spend, per unit of the pilot period
    var_spend = (spend_step.standard_error * per_unit) ** 2
    return Increments(
        good * step.estimate, spend_step.estimate * per_unit, step.standard_error**2, var_spend, 0.0, size, False,
        ((step.standard_error**2, 0.0, 0.0, step.df + 1), (0.0, var_spend, 0.0, spend_step.df + 1)),
    )  # fmt: skip


def _with_confidence(reading: SpendReading, confidence: float) -> SpendReading:
    return replace(reading, confidence=confidence)


@dataclass(frozen=True)
class ScalingProjection:
    """What scaling would bring per month, with intervals: a projection, not a measurement.

    ``units_per_month`` in the outcome's units (exposures for a rate or an average, days for a
    daily count). ``spend_per_month`` is the extra spend; ``cost_per_extra`` and
    ``return_on_spend`` are the pilot's own ratios, which do not depend on the size.
    """

    units_per_month: float
    extra_outcome_per_month: MoneySpan
    spend_per_month: MoneySpan
    cost_per_extra: MoneySpan
    return_on_spend: MoneySpan | None = None


def project_scaling(
    reading: SpendReading, *, per_month_units: float, confidence: float | None = None
) -> ScalingProjection:
    """The pilot's per-unit extra outcome and extra spend carried to ``per_month_units`` a month.

    The intervals are the pilot's, scaled: they say how sure the per-unit figures are, not how a
    month at scale may differ from the pilot (saturation, season), which the caller labels as a
    projection.
    """
    if not math.isfinite(per_month_units) or per_month_units < 0:
        raise ValueError(f"per_month_units must be a number of units of zero or more; got {per_month_units!r}.")
    level = reading.confidence if confidence is None else confidence
    inc = reading.increments
    if inc is None:
        return ScalingProjection(per_month_units, NOTHING, NOTHING, reading.cost_per_extra, reading.return_on_spend)
    k = z_two_sided(1.0 - level)
    outcome = _linear(inc.outcome, inc.var_outcome, inc.df_for(1.0, 0.0), k, per_month_units)
    if inc.spend_fixed:
        fixed = inc.spend * per_month_units
        spend = MoneySpan(fixed, fixed, fixed)
    else:
        spend = _linear(inc.spend, inc.var_spend, inc.df_for(0.0, 1.0), k, per_month_units)
    cost = reading.cost_per_extra
    ret = reading.return_on_spend
    if level != reading.confidence:
        cost = _ratio(inc.cost_ratio(), k, inc.measured)
        ret = _ratio(inc.return_ratio(), k, inc.measured) if reading.outcome_is_money else None
    return ScalingProjection(per_month_units, outcome, spend, cost, ret)
