"""A difference between two arms of units, adjusted for what was known before the pilot.

When stores, markets or branches are split between the arms, each unit is one
observation: its weekly rows are summed into one value first
(:func:`unit_values`), because four rows of one store are not four stores.
What was known before (the market a store is in, last month's sales, a
customer's past spend) then explains part of the spread between units, and
taking it out narrows the interval without bending the estimate:

- **Lin's estimator** (Lin 2013): ``y ~ 1 + arm + Xc + arm x Xc`` with the
  covariates ``Xc`` centred on the mean over both arms; the arm coefficient is
  the difference, unbiased for any covariate and never less precise
  asymptotically than the plain difference, even if the model is wrong.
- **HC2** heteroskedasticity-robust standard errors (MacKinnon and White
  1985): ``e_i^2 / (1 - h_ii)``. Without covariates HC2 is exactly the Welch
  (Neyman) variance, so the unadjusted reading beside it is the usual one.
- **Post-stratification**: strata enter as dummy covariates, so Lin's
  estimator weights each stratum's difference by its share of units.
- **CUPED** is the same estimator with a person's pre-period value as the one
  covariate.

When a covariate cannot be used (a cell of one unit, more columns than units)
the interaction terms are dropped first, then the covariates; the result says
which adjustment was made. statsmodels ``OLS(...).fit(cov_type="HC2")`` is the
oracle in the tests.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from lib.stats.means import welch_df

#: leverage this close to 1 means a unit is fitted exactly: HC2 would divide by zero
_LEVERAGE_LIMIT = 1.0 - 1e-8
#: below this narrowing of the interval the adjustment "changed little"
LITTLE_GAIN = 0.05

METHOD_LIN = "lin_hc2"
METHOD_ADDITIVE = "additive_hc2"
METHOD_NONE = "difference_hc2"


@dataclass(frozen=True)
class AdjustedDifference:
    """Pilot minus control per unit, adjusted and not, with what the adjustment did.

    ``estimate``/``se``/``df`` are the adjusted reading (Lin, HC2, ``n - k``
    degrees of freedom); ``unadjusted_*`` the plain difference of the arm
    means with its Welch standard error. ``variance_reduction`` is ``1 -
    se^2 / unadjusted_se^2`` (negative when adjusting widened it),
    ``narrower`` the same for the interval's width. ``adjusted_for`` names
    the covariates actually used (empty when none could be).
    """

    estimate: float
    se: float
    df: float
    unadjusted_estimate: float
    unadjusted_se: float
    unadjusted_df: float
    n_control: int
    n_pilot: int
    control_mean: float
    pilot_mean: float
    adjusted_for: tuple[str, ...]
    method: str
    notes: tuple[str, ...] = ()

    @property
    def variance_reduction(self) -> float:
        if self.unadjusted_se <= 0:
            return 0.0
        return 1.0 - (self.se / self.unadjusted_se) ** 2

    @property
    def narrower(self) -> float:
        """How much narrower the adjusted interval is than the unadjusted one (0.83 = 83 % narrower)."""
        if self.unadjusted_se <= 0:
            return 0.0
        return 1.0 - self.se / self.unadjusted_se

    @property
    def changed_little(self) -> bool:
        return self.narrower < LITTLE_GAIN


@dataclass(frozen=True)
class OlsFit:
    """An OLS fit with HC2 covariance: coefficients, their covariance, residual degrees of freedom."""

    beta: np.ndarray
    cov: np.ndarray
    df: float
    max_leverage: float


def ols_hc2(x: np.ndarray, y: np.ndarray) -> OlsFit | None:
    """OLS with HC2 errors; None when the design is rank-deficient or a unit is fitted exactly."""
    n, k = x.shape
    if n <= k:
        return None
    q, r = np.linalg.qr(x)
    diag = np.abs(np.diag(r))
    if diag.min() <= 1e-10 * max(diag.max(), 1e-300):
        return None
    beta = np.linalg.solve(r, q.T @ y)
    resid = y - x @ beta
    leverage = np.einsum("ij,ij->i", q, q)
    if leverage.max() >= _LEVERAGE_LIMIT:
        return None
    r_inv = np.linalg.solve(r, np.eye(k))
    bread = r_inv @ r_inv.T  # (X'X)^-1
    weights = resid**2 / (1.0 - leverage)
    meat = (x * weights[:, None]).T @ x
    return OlsFit(beta, bread @ meat @ bread, float(n - k), float(leverage.max()))


def stratum_dummies(strata: Sequence[Hashable], name: str = "stratum") -> tuple[np.ndarray, list[str]]:
    """0/1 columns for every stratum but the first seen (the reference); none for a single stratum."""
    levels = list(dict.fromkeys(strata))
    columns = [np.array([s == level for s in strata], dtype=float) for level in levels[1:]]
    matrix = np.column_stack(columns) if columns else np.empty((len(strata), 0))
    return matrix, [f"{name}={level}" for level in levels[1:]]


def _unadjusted(y: np.ndarray, treated: np.ndarray) -> tuple[float, float, float, float, float]:
    y0, y1 = y[~treated], y[treated]
    v0 = float(y0.var(ddof=1)) / len(y0)
    v1 = float(y1.var(ddof=1)) / len(y1)
    se = math.sqrt(v0 + v1)
    df = welch_df(float(y0.var(ddof=1)), len(y0), float(y1.var(ddof=1)), len(y1)) if se > 0 else float(len(y) - 2)
    return float(y1.mean() - y0.mean()), se, df, float(y0.mean()), float(y1.mean())


def lin_estimate(
    y: Sequence[float] | np.ndarray,
    treated: Sequence[bool] | np.ndarray,
    covariates: np.ndarray | None = None,
    groups: Sequence[str] = (),
) -> AdjustedDifference:
    """Lin's regression-adjusted difference (pilot minus control) with HC2 errors.

    ``covariates`` is units x columns (a before-value, stratum dummies);
    ``groups`` names what each column came from ("market", "last month's
    sales"), in column order, for ``adjusted_for``. Needs at least two units
    per arm; raises ValueError otherwise.
    """
    yv = np.asarray(y, dtype=float)
    t = np.asarray(treated, dtype=bool)
    if yv.shape != t.shape or yv.ndim != 1:
        raise ValueError("values and arms must be two lists of the same length, one entry per unit.")
    if not np.isfinite(yv).all():
        raise ValueError("every unit needs a finite value.")
    n1, n0 = int(t.sum()), int((~t).sum())
    if n1 < 2 or n0 < 2:
        raise ValueError(f"each arm needs at least two units to compare; got {n0} (control) and {n1} (pilot).")
    estimate_u, se_u, df_u, mean0, mean1 = _unadjusted(yv, t)
    base = dict(
        unadjusted_estimate=estimate_u,
        unadjusted_se=se_u,
        unadjusted_df=df_u,
        n_control=n0,
        n_pilot=n1,
        control_mean=mean0,
        pilot_mean=mean1,
    )
    x_cov = np.empty((len(yv), 0)) if covariates is None else np.asarray(covariates, dtype=float).reshape(len(yv), -1)
    group_of = list(groups) if len(groups) == x_cov.shape[1] else [""] * x_cov.shape[1]
    keep = [j for j in range(x_cov.shape[1]) if np.ptp(x_cov[:, j]) > 0]  # a constant column explains nothing
    x_cov, group_of = x_cov[:, keep], [group_of[j] for j in keep]
    notes: list[str] = []
    if x_cov.shape[1]:
        centred = x_cov - x_cov.mean(axis=0)
        ones, arm = np.ones((len(yv), 1)), t.astype(float)[:, None]
        for method, design in (
            (METHOD_LIN, np.hstack([ones, arm, centred, arm * centred])),
            (METHOD_ADDITIVE, np.hstack([ones, arm, centred])),
        ):
            fit = ols_hc2(design, yv)
            if fit is not None:
                if method == METHOD_ADDITIVE:
                    notes.append("too few units in some group to adjust each arm separately: one common adjustment")
                used = tuple(dict.fromkeys(g for g in group_of if g))
                return AdjustedDifference(
                    estimate=float(fit.beta[1]),
                    se=math.sqrt(max(float(fit.cov[1, 1]), 0.0)),
                    df=fit.df,
                    adjusted_for=used,
                    method=method,
                    notes=tuple(notes),
                    **base,  # type: ignore[arg-type]
                )
        notes.append("too few units to adjust for what was known before: the plain difference is used")
    return AdjustedDifference(
        estimate=estimate_u,
        se=se_u,
        df=df_u,
        adjusted_for=(),
        method=METHOD_NONE,
        notes=tuple(notes),
        **base,  # type: ignore[arg-type]
    )


def unit_covariates(
    strata: Sequence[Hashable | None] | None,
    before: Sequence[float | None] | None,
    strata_name: str = "stratum",
    before_name: str = "before",
) -> tuple[np.ndarray, list[str], list[str]]:
    """The covariate matrix for :func:`lin_estimate`: one dummy per stratum but the first, then the before-value.

    Returns the matrix, its column names and the group each column belongs to.
    A stratum given as None counts as its own stratum ("not given").
    """
    blocks: list[np.ndarray] = []
    names: list[str] = []
    groups: list[str] = []
    size = len(strata) if strata is not None else len(before) if before is not None else 0
    if strata is not None:
        dummies, labels = stratum_dummies(["" if s is None else s for s in strata], strata_name)
        blocks.append(dummies)
        names.extend(labels)
        groups.extend([strata_name] * len(labels))
    if before is not None:
        values = np.array([math.nan if v is None else float(v) for v in before])
        if np.isnan(values).any():
            raise ValueError(f"{before_name}: a before-value is missing for some units.")
        blocks.append(values[:, None])
        names.append(before_name)
        groups.append(before_name)
    matrix = np.hstack(blocks) if blocks else np.empty((size, 0))
    return matrix, names, groups


@dataclass(frozen=True)
class UnitValue:
    """One unit's value for the period so far, from its rows."""

    unit: Hashable
    value: float
    rows: float
    periods: int


def unit_values(
    units: Sequence[Hashable],
    n: Sequence[float],
    totals: Sequence[float],
    periods: Sequence[Hashable],
    how: str = "mean",
) -> list[UnitValue]:
    """One value per unit from its rows (units in first-seen order).

    ``how``: "mean" — the unit's total over its rows' ``n`` (a rate, an
    average per order: ``n`` is exposures or orders); "per_period" — its total
    averaged over the periods it has rows in (weekly sales per store);
    "total" — its total for the pilot so far.
    """
    if how not in ("mean", "per_period", "total"):
        raise ValueError(f"unknown unit summary {how!r}: use 'mean', 'per_period' or 'total'.")
    sums: dict[Hashable, list[float]] = {}
    seen: dict[Hashable, set[Hashable]] = {}
    for unit, rows, total, period in zip(units, n, totals, periods, strict=True):
        cell = sums.get(unit)
        if cell is None:
            cell = sums[unit] = [0.0, 0.0]
            seen[unit] = set()
        cell[0] += rows
        cell[1] += total
        seen[unit].add(period)
    out = []
    for unit, (rows, total) in sums.items():
        k = len(seen[unit])
        if how == "mean":
            value = total / rows if rows else math.nan
        elif how == "per_period":
            value = total / k
        else:
            value = total
        out.append(UnitValue(unit, value, rows, k))
    return out


def units_with_covariates(n_per_arm: int, covariate_columns: int) -> int:
    """A plan's units per arm once adjusting spends its degrees of freedom.

    Lin's estimator fits one slope per covariate column in each arm, so each
    arm's mean is known as if from ``n - k`` units (``k`` columns: the
    before-value, one per stratum but the first). Planned with the spread
    left after adjusting, the plan adds those ``k`` units per arm.
    """
    return n_per_arm + max(covariate_columns, 0)


def variance_left(correlation: float) -> float:
    """The share of a unit's variance adjusting for one before-value leaves: ``1 - r^2``."""
    return max(0.0, 1.0 - correlation**2)
