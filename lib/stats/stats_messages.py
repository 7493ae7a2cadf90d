"""Every user-facing sentence of the stats layer.

Not to be confused with the decision engine's sentences (:mod:`lib.decide.wording`)
or the importer's (:mod:`lib.importer.messages`); hence the module name.

Kept in one place so wording stays consistent (and translatable) and so the
review meeting reads the same words on every page. Templates use
``str.format`` fields; numbers arrive already formatted by
:mod:`lib.formatting`.
"""

from __future__ import annotations

# --- impossible input (ValueError messages name the argument) -------------
NOT_A_NUMBER = "{name} must be a number, got {value!r}."
NOT_FINITE = "{name} must be a finite number, got {value!r}."
NEGATIVE = "{name} cannot be negative, got {value!r}."
NOT_WHOLE = "{name} must be a whole number, got {value!r}."
NOT_POSITIVE = "{name} must be greater than zero, got {value!r}."
MORE_CONVERSIONS_THAN_VISITORS = "{name} ({conversions}) cannot be larger than {visitors_name} ({visitors})."
OUT_OF_RANGE = "{name} must be in {range}, got {value!r}."
BAD_CHOICE = "{name} must be one of {choices}; got {value!r}."
NOT_A_SEQUENCE = "{name} must be a list of numbers, not text."
NOT_A_SUMMARY = "{name} must be a Summary(n, mean, sd)."
SUMS_WITHOUT_UNITS = "total and total_of_squares must be 0 when n is 0."
SUM_OF_SQUARES_TOO_SMALL = (
    "total_of_squares is smaller than total**2 / n, which no real data can give; "
    "check that it is the sum of squared values."
)
DATES_LENGTH = "{name} must have one date per value in {values}."
NOT_DATES = "{name} must hold dates."
BAD_PRIOR = "prior must be two positive numbers (a, b), e.g. (1, 1)."
RATES_EQUAL = "target_rate must differ from baseline_rate."
EXPECTED_NOT_BEYOND = (
    "The expected effect must be beyond the threshold (the minimum worth scaling): "
    "the plan sizes the test of “better than the threshold” for the effect you expect."
)
NO_BASELINE_MEAN = "A relative threshold on an average needs today's average (the baseline) to plan."
NO_BASELINE_DAYS = "A before/after plan needs the number of baseline days."
BASELINE_TOO_SHORT = (
    "With {days} baseline days no pilot period is long enough to tell the expected step from day-to-day noise: "
    "add baseline days or expect a bigger step."
)
# money criteria (lib.stats.money_planning)
NEEDS_SPEND = "A money criterion needs the extra spend per unit of the pilot arm (per contact, visitor or day) to plan."
COST_NOT_BELOW = (
    "The expected cost per extra outcome must be below the most it may cost (the threshold), and above zero: "
    "the plan sizes the test of “cheaper than the threshold” for the cost you expect."
)
RETURN_NOT_ABOVE = (
    "The expected return on spend must be above the least it must return (the threshold): "
    "the plan sizes the test of “returns more than the threshold” for the return you expect."
)
SRM_NEEDS_TWO = "observed_counts needs at least two arms."
SRM_SHARES_LENGTH = "expected_shares must have one share per arm in observed_counts."

# --- degenerate but possible data: warnings on results --------------------
NO_CONVERSIONS_BOTH = "No conversions yet in either arm, so there is nothing to compare yet."
ALL_CONVERTED_BOTH = "Every visitor converted in both arms, so the arms cannot be told apart yet."
NO_CONVERSIONS_CONTROL = "No conversions yet in control, so a relative lift cannot be computed."
NO_CONVERSIONS_PILOT = "No conversions yet in the pilot."
EMPTY_ARM_BOTH = "No data yet in either arm."
EMPTY_ARM_CONTROL = "No data yet for control."
EMPTY_ARM_PILOT = "No data yet for the pilot."
TOO_FEW_UNITS = "Fewer than two data points in an arm: too early to measure the spread."
NO_VARIATION = "Every value is the same in both arms, so the uncertainty cannot be estimated."
CONTROL_MEAN_ZERO = "Control averages zero, so a relative lift cannot be computed."
SMALL_COUNTS_EXACT = "Counts are small, so the exact (Fisher) test was used."
SEQUENTIAL_NO_VARIATION = "No variation in either arm yet, so the always-valid interval cannot be computed."
SHORT_PERIODS = "Less than a week in a period: weekday swings can dominate the comparison."
ADJUSTED_TOO_FEW_DAYS = "Too few days to adjust for trend and weekday effects."
ADJUSTED_NO_TREND = "Too few days to adjust for a trend; the adjusted figure only shifts the level."
ADJUSTED_NO_WEEKDAY = "Too few days to adjust for weekday effects; only a linear trend is taken out."
OBSERVATIONAL = (
    "Before/after comparisons are observational: anything else that changed between the "
    "two periods (season, prices, other campaigns) is mixed into the difference."
)


def empty_arm(control_n: float, pilot_n: float) -> str:
    """The warning for a comparison with no data in one arm or both."""
    if control_n == 0 and pilot_n == 0:
        return EMPTY_ARM_BOTH
    return EMPTY_ARM_CONTROL if control_n == 0 else EMPTY_ARM_PILOT
