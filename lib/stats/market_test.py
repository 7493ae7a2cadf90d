"""Reading a market test: test markets against their synthetic control, looked at every day.

The effect is the gap between the test markets (summed) and their synthetic
control after the start, fitted on the days before it. Its interval and p-value
come from the conformal test in :mod:`lib.stats.synthetic_control` (refit with the
hypothesised effect removed, residual sums over every cyclic shift in time).

**Daily looks.** The conformal statistic ``z`` at a look with ``k`` of the planned
``n`` test days behaves like a partial sum of a stationary series, so the same
continuous-monitoring boundary as every other design applies (Lan-DeMets
O'Brien-Fleming type, :mod:`lib.stats.group_sequential`): a call needs
``z >= c / sqrt(k / n)``. ``look_alpha`` is that boundary's one-sided level, and
the interval is the repeated confidence interval at the same boundary, so the
verdict, the p-value and the interval never disagree. Calibrated by simulation in
``bench/operating_characteristics.py --markets``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np

from lib.stats.distributions import norm_sf
from lib.stats.group_sequential import boundary_z
from lib.stats.synthetic_control import (
    FITS,
    MarketPanel,
    ScaledSeries,
    choose_fit,
    conformal_halfwidth,
    conformal_stat,
    fit_rmse,
    invert,
    placebo_factor,
    scaled,
    simplex_weights,
    weights_named,
    window_sums,
)

#: fewest days before the start the weights may be fitted on
MIN_PRE_DAYS = 14
#: fewest control markets with complete data
MIN_CONTROLS = 2
#: a synthetic control whose pre-period error exceeds this share of the level is too poor to read
MAX_RELATIVE_RMSE = 0.15

Outcome = Literal["effect", "harm", "futile"]


@dataclass(frozen=True)
class Span:
    """An estimate with its interval."""

    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class MarketReading:
    """Everything a page, the engine and the report need about one look at a market test."""

    test_markets: tuple[str, ...]
    controls: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...]
    weights: tuple[tuple[str, float], ...]
    pre_days: int
    test_days: int
    pre_rmse: float
    average_rmse: float
    improvement: float
    fit_ok: bool
    poorly_tracked: tuple[str, ...]
    fit_message: str | None
    days: tuple[date, ...]
    observed: tuple[float, ...]
    synthetic: tuple[float, ...]
    band_low: tuple[float, ...]
    band_high: tuple[float, ...]
    cumulative: tuple[float, ...]
    cumulative_low: tuple[float, ...]
    cumulative_high: tuple[float, ...]
    relative_lift: Span
    incremental: Span
    per_market_per_day: Span
    p_value: float
    look_alpha: float
    outcome: Outcome | None
    # additions beyond the contract
    planned_days: int = 0
    exact_p: float = 1.0  # share of cyclic shifts at least as extreme (granular: 1 / number of days)
    relative_rmse: float = 0.0  # pre_rmse over the test markets' pre-period mean level
    placebo_factor: float = 1.0  # how much wider fake starts before the real one ran (the statistic is divided by it)
    fit: str = "scaled"  # "scaled" (ratio to own level) or "shifted" (unit fixed effects, as GeoLift)


def _fmt_day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _missing_reason(missing: int, total: int, when: str) -> str:
    day_word = "day" if total == 1 else "days"
    return f"{missing} of {total} {day_word} {when} are missing"


@dataclass(frozen=True)
class _Selection:
    test_rows: np.ndarray
    control_names: tuple[str, ...]
    control_rows: np.ndarray
    left_out: tuple[tuple[str, str], ...]
    days: tuple[date, ...]
    pre: int


def _select(
    panel: MarketPanel, test_markets: Sequence[str], start: date, end: date | None, excluded: Sequence[str]
) -> _Selection:
    """The test markets' rows, the usable controls and the days to read; plain errors otherwise."""
    tests = tuple(dict.fromkeys(str(m) for m in test_markets))
    if not tests:
        raise ValueError("Name at least one test market.")
    known = set(panel.markets)
    for name in (*tests, *excluded):
        if name not in known:
            listed = ", ".join(panel.markets[:12]) + (" …" if len(panel.markets) > 12 else "")
            raise ValueError(f"{name} is not a market in the data (markets: {listed}).")
    both = [m for m in tests if m in set(excluded)]
    if both:
        raise ValueError(f"{both[0]} is both a test market and excluded; it can only be one.")
    days = np.array(panel.days)
    last = panel.days[-1] if end is None else end
    if last < start:
        raise ValueError(f"The end ({_fmt_day(last)}) is before the start ({_fmt_day(start)}).")
    test_idx = [panel.index(m) for m in tests]
    span = days <= last
    values = panel.values[:, span]
    kept_days = tuple(d for d in panel.days if d <= last)
    # trailing days the test markets have not logged yet are not part of this look
    logged = ~np.isnan(values[test_idx]).any(axis=0)
    post_positions = [j for j, d in enumerate(kept_days) if d >= start]
    while post_positions and not logged[post_positions[-1]]:
        post_positions.pop()
    if not post_positions:
        raise ValueError(f"There are no values for {', '.join(tests)} from the start ({_fmt_day(start)}) on yet.")
    stop = post_positions[-1] + 1
    values = values[:, :stop]
    kept_days = kept_days[:stop]
    pre = sum(1 for d in kept_days if d < start)
    if pre < MIN_PRE_DAYS:
        raise ValueError(
            f"Only {pre} days before the start ({_fmt_day(start)}); the synthetic control needs at least "
            f"{MIN_PRE_DAYS} days of every market's history before it."
        )
    for m, i in zip(tests, test_idx, strict=True):
        gaps = np.flatnonzero(np.isnan(values[i]))
        if gaps.size:
            shown = ", ".join(_fmt_day(kept_days[j]) for j in gaps[:3]) + (" …" if gaps.size > 3 else "")
            raise ValueError(f"Test market {m} has no value on {shown}; fill those days before reading the test.")
        if np.mean(values[i, :pre]) <= 0:
            raise ValueError(f"Test market {m} has no positive KPI before the start.")
    left_out: list[tuple[str, str]] = []
    names: list[str] = []
    rows: list[np.ndarray] = []
    n_post = values.shape[1] - pre
    for i, m in enumerate(panel.markets):
        if m in tests:
            continue
        if m in excluded:
            left_out.append((m, "excluded by the plan"))
            continue
        row = values[i]
        missing_pre = int(np.isnan(row[:pre]).sum())
        missing_post = int(np.isnan(row[pre:]).sum())
        if missing_pre:
            left_out.append((m, _missing_reason(missing_pre, pre, "before the start")))
        elif missing_post:
            left_out.append((m, _missing_reason(missing_post, n_post, "since the start")))
        elif np.mean(row[:pre]) <= 0:
            left_out.append((m, "no positive KPI before the start"))
        else:
            names.append(m)
            rows.append(row)
    if len(names) < MIN_CONTROLS:
        raise ValueError(
            f"Only {len(names)} control market{'s' if len(names) != 1 else ''} with complete data; a synthetic "
            f"control needs at least {MIN_CONTROLS}."
            + (f" Left out: {'; '.join(f'{m} ({why})' for m, why in left_out[:5])}." if left_out else "")
        )
    return _Selection(values[test_idx], tuple(names), np.array(rows), tuple(left_out), kept_days, pre)


