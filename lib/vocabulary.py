"""Every allowed value, and the words people see for it, in one place.

The tables, the input rules, the CLI's ``choices`` and the pages all read
these, so adding a channel or rewording a label is one edit. A value is what
is stored; a label is what people read. Order matters: forms and ``--help``
list values in the order given here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, get_args

# ------------------------------------------------------------------ goals

GoalLevel = Literal["company", "marketing", "team"]
#: top to bottom: a goal sits under a goal of a higher level
GOAL_LEVELS: tuple[str, ...] = get_args(GoalLevel)
GOAL_LEVEL_LABELS: dict[str, str] = {"company": "Company", "marketing": "Marketing", "team": "Team"}

# ------------------------------------------------------------------ pilots

Design = Literal["ab", "before_after", "target", "market"]
DESIGNS: tuple[str, ...] = get_args(Design)
DESIGN_LABELS: dict[str, str] = {
    "ab": "A/B (control vs pilot)",
    "before_after": "Before/after",
    "target": "Against a target",
    "market": "Market test (synthetic control)",
}

CONTROL_ARM = "control"
PILOT_ARM = "pilot"
#: arms a pilot gets when none are given: only an A/B pilot has a control arm
DEFAULT_ARMS: dict[str, str] = {"ab": f"{CONTROL_ARM},{PILOT_ARM}", "before_after": PILOT_ARM, "target": PILOT_ARM}
#: a market test's arms follow from its plan: its test markets are the pilot arm, every other market the control
DEFAULT_ARMS["market"] = f"{CONTROL_ARM},{PILOT_ARM}"
#: designs whose two arms are a control and a pilot (the others have the pilot arm only)
TWO_ARM_DESIGNS: tuple[str, ...] = ("ab", "market")

PilotStatus = Literal["idea", "planned", "running", "decided"]
PILOT_STATUSES: tuple[str, ...] = get_args(PilotStatus)
PILOT_STATUS_LABELS: dict[str, str] = {"idea": "Idea", "planned": "Planned", "running": "Running", "decided": "Decided"}
#: a pilot in one of these has started: its criteria are locked and it gets verdicts
STARTED_STATUSES: tuple[str, ...] = ("running", "decided")

CHANNELS: tuple[str, ...] = ("email", "social", "paid", "web", "events", "other")
CHANNEL_LABELS: dict[str, str] = {
    "email": "Email",
    "social": "Social",
    "paid": "Paid",
    "web": "Web",
    "events": "Events",
    "other": "Other",
}
#: who a rate is counted over, by channel: "on 412 contacts", "on 3,201 visitors"
CHANNEL_UNITS: dict[str, str] = {
    "email": "contacts",
    "paid": "clicks",
    "social": "visitors",
    "web": "visitors",
    "events": "invitees",
    "other": "people",
}

#: MoSCoW, most important first
PRIORITIES: tuple[str, ...] = ("must", "should", "could", "wont")
PRIORITY_LABELS: dict[str, str] = {
    "must": "Must have",
    "should": "Should have",
    "could": "Could have",
    "wont": "Won't have",
}

# ------------------------------------------------------------------ criteria

MetricKind = Literal["proportion", "mean", "count"]
METRIC_KINDS: tuple[str, ...] = get_args(MetricKind)
METRIC_KIND_LABELS: dict[str, str] = {
    "proportion": "Rate (conversions / exposures)",
    "mean": "Average per unit (e.g. order value)",
    "count": "Daily count or amount",
}

Role = Literal["primary", "secondary", "guardrail"]
#: also the order criteria are shown in: what decides first
ROLES: tuple[str, ...] = get_args(Role)
ROLE_LABELS: dict[str, str] = {"primary": "Primary", "secondary": "Secondary", "guardrail": "Guardrail"}
ROLE_HELP: dict[str, str] = {
    "primary": "Decides scale or abort.",
    "secondary": "Nice to move; informs iterate.",
    "guardrail": "Must not get worse, e.g. unsubscribes or cost per click.",
}
#: how a guardrail is judged, in the words the pilot form shows when one is written (lib.decide.rules does this):
#: it stops the pilot only once harm beyond its tolerance is shown; it need not be shown safe for "scale"
GUARDRAIL_RULE_SHORT = "stops the pilot only on harm"
GUARDRAIL_RULE = (
    "Rule: stop only on harm. The pilot is stopped when the data show this metric worse than the tolerance, "
    "at the confidence chosen. It does not have to be shown safe for the pilot to scale, so Review warns "
    "before scaling while it has not been."
)
ROLE_HELP["guardrail"] += " " + GUARDRAIL_RULE

Direction = Literal["increase", "decrease"]
DIRECTIONS: tuple[str, ...] = get_args(Direction)

Comparison = Literal["vs_control", "vs_baseline", "vs_target", "vs_synthetic"]
COMPARISONS: tuple[str, ...] = get_args(Comparison)
COMPARISON_LABELS: dict[str, str] = {
    "vs_control": "a control arm (A/B)",
    "vs_baseline": "the baseline period (before/after)",
    "vs_target": "a fixed target",
    "vs_synthetic": "a synthetic control of untreated markets",
}
#: each design compares one way only
DESIGN_COMPARISON: dict[str, str] = {
    "ab": "vs_control",
    "before_after": "vs_baseline",
    "target": "vs_target",
    "market": "vs_synthetic",
}
#: how a market test is named wherever its verdict is read: an experiment's stand-in, not a before/after
MARKET_TEST_WORDS = "a market test against a synthetic control of untreated markets"

ThresholdType = Literal["absolute", "relative", "cost_per_extra", "return_on_spend"]
THRESHOLD_TYPES: tuple[str, ...] = get_args(ThresholdType)
#: the money criteria: judged A/B (vs_control) on the outcome metric together with the spend logged
#: (:data:`SPEND_METRIC`); "cost_per_extra" passes when each extra outcome costs at most the threshold,
#: "return_on_spend" when the extra revenue per unit of extra spend is at least it (the outcome is money)
MONEY_THRESHOLD_TYPES: tuple[str, ...] = ("cost_per_extra", "return_on_spend")
THRESHOLD_TYPE_LABELS: dict[str, str] = {
    "absolute": "absolute difference",
    "relative": "relative lift",
    "cost_per_extra": "cost per extra <outcome> at most X",
    "return_on_spend": "return on spend at least R",
}
#: the money criteria in words, with the outcome named: "Cost per extra lead at most X"
MONEY_THRESHOLD_TEMPLATES: dict[str, str] = {
    "cost_per_extra": "Cost per extra {outcome} at most {threshold}",
    "return_on_spend": "Return on spend at least {threshold}",
}
#: the metric the spend is logged under, per day and arm (``total`` = money spent, ``n`` = units behind it)
SPEND_METRIC = "spend"


def is_money_threshold(threshold_type: str) -> bool:
    """Whether a criterion is a money criterion (cost per extra outcome, return on spend)."""
    return threshold_type in MONEY_THRESHOLD_TYPES


#: short words kept in capitals in a metric's label, however they were typed ("nps" reads "NPS")
ACRONYMS: frozenset[str] = frozenset(
    {"aov", "arpu", "cac", "cpa", "cpc", "cpl", "cpm", "ctr", "kpi", "ltv", "mql", "nps", "roas", "roi", "seo", "sms"}
)


@lru_cache(maxsize=4096)  # pure, and asked for every criterion of every pilot on every evaluation
def metric_label(metric: str, *, in_sentence: bool = False) -> str:
    """A metric's name as people read it, the same on every page, chart, report and sentence.

    Underscores become spaces and the first letter a capital ("reply_rate" → "Reply rate"); every
    other letter stays as typed, and the words in :data:`ACRONYMS` are capitals ("nps_score" →
    "NPS score", "CTR" stays "CTR"). ``in_sentence``: mid-sentence, the first word keeps its
    lower case unless it is an acronym ("on reply rate", "on NPS").
    """
    words = [w.upper() if w.casefold() in ACRONYMS else w for w in metric.replace("_", " ").split()]
    if not words:
        return metric
    first = words[0]
    if first.isupper() and len(first) > 1:  # an acronym, or typed in capitals: as it is
        return " ".join(words)
    words[0] = first[:1].lower() + first[1:] if in_sentence else first[:1].upper() + first[1:]
    return " ".join(words)


#: what a rate is counted over, by channel, when the team named nothing: an email's rate is per email sent
CHANNEL_DENOMINATORS: dict[str, str] = {
    "email": "Sent",
    "paid": "Clicks",
    "social": "Visitors",
    "web": "Visitors",
    "events": "Invitees",
    "other": "Exposures",
}
#: what an average is over, and what is counted, when nothing names them
DEFAULT_COUNT_NAMES: dict[str, tuple[str, str]] = {
    "proportion": ("Exposures", "Conversions"),
    "mean": ("Units", "Average"),
    "count": ("", "Value"),
}


def _plural(word: str) -> str:
    """ "reply" → "replies", "unsubscribe" → "unsubscribes", "box" → "boxes"; a plural stays as it is."""
    low = word.casefold()
    if low.endswith("s") and not low.endswith(("ss", "us")):
        return word
    if low.endswith("y") and len(low) > 1 and low[-2] not in "aeiou":
        return word[:-1] + "ies"
    if low.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def count_names(
    metric: str, kind: str, channel: str = "other", denominator: str | None = None, numerator: str | None = None
) -> tuple[str, str]:
    """A metric's two counts as people name them: (what it is counted over, what is counted).

    Named by the team when they gave names; else from the metric and the pilot's channel: an email
    pilot's "reply_rate" is counted as "Replies" over "Sent", its "unsubscribe_rate" as "Unsubscribes"
    over "Sent". A rate whose name does not say what it counts keeps "Conversions". An average is of
    "Average" over "Units", and a daily figure is the metric itself ("Qualified leads").
    """
    base_den, base_num = DEFAULT_COUNT_NAMES.get(kind, DEFAULT_COUNT_NAMES["count"])
    den = denominator or (CHANNEL_DENOMINATORS.get(channel, base_den) if kind == "proportion" else base_den)
    if numerator:
        return den, numerator
    if kind == "count":
        return den, metric_label(metric)
    if kind == "proportion":
        words = metric.replace("_", " ").replace("-", " ").split()
        if len(words) >= 2 and words[-1].casefold() in ("rate", "ratio", "share", "pct", "percent"):
            stem = words[:-1]
            if stem[-1].casefold() not in ACRONYMS and stem[-1].isalpha():
                return den, metric_label(" ".join([*stem[:-1], _plural(stem[-1])]))
    return den, base_num


def _singular(word: str) -> str:
    """ "replies" → "reply", "leads" → "lead", "sign-ups" → "sign-up"; "business" stays."""
    low = word.casefold()
    if low.endswith("ies") and len(low) > 3:
        return word[:-3] + "y"
    if low.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if low.endswith("s") and not low.endswith(("ss", "us")):
        return word[:-1]
    return word


def _mid_sentence(words: str) -> str:
    """A name inside a sentence: its first letter small, unless the first word is an acronym ("MQLs")."""
    first = words.split(" ", 1)[0]
    if len(first) > 1 and first[1:2].isupper():
        return words
    return words[:1].lower() + words[1:]


def outcome_nouns(
    metric: str, kind: str, numerator: str | None = None, *, money: bool = False, channel: str = "other"
) -> tuple[str, str]:
    """What one extra outcome of a metric is called, and several: ("reply", "replies").

    One noun per pilot, used by the verdict, the money sentence, the projection and the designer alike:
    the criterion's numerator name (:func:`count_names`: named by the team, or read from a rate's name,
    "reply_rate" → replies; a rate whose name says nothing counts conversions; a daily count is its metric),
    an average's metric, and revenue when the outcome is money.
    """
    if money:
        return "revenue", "revenue"
    if kind == "mean" and not numerator:
        many = metric_label(metric, in_sentence=True)
    else:
        many = _mid_sentence(count_names(metric, kind, channel, None, numerator)[1])
    many = many.strip() or "outcomes"
    last = many.rsplit(" ", 1)
    one = " ".join([*last[:-1], _singular(last[-1])])
    return one, " ".join([*last[:-1], _plural(_singular(last[-1]))]) if one != many else many


# ------------------------------------------------------------------ results and imports

#: where a stored value came from (checked again when a backup is restored)
RESULT_SOURCES: tuple[str, ...] = ("manual", "file", "cli", "demo")
#: what a read-only link shows
SHARE_SCOPES: tuple[str, ...] = ("pilot", "goal")

#: a unit's value when stores or markets are split between the arms: its mean per row or period, or its total
UNIT_SUMMARIES: tuple[str, ...] = ("mean", "total")
UNIT_SUMMARY_LABELS: dict[str, str] = {
    "mean": "Its mean per row or period",
    "total": "Its total for the pilot",
}

#: aggregated: one row per day and arm; events: one row per person or order
IMPORT_LAYOUTS: tuple[str, ...] = ("aggregated", "events")

# ------------------------------------------------------------------ verdicts and decisions

Recommendation = Literal["scale", "iterate", "keep_running", "abort"]
RECOMMENDATIONS: tuple[str, ...] = get_args(Recommendation)
RECOMMENDATION_LABELS: dict[str, str] = {
    "scale": "Scale",
    "iterate": "Iterate",
    "keep_running": "Keep running",
    "abort": "Abort",
}


def recommendation_label(recommendation: str) -> str:
    """ "Keep running"; a recommendation this version does not know reads as its words."""
    return RECOMMENDATION_LABELS.get(recommendation, recommendation.replace("_", " ").capitalize())


VerdictStatus = Literal["met", "missed", "harmed", "safe", "too_early", "inconclusive", "futile"]
VERDICT_STATUSES: tuple[str, ...] = get_args(VerdictStatus)
VERDICT_STATUS_LABELS: dict[str, str] = {
    "met": "Met",
    "missed": "Missed",
    "harmed": "Guardrail breached",
    "safe": "No harm shown",
    "too_early": "Too early",
    "inconclusive": "Inconclusive",
    "futile": "Cannot reach it",
}


def verdict_status_label(status: str) -> str:
    """ "No harm shown", "Cannot reach it"; a status this version does not know reads as its words."""
    return VERDICT_STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


#: what the review meeting decides; "extend" keeps the pilot running
Outcome = Literal["scale", "iterate", "abort", "extend"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
OUTCOME_LABELS: dict[str, str] = {
    "scale": "Scale it",
    "iterate": "Iterate (change and re-test)",
    "abort": "Abort",
    "extend": "Extend (keep running)",
}


def outcome_follows(outcome: str, recommendation: str) -> bool:
    """Whether a decision follows the numbers: "extend" is how a meeting follows "keep running"."""
    return outcome == {"keep_running": "extend"}.get(recommendation, recommendation)


#: what a decision did, looking back (the learnings library)
OUTCOME_DONE_LABELS: dict[str, str] = {
    "scale": "Scaled",
    "iterate": "Iterated",
    "abort": "Aborted",
    "extend": "Extended",
}

# ------------------------------------------------------------------ who may do what

AccessRole = Literal["editor", "viewer", "local", "share"]
ACCESS_ROLES: tuple[str, ...] = get_args(AccessRole)
WRITER_ROLES: frozenset[str] = frozenset({"editor", "local"})
ACCESS_ROLE_LABELS: dict[str, str] = {
    "editor": "Editor",
    "viewer": "Viewer (read only)",
    "local": "Local mode",
    "share": "Shared link",
}
SHARE_LINK_STATUS_LABELS: dict[str, str] = {"active": "Active", "expired": "Expired", "revoked": "Revoked"}
