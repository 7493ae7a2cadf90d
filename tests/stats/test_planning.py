"""Sample size, power and detectable effects."""

from __future__ import annotations

import math

import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower

from lib.stats import (
    minimum_detectable_effect,
    minimum_detectable_effect_means,
    power,
    power_means,
    sample_size_per_arm,
    sample_size_per_arm_means,
)
from lib.stats.planning import PlanInputs, detectable_effect, plan_pilot


def test_matches_r_power_prop_test_examples():
    # R: power.prop.test(n = 50, p1 = .50, p2 = .75)      -> power = 0.7401659
    assert power(0.50, 0.75, 50) == pytest.approx(0.7401659, abs=1e-7)
    # R: power.prop.test(p1 = .50, p2 = .75, power = .90) -> n = 76.65294
    assert sample_size_per_arm(0.50, 0.75, power=0.9) == 77


def test_fleiss_without_continuity_correction_by_hand():
    # 5% -> 10%, alpha 0.05 two-sided, 80% power: 434.4 -> 435 (Fleiss, no correction)
    p1, p2, za, zb = 0.05, 0.10, 1.959963984540054, 0.8416212335729143
    pbar = (p1 + p2) / 2
    n = (za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2
    assert sample_size_per_arm(0.05, 0.10) == math.ceil(n) == 435
    assert sample_size_per_arm(0.05, 0.10, alternative="greater") < 435


@pytest.mark.parametrize("p1,p2", [(0.02, 0.03), (0.1, 0.12), (0.3, 0.25), (0.5, 0.6)])
def test_sample_size_and_power_are_consistent(p1, p2):
    n = sample_size_per_arm(p1, p2)
    assert power(p1, p2, n) >= 0.8
    assert power(p1, p2, n - 1) < 0.8
    mde = minimum_detectable_effect(p1, n)
    assert power(p1, p1 + mde, n) == pytest.approx(0.8, abs=1e-9)


def test_mde_unreachable_is_none():
    assert minimum_detectable_effect(0.5, 2) is None


@pytest.mark.parametrize("sd,diff", [(10, 2), (25, 5), (1, 0.1)])
def test_means_versions_match_statsmodels(sd, diff):
    n = sample_size_per_arm_means(sd, diff)
    exact = NormalIndPower().solve_power(effect_size=diff / sd, alpha=0.05, power=0.8, ratio=1.0)
    assert n in (math.ceil(exact), math.ceil(exact) + 1)
    assert power_means(sd, diff, n) >= 0.8
    assert minimum_detectable_effect_means(sd, n) <= diff
    # statsmodels adds the far tail of the two-sided test, negligible (~1e-6) at useful power
    assert power_means(sd, diff, n) == pytest.approx(
        NormalIndPower().power(effect_size=diff / sd, nobs1=n, alpha=0.05, ratio=1.0), abs=1e-5
    )


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="baseline_rate"):
        sample_size_per_arm(0, 0.1)
    with pytest.raises(ValueError, match="target_rate"):
        sample_size_per_arm(0.1, 0.1)
    with pytest.raises(ValueError, match="power"):
        sample_size_per_arm(0.1, 0.2, power=1.0)
    with pytest.raises(ValueError, match="n_per_arm"):
        power(0.1, 0.2, 0)
    with pytest.raises(ValueError, match="expected_sd"):
        sample_size_per_arm_means(0, 1)


# ------------------------------------------------------------------ plans for the design used (daily looks)

AB_RATES = [
    # baseline, threshold (minimum worth scaling), expected, direction
    (0.05, 0.0, 0.01, "increase"),
    (0.10, 0.005, 0.03, "increase"),
    (0.30, 0.0, 0.05, "increase"),
    (0.20, 0.0, 0.04, "decrease"),
]


