"""Averages compared: order value, revenue per day, time on page.

Works on summaries (n, mean, sd) so the app never needs raw rows. Welch's
t-test assumes independent units and a roughly normal sampling distribution
of each mean (true for moderate n by the CLT); it does not assume equal
variances.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from lib.stats import stats_messages, validation
from lib.stats.distributions import p_from_t, t_ppf
from lib.stats.result_types import ComparisonResult, TwoArms
from lib.stats.sequential import DEFAULT_TUNING, sequential_comparison


@dataclass(frozen=True)
class Summary:
    """Sample size, mean and standard deviation (ddof=1) of one arm: the analyst's input here.

    It is an arm as people report it; the sums that add up across days are a
    :class:`lib.stats.statistics.MeanStat` (``MeanStat.from_summary`` converts).

    ``sd`` is 0 when ``n < 2`` (it is undefined there, and tests treat such an
    arm as too small).
    """

    n: float
    mean: float
    sd: float

    def __post_init__(self) -> None:
        validation.non_negative("n", self.n)
        validation.finite("mean", self.mean)
        validation.non_negative("sd", self.sd)

    @property
    def variance(self) -> float:
        return self.sd * self.sd

    @property
    def standard_error(self) -> float | None:
        return self.sd / math.sqrt(self.n) if self.n > 0 else None

    @classmethod
    def from_values(cls, values: Iterable[float]) -> Summary:
        """Summary of raw values (NaN refused)."""
        data = validation.finite_values("values", values)
        n = len(data)
        if n == 0:
            return cls(0, 0.0, 0.0)
        mean = math.fsum(data) / n
        if n < 2:
            return cls(n, mean, 0.0)
        ss = math.fsum((x - mean) ** 2 for x in data)
        return cls(n, mean, math.sqrt(ss / (n - 1)))

    @classmethod
    def from_sums(cls, n: float, total: float, total_of_squares: float) -> Summary:
        """Summary from sufficient statistics: count, sum and sum of squares.

        Exact in theory; in floating point the spread loses digits when it is
        tiny next to the mean (values of 1,000,000 +/- 1), which marketing
        metrics rarely are.
        """
        n = validation.non_negative("n", n)
        total = validation.finite("total", total)
        total_of_squares = validation.non_negative("total_of_squares", total_of_squares)
        if n == 0:
            if total != 0 or total_of_squares != 0:
                raise ValueError(stats_messages.SUMS_WITHOUT_UNITS)
            return cls(0, 0.0, 0.0)
        mean = total / n
        if n < 2:
            return cls(n, mean, 0.0)
        ss = total_of_squares - total * total / n
        tolerance = 1e-9 * max(total_of_squares, 1.0)
        if ss < -tolerance:
            raise ValueError(stats_messages.SUM_OF_SQUARES_TOO_SMALL)
        return cls(n, mean, math.sqrt(max(ss, 0.0) / (n - 1)))


def welch_df(var_a: float, n_a: float, var_b: float, n_b: float) -> float:
    """Welch-Satterthwaite degrees of freedom for (a-weighted) variances of means.

    ``var_a`` and ``var_b`` are the variances of the two estimates
    (sd^2 / n, possibly multiplied by a contrast weight squared).
    """
    num = (var_a + var_b) ** 2
    den = (var_a * var_a / (n_a - 1) if var_a else 0.0) + (var_b * var_b / (n_b - 1) if var_b else 0.0)
    if den <= 0.0:
        return float(n_a + n_b - 2)
    return num / den


def compare_means(
    control: Summary,
    pilot: Summary,
    *,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    sequential: bool = False,
    sequential_tuning: float = DEFAULT_TUNING,
) -> ComparisonResult:
    """Welch t-test and Welch interval for pilot mean minus control mean.

    The relative lift interval uses the delta method on the ratio of means
    (``None`` when control's mean is 0). ``sequential=True`` gives the
    always-valid interval and p-value instead (see :mod:`lib.stats.sequential`).
    Needs at least two units per arm; with fewer, or with no spread in either
    arm, the result is defined but says so in ``warnings``.
    """
    if not isinstance(control, Summary):
        raise ValueError(stats_messages.NOT_A_SUMMARY.format(name="control"))
    if not isinstance(pilot, Summary):
        raise ValueError(stats_messages.NOT_A_SUMMARY.format(name="pilot"))
    alpha = validation.alpha_value(alpha)
    alternative = validation.alternative_value(alternative)
    nc, np_ = control.n, pilot.n
    arms = TwoArms(control.mean if nc else None, pilot.mean if np_ else None, nc, np_, alternative, alpha, sequential)
    if nc == 0 or np_ == 0:
        return arms.undecided(method="none", warnings=(stats_messages.empty_arm(nc, np_),))
    diff = pilot.mean - control.mean
    lift = pilot.mean / control.mean - 1.0 if control.mean != 0 else None
    if lift is not None and not math.isfinite(lift):
        lift = None
    warnings: list[str] = []
    if control.mean == 0:
        warnings.append(stats_messages.CONTROL_MEAN_ZERO)
    if nc < 2 or np_ < 2:
        warnings.append(stats_messages.TOO_FEW_UNITS)
        return arms.undecided(difference=diff, relative_lift=lift, method="welch", warnings=tuple(warnings))
    vc, vp = control.variance / nc, pilot.variance / np_
    se = math.sqrt(vc + vp)
    if se == 0.0:
        warnings.append(stats_messages.NO_VARIATION)
        return arms.result(
            difference=diff,
            ci_low=diff,
            ci_high=diff,
            relative_lift=lift,
            relative_ci_low=lift,
            relative_ci_high=lift,
            statistic=None,
            p_value=zero_variance_p(diff, alternative),
            method="sequential" if sequential else "welch",
            warnings=tuple(warnings),
            standard_error=0.0,
        )
    if sequential:
        return sequential_comparison(
            arms,
            difference=diff,
            standard_error=se,
            relative_lift=lift,
            warnings=tuple(warnings),
            tuning=sequential_tuning,
        )
    df = welch_df(vc, nc, vp, np_)
    t = diff / se
    q = t_ppf(1 - alpha / 2, df)
    rlow = rhigh = None
    if lift is not None:
        # delta method for pilot/control - 1
        ratio = pilot.mean / control.mean
        rse = math.sqrt(vp + vc * ratio * ratio) / abs(control.mean)
        rlow, rhigh = lift - q * rse, lift + q * rse
    return arms.result(
        difference=diff,
        ci_low=diff - q * se,
        ci_high=diff + q * se,
        relative_lift=lift,
        relative_ci_low=rlow,
        relative_ci_high=rhigh,
        statistic=t,
        p_value=p_from_t(t, df, alternative),
        method="welch",
        warnings=tuple(warnings),
        standard_error=se,
        df=df,
    )


def zero_variance_p(diff: float, alternative: str) -> float:
    """P-value when there is no spread at all: the difference is certain, so the
    test is decided: 1 for no difference, else 0 when ``diff`` lies on the side
    of ``alternative`` (either side for two-sided) and 1 when it does not.
    """
    if diff == 0:
        return 1.0
    if alternative == "greater":
        return 0.0 if diff > 0 else 1.0
    if alternative == "less":
        return 0.0 if diff < 0 else 1.0
    return 0.0
