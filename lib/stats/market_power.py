"""Power of a market test, measured on the market's own past: inject the effect into windows the fit did not see.

For a window of ``days`` days starting at ``origin``, the weights see only the days
before ``origin`` (rolling origin); the planned lift is added to the test markets
inside the window, and the same daily-look rule as :func:`lib.stats.market_test.
read_market_test` is run at every look. The share of windows where the rule calls
an effect is the power; it is honest because the windows are past days the team
really had, with their shocks and holidays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

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
    """What a design detects in the market's past: power at the planned lift and the lift it detects 80 % of the time."""

    power: float
    mde: float
    windows: int
    null_lift_rmse: float  # spread of the lift read where nothing happened (noise + bias of the synthetic)


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
    power = sum(r.detected for r in results) / len(results)
    thresholds = np.sort([r.threshold for r in results])
    rank = min(len(thresholds) - 1, max(0, math.ceil(target_power * len(thresholds)) - 1))
    mde = float(thresholds[rank])
    null_rmse = float(math.sqrt(np.mean([r.null_lift**2 for r in results])))
    return PowerEstimate(power, mde, len(results), null_rmse)
