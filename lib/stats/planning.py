"""Planning: how many visitors per arm a pilot needs, and what it can detect.

Rates use the classic normal-approximation formula (Fleiss, without
continuity correction): pooled variance under the null, unpooled under the
alternative, equal arms,

    n = (z_a sqrt(2 pbar qbar) + z_b sqrt(p1 q1 + p2 q2))^2 / (p2 - p1)^2,

the same as R's ``power.prop.test``. Means use the normal formula with a
common expected standard deviation. Power ignores the far tail of a
two-sided test (negligible in practice).
"""

from __future__ import annotations

import math

from scipy import optimize

from lib.stats import group_sequential as gs
from lib.stats import stats_messages, validation
from lib.stats.distributions import norm_cdf, z_one_sided, z_two_sided
from lib.stats.money_planning import detectable_price, plan_money
from lib.stats.plan_types import Plan, PlanInputs
from lib.vocabulary import is_money_threshold


def _z_alpha(alpha: float, alternative: str) -> float:
    return z_two_sided(alpha) if alternative == "two-sided" else z_one_sided(alpha)


def _check_rates(baseline_rate: float, target_rate: float) -> tuple[float, float]:
    p1 = validation.probability("baseline_rate", baseline_rate, open_low=True, open_high=True)
    p2 = validation.probability("target_rate", target_rate, open_low=True, open_high=True)
    if p1 == p2:
        raise ValueError(stats_messages.RATES_EQUAL)
    return p1, p2


def _check_power(power_: float) -> float:
    return validation.probability("power", power_, open_low=True, open_high=True)


