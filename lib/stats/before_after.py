"""Before/after: the step at the pilot start, from a segmented regression with AR(1) errors.

One daily series: a baseline period, then the pilot period. For day ``d``::

    y_d = a + b (d - mean_day) + delta post_d + sum_w gamma_w [weekday(d) = w] + u_d
    u_d = phi u_{d-1} + e_d,      e_d independent N(0, sigma^2)

``delta`` is the effect: the level shift of the pilot period. Weekday dummies
(one per weekday present, the first dropped) and the trend are used only when
the days allow, dropping back to trend-only and then level-only (each step
needs a few spare degrees of freedom, one more for ``phi``); a note then says so.

Fitting: feasible GLS by iterated Cochrane-Orcutt, as statsmodels'
``GLSAR(y, X, rho=1).iterative_fit()``: quasi-difference the days with the
current ``phi`` (the first day drops out), least squares, then ``phi`` again
as the lag-1 Yule-Walker autocorrelation of the undifferenced residuals, to
the fixed point (at most ``_MAX_ITER`` rounds). Rounds run on small
cross-product matrices of ``[X, y]``, not on the days, so a fit of two
months of days costs a few tenths of a millisecond.

Small samples. Plain feasible GLS under-covers in a month or two of days for
two reasons, both corrected here without tuned constants:

1. ``phi`` is biased towards 0: Kendall's ``E phi_raw ~ phi (1 - 3/n) - 1/n``
   for a mean alone, and the trend, step and weekday terms pull further. The
   design's own pull under ``phi = 0``, ``b0 = tr((X'X)^-1 X'LX) / (n - k)``
   (L the one-day lag; ``1/n`` for a mean alone), replaces Kendall's ``1/n``,
   and the relation is inverted: ``phi = (phi_raw' + b0) / (1 - 3/n - b0)``
   with ``phi_raw' = phi_raw (n - 1)/n`` (the n-denominator autocorrelation),
   clipped to [-0.95, 0.95]. With ``b0 = 1/n`` this is Marriott-Pope. In the
   simulations below it leaves a bias of about +-0.01.
2. Even unbiased, ``phi`` is uncertain (sd about ``sqrt((1 - phi^2)/(n - k))``
   divided by the correction's slope) and the step's standard error depends
   on it. The coefficient covariance is averaged over that uncertainty with a
   3-point Gauss-Hermite rule (``phi`` and ``phi +- sqrt(3) sd``, weights 2/3,
   1/6, 1/6; mean covariance plus the spread of the coefficients), never less
   than the covariance at ``phi``. The estimate is the GLS estimate at ``phi``.

Inference uses t quantiles with ``df = n_days - n_coefficients - 1``.

Gaps (missing days): the days are fitted in date order; the AR(1) step over
a gap of ``g`` days is ``phi**g`` and the innovation is rescaled by
``sqrt((1 - phi^2) / (1 - phi^(2g)))``, the exact GLS transform of an AR(1)
seen only on those days. ``phi`` comes from residual pairs one day apart
(none at all: ``phi = 0``). A repeated date is refused.

Coverage of the 95% interval for ``delta``, simulated: 28 baseline days from
a Monday, trend +0.4/day, weekday pattern (0, 1, 2, 1, 3, -6, -8), a step of
5, AR(1) noise with innovation sd 4, 2,000 series per row (Monte Carlo error
about 0.005); ``tests/stats/test_before_after.py`` re-runs it with 400::

    phi  pilot  this module  corrected phi,    feasible GLS,   OLS,
         days                no averaging      raw phi         iid t
    0.0    7       0.948        0.930             0.918        0.946
    0.0   14       0.952        0.940             0.930        0.948
    0.0   28       0.951        0.940             0.931        0.958
    0.3    7       0.946        0.924             0.898        0.864
    0.3   14       0.947        0.928             0.914        0.863
    0.3   28       0.952        0.946             0.936        0.866
    0.6    7       0.930        0.910             0.871        0.717
    0.6   14       0.940        0.928             0.914        0.742
    0.6   28       0.938        0.926             0.908        0.723
    0.8    7       0.921        0.908             0.864        0.586
    0.8   14       0.923        0.913             0.890        0.572
    0.8   28       0.942        0.939             0.914        0.591

The price at ``phi = 0``: intervals about 5-15% wider than OLS's. With 15-30%
of days missing at random coverage stays about the same (0.94 at phi 0.6).

Calibrated: the interval and p-values for ``delta`` under this model (level
shift, linear trend, fixed weekday pattern, AR(1) errors, ``phi`` from 0 to
about 0.8) for about 35-60 days with the full design. Not calibrated:
longer-memory errors, a change of slope at the start, very short series on
the trend-only or level-only fallback (7 + 3 days at phi 0.6 covers about
80%), anything else that changed at the pilot start (before/after is
observational), and the placebo check, which is descriptive: its fake steps
share days and are fitted on the baseline alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache

import numpy as np
from scipy.linalg import lapack

from lib.stats import stats_messages, validation
from lib.stats.ar1_grams import (
    _coefficients,
    _Grams,
    _grams,
    _inverse_and_coefficients,
    _whitened,
    _whitened_one,
    _yule_walker,
)
from lib.stats.daily_series import DUPLICATE_DAYS, _Calendar, _Series, _series  # noqa: F401 - DUPLICATE_DAYS re-exported
from lib.stats.distributions import t_ppf, t_sf

#: spare degrees of freedom (days minus coefficients minus phi) each model needs
_SPARE_DF_WEEKDAY = 5
_SPARE_DF_TREND = 4
_SPARE_DF_LEVEL = 2
#: fewer logged days than this in either period and no step is fitted
MIN_DAYS_PER_PERIOD = 3
#: Cochrane-Orcutt rounds and the change in phi that counts as converged
_MAX_ITER = 10
_PHI_TOL = 1e-7
#: |phi| limits: while iterating (keeps the gap transform finite) and for the fit used
_PHI_ITER_LIMIT = 0.99
PHI_LIMIT = 0.95
#: the bias correction's slope is floored here so tiny series cannot blow phi up
_MIN_SLOPE = 0.5
#: 3-point Gauss-Hermite rule for averaging over phi's uncertainty
_GH_NODES = np.array([0.0, math.sqrt(3.0), -math.sqrt(3.0)])
_GH_WEIGHTS = np.array([2.0, 0.5, 0.5]) / 3.0
#: the most coefficients a design can have (intercept, step, trend, six weekdays)
_IDENTITY = np.eye(9)
#: residuals this small (in standard deviations of the data) count as an exact fit
_EXACT_FIT = 1e-9
#: a Cholesky pivot this small relative to its column (1 - R^2 on the columns before) means rank deficient
_RANK_TOL = 1e-10


@dataclass(frozen=True)
class CounterfactualDay:
    """One day of the "expected without the pilot" line, for charts."""

    day: date
    observed: float  # the logged daily value
    expected: float  # fitted value without the pilot step
    low: float  # confidence band for the expected line at the requested level
    high: float
    in_pilot: bool


@dataclass(frozen=True)
class StepFit:
    """The pilot-period level shift with AR(1)-aware t inference."""

    estimate: float  # delta: pilot-period level shift, in the metric's units per day
    standard_error: float  # averaged over the uncertainty in phi
    df: float  # t degrees of freedom used
    t_stat: float  # estimate / standard_error (+-inf for an exact fit with a step)
    phi: float  # AR(1) coefficient used (after the bias correction)
    n_before: int
    n_after: int
    terms: tuple[str, ...]  # e.g. ("intercept", "pilot_period", "trend", "weekday_1", ...)
    notes: tuple[str, ...]  # plain-language notes when trend/weekday terms had to be dropped
    phi_raw: float = 0.0  # iterated Cochrane-Orcutt estimate, before the bias correction
    phi_sd: float = 0.0  # the uncertainty in phi the standard error is averaged over
    standard_error_known_phi: float = 0.0  # plain GLS standard error, as if phi were known
    counterfactual: tuple[CounterfactualDay, ...] = ()  # every day, when asked for

    def interval(self, level: float) -> tuple[float, float]:
        """Two-sided t interval for the step at ``level`` (e.g. 0.95)."""
        level = validation.probability("level", level, open_low=True, open_high=True)
        if self.standard_error == 0.0:
            return self.estimate, self.estimate
        half = t_ppf(0.5 + level / 2.0, self.df) * self.standard_error
        return self.estimate - half, self.estimate + half

    def p_greater(self, margin: float = 0.0) -> float:
        """One-sided p-value against "delta <= margin" (small: evidence that delta > margin)."""
        margin = validation.finite("margin", margin)
        if self.standard_error == 0.0:
            return 0.0 if self.estimate > margin else 1.0
        return t_sf((self.estimate - margin) / self.standard_error, self.df)


# --- model --------------------------------------------------------------------


def _design(series: _Series, post: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """[intercept, pilot_period, trend, weekday dummies..., y]: the richest design, y last."""
    if series.calendar is not None:
        base, names = _calendar_columns(series.calendar)
    else:
        base, names = _day_columns(series.day_numbers, series.weekdays)
    z = np.empty((len(y), base.shape[1] + 1))
    z[:, :-1] = base
    z[:, 1] = post
    z[:, -1] = y
    return z, list(names)


def _day_columns(day_numbers: np.ndarray, weekdays: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """The design's columns that the days alone decide (the pilot-period column left at 0), read-only."""
    present = np.flatnonzero(np.bincount(weekdays, minlength=7))[1:]  # the weekdays present, in order
    base = np.empty((len(day_numbers), 3 + len(present)))
    base[:, 0] = 1.0
    base[:, 1] = 0.0
    base[:, 2] = day_numbers - np.add.reduce(day_numbers) / len(day_numbers)  # minus their mean
    base[:, 3:] = weekdays[:, None] == present[None, :]
    base.flags.writeable = False
    return base, ("intercept", "pilot_period", "trend", *(f"weekday_{w}" for w in present.tolist()))


