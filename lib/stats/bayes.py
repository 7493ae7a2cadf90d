"""Chance to beat control: the Bayesian reading of a two-rate comparison.

Each rate gets an independent Beta prior (uniform by default), updated by
the counts. P(pilot > control) is computed exactly, not by Monte Carlo:
Evan Miller's closed-form sum when the relevant Beta parameter is a whole
number, otherwise numerical integration of one Beta density against the
other's CDF. Both are accurate to well below 1e-6.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, special

from lib.stats import stats_messages, validation
from lib.stats.result_types import ChanceToBeat

#: longest closed-form sum before switching to integration
_MAX_SUM_TERMS = 200_000


def _is_whole(x: float) -> bool:
    return float(x).is_integer()


def _miller_sum(a: float, b: float, c: float, d: float) -> float:
    """P(X > Y) for X ~ Beta(a, b), Y ~ Beta(c, d), ``a`` a whole number."""
    i = np.arange(int(a), dtype=float)
    log_terms = special.betaln(c + i, d + b) - np.log(b + i) - special.betaln(1.0 + i, b) - special.betaln(c, d)
    return float(np.exp(log_terms).sum())


def _integrate(a: float, b: float, c: float, d: float) -> float:
    """P(X > Y) = integral of f_X(x) F_Y(x) dx over the bulk of X's density."""
    low = float(special.betaincinv(a, b, 1e-15))
    high = float(special.betaincinv(a, b, 1 - 1e-15))
    log_norm = special.betaln(a, b)

    def integrand(x: float) -> float:
        if x <= 0.0 or x >= 1.0:
            return 0.0
        log_pdf = (a - 1) * math.log(x) + (b - 1) * math.log1p(-x) - log_norm
        return math.exp(log_pdf) * float(special.betainc(c, d, x))

    mode = min(max((a - 1) / (a + b - 2), low), high) if a + b > 2 else 0.5 * (low + high)
    value, _ = integrate.quad(integrand, low, high, points=[mode], epsabs=1e-12, epsrel=1e-10, limit=500)
    return value


def prob_greater(a: float, b: float, c: float, d: float) -> float:
    """P(X > Y) for independent X ~ Beta(a, b) and Y ~ Beta(c, d)."""
    if _is_whole(a) and a <= _MAX_SUM_TERMS and (a <= c or not _is_whole(c) or c > _MAX_SUM_TERMS):
        p = _miller_sum(a, b, c, d)
    elif _is_whole(c) and c <= _MAX_SUM_TERMS:
        p = 1.0 - _miller_sum(c, d, a, b)
    else:
        p = _integrate(a, b, c, d)
    return min(1.0, max(0.0, p))


def chance_to_beat(
    control_conversions: float,
    control_visitors: float,
    pilot_conversions: float,
    pilot_visitors: float,
    *,
    prior: tuple[float, float] = (1.0, 1.0),
) -> ChanceToBeat:
    """P(pilot rate > control rate) and the expected loss of choosing the pilot.

    Posteriors are Beta(prior_a + conversions, prior_b + non-conversions) per
    arm. ``expected_loss`` = E[max(control - pilot, 0)] uses the identity
    E[Y 1{Y > X}] = E[Y] P(Y+ > X) with Y+ ~ Beta(c + 1, d).
    """
    xc, nc, xp, np_ = validation.two_arm_counts(
        control_conversions, control_visitors, pilot_conversions, pilot_visitors
    )
    if not isinstance(prior, (tuple, list)) or len(prior) != 2:
        raise ValueError(stats_messages.BAD_PRIOR)
    pa = validation.finite("prior[0]", prior[0])
    pb = validation.finite("prior[1]", prior[1])
    if pa <= 0 or pb <= 0:
        raise ValueError(stats_messages.BAD_PRIOR)
    a, b = pa + xp, pb + np_ - xp
    c, d = pa + xc, pb + nc - xc
    warnings: list[str] = []
    if nc == 0 or np_ == 0:
        warnings.append(stats_messages.empty_arm(nc, np_))
    elif xc + xp == 0:
        warnings.append(stats_messages.NO_CONVERSIONS_BOTH)
    probability = prob_greater(a, b, c, d)
    loss = c / (c + d) * prob_greater(c + 1, d, a, b) - a / (a + b) * prob_greater(c, d, a + 1, b)
    whole = (_is_whole(a) and a <= _MAX_SUM_TERMS) or (_is_whole(c) and c <= _MAX_SUM_TERMS)
    return ChanceToBeat(
        probability=probability,
        expected_loss=max(0.0, loss),
        control_posterior=(c, d),
        pilot_posterior=(a, b),
        method="exact_sum" if whole else "integration",
        warnings=tuple(warnings),
    )