def sample_size_per_arm(
    baseline_rate: float,
    target_rate: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: str = "two-sided",
) -> int:
    """Visitors needed in each arm to detect ``baseline_rate -> target_rate``."""
    p1, p2 = _check_rates(baseline_rate, target_rate)
    alpha = validation.alpha_value(alpha)
    power = _check_power(power)
    alternative = validation.alternative_value(alternative)
    pbar = (p1 + p2) / 2.0
    za = _z_alpha(alpha, alternative)
    zb = z_one_sided(1.0 - power)
    root = za * math.sqrt(2.0 * pbar * (1.0 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    n = root * root / (p2 - p1) ** 2
    return int(math.ceil(n - 1e-9))


def power(
    baseline_rate: float,
    target_rate: float,
    n_per_arm: float,
    *,
    alpha: float = 0.05,
    alternative: str = "two-sided",
) -> float:
    """Chance that a test on ``n_per_arm`` per arm detects the difference."""
    p1, p2 = _check_rates(baseline_rate, target_rate)
    n = validation.positive("n_per_arm", n_per_arm)
    alpha = validation.alpha_value(alpha)
    alternative = validation.alternative_value(alternative)
    return _rate_power(p1, p2, n, alpha, alternative)


def minimum_detectable_effect(
    baseline_rate: float,
    n_per_arm: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: str = "two-sided",
) -> float | None:
    """Smallest increase over ``baseline_rate`` (absolute, e.g. 0.012 = +1.2 points)
    detectable with the given power; ``None`` if no rate up to 100% is.
    """
    p1 = validation.probability("baseline_rate", baseline_rate, open_low=True, open_high=True)
    n = validation.positive("n_per_arm", n_per_arm)
    alpha = validation.alpha_value(alpha)
    goal = _check_power(power)
    alternative = validation.alternative_value(alternative)
    if alternative == "less":
        alternative = "greater"  # symmetric question: size of the detectable change

    def gap(p2: float) -> float:
        return _rate_power(p1, p2, n, alpha, alternative) - goal

    top = 1.0 - 1e-12
    if gap(top) < 0:
        return None
    p2 = optimize.brentq(gap, p1 + 1e-12, top, xtol=1e-12)
    return p2 - p1


def _rate_power(p1: float, p2: float, n: float, alpha: float, alternative: str) -> float:
    """Power for rates ``p1 -> p2`` on ``n`` per arm (arguments already checked)."""
    pbar = (p1 + p2) / 2.0
    za = _z_alpha(alpha, alternative)
    diff = abs(p2 - p1) if alternative == "two-sided" else (p2 - p1 if alternative == "greater" else p1 - p2)
    num = diff * math.sqrt(n) - za * math.sqrt(2.0 * pbar * (1.0 - pbar))
    return norm_cdf(num / math.sqrt(p1 * (1 - p1) + p2 * (1 - p2)))


def sample_size_per_arm_means(
    expected_sd: float,
    min_difference: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: str = "two-sided",
) -> int:
    """Units per arm to detect a difference in means of ``min_difference``:
    n = 2 (z_a + z_b)^2 sd^2 / diff^2 (normal approximation, equal arms).
    """
    sd = validation.positive("expected_sd", expected_sd)
    diff = abs(validation.finite("min_difference", min_difference))
    if diff == 0:
        raise ValueError(stats_messages.NOT_POSITIVE.format(name="min_difference", value=min_difference))
    alpha = validation.alpha_value(alpha)
    power = _check_power(power)
    alternative = validation.alternative_value(alternative)
    z = _z_alpha(alpha, alternative) + z_one_sided(1.0 - power)
    return int(math.ceil(2.0 * (z * sd / diff) ** 2 - 1e-9))


def power_means(
    expected_sd: float,
    difference: float,
    n_per_arm: float,
    *,
    alpha: float = 0.05,
    alternative: str = "two-sided",
) -> float:
    """Power of a two-sample test of means (normal approximation)."""
    sd = validation.positive("expected_sd", expected_sd)
    diff = validation.finite("difference", difference)
    n = validation.positive("n_per_arm", n_per_arm)
    alpha = validation.alpha_value(alpha)
    alternative = validation.alternative_value(alternative)
    effect = abs(diff) if alternative == "two-sided" else (diff if alternative == "greater" else -diff)
    return norm_cdf(effect / (sd * math.sqrt(2.0 / n)) - _z_alpha(alpha, alternative))


def minimum_detectable_effect_means(
    expected_sd: float,
    n_per_arm: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: str = "two-sided",
) -> float:
    """Smallest difference in means detectable: (z_a + z_b) sd sqrt(2 / n)."""
    sd = validation.positive("expected_sd", expected_sd)
    n = validation.positive("n_per_arm", n_per_arm)
    alpha = validation.alpha_value(alpha)
    power = _check_power(power)
    alternative = validation.alternative_value(alternative)
    return (_z_alpha(alpha, alternative) + z_one_sided(1.0 - power)) * sd * math.sqrt(2.0 / n)


# --------------------------------------------------------------------------
# planning for the design actually used: sequential bounds under daily looks


def _unit_sd_and_gap(p: PlanInputs, expected: float) -> tuple[float, float]:
    """Per-unit standard deviation of the contrast and the gap (expected beyond threshold) it must resolve.

    For averages the spread is taken to grow with the mean (a constant
    coefficient of variation, as revenue does) when today's level is known:
    a pilot that lifts order value by 20 % also spreads it by 20 %.
    """
    good = 1.0 if p.direction == "increase" else -1.0
    if p.comparison == "vs_target":
        gap = (expected - p.threshold) * good
        if gap <= 0:
            raise ValueError(stats_messages.EXPECTED_NOT_BEYOND)
        if p.kind == "proportion":
            p1 = validation.probability("expected", expected, open_low=True, open_high=True)
            return math.sqrt(p1 * (1 - p1)), gap
        sd = validation.positive("sd", p.sd)
        if p.kind == "mean" and p.threshold > 0 and expected > 0:
            sd *= max(expected / p.threshold, 1.0)
        return sd, gap
    gap_size = expected - p.threshold
    if gap_size <= 0:
        raise ValueError(stats_messages.EXPECTED_NOT_BEYOND)
    relative = p.threshold_type == "relative"
    if p.kind == "proportion" and p.comparison == "vs_control":
        base = validation.probability("baseline", p.baseline, open_low=True, open_high=True)
        p_pilot = base * (1 + good * expected) if relative else base + good * expected
        p_pilot = validation.probability("expected rate", p_pilot, open_low=True, open_high=True)
        weight = (1 + good * p.threshold) if relative else 1.0
        sd = math.sqrt(p_pilot * (1 - p_pilot) + weight * weight * base * (1 - base))
        return sd, gap_size * (base if relative else 1.0)
    sd = validation.positive("sd", p.sd)
    level = abs(p.baseline) if p.baseline else None
    if relative and level is None:
        raise ValueError(stats_messages.NO_BASELINE_MEAN)
    grow = 1.0
    if p.kind == "mean" and level:
        grow = max(1.0 + good * expected / (1.0 if relative else level), 1.0)
    weight = 1 + good * p.threshold if relative else 1.0
    if p.comparison == "vs_baseline":
        return sd * math.sqrt(2.0), gap_size * (level if relative and level else 1.0)
    return sd * math.sqrt(grow * grow + weight * weight), gap_size * (level if relative and level else 1.0)


def _n_for(p: PlanInputs, sd: float, gap: float, drift: float) -> int:
    if p.comparison == "vs_baseline":
        nb = p.baseline_days or 0
        if nb <= 0:
            raise ValueError(stats_messages.NO_BASELINE_DAYS)
        # var(step) ~ sd^2 (1/nb + 1/N) with sd the day-to-day spread; sd above carries sqrt(2) for two periods
        day_sd = sd / math.sqrt(2.0)
        room = (gap / (drift * day_sd)) ** 2 - 1.0 / nb
        if room <= 0:
            raise ValueError(stats_messages.BASELINE_TOO_SHORT.format(days=nb))
        return int(math.ceil(1.0 / room - 1e-9))
    return int(math.ceil((drift * sd / gap) ** 2 - 1e-9))


def plan_pilot(p: PlanInputs) -> Plan:
    """The sample the criterion needs for its power under daily looks, with what the plan then does."""
    if is_money_threshold(p.threshold_type):
        return plan_money(p).plan
    alpha = validation.alpha_value(1.0 - p.confidence)
    power_ = _check_power(p.power)
    looks = max(int(p.looks), 1)
    sd, gap = _unit_sd_and_gap(p, p.expected)
    if gap <= 0:
        raise ValueError(stats_messages.EXPECTED_NOT_BEYOND)
    drift = gs.design_drift(alpha, power_, looks)
    n = _n_for(p, sd, gap, drift)
    fixed = _n_for(p, sd, gap, gs.fixed_sample_drift(alpha, power_))
    at_threshold = gs.operating_characteristics(0.0, alpha=alpha, looks=looks, design_drift=drift)
    at_expected = gs.operating_characteristics(drift, alpha=alpha, looks=looks, design_drift=drift)
    return Plan(
        n=n,
        fixed_n=fixed,
        drift=drift,
        at_threshold=at_threshold,
        at_expected=at_expected,
        looks=looks,
        unit_is_day=p.comparison == "vs_baseline",
    )


def detectable_effect(p: PlanInputs, n: float) -> float | None:
    """Smallest expected effect the plan catches with ``p.power`` on ``n`` per arm (what a budget can detect).

    On the scale of ``p.expected``; ``None`` when nothing within reach is.
    """
    n = validation.positive("n", n)
    if is_money_threshold(p.threshold_type):
        return detectable_price(p, n)
    alpha = validation.alpha_value(1.0 - p.confidence)
    drift = gs.design_drift(alpha, _check_power(p.power), max(int(p.looks), 1))
    good = 1.0 if p.direction == "increase" or p.comparison != "vs_target" else -1.0

    def shortfall(expected: float) -> float:
        try:
            sd, gap = _unit_sd_and_gap(p, expected)
            return _n_for(p, sd, gap, drift) - n
        except ValueError:
            return math.inf

    start = p.threshold + good * 1e-9
    reach = 1.0 if p.kind == "proportion" else 50 * (p.sd or 1.0)
    far = p.threshold + good * reach
    while not math.isfinite(shortfall(far)) and reach > 1e-9:  # stay where the effect is a valid rate
        reach /= 1.25
        far = p.threshold + good * reach
    if not math.isfinite(shortfall(far)) or shortfall(far) > 0:
        return None
    return float(optimize.brentq(shortfall, start, far, xtol=1e-10)) if shortfall(start) > 0 else start
