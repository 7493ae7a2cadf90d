"""Greenlight's stats layer: pure functions over sufficient statistics.

Sufficient statistics in (:mod:`lib.stats.statistics`: one type per metric
kind); typed, frozen results out, with plain-language warnings for degenerate
data. Built on numpy and scipy; no streamlit, no database. Stable names for
notebooks::

    from lib.stats import compare_proportions, compare_means, Summary, MeanStat, ...
"""

from lib.stats.bayes import chance_to_beat
from lib.stats.before_after import StepFit, fit_step
from lib.stats.group_sequential import OperatingCharacteristics, boundary_z, operating_characteristics
from lib.stats.means import Summary, compare_means
from lib.stats.money_planning import MoneyPlan, plan_money
from lib.stats.multiple import adjust_pvalues, srm_pvalue
from lib.stats.placebo import placebo_check
from lib.stats.planning import (
    Plan,
    PlanInputs,
    detectable_effect,
    minimum_detectable_effect,
    minimum_detectable_effect_means,
    plan_pilot,
    power,
    power_means,
    sample_size_per_arm,
    sample_size_per_arm_means,
)
from lib.stats.proportions import compare_proportions
from lib.stats.result_types import ChanceToBeat, ComparisonResult, TargetResult
from lib.stats.sequential import DEFAULT_TUNING
from lib.stats.skew import skew_corrected_t_one, skew_corrected_t_two
from lib.stats.spend import MoneySpan, ScalingProjection, SpendReading, project_scaling, read_spend
from lib.stats.statistics import CountStat, MeanStat, RateStat, Stat, for_kind, from_observation
from lib.stats.target import against_target, against_target_mean

__all__ = [
    "MoneyPlan",
    "MoneySpan",
    "ScalingProjection",
    "SpendReading",
    "plan_money",
    "project_scaling",
    "read_spend",
    "CountStat",
    "MeanStat",
    "RateStat",
    "Stat",
    "for_kind",
    "from_observation",
    "OperatingCharacteristics",
    "Plan",
    "PlanInputs",
    "StepFit",
    "boundary_z",
    "detectable_effect",
    "fit_step",
    "operating_characteristics",
    "placebo_check",
    "plan_pilot",
    "skew_corrected_t_one",
    "skew_corrected_t_two",
    "ChanceToBeat",
    "ComparisonResult",
    "DEFAULT_TUNING",
    "Summary",
    "TargetResult",
    "adjust_pvalues",
    "against_target",
    "against_target_mean",
    "chance_to_beat",
    "compare_means",
    "compare_proportions",
    "minimum_detectable_effect",
    "minimum_detectable_effect_means",
    "power",
    "power_means",
    "sample_size_per_arm",
    "sample_size_per_arm_means",
    "srm_pvalue",
]
