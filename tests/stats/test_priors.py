"""The prior from past pilots: DerSimonian–Laird checked against statsmodels, the integration over tau
against scipy's quadrature, and the reading's properties (hypothesis)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from lib.stats import hierarchical, priors
from lib.stats.priors import Prior, dersimonian_laird, fit_prior, raw_reading, read_many, shrink

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
    """The grid over tau against scipy's quad of the same posterior (uniform prior on tau, mu integrated out)."""
    y, v = np.array(PAST_EFFECTS), np.array(PAST_SES) ** 2
    reach = float(hierarchical.reach(y, v)[0])

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


def _brute_force(effects, ses, estimate, se):
    """The new pilot's true effect by direct 2-D integration over (mu, tau) of the exact joint posterior (see
    :func:`_joint`; the new pilot among the data); given (mu, tau) its true effect is
    ``N((1 - B) y + B mu, (1 - B) s^2)`` with ``B = s^2 / (s^2 + tau^2)``. Returns the CDF of the true effect."""
    y = np.array([*effects, estimate])
    v = np.array([*ses, se]) ** 2
    tau, mu, joint, norm = _joint(y, v, float(hierarchical.reach(y, v)[0]))
    pull = se**2 / (se**2 + tau**2)
    centre = (1 - pull) * estimate + pull * mu
    spread = np.sqrt((1 - pull) * se**2)

    def cdf(x: float) -> float:
        inside = np.where(spread > 0, stats.norm.cdf(x, centre, np.maximum(spread, 1e-300)), x >= centre)
        return float(integrate.trapezoid(integrate.trapezoid(joint * inside, mu[0], axis=1), tau[:, 0]) / norm)

    return cdf


@pytest.mark.parametrize(
    "effects, ses, estimate, se, threshold",
    [
        (PAST_EFFECTS, PAST_SES, 0.03, 0.012, 0.005),  # a noisy pilot well above the past
        (PAST_EFFECTS[:5], PAST_SES[:5], -0.004, 0.02, 0.005),  # five past pilots, a pilot below them
        ([0.1, 0.3, 0.5, 0.2, 0.9, 0.4], [0.1, 0.14, 0.1, 0.17, 0.14, 0.12], 0.45, 0.3, 0.6),  # a spread population
    ],
)
def test_the_grid_posterior_matches_a_brute_force_integration_over_mu_and_tau(effects, ses, estimate, se, threshold):
    """Median, interval and chance of the reading against a dense 2-D grid over (mu, tau) of the exact posterior:
    the analytic integration over mu, the grid over tau and the mixture's inversion all checked at once."""
    prior = fit_prior(effects, ses, min_weight=0.0).prior
    assert prior is not None
    r = shrink(estimate, se, prior, threshold)
    cdf = _brute_force(effects, ses, estimate, se)
    assert 1 - cdf(threshold) == pytest.approx(r.chance, abs=5e-4)
    assert cdf(r.median) == pytest.approx(0.5, abs=5e-4)
    assert cdf(r.low) == pytest.approx(0.025, abs=2e-4)
    assert cdf(r.high) == pytest.approx(0.975, abs=2e-4)


def test_the_grid_holds_when_one_imprecise_pilot_stretches_it():
    """Seven precise pilots pin tau near 0 while one imprecise pilot stretches the grid's reach a hundredfold:
    the grid crowds toward 0 and gives what a grid a hundred times finer gives."""
    rng = np.random.default_rng(2)
    y, v = rng.normal(0.002, 0.001, (1, 8)), np.array([[0.001] * 7 + [0.1]]) ** 2

    def chance(points: int) -> float:
        g = hierarchical.grid(y, v, top=hierarchical.reach(np.c_[y, 0.004], np.c_[v, 0.003**2]), points=points)
        after, _ = hierarchical.pilot_effect(g, np.array([0.004]), np.array([0.003**2]))
        return float(1 - after.cdf(np.array([[0.003]]))[0, 0])

    assert chance(hierarchical.GRID) == pytest.approx(chance(20_000), abs=5e-4)


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
    assert prior.mean < reading.median < 0.03
    assert reading.low < reading.median < reading.high
    assert reading.high - reading.low < 2 * 1.96 * 0.012  # narrower than the raw interval
    assert 0.5 < reading.chance < 1.0 and reading.median_clears
    assert reading.n_pilots == 8 and not reading.caution and reading.stated_chance == reading.chance
    raw = raw_reading(0.03, 0.012, 0.005)
    assert raw.median == raw.mean == 0.03 and raw.weight == 0.0
    assert raw.low == pytest.approx(0.03 - 1.959964 * 0.012, rel=1e-6)
    assert raw.chance == pytest.approx(0.98135, abs=1e-4)  # Phi(0.025 / 0.012)


