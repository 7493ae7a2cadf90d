"""Cross products for segmented regression with AR(1) errors: computed once, whitened for any phi.

The before/after fit tries many phi values; holding the raw Gram pieces lets each
try cost a few small matrix products instead of a pass over the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.linalg import lapack

_IDENTITY = np.eye(9)  # up to 9 coefficients: Cholesky solves against it


@dataclass(frozen=True)
class _Grams:
    """Cross products of z = [X, y] that every Cochrane-Orcutt round needs.

    Quasi-differenced over a gap g, ``z_t - l z_{t-1}`` with ``l = phi**g``,
    has cross product ``now - l cross + l^2 prev`` summed over the days with
    that gap, so a round is a few (k+1)x(k+1) operations, not a pass over the
    days (numpy's per-call overhead, not arithmetic, is the cost here).
    """

    n: int
    quadratic: np.ndarray  # sum over all days of z z', stacked on one_cross
    gaps: np.ndarray  # the distinct day gaps between consecutive logged days
    pieces: np.ndarray  # per gap: now, cross, prev, flattened, one row each
    moments: np.ndarray  # rows: mean of z; sum of z_t + z_{t-1} over one-day pairs
    n_pairs: int  # one-day pairs

    @property
    def full(self) -> np.ndarray:
        return self.quadratic[: self.quadratic.shape[1]]

    @property
    def one_cross(self) -> np.ndarray:
        """Sum over one-day pairs of z_t z_{t-1}' + z_{t-1} z_t'."""
        return self.quadratic[self.quadratic.shape[1] :]

    @cached_property
    def consecutive(self) -> bool:  # asked on every Cochrane-Orcutt round
        return len(self.gaps) == 1 and bool(self.gaps[0] == 1)

    def subset(self, cols: np.ndarray) -> _Grams:
        """The same cross products for a design with fewer columns."""
        size = self.quadratic.shape[1]
        pieces = self.pieces.reshape(-1, size, size)[:, cols][:, :, cols].reshape(len(self.pieces), -1)
        quadratic = np.vstack([self.full[np.ix_(cols, cols)], self.one_cross[np.ix_(cols, cols)]])
        return _Grams(self.n, quadratic, self.gaps, pieces, self.moments[:, cols], self.n_pairs)


def _grams(z: np.ndarray, day_numbers: np.ndarray) -> _Grams:
    full = z.T @ z
    n = len(z)
    # consecutive days (sorted, distinct): the last is n - 1 days after the first
    consecutive = n < 2 or day_numbers[-1] - day_numbers[0] == n - 1
    # plain reductions (the values z.mean and z.sum give, without their Python wrappers: every fit asks)
    total = np.add.reduce(z, axis=0)
    mean = total / n
    if consecutive:  # one group, from the full cross product
        first, last = z[0], z[-1]
        lagged = z[:-1].T @ z[1:]
        cross = lagged + lagged.T
        pieces = np.array([full - first[:, None] * first, cross, full - last[:, None] * last])
        moments = np.array([mean, 2.0 * total - first - last])
        return _Grams(n, np.concatenate([full, cross]), np.ones(1), pieces.reshape(3, -1), moments, n - 1)
    gaps = np.diff(day_numbers)
    cur, prev_rows = z[1:], z[:-1]
    distinct = np.unique(gaps)
    blocks = []
    for g in distinct:
        c, p = cur[gaps == g], prev_rows[gaps == g]
        lagged = p.T @ c
        blocks += [c.T @ c, lagged + lagged.T, p.T @ p]
    one = gaps == 1.0
    one_cross = blocks[1 + 3 * int(np.flatnonzero(distinct == 1.0)[0])] if one.any() else np.zeros_like(full)
    moments = np.vstack([mean, cur[one].sum(axis=0) + prev_rows[one].sum(axis=0)])
    pieces = np.stack(blocks).reshape(len(blocks), -1)
    return _Grams(len(z), np.vstack([full, one_cross]), distinct, pieces, moments, int(one.sum()))


def _whitened(grams: _Grams, phis: np.ndarray) -> np.ndarray:
    """Cross products of the quasi-differenced [X, y] (first day dropped), one per phi."""
    if grams.consecutive:
        weights = np.empty((len(phis), 3))  # rows of (1, -phi, phi^2)
        weights[:, 0] = 1.0
        np.negative(phis, out=weights[:, 1])
        np.multiply(phis, phis, out=weights[:, 2])
    else:
        lag = phis[:, None] ** grams.gaps[None, :]
        scale = np.where(grams.gaps == 1.0, 1.0, (1.0 - phis[:, None] ** 2) / (1.0 - lag * lag))
        weights = np.stack([scale, -scale * lag, scale * lag * lag], axis=2).reshape(len(phis), -1)
    size = len(grams.full)
    return (weights @ grams.pieces).reshape(len(phis), size, size)


def _whitened_one(grams: _Grams, phi: float) -> np.ndarray:
    """``_whitened`` for one phi, with a shortcut for consecutive days (the hot loop)."""
    if grams.consecutive:
        size = len(grams.full)
        return (np.array([1.0, -phi, phi * phi]) @ grams.pieces).reshape(size, size)
    return _whitened(grams, np.array([phi]))[0]


def _coefficients(w: np.ndarray, k: int) -> np.ndarray:
    """Least-squares coefficients from a cross product of [X, y] (Cholesky; lstsq if that fails)."""
    _, beta, info = lapack.dposv(w[:k, :k], w[:k, k])
    if info != 0:
        beta = np.linalg.lstsq(w[:k, :k], w[:k, k], rcond=None)[0]
    return beta


def _inverse_and_coefficients(w: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(X'X)^-1, coefficients and residual sum of squares from a cross product of [X, y]."""
    rhs = np.empty((k, k + 1))
    rhs[:, :k] = _IDENTITY[:k, :k]
    rhs[:, k] = w[:k, k]
    _, solved, info = lapack.dposv(w[:k, :k], rhs)
    if info != 0:
        solved = np.linalg.pinv(w[:k, :k]) @ rhs
    beta = solved[:, k]
    return solved[:, :k], beta, max(float(w[k, k] - w[:k, k] @ beta), 0.0)


def _yule_walker(grams: _Grams, beta: np.ndarray) -> float:
    """Lag-1 autocorrelation of the residuals y - X beta: mean lagged product over mean square.

    statsmodels' ``yule_walker(df=None)`` (method "adjusted") for consecutive days.
    """
    if grams.n_pairs == 0:
        return 0.0
    c = np.empty(len(beta) + 1)
    c[:-1] = -beta
    c[-1] = 1.0
    mean, lag_sum = (grams.moments @ c).tolist()
    square, lag_square = ((grams.quadratic @ c).reshape(2, -1) @ c).tolist()  # plain floats: scalar arithmetic follows
    total = square - grams.n * mean * mean
    if total <= 0.0:
        return 0.0
    lagged = 0.5 * lag_square - mean * lag_sum + grams.n_pairs * mean * mean
    return (lagged / grams.n_pairs) / (total / grams.n)
