"""chance_to_beat against numerical integration with scipy (an independent route)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from lib.stats import chance_to_beat
from lib.stats.bayes import prob_greater


def _oracle(a, b, c, d):
    """P(X > Y) and E[max(Y - X, 0)] for X ~ Beta(a, b), Y ~ Beta(c, d), by scipy quadrature."""
    x_dist, y_dist = stats.beta(a, b), stats.beta(c, d)
    lo = min(x_dist.ppf(1e-13), y_dist.ppf(1e-13))
    hi = max(x_dist.isf(1e-13), y_dist.isf(1e-13))
    prob, _ = integrate.quad(
        lambda x: x_dist.pdf(x) * y_dist.cdf(x), lo, hi, epsabs=1e-13, limit=400, points=[x_dist.mean(), y_dist.mean()]
    )

    # E[max(Y - X, 0)] = integral over y of f_Y(y) * E[(y - X)+] ; E[(y - X)+] = integral_0^y F_X(t) dt
    def inner(y):
        return integrate.quad(x_dist.cdf, 0, y, epsabs=1e-14, limit=200)[0]

    loss, _ = integrate.quad(
        lambda y: y_dist.pdf(y) * inner(y), lo, hi, epsabs=1e-12, limit=200, points=[x_dist.mean(), y_dist.mean()]
    )
    return prob, loss


CASES = [
    (0, 0, 0, 0),
    (0, 10, 0, 10),
    (3, 10, 5, 10),
    (100, 1000, 130, 1000),
    (10, 1000, 9, 1000),
    (0, 50, 3, 50),
    (400, 5000, 420, 5000),
    (48, 50, 50, 50),
]


@pytest.mark.parametrize("xc,nc,xp,np_", CASES)
def test_probability_and_loss_match_integration(xc, nc, xp, np_):
    result = chance_to_beat(xc, nc, xp, np_)
    prob, loss = _oracle(1 + xp, 1 + np_ - xp, 1 + xc, 1 + nc - xc)
    assert result.probability == pytest.approx(prob, abs=1e-6)
    assert result.expected_loss == pytest.approx(loss, abs=1e-6)
    assert result.method == "exact_sum"


def test_non_integer_prior_uses_integration_and_agrees():
    result = chance_to_beat(12, 200, 20, 210, prior=(0.5, 0.5))
    prob, _ = _oracle(20.5, 190.5, 12.5, 188.5)
    assert result.method == "integration"
    assert result.probability == pytest.approx(prob, abs=1e-7)


def test_closed_form_paths_agree_with_each_other():
    for a, b, c, d in [(5, 9, 7, 3), (40, 400, 35, 380), (1, 1, 1, 1), (200, 20, 190, 30)]:
        direct = prob_greater(a, b, c, d)
        flipped = 1 - prob_greater(c, d, a, b)
        assert direct == pytest.approx(flipped, abs=1e-10)
        assert prob_greater(a, b, c, d) == pytest.approx(prob_greater(a + 0.0, b, c + 1e-12, d), abs=1e-6)


def test_large_counts_stay_exact_and_fast():
    result = chance_to_beat(300_000, 3_000_000, 301_000, 3_000_000)
    prob, _ = _oracle(301_001, 2_699_001, 300_001, 2_700_001)
    assert result.probability == pytest.approx(prob, abs=1e-6)


def test_symmetry_and_ranges():
    rng = np.random.default_rng(1)
    for _ in range(20):
        nc, np_ = rng.integers(1, 500, size=2)
        xc, xp = rng.integers(0, nc + 1), rng.integers(0, np_ + 1)
        ab = chance_to_beat(xc, nc, xp, np_)
        ba = chance_to_beat(xp, np_, xc, nc)
        assert 0 <= ab.probability <= 1 and ab.expected_loss >= 0
        assert ab.probability + ba.probability == pytest.approx(1.0, abs=1e-9)


def test_warnings_and_errors():
    assert chance_to_beat(0, 0, 0, 0).probability == pytest.approx(0.5)
    assert chance_to_beat(0, 10, 0, 10).warnings
    with pytest.raises(ValueError, match="pilot_conversions"):
        chance_to_beat(1, 10, 11, 10)
    with pytest.raises(ValueError, match="prior"):
        chance_to_beat(1, 10, 1, 10, prior=(0, 1))
