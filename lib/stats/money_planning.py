"""Planning a money criterion: how much spend and how many days tell €40 from €60 per extra lead.

The criterion is judged (:mod:`lib.decide.money`) by the sign of a linear contrast at the agreed
price, per unit of the pilot arm (``Δr`` the extra outcome per unit, ``Δs`` the extra spend per unit):

- cost per extra at most ``X``: ``L = X Δr − Δs``; when each extra outcome really costs ``E``,
  ``Δr = Δs / E`` and ``L = Δs (X / E − 1)``;
- return on spend at least ``R``: ``L = Δr − R Δs``; at a true return ``E``, ``L = Δs (E − R)``.

Its standard deviation per unit (both arms, equal sizes) is ``sqrt(X² (σ²_p + σ²_c) + σ²_s)``
for a cost (``sqrt(σ²_p + σ²_c + R² σ²_s)`` for a return): the outcome's spread per unit in each
arm — ``p (1 − p)`` for a rate — and the spend's when both arms spend (none when only the pilot
spends: its spend is a fixed figure). The units per arm follow as for any criterion,
``n = ((drift + m) · sd / L)²`` with the drift that gives the power under daily looks
(:func:`lib.stats.group_sequential.design_drift`) and ``m`` the price of measuring the spread
from the days (:func:`t_margin`); the spend is ``n`` times the spend per unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import optimize, special

from lib.stats import group_sequential as gs
from lib.stats import stats_messages, validation
from lib.stats.distributions import norm_cdf
from lib.stats.plan_types import Plan, PlanInputs


@dataclass(frozen=True)
class MoneyPlan:
    """A money criterion's plan: the units per arm (``plan.n``), and what they cost.

    ``extra_spend`` is what the pilot arm spends beyond control over the plan, ``pilot_spend`` all
    it spends, ``days`` how long the plan takes at ``units_per_day`` per arm (None without it), and
    ``extra_outcome`` the extra outcome the plan expects (conversions, revenue, leads).
    """

    plan: Plan
    extra_spend: float
    pilot_spend: float
    extra_outcome: float
    days: int | None


def _outcome_variance(p: PlanInputs, lift: float) -> float:
    """The outcome's variance per unit, both arms added, when the pilot arm gets ``lift`` more per unit."""
    good = -1.0 if p.direction == "decrease" else 1.0
    if p.kind == "proportion":
        base = validation.probability("baseline", p.baseline, open_low=True, open_high=True)
        pilot = validation.probability("expected rate", base + good * lift, open_low=True, open_high=True)
        return base * (1 - base) + pilot * (1 - pilot)
    sd = validation.positive("sd", p.sd)
    # an average's spread grows with it (revenue): a pilot arm 20 % richer also spreads 20 % wider
    grow = max(1.0 + good * lift / abs(p.baseline), 1.0) if p.kind == "mean" and p.baseline else 1.0
    return sd * sd * (1.0 + grow * grow)


def money_sd_and_gap(p: PlanInputs, expected: float) -> tuple[float, float]:
    """Per-unit standard deviation of the contrast at the threshold, and its value when the truth is ``expected``."""
    if p.spend_per_unit is None:
        raise ValueError(stats_messages.NEEDS_SPEND)
    spend = validation.positive("spend_per_unit", p.spend_per_unit)
    control = validation.finite("control_spend_per_unit", p.control_spend_per_unit)
    spread = validation.finite("spend_sd", p.spend_sd)
    var_spend = 2.0 * spread * spread if control > 0 else 0.0
    if p.threshold_type == "cost_per_extra":
        if not 0 < expected < p.threshold:
            raise ValueError(stats_messages.COST_NOT_BELOW)
        lift = spend / expected
        x = p.threshold
        sd = math.sqrt(x * x * _outcome_variance(p, lift) + var_spend)
        return sd, spend * (x / expected - 1.0)
    if expected <= p.threshold:
        raise ValueError(stats_messages.RETURN_NOT_ABOVE)
    r = p.threshold
    sd = math.sqrt(_outcome_variance(p, expected * spend) + r * r * var_spend)
    return sd, spend * (expected - r)


