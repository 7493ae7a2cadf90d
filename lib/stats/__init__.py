"""Greenlight's stats layer: pure functions over sufficient statistics.

Counts, sums and sums of squares in; typed, frozen results out, with
plain-language warnings for degenerate data. Built on numpy and scipy; no
streamlit, no database. Stable names for notebooks::

    from lib.stats import compare_proportions, compare_means, Summary, ...
"""

from lib.stats.bayes import chance_to_beat
from lib.stats.means import Summary, compare_means
from lib.stats.multiple import adjust_pvalues, srm_pvalue
from lib.stats.periods import compare_periods
from lib.stats.planning import (
    minimum_detectable_effect,
    minimum_detectable_effect_means,
    power,
    power_means,
    sample_size_per_arm,
    sample_size_per_arm_means,
)
from lib.stats.proportions import compare_proportions
from lib.stats.results import AdjustedEstimate, ChanceToBeat, Comparison, TargetResult
from lib.stats.sequential import DEFAULT_TUNING
from lib.stats.target import against_target, against_target_mean

__all__ = [
    "AdjustedEstimate",
    "ChanceToBeat",
    "Comparison",
    "DEFAULT_TUNING",
    "Summary",
    "TargetResult",
    "adjust_pvalues",
    "against_target",
    "against_target_mean",
    "chance_to_beat",
    "compare_means",
    "compare_periods",
    "compare_proportions",
    "minimum_detectable_effect",
    "minimum_detectable_effect_means",
    "power",
    "power_means",
    "sample_size_per_arm",
    "sample_size_per_arm_means",
    "srm_pvalue",
]
