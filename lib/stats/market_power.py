"""Power of a market test, measured on the market's own past: inject the effect into windows the fit did not see.

For a window of ``days`` days starting at ``origin``, the weights see only the days
before ``origin`` (rolling origin); the planned lift is added to the test markets
inside the window, and the same daily-look rule as :func:`lib.stats.market_test.
read_market_test` is run at every look. The windows are past days the team really
had, with their shocks and holidays; but they overlap, so the share of them where
the rule calls an effect is a noisy power (it overstates high power and understates
low power for later windows). The power stated is a prediction for a later window
from the smallest lift each past window could call (:func:`predicted_power`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from lib.stats.group_sequential import boundary_z
from lib.stats.synthetic_control import choose_fit, conformal_stat, placebo_factor, scaled, simplex_weights

#: most past windows one design is tried on (evenly spread over the history)
MAX_WINDOWS = 16
#: the fewest days a window's fit may see
MIN_FIT_DAYS = 28
#: largest lift searched for the detectable effect (300 %)
MAX_LIFT = 3.0


def window_origins(total_days: int, days: int, *, min_fit: int = MIN_FIT_DAYS, most: int = MAX_WINDOWS) -> list[int]:
    """Start positions of past test windows: at least ``min_fit`` days before, the window inside the history.

    The fit sees at least half the history (so it is like the real test's), or ``min_fit`` days if more.
    """
    first = max(min_fit, total_days // 2)
    last = total_days - days
    if last < first:
        return []
    count = min(most, last - first + 1)
    return sorted({int(round(x)) for x in np.linspace(first, last, count)})


@dataclass(frozen=True)
class WindowResult:
    """One past window: did the daily-look rule catch the injected lift, and what could it have caught?"""

    detected: bool
    look: int | None  # first look (1-based) at which it would have been called
    threshold: float  # smallest lift the final look would call (relative)
    null_lift: float  # the lift read in this window with nothing injected (should be near 0)


def _z_at(
    treated: np.ndarray, controls: np.ndarray, origin: int, k: int, markets: int, shift: bool, factor: float
) -> float:
    series = scaled(treated[: origin + k], controls[:, : origin + k], origin, markets=markets, shift=shift)
    return conformal_stat(series, origin, 0.0, factor).z


def run_window(
    treated: np.ndarray,
    controls: np.ndarray,
    origin: int,
    days: int,
    effect: float,
    *,
    markets: int,
    alpha: float = 0.05,
) -> WindowResult:
    """Try the rule on the window ``[origin, origin + days)`` with ``effect`` (relative) added to the test markets."""
    span = origin + days
    base = treated[:span]
    ctrl = controls[:, :span]
    shift = choose_fit(base, ctrl, origin, markets=markets) == "shifted"
    factor = placebo_factor(scaled(base, ctrl, origin, markets=markets, shift=shift), origin, days)
    lifted = base.copy()
    lifted[origin:] *= 1.0 + effect
    look: int | None = None
    for k in range(1, days + 1):
        bound = boundary_z(alpha, k / days)
        if bound >= 8.0:  # the statistic is capped at 8: this look cannot call
            continue
        if _z_at(lifted, ctrl, origin, k, markets, shift, factor) >= bound:
            look = k
            break
    final_bound = boundary_z(alpha, 1.0)

    def gap(lift: float) -> float:
        trial = base.copy()
        trial[origin:] *= 1.0 + lift
        return _z_at(trial, ctrl, origin, days, markets, shift, factor) - final_bound

    if gap(0.0) >= 0:
        threshold = 0.0
    elif gap(MAX_LIFT) < 0:
        threshold = math.inf
    else:
        threshold = float(optimize.brentq(gap, 0.0, MAX_LIFT, xtol=1e-4))
    series = scaled(base, ctrl, origin, markets=markets, shift=shift)
    w = simplex_weights(series.controls[:, :origin], series.treated[:origin])
    synthetic = w @ series.controls[:, origin:]
    null_lift = float(series.treated[origin:].sum() / synthetic.sum() - 1.0)
    return WindowResult(look is not None, look, threshold, null_lift)


@dataclass(frozen=True)
class PowerEstimate:
    """What a design detects in the market's past: power at the planned lift (predicted for a later window,
    :func:`predicted_power`) and the lift it detects 80 % of the time."""

    power: float
    mde: float
    windows: int
    null_lift_rmse: float  # spread of the lift read where nothing happened (noise + bias of the synthetic)
    detected_share: float = 0.0  # share of the past windows whose daily-look rule caught the lift


def estimate_power(
    treated: np.ndarray,
    controls: np.ndarray,
    days: int,
    effect: float,
    *,
    markets: int,
    alpha: float = 0.05,
    target_power: float = 0.8,
    most: int = MAX_WINDOWS,
) -> PowerEstimate:
    """Power and detectable lift over the past windows of ``days`` days (empty history: ValueError)."""
    origins = window_origins(treated.shape[0], days, most=most)
    if not origins:
        raise ValueError(f"too few days for a {days}-day test")
    results = [run_window(treated, controls, o, days, effect, markets=markets, alpha=alpha) for o in origins]
    detected = sum(r.detected for r in results) / len(results)
    independent = (origins[-1] - origins[0] + days) / days
    power = predicted_power([r.threshold for r in results], effect, independent, fallback=detected)
    thresholds = np.sort([r.threshold for r in results])
    rank = min(len(thresholds) - 1, max(0, math.ceil(target_power * len(thresholds)) - 1))
    mde = float(thresholds[rank])
    null_rmse = float(math.sqrt(np.mean([r.null_lift**2 for r in results])))
    return PowerEstimate(power, mde, len(results), null_rmse, detected)


#: how much wider the detectable lift varies between later windows than between the overlapping past ones
SPREAD_INFLATION = 2.0


def predicted_power(thresholds: list[float], effect: float, independent: float, *, fallback: float) -> float:
    """The chance that a later, unseen window detects ``effect``: a prediction, not the share of past windows.

    The past windows overlap, so 16 of them hold about ``independent`` (their span over the
    test length) windows' worth of information, and the share that detected the lift runs
    to the extremes (in simulation: 92 % stated, 72 % realised; 17 % stated, 40 % realised).
    Instead the smallest lift each window could call is taken as a draw from a t
    distribution: its mean and spread from the windows, the spread widened by
    ``SPREAD_INFLATION`` (overlapping windows agree more than later ones do; calibrated in
    ``bench/operating_characteristics.py --markets``) and by the predictive ``1 + 1 / n``,
    on ``n - 1`` degrees of freedom. A window that could not call any lift: ``fallback``.
    """
    values = np.array(thresholds, dtype=float)
    if values.size < 2 or not np.all(np.isfinite(values)):
        return fallback
    n = max(independent, 2.0)
    spread = max(float(np.std(values, ddof=1)), 1e-9) * SPREAD_INFLATION * math.sqrt(1.0 + 1.0 / n)
    return float(stats.t.cdf((effect - float(values.mean())) / spread, df=n - 1.0))
