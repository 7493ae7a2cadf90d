"""The prior from past pilots: DerSimonian–Laird checked against statsmodels, the integration over tau
against scipy's quadrature, and the reading's properties (hypothesis)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from lib.stats import priors
from lib.stats.priors import Prior, dersimonian_laird, fit_prior, raw_reading, shrink

PAST_EFFECTS = [0.004, 0.011, -0.002, 0.007, 0.015, 0.003, 0.009, 0.001]
PAST_SES = [0.004, 0.006, 0.005, 0.003, 0.007, 0.004, 0.005, 0.006]


def _statsmodels(effects, ses):
    from statsmodels.stats.meta_analysis import combine_effects

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return combine_effects(np.array(effects), np.array(ses) ** 2, method_re="chi2")


@pytest.mark.parametrize(
    "effects, ses",
    [
        (PAST_EFFECTS, PAST_SES),
        ([0.1, 0.3, 0.5, 0.2, 0.9], [0.1, 0.14, 0.1, 0.17, 0.14]),  # clearly heterogeneous
        ([1.0, 1.1, 0.9, 1.05, 0.95, 1.0], [0.5, 0.4, 0.6, 0.5, 0.5, 0.45]),  # homogeneous: tau^2 = 0
        ([0.2, 0.8, 0.5, 0.3, 0.7], [0.4, 0.3, 0.5, 0.35, 0.45]),
        (list(np.linspace(-3, 5, 30)), list(np.linspace(0.5, 2.0, 30))),
    ],
)
def test_dersimonian_laird_matches_statsmodels(effects, ses):
    """statsmodels reports the moment estimate untruncated; DerSimonian–Laird truncates it at 0,
    where the random-effects mean is the fixed-effect one."""
    mean, se, tau2 = dersimonian_laird(effects, ses)
    oracle = _statsmodels(effects, ses)
    truncated = oracle.tau2 <= 0
    assert tau2 == pytest.approx(max(oracle.tau2, 0.0), rel=1e-9, abs=1e-15)
    assert mean == pytest.approx(oracle.mean_effect_fe if truncated else oracle.mean_effect_re, rel=1e-9)
    assert se == pytest.approx(oracle.sd_eff_w_fe if truncated else oracle.sd_eff_w_re, rel=1e-9)
    fit = fit_prior(effects, ses, min_weight=0.0)
    assert fit.prior is not None
    assert fit.prior.pooled_mean == pytest.approx(mean, rel=1e-12)
    assert fit.prior.tau2 == pytest.approx(tau2, rel=1e-12, abs=1e-15)


def test_the_prior_integrates_tau_like_quadrature_does():
    """The grid over tau against scipy's quad of the same posterior (uniform prior on tau, REML likelihood)."""
    y, v = np.array(PAST_EFFECTS), np.array(PAST_SES) ** 2
    reach = priors._GRID_REACH * (np.ptp(y) + 2 * math.sqrt(v.max()))

    def parts(tau):
        w = 1 / (v + tau**2)
        mu = np.sum(w * y) / w.sum()
        lik = math.exp(-0.5 * (np.log(v + tau**2).sum() + math.log(w.sum()) + np.sum(w * (y - mu) ** 2)) + 30)
        return lik, mu, 1 / w.sum() + tau**2

    z = integrate.quad(lambda t: parts(t)[0], 0, reach, limit=200)[0]
    m = integrate.quad(lambda t: parts(t)[0] * parts(t)[1], 0, reach, limit=200)[0] / z
    second = integrate.quad(lambda t: parts(t)[0] * (parts(t)[2] + parts(t)[1] ** 2), 0, reach, limit=200)[0] / z
    prior = fit_prior(PAST_EFFECTS, PAST_SES).prior
    assert prior is not None
    assert prior.mean == pytest.approx(m, rel=1e-3)
    assert prior.sd == pytest.approx(math.sqrt(second - m**2), rel=2e-3)


def test_the_prior_is_wider_than_the_plug_in_estimate_with_few_pilots():
    """Uncertainty in mu and tau widens the prior beyond tau_DL: with five pilots, by a lot."""
    fit = fit_prior(PAST_EFFECTS[:5], PAST_SES[:5], min_weight=0.0)
    assert fit.prior is not None
    plug_in = math.sqrt(fit.prior.tau2 + fit.prior.pooled_se**2)
    assert fit.prior.sd > 1.2 * plug_in


