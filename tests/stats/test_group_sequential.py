"""Sequential boundaries under daily looks (lib.stats.group_sequential) against Monte Carlo and closed forms.

Brownian paths are simulated on a grid; the chance that the continuous path
crossed a level between two grid points, given both ends, is the Brownian
bridge's ``exp(-2 (c - b_i)(c - b_{i+1}) / dt)``, so the estimates below are
unbiased for *continuous* monitoring however coarse the grid.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from lib.stats import group_sequential as gs


def brownian_paths(rng: np.random.Generator, paths: int, steps: int, drift: float = 0.0) -> np.ndarray:
    """``B(k / steps)`` for k = 1..steps, one row per path (B(0) = 0)."""
    dt = 1.0 / steps
    return np.cumsum(rng.normal(drift * dt, math.sqrt(dt), (paths, steps)), axis=1)


def sup_crossing(b: np.ndarray, level: float, first: int = 0) -> np.ndarray:
    """Per path, the chance the continuous path reached ``level`` over grid steps ``first..`` (bridge-corrected)."""
    steps = b.shape[1]
    dt = 1.0 / steps
    full = np.concatenate([np.zeros((b.shape[0], 1)), b], axis=1)[:, first:]
    hit = (full >= level).any(axis=1)
    gap_left, gap_right = level - full[:, :-1], level - full[:, 1:]
    both_below = (gap_left > 0) & (gap_right > 0)
    with np.errstate(divide="ignore"):
        log_stay = np.where(both_below, np.log1p(-np.exp(-2.0 * np.clip(gap_left * gap_right, 0, None) / dt)), 0.0)
    return np.where(hit, 1.0, 1.0 - np.exp(log_stay.sum(axis=1)))


def se(p: float, n: int) -> float:
    return math.sqrt(max(p * (1 - p), 1e-6) / n)


@pytest.mark.parametrize("alpha", [0.05, 0.10])
def test_efficacy_constant_is_the_continuous_monitoring_level(alpha):
    c = gs.efficacy_constant(alpha)
    assert c == pytest.approx(stats.norm.isf(alpha / 2))
    rng = np.random.default_rng(1)
    paths, looks = 12_000, 2_000
    crossed, looked = [], []
    for _ in range(4):  # in chunks: 3,000 x 2,000 at a time
        b = brownian_paths(rng, paths // 4, looks)
        crossed.append(sup_crossing(b, c))
        looked.append((b >= c).any(axis=1))
    continuous, discrete = np.concatenate(crossed).mean(), np.concatenate(looked).mean()
    # continuous monitoring: P(sup B >= c) = alpha (reflection principle), within Monte Carlo error
    assert abs(continuous - alpha) < 4 * se(alpha, paths), continuous
    # 2,000 looks (far more than daily) cross a little less often, never more
    assert discrete <= continuous + 1e-12
    assert discrete <= alpha + 3 * se(alpha, paths)
    assert discrete > alpha - 0.01


def test_sequential_p_is_below_alpha_exactly_when_z_clears_the_boundary():
    for alpha in (0.01, 0.05, 0.10, 0.20):
        for t in (0.01, 0.1, 1 / 3, 0.5, 0.9, 1.0, 1.7):
            bar = gs.boundary_z(alpha, t)
            assert bar == pytest.approx(stats.norm.isf(alpha / 2) / math.sqrt(min(t, 1.0)))
            for z in np.linspace(-3, 30, 661):
                if abs(z - bar) < 1e-9:
                    continue
                assert (gs.sequential_p(z, t) < alpha) == (z >= bar), (alpha, t, z)
            assert gs.sequential_p(bar, t) == pytest.approx(alpha)
    # p = min(1, 2 Phi(-z sqrt(t))): at the planned end the two-sided p of z
    assert gs.sequential_p(2.0, 1.0) == pytest.approx(2 * stats.norm.sf(2.0))
    assert gs.sequential_p(-1.0, 0.5) == 1.0


@pytest.mark.parametrize("beta, start", [(gs.FUTILITY_BETA, gs.FUTILITY_START), (0.10, 0.5)])
def test_futility_constant_is_the_crossing_level_of_the_minimum(beta, start):
    k_f = gs.futility_constant(beta, start)
    rng = np.random.default_rng(2)
    paths, steps = 40_000, 300
    first = int(round(start * steps))
    w = brownian_paths(rng, paths, steps)
    # P(min_{t in [start, 1]} W <= -k_f) = P(sup of -W >= k_f) over the same span
    crossed = sup_crossing(-w, k_f, first=first).mean()
    assert abs(crossed - beta) < 4 * se(beta, paths), crossed
    # closed-form check of one ingredient: the crossing is at least P(W(1) <= -k_f), at most P(W(start) <= -k_f) x 2
    assert stats.norm.cdf(-k_f) < beta < 2 * stats.norm.cdf(-k_f)


def discrete_looks(
    drift: float, alpha: float, looks: int, design: float | None, paths: int, seed: int
) -> dict[str, float]:
    """Vectorized Monte Carlo of the same rule: at each look, scale above c, missed below -c, then futility
    below design * t - k_f (from a third of the plan on)."""
    c = gs.efficacy_constant(alpha)
    k_f = gs.futility_constant() if design is not None else None
    rng = np.random.default_rng(seed)
    b = brownian_paths(rng, paths, looks, drift)
    alive = np.ones(paths, dtype=bool)
    out = {"scale": 0, "missed": 0, "futile": 0}
    fraction = np.ones(paths)
    for k in range(looks):
        t = (k + 1) / looks
        up = alive & (b[:, k] >= c)
        low = alive & ~up & (b[:, k] <= -c)
        fut = np.zeros(paths, dtype=bool)
        if k_f is not None and t >= gs.FUTILITY_START - 1e-12:
            fut = alive & ~up & ~low & (b[:, k] <= design * t - k_f)
        for name, mask in (("scale", up), ("missed", low), ("futile", fut)):
            out[name] += int(mask.sum())
        stopped = up | low | fut
        fraction[stopped] = t
        alive &= ~stopped
    result = {name: count / paths for name, count in out.items()}
    result["mean_fraction"] = float(fraction.mean())
    return result


@pytest.mark.parametrize("looks", [1, 5, 28])
@pytest.mark.parametrize("at", ["threshold", "design"])
def test_operating_characteristics_match_a_monte_carlo_of_the_looks(looks, at):
    alpha = 0.05
    design = gs.design_drift(alpha, 0.8, looks)
    drift = 0.0 if at == "threshold" else design
    oc = gs.operating_characteristics(drift, alpha=alpha, looks=looks, design_drift=design)
    paths = 40_000
    mc = discrete_looks(drift, alpha, looks, design, paths, seed=100 + looks)
    for name in ("scale", "missed", "futile"):
        p = getattr(oc, name)
        assert abs(p - mc[name]) < 4 * se(p, paths) + 1e-3, (name, p, mc[name])
    assert oc.scale + oc.missed + oc.futile + oc.inconclusive == pytest.approx(1.0)
    assert oc.abort == pytest.approx(oc.missed + oc.futile)
    assert oc.mean_fraction == pytest.approx(mc["mean_fraction"], abs=0.01)
    if at == "threshold":
        assert oc.scale <= alpha
    else:
        assert oc.scale == pytest.approx(0.8, abs=1e-4)
    if looks == 1:  # one look: every outcome in closed form (the integration's grid costs a few 0.001)
        c, k_f = stats.norm.isf(alpha / 2), gs.futility_constant()
        assert oc.scale == pytest.approx(stats.norm.sf(c - drift), abs=1e-9)
        assert oc.missed == pytest.approx(stats.norm.cdf(-c - drift), abs=1e-9)
        assert oc.futile == pytest.approx(stats.norm.cdf(design - k_f - drift) - stats.norm.cdf(-c - drift), abs=5e-3)


@pytest.mark.parametrize("drift", [0.0, 1.0, 2.8, 4.0])
def test_one_look_without_futility_is_the_closed_form(drift):
    alpha = 0.05
    c = stats.norm.isf(alpha / 2)
    oc = gs.operating_characteristics(drift, alpha=alpha, looks=1)
    assert oc.scale == pytest.approx(stats.norm.sf(c - drift), abs=1e-9)
    assert oc.missed == pytest.approx(stats.norm.cdf(-c - drift), abs=1e-9)
    assert oc.futile == 0.0 and oc.mean_fraction == pytest.approx(1.0)


@pytest.mark.parametrize("alpha, power", [(0.05, 0.8), (0.10, 0.8), (0.05, 0.9)])
def test_design_drift_reaches_the_power_and_costs_more_than_one_look(alpha, power):
    fixed = gs.fixed_sample_drift(alpha, power)
    assert fixed == pytest.approx(stats.norm.isf(alpha) + stats.norm.isf(1 - power))
    # one look at the c = z_{1 - alpha/2} bar, no futility: z_{alpha/2} + z_beta in closed form
    one_look = stats.norm.isf(alpha / 2) + stats.norm.isf(1 - power)
    assert gs.design_drift(alpha, power, 1, False) == pytest.approx(one_look, abs=1e-5)
    previous = None
    for looks in (1, 5, 28):
        drift = gs.design_drift(alpha, power, looks)
        oc = gs.operating_characteristics(drift, alpha=alpha, looks=looks, design_drift=drift)
        assert oc.scale == pytest.approx(power, abs=1e-5)
        # daily looks cost sample: more than the fixed-sample drift, by a sensible 5-40 % in n
        assert 1.05 < (drift / fixed) ** 2 < 1.4, (looks, drift, fixed)
        if previous is not None:
            assert abs(drift - previous) < 0.2  # more looks move it a little, not a lot
        previous = drift


def test_futility_z_and_boundary_clamp():
    k_f = gs.futility_constant()
    assert gs.futility_z(0.25) == pytest.approx(-k_f / 0.5)
    assert gs.futility_z(2.0) == pytest.approx(-k_f)  # beyond the plan the final bound applies
    assert gs.boundary_z(0.05, 0.0) > 1e3  # no information: no call
    with pytest.raises(ValueError):
        gs.futility_constant(0.0)
