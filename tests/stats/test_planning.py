"""Sample size, power and detectable effects."""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.power import NormalIndPower

from lib.stats import (
    minimum_detectable_effect,
    minimum_detectable_effect_means,
    power,
    power_means,
    sample_size_per_arm,
    sample_size_per_arm_means,
)


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