def test_fewer_than_five_past_pilots_give_no_prior():
    fit = fit_prior(PAST_EFFECTS[:4], PAST_SES[:4])
    assert fit.prior is None
    assert fit.reason == priors.TOO_FEW
    assert fit.n_pilots == 4
    assert fit.detail == "only 4 past pilots; a reading needs 5"


def test_a_population_too_spread_to_help_gives_no_prior():
    """Effects ten times further apart than any pilot can measure: the prior would carry almost nothing."""
    effects = [-0.30, 0.25, 0.05, -0.12, 0.41, 0.18, -0.22, 0.33]
    fit = fit_prior(effects, [0.01] * 8)
    assert fit.prior is None
    assert fit.reason == priors.TOO_SPREAD
    assert fit.weight is not None and fit.weight < 0.01
    # a much noisier new pilot would still be helped by the same past pilots
    assert fit_prior(effects, [0.01] * 8, typical_se=0.5).prior is not None


def test_shrink_reads_a_noisy_pilot_with_the_past():
    prior = fit_prior(PAST_EFFECTS, PAST_SES).prior
    assert prior is not None
    reading = shrink(0.03, 0.012, prior, 0.005)
    assert prior.mean < reading.mean < 0.03
    assert reading.low < reading.mean < reading.high
    assert reading.high - reading.low < 2 * 1.96 * 0.012  # narrower than the raw interval
    assert 0.5 < reading.chance_point < 1.0
    assert 0.0 <= reading.chance <= reading.chance_point  # the stated chance is a lower bound
    assert reading.n_pilots == 8
    raw = raw_reading(0.03, 0.012, 0.005)
    assert raw.mean == 0.03 and raw.weight == 0.0
    assert raw.low == pytest.approx(0.03 - 1.959964 * 0.012, rel=1e-6)
    assert raw.chance == pytest.approx(0.98135, abs=1e-4)  # Phi(0.025 / 0.012)
    assert raw.chance_point == raw.chance  # no past pilots, nothing to bound over


def test_the_chance_takes_mu_at_its_unfavourable_limit_averaged_over_tau():
    """The stated chance against a direct computation with scipy: at each tau, mu at
    mu_hat(tau) - t(0.99, k-1) * se(tau) and the normal-normal chance of clearing; averaged over tau's REML
    posterior (uniform prior) by quadrature."""
    from scipy import stats

    y, v = np.array(PAST_EFFECTS) + 0.01, np.array(PAST_SES) ** 2  # a typical effect of about +1.6 pts
    reach = priors._GRID_REACH * (np.ptp(y) + 2 * math.sqrt(v.max()))
    q = stats.t.ppf(priors.CHANCE_MU_LEVEL, len(y) - 1)
    estimate, se, threshold = 0.02, 0.008, 0.005

    def at(tau):
        w = 1 / (v + tau**2)
        mu = np.sum(w * y) / w.sum()
        lik = math.exp(-0.5 * (np.log(v + tau**2).sum() + math.log(w.sum()) + np.sum(w * (y - mu) ** 2)) + 30)
        b = se**2 / (se**2 + tau**2)
        mean = b * (mu - q * math.sqrt(1 / w.sum())) + (1 - b) * estimate
        return lik, stats.norm.sf(threshold, mean, math.sqrt((1 - b) * se**2))

    total = integrate.quad(lambda t: at(t)[0], 0, reach, limit=200)[0]
    want = integrate.quad(lambda t: at(t)[0] * at(t)[1], 0, reach, limit=200)[0] / total
    prior = fit_prior(list(y), PAST_SES).prior
    assert prior is not None
    r = shrink(estimate, se, prior, threshold)
    print(f"\nstated {r.chance:.4f}, direct {want:.4f}, plain {r.chance_point:.4f}")
    assert 0.05 < want < r.chance_point - 0.02  # cautious: below the plain chance
    assert r.chance == pytest.approx(want, abs=2e-3)


