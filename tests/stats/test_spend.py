"""Spend against what it bought (lib.stats.spend): hand-computed examples, oracles and Fieller's bounds.

Oracles: statsmodels' weighted least squares with a day-clustered sandwich (an arm's per-unit
outcome and spend are weighted means over days, their (co)variances that sandwich) and its
delta method for the ratio where the denominator is well away from zero; Fieller's bounds by
brute-force inversion on a fine grid.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats._delta_method import NonlinearDeltaCov

from lib.specs import Observation, PilotSpec
from lib.stats.contrasts import FiellerRatio
from lib.stats.spend import SPEND_METRIC, arm_days, increments, project_scaling, read_spend

AB = PilotSpec("pilot", "ab")
DAY = date(2026, 11, 2)


def _days(n: int) -> list[date]:
    return [DAY + timedelta(days=i) for i in range(n)]


def _rows(arm: str, metric: str, sizes, totals) -> list[Observation]:
    return [
        Observation(d, arm, metric, float(n), float(x))
        for d, n, x in zip(_days(len(totals)), sizes, totals, strict=True)
    ]


def test_hand_computed_example_with_spend_in_the_pilot_arm_only():
    """Three days of 100 contacts per arm; sign-ups 5, 7, 6 in control and 10, 8, 12 in the pilot, which
    spends 50 a day.

    Rates 18 / 300 = 6 % and 30 / 300 = 10 %: 0.04 × 300 = 12 extra sign-ups for 150 spent, 12.50 each.
    Day-clustered variances: control residuals (5 − 6, 7 − 6, 6 − 6) = (−1, 1, 0), pilot (0, −2, 2), so
    Var(rate) = 3/2 × (2 or 8) / 300² and Var(extra) = 300² × 3/2 × 10 / 300² = 15; Welch–Satterthwaite
    df = (2 + 8)² / (2² + 8²) × 2 = 50/17. The spend is a fixed figure, so the cost's Fieller bounds
    are 150 divided by the extra sign-ups' bounds: 12 − t √15 is below zero, so no upper bound.
    """
    rows = _rows("control", "signups", [100] * 3, [5, 7, 6]) + _rows("pilot", "signups", [100] * 3, [10, 8, 12])
    rows += _rows("pilot", SPEND_METRIC, [1] * 3, [50] * 3)
    reading = read_spend(rows, AB, "signups", "proportion", False)
    assert reading is not None
    t = stats.t.ppf(0.975, 50 / 17)
    assert reading.total == reading.extra_spend
    assert (reading.total.estimate, reading.total.low, reading.total.high) == (150, 150, 150)
    assert reading.extra_outcome.estimate == pytest.approx(12)
    assert reading.extra_outcome.low == pytest.approx(12 - t * math.sqrt(15))
    assert reading.extra_outcome.high == pytest.approx(12 + t * math.sqrt(15))
    assert reading.cost_per_extra.estimate == pytest.approx(12.5)
    assert reading.cost_per_extra.low == pytest.approx(150 / (12 + t * math.sqrt(15)))
    assert reading.cost_per_extra.high is None  # the extra sign-ups could be zero
    assert reading.return_on_spend is None and reading.days == 3


def test_hand_computed_example_with_spend_in_both_arms():
    """Daily leads (days are the units) over four days.

    Control: leads 10, 12, 8, 10 (mean 10) for 100 a day. Pilot: leads 14, 16, 12, 18 (mean 15) for
    150, 160, 140, 150 (mean 150). Per day 5 extra leads for 50 extra spend: over the pilot's 4 days
    20 extra leads for 200, 10 per extra lead.
    Residuals: control leads (0, 2, −2, 0), spend 0; pilot leads (−1, 1, −3, 3), spend (0, 10, −10, 0).
    With D/(D−1)/N² = 4/3/16 = 1/12: Var(leads) = 8/12 + 20/12 = 7/3, Var(spend) = 200/12 = 50/3,
    Cov = (10 + 30)/12 = 10/3 (per day). Extra leads: 20 ± t(147/29) × 4 √(7/3); extra spend:
    200 ± t(3) × 4 √(50/3). Cost per extra lead: Fieller's roots of
    (50 − 5c)² = q² (50/3 − 2c · 10/3 + c² · 7/3), q = t(5.58...) with df at c = 10:
    550² × 3 / (200² + 350²).
    """
    rows = _rows("control", "leads", [1] * 4, [10, 12, 8, 10]) + _rows("pilot", "leads", [1] * 4, [14, 16, 12, 18])
    rows += _rows("control", SPEND_METRIC, [1] * 4, [100] * 4) + _rows(
        "pilot", SPEND_METRIC, [1] * 4, [150, 160, 140, 150]
    )
    reading = read_spend(rows, AB, "leads", "count", False)
    assert reading is not None
    assert reading.total.estimate == 1000
    inc = reading.increments
    assert inc is not None and not inc.spend_fixed
    assert (inc.outcome, inc.spend, inc.size) == pytest.approx((5, 50, 4))
    assert (inc.var_outcome, inc.var_spend, inc.cov) == pytest.approx((7 / 3, 50 / 3, 10 / 3))
    t_o, t_s = stats.t.ppf(0.975, 147 / 29), stats.t.ppf(0.975, 3)
    assert (reading.extra_outcome.low, reading.extra_outcome.high) == pytest.approx(
        (20 - t_o * 4 * math.sqrt(7 / 3), 20 + t_o * 4 * math.sqrt(7 / 3))
    )
    assert (reading.extra_spend.estimate, reading.extra_spend.low, reading.extra_spend.high) == pytest.approx(
        (200, 200 - t_s * 4 * math.sqrt(50 / 3), 200 + t_s * 4 * math.sqrt(50 / 3))
    )
    q = stats.t.ppf(0.975, 550**2 * 3 / (200**2 + 350**2))
    roots = np.roots([25 - q * q * 7 / 3, -500 + q * q * 20 / 3, 2500 - q * q * 50 / 3])
    assert reading.cost_per_extra.estimate == pytest.approx(10)
    assert (reading.cost_per_extra.low, reading.cost_per_extra.high) == pytest.approx(tuple(sorted(roots)))


def test_return_on_spend_reads_revenue_against_spend():
    """Revenue per visitor 2.00 in control and 2.50 in the pilot over 1,000 visitors a day, the pilot
    spending 250 a day: 0.50 × 3,000 = 1,500 extra revenue for 750, a return of 2.0; the spend is fixed,
    so the return's bounds are the extra revenue's divided by 750."""
    sizes = [1000] * 3
    rows = _rows("control", "revenue", sizes, [1900, 2100, 2000]) + _rows("pilot", "revenue", sizes, [2400, 2500, 2600])
    rows += _rows("pilot", SPEND_METRIC, [1] * 3, [250] * 3)
    reading = read_spend(rows, AB, "revenue", "mean", True)
    assert reading is not None and reading.return_on_spend is not None
    assert reading.extra_outcome.estimate == pytest.approx(1500)
    assert reading.return_on_spend.estimate == pytest.approx(2.0)
    assert reading.return_on_spend.low == pytest.approx(reading.extra_outcome.low / 750)
    assert reading.return_on_spend.high == pytest.approx(reading.extra_outcome.high / 750)
    assert reading.cost_per_extra.estimate == pytest.approx(0.5)  # 0.50 spent per extra unit of revenue


def test_no_spend_logged_reads_none_and_a_pilot_without_control_gets_its_total_only():
    rows = _rows("control", "signups", [100] * 3, [5, 7, 6]) + _rows("pilot", "signups", [100] * 3, [10, 8, 12])
    assert read_spend(rows, AB, "signups", "proportion", False) is None
    rows += _rows("pilot", SPEND_METRIC, [1] * 3, [50] * 3)
    reading = read_spend(rows, PilotSpec("p", "before_after"), "signups", "proportion", False)
    assert reading is not None and reading.total.estimate == 150
    assert reading.extra_outcome.estimate is None and reading.cost_per_extra.estimate is None
    early = read_spend(rows, AB, "signups", "proportion", False, as_of=DAY)  # one day: no spread yet
    assert early is not None and early.total.estimate == 50
    assert early.extra_outcome.estimate == pytest.approx(5) and early.extra_outcome.low is None
    assert early.cost_per_extra.estimate == pytest.approx(10) and early.cost_per_extra.high is None


def test_fewer_outcomes_in_the_pilot_leave_cost_per_extra_undefined():
    rows = _rows("control", "signups", [100] * 5, [9, 11, 10, 10, 12]) + _rows(
        "pilot", "signups", [100] * 5, [5, 6, 4, 5, 6]
    )
    rows += _rows("pilot", SPEND_METRIC, [1] * 5, [50] * 5)
    reading = read_spend(rows, AB, "signups", "proportion", False)
    assert reading is not None and reading.extra_outcome.estimate is not None and reading.extra_outcome.estimate < 0
    assert reading.cost_per_extra == type(reading.cost_per_extra)(None, None, None)
    # a metric where less is better (unsubscribes): the same data are 26 fewer, bought for 250
    fewer = read_spend(rows, AB, "signups", "proportion", False, direction="decrease")
    assert fewer is not None and fewer.extra_outcome.estimate == pytest.approx(26)
    assert fewer.cost_per_extra.estimate == pytest.approx(250 / 26)


def _simulated_arm(rng: np.random.Generator, days: int, rate: float, cpc: float) -> tuple[np.ndarray, ...]:
    sizes = rng.integers(800, 1200, days).astype(float)
    outcome = rng.binomial(sizes.astype(int), rate).astype(float)
    spend = cpc * sizes + 2.0 * outcome + rng.normal(0, 20, days)  # spend moves with traffic and conversions
    return sizes, outcome, spend


def test_arm_variances_and_covariance_are_the_day_clustered_sandwich_of_statsmodels():
    rng = np.random.default_rng(3)
    days = 9
    sizes, outcome, spend = _simulated_arm(rng, days, 0.05, 0.4)
    rows = _rows("pilot", "signups", sizes, outcome) + _rows("pilot", SPEND_METRIC, [1] * days, spend)
    arm = arm_days(rows, "pilot", "signups", "proportion")
    r, s, var_r, var_s, cov = arm.moments(spend_fixed=False)
    y = np.concatenate([outcome / sizes, spend / sizes])
    design = np.zeros((2 * days, 2))
    design[:days, 0] = design[days:, 1] = 1.0
    groups = np.concatenate([np.arange(days), np.arange(days)])
    fit = sm.WLS(y, design, weights=np.concatenate([sizes, sizes])).fit(
        cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False}
    )
    oracle = fit.cov_params() * days / (days - 1)  # HC1's small-sample factor
    assert (r, s) == pytest.approx(tuple(fit.params), rel=1e-12)
    assert (var_r, var_s, cov) == pytest.approx((oracle[0, 0], oracle[1, 1], oracle[0, 1]), rel=1e-10)
    single = sm.WLS(outcome / sizes, np.ones(days), weights=sizes).fit(cov_type="HC1")
    assert var_r == pytest.approx(single.bse[0] ** 2, rel=1e-10)


def test_with_the_denominator_far_from_zero_fieller_agrees_with_the_delta_method_of_statsmodels():
    rng = np.random.default_rng(4)
    days = 60
    control = _simulated_arm(rng, days, 0.05, 0.30)
    pilot = _simulated_arm(rng, days, 0.08, 0.45)
    rows = []
    for arm, (sizes, outcome, spend) in (("control", control), ("pilot", pilot)):
        rows += _rows(arm, "signups", sizes, outcome) + _rows(arm, SPEND_METRIC, [1] * days, spend)
    reading = read_spend(rows, AB, "signups", "proportion", False)
    assert reading is not None and reading.increments is not None
    inc = reading.increments
    params = np.array([inc.spend, inc.outcome])
    cov = np.array([[inc.var_spend, inc.cov], [inc.cov, inc.var_outcome]])
    delta = NonlinearDeltaCov(lambda p: np.array([p[0] / p[1]]), params, cov)
    low, high = delta.conf_int(alpha=0.05)[0]
    cost = reading.cost_per_extra
    assert cost.estimate == pytest.approx(delta.predicted()[0])
    assert cost.low == pytest.approx(low, rel=0.03) and cost.high == pytest.approx(high, rel=0.03)


KS = (0.5, 1.0, 1.96, 2.5, 4.0)


@pytest.mark.parametrize(
    "num, den, var_num, var_den, cov, df",
    [
        (50.0, 5.0, 50 / 3, 7 / 3, 10 / 3, 6.0),  # well away from zero
        (0.5, 0.04, 0.0, 1 / 6000, 0.0, None),  # fixed spend, the rate could be zero at some k
        (10.0, 0.3, 4.0, 0.2, 0.1, 20.0),  # the denominator not clearly above zero: open-ended
        (-3.0, 1.0, 1.0, 0.05, 0.0, None),  # spend saved: a negative cost
    ],
)
def test_fieller_bounds_are_where_z_crosses_k_next_to_the_estimate(num, den, var_num, var_den, cov, df):
    ratio = FiellerRatio(num, den, var_num, var_den, cov, df)
    est = num / den
    grid = np.linspace(est - 400, est + 400, 40001)
    z = np.array([ratio.z(c) for c in grid])
    for k in KS:
        low, high = ratio.lower(k), ratio.upper(k)
        # lower: the largest c below the estimate with z >= k; upper: the smallest above it with z <= -k
        below = grid[(grid < est) & (z >= k)]
        above = grid[(grid > est) & (z <= -k)]
        if low is None:
            assert below.size == 0 or below.max() < est - 399
        else:
            assert below.size and below.max() == pytest.approx(low, abs=0.03)
            assert ratio.z(low) == pytest.approx(k, abs=1e-6)
        if high is None:
            assert above.size == 0
        else:
            assert above.size and above.min() == pytest.approx(high, abs=0.03)
            assert ratio.z(high) == pytest.approx(-k, abs=1e-6)


def test_fieller_z_at_a_threshold_is_the_linear_contrast_test():
    """ "Cost per extra at most X" is X Δo − Δs >= 0: z(X) is minus that contrast over its standard error."""
    ratio = FiellerRatio(50.0, 5.0, 50 / 3, 7 / 3, 10 / 3, None)
    for x in (6.0, 10.0, 14.0):
        contrast = x * 5.0 - 50.0
        se = math.sqrt(x * x * 7 / 3 + 50 / 3 - 2 * x * 10 / 3)
        assert ratio.z(x) == pytest.approx(-contrast / se)
    assert math.isnan(FiellerRatio(1.0, 0.0, 1.0, 1.0).estimate)
    assert FiellerRatio(1.0, -2.0, 1.0, 0.1).lower(1.96) is None  # fewer outcomes: no cost to bound


def test_scaling_projects_the_per_unit_figures_to_a_month():
    rows = _rows("control", "signups", [100] * 3, [5, 7, 6]) + _rows("pilot", "signups", [100] * 3, [10, 8, 12])
    rows += _rows("pilot", SPEND_METRIC, [1] * 3, [50] * 3)
    reading = read_spend(rows, AB, "signups", "proportion", False)
    assert reading is not None
    month = project_scaling(reading, per_month_units=120_000)
    assert month.extra_outcome_per_month.estimate == pytest.approx(0.04 * 120_000)
    assert month.extra_outcome_per_month.low == pytest.approx(reading.extra_outcome.low * 400)
    assert (month.spend_per_month.estimate, month.spend_per_month.high) == pytest.approx((60_000, 60_000))
    assert month.cost_per_extra == reading.cost_per_extra
    wider = project_scaling(reading, per_month_units=120_000, confidence=0.99)
    assert wider.cost_per_extra.low is not None and reading.cost_per_extra.low is not None
    assert wider.cost_per_extra.low < reading.cost_per_extra.low
    with pytest.raises(ValueError, match="per_month_units"):
        project_scaling(reading, per_month_units=-1)


def test_increments_need_units_in_both_arms():
    rows = _rows("pilot", "signups", [100] * 3, [10, 8, 12]) + _rows("pilot", SPEND_METRIC, [1] * 3, [50] * 3)
    control = arm_days(rows, "control", "signups", "proportion")
    pilot = arm_days(rows, "pilot", "signups", "proportion")
    assert increments(control, pilot) is None
    reading = read_spend(rows, AB, "signups", "proportion", False)
    assert reading is not None and reading.total.estimate == 150 and reading.extra_outcome.estimate is None


def test_before_after_weighs_spend_against_the_step_over_the_baselines_counterfactual():
    """Daily leads, 28 baseline days and 14 pilot days; the pilot period adds about 5 leads a day for 100 a day.

    The extra leads are the adjusted step (lib.stats.before_after.fit_step, itself checked against
    statsmodels) times the 14 pilot days; with nothing spent in the baseline the spend is the pilot's 1,400.
    """
    from lib.stats.before_after import fit_step

    rng = np.random.default_rng(8)
    start = DAY + timedelta(days=28)
    spec = PilotSpec("reels", "before_after", start=start, end=start + timedelta(days=13), baseline_start=DAY)
    leads = 50 + rng.normal(0, 1.5, 42) + np.r_[np.zeros(28), np.full(14, 5.0)]
    days = _days(42)
    rows = [Observation(d, "pilot", "leads", 1, float(x)) for d, x in zip(days, leads, strict=True)]
    rows += [Observation(d, "pilot", SPEND_METRIC, 1, 100.0) for d in days[28:]]
    reading = read_spend(rows, spec, "leads", "count", False)
    assert reading is not None
    step = fit_step(days[:28], list(leads[:28]), days[28:], list(leads[28:]))
    assert step is not None
    assert reading.extra_outcome.estimate == pytest.approx(14 * step.estimate)
    low, high = step.interval(0.95)
    assert (reading.extra_outcome.low, reading.extra_outcome.high) == pytest.approx((14 * low, 14 * high))
    assert reading.extra_spend == reading.total and reading.total.estimate == 1400
    assert reading.cost_per_extra.estimate == pytest.approx(1400 / (14 * step.estimate))
    assert low > 0 and reading.cost_per_extra.high == pytest.approx(1400 / (14 * low))
    # spending in the baseline too: only the step in spend is extra, and it carries its own uncertainty
    rows += [Observation(d, "pilot", SPEND_METRIC, 1, 60.0 + rng.normal(0, 5)) for d in days[:28]]
    both = read_spend(rows, spec, "leads", "count", False)
    assert both is not None and both.increments is not None and not both.increments.spend_fixed
    assert both.extra_spend.estimate is not None and 400 < both.extra_spend.estimate < 700
    assert both.extra_spend.low is not None and both.extra_spend.low < both.extra_spend.estimate
