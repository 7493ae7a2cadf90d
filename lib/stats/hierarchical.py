"""The normal–normal hierarchical model on a grid over tau, for many portfolios at once.

Pilots ``j`` measure ``y_j ~ N(theta_j, v_j)`` (``v_j`` known) and their true
effects come from one population, ``theta_j ~ N(mu, tau^2)``. ``mu`` gets a flat
prior and is integrated out analytically; ``tau`` gets a uniform prior on
``[0, reach]`` and is integrated on a grid (Gelman et al., *Bayesian Data
Analysis*, ch. 5.4: the marginal posterior ``p(tau | y)``, ``mu | tau, y`` and
``theta_j | mu, tau, y``). A uniform prior on ``tau`` is the book's choice when
there are more than a handful of groups (here at least six: five past pilots and
the new one); ``reach`` is several times the data's own span, where the
likelihood leaves little weight (from 2 to 16 times the span, a new pilot's
chance of clearing moved by at most 0.02 points in a trial of 300 portfolios of
five).

Every array has one row per portfolio (a team's past pilots plus one new pilot),
so a benchmark reads thousands of pilots in one pass and the app reads one with
the very same code. Effects are centred per row before summing (the model does
not care where zero is), which keeps the sums' digits for values such as rates
against a target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

#: points of the grid over tau
GRID = 200
#: the grid reaches this many times the span of the data (effects' range plus two of the largest standard errors)
GRID_REACH = 4.0
#: Newton steps (each kept inside a shrinking bracket) the quantiles may take; they converge in far fewer
_STEPS = 60
#: a quantile is done when its probability is this close to the one asked for
_TOLERANCE = 1e-12


@dataclass(frozen=True)
class TauGrid:
    """Sufficient sums of the pilots at each tau of the grid, per portfolio (arrays of shape rows x grid).

    With ``w_j = 1 / (v_j + tau^2)``: ``sw`` = sum w_j, ``swy`` = sum w_j y_j, ``swyy`` = sum w_j y_j^2 and
    ``slogw`` = sum log w_j, the effects centred on ``centre`` (one per row). ``log_weight`` is the log of the
    prior density times the trapezoidal weight at each tau.
    """

    tau: np.ndarray
    log_weight: np.ndarray
    centre: np.ndarray
    sw: np.ndarray
    swy: np.ndarray
    swyy: np.ndarray
    slogw: np.ndarray


@dataclass(frozen=True)
class Mixture:
    """A mixture of normals over the tau grid, per row: what is known of one quantity (e.g. a new pilot's
    true effect), given the data. ``weight`` sums to one in each row."""

    weight: np.ndarray
    mean: np.ndarray
    sd: np.ndarray

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """P(quantity <= x) for x of shape (rows, m): shape (rows, m)."""
        z = (x[:, :, None] - self.mean[:, None, :]) / self.sd[:, None, :]
        return np.einsum("rg,rmg->rm", self.weight, special.ndtr(z))

    def pdf(self, x: np.ndarray) -> np.ndarray:
        z = (x[:, :, None] - self.mean[:, None, :]) / self.sd[:, None, :]
        dens = np.exp(-0.5 * z**2) / (np.sqrt(2.0 * np.pi) * self.sd[:, None, :])
        return np.einsum("rg,rmg->rm", self.weight, dens)

    def expectation(self) -> np.ndarray:
        return np.sum(self.weight * self.mean, axis=1)

    def variance(self) -> np.ndarray:
        mean = self.expectation()
        return np.sum(self.weight * (self.sd**2 + (self.mean - mean[:, None]) ** 2), axis=1)

    def quantile(self, p: np.ndarray) -> np.ndarray:
        """The x with P(quantity <= x) = p, for p of shape (m,) (the same levels in every row): (rows, m).

        Newton's method on the mixture's CDF, kept inside a bracket that shrinks at every step (a step that
        would leave it bisects instead), so it cannot diverge.
        """
        p = np.broadcast_to(np.asarray(p, dtype=float), (self.mean.shape[0], len(p)))
        lo = np.repeat(np.min(self.mean - 40.0 * self.sd, axis=1, keepdims=True), p.shape[1], axis=1)
        hi = np.repeat(np.max(self.mean + 40.0 * self.sd, axis=1, keepdims=True), p.shape[1], axis=1)
        x = np.repeat(self.expectation()[:, None], p.shape[1], axis=1)
        for _ in range(_STEPS):
            gap = self.cdf(x) - p
            if np.all(np.abs(gap) <= _TOLERANCE):
                break
            lo = np.where(gap < 0, x, lo)
            hi = np.where(gap > 0, x, hi)
            dens = self.pdf(x)
            with np.errstate(divide="ignore", invalid="ignore"):
                step = x - gap / dens
            inside = np.isfinite(step) & (step > lo) & (step < hi)
            x = np.where(gap == 0, x, np.where(inside, step, 0.5 * (lo + hi)))
        return x


def reach(y: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Where the uniform prior on tau ends, per row: ``GRID_REACH`` times the pilots' span (their effects'
    range plus two of the largest standard errors)."""
    y, v = np.atleast_2d(np.asarray(y, dtype=float)), np.atleast_2d(np.asarray(v, dtype=float))
    return np.asarray(GRID_REACH * (np.ptp(y, axis=1) + 2.0 * np.sqrt(v.max(axis=1))), dtype=float)