def test_the_bound_mirrors_for_a_decrease():
    """Reading minus the data against minus the threshold for a decrease gives the same chance as an increase."""
    up = shrink(0.02, 0.008, fit_prior(PAST_EFFECTS, PAST_SES).prior, 0.005)  # type: ignore[arg-type]
    mirrored = fit_prior([-x for x in PAST_EFFECTS], PAST_SES).prior
    assert mirrored is not None
    down = shrink(-0.02, 0.008, mirrored, -0.005, direction="decrease")
    assert down.chance == pytest.approx(up.chance, rel=1e-6)
    assert down.chance_point == pytest.approx(up.chance_point, rel=1e-9)


def test_direction_decrease_counts_the_chance_below_the_threshold():
    prior = Prior(mean=-0.01, sd=0.01, n_pilots=6, pooled_mean=-0.01, pooled_se=0.004, tau2=0.0001, typical_se=0.01)
    up = shrink(-0.02, 0.01, prior, -0.005)
    down = shrink(-0.02, 0.01, prior, -0.005, direction="decrease")
    assert up.chance + down.chance == pytest.approx(1.0)
    assert down.chance > 0.8


@pytest.mark.parametrize(
    "effects, ses, message",
    [
        ([0.1, 0.2], [0.1], "same length"),
        ([0.1, float("nan")], [0.1, 0.1], "finite"),
        ([0.1, 0.2], [0.1, 0.0], "greater than zero"),
        ("0.1,0.2", [0.1, 0.1], "list of numbers"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(effects, ses, message):
    with pytest.raises(ValueError, match=message):
        fit_prior(effects, ses)


def test_shrink_refuses_a_missing_standard_error():
    prior = fit_prior(PAST_EFFECTS, PAST_SES).prior
    assert prior is not None
    with pytest.raises(ValueError, match="standard_error must be greater than zero"):
        shrink(0.01, 0.0, prior, 0.0)
    with pytest.raises(ValueError, match="direction"):
        shrink(0.01, 0.01, prior, 0.0, direction="up")


effects = st.lists(st.floats(-1.0, 1.0), min_size=5, max_size=25)
ses = st.floats(0.01, 0.5)


@settings(max_examples=150, deadline=None)
@given(effects, st.data(), st.floats(-2.0, 2.0), ses, st.floats(-0.5, 0.5))
def test_the_reading_lies_between_the_estimate_and_the_prior_mean(past, data, estimate, se, threshold):
    past_ses = data.draw(st.lists(ses, min_size=len(past), max_size=len(past)))
    fit = fit_prior(past, past_ses, min_weight=0.0)
    assert fit.prior is not None
    r = shrink(estimate, se, fit.prior, threshold)
    low, high = sorted((estimate, fit.prior.mean))
    assert low - 1e-12 <= r.mean <= high + 1e-12
    assert r.sd <= se + 1e-15  # never less sure than the pilot alone
    assert 0.0 <= r.chance <= r.chance_point <= 1.0 and 0.0 < r.weight < 1.0
    # the chance moves with the threshold the right way
    higher = shrink(estimate, se, fit.prior, threshold + 0.1)
    assert higher.chance <= r.chance + 1e-12 and higher.chance_point <= r.chance_point + 1e-12


@settings(max_examples=100, deadline=None)
@given(effects, st.data(), st.floats(-2.0, 2.0))
def test_a_precise_estimate_is_barely_moved(past, data, estimate):
    past_ses = data.draw(st.lists(ses, min_size=len(past), max_size=len(past)))
    fit = fit_prior(past, past_ses, min_weight=0.0)
    assert fit.prior is not None
    se = fit.prior.sd / 100  # a hundred times more precise than the population's spread
    r = shrink(estimate, se, fit.prior, 0.0)
    assert abs(r.mean - estimate) <= 1e-4 * abs(fit.prior.mean - estimate) + 1e-12
    assert r.sd == pytest.approx(se, rel=1e-4)


@settings(max_examples=60, deadline=None)
@given(effects, st.data())
def test_more_spread_in_the_past_means_less_pull(past, data):
    past_ses = data.draw(st.lists(ses, min_size=len(past), max_size=len(past)))
    narrow = fit_prior(past, past_ses, min_weight=0.0).prior
    wide = fit_prior([3 * x for x in past], past_ses, min_weight=0.0).prior
    assert narrow is not None and wide is not None
    assert wide.sd >= narrow.sd * (1 - 1e-9)