@lru_cache(maxsize=256)
def _calendar_columns(calendar: _Calendar) -> tuple[np.ndarray, tuple[str, ...]]:
    """:func:`_day_columns` kept per calendar (shared by every series on the same days)."""
    return _day_columns(calendar.day_numbers, calendar.weekdays)


def _mean_and_sd(y: np.ndarray) -> tuple[float, float]:
    """``y.mean()`` and ``y.std()``, the very values, from the reductions they make (every fit asks, twice per look)."""
    n = len(y)
    mean = np.add.reduce(y) / n
    deviations = y - mean
    return float(mean), float(np.sqrt(np.add.reduce(deviations * deviations) / n))


def _choose(grams: _Grams, n_columns: int, w0: np.ndarray) -> tuple[int, tuple[str, ...]] | None:
    """How many leading columns the days allow (trend and weekdays, trend, level) and the note.

    Cochrane-Orcutt drops the first day, so the other days alone must pin
    down every coefficient (a Cholesky pivot check of their cross product
    ``w0``, the days' at phi = 0).
    """
    n = grams.n
    ladder = (
        (n_columns, _SPARE_DF_WEEKDAY, ()),
        (3, _SPARE_DF_TREND, (stats_messages.ADJUSTED_NO_WEEKDAY,)),
        (2, _SPARE_DF_LEVEL, (stats_messages.ADJUSTED_NO_TREND,)),
    )
    for k, spare, notes in ladder:
        if k > n_columns or n - k - 1 < spare:
            continue
        factor, info = lapack.dpotrf(w0[:k, :k])
        if info == 0 and np.min(factor.diagonal() ** 2 / w0.diagonal()[:k]) > _RANK_TOL:
            return k, notes
    return None


