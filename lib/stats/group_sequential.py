"""Group-sequential rules for teams who look at their pilot every day.

Notation: ``t`` is the information fraction (information so far / planned,
clamped to (0, 1]); ``z`` the standardized statistic at a look; ``B = z
sqrt(t)`` the "B-value", a Brownian motion in ``t`` when the effect sits
exactly at the threshold.

**Efficacy** ("met"): ``B >= c`` with ``c = z_{1 - alpha/2}``, i.e. ``z >=
c / sqrt(t)``. This is the continuous-monitoring limit of Lan-DeMets
O'Brien-Fleming-type alpha spending, ``alpha(t) = 2 - 2 Phi(c / sqrt(t))``: by
the reflection principle ``P(sup_{t <= 1} B(t) >= c) = alpha`` exactly, so the
chance of a wrong call is at most ``alpha`` however often the team looks
(daily, hourly, after every import) and below it with discrete looks. Early
looks need overwhelming evidence; at the planned end the bar is ``c`` (1.96
for 95 %) instead of the fixed-sample 1.645 — the price of looking daily, which
the planner pays with a larger sample.

**Futility** (non-binding, counted in the beta budget): with ``W = sqrt(t)
z_E``, the B-value of the test against the *expected* effect ``E``, ``W`` is a
Brownian motion when the pilot really delivers ``E``. Stop for futility at
``t >= futility_start`` when ``W <= -k_f``, with ``k_f`` chosen so that
``P(min_{t in [t0, 1]} W <= -k_f) = beta_f``: a pilot that works as expected
is stopped by futility at most ``beta_f`` of the time. In words: the data rule
out the expected effect. Being non-binding, ignoring it never raises alpha.

:func:`operating_characteristics` computes, for discrete equally spaced looks,
the chance of each outcome and the average information at the decision by
recursive numerical integration (Armitage, McPherson and Rowe 1969; Jennison
and Turnbull 2000, ch. 19). :func:`design_drift` inverts it for the planner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import integrate, optimize
from scipy.special import ndtr

from lib.stats.distributions import norm_cdf, norm_sf, z_one_sided

#: futility is never checked before this share of the plan
FUTILITY_START = 1.0 / 3.0
#: chance that futility stops a pilot that really delivers the expected effect: 4 % nominal, so that
#: the normal approximation's error with small or skewed samples stays inside the 5 % promised
FUTILITY_BETA = 0.04


def efficacy_constant(alpha: float) -> float:
    """``c`` on the B scale: ``P(sup B >= c) = alpha`` under continuous monitoring."""
    return z_one_sided(alpha / 2.0)


def clamp_fraction(t: float) -> float:
    """Information fraction in (0, 1]: beyond the plan the final bar applies."""
    if not math.isfinite(t) or t <= 0.0:
        return 1e-9
    return min(t, 1.0)


def boundary_z(alpha: float, t: float) -> float:
    """The z a look at fraction ``t`` must reach for a call at one-sided level ``alpha``."""
    return efficacy_constant(alpha) / math.sqrt(clamp_fraction(t))


def sequential_p(z: float, t: float) -> float:
    """One-sided sequential p-value of ``z`` at fraction ``t``: ``min(1, 2 Phi(-z sqrt(t)))``.

    It is below ``alpha`` exactly when ``z`` clears :func:`boundary_z`, so the
    p-value and the verdict never disagree.
    """
    return min(1.0, 2.0 * norm_sf(z * math.sqrt(clamp_fraction(t))))


@lru_cache(maxsize=64)
def futility_constant(beta: float = FUTILITY_BETA, start: float = FUTILITY_START) -> float:
    """``k_f`` with ``P(min_{t in [start, 1]} W(t) <= -k_f) = beta`` for standard Brownian ``W``."""
    if not 0.0 < beta < 1.0 or not 0.0 < start < 1.0:
        raise ValueError("beta and start must be between 0 and 1.")
    rest = math.sqrt(1.0 - start)
    root_start = math.sqrt(start)

    def crossing(k: float) -> float:
        def density(w: float) -> float:
            return (
                math.exp(-0.5 * (w / root_start) ** 2)
                / (root_start * math.sqrt(2 * math.pi))
                * 2.0
                * norm_cdf((-k - w) / rest)
            )

        tail, _ = integrate.quad(density, -k, -k + 12.0 * root_start + 12.0 * rest)
        return norm_cdf(-k / root_start) + tail - beta

    return float(optimize.brentq(crossing, 0.0, 10.0, xtol=1e-10))


def futility_z(t: float, beta: float = FUTILITY_BETA) -> float:
    """The (negative) z against the expected effect that stops a pilot for futility at ``t``."""
    return -futility_constant(beta) / math.sqrt(clamp_fraction(t))


@dataclass(frozen=True)
class OperatingCharacteristics:
    """What a plan does when the team looks at every one of ``looks`` equally spaced looks.

    Probabilities of each outcome by the planned end (they sum to 1), and the
    average share of the plan used before the pilot is decided (1 when it
    runs to the end).
    """

    scale: float
    missed: float
    futile: float
    inconclusive: float
    mean_fraction: float
    looks: int

    @property
    def abort(self) -> float:
        return self.missed + self.futile


def operating_characteristics(
    drift: float,
    *,
    alpha: float,
    looks: int,
    design_drift: float | None = None,
    alpha_missed: float | None = None,
    beta: float = FUTILITY_BETA,
    futility_start: float = FUTILITY_START,
) -> OperatingCharacteristics:
    """Outcome chances for a pilot whose B-value drifts by ``drift`` over the plan.

    ``drift`` is the true effect beyond the threshold in z units at the planned
    end (0: exactly at the threshold); ``design_drift`` the expected one, which
    places the futility boundary (``None``: no futility). ``alpha_missed`` is
    the level of the "significantly below" side (defaults to ``alpha``).
    Normal approximation; exact for Brownian motion observed at the looks.
    """
    looks = max(int(looks), 1)
    c_up = efficacy_constant(alpha)
    c_low = efficacy_constant(alpha if alpha_missed is None else alpha_missed)
    k_f = futility_constant(beta, futility_start) if design_drift is not None else None
    step = 1.0 / looks
    sd = math.sqrt(step)
    cells = int(math.ceil((c_up + c_low) / min(0.02, sd / 8.0)))
    h = (c_up + c_low) / cells
    grid = -c_low + h * (np.arange(cells) + 0.5)  # cell midpoints: no point sits on a boundary
    kernel = None
    density = None
    p_up = p_missed = p_fut = 0.0
    mean_t = 0.0
    for k in range(1, looks + 1):
        t = k * step
        lower = -c_low
        futility_bound = None
        if k_f is not None and design_drift is not None and t >= futility_start - 1e-12:
            futility_bound = design_drift * t - k_f
        if density is None:
            mean, var = drift * t, t
            z_up = (c_up - mean) / math.sqrt(var)
            z_low = (lower - mean) / math.sqrt(var)
            up = float(1.0 - ndtr(z_up))
            low = float(ndtr(z_low))
            new = np.exp(-0.5 * ((grid - mean) ** 2) / var) / math.sqrt(2 * math.pi * var)
        else:
            if kernel is None:
                diff = grid[None, :] - grid[:, None] - drift * step
                kernel = np.exp(-0.5 * diff * diff / step) / math.sqrt(2 * math.pi * step) * h
            mass = density
            up = float(mass @ (1.0 - ndtr((c_up - grid - drift * step) / sd)) * h)
            low = float(mass @ ndtr((lower - grid - drift * step) / sd) * h)
            new = mass @ kernel
        fut = 0.0
        if futility_bound is not None and futility_bound > lower:
            inside = grid <= futility_bound
            fut = float(new[inside].sum() * h)
            new = np.where(inside, 0.0, new)
        p_up += up
        p_missed += low
        p_fut += fut
        mean_t += t * (up + low + fut)
        density = new
    remaining = max(0.0, 1.0 - p_up - p_missed - p_fut)
    mean_t += remaining
    return OperatingCharacteristics(
        scale=min(p_up, 1.0),
        missed=min(p_missed, 1.0),
        futile=min(p_fut, 1.0),
        inconclusive=remaining,
        mean_fraction=min(mean_t, 1.0),
        looks=looks,
    )


@lru_cache(maxsize=256)
def design_drift(alpha: float, power: float, looks: int, futility: bool = True) -> float:
    """The drift (z units at the planned end) at which the plan reaches ``power``.

    The sample size follows as ``n = (drift * sd_per_unit / effect)^2``; the
    fixed-sample equivalent is ``z_alpha + z_beta`` (2.49 for 5 % / 80 %), so
    ``(drift / 2.49)^2`` is the inflation daily looks cost.
    """

    def gap(theta: float) -> float:
        oc = operating_characteristics(theta, alpha=alpha, looks=looks, design_drift=theta if futility else None)
        return oc.scale - power

    return float(optimize.brentq(gap, 0.5, 10.0, xtol=1e-6))


def fixed_sample_drift(alpha: float, power: float) -> float:
    """``z_alpha + z_beta``: the drift a one-look, one-sided test needs."""
    return z_one_sided(alpha) + z_one_sided(1.0 - power)


def mixture_halfwidth_z(n: float, alpha: float, tuning: float) -> float:
    """Half-width in standard errors of the always-valid normal-mixture interval (no plan).

    Used when a criterion has no planned sample: each side at one-sided
    ``alpha`` (the two-sided sequence at ``2 alpha``).
    """
    from lib.stats.sequential import sequential_halfwidth

    return sequential_halfwidth(1.0, max(n, 1.0), min(2.0 * alpha, 0.5), tuning)