def _relative_rmse(target: np.ndarray, controls: np.ndarray, pre: int) -> float:
    series = scaled(target, controls, pre)
    w = simplex_weights(series.controls[:, :pre], series.treated[:pre])
    return fit_rmse(series, w, pre) / series.treated_level


def _fit_check(sel: _Selection, tests: tuple[str, ...], relative: float) -> tuple[bool, tuple[str, ...], str | None]:
    """Is the fit good enough to read, and which test markets tracked badly on their own?"""
    bad = tuple(
        m
        for m, row in zip(tests, sel.test_rows, strict=True)
        if _relative_rmse(row, sel.control_rows, sel.pre) > MAX_RELATIVE_RMSE
    )
    if relative <= MAX_RELATIVE_RMSE:
        return True, bad, None
    named = bad or tests
    message = (
        f"The synthetic control missed the test markets by {relative:.0%} of their level on a typical day before "
        f"the start (at most {MAX_RELATIVE_RMSE:.0%} can be read). Tracked badly: {', '.join(named)}. "
        "No verdict until the fit is better: exclude markets that behave differently, or pick other test markets."
    )
    return False, named, message


def read_market_test(
    panel: MarketPanel,
    test_markets: Sequence[str],
    start: date,
    *,
    end: date | None = None,
    excluded: Sequence[str] = (),
    planned_days: int | None = None,
    confidence: float = 0.95,
    direction: str = "increase",
    min_lift: float = 0.0,
    fit: str = "auto",
) -> MarketReading:
    """Read the test at this look: effect, interval, p-value and what the daily-look rule says.

    ``planned_days`` is the planned length of the test period (defaults to the days
    so far: this look is then read as the last). ``min_lift`` (relative, 0.05 = 5 %)
    is the least lift that counts as an effect, in ``direction``. ``fit`` is "scaled",
    "shifted" (unit fixed effects, as GeoLift) or "auto": the one that tracks held-out
    pre-period days better.
    """
    if direction not in ("increase", "decrease"):
        raise ValueError(f"direction must be 'increase' or 'decrease', not {direction!r}.")
    if fit not in ("auto", *FITS):
        raise ValueError(f"fit must be 'auto', 'scaled' or 'shifted', not {fit!r}.")
    if not 0.5 < confidence < 1.0:
        raise ValueError(f"confidence must be between 50 % and 100 %, not {confidence!r}.")
    tests = tuple(dict.fromkeys(str(m) for m in test_markets))
    sel = _select(panel, tests, start, end, tuple(str(m) for m in excluded))
    pre = sel.pre
    treated = sel.test_rows.sum(axis=0)
    n_days = treated.shape[0]
    m = n_days - pre
    chosen = choose_fit(treated, sel.control_rows, pre, markets=len(tests)) if fit == "auto" else fit
    series = scaled(treated, sel.control_rows, pre, markets=len(tests), shift=chosen == "shifted")
    level = series.treated_level
    w = simplex_weights(series.controls[:, :pre], series.treated[:pre])
    synthetic = (w @ series.controls) * level
    gap = treated - synthetic
    pre_rmse = fit_rmse(series, w, pre)
    average = np.full(len(sel.control_names), 1.0 / len(sel.control_names))
    average_rmse = fit_rmse(series, average, pre)
    improvement = 1.0 - pre_rmse / average_rmse if average_rmse > 0 else 0.0
    relative = pre_rmse / level
    fit_ok, poorly, fit_message = _fit_check(sel, tests, relative)

    planned = max(int(planned_days), 1) if planned_days else m
    alpha = 1.0 - confidence
    fraction = m / planned
    bound = boundary_z(alpha, fraction)
    look_alpha = norm_sf(bound)
    sign = 1.0 if direction == "increase" else -1.0

    baseline = float(synthetic[pre:].sum())
    theta_hat = float(gap[pre:].mean()) / level  # scaled units per day
    theta_min = sign * min_lift * baseline / m / level
    factor = placebo_factor(series, pre, m)
    stat_min = conformal_stat(series, pre, theta_min, factor)
    z_min = sign * stat_min.z
    stat_zero = stat_min if min_lift == 0 else conformal_stat(series, pre, 0.0, factor)
    z_zero = sign * stat_zero.z
    p_value = norm_sf(z_min)
    exact_p = stat_min.exact_p if sign > 0 else float(1.0 - stat_min.exact_p + 1.0 / n_days)

    pre_resid_scaled = series.treated[:pre] - w @ series.controls[:, :pre]
    step = 2.0 * max(float(np.std(pre_resid_scaled)), 1e-9) / math.sqrt(m)
    low_scaled, high_scaled = invert(series, pre, bound, theta_hat, step, factor)
    per_day = Span(theta_hat * level, low_scaled * level, high_scaled * level)
    incremental = Span(per_day.estimate * m, per_day.low * m, per_day.high * m)
    lift = Span(incremental.estimate / baseline, incremental.low / baseline, incremental.high / baseline)
    per_market = Span(per_day.estimate / len(tests), per_day.low / len(tests), per_day.high / len(tests))

    outcome: Outcome | None = None
    if fit_ok:
        if z_min >= bound:
            outcome = "effect"
        elif z_zero <= -bound:
            outcome = "harm"
        elif fraction >= 1.0 or (sign > 0 and high_scaled < theta_min) or (sign < 0 and low_scaled > theta_min):
            outcome = "futile"

    half = conformal_halfwidth(pre_resid_scaled, confidence) * level
    cumulative, cum_low, cum_high = _cumulative_path(series, pre, gap, theta_hat, alpha, planned, factor)
    cum_low[-1], cum_high[-1] = incremental.low, incremental.high
    return MarketReading(
        test_markets=tests,
        controls=sel.control_names,
        left_out=sel.left_out,
        weights=weights_named(sel.control_names, w),
        pre_days=pre,
        test_days=m,
        pre_rmse=pre_rmse,
        average_rmse=average_rmse,
        improvement=improvement,
        fit_ok=fit_ok,
        poorly_tracked=poorly,
        fit_message=fit_message,
        days=sel.days,
        observed=tuple(float(v) for v in treated),
        synthetic=tuple(float(v) for v in synthetic),
        band_low=tuple(float(v - half) for v in synthetic),
        band_high=tuple(float(v + half) for v in synthetic),
        cumulative=tuple(cumulative),
        cumulative_low=tuple(cum_low),
        cumulative_high=tuple(cum_high),
        relative_lift=lift,
        incremental=incremental,
        per_market_per_day=per_market,
        p_value=p_value,
        look_alpha=look_alpha,
        outcome=outcome,
        planned_days=planned,
        exact_p=min(1.0, exact_p),
        relative_rmse=relative,
        fit=chosen,
        placebo_factor=factor,
    )


def _cumulative_path(
    series: ScaledSeries, pre: int, gap: np.ndarray, theta_hat: float, alpha: float, planned: int, factor: float
) -> tuple[list[float], list[float], list[float]]:
    """Extra KPI accumulated by each test day, with the repeated-confidence band of that day's look.

    The band's scale comes from the residuals of the all-days fit at the estimate, summed
    over every cyclic shift of each length; the last day is replaced by the exact inversion.
    """
    target = series.treated.copy()
    target[pre:] -= theta_hat
    w = simplex_weights(series.controls, target)
    residuals = target - w @ series.controls
    total = 0.0
    path: list[float] = []
    low: list[float] = []
    high: list[float] = []
    for k in range(1, len(gap) - pre + 1):
        total += float(gap[pre + k - 1])
        sums = window_sums(residuals, k)
        spread = float(math.sqrt(np.mean(sums * sums))) * series.treated_level * factor
        half = boundary_z(alpha, k / planned) * spread
        path.append(total)
        low.append(total - half)
        high.append(total + half)
    return path, low, high