def _iterate_phi(grams: _Grams, beta: np.ndarray, k: int) -> float:
    """Iterated Cochrane-Orcutt from the phi = 0 fit ``beta`` until phi settles (Aitken-accelerated).

    Each round maps phi to the residual autocorrelation of the GLS fit at
    phi; its fixed point is what statsmodels' ``GLSAR.iterative_fit``
    converges to. Aitken's delta-squared step on every three rounds only
    makes the fixed point arrive sooner.
    """
    phi, history = 0.0, [0.0]
    for _ in range(_MAX_ITER):
        new = min(_PHI_ITER_LIMIT, max(-_PHI_ITER_LIMIT, _yule_walker(grams, beta)))
        if abs(new - phi) < _PHI_TOL:
            return new
        history.append(new)
        if len(history) == 3:
            x0, x1, x2 = history
            bend = x2 - 2.0 * x1 + x0
            jump = x2 - (x2 - x1) ** 2 / bend if bend != 0.0 else x2
            new = jump if abs(jump) <= _PHI_ITER_LIMIT else x2
            history = [new]
        phi = new
        beta = _coefficients(_whitened_one(grams, phi), k)
    return phi


@dataclass(frozen=True)
class _Fit:
    beta: np.ndarray  # original units
    cov: np.ndarray  # averaged over phi's uncertainty
    se_known_phi: float
    df: int
    phi: float
    phi_raw: float
    phi_sd: float
    x: np.ndarray
    terms: tuple[str, ...]
    notes: tuple[str, ...]