def grid(y: np.ndarray, v: np.ndarray, *, top: np.ndarray | None = None, points: int = GRID) -> TauGrid:
    """The sums at each tau for rows of pilots ``y`` (rows x pilots) with known variances ``v``.

    ``top`` (one per row) is where the uniform prior on tau ends; by default :func:`reach` of these pilots."""
    y, v = np.atleast_2d(np.asarray(y, dtype=float)), np.atleast_2d(np.asarray(v, dtype=float))
    top = reach(y, v) if top is None else np.asarray(top, dtype=float)
    # tau = top u^2 for u evenly spaced: points crowd toward 0, where a handful of precise pilots can pin tau
    # down to a sliver of the reach (one imprecise pilot stretches it); d tau = 2 top u du, so the trapezoidal
    # weights in u are multiplied by u (and tau = 0 itself gets none, a point of no measure)
    u = np.linspace(0.0, 1.0, points)
    tau = top[:, None] * u[None, :] ** 2
    trapezoid = np.ones(points)
    trapezoid[[0, -1]] = 0.5
    with np.errstate(divide="ignore"):
        log_weight = np.broadcast_to(np.log(trapezoid * u), tau.shape)
    centre = y.mean(axis=1)
    zero = np.zeros_like(tau)
    g = TauGrid(tau, log_weight, centre, zero, zero, zero, zero)
    for j in range(y.shape[1]):  # one pilot at a time: rows x grid arrays only, however many pilots
        g = with_pilot(g, y[:, j], v[:, j])
    return g


def with_pilot(g: TauGrid, y: np.ndarray, v: np.ndarray, *, sign: float = 1.0) -> TauGrid:
    """The sums with one more pilot in each row (effect ``y``, variance ``v``, one per row); ``sign=-1``
    takes one out again (the sums are additive, so leaving one out costs one pilot's terms)."""
    w = 1.0 / (np.asarray(v, dtype=float)[:, None] + g.tau**2)
    yc = (np.asarray(y, dtype=float) - g.centre)[:, None]
    return TauGrid(
        g.tau,
        g.log_weight,
        g.centre,
        g.sw + sign * w,
        g.swy + sign * w * yc,
        g.swyy + sign * w * yc**2,
        g.slogw + sign * np.log(w),
    )


def tau_posterior(g: TauGrid) -> np.ndarray:
    """p(tau | y) at each grid point, times its quadrature weight (rows sum to one).

    ``p(tau | y) ∝ p(tau) V_mu^(1/2) prod_j N(y_j | mu_hat, v_j + tau^2)``, mu integrated out under a flat
    prior (BDA eq. 5.21)."""
    q = g.swyy - g.swy**2 / g.sw  # sum_j w_j (y_j - mu_hat)^2
    log_p = g.log_weight + 0.5 * (g.slogw - np.log(g.sw) - q)
    p = np.exp(log_p - log_p.max(axis=1, keepdims=True))
    return np.asarray(p / p.sum(axis=1, keepdims=True))


def mu_given_tau(g: TauGrid) -> tuple[np.ndarray, np.ndarray]:
    """mu | tau, y ~ N(mu_hat(tau), V_mu(tau)): the precision-weighted mean and its variance."""
    return g.swy / g.sw + g.centre[:, None], 1.0 / g.sw


def new_effect(g: TauGrid) -> Mixture:
    """A new pilot's true effect (``theta ~ N(mu, tau^2)``) before its own data: mixture over tau."""
    mu, mu_var = mu_given_tau(g)
    return Mixture(tau_posterior(g), mu, np.sqrt(mu_var + g.tau**2))


def pilot_effect(g: TauGrid, y: np.ndarray, v: np.ndarray) -> tuple[Mixture, np.ndarray]:
    """The true effect of a pilot that measured ``y`` with variance ``v`` (one per row), read with the rows'
    other pilots: its posterior as a mixture over tau, and the pull toward mu at each tau.

    The pilot joins the data, so it also informs mu and tau. Given tau the pull is ``B = v / (v + tau^2)``,
    ``theta | mu, tau, y ~ N(B mu + (1 - B) y, (1 - B) v)``, and integrating mu's normal posterior
    gives mean ``B mu_hat + (1 - B) y`` and variance ``(1 - B) v + B^2 V_mu`` (BDA eqs. 5.17-5.20)."""
    y, v = np.asarray(y, dtype=float)[:, None], np.asarray(v, dtype=float)[:, None]
    full = with_pilot(g, y[:, 0], v[:, 0])
    mu, mu_var = mu_given_tau(full)
    pull = v / (v + full.tau**2)
    mean = pull * mu + (1.0 - pull) * y
    sd = np.sqrt((1.0 - pull) * v + pull**2 * mu_var)
    return Mixture(tau_posterior(full), mean, sd), pull
