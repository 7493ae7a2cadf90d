"""Every sentence the decision engine says, and the templates behind them.

Numbers arrive raw and are formatted here with :mod:`lib.formatting`, so the
review meeting reads the same words on every page, in the CLI and in exports.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from lib import formatting as fmt
from lib.decide.verdicts import CriterionVerdict, Pace
from lib.specs import CriterionSpec
from lib.vocabulary import outcome_nouns

#: bumped when a sentence changes, so evaluations kept in the database are computed again (2: unequal arms named;
#: 3: metric names from lib.vocabulary.metric_label, acronyms such as NPS in capitals and hyphens kept;
#: 4: guardrails say what the stop-only-on-harm rule says, "shown safe" only when shown; thresholds as typed)
WORDING_VERSION = 4

# --- degenerate but possible data ------------------------------------------
NO_CONVERSIONS_BOTH = "No conversions yet in either arm, so there is nothing to compare yet."
EMPTY_ARM_BOTH = "No data yet in either arm."
EMPTY_ARM_CONTROL = "No data yet for control."
EMPTY_ARM_PILOT = "No data yet for the pilot."
TOO_FEW_UNITS = "Fewer than two data points in an arm: too early to measure the spread."
NO_VARIATION = "Every value is the same in both arms, so the uncertainty cannot be estimated."
NO_VARIATION_ONE = "Every value is the same so far, so the uncertainty cannot be estimated."
ZERO_VARIANCE_ARM = (
    "One arm shows no variation at all (every value the same), so no verdict is built from the other arm alone; "
    "check that arm's data."
)
NEGATIVE_COUNTS = "{name} cannot be negative."
MORE_CONVERSIONS = "{name} ({conversions:g}) cannot be larger than the people counted ({visitors:g})."
MEAN_WITHOUT_SQUARES = "Some days lack a sum of squares, so days were used as units for {label} (less precise)."
SHORT_PERIODS = "Less than a week in a period: weekday swings can dominate the comparison."
ADJUSTED_TOO_FEW_DAYS = "Too few days to model trend and weekday effects yet (at least three in each period)."
OBSERVATIONAL = (
    "Before/after is not an experiment: anything else that changed between the two periods (season, prices, "
    "other campaigns) can be mixed into the step. Trend, weekdays and day-to-day carry-over are modelled, "
    "and the step must stand out among fake start dates in the baseline."
)
NO_PILOT_DATES = "The pilot has no start date, so baseline and pilot days cannot be told apart."
NO_CRITERION_DATA = "No results logged for this metric yet."
UNKNOWN_DESIGN = "Unknown pilot design {design!r}; expected ab, before_after or target."
COMPARISON_DESIGN_MISMATCH = (
    "{label} is set to compare {comparison} but the pilot design is {design}; "
    "it is evaluated the way the design implies."
)
NO_PLAN = (
    "No planned sample: an always-valid interval is used (wider, and no futility stop). "
    "Plan the pilot in the designer for a sharper verdict."
)
FIXED_SAMPLE = "Judged as a single look at the end (sequential=False): not valid if you look every day."

UNITS_DEFAULT = {"proportion": "visitors", "mean": "observations", "count": "days"}
UNITS_DAYS = "days"

# --- money criteria (lib.decide.money) ---------------------------------------------
NO_SPEND = "No spend logged yet for either arm, so there is nothing to weigh the extra outcome against."
MONEY_NEEDS_CONTROL = (
    "What {label} cost per extra outcome needs a control arm to compare with; "
    "it is judged as if the first arm were control."
)
RETURN_NEEDS_MONEY = (
    "a return on spend needs an outcome in money (revenue per visitor, revenue per day); {label} is a rate: "
    "judge it by its cost per extra conversion instead"
)
SENTENCE_COST = "{label}: {value} ({bounds}), {extra} {spend} on {sample}: {confidence} — {tail}."
SENTENCE_RETURN = (
    "{label}: return on spend {value} ({bounds}), {extra} extra {spend} on {sample}: {confidence} — {tail}."
)
SENTENCE_NO_SPEND = "{label}: no spend logged yet, so nothing to weigh."
MONEY_UNDEFINED_COST = "no cost figure yet (no extra outcome so far)"
MONEY_UNDEFINED_RETURN = "no return figure yet (no extra spend so far)"
CONF_COST = "{confidence} confidence each extra {noun} costs at most {threshold} ({needed} needed)"
CONF_RETURN = "{confidence} confidence the return is at least {threshold} ({needed} needed)"
#: a price and what was paid, in words: a pilot that costs less and brings more saves money on each extra outcome
PRICE_COST = "{cost} per extra {noun}"
PRICE_SAVES = "saves {cost} per extra {noun}"
PAID_MORE = "for {spend} of extra spend"
PAID_LESS = "while spending {spend} less"
#: an interval end below zero, in words ("from saving €12 to costing €3 each")
PRICE_SAVING = "saving {range} each"
PRICE_EITHER = "from saving {saving} to costing {costing} each"
#: an interval open at both ends: why, in words
CANNOT_BOUND_COST = "the data cannot bound it yet: the extra {outcomes} could be zero or negative"
CANNOT_BOUND_RETURN = "the data cannot bound it yet: the extra spend could be zero or negative"

#: what spend bought, read without a criterion (the pilot page, Review and the report lead with it)
SPEND_COST = "{price} ({bounds}): {extra} {spend}"
SPEND_SAVES = "Costs less and brings more: {price} ({bounds}), {extra} {spend}"
SPEND_RETURN = "Return on spend {ratio} ({bounds}): {extra} extra {spend}"
SPEND_NO_EXTRA = "No extra {outcomes} so far ({extra}) {spend}: no cost per extra {outcome} yet"
#: the pilot arm surely got fewer outcomes than control's rate gives: said as fewer, not as "−54 extra"
SPEND_FEWER = (
    "Fewer {outcomes}, not more: {fewer} fewer ({level}: {range} fewer) {spend}, so no cost per extra {outcome}"
)
SPEND_TOTAL = "{total} spent so far"
SPEND_WHY_COST = ", since the extra {outcomes} could be zero"
SPEND_WHY_RETURN = ", since the extra spend could be zero"
SCALING = (
    "Scaled to {audience} ({units_per_month} {units} a month): about {extra} extra {outcomes} a month ({range}) "
    "{spend} ({cost}). A projection from the pilot, not a measurement"
)
SCALING_COSTS = "for {spend}"
SCALING_SAVES = "while spending {spend} less"

# --- verdict sentences -------------------------------------------------------
SENTENCE_TARGET = "{label} {value} ({bounds}) on {n} {units}, {side} the {target} target: {confidence} — {tail}."
SENTENCE_AB = (
    "{label} {pilot} in the pilot vs {control} in control ({effect}, {bounds}) on {sample}: {confidence} — {tail}."
)
SENTENCE_PERIODS = (
    "{label} {pilot} in the pilot period vs {control} in the baseline; adjusted for trend and weekday the step is "
    "{effect} ({bounds}) over {n} pilot days: {confidence} — {tail}."
)
SAMPLE_PER_ARM = "{n} {units} per arm"
SAMPLE_EACH_ARM = "{control} ({control_arm}) and {pilot} ({pilot_arm}) {units}"
SENTENCE_NO_DATA = "{label}: no results logged yet."
SENTENCE_ERROR = "{label} could not be evaluated: {error}"
BOUNDS = "{level} bounds {ci}"

SIDE = {1: "above", -1: "below", 0: "right at"}
BETTER = {"increase": "higher", "decrease": "lower"}
LIFT_WORD = {"increase": "lift", "decrease": "drop"}
CONF_BEATS = "{confidence} confidence the pilot is {better}{by} ({needed} needed)"
CONF_TARGET = "{confidence} confidence it beats the target ({needed} needed)"
CONF_SAFE = "{confidence} confidence it is no worse than {tolerance} ({needed} needed)"
CONF_UNKNOWN = "not enough data to judge yet"

TAIL = {
    "met": "criterion met",
    "missed": "criterion missed",
    "harmed": "guardrail breached: harm beyond the tolerance is shown",
    "safe": "shown safe: the guardrail holds",
    "no_harm_at_end": (
        "not shown safe by the planned sample, and no harm shown either: it does not stop the pilot "
        "(a guardrail stops it only on harm), but it is not proven safe"
    ),
    "no_harm_yet": "not shown safe yet, and no harm shown so far",
    "inconclusive": "still not clear at the planned sample",
    "too_early": "not enough to call yet",
    "first_week": "no call before a full week of pilot days",
    "unbounded": "not called: the control rate is too close to zero to say how big the lift is",
    "no_evidence": "not enough to call yet",
}
#: today's estimate is already past the tolerance, but not clearly enough to stop the pilot
TAIL_LEANING_HARM = "the estimate is worse than the tolerance, though not clearly enough yet to stop the pilot"
TAIL_MORE = "not enough to call yet; about {more} more {units}{per_arm} to the end of the plan"
TAIL_MORE_IF_HOLDS = "not enough to call yet; about {more} more {units}{per_arm} needed if today's estimate holds"
TAIL_FUTILE = "it can no longer reach the threshold: the data rule out the {expected} the plan expected"
TAIL_PLACEBO = "not called: {as_large} of {count} fake start dates in the baseline showed a jump as large"
PLACEBO_NOTE = "Of {count} fake start dates in the baseline, {as_large} showed a jump this large."

# --- before "scale": a guardrail not shown safe --------------------------------
SCALE_WARNING = (
    "Before you scale: {clauses}. A guardrail stops the pilot only on harm, so scaling is allowed, "
    "but the risk goes with the decision."
)
SCALE_WARNING_HARM = "{label} shows harm beyond the {tolerance} tolerated"
SCALE_WARNING_UNPROVEN = (
    "{label} is not shown safe ({confidence} confidence it stays within the {tolerance} tolerated; {needed} needed)"
)


def guardrail_tail(reason: str, past_tolerance: bool) -> str:
    """What a guardrail's verdict says, by the stop-only-on-harm rule: "shown safe" only when it was.

    ``past_tolerance``: today's estimate is worse than the tolerance (whatever the confidence says: early
    on, a sequential confidence is low even for an estimate well inside it).
    """
    if reason == "no_harm_yet" and past_tolerance:
        return TAIL_LEANING_HARM
    return TAIL.get(reason, TAIL["too_early"])


def scale_warning(verdicts: Sequence[CriterionVerdict], currency: str = "") -> str | None:
    """Review's warning before "scale": every guardrail not shown safe, with how sure the data are; None when all are.

    ``currency``: the symbol a money guardrail's price is written with ("the €60 per extra conversion tolerated").
    """
    clauses = []
    for v in verdicts:
        if v.role != "guardrail" or v.reason == "safe":
            continue
        relative = v.threshold_type == "relative" and v.comparison != "vs_target"
        tolerance = fmt.threshold(v.kind, relative, v.threshold, level=v.comparison == "vs_target")
        if v.threshold_type == "cost_per_extra":
            noun = v.outcome_noun or outcome_nouns(v.metric, v.kind)[0]
            tolerance = f"{fmt.money(v.threshold, currency, None)} per extra {noun}"
        elif v.threshold_type == "return_on_spend":
            tolerance = f"return of {fmt.multiple(v.threshold)}"
        if v.status == "harmed":
            clauses.append(SCALE_WARNING_HARM.format(label=v.label, tolerance=tolerance))
        else:
            clauses.append(
                SCALE_WARNING_UNPROVEN.format(
                    label=v.label,
                    confidence=fmt.confidence(v.confidence) if v.confidence is not None else "no",
                    tolerance=tolerance,
                    needed=fmt.level(v.required_confidence),
                )
            )
    return SCALE_WARNING.format(clauses="; ".join(clauses)) if clauses else None


# --- recommendation reasons ----------------------------------------------------
REASON = {
    "no_data": (
        "No results logged yet. Log daily results for each arm (and the baseline period for before/after "
        "pilots) and the verdict will appear here."
    ),
    "no_criteria": "No success criteria are set, so there is nothing to judge. Add criteria to the pilot.",
    "scale": "Every primary criterion is met and no guardrail shows harm: scale it.",
    "abort": "Abort and go back to the drawing board.",
    "keep_running": "Not enough data to call it yet.",
    "errors": "Some criteria could not be evaluated; fix them or the data.",
    "srm": (
        "The split between arms is off ({control} in control vs {pilot} in the pilot, {p}): check how people "
        "are assigned before trusting any of these numbers, fix it and rerun."
    ),
}
REASON_MET = "{label} is met ({confidence} confidence)."
REASON_HARMED = "Guardrail {label} got worse than tolerated: stop and look at why."
REASON_MISSED = "{label} falls short of its threshold."
REASON_FUTILE = "{label} can no longer reach its threshold: the data rule out the effect the plan expected."
REASON_PROGRESS = "{label}: {progress} of the planned sample."
REASON_MORE = "{label}: about {more} more {units}{per_arm} needed."
REASON_PACE = "{label}: {note}"
REASON_ITERATE = (
    "The planned sample is in but the result is mixed: {summary}. Rework the idea and run a new pilot "
    "rather than scaling it."
)
REASON_ITERATE_NOTHING_MET = "no primary criterion is clearly met"
REASON_NO_PRIMARY = "No primary criterion is set, so secondary criteria stand in for it."
REASON_ERROR = "{label} could not be evaluated ({error}); fix the criterion or the data."
REASON_SEQUENTIAL = (
    "Verdicts use sequential bounds, so they stay valid although you look every day: "
    "at most {alpha} chance of a wrong “met”."
)
REASON_CORRECTED = (
    "{k} criteria can each stop the pilot ({which}), so each needs stronger evidence for that "
    "(the error budget is split between them)."
)
REASON_OBSERVATIONAL = OBSERVATIONAL


def arm_sample(arm_n: tuple[float, float] | None, names: tuple[str, str], n: float, units: str) -> str:
    """ "172 observations per arm" when the arms are equal, else each arm's own count:
    "172 (control) and 188 (pilot) observations", "44,700 (gate_30, control) and 45,489 (gate_40, pilot) people"."""
    if arm_n is None:
        return SAMPLE_PER_ARM.format(n=fmt.number(n), units=units)
    control, pilot = fmt.number(arm_n[0]), fmt.number(arm_n[1])  # each arm written once, compared as written
    if control == pilot:
        same = control if n == arm_n[0] else pilot if n == arm_n[1] else fmt.number(n)
        return SAMPLE_PER_ARM.format(n=same, units=units)
    control_name, pilot_name = names
    control_arm = "control" if control_name == "control" else f"{control_name}, control"
    pilot_arm = "pilot" if pilot_name == "pilot" else f"{pilot_name}, pilot"
    return SAMPLE_EACH_ARM.format(
        control=control,
        pilot=pilot,
        control_arm=control_arm,
        pilot_arm=pilot_arm,
        units=units,
    )


def empty_arm(control_n: float, pilot_n: float) -> str:
    if control_n == 0 and pilot_n == 0:
        return EMPTY_ARM_BOTH
    return EMPTY_ARM_CONTROL if control_n == 0 else EMPTY_ARM_PILOT


PACE_SHORT = (
    "At today's pace it reaches about {projected} {units} per arm by {end}, short of the planned {plan}: "
    "extend the end date or widen the audience, or accept a less certain answer."
)
#: the smaller arm is the one counted, so "at least … in each arm" stays true when the arms differ
PACE_HELD = "It holds at least {n} of the planned {plan} {units} in each arm ({share}), and its end ({end}) has passed."
PACE_HELD_NONE = "It holds none of the planned {plan} {units} per arm, and its end ({end}) has passed."


def pace_note(pace: Pace, today: date | None, *, end: date | None = None) -> str | None:
    """The pace note, said once the reader's date is known; None when the plan is in by the end date at this pace.

    While the end date is ahead (``today`` None: the engine's own last day) it says where the pace falls
    short; once it has passed, what the pilot holds against its plan. ``end`` is the pilot's end date as
    it stands now, when it moved since the pace was measured (a decision's frozen pace read later).
    """
    if not pace.short or pace.projected is None or pace.plan is None or pace.end is None:
        return None
    end = end or pace.end
    if today is not None and end < today:
        return pace_held(pace.so_far, pace.plan, pace.units, end)
    return pace_short(pace.projected, pace.plan, pace.units, pace.end)


def pace_short(projected: float, plan: int, units: str, end: date) -> str:
    return PACE_SHORT.format(projected=fmt.about(projected), units=units, end=fmt.fmt_date(end), plan=fmt.number(plan))


def pace_held(n: float, plan: int, units: str, end: date) -> str:
    """What a pilot holds against its plan, for a pace note once the date it projected to has passed."""
    share = fmt.pct(n / plan if plan else None, 0)
    if n <= 0:
        return PACE_HELD_NONE.format(plan=fmt.number(plan), units=units, end=fmt.fmt_date(end))
    return PACE_HELD.format(n=fmt.number(n), plan=fmt.number(plan), units=units, share=share, end=fmt.fmt_date(end))


def value(kind: str, x: float | None) -> str:
    return fmt.effect(kind, "value", x)


def threshold_text(crit: CriterionSpec, *, as_target: bool = False) -> str:
    """The threshold as the criteria list writes it (:func:`lib.formatting.threshold`)."""
    relative = crit.threshold_type == "relative" and not as_target
    return _threshold_words(crit.kind, relative, crit.threshold, as_target)


@lru_cache(maxsize=1024)
def _threshold_words(kind: str, relative: bool, value: float, level: bool) -> str:
    """:func:`lib.formatting.threshold` kept per plain inputs: a criterion's threshold is written in its
    sentence on every look of every pilot, and a criterion keeps its threshold."""
    return fmt.threshold(kind, relative, value, level=level)


@lru_cache(maxsize=64)
def level_words(confidence_level: float) -> str:
    """:func:`lib.formatting.level` kept per level (a few levels, asked twice in every sentence)."""
    return fmt.level(confidence_level)


def expected_text(crit: CriterionSpec) -> str:
    if crit.expected is None:
        return ""
    if crit.comparison == "vs_target":
        return value(crit.kind, crit.expected)
    if crit.threshold_type == "relative":
        return f"{fmt.threshold(crit.kind, True, crit.expected)} {LIFT_WORD[crit.direction]}"
    return fmt.threshold(crit.kind, False, crit.expected)


def confidence_clause(crit: CriterionSpec, confidence: float | None) -> str:
    if confidence is None:
        return CONF_UNKNOWN
    conf, needed = fmt.confidence(confidence), level_words(crit.confidence)
    if crit.role == "guardrail":
        tolerance = "before" if crit.threshold == 0 else f"the {threshold_text(crit)} tolerated"
        if crit.comparison == "vs_target":
            tolerance = f"the {threshold_text(crit, as_target=True)} limit"
        return CONF_SAFE.format(confidence=conf, tolerance=tolerance, needed=needed)
    if crit.comparison == "vs_target":
        return CONF_TARGET.format(confidence=conf, needed=needed)
    by = ""
    if crit.threshold != 0:
        if crit.threshold_type == "relative":
            by = f" by a {LIFT_WORD[crit.direction]} of at least {threshold_text(crit)}"
        else:
            by = f" by at least {threshold_text(crit)}"
    return CONF_BEATS.format(confidence=conf, better=BETTER[crit.direction], by=by, needed=needed)


def p_value_tests(crit: CriterionSpec) -> str:
    """What the p-value is the probability of, in words (its side)."""
    if crit.role == "guardrail":
        return "that the guardrail is within its tolerance (one-sided, sequential)"
    if crit.comparison == "vs_target":
        side = "above" if crit.direction == "increase" else "below"
        return f"that the metric is {side} the target (one-sided, sequential)"
    return f"that the pilot is {BETTER[crit.direction]} by more than the threshold (one-sided, sequential)"