def _fit(series: _Series, post: np.ndarray) -> _Fit | None:
    """Feasible GLS with the bias-corrected phi; None when the days pin down no model."""
    y = series.y
    center, spread = _mean_and_sd(y)
    if spread <= 1e-12 * max(1.0, abs(center)):
        spread = 0.0
    # y centred and scaled to sd 1 keeps the cross products well conditioned
    z, columns = _design(series, post, (y - center) / spread if spread > 0.0 else np.zeros_like(y))
    grams = _grams(z, series.day_numbers)
    w0 = _whitened_one(grams, 0.0)
    chosen = _choose(grams, z.shape[1] - 1, w0)
    if chosen is None:
        return None
    k, notes = chosen
    if k < z.shape[1] - 1:
        cols = np.append(np.arange(k), z.shape[1] - 1)
        z, grams = z[:, cols], grams.subset(cols)
        w0 = _whitened_one(grams, 0.0)
    n, df, terms = len(y), len(y) - k - 1, tuple(columns[:k])
    # phi = 0: least squares on all days but the first, where the iteration starts
    xtx_inv, beta, _ = _inverse_and_coefficients(w0, k)
    if float(np.max(np.abs(z[:, :k] @ beta - z[:, k]))) <= _EXACT_FIT:
        return _Fit(_unscale(beta, center, spread), np.zeros((k, k)), 0.0, df, 0.0, 0.0, 0.0, z[:, :k], terms, notes)
    phi_raw = _iterate_phi(grams, beta, k)
    # the design's own pull on the residual autocorrelation under phi = 0: tr(H L) / (n - k)
    b0 = 0.5 * float(np.add.reduce(xtx_inv * grams.one_cross[:k, :k], axis=None)) / (n - k)
    slope = max(1.0 - 3.0 / n - b0, _MIN_SLOPE)
    # derived for the n-denominator autocorrelation, phi_raw (n - 1) / n
    phi = min(PHI_LIMIT, max(-PHI_LIMIT, (phi_raw * (n - 1) / n + b0) / slope))
    phi_sd = math.sqrt(max(1.0 - phi * phi, 0.0) / (n - k)) / slope
    beta, cov, se_known = _averaged_over_phi(grams, k, phi, phi_sd, df)
    return _Fit(
        _unscale(beta, center, spread),
        cov * (spread * spread),
        se_known * spread,
        df,
        phi,
        phi_raw,
        phi_sd,
        z[:, :k],
        terms,
        notes,
    )


