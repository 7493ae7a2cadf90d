"""Planning a money criterion (lib.stats.money_planning): spend and days to tell €40 from €60 per extra lead."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from lib.stats import group_sequential as gs
from lib.stats.money_planning import detectable_price, money_sd_and_gap, plan_money, t_margin
from lib.stats.planning import PlanInputs, detectable_effect, plan_pilot

LEADS = PlanInputs(
    kind="proportion",
    comparison="vs_control",
    threshold=60.0,
    expected=40.0,
    baseline=0.05,
    threshold_type="cost_per_extra",
    spend_per_unit=0.5,
    looks=28,
)


def test_forty_against_sixty_per_extra_lead_by_hand():
    """0.50 more per contact at 40 per extra lead buys 0.5 / 40 = 1.25 points: 5 % -> 6.25 %.

    At the threshold the contrast is 60 Δr − 0.50 per contact; at the truth it is 0.50 (60/40 − 1) = 0.25,
    its spread per contact 60 √(0.05 · 0.95 + 0.0625 · 0.9375). Units per arm: ((drift + t margin) sd / 0.25)²,
    the margin the Student quantile less the normal one at the bar of the look where a pilot that works
    typically decides (a share f of the plan: 2 (28 f − 1) degrees of freedom, bar c / √f), times √f.
    """
    sd = 60 * math.sqrt(0.05 * 0.95 + 0.0625 * 0.9375)
    assert money_sd_and_gap(LEADS, 40.0) == pytest.approx((sd, 0.25))
    c = gs.efficacy_constant(0.05)
    assert t_margin(0.05, 28) == pytest.approx(stats.t.ppf(stats.norm.cdf(c), 54) - c)  # at the end
    drift = gs.design_drift(0.05, 0.8, 28)
    f = gs.operating_characteristics(drift, alpha=0.05, looks=28, design_drift=drift).mean_fraction
    bar = c / math.sqrt(f)
    margin = (stats.t.ppf(stats.norm.cdf(bar), 2 * (28 * f - 1)) - bar) * math.sqrt(f)
    assert t_margin(0.05, 28, f) == pytest.approx(margin) and margin > t_margin(0.05, 28)
    money = plan_money(LEADS, units_per_day=1000)
    n = math.ceil(((drift + margin) * sd / 0.25) ** 2)
    assert money.plan.n == n and plan_pilot(LEADS).n == n
    assert money.extra_spend == pytest.approx(0.5 * n) and money.pilot_spend == money.extra_spend
    assert money.extra_outcome == pytest.approx(n * 0.5 / 40)
    assert money.days == math.ceil(n / 1000)
    assert money.plan.at_expected.scale == pytest.approx(0.8, abs=1e-4)
    assert money.plan.fixed_n < n  # one look at the end needs less: the price of looking daily


def test_a_budget_detects_the_price_its_plan_was_sized_for():
    n = plan_pilot(LEADS).n
    assert detectable_effect(LEADS, n) == pytest.approx(40.0, rel=1e-3)
    assert detectable_price(LEADS, 4 * n) > 40.0  # more contacts tell a cost nearer the threshold apart
    tiny = detectable_price(LEADS, 10)  # ten contacts tell only leads that nearly come free (a rate jump of 48 points)
    assert tiny is not None and tiny < 1.1


def test_spending_in_both_arms_with_noise_needs_more_units_and_more_money():
    both = PlanInputs(**{**LEADS.__dict__, "control_spend_per_unit": 0.3, "spend_sd": 2.0})
    alone, noisy = plan_money(LEADS), plan_money(both)
    assert noisy.plan.n > alone.plan.n
    assert noisy.pilot_spend == pytest.approx(noisy.plan.n * 0.8)
    # without noise, control's own spend changes nothing about the contrast
    quiet = PlanInputs(**{**LEADS.__dict__, "control_spend_per_unit": 0.3})
    assert plan_money(quiet).plan.n == alone.plan.n


def test_return_on_revenue_plans_on_the_spread_of_revenue():
    revenue = PlanInputs(
        kind="mean",
        comparison="vs_control",
        threshold=1.5,
        expected=2.0,
        sd=20.0,
        baseline=5.0,
        threshold_type="return_on_spend",
        spend_per_unit=0.5,
        looks=28,
    )
    sd, gap = money_sd_and_gap(revenue, 2.0)
    grow = 1 + 2.0 * 0.5 / 5.0  # the pilot arm earns 20 % more, and spreads 20 % wider
    assert (sd, gap) == pytest.approx((20 * math.sqrt(1 + grow**2), 0.25))
    plan = plan_money(revenue, units_per_day=5000)
    assert plan.extra_outcome == pytest.approx(plan.plan.n * 1.0)
    assert detectable_effect(revenue, plan.plan.n) == pytest.approx(2.0, rel=1e-3)


def test_count_metrics_plan_days():
    leads = PlanInputs(
        kind="count",
        comparison="vs_control",
        threshold=60.0,
        expected=40.0,
        sd=6.0,
        threshold_type="cost_per_extra",
        spend_per_unit=200.0,
        looks=28,
    )
    plan = plan_money(leads)
    assert plan.plan.unit_is_day and plan.days == plan.plan.n


@pytest.mark.parametrize(
    "change, message",
    [
        ({"expected": 70.0}, "expected cost per extra outcome must be below"),
        ({"expected": 0.0}, "expected cost per extra outcome must be below"),
        ({"spend_per_unit": None}, "needs the extra spend per unit"),
        ({"spend_per_unit": -1.0}, "spend_per_unit must be greater than zero"),
        ({"expected": 0.45}, "expected rate must be"),  # 0.50 per contact at 0.45 per lead: a 116 % rate
        (
            {"threshold_type": "return_on_spend", "threshold": 2.0, "expected": 1.5},
            "expected return on spend must be above",
        ),
    ],
)
def test_impossible_money_plans_say_what_is_wrong(change, message):
    with pytest.raises(ValueError, match=message):
        plan_pilot(PlanInputs(**{**LEADS.__dict__, **change}))
