"""Before/after: a baseline period against the pilot period, one arm.

This design is observational: anything else that changed between the two
periods (season, a price change, a competitor) is mixed into the difference.
Two estimates are reported side by side:

1. Welch's comparison of daily values, days as units (simple, assumes days
   are independent);
2. an adjusted shift from OLS with a linear trend and day-of-week effects,
   with Newey-West (HAC) standard errors that allow for autocorrelated days.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from datetime import date

import numpy as np

from lib.stats import stats_messages, validation
from lib.stats.distributions import norm_sf, z_two_sided
from lib.stats.means import Summary, compare_means
from lib.stats.results import AdjustedEstimate, Comparison

#: spare degrees of freedom (days minus coefficients) each model needs
_SPARE_DF_WEEKDAY = 5
_SPARE_DF_TREND = 4
_SPARE_DF_LEVEL = 2


def newey_west_maxlags(n: int) -> int:
    """The usual rule of thumb floor(4 (n/100)^(2/9))."""
    return int(math.floor(4.0 * (n / 100.0) ** (2.0 / 9.0)))


def ols_hac(x: np.ndarray, y: np.ndarray, maxlags: int) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients and their Newey-West covariance (Bartlett kernel).

    No small-sample correction, matching statsmodels'
    ``OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": maxlags})``. Rows
    must be in time order, one per period.
    """
    xtx_inv = np.linalg.inv(x.T @ x)
    beta = xtx_inv @ (x.T @ y)
    resid = y - x @ beta
    xu = x * resid[:, None]
    meat = xu.T @ xu
    for lag in range(1, maxlags + 1):
        weight = 1.0 - lag / (maxlags + 1.0)
        gamma = xu[lag:].T @ xu[:-lag]
        meat += weight * (gamma + gamma.T)
    return beta, xtx_inv @ meat @ xtx_inv


def _design(
    days: np.ndarray, weekdays: np.ndarray, period: np.ndarray, *, trend: bool, weekday: bool
) -> tuple[np.ndarray, list[str]]:
    columns = [np.ones(len(days)), period]
    terms = ["intercept", "pilot_period"]
    if trend:
        columns.append(days - days.mean())
        terms.append("trend")
    if weekday:
        present = sorted(set(int(w) for w in weekdays))
        for w in present[1:]:
            columns.append((weekdays == w).astype(float))
            terms.append(f"weekday_{w}")
    return np.column_stack(columns), terms


def adjusted_shift(
    before_values: Sequence[float],
    after_values: Sequence[float],
    *,
    alpha: float = 0.05,
    before_dates: Sequence[date] | None = None,
    after_dates: Sequence[date] | None = None,
    maxlags: int | None = None,
) -> tuple[AdjustedEstimate | None, list[str]]:
    """The trend- and weekday-adjusted shift, or ``None`` with the reason."""
    nb, na = len(before_values), len(after_values)
    if before_dates is None and after_dates is None:
        days = np.arange(nb + na, dtype=float)
        weekdays = days.astype(int) % 7
    else:
        if before_dates is None or after_dates is None:
            raise ValueError(stats_messages.DATES_BOTH_OR_NEITHER)
        all_dates = list(before_dates) + list(after_dates)
        first = min(all_dates)
        days = np.array([(d - first).days for d in all_dates], dtype=float)
        weekdays = np.array([d.weekday() for d in all_dates])
    y = np.asarray(list(before_values) + list(after_values), dtype=float)
    period = np.concatenate([np.zeros(nb), np.ones(na)])
    order = np.argsort(days, kind="stable")
    days, weekdays, y, period = days[order], weekdays[order], y[order], period[order]
    n = nb + na
    notes: list[str] = []
    if nb < 2 or na < 2:
        return None, [stats_messages.ADJUSTED_TOO_FEW_DAYS]
    for trend, weekday in ((True, True), (True, False), (False, False)):
        x, terms = _design(days, weekdays, period, trend=trend, weekday=weekday)
        k = x.shape[1]
        spare = _SPARE_DF_WEEKDAY if weekday else _SPARE_DF_TREND if trend else _SPARE_DF_LEVEL
        if n - k < spare:
            continue
        if np.linalg.matrix_rank(x) < k:
            continue
        break
    else:
        return None, [stats_messages.ADJUSTED_TOO_FEW_DAYS]
    if "trend" not in terms:
        notes.append(stats_messages.ADJUSTED_NO_TREND)
    elif not any(t.startswith("weekday_") for t in terms):
        notes.append(stats_messages.ADJUSTED_NO_WEEKDAY)
    lags = newey_west_maxlags(n) if maxlags is None else int(maxlags)
    lags = max(0, min(lags, n - 1))
    beta, cov = ols_hac(x, y, lags)
    estimate = float(beta[1])
    se = math.sqrt(max(float(cov[1, 1]), 0.0))
    z = z_two_sided(alpha)
    p = min(1.0, 2.0 * norm_sf(abs(estimate) / se)) if se > 0 else float(estimate == 0)
    adjusted = AdjustedEstimate(
        estimate=estimate,
        standard_error=se,
        ci_low=estimate - z * se,
        ci_high=estimate + z * se,
        p_value=p,
        maxlags=lags,
        n_days=n,
        terms=tuple(terms),
    )
    return adjusted, notes


def compare_periods(
    before_values: Sequence[float],
    after_values: Sequence[float],
    *,
    alpha: float = 0.05,
    before_dates: Sequence[date] | None = None,
    after_dates: Sequence[date] | None = None,
    maxlags: int | None = None,
) -> Comparison:
    """Compare daily values of the baseline period with the pilot period.

    The headline numbers are Welch's (days as units, control = baseline,
    pilot = pilot period). ``Comparison.adjusted`` holds the shift after a
    linear trend and day-of-week effects, with Newey-West standard errors
    (``maxlags`` defaults to floor(4 (n/100)^(2/9)) for n days). Without dates
    the days are taken to be consecutive, baseline first, and weekdays are
    inferred modulo 7. Always observational: see ``notes``.
    """
    before = validation.finite_values("before_values", before_values)
    after = validation.finite_values("after_values", after_values)
    alpha = validation.alpha_value(alpha)
    if before_dates is not None and len(before_dates) != len(before):
        raise ValueError(stats_messages.DATES_LENGTH.format(name="before_dates", values="before_values"))
    if after_dates is not None and len(after_dates) != len(after):
        raise ValueError(stats_messages.DATES_LENGTH.format(name="after_dates", values="after_values"))
    for name, dates in (("before_dates", before_dates), ("after_dates", after_dates)):
        if dates is not None and not all(isinstance(d, date) for d in dates):
            raise ValueError(stats_messages.NOT_DATES.format(name=name))
    if maxlags is not None and (int(maxlags) != maxlags or maxlags < 0):
        raise ValueError(stats_messages.NEGATIVE.format(name="maxlags", value=maxlags))

    welch = compare_means(Summary.from_values(before), Summary.from_values(after), alpha=alpha)
    adjusted, adjust_notes = adjusted_shift(
        before, after, alpha=alpha, before_dates=before_dates, after_dates=after_dates, maxlags=maxlags
    )
    warnings = list(welch.warnings)
    if len(before) < 7 or len(after) < 7:
        warnings.append(stats_messages.SHORT_PERIODS)
    # Welch's numbers as they are (two-sided, not sequential), relabelled
    return dataclasses.replace(
        welch,
        method="welch_days",
        warnings=tuple(warnings + adjust_notes),
        adjusted=adjusted,
        notes=(stats_messages.OBSERVATIONAL,),
    )