def _averaged_over_phi(
    grams: _Grams, k: int, phi: float, phi_sd: float, df: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """GLS at phi, with the covariance averaged over phi's uncertainty (3-point Gauss-Hermite).

    Never narrower than the covariance at phi itself: where the standard
    error falls again towards phi = 1 the average alone could shrink it.
    """
    nodes = np.minimum(np.maximum(phi + _GH_NODES * phi_sd, -PHI_LIMIT), PHI_LIMIT)  # np.clip, without its wrapper
    fits = [_inverse_and_coefficients(w, k) for w in _whitened(grams, nodes)]
    betas = np.array([beta for _, beta, _ in fits])
    covs = np.array([(rss / df) * xtx_inv for xtx_inv, _, rss in fits])
    centred = betas - _GH_WEIGHTS @ betas
    cov = (_GH_WEIGHTS @ covs.reshape(len(fits), -1)).reshape(k, k) + (centred.T * _GH_WEIGHTS) @ centred
    if cov[1, 1] < covs[0, 1, 1]:
        cov = covs[0]
    return betas[0], cov, math.sqrt(float(covs[0, 1, 1]))


def _unscale(beta: np.ndarray, center: float, spread: float) -> np.ndarray:
    """Coefficients for the data in its own units (y was centred and scaled to sd 1)."""
    out = beta * spread
    out[0] += center
    return out


def _step(fit: _Fit) -> tuple[float, float, float]:
    """Estimate, standard error and t statistic of the pilot-period term."""
    estimate = float(fit.beta[1])
    se = math.sqrt(max(float(fit.cov[1, 1]), 0.0))
    if se > 0.0:
        return estimate, se, estimate / se
    # an exact fit: a step at rounding level (relative to the series) is no step at all
    scale = float(np.max(np.abs(fit.x @ fit.beta))) if fit.x.size else 0.0
    if abs(estimate) <= 1e-9 * max(scale, 1.0):
        return 0.0, 0.0, 0.0
    return estimate, 0.0, math.copysign(math.inf, estimate)


def _counterfactual_days(series: _Series, fit: _Fit, level: float) -> tuple[CounterfactualDay, ...]:
    """The fitted line without the step, with a t confidence band from the coefficient covariance."""
    x0 = fit.x.copy()
    x0[:, 1] = 0.0
    expected = x0 @ fit.beta
    variance = np.maximum(np.einsum("ij,jk,ik->i", x0, fit.cov, x0), 0.0)
    half = t_ppf(0.5 + level / 2.0, fit.df) * np.sqrt(variance)
    low, high = (expected - half).tolist(), (expected + half).tolist()
    return tuple(
        map(
            _counterfactual_day,
            series.days,
            series.y.tolist(),
            expected.tolist(),
            low,
            high,
            (series.post > 0).tolist(),
        )
    )


_FIELDS = ("day", "observed", "expected", "low", "high", "in_pilot")
if tuple(f.name for f in fields(CounterfactualDay)) != _FIELDS:  # pragma: no cover - a new field must be set below
    raise TypeError("CounterfactualDay's fields changed: update _counterfactual_day.")


def _counterfactual_day(
    day: date, observed: float, expected: float, low: float, high: float, in_pilot: bool
) -> CounterfactualDay:
    """``CounterfactualDay(...)`` without the frozen ``__init__``'s one ``object.__setattr__`` per field.

    Every before/after fit makes one per day (two months of days per criterion per look).
    """
    out = _NEW(CounterfactualDay)
    values = out.__dict__
    values["day"] = day
    values["observed"] = observed
    values["expected"] = expected
    values["low"] = low
    values["high"] = high
    values["in_pilot"] = in_pilot
    return out


_NEW = object.__new__


# --- public -------------------------------------------------------------------


def fit_step(
    before_days: Sequence[date],
    before_values: Sequence[float],
    after_days: Sequence[date],
    after_values: Sequence[float],
    *,
    counterfactual_level: float | None = None,
) -> StepFit | None:
    """The pilot-period step with AR(1)-aware t inference; None with too few days.

    Needs ``MIN_DAYS_PER_PERIOD`` logged days in each period. With
    ``counterfactual_level`` (e.g. 0.95) the result also carries every day's
    "expected without the pilot" value and band, from the same fit.
    """
    if counterfactual_level is not None:
        counterfactual_level = validation.probability(
            "counterfactual_level", counterfactual_level, open_low=True, open_high=True
        )
    series = _series(before_days, before_values, after_days, after_values)
    n_after = len(after_values)  # the pilot-period days, as many as series.post marks
    n_before = len(series.y) - n_after
    if n_before < MIN_DAYS_PER_PERIOD or n_after < MIN_DAYS_PER_PERIOD:
        return None
    fit = _fit(series, series.post)
    if fit is None:
        return None
    estimate, se, t_stat = _step(fit)
    band = () if counterfactual_level is None else _counterfactual_days(series, fit, counterfactual_level)
    return StepFit(
        estimate=estimate,
        standard_error=se,
        df=float(fit.df),
        t_stat=t_stat,
        phi=float(fit.phi),
        n_before=n_before,
        n_after=n_after,
        terms=fit.terms,
        notes=fit.notes,
        phi_raw=float(fit.phi_raw),
        phi_sd=float(fit.phi_sd),
        standard_error_known_phi=float(fit.se_known_phi),
        counterfactual=band,
    )


def counterfactual(
    before_days: Sequence[date],
    before_values: Sequence[float],
    after_days: Sequence[date],
    after_values: Sequence[float],
    level: float = 0.95,
) -> tuple[CounterfactualDay, ...]:
    """Every day's "expected without the pilot" value and band; empty with too few days.

    Shorthand for ``fit_step(..., counterfactual_level=level).counterfactual``;
    call that instead when the step is needed too, so the model is fitted once.
    """
    fit = fit_step(before_days, before_values, after_days, after_values, counterfactual_level=level)
    return () if fit is None else fit.counterfactual
