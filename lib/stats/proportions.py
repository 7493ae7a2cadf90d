"""Two conversion rates compared: pilot against control.

Assumes each visitor converts or not independently of the others, with one
rate per arm (a binomial per arm). Works on counts only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from lib.stats import stats_messages, validation
from lib.stats.distributions import norm_cdf, norm_sf, p_from_z, z_two_sided
from lib.stats.result_types import ComparisonResult, TwoArms
from lib.stats.sequential import DEFAULT_TUNING, sequential_comparison

METHODS: tuple[str, ...] = ("auto", "z", "chi2", "fisher")
CI_METHODS: tuple[str, ...] = ("newcombe", "wald")
FISHER_EXPECTED_MIN = 5.0


@dataclass(frozen=True)
class ProportionPValues:
    """All three p-values of one test, so callers need not test twice."""

    two_sided: float
    greater: float
    less: float
    statistic: float | None
    method: str

    def for_alternative(self, alternative: str) -> float:
        if alternative == "greater":
            return self.greater
        if alternative == "less":
            return self.less
        return self.two_sided


def wilson_interval(conversions: int, visitors: int, alpha: float) -> tuple[float, float]:
    """Wilson score interval for one rate, no continuity correction."""
    if visitors <= 0:
        return 0.0, 1.0
    z = z_two_sided(alpha)
    p = conversions / visitors
    z2n = z * z / visitors
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z * math.sqrt(p * (1.0 - p) / visitors + z2n / (4.0 * visitors)) / (1.0 + z2n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _lchoose(n: np.ndarray | float, k: np.ndarray | float) -> np.ndarray:
    return special.gammaln(np.add(n, 1)) - special.gammaln(np.add(k, 1)) - special.gammaln(np.subtract(n, k) + 1)


def fisher_pvalues(
    control_conversions: int, control_visitors: int, pilot_conversions: int, pilot_visitors: int
) -> ProportionPValues:
    """Fisher's exact test by summing the hypergeometric distribution.

    Conditions on both margins; ``greater`` means the pilot converts more. The
    two-sided p-value sums every table no more likely than the observed one
    (with R's relative tolerance of 1e-7), as scipy and R do.
    """
    total = control_visitors + pilot_visitors
    successes = control_conversions + pilot_conversions
    draws = pilot_visitors
    observed = pilot_conversions
    odds = _odds_ratio(control_conversions, control_visitors, pilot_conversions, pilot_visitors)
    if total == 0 or successes in (0, total) or draws in (0, total):
        return ProportionPValues(1.0, 1.0, 1.0, odds, "fisher")
    low = max(0, draws - (total - successes))
    high = min(successes, draws)
    support = np.arange(low, high + 1)
    log_pmf = _lchoose(successes, support) + _lchoose(total - successes, draws - support) - _lchoose(total, draws)
    pmf = np.exp(log_pmf)
    index = observed - low
    greater = float(pmf[index:].sum())
    less = float(pmf[: index + 1].sum())
    two = float(pmf[pmf <= pmf[index] * (1.0 + 1e-7)].sum())
    return ProportionPValues(min(1.0, two), min(1.0, greater), min(1.0, less), odds, "fisher")


def _odds_ratio(xc: int, nc: int, xp: int, np_: int) -> float | None:
    """Sample odds ratio, pilot odds over control odds (None if undefined)."""
    a, b, c, d = xp, np_ - xp, xc, nc - xc
    if b * c == 0:
        return None
    return (a * d) / (b * c)


def z_pvalues(
    control_conversions: int, control_visitors: int, pilot_conversions: int, pilot_visitors: int, *, chi2: bool = False
) -> ProportionPValues:
    """Pooled two-proportion z-test (and Pearson chi-square, its square)."""
    nc, np_ = control_visitors, pilot_visitors
    pc, pp = control_conversions / nc, pilot_conversions / np_
    pooled = (control_conversions + pilot_conversions) / (nc + np_)
    var = pooled * (1.0 - pooled) * (1.0 / nc + 1.0 / np_)
    method = "chi2" if chi2 else "z"
    if var <= 0.0:
        return ProportionPValues(1.0, 1.0, 1.0, 0.0, method)
    z = (pp - pc) / math.sqrt(var)
    statistic = z * z if chi2 else z
    return ProportionPValues(p_from_z(z, "two-sided"), norm_sf(z), norm_cdf(z), statistic, method)


def resolve_method(method: str, xc: int, nc: int, xp: int, np_: int) -> str:
    """``auto``: Fisher when any expected cell count is below 5, else z."""
    if method != "auto":
        return method
    total = nc + np_
    successes = xc + xp
    failures = total - successes
    for row in (nc, np_):
        for col in (successes, failures):
            if row * col / total < FISHER_EXPECTED_MIN:
                return "fisher"
    return "z"


def proportion_pvalues(
    control_conversions: int, control_visitors: int, pilot_conversions: int, pilot_visitors: int, method: str = "auto"
) -> ProportionPValues:
    """Two-sided and one-sided p-values of the chosen (or automatic) test."""
    used = resolve_method(method, control_conversions, control_visitors, pilot_conversions, pilot_visitors)
    if used == "fisher":
        return fisher_pvalues(control_conversions, control_visitors, pilot_conversions, pilot_visitors)
    return z_pvalues(control_conversions, control_visitors, pilot_conversions, pilot_visitors, chi2=used == "chi2")


def newcombe_interval(xc: int, nc: int, xp: int, np_: int, alpha: float) -> tuple[float, float]:
    """Newcombe's hybrid score interval for pilot minus control (method 10)."""
    pc, pp = xc / nc, xp / np_
    lc, uc = wilson_interval(xc, nc, alpha)
    lp, up = wilson_interval(xp, np_, alpha)
    diff = pp - pc
    low = diff - math.sqrt((pp - lp) ** 2 + (uc - pc) ** 2)
    high = diff + math.sqrt((up - pp) ** 2 + (pc - lc) ** 2)
    return low, high


def wald_interval(xc: int, nc: int, xp: int, np_: int, alpha: float) -> tuple[float, float]:
    """Plain Wald interval for pilot minus control, clipped to [-1, 1]."""
    pc, pp = xc / nc, xp / np_
    half = z_two_sided(alpha) * math.sqrt(pc * (1 - pc) / nc + pp * (1 - pp) / np_)
    # a difference of rates lives in [-1, 1]; Wald can overshoot with tiny arms
    return max(-1.0, pp - pc - half), min(1.0, pp - pc + half)


def ratio_interval(xc: int, nc: int, xp: int, np_: int, alpha: float) -> tuple[float, float]:
    """Log-adjusted interval for the rate ratio pilot / control.

    Adds 0.5 to each count and each arm size, as statsmodels'
    ``confint_proportions_2indep(compare="ratio")`` does by default, so it is
    defined with zero conversions.
    """
    cp, np_adj = xp + 0.5, np_ + 0.5
    cc, nc_adj = xc + 0.5, nc + 0.5
    ratio = (cp / np_adj) / (cc / nc_adj)
    var = 1.0 / cp - 1.0 / np_adj + 1.0 / cc - 1.0 / nc_adj
    half = z_two_sided(alpha) * math.sqrt(max(var, 0.0))
    log_ratio = math.log(ratio)
    return math.exp(log_ratio - half), math.exp(log_ratio + half)


def compare_proportions(
    control_conversions: float,
    control_visitors: float,
    pilot_conversions: float,
    pilot_visitors: float,
    *,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    method: str = "auto",
    ci_method: str = "newcombe",
    sequential: bool = False,
    sequential_tuning: float = DEFAULT_TUNING,
) -> ComparisonResult:
    """Compare the pilot's conversion rate with control's.

    - ``method``: ``"z"`` pooled two-proportion z-test, ``"chi2"`` Pearson
      chi-square (both without continuity correction), ``"fisher"`` exact
      conditional test, ``"auto"`` Fisher when any expected cell is below 5
      else z. ``ComparisonResult.method`` says which ran.
    - ``alternative``: ``"greater"`` means pilot > control. Chi-square is
      two-sided by nature; for a one-sided alternative its signed root (the z
      statistic) is used.
    - ``statistic``: z for ``"z"``, chi-square for ``"chi2"``, the sample odds
      ratio (pilot over control, ``None`` when a cell is zero) for Fisher.
    - Interval for pilot minus control: ``"newcombe"`` hybrid score (good
      coverage with small counts) or ``"wald"``; relative lift interval: the
      log-adjusted rate-ratio interval minus 1.
    - ``sequential=True`` swaps in the always-valid interval and p-value of
      :mod:`lib.stats.sequential` (unpooled variance, ``n`` = both arms) for
      teams who look every day; the relative interval is then not reported.

    Assumes independent visitors and a fixed rate per arm.
    """
    xc, nc, xp, np_ = validation.two_arm_counts(
        control_conversions, control_visitors, pilot_conversions, pilot_visitors
    )
    alpha = validation.alpha_value(alpha)
    alternative = validation.alternative_value(alternative)
    method = validation.choice("method", method, METHODS)
    ci_method = validation.choice("ci_method", ci_method, CI_METHODS)
    if sequential:
        sequential_tuning = validation.finite("sequential_tuning", sequential_tuning)
        if sequential_tuning <= 0:
            raise ValueError(stats_messages.NOT_POSITIVE.format(name="sequential_tuning", value=sequential_tuning))

    arms = TwoArms(xc / nc if nc else None, xp / np_ if np_ else None, nc, np_, alternative, alpha, sequential)
    if nc == 0 or np_ == 0:
        return arms.undecided(method="none", warnings=(stats_messages.empty_arm(nc, np_),))

    pc, pp = xc / nc, xp / np_
    diff = pp - pc
    warnings: list[str] = []
    if xc + xp == 0:
        warnings.append(stats_messages.NO_CONVERSIONS_BOTH)
    elif xc + xp == nc + np_:
        warnings.append(stats_messages.ALL_CONVERTED_BOTH)
    elif xc == 0:
        warnings.append(stats_messages.NO_CONVERSIONS_CONTROL)
    lift = pp / pc - 1.0 if pc > 0 else None
    se = math.sqrt(pc * (1 - pc) / nc + pp * (1 - pp) / np_)

    if sequential:
        if se <= 0.0:
            warnings.append(stats_messages.SEQUENTIAL_NO_VARIATION)
            return arms.undecided(
                difference=diff, relative_lift=lift, standard_error=0.0, method="sequential", warnings=tuple(warnings)
            )
        return sequential_comparison(
            arms,
            difference=diff,
            standard_error=se,
            relative_lift=lift,
            warnings=tuple(warnings),
            tuning=sequential_tuning,
        )

    pvalues = proportion_pvalues(xc, nc, xp, np_, method)
    if pvalues.method == "fisher" and method == "auto":
        warnings.append(stats_messages.SMALL_COUNTS_EXACT)
    if ci_method == "newcombe":
        low, high = newcombe_interval(xc, nc, xp, np_, alpha)
    else:
        low, high = wald_interval(xc, nc, xp, np_, alpha)
    rlow, rhigh = ratio_interval(xc, nc, xp, np_, alpha)
    return arms.result(
        difference=diff,
        ci_low=low,
        ci_high=high,
        relative_lift=lift,
        relative_ci_low=rlow - 1.0,
        relative_ci_high=rhigh - 1.0,
        statistic=pvalues.statistic,
        p_value=pvalues.for_alternative(alternative),
        method=pvalues.method,
        warnings=tuple(warnings),
        standard_error=se,
    )