def t_margin(alpha: float, looks: int, fraction: float = 1.0) -> float:
    """What judging on Student's t costs, in drift units, at the look a share ``fraction`` into the plan.

    The engine reads the contrast's spread from day-to-day variation, with about ``2 (days − 1)``
    degrees of freedom after ``days`` days (:mod:`lib.stats.spend`), so a look's bar ``c / √t`` is
    reached on Student's quantile at the same tail rather than the normal one. The plan adds the
    difference, at the look where a pilot that works as expected typically decides, to its drift
    (about 0.08 at 95 % over 28 days, deciding 70 % of the way in), which keeps the promised power.
    """
    c = gs.efficacy_constant(alpha)
    t = min(max(fraction, 1.0 / max(looks, 1)), 1.0)
    df = 2.0 * (max(t * looks, 2.0) - 1)
    bar = c / math.sqrt(t)
    return (float(special.stdtrit(df, norm_cdf(bar))) - bar) * math.sqrt(t)


def plan_money(p: PlanInputs, *, units_per_day: float | None = None) -> MoneyPlan:
    """Units per arm, spend and days a money criterion needs for its power under daily looks."""
    alpha = validation.alpha_value(1.0 - p.confidence)
    power = validation.probability("power", p.power, open_low=True, open_high=True)
    looks = max(int(p.looks), 1)
    sd, gap = money_sd_and_gap(p, p.expected)
    drift = gs.design_drift(alpha, power, looks)
    at_expected = gs.operating_characteristics(drift, alpha=alpha, looks=looks, design_drift=drift)
    margin = t_margin(alpha, looks, at_expected.mean_fraction)
    n = int(math.ceil(((drift + margin) * sd / gap) ** 2 - 1e-9))
    fixed = int(math.ceil((gs.fixed_sample_drift(alpha, power) * sd / gap) ** 2 - 1e-9))
    plan = Plan(
        n=n,
        fixed_n=fixed,
        drift=drift,
        at_threshold=gs.operating_characteristics(0.0, alpha=alpha, looks=looks, design_drift=drift),
        at_expected=at_expected,
        looks=looks,
        unit_is_day=p.kind == "count",
    )
    spend = float(p.spend_per_unit or 0.0)
    extra = n * spend / p.expected if p.threshold_type == "cost_per_extra" else n * spend * p.expected
    days = None
    if p.kind == "count":
        days = n
    elif units_per_day is not None:
        days = int(math.ceil(n / validation.positive("units_per_day", units_per_day)))
    return MoneyPlan(plan, n * spend, n * (spend + p.control_spend_per_unit), extra, days)


def detectable_price(p: PlanInputs, n: float) -> float | None:
    """The price a budget of ``n`` units per arm can tell from the threshold with ``p.power``.

    A cost: the highest expected cost per extra outcome it catches (below the threshold); a return:
    the lowest expected return (above it). None when nothing within reach is.
    """
    alpha = validation.alpha_value(1.0 - p.confidence)
    drift = gs.design_drift(alpha, validation.probability("power", p.power, open_low=True, open_high=True), p.looks)
    oc = gs.operating_characteristics(drift, alpha=alpha, looks=p.looks, design_drift=drift)
    margin = t_margin(alpha, p.looks, oc.mean_fraction)

    def shortfall(expected: float) -> float:
        try:
            sd, gap = money_sd_and_gap(p, expected)
        except ValueError:
            return math.inf
        return ((drift + margin) * sd / gap) ** 2 - n

    if p.threshold_type == "cost_per_extra":
        near, far = p.threshold * (1 - 1e-9), p.threshold * 1e-3
        while not math.isfinite(shortfall(far)) and far < near:  # stay where the implied rate is a rate
            far *= 1.25
    else:
        near, far = p.threshold + 1e-9, p.threshold + 1000.0
    if not math.isfinite(shortfall(far)) or shortfall(far) > 0:
        return None
    if shortfall(near) <= 0:
        return near
    return float(optimize.brentq(shortfall, far, near, xtol=1e-10 * max(1.0, abs(p.threshold))))


__all__ = ["MoneyPlan", "detectable_price", "money_sd_and_gap", "plan_money"]