def test_the_new_pilot_informs_the_population_too():
    """The new pilot is one more draw from the population: far from the past pilots, it widens tau's posterior,
    so it is pulled less than a normal prior fitted to the past alone would pull it."""
    prior = fit_prior(PAST_EFFECTS, PAST_SES).prior
    assert prior is not None
    fixed = Prior(prior.mean, prior.sd, 8, prior.pooled_mean, prior.pooled_se, prior.tau2, 0.005)  # no pilots kept
    far = shrink(0.08, 0.012, prior, 0.005)
    as_known = shrink(0.08, 0.012, fixed, 0.005)
    assert far.median > as_known.median + 0.005
    assert as_known.weight == pytest.approx(prior.weight(0.012))


def test_many_pilots_at_once_read_as_each_alone():
    """read_many (the benchmark's path) row by row against shrink: rows never leak into each other."""
    rng = np.random.default_rng(4)
    past = rng.normal(0.005, 0.006, (5, 8))
    past_se = rng.uniform(0.003, 0.008, (5, 8))
    y, se = rng.normal(0.005, 0.015, 5), rng.uniform(0.008, 0.02, 5)
    many = read_many(past, past_se, y, se, 0.004)
    for i in range(5):
        prior = fit_prior(list(past[i]), list(past_se[i]), min_weight=0.0).prior
        assert prior is not None
        one = shrink(float(y[i]), float(se[i]), prior, 0.004)
        assert (one.median, one.low, one.high, one.chance) == pytest.approx(
            (many.median[i], many.low[i], many.high[i], many.chance[i]), rel=1e-12, abs=1e-15
        )


def test_a_decrease_mirrors_an_increase():
    """Reading minus the data against minus the threshold for a decrease gives the same chance, and the
    mirrored median and interval."""
    up = shrink(0.02, 0.008, fit_prior(PAST_EFFECTS, PAST_SES).prior, 0.005)  # type: ignore[arg-type]
    mirrored = fit_prior([-x for x in PAST_EFFECTS], PAST_SES).prior
    assert mirrored is not None
    down = shrink(-0.02, 0.008, mirrored, -0.005, direction="decrease")
    assert down.chance == pytest.approx(up.chance, rel=1e-9)
    assert (down.median, down.low, down.high) == pytest.approx((-up.median, -up.high, -up.low), rel=1e-9)


@pytest.mark.parametrize("prior", [None, Prior(-0.01, 0.01, 6, -0.01, 0.004, 0.0001, 0.01)])
def test_direction_decrease_counts_the_chance_below_the_threshold(prior):
    """The past pilots' full posterior, and a prior given by hand (a known normal population)."""
    prior = prior or fit_prior([x - 0.015 for x in PAST_EFFECTS], PAST_SES).prior
    up = shrink(-0.02, 0.01, prior, -0.005)
    down = shrink(-0.02, 0.01, prior, -0.005, direction="decrease")
    assert up.chance + down.chance == pytest.approx(1.0)
    assert down.chance > 0.8 and down.median_clears and not up.median_clears


def _joint(y, v, reach, tau_points=601, mu_points=4001):
    """p(mu, tau | y) ∝ prod_j N(y_j | mu, v_j + tau^2) on a dense grid (flat prior on mu, uniform on tau up to
    ``reach``), unnormalised, with its total: the brute-force route, none of the module's algebra."""
    tau = np.linspace(0.0, reach, tau_points)[:, None]
    mu = np.linspace(y.mean() - np.ptp(y) - reach / 2, y.mean() + np.ptp(y) + reach / 2, mu_points)[None, :]
    log_joint = np.zeros((tau.size, mu.size))
    for yj, vj in zip(y, v, strict=True):
        log_joint += stats.norm.logpdf(yj, mu, np.sqrt(vj + tau**2))
    joint = np.exp(log_joint - log_joint.max())
    return tau, mu, joint, integrate.trapezoid(integrate.trapezoid(joint, mu[0], axis=1), tau[:, 0])