@pytest.mark.parametrize("baseline, threshold, expected, direction", AB_RATES)
def test_plan_pilot_for_ab_rates(baseline, threshold, expected, direction):
    inputs = PlanInputs(
        kind="proportion",
        comparison="vs_control",
        threshold=threshold,
        expected=expected,
        baseline=baseline,
        direction=direction,
    )
    plan = plan_pilot(inputs)
    good = 1 if direction == "increase" else -1
    p1, p2 = baseline, baseline + good * expected
    # one look at the end: the classic unpooled one-sided formula, which is statsmodels' NormalIndPower
    # on the effect size (gap) / sqrt((p1 q1 + p2 q2) / 2) with equal arms
    gap = expected - threshold
    by_hand = (stats.norm.isf(0.05) + stats.norm.isf(0.2)) ** 2 * (p1 * (1 - p1) + p2 * (1 - p2)) / gap**2
    es = gap / math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
    sm = NormalIndPower().solve_power(effect_size=es, alpha=0.05, power=0.8, ratio=1.0, alternative="larger")
    assert sm == pytest.approx(by_hand, rel=1e-9)
    assert plan.fixed_n == math.ceil(by_hand)
    # daily looks cost a larger sample: 10-30 % more
    assert plan.n > plan.fixed_n and 1.10 <= plan.inflation <= 1.30
    assert plan.looks == 28 and not plan.unit_is_day
    # what the plan promises: at most alpha wrong "scale" at the threshold, the power at the expected effect
    assert plan.at_threshold.scale <= 0.05
    assert plan.at_expected.scale == pytest.approx(0.8, abs=0.01)
    assert plan.at_expected.abort <= 0.05
    assert plan.mean_decision_look < plan.looks
    # and the planned sample detects exactly the expected effect
    assert detectable_effect(inputs, plan.n) == pytest.approx(expected, rel=2e-3)
    assert detectable_effect(inputs, plan.n // 2) > expected


def test_plan_pilot_for_a_relative_lift_by_hand():
    """A lift of at least 10 %, 25 % expected, on 8 %: the statistic is b - 1.1 a."""
    inputs = PlanInputs(
        kind="proportion",
        comparison="vs_control",
        threshold=0.10,
        expected=0.25,
        baseline=0.08,
        threshold_type="relative",
    )
    plan = plan_pilot(inputs)
    a, b = 0.08, 0.08 * 1.25
    variance = b * (1 - b) + 1.1**2 * a * (1 - a)
    gap = b - 1.1 * a
    assert plan.fixed_n == math.ceil((stats.norm.isf(0.05) + stats.norm.isf(0.2)) ** 2 * variance / gap**2)
    assert plan.n == math.ceil((plan.drift * math.sqrt(variance) / gap) ** 2 - 1e-9)


@pytest.mark.parametrize("threshold, expected", [(0.01, 0.01), (0.01, 0.005), (0.0, -0.01)])
def test_plan_pilot_rejects_an_expected_effect_not_beyond_the_threshold(threshold, expected):
    inputs = PlanInputs(
        kind="proportion", comparison="vs_control", threshold=threshold, expected=expected, baseline=0.05
    )
    with pytest.raises(ValueError, match="expected effect must be beyond the threshold"):
        plan_pilot(inputs)


def test_plan_pilot_rejects_a_target_value_equal_to_the_target():
    inputs = PlanInputs(kind="proportion", comparison="vs_target", threshold=0.08, expected=0.08)
    with pytest.raises(ValueError, match="expected effect must be beyond the threshold"):
        plan_pilot(inputs)


@pytest.mark.parametrize("direction, expected", [("increase", 0.06), ("decrease", 0.10)])
def test_plan_pilot_rejects_a_target_value_on_the_wrong_side(direction, expected):
    inputs = PlanInputs(
        kind="proportion", comparison="vs_target", threshold=0.08, expected=expected, direction=direction
    )
    with pytest.raises(ValueError, match="expected effect must be beyond the threshold"):
        plan_pilot(inputs)
