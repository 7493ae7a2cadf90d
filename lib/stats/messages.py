"""Every user-facing sentence of the stats layer and the decision engine.

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
DATES_BOTH_OR_NEITHER = "before_dates and after_dates must be given together."
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

# --- decision engine: verdict sentences -----------------------------------
CONFIDENCE_LABEL = "{level} CI"
SENTENCE_TARGET = "{label} {value} ({ci_label} {ci}) on {n} {units} is {side} the {target} target{confidence} — {tail}."
SENTENCE_AB = (
    "{label} {pilot} in the pilot vs {control} in control ({effect}, {ci_label} {ci}) on {n} {units}"
    " per arm: {confidence} — {tail}."
)
SENTENCE_PERIODS = (
    "{label} {pilot} in the pilot period vs {control} in the baseline ({effect}, {ci_label} {ci})"
    " over {n} pilot days{adjusted}: {confidence} — {tail}."
)
SENTENCE_NO_DATA = "{label}: no results logged yet."
SENTENCE_ERROR = "{label} could not be evaluated: {error}"
ADJUSTED_CLAUSE = "; adjusted for trend and weekday {effect} ({ci_label} {ci})"

SIDE_ABOVE = "above"
SIDE_BELOW = "below"
SIDE_AT = "right at"
CONF_WITH = " with {confidence} confidence"
CONF_AGAINST = " ({confidence} confidence it meets the target)"

CONF_BETTER = "{confidence} confidence the pilot is {better}"
CONF_BETTER_BY = "{confidence} confidence the pilot is {better} by at least {threshold}"
CONF_LIFT = "{confidence} confidence of a {lift_word} of at least {threshold}"
CONF_HARM_ANY = "{confidence} confidence it got {worse}"
CONF_HARM_BEYOND = "{confidence} confidence it got {worse} by more than the {threshold} tolerated"
CONF_UNKNOWN = "not enough data to judge yet"

BETTER = {"increase": "higher", "decrease": "lower"}
WORSE = {"increase": "worse (lower)", "decrease": "worse (higher)"}
LIFT_WORD = {"increase": "lift", "decrease": "drop"}

TAIL_MET = "criterion met"
TAIL_MISSED = "criterion missed"
TAIL_FUTILE = "it can no longer reach the threshold within the planned {plan}"
TAIL_FUTILE_NO_PLAN = "it can no longer reach the threshold"
TAIL_TOO_EARLY = "not enough to call yet"
TAIL_MORE_NEEDED = "not enough to call yet; about {more} more {units} needed"
TAIL_MORE_NEEDED_PER_ARM = "not enough to call yet; about {more} more {units} per arm needed"
TAIL_INCONCLUSIVE = "still not clear at the planned sample"
TAIL_HELD_BY_TREND = "not called: adjusted for trend and weekday it does not hold, so it may be a trend already under way"
TAIL_HARMED = "guardrail breached"
TAIL_SAFE = "guardrail holds"
TAIL_NO_HARM_YET = "no clear sign of harm so far"
TAIL_NO_HARM_FINAL = "no clear sign of harm at the planned sample"

UNITS_DEFAULT = {"proportion": "visitors", "mean": "observations", "count": "days"}
UNITS_DAYS = "days"

# --- decision engine: verdict warnings -------------------------------------
SEQUENTIAL_USED = (
    "Always-valid (sequential) intervals are used, so looking every day does not inflate false alarms; "
    "they are wider than fixed-sample intervals."
)
CORRECTED = "{k} primary criteria are judged together ({method} correction), so each needs stronger evidence."
CORRECTION_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg", "bonferroni": "Bonferroni", "none": "no"}
MEAN_WITHOUT_SQUARES = "Some days lack a sum of squares, so days were used as units for {label} (less precise)."
ADJUSTED_DIFFERS = (
    "Adjusted for trend and weekday, the shift tells a different story than the plain comparison; "
    "part of the difference may be a trend that was already under way, so it is not called until both agree."
)
PACE_SHORT = ("At today's pace it reaches about {projected} {units} per arm by {end}, short of the planned "
              "{plan}: extend the end date or widen the audience, or accept a less certain answer.")
NO_PILOT_DATES = "The pilot has no start date, so baseline and pilot days cannot be told apart."
NO_CRITERION_DATA = "No results logged for this metric yet."
UNKNOWN_DESIGN = "Unknown pilot design {design!r}; expected ab, before_after or target."
COMPARISON_DESIGN_MISMATCH = (
    "{label} is set to compare {comparison} but the pilot design is {design}; "
    "it is evaluated the way the design implies."
)

# --- decision engine: recommendation reasons -------------------------------
REASON_NO_DATA = (
    "No results logged yet. Log daily results for each arm (and the baseline period for before/after "
    "pilots) and the verdict will appear here."
)
REASON_SCALE = "Every primary criterion is met and no guardrail shows harm: scale it."
REASON_MET = "{label} is met ({confidence} confidence)."
REASON_HARMED = "Guardrail {label} got significantly worse than tolerated: stop and look at why."
REASON_MISSED = "{label} significantly misses its threshold."
REASON_FUTILE = (
    "{label} can no longer reach its threshold: even the optimistic end of its interval "
    "falls short at the planned sample."
)
REASON_ABORT = "Abort and go back to the drawing board."
REASON_KEEP_RUNNING = "Not enough data to call it yet."
REASON_PROGRESS = "{label}: {progress} of the planned sample."
REASON_MORE = "{label}: about {more} more {units} needed."
REASON_MORE_PER_ARM = "{label}: about {more} more {units} per arm needed."
REASON_ITERATE = (
    "The planned sample is in but the result is mixed: {summary}. Rework the idea and run a new pilot "
    "rather than scaling it."
)
REASON_ITERATE_NOTHING_MET = "no primary criterion is clearly met"
REASON_SRM = (
    "The split between arms is off ({control} in control vs {pilot} in the pilot, {p}): "
    "check how people are assigned before trusting any of these numbers, fix it and rerun."
)
REASON_NO_PRIMARY = "No primary criterion is set, so secondary criteria stand in for it."
REASON_NO_CRITERIA = "No success criteria are set, so there is nothing to judge. Add criteria to the pilot."
REASON_OBSERVATIONAL = OBSERVATIONAL
REASON_ERROR = "{label} could not be evaluated ({error}); fix the criterion or the data."


def empty_arm(control_n: float, pilot_n: float) -> str:
    """The warning for a comparison with no data in one arm or both."""
    if control_n == 0 and pilot_n == 0:
        return EMPTY_ARM_BOTH
    return EMPTY_ARM_CONTROL if control_n == 0 else EMPTY_ARM_PILOT
