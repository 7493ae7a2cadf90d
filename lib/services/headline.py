"""One headline per pilot: where it stands and what follows from it, in words that agree.

The engine judges numbers whatever the pilot's status; a planned pilot with data
logged would read "scale it" under a "not started" status. This module is the one
rule ``lib.cli evaluate`` and the pilot page both print: before the start nothing
is recommended, after the end the pilot awaits a decision, once decided the
decision leads and today's numbers follow it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from lib import formatting as fmt
from lib.decide import PilotEvaluation
from lib.decide.progress import past_end
from lib.infra.models import Decision, Pilot
from lib.services.decisions import follows, list_decisions, said
from lib.services.results import observations
from lib.vocabulary import OUTCOME_LABELS, RECOMMENDATION_LABELS, STARTED_STATUSES

NOT_STARTED = "not_started"
AWAITING_DECISION = "awaiting_decision"
NOTHING_LOGGED = "nothing_logged"
DECIDED = "decided"
WITHHELD = "withheld"


@dataclass(frozen=True)
class Logged:
    """What is logged for a pilot, for a pilot not started yet: values and the days they cover."""

    values: int = 0
    first_day: date | None = None
    last_day: date | None = None


@dataclass(frozen=True)
class Headline:
    """``code``: a recommendation, or not_started / awaiting_decision / decided (a decision's outcome
    is ``recommendation``, for the banner's colour). ``judged``: the criteria's verdicts count."""

    state: str  # "planned", "running", "ended — awaiting a decision", "decided", "idea"
    code: str
    title: str  # "Scale", "Not started", "Awaiting a decision", "Decided: abort"
    reasons: list[str] = field(default_factory=list)
    judged: bool = True
    recommendation: str = ""  # the colour: scale, iterate, abort or anything else (neutral)

    @property
    def is_recommendation(self) -> bool:
        """True when the title is the engine's own recommendation for a running pilot."""
        return self.code in RECOMMENDATION_LABELS

    @property
    def lead(self) -> str:
        """The banner's first words in Markdown, as the pilot page shows them: "Recommendation: **scale**",
        else the title itself ("**Awaiting a decision**", "**Decided: abort**")."""
        return f"Recommendation: **{self.title.lower()}**" if self.is_recommendation else f"**{self.title}**"


def has_ended(pilot: Pilot, today: date) -> bool:
    """A running pilot whose planned end has passed: it awaits a decision (the headline, Home, Review's queue)."""
    return pilot.status == "running" and pilot.end_date is not None and pilot.end_date < today


def state_of(pilot: Pilot, today: date) -> str:
    """Pilots past their end date read "ended — awaiting a decision", not "running"."""
    return "ended — awaiting a decision" if has_ended(pilot, today) else pilot.status


def why_ended(pilot: Pilot) -> str:
    """Why an ended pilot is in Review's queue: "ended on 3 Nov 2026, awaiting a decision"."""
    return f"ended on {fmt.fmt_date(pilot.end_date)}, awaiting a decision"


def decided_title(outcome: str) -> str:
    """ "Decided: scale it", from the decision's outcome."""
    label = OUTCOME_LABELS.get(outcome, outcome)
    return f"Decided: {label[:1].lower()}{label[1:]}"


def headline(
    pilot: Pilot,
    evaluation: PilotEvaluation | None,
    *,
    decision: Decision | None = None,
    logged: Logged = Logged(),
    today: date | None = None,
) -> Headline:
    """The headline and its reasons; ``evaluation`` may be None only for a pilot not started."""
    today = today or date.today()
    state = state_of(pilot, today)
    if pilot.status not in STARTED_STATUSES or evaluation is None:
        return Headline(state, NOT_STARTED, "Not started", [_not_started(pilot, logged)], judged=False)
    if pilot.status == "running" and not _anything_logged(evaluation):  # not "keep running" beside "— vs — (—)"
        empty = (
            # the report reads the same words: they name no page a stakeholder cannot open
            "Nothing is logged yet, so there is nothing to judge: the criteria judge the results from the first "
            "day that is logged."
        )
        return Headline(state, NOTHING_LOGGED, "Nothing logged yet", [empty], judged=False)
    evaluation = past_end(evaluation, pilot.end_date, today)  # no pace projected to a date gone by
    rec = evaluation.recommendation
    label = RECOMMENDATION_LABELS.get(rec, rec)
    if pilot.status == "decided":
        return _decided(pilot, state, decision, label)
    if rec == "keep_running" and any(k.code == "withheld" for k in evaluation.reason_keys):
        # a market test whose synthetic control did not track the test markets: no verdict to read
        return Headline(state, WITHHELD, "Verdict withheld", list(evaluation.reasons))
    if state != "running" and rec == "keep_running":  # the end passed and the numbers do not call it
        ended = (
            f"Its planned end ({fmt.fmt_date(pilot.end_date)}) has passed without a clear answer: extend it "
            "with a new end date, or decide with what there is."
        )
        return Headline(state, AWAITING_DECISION, "Awaiting a decision", [ended, *evaluation.reasons])
    return Headline(state, rec, label, list(evaluation.reasons), recommendation=rec)


def _anything_logged(evaluation: PilotEvaluation) -> bool:
    """Whether any criterion has a value to read (a pilot with no rows has none)."""
    return any(v.pilot_value is not None or v.control_value is not None for v in evaluation.verdicts)


def _not_started(pilot: Pilot, logged: Logged) -> str:
    status = "an idea" if pilot.status == "idea" else pilot.status
    go = "Set it to running when it goes live, and its criteria decide."
    if not logged.values:
        return f"It has not started (it is {status}), so there is nothing to judge yet. {go}"
    days = fmt.fmt_date(logged.first_day)
    if logged.last_day != logged.first_day:
        days += f" to {fmt.fmt_date(logged.last_day)}"
    if pilot.start_date and logged.first_day and logged.first_day < pilot.start_date:
        days += ", from before its start date"
    return (
        f"It has not started (it is {status}), so nothing is recommended yet: the {logged.values:,} value"
        f"{'s' if logged.values != 1 else ''} logged ({days}) are not judged until it runs. {go}"
    )


def _decided(pilot: Pilot, state: str, decision: Decision | None, label: str) -> Headline:
    if decision is None:
        return Headline(state, DECIDED, "Decided", [f"Marked decided, but no decision is recorded. {_now(label)}"])
    reasons = decision_lines(decision)
    same = RECOMMENDATION_LABELS.get(decision.outcome) == label
    reasons.append(f"Today's numbers still point to {label.lower()}." if same else _now(label))
    return Headline(state, DECIDED, decided_title(decision.outcome), reasons, recommendation=decision.outcome)


def decision_lines(decision: Decision) -> list[str]:
    """Who decided what, when and why; and, when it went against the numbers shown, why it did.

    The pilot page, the CLI and the stakeholder report all say a decision with these lines.
    """
    outcome = OUTCOME_LABELS.get(decision.outcome, decision.outcome)
    recorded = f"Decided on {fmt.fmt_date(decision.decided_at.date())} by {decision.decided_by or 'someone'}: {outcome}"
    rationale = decision.rationale.strip()
    lines = [recorded + (f" — “{rationale}”" if rationale else ".")]
    shown, override = decision.recommendation, (decision.override_reason or "").strip()
    if shown and not follows(decision.outcome, shown):
        why = f": “{override}”" if override else " (no reason was recorded)."
        lines.append(f"Against the recommendation to {said(shown)}{why}")
    return lines


def _now(label: str) -> str:
    return f"Today's numbers point to {label.lower()}; the recorded decision stands until the review revisits it."


def headline_for(
    session: Session, pilot: Pilot, evaluation: PilotEvaluation | None, today: date | None = None
) -> Headline:
    """:func:`headline` with the pilot's latest decision and what is logged, read from the database."""
    pid = pilot.id or 0
    decided = list_decisions(session, pid) if pilot.status == "decided" else []
    logged = Logged()
    if pilot.status not in STARTED_STATUSES:
        days = [o.day for o in observations(session, pid)]
        logged = Logged(len(days), min(days), max(days)) if days else Logged()
    return headline(pilot, evaluation, decision=decided[0].decision if decided else None, logged=logged, today=today)