def test_the_normal_shape_check_against_a_brute_force_leave_one_out():
    """surprise: each pilot's estimate against its predictive given the others (mu and tau integrated by brute
    force, tau's prior reaching as far as for all six), two-sided, the smallest times the number of pilots."""
    y = np.array([0.004, 0.011, -0.002, 0.007, 0.045, 0.003])
    se = np.array([0.004, 0.006, 0.005, 0.003, 0.007, 0.004])
    reach = float(hierarchical.reach(y, se**2)[0])
    want = 1.0
    for j in range(len(y)):
        rest = np.delete(np.arange(len(y)), j)
        tau, mu, joint, norm = _joint(y[rest], se[rest] ** 2, reach, tau_points=301, mu_points=1501)
        below = stats.norm.cdf(y[j], mu, np.sqrt(tau**2 + se[j] ** 2))
        p = integrate.trapezoid(integrate.trapezoid(joint * below, mu[0], axis=1), tau[:, 0]) / norm
        want = min(want, 2 * min(p, 1 - p))
    got = priors.surprise(y[None, :], se[None, :])[0]
    assert got == pytest.approx(min(1.0, len(y) * want), rel=5e-3)
    assert got < priors.DOUBT_LEVEL  # +4.5 pts among pilots within 1.3 pts of each other
    assert priors.surprise(np.array([PAST_EFFECTS]), np.array([PAST_SES]))[0] > 0.5  # nothing unusual


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
@given(effects, st.data(), st.floats(-2.0, 2.0), ses, st.floats(-0.5, 0.5), st.sampled_from(["increase", "decrease"]))
def test_the_chance_is_at_least_half_exactly_when_the_median_clears(past, data, estimate, se, threshold, direction):
    """One posterior for every figure: the chance and the central figure never point opposite ways, at any
    threshold, including the median itself."""
    past_ses = data.draw(st.lists(ses, min_size=len(past), max_size=len(past)))
    fit = fit_prior(past, past_ses, min_weight=0.0)
    assert fit.prior is not None
    r = shrink(estimate, se, fit.prior, threshold, direction=direction)
    assert (r.chance >= 0.5) == r.median_clears
    at = shrink(estimate, se, fit.prior, r.median, direction=direction)
    assert at.chance == pytest.approx(0.5, abs=1e-9) and (at.chance >= 0.5) == at.median_clears
    assert r.low <= r.median <= r.high
    # the median lies among the component means, all within the range of the effects
    assert min(*past, estimate) - 1e-12 <= r.median <= max(*past, estimate) + 1e-12
    # the chance moves with the threshold the right way
    higher = shrink(estimate, se, fit.prior, threshold + 0.1, direction=direction)
    assert (higher.chance - r.chance) * (1 if direction == "increase" else -1) <= 1e-12


@settings(max_examples=100, deadline=None)
@given(effects, st.data(), st.floats(-2.0, 2.0))
def test_a_precise_estimate_is_barely_moved(past, data, estimate):
    past_ses = data.draw(st.lists(ses, min_size=len(past), max_size=len(past)))
    fit = fit_prior(past, past_ses, min_weight=0.0)
    assert fit.prior is not None
    se = min(fit.prior.sd, *past_ses) / 100  # a hundred times more precise than the spread and any past pilot
    r = shrink(estimate, se, fit.prior, 0.0)
    assert abs(r.median - estimate) <= 1e-2 * abs(fit.prior.mean - estimate) + 1e-12
    assert r.high - r.low == pytest.approx(2 * 1.959964 * se, rel=2e-2)


