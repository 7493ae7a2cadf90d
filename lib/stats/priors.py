"""Reading a small pilot in the light of the team's past pilots: the hierarchical normal model, fully Bayesian.

Past pilots of the same kind (same metric kind and effect scale, filtered by the
caller) each give an effect ``y_i`` with a standard error ``s_i``. They and the
new pilot are read as draws from one population of true effects,
``theta_i ~ N(mu, tau^2)``, with ``y_i ~ N(theta_i, s_i^2)`` (the random-effects
model of meta-analysis; Gelman et al., *BDA* ch. 5).

- :func:`fit_prior` says whether past pilots can inform a new one (at least
  five, and a population not too spread to help) and what they say before its
  data: ``Prior.mean`` and ``Prior.sd``, the mean and spread of a new pilot's
  true effect with ``mu`` and ``tau`` integrated over their posterior. The
  DerSimonian–Laird estimates (checked against statsmodels) are kept beside
  them, as a meta-analysis reports them.
- :func:`shrink` reads the new pilot with one posterior for every figure
  (:mod:`lib.stats.hierarchical`): ``mu`` integrated analytically under a flat
  prior, ``tau`` on a grid under a uniform prior, and the new pilot in the data
  (it informs ``mu`` and ``tau`` too). Its true effect's posterior is a mixture
  of normals over the grid; the central figure is that mixture's median, the
  interval its quantiles and the chance of clearing the threshold its tail
  beyond the threshold. No fitted value is plugged in and no limit is taken, so
  the chance is a plain probability, and it is at least 50 % exactly when the
  median clears: the sentence never points two ways.
- The normal shape of the population is an assumption a heavy-tailed one
  breaks. The earlier pilots and the new one are each checked against the
  others (:func:`surprise`); where one lies far outside what the others allow,
  the chance, which leans on that shape most, is withheld and the interval is
  shown alone (``Reading.caution`` says why).

``bench/priors_calibration.py`` measures coverage, error and the stated chance's
reliability (stated vs cleared, per decile) by simulation, beside the raw reading.
Across teams that each have a population of their own, every decile with 50 or
more readings cleared within 7 points of its band (normal populations; 6 points
heavy-tailed), and no sentence contradicted itself. The chance is a probability
across teams, not within one: where every team shares one fixed population,
the past pilots' luck moves the chance while the outcome stays put (a plain
fact of any chance read from them, and what the earlier cautious bound, read
"at least", paid for with chances far too low everywhere else).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from lib.stats import hierarchical, validation

#: fewer past pilots than this and no prior is fitted: five is where the spread can first be told from noise
MIN_PILOTS = 5
#: below this weight on the prior for a typical new pilot, the population is "too spread to help" (see fit_prior)
MIN_PRIOR_WEIGHT = 0.3

TOO_FEW = "too_few"
TOO_SPREAD = "too_spread"


@dataclass(frozen=True)
class Prior:
    """What past pilots say about a new pilot's true effect, before its own data.

    ``mean`` and ``sd`` are the mean and standard deviation of a new pilot's true
    effect given the past pilots (the population's centre and spread, uncertainty in
    both included). ``pooled_mean``, ``pooled_se`` and ``tau2`` are the
    DerSimonian–Laird random-effects estimates (what a meta-analysis reports);
    ``typical_se`` is the standard error the "too spread" rule judged the prior's
    weight at. ``effects`` and ``standard_errors`` are the past pilots themselves,
    which :func:`shrink` reads the new pilot with; a prior without them (built by
    hand) is read as a known normal population ``N(mean, sd^2)``.
    """

    mean: float
    sd: float
    n_pilots: int
    pooled_mean: float
    pooled_se: float
    tau2: float
    typical_se: float
    effects: tuple[float, ...] = field(default=(), repr=False, compare=False)
    standard_errors: tuple[float, ...] = field(default=(), repr=False, compare=False)

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
    """A pilot's effect read with past pilots: one posterior, and every figure of the sentence from it.

    ``median`` is the central figure, ``low``–``high`` the central ``level``
    credible interval, ``chance`` the posterior probability that the true effect
    beats ``threshold`` (above it for ``direction="increase"``, below for
    ``"decrease"``): ``chance >= 0.5`` exactly when the median clears. ``mean``
    and ``sd`` are the posterior's mean and standard deviation. ``weight`` is the
    average pull toward the population's centre (the share of the reading that
    comes from the past). A non-empty ``caution`` says why the chance is not to
    be shown (the interval still is): see :func:`surprise`.
    """

    median: float
    low: float
    high: float
    chance: float
    mean: float
    sd: float
    n_pilots: int
    weight: float
    estimate: float
    standard_error: float
    threshold: float
    direction: str = "increase"
    level: float = 0.95
    caution: str = ""

    @property
    def stated_chance(self) -> float | None:
        """The chance as it may be shown, or None when ``caution`` withholds it."""
        return None if self.caution else self.chance

    @property
    def median_clears(self) -> bool:
        """Whether the central figure is on the threshold's good side (at it counts as clearing)."""
        return self.median >= self.threshold if self.direction == "increase" else self.median <= self.threshold


