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

from lib.stats import messages, validation
from lib.stats.distributions import norm_cdf, z_one_sided, z_two_sided


def _z_alpha(alpha: float, alternative: str) -> float:
    return z_two_sided(alpha) if alternative == "two-sided" else z_one_sided(alpha)


def _check_rates(baseline_rate: float, target_rate: float) -> tuple[float, float]:
    p1 = validation.probability("baseline_rate", baseline_rate, open_low=True, open_high=True)
    p2 = validation.probability("target_rate", target_rate, open_low=True, open_high=True)
    if p1 == p2:
        raise ValueError(messages.RATES_EQUAL)
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
        raise ValueError(messages.NOT_POSITIVE.format(name="min_difference", value=min_difference))
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
