"""The placebo check's fits, side by side: one baseline, many fake start dates.

The fake starts share the days, the centred and scaled values and every design
column but the step, so they are fitted as one batch of small matrices: the
same feasible GLS as :func:`lib.stats.before_after._fit` (the richest design
the days allow, iterated Cochrane-Orcutt from phi = 0 with Aitken steps, the
bias-corrected phi, the covariance averaged over phi's uncertainty), each step
one numpy call for every start instead of one per start. A start the batch
does not take as is (its step leaves the richest design short of rank, an
exact fit, a cross product that is not positive definite) is fitted alone by
``_fit``, so the t statistics are those of fitting each start alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from lib.stats import before_after as ba
from lib.stats.daily_series import _Series


class _Alone(Exception):
    """The batch cannot take these starts as they are: fit each alone."""


def _weights(phis: np.ndarray, gaps: np.ndarray) -> np.ndarray:
    """Per phi, the weights of the gap pieces (now, cross, prev per gap): ``ar1_grams._whitened``'s."""
    if len(gaps) == 1 and gaps[0] == 1.0:  # consecutive days: (1, -phi, phi^2), the values the general rule gives
        weights = np.empty((*phis.shape, 3))
        weights[..., 0] = 1.0
        np.negative(phis, out=weights[..., 1])
        np.multiply(phis, phis, out=weights[..., 2])
        return weights
    lag = phis[..., None] ** gaps
    scale = np.where(gaps == 1.0, 1.0, (1.0 - phis[..., None] ** 2) / (1.0 - lag * lag))
    return np.stack([scale, -scale * lag, scale * lag * lag], axis=-1).reshape(*phis.shape, -1)


