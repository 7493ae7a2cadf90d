"""One arm against a fixed target ("reply rate at least 8%").

Rates use the exact binomial test with a Clopper-Pearson interval, so small
pilots get honest answers; means use the one-sample t-test. Assumes
independent units and a fixed underlying rate or mean.
"""

from __future__ import annotations

import math

from scipy import special
from scipy.stats import binomtest

from lib.stats import stats_messages, validation
from lib.stats.distributions import p_from_t, t_ppf
from lib.stats.means import Summary, zero_variance_p
from lib.stats.result_types import TargetResult


def clopper_pearson(conversions: int, visitors: int, alpha: float) -> tuple[float, float]:
    """Exact (Clopper-Pearson) two-sided interval for one rate."""
    if visitors == 0:
        return 0.0, 1.0
    low = 0.0 if conversions == 0 else float(special.betaincinv(conversions, visitors - conversions + 1, alpha / 2))
    high = (
        1.0
        if conversions == visitors
        else float(special.betaincinv(conversions + 1, visitors - conversions, 1 - alpha / 2))
    )
    return low, high


def binomial_pvalues(conversions: int, visitors: int, target_rate: float) -> tuple[float, float]:
    """Exact one-sided p-values: P(X >= k) and P(X <= k) when the rate is the target."""
    greater = 1.0 if conversions == 0 else float(special.bdtrc(conversions - 1, visitors, target_rate))
    less = float(special.bdtr(conversions, visitors, target_rate))
    return min(1.0, max(0.0, greater)), min(1.0, max(0.0, less))


def against_target(
    conversions: float,
    visitors: float,
    target_rate: float,
    *,
    alpha: float = 0.05,
    alternative: str = "greater",
) -> TargetResult:
    """Exact binomial test of the rate against ``target_rate``.

    ``alternative="greater"`` asks whether the rate is above the target. The
    two-sided p-value sums outcomes no more likely than the observed one
    (scipy's ``binomtest``). The Clopper-Pearson interval is two-sided at
    ``1 - alpha``.
    """
    k = validation.count("conversions", conversions)
    n = validation.count("visitors", visitors)
    validation.conversions_within("conversions", k, "visitors", n)
    target = validation.probability("target_rate", target_rate)
    alpha = validation.alpha_value(alpha)
    alternative = validation.alternative_value(alternative)
    if n == 0:
        return TargetResult.undecided(
            value=None,
            target=target,
            n=0,
            ci_low=0.0,
            ci_high=1.0,
            method="binomial_exact",
            warnings=(stats_messages.EMPTY_ARM_PILOT,),
            alternative=alternative,
            alpha=alpha,
        )
    warnings: list[str] = []
    if k == 0:
        warnings.append(stats_messages.NO_CONVERSIONS_PILOT)
    greater, less = binomial_pvalues(k, n, target)
    if alternative == "greater":
        p = greater
    elif alternative == "less":
        p = less
    else:
        p = float(binomtest(k, n, target).pvalue)
    low, high = clopper_pearson(k, n, alpha)
    value = k / n
    return TargetResult(
        value=value,
        target=target,
        n=n,
        difference=value - target,
        ci_low=low,
        ci_high=high,
        statistic=float(k),
        p_value=p,
        method="binomial_exact",
        alternative=alternative,
        alpha=alpha,
        warnings=tuple(warnings),
        standard_error=math.sqrt(value * (1 - value) / n),
    )


def against_target_mean(
    summary: Summary,
    target_value: float,
    *,
    alpha: float = 0.05,
    alternative: str = "greater",
) -> TargetResult:
    """One-sample t-test of a mean against ``target_value`` (t interval)."""
    if not isinstance(summary, Summary):
        raise ValueError(stats_messages.NOT_A_SUMMARY.format(name="summary"))
    target = validation.finite("target_value", target_value)
    alpha = validation.alpha_value(alpha)
    alternative = validation.alternative_value(alternative)
    n = summary.n
    if n == 0:
        return TargetResult.undecided(
            value=None,
            target=target,
            n=0,
            method="one_sample_t",
            warnings=(stats_messages.EMPTY_ARM_PILOT,),
            alternative=alternative,
            alpha=alpha,
        )
    diff = summary.mean - target
    if n < 2:
        return TargetResult.undecided(
            value=summary.mean,
            target=target,
            n=n,
            difference=diff,
            method="one_sample_t",
            warnings=(stats_messages.TOO_FEW_UNITS,),
            alternative=alternative,
            alpha=alpha,
        )
    se = summary.sd / math.sqrt(n)
    df = n - 1
    if se == 0:
        return TargetResult(
            value=summary.mean,
            target=target,
            n=n,
            difference=diff,
            ci_low=summary.mean,
            ci_high=summary.mean,
            statistic=None,
            p_value=zero_variance_p(diff, alternative),
            method="one_sample_t",
            alternative=alternative,
            alpha=alpha,
            warnings=(stats_messages.NO_VARIATION,),
            df=df,
            standard_error=0.0,
        )
    t = diff / se
    q = t_ppf(1 - alpha / 2, df)
    return TargetResult(
        value=summary.mean,
        target=target,
        n=n,
        difference=diff,
        ci_low=summary.mean - q * se,
        ci_high=summary.mean + q * se,
        statistic=t,
        p_value=p_from_t(t, df, alternative),
        method="one_sample_t",
        alternative=alternative,
        alpha=alpha,
        df=df,
        standard_error=se,
    )
