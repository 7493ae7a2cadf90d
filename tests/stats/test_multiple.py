"""adjust_pvalues against statsmodels; srm_pvalue against scipy."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests

from lib.stats import adjust_pvalues, srm_pvalue

SM_NAMES = {"holm": "holm", "bh": "fdr_bh", "bonferroni": "bonferroni"}


def oracle(ps: list[float], method: str) -> np.ndarray:
    """statsmodels' adjusted p-values. Its Holm path calls gc.collect() on every call (60-150 ms in a test
    process holding pandas, scipy and Streamlit): skipped here, it changes no number."""
    with mock.patch("gc.collect", lambda *args: 0):
        return multipletests(ps, method=SM_NAMES[method])[1]


@pytest.mark.parametrize("method", list(SM_NAMES))
@pytest.mark.parametrize(
    "ps", [[0.01, 0.04, 0.03, 0.5], [0.2], [0.001, 0.001, 0.9, 0.04, 0.6], [0.5, 0.5, 0.5], [0.0, 1.0, 0.3]]
)
def test_matches_statsmodels(method, ps):
    expected = oracle(ps, method)
    np.testing.assert_allclose(adjust_pvalues(ps, method), expected, rtol=1e-12)


@settings(max_examples=100, deadline=None)
@given(
    ps=st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=12), method=st.sampled_from(list(SM_NAMES))
)
def test_order_kept_capped_and_never_smaller(ps, method):
    adjusted = adjust_pvalues(ps, method)
    np.testing.assert_allclose(adjusted, oracle(ps, method), rtol=1e-9, atol=1e-15)
    assert all(a >= p - 1e-15 and a <= 1.0 for a, p in zip(adjusted, ps, strict=True))


def test_none_and_errors():
    assert adjust_pvalues([0.2, 0.01], "none") == [0.2, 0.01]
    assert adjust_pvalues([]) == []
    with pytest.raises(ValueError, match=r"p_values\[1\]"):
        adjust_pvalues([0.1, 1.5])
    with pytest.raises(ValueError, match="method"):
        adjust_pvalues([0.1], "sidak")


@pytest.mark.parametrize(
    "counts,shares",
    [
        ([5000, 5200], None),
        ([100, 100], None),
        ([980, 1020, 1100], None),
        ([3000, 7000], [0.3, 0.7]),
        ([3000, 7300], [3, 7]),
    ],
)
def test_srm_matches_scipy_chisquare(counts, shares):
    total = sum(counts)
    expected = None if shares is None else [total * s / sum(shares) for s in shares]
    assert srm_pvalue(counts, shares) == pytest.approx(stats.chisquare(counts, expected).pvalue, rel=1e-9)


def test_srm_edge_cases():
    assert srm_pvalue([0, 0]) == 1.0
    assert srm_pvalue([5000, 5600]) < 0.001
    with pytest.raises(ValueError, match="observed_counts"):
        srm_pvalue([10])
    with pytest.raises(ValueError, match=r"observed_counts\[0\]"):
        srm_pvalue([-1, 10])
    with pytest.raises(ValueError, match="expected_shares"):
        srm_pvalue([10, 10], [1.0])