def _solve_pd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve positive definite systems (batched); not positive definite: fit alone, as ``_fit`` would differ."""
    try:
        np.linalg.cholesky(a)
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError as exc:
        raise _Alone from exc


def _batch(series: _Series, starts: Sequence[int], center: float, spread: float) -> tuple[np.ndarray, np.ndarray]:
    """Step t statistics of the starts the batch takes, and which those are."""
    y = (series.y - center) / spread
    n = len(y)
    z, _ = ba._design(series, np.zeros(n), y)
    n_columns = z.shape[1] - 1
    ladder = ((n_columns, ba._SPARE_DF_WEEKDAY), (3, ba._SPARE_DF_TREND), (2, ba._SPARE_DF_LEVEL))
    k = next((k for k, spare in ladder if k <= n_columns and n - k - 1 >= spare), None)
    if k is None:  # no design fits these days, whatever the start
        return np.zeros(0), np.zeros(len(starts), dtype=bool)
    z = z[:, np.r_[np.arange(k), n_columns]]
    zs = np.repeat(z[None], len(starts), axis=0)
    for i, start in enumerate(starts):
        zs[i, start:, 1] = 1.0
    # cross products per gap, as ar1_grams._grams, for every start at once
    gaps = np.diff(series.day_numbers)
    distinct = np.unique(gaps)
    cur, prev = zs[:, 1:], zs[:, :-1]
    blocks = []
    for g in distinct:
        c, p = cur[:, gaps == g], prev[:, gaps == g]
        lagged = p.transpose(0, 2, 1) @ c
        blocks += [c.transpose(0, 2, 1) @ c, lagged + lagged.transpose(0, 2, 1), p.transpose(0, 2, 1) @ p]
    size = k + 1
    pieces = np.stack(blocks, axis=1).reshape(len(starts), len(blocks), size * size)
    one = gaps == 1.0
    n_pairs = int(one.sum())
    if one.any():
        one_cross = blocks[1 + 3 * int(np.flatnonzero(distinct == 1.0)[0])]
    else:
        one_cross = np.zeros((len(starts), size, size))
    full = zs.transpose(0, 2, 1) @ zs
    mean = zs.mean(axis=1)
    lag_sum = cur[:, one].sum(axis=1) + prev[:, one].sum(axis=1)

    def whitened(phis: np.ndarray) -> np.ndarray:
        w = np.einsum("s...g,sgc->s...c", _weights(phis, distinct), pieces)
        return w.reshape(*phis.shape, size, size)

    def coefficients(w: np.ndarray) -> np.ndarray:
        return _solve_pd(w[..., :k, :k], w[..., :k, k : k + 1])[..., 0]

    def yule_walker(beta: np.ndarray) -> np.ndarray:
        if n_pairs == 0:
            return np.zeros(len(beta))
        c = np.concatenate([-beta, np.ones((len(beta), 1))], axis=1)
        m = np.einsum("sc,sc->s", mean, c)
        lagged_sum = np.einsum("sc,sc->s", lag_sum, c)
        square = np.einsum("sc,scd,sd->s", c, full, c)
        lag_square = np.einsum("sc,scd,sd->s", c, one_cross, c)
        total = square - n * m * m
        lagged = 0.5 * lag_square - m * lagged_sum + n_pairs * m * m
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total > 0.0, (lagged / n_pairs) / (total / n), 0.0)

    # the richest design must be of full rank without the first day (ba._choose's pivot check)
    w0 = whitened(np.zeros(len(starts)))
    try:
        factor = np.linalg.cholesky(w0[:, :k, :k])
    except np.linalg.LinAlgError as exc:
        raise _Alone from exc
    diagonal = np.einsum("sii->si", w0[:, :k, :k])
    taken = np.min(np.einsum("sii->si", factor) ** 2 / diagonal, axis=1) > ba._RANK_TOL
    rhs = np.concatenate([np.broadcast_to(np.eye(k), (len(starts), k, k)), w0[:, :k, k : k + 1]], axis=2)
    solved = _solve_pd(w0[:, :k, :k], rhs)
    xtx_inv, beta = solved[:, :, :k], solved[:, :, k]
    exact = np.max(np.abs(np.einsum("snk,sk->sn", zs[:, :, :k], beta) - zs[:, :, k]), axis=1) <= ba._EXACT_FIT
    taken &= ~exact
    phi_raw = _iterate_phi(beta, yule_walker, lambda phi: coefficients(whitened(phi)))
    b0 = 0.5 * np.einsum("sij,sij->s", xtx_inv, one_cross[:, :k, :k]) / (n - k)
    slope = np.maximum(1.0 - 3.0 / n - b0, ba._MIN_SLOPE)
    phi = np.clip((phi_raw * (n - 1) / n + b0) / slope, -ba.PHI_LIMIT, ba.PHI_LIMIT)
    phi_sd = np.sqrt(np.maximum(1.0 - phi * phi, 0.0) / (n - k)) / slope
    # the covariance of the step averaged over phi's uncertainty (ba._averaged_over_phi), row 1 only
    nodes = np.clip(phi[:, None] + ba._GH_NODES[None, :] * phi_sd[:, None], -ba.PHI_LIMIT, ba.PHI_LIMIT)
    w = whitened(nodes)
    rhs = np.concatenate([np.broadcast_to(np.eye(k), (*nodes.shape, k, k)), w[..., :k, k : k + 1]], axis=3)
    solved = _solve_pd(w[..., :k, :k], rhs)
    inverse_11, betas = solved[..., 1, 1], solved[..., :, k]
    rss = np.maximum(w[..., k, k] - np.einsum("spk,spk->sp", w[..., :k, k], betas), 0.0)
    covs_11 = (rss / (n - k - 1)) * inverse_11
    centred = betas[..., 1] - betas[..., 1] @ ba._GH_WEIGHTS[:, None]
    cov_11 = covs_11 @ ba._GH_WEIGHTS + (centred * centred) @ ba._GH_WEIGHTS
    cov_11 = np.where(cov_11 < covs_11[:, 0], covs_11[:, 0], cov_11)
    estimate = betas[:, 0, 1] * spread
    se = np.sqrt(np.maximum(cov_11 * (spread * spread), 0.0))
    taken &= se > 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return estimate / se, taken


def _iterate_phi(
    beta: np.ndarray,
    yule_walker: Callable[[np.ndarray], np.ndarray],
    coefficients: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """``before_after._iterate_phi`` for every start at once; a start stops where it alone would stop."""
    phi = np.zeros(len(beta))
    result = np.zeros(len(beta))
    active = np.ones(len(beta), dtype=bool)
    history = [phi]
    for _ in range(ba._MAX_ITER):
        new = np.clip(yule_walker(beta), -ba._PHI_ITER_LIMIT, ba._PHI_ITER_LIMIT)
        settled = active & (np.abs(new - phi) < ba._PHI_TOL)
        result[settled] = new[settled]
        active &= ~settled
        if not active.any():
            return result
        history.append(new)
        if len(history) == 3:
            x0, x1, x2 = history
            bend = x2 - 2.0 * x1 + x0
            with np.errstate(divide="ignore", invalid="ignore"):
                jump = np.where(bend != 0.0, x2 - (x2 - x1) ** 2 / bend, x2)
            new = np.where(np.abs(jump) <= ba._PHI_ITER_LIMIT, jump, x2)
            history = [new]
        phi = np.where(active, new, phi)
        beta = coefficients(phi)
    result[active] = phi[active]
    return result


def step_t_stats(series: _Series, starts: Sequence[int]) -> list[float]:
    """The step's t statistic at each start, in order, skipping starts the days cannot fit."""
    if not starts:
        return []
    y = series.y
    center, spread = float(y.mean()), float(y.std())
    if spread > 1e-12 * max(1.0, abs(center)):
        try:
            t_stats, taken = _batch(series, starts, center, spread)
        except _Alone:
            t_stats, taken = np.zeros(0), np.zeros(len(starts), dtype=bool)
    else:  # a flat baseline: exact fits, each alone
        t_stats, taken = np.zeros(0), np.zeros(len(starts), dtype=bool)
    out: list[float] = []
    for i, start in enumerate(starts):
        if taken[i]:
            out.append(float(t_stats[i]))
            continue
        post = np.zeros(len(y))
        post[start:] = 1.0
        fit = ba._fit(series, post)
        if fit is not None:
            out.append(ba._step(fit)[2])
    return out