@settings(max_examples=60, deadline=None)
@given(effects, st.data())
def test_more_spread_in_the_past_means_less_pull(past, data):
    past_ses = data.draw(st.lists(ses, min_size=len(past), max_size=len(past)))
    narrow = fit_prior(past, past_ses, min_weight=0.0).prior
    wide = fit_prior([3 * x for x in past], past_ses, min_weight=0.0).prior
    assert narrow is not None and wide is not None
    assert wide.sd >= narrow.sd * (1 - 1e-9)


def _teams(rng, n, k):
    """n teams, each with a normal population of its own (centre -1..1, spread 0..1), k past pilots measured with
    standard errors 0.3-0.8 and one new pilot with 0.5-1.5: past effects and errors, the new estimate, its error
    and its true effect."""
    mu, tau = rng.uniform(-1, 1, n), rng.uniform(0, 1, n)
    past_se = rng.uniform(0.3, 0.8, (n, k))
    past = mu[:, None] + tau[:, None] * rng.standard_normal((n, k)) + past_se * rng.standard_normal((n, k))
    se = rng.uniform(0.5, 1.5, n)
    truth = mu + tau * rng.standard_normal(n)
    return past, past_se, truth + se * rng.standard_normal(n), se, truth


def _calibration_error(chance: np.ndarray, cleared: np.ndarray) -> tuple[float, float]:
    """Per fifth of the stated chance: the readings-weighted mean gap between stated and cleared, and the
    largest gap among fifths with at least 100 readings."""
    gaps, worst = 0.0, 0.0
    for i in range(5):
        inside = (chance >= i / 5) & ((chance < (i + 1) / 5) if i < 4 else (chance <= 1))
        if inside.any():
            gap = abs(chance[inside].mean() - cleared[inside].mean())
            gaps += inside.sum() * gap
            worst = max(worst, gap) if inside.sum() >= 100 else worst
    return gaps / len(chance), worst


def test_pilots_told_n_percent_clear_about_n_percent_of_the_time():
    """A small calibration simulation (1,200 teams with 8 past pilots, about 2 s): the stated chance against the
    share truly cleared. The same measure fails the plug-in reading (DerSimonian–Laird's mean and tau taken as
    known) and the raw reading of the same pilots, so it can fail."""
    rng = np.random.default_rng(11)
    past, past_se, y, se, truth = _teams(rng, 1200, 8)
    r = read_many(past, past_se, y, se, 0.0)
    cleared = truth >= 0
    told = ~r.doubtful
    mean_gap, worst = _calibration_error(r.chance[told], cleared[told])
    plug_in = []
    for i in range(len(y)):
        mean, _, tau2 = dersimonian_laird(list(past[i]), list(past_se[i]))
        pull = se[i] ** 2 / (se[i] ** 2 + tau2)
        centre, sd = pull * mean + (1 - pull) * y[i], math.sqrt((1 - pull) * se[i] ** 2) or 1e-12
        plug_in.append(stats.norm.sf(0.0, centre, sd))
    plug_gap, _ = _calibration_error(np.array(plug_in), cleared)
    raw_gap, _ = _calibration_error(stats.norm.sf(0.0, y, se), cleared)
    print(f"\nmean gap: full posterior {mean_gap:.3f} (worst {worst:.3f}), plug-in {plug_gap:.3f}, raw {raw_gap:.3f}")
    assert mean_gap <= 0.035 and worst <= 0.08
    assert plug_gap > 0.045 and raw_gap > 0.045
    assert r.doubtful.mean() <= 0.05  # the normal-shape check seldom withholds the chance in normal populations


def test_the_normal_shape_check_flags_heavy_tails_more_often_than_normal_ones():
    rng = np.random.default_rng(5)
    past, past_se, y, se, _ = _teams(rng, 600, 20)
    heavy = past + rng.standard_t(2, past.shape) * 0.8  # t with 2 df added to the true effects
    normal_share = (priors.surprise(np.column_stack([past, y]), np.column_stack([past_se, se])) < 0.05).mean()
    heavy_share = (priors.surprise(np.column_stack([heavy, y]), np.column_stack([past_se, se])) < 0.05).mean()
    print(f"\nwithheld: normal {normal_share:.1%}, heavy-tailed {heavy_share:.1%}")
    assert normal_share <= 0.07 and heavy_share > 0.2
