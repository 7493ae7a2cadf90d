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
  (normal–normal): precision-weighted mean, 95 % credible interval, and the
  chance the effect beats the threshold.

``bench/priors_calibration.py`` measures coverage, error and wrong "likely
clears" readings by simulation, beside the raw reading.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lib.stats import validation
from lib.stats.distributions import norm_cdf, norm_sf, z_two_sided

#: fewer past pilots than this and no prior is fitted: five is where the spread can first be told from noise
MIN_PILOTS = 5
#: below this weight on the prior for a typical new pilot, the population is "too spread to help" (see fit_prior)
MIN_PRIOR_WEIGHT = 0.3
#: points of the grid over tau (the between-pilot standard deviation)
_GRID = 400
#: the grid reaches this many times the span of the data (effects' range plus two of the largest standard errors)
_GRID_REACH = 3.0

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

    ``chance`` is the posterior probability that the effect beats ``threshold``
    (above it for ``direction="increase"``, below for ``"decrease"``);
    ``weight`` is the share of the reading that comes from the prior.
    """

    mean: float
    low: float
    high: float
    sd: float
    chance: float
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


def _predictive(y: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """Mean and variance of a new pilot's true effect, integrating mu and tau over their posterior.

    tau: uniform prior on a grid, restricted likelihood (mu integrated out under a flat prior);
    given tau, mu ~ N(mu_hat(tau), 1 / sum w_i(tau)) and the new effect ~ N(mu, tau^2).
    """
    span = float(np.ptp(y) + 2.0 * np.sqrt(v.max()))
    tau = np.linspace(0.0, _GRID_REACH * span, _GRID)[:, None]
    w = 1.0 / (v[None, :] + tau**2)
    sw = w.sum(axis=1)
    mu = (w * y).sum(axis=1) / sw
    log_lik = -0.5 * (np.log(v[None, :] + tau**2).sum(axis=1) + np.log(sw) + (w * (y - mu[:, None]) ** 2).sum(axis=1))
    p = np.exp(log_lik - log_lik.max())
    p[[0, -1]] *= 0.5  # the trapezoidal rule
    p /= p.sum()
    mean = float(np.sum(p * mu))
    variance = float(np.sum(p * (1.0 / sw + tau[:, 0] ** 2)) + np.sum(p * (mu - mean) ** 2))
    return mean, variance


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
    mean, variance = _predictive(y, v)
    typical = float(np.median(np.sqrt(v))) if typical_se is None else validation.positive("typical_se", typical_se)
    prior = Prior(mean, math.sqrt(variance), k, pooled, pooled_se, tau2, typical)
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
    leans on the past. The interval is the central ``level`` credible interval.
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
    gap = (mean - t) / sd
    chance = norm_cdf(gap) if direction == "increase" else norm_sf(gap)
    return Reading(
        mean=mean,
        low=mean - z * sd,
        high=mean + z * sd,
        sd=sd,
        chance=chance,
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