@dataclass(frozen=True)
class Readings:
    """Many pilots read at once (one per row, each with its own past pilots), by the code :func:`shrink` uses.

    Arrays of one value per pilot; ``surprise`` is the smallest predictive p-value of the normal-shape check
    (:func:`surprise`) and ``doubtful`` where it withholds the chance.
    """

    median: np.ndarray
    low: np.ndarray
    high: np.ndarray
    chance: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    weight: np.ndarray
    surprise: np.ndarray
    doubtful: np.ndarray


#: a pilot whose estimate the others make this unlikely (two-sided, after Bonferroni over the pilots checked)
#: casts doubt on the population's normal shape, and the chance is withheld
DOUBT_LEVEL = 0.05
CAUTION = (
    "one of the pilots lies far outside what the others allow, so their effects may not spread normally, "
    "and a chance would lean on that"
)
#: a threshold whose CDF is this close to one half is the median (the quantiles' tolerance, with room)
_AT_MEDIAN = 1e-9


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


def predictive(effects: np.ndarray, standard_errors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of a new pilot's true effect given rows of past pilots (rows x pilots)."""
    y = np.atleast_2d(np.asarray(effects, dtype=float))
    v = np.atleast_2d(np.asarray(standard_errors, dtype=float)) ** 2
    before = hierarchical.new_effect(hierarchical.grid(y, v))
    return before.expectation(), np.sqrt(before.variance())


def prior_weight(prior_sd: np.ndarray, standard_error: np.ndarray) -> np.ndarray:
    """The weight ``se^2 / (se^2 + sd^2)`` a pilot with this standard error gives a prior this wide."""
    v = np.asarray(standard_error, dtype=float) ** 2
    return np.asarray(v / (v + np.asarray(prior_sd, dtype=float) ** 2))


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
    mean, sd = (float(a[0]) for a in predictive(y, np.sqrt(v)))
    typical = float(np.median(np.sqrt(v))) if typical_se is None else validation.positive("typical_se", typical_se)
    se = tuple(np.sqrt(v).tolist())
    prior = Prior(mean, sd, k, pooled, pooled_se, tau2, typical, tuple(y.tolist()), se)
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


def surprise(effects: np.ndarray, standard_errors: np.ndarray) -> np.ndarray:
    """How well the normal population explains the most unusual pilot of each row: the smallest two-sided
    predictive p-value, each pilot against the others (leave one out), times the number of pilots (Bonferroni),
    at most 1.

    A normal population seldom makes one pilot's estimate a long way from all others'; a heavy-tailed one
    often does, and it is where the normal model's chance goes wrong (it pulls a real outlier back toward the
    centre). Each pilot's estimate is compared with its predictive mixture given the rest: true effect
    ``N(mu, tau^2)`` plus its own noise.
    """
    y = np.atleast_2d(np.asarray(effects, dtype=float))
    v = np.atleast_2d(np.asarray(standard_errors, dtype=float)) ** 2
    everyone = hierarchical.grid(y, v)
    smallest = np.ones(y.shape[0])
    for j in range(y.shape[1]):
        rest = hierarchical.with_pilot(everyone, y[:, j], v[:, j], sign=-1.0)
        before = hierarchical.new_effect(rest)
        seen = hierarchical.Mixture(before.weight, before.mean, np.sqrt(before.sd**2 + v[:, j : j + 1]))
        below = seen.cdf(y[:, j : j + 1])[:, 0]
        smallest = np.minimum(smallest, 2.0 * np.minimum(below, 1.0 - below))
    return np.asarray(np.minimum(1.0, y.shape[1] * smallest))


def read_many(
    past_effects: np.ndarray,
    past_standard_errors: np.ndarray,
    estimates: np.ndarray,
    standard_errors: np.ndarray,
    threshold: float,
    *,
    direction: str = "increase",
    level: float = 0.95,
) -> Readings:
    """Pilots (one per row) read with their own past pilots (rows x past pilots): the full posterior of each
    true effect over (mu, tau), its median, central ``level`` interval and chance of clearing ``threshold``."""
    py = np.atleast_2d(np.asarray(past_effects, dtype=float))
    pv = np.atleast_2d(np.asarray(past_standard_errors, dtype=float)) ** 2
    y = np.asarray(estimates, dtype=float).reshape(-1)
    v = np.asarray(standard_errors, dtype=float).reshape(-1) ** 2
    everyone_y, everyone_v = np.column_stack([py, y]), np.column_stack([pv, v])
    g = hierarchical.grid(py, pv, top=hierarchical.reach(everyone_y, everyone_v))
    after, pull = hierarchical.pilot_effect(g, y, v)
    tail = (1.0 - level) / 2.0
    low, median, high = after.quantile(np.array([tail, 0.5, 1.0 - tail])).T
    below = after.cdf(np.full((len(y), 1), float(threshold)))[:, 0]
    chance = 1.0 - below if direction == "increase" else below
    # the chance and the median come from one CDF; a threshold at the median to within the root finder's
    # tolerance is the median, with a chance of one half, so the two cannot disagree in the last digit
    at_median = np.abs(below - 0.5) <= _AT_MEDIAN
    median, chance = np.where(at_median, threshold, median), np.where(at_median, 0.5, chance)
    p = surprise(everyone_y, np.sqrt(everyone_v))
    return Readings(
        median,
        low,
        high,
        chance,
        after.expectation(),
        np.sqrt(after.variance()),
        np.sum(after.weight * pull, axis=1),
        p,
        p < DOUBT_LEVEL,
    )


def _known_population(prior: Prior, y: float, s: float, threshold: float, direction: str, level: float) -> Reading:
    """The normal–normal reading with the population taken as known, ``N(prior.mean, prior.sd^2)``."""
    pull = s**2 / (s**2 + prior.sd**2) if math.isfinite(prior.sd) else 0.0
    mean = pull * prior.mean + (1.0 - pull) * y if pull > 0 else y
    sd = math.sqrt((1.0 - pull) * s**2)
    z = float(special.ndtri(0.5 + level / 2.0))
    above = float(special.ndtr((mean - threshold) / sd))
    chance = above if direction == "increase" else 1.0 - above
    return Reading(
        mean, mean - z * sd, mean + z * sd, chance, mean, sd, prior.n_pilots, pull, y, s, threshold, direction, level
    )


def shrink(
    estimate: float,
    standard_error: float,
    prior: Prior,
    threshold: float,
    *,
    direction: str = "increase",
    level: float = 0.95,
) -> Reading:
    """The pilot's effect read with the past pilots behind ``prior``: the full posterior (see the module).

    A precise estimate (small ``standard_error``) is barely moved; a noisy one
    leans on the past. The median, the central ``level`` interval and the chance
    of clearing ``threshold`` all come from that one posterior.
    """
    y = validation.finite("estimate", estimate)
    s = validation.positive("standard_error", standard_error)
    t = validation.finite("threshold", threshold)
    validation.choice("direction", direction, ("increase", "decrease"))
    level = validation.probability("level", level, open_low=True, open_high=True)
    if not prior.effects:
        return _known_population(prior, y, s, t, direction, level)
    r = read_many(
        np.array([prior.effects]),
        np.array([prior.standard_errors]),
        np.array([y]),
        np.array([s]),
        t,
        direction=direction,
        level=level,
    )
    return Reading(
        median=float(r.median[0]),
        low=float(r.low[0]),
        high=float(r.high[0]),
        chance=float(r.chance[0]),
        mean=float(r.mean[0]),
        sd=float(r.sd[0]),
        n_pilots=prior.n_pilots,
        weight=float(r.weight[0]),
        estimate=y,
        standard_error=s,
        threshold=t,
        direction=direction,
        level=level,
        caution=CAUTION if r.doubtful[0] else "",
    )


def raw_reading(estimate: float, standard_error: float, threshold: float, *, direction: str = "increase") -> Reading:
    """The same reading from the pilot's own data alone (a flat prior): what the informed one is compared with."""
    flat = Prior(0.0, math.inf, 0, 0.0, math.inf, math.inf, standard_error)
    return shrink(estimate, standard_error, flat, threshold, direction=direction)
