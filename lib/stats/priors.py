"""Reading a small pilot in the light of the team's past pilots: an empirical-Bayes normal prior.

Past pilots of the same kind (same metric kind and effect scale, filtered by the
caller) each give an effect ``y_i`` with a standard error ``s_i``. They are read
as draws from one population of true effects, ``theta_i ~ N(mu, tau^2)``, and
``y_i ~ N(theta_i, s_i^2)`` (the random-effects model of meta-analysis).

- ``mu`` and ``tau^2`` are estimated by DerSimonian–Laird (method of moments),
  the numbers checked against statsmodels' ``combine_effects``.
- A plug-in prior ``N(mu_DL, tau_DL^2)`` is overconfident with a handful of past
  pilots: with five, ``tau_DL`` is often exactly 0 and every new pilot would be
  pulled all the way to the mean (a simulation gave 81–93 % coverage of a
  "95 %" interval). So the prior a new pilot is read with integrates over what
  is not known: ``tau`` gets a uniform prior on a grid and its posterior from
  the restricted (REML) likelihood, ``mu`` given ``tau`` its normal posterior,
  and the prior is the normal with the same mean and variance as the resulting
  predictive distribution of a new pilot's true effect. Its variance is the
  between-pilot spread plus the uncertainty in ``mu`` and ``tau``; with few
  past pilots it is wide, so a new pilot is pulled less.
- :func:`shrink` combines that prior with the new pilot's own estimate
  (normal–normal): precision-weighted mean and 95 % credible interval.
- The **chance the effect beats the threshold** is stated cautiously, read
  "at least 84 %". A posterior probability from estimated ``mu`` and ``tau`` is
  not honest for one team: every new pilot is read with the same past pilots,
  so when their mean happens to be high every chance is high, and the
  selection "told >= 80 %" picks exactly those portfolios (a simulation with
  the plug-in and the integrated prior alike: of pilots told >= 80 %, 30-63 %
  cleared with 5-20 past pilots; a t-predictive with k-1 df changed nothing;
  an integrated, wide prior is no cure either, since a wide prior leans on the
  pilot's own noisy estimate, the raw reading's failing). So the chance is
  computed with ``mu`` at its one-sided 99 % limit on the unfavourable side
  (t with k-1 df, given each ``tau``), averaged over ``tau``'s posterior: the
  chance if the typical effect were as poor as the past pilots plausibly allow.
  In the benchmark (6,000 pilots a situation), pilots told "at least 80 %"
  cleared 94 % of the time overall, and where the population's centre lies
  below the threshold "likely" fell from 2-6 % of pilots (about half wrong) to
  at most 2 in 6,000; the cost is fewer "likely" readings where they are
  deserved (15 % of pilots instead of 30 % with the centre above the
  threshold). At 97.5 % a few wrong calls remained (0 of 3 right with 8
  heavy-tailed past pilots). Taking also the least favourable ``tau`` (its
  central 90 % interval) left 70-95 % of small pilots with no usable chance.
  Still overstated: the 50-80 % band where the centre lies below the
  threshold (under 1 % of pilots; stated about 58 %, 27-44 % cleared).

``bench/priors_calibration.py`` measures coverage, error and wrong "likely
clears" readings by simulation, beside the raw reading.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from lib.stats import validation
from lib.stats.distributions import norm_cdf, t_ppf, z_two_sided

#: fewer past pilots than this and no prior is fitted: five is where the spread can first be told from noise
MIN_PILOTS = 5
#: below this weight on the prior for a typical new pilot, the population is "too spread to help" (see fit_prior)
MIN_PRIOR_WEIGHT = 0.3
#: points of the grid over tau (the between-pilot standard deviation)
_GRID = 400
#: the grid reaches this many times the span of the data (effects' range plus two of the largest standard errors)
_GRID_REACH = 3.0

#: the stated chance takes mu at this one-sided limit (t with k-1 df) on the side against clearing
CHANCE_MU_LEVEL = 0.99

TOO_FEW = "too_few"
TOO_SPREAD = "too_spread"


@dataclass(frozen=True)
class Prior:
    """What past pilots say about a new pilot's true effect, before its own data.

    ``mean`` and ``sd`` describe the normal prior a new pilot is read with (the
    population's centre and spread, uncertainty in both included). ``pooled_mean``,
    ``pooled_se`` and ``tau2`` are the DerSimonian–Laird random-effects estimates
    (what a meta-analysis reports); ``typical_se`` is the standard error the
    "too spread" rule judged the prior's weight at.
    """

    mean: float
    sd: float
    n_pilots: int
    pooled_mean: float
    pooled_se: float
    tau2: float
    typical_se: float
    #: (tau, mu given tau, its standard error, tau's posterior weight) on the grid: what the stated chance averages
    profile: tuple[tuple[float, float, float, float], ...] = field(default=(), repr=False, compare=False)

    @property
    def tau(self) -> float:
        """The between-pilot standard deviation (DerSimonian–Laird)."""
        return math.sqrt(self.tau2)

    def weight(self, standard_error: float) -> float:
        """How much of a pilot with this standard error's reading comes from the prior (0..1)."""
        v = standard_error**2
        return v / (v + self.sd**2)


@dataclass(frozen=True)
class PriorFit:
    """A prior, or why there is none: ``reason`` is ``"too_few"`` or ``"too_spread"`` when ``prior`` is None.

    ``weight`` is the weight a typical new pilot would give the prior (``None``
    with too few pilots); ``detail`` says the reason in words.
    """

    prior: Prior | None
    n_pilots: int
    reason: str = ""
    detail: str = ""
    weight: float | None = None


@dataclass(frozen=True)
class Reading:
    """A pilot's effect read with the prior: the posterior mean, its credible interval, the chance it clears.

    ``chance`` is a cautious probability that the effect beats ``threshold``
    (above it for ``direction="increase"``, below for ``"decrease"``), read "at
    least": ``mu`` at its unfavourable 99 % limit (see the module's
    docstring). ``chance_point`` is the plain
    posterior probability under the fitted prior, kept for the benchmark (it is
    overconfident, and never shown). For the raw reading both are the same.
    ``weight`` is the share of the reading that comes from the prior.
    """

    mean: float
    low: float
    high: float
    sd: float
    chance: float
    chance_point: float
    n_pilots: int
    weight: float
    estimate: float
    standard_error: float
    threshold: float
    direction: str = "increase"
    level: float = 0.95


def dersimonian_laird(effects: Sequence[float], standard_errors: Sequence[float]) -> tuple[float, float, float]:
    """Random-effects mean, its standard error and tau^2 by DerSimonian–Laird (method of moments)."""
    return _dersimonian_laird(*_checked(effects, standard_errors))


def _dersimonian_laird(y: np.ndarray, v: np.ndarray) -> tuple[float, float, float]:
    w = 1.0 / v
    fixed = float(np.sum(w * y) / w.sum())
    q = float(np.sum(w * (y - fixed) ** 2))
    c = float(w.sum() - np.sum(w**2) / w.sum())
    tau2 = max(0.0, (q - (len(y) - 1)) / c) if c > 0 else 0.0
    wr = 1.0 / (v + tau2)
    return float(np.sum(wr * y) / wr.sum()), float(math.sqrt(1.0 / wr.sum())), tau2


def _checked(effects: Sequence[float], standard_errors: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(validation.finite_values("effects", effects), dtype=float)
    s = np.asarray(validation.finite_values("standard_errors", standard_errors), dtype=float)
    if len(y) != len(s):
        raise ValueError(f"effects and standard_errors must have the same length, got {len(y)} and {len(s)}.")
    if np.any(s <= 0):
        raise ValueError("standard_errors must all be greater than zero.")
    return y, s**2


def _posterior_grid(y: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """tau's grid, mu given tau, its variance, and tau's posterior weights.

    tau: uniform prior on a grid, restricted likelihood (mu integrated out under a flat prior);
    given tau, mu ~ N(mu_hat(tau), 1 / sum w_i(tau)).
    """
    span = float(np.ptp(y) + 2.0 * np.sqrt(v.max()))
    tau = np.linspace(0.0, _GRID_REACH * span, _GRID)
    w = 1.0 / (v[None, :] + tau[:, None] ** 2)
    sw = w.sum(axis=1)
    mu = (w * y).sum(axis=1) / sw
    log_lik = -0.5 * (
        np.log(v[None, :] + tau[:, None] ** 2).sum(axis=1) + np.log(sw) + (w * (y - mu[:, None]) ** 2).sum(axis=1)
    )
    p = np.exp(log_lik - log_lik.max())
    p[[0, -1]] *= 0.5  # the trapezoidal rule
    p /= p.sum()
    return tau, mu, 1.0 / sw, p


def _predictive(tau: np.ndarray, mu: np.ndarray, mu_var: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """Mean and variance of a new pilot's true effect (~ N(mu, tau^2)), integrating mu and tau over their posterior."""
    mean = float(np.sum(p * mu))
    variance = float(np.sum(p * (mu_var + tau**2)) + np.sum(p * (mu - mean) ** 2))
    return mean, variance


def _profile(
    tau: np.ndarray, mu: np.ndarray, mu_var: np.ndarray, p: np.ndarray
) -> tuple[tuple[float, float, float, float], ...]:
    """(tau, mu given tau, its standard error, tau's posterior weight) where the weight is not negligible."""
    keep = p > 1e-9 * p.max()
    w = p[keep] / p[keep].sum()
    return tuple(zip(tau[keep].tolist(), mu[keep].tolist(), np.sqrt(mu_var[keep]).tolist(), w.tolist(), strict=True))


def _cautious_chance(prior: Prior, y: float, s: float, threshold: float, good: float) -> float:
    """The chance of clearing with mu at its unfavourable one-sided limit (t, k-1 df), averaged over tau."""
    a = np.asarray(prior.profile, dtype=float)
    q = t_ppf(CHANCE_MU_LEVEL, max(prior.n_pilots - 1, 1))
    b = s**2 / (s**2 + a[:, 0] ** 2)  # the prior's weight at each tau
    gap = good * (b * (a[:, 1] - good * q * a[:, 2]) + (1.0 - b) * y - threshold)
    sd = np.sqrt((1.0 - b) * s**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sd > 0, gap / np.where(sd > 0, sd, 1.0), np.where(gap > 0, math.inf, -math.inf))
    return float(np.sum(a[:, 3] * special.ndtr(z)))


def fit_prior(
    effects: Sequence[float],
    standard_errors: Sequence[float],
    *,
    typical_se: float | None = None,
    min_pilots: int = MIN_PILOTS,
    min_weight: float = MIN_PRIOR_WEIGHT,
) -> PriorFit:
    """The prior past pilots give a new one, or why they give none.

    No prior with fewer than ``min_pilots`` past pilots. No prior either when
    the population is **too spread to help**: a new pilot whose standard error is
    ``typical_se`` (the new pilot's own when known; else the past pilots'
    median) would take less than ``min_weight`` (30 %) of its reading from the
    prior. The weight is ``se^2 / (se^2 + sd^2)``, and for a normal population it
    is also the share by which the informed reading cuts the expected squared
    error (posterior variance ``(1 - weight) se^2``). Below 30 % the reading
    would barely differ from the pilot's own, cost more than it informs (a
    second number beside the verdict) and lean on the normal shape of the
    population exactly where heavy tails break it; and it could not deliver the
    0.7x error the informed reading is for. A wide ``sd`` is also what "past
    pilots share nothing" looks like: between-pilot spread far above what a new
    pilot can measure.
    """
    y, v = _checked(effects, standard_errors)
    k = len(y)
    if k < min_pilots:
        return PriorFit(None, k, TOO_FEW, f"only {k} past pilot{'s' if k != 1 else ''}; a reading needs {min_pilots}")
    pooled, pooled_se, tau2 = _dersimonian_laird(y, v)
    grid = _posterior_grid(y, v)
    mean, variance = _predictive(*grid)
    typical = float(np.median(np.sqrt(v))) if typical_se is None else validation.positive("typical_se", typical_se)
    prior = Prior(mean, math.sqrt(variance), k, pooled, pooled_se, tau2, typical, _profile(*grid))
    weight = prior.weight(typical)
    if weight < min_weight:
        return PriorFit(
            None,
            k,
            TOO_SPREAD,
            f"past pilots' effects spread too widely (the prior would carry {weight:.0%} of the reading; "
            f"it needs {min_weight:.0%})",
            weight,
        )
    return PriorFit(prior, k, weight=weight)


def shrink(
    estimate: float,
    standard_error: float,
    prior: Prior,
    threshold: float,
    *,
    direction: str = "increase",
    level: float = 0.95,
) -> Reading:
    """The pilot's effect read with the prior (normal–normal): pulled toward the prior mean by ``weight``.

    A precise estimate (small ``standard_error``) is barely moved; a noisy one
    leans on the past. The interval is the central ``level`` credible interval;
    the chance is the cautious one described in the module's docstring (never
    above the plain posterior chance).
    """
    y = validation.finite("estimate", estimate)
    s = validation.positive("standard_error", standard_error)
    t = validation.finite("threshold", threshold)
    validation.choice("direction", direction, ("increase", "decrease"))
    level = validation.probability("level", level, open_low=True, open_high=True)
    weight = prior.weight(s)
    mean = weight * prior.mean + (1.0 - weight) * y
    sd = math.sqrt((1.0 - weight) * s**2)
    z = z_two_sided(1.0 - level)
    good = 1.0 if direction == "increase" else -1.0
    point = norm_cdf(good * (mean - t) / sd)
    chance = min(point, _cautious_chance(prior, y, s, t, good)) if prior.profile else point
    return Reading(
        mean=mean,
        low=mean - z * sd,
        high=mean + z * sd,
        sd=sd,
        chance=chance,
        chance_point=point,
        n_pilots=prior.n_pilots,
        weight=weight,
        estimate=y,
        standard_error=s,
        threshold=t,
        direction=direction,
        level=level,
    )


def raw_reading(estimate: float, standard_error: float, threshold: float, *, direction: str = "increase") -> Reading:
    """The same reading from the pilot's own data alone (a flat prior): what the informed one is compared with."""
    flat = Prior(0.0, math.inf, 0, 0.0, math.inf, math.inf, standard_error)
    return shrink(estimate, standard_error, flat, threshold, direction=direction)
