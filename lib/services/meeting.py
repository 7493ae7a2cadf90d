"""The review meeting: which pilots need a decision today, and the decision log with its filters.

A pilot joins the queue when its numbers call it (scale, iterate or abort),
when its planned end has passed, or when the check-in date set at its last
decision has come. The queue and Home's "ready for a decision" use the same rule.
The decision log is built here once, for Review's table and every CSV download of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlmodel import Session, col, select

from lib.decide import PilotEvaluation
from lib.decide.frozen import frozen_money
from lib.formatting import fmt_date
from lib.infra.models import Decision, Goal, Pilot
from lib.services.decisions import DecisionRow, replaced
from lib.services.headline import Headline, headline
from lib.services.portfolio import Portfolio, PortfolioRow, overview
from lib.vocabulary import OUTCOME_LABELS, recommendation_label

#: the decision log's columns, on Review and in every download of it
LOG_COLUMNS = (
    "Decided",
    "Pilot",
    "Decision",
    "By",
    "Rationale",
    "Recommended then",
    "Against it because",
    "Check-in",
    "Decision rules",
    "Replaces",
)
#: what a decision frozen before the rules were versioned was judged by
UNVERSIONED_RULES = "before 2026.11"


@dataclass(frozen=True)
class QueueItem:
    row: PortfolioRow
    why: str  # "the numbers call it", "ended on 3 Nov 2026", "check-in due since 20 Nov 2026"

    @property
    def headline(self) -> Headline:
        """What the card leads with: the pilot page's and the CLI's headline, so an ended pilot awaits a decision."""
        return self.row.headline


@dataclass(frozen=True)
class LogFilter:
    goal_ids: tuple[int, ...] = ()
    teams: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    pilot_id: int | None = None  # one pilot's decisions (its download)


@dataclass(frozen=True)
class DecisionLog:
    rows: list[DecisionRow]
    teams: list[str] = field(default_factory=list)  # what the filters can offer
    goals: dict[int, str] = field(default_factory=dict)
    #: each decision's id -> the decision of the same pilot it replaced (filters do not hide it)
    replaced: dict[int, Decision] = field(default_factory=dict)


def queue(session: Session, today: date | None = None, portfolio: Portfolio | None = None) -> list[QueueItem]:
    """``portfolio``: the overview a page already holds, so it is not read again."""
    rows = (portfolio or overview(session, today)).rows
    return [QueueItem(row, row.why_due) for row in rows if row.why_due]


def chosen_headline(
    pilot: Pilot, evaluation: PilotEvaluation, earlier: list[DecisionRow], today: date | None = None
) -> Headline:
    """The headline of the pilot under review (``earlier``: its decisions, newest first), by the one rule
    the pilot page and ``lib.cli evaluate`` use: a decided pilot leads with its decision."""
    return headline(pilot, evaluation, decision=earlier[0].decision if earlier else None, today=today)


def decision_log(session: Session, f: LogFilter = LogFilter()) -> DecisionLog:
    """Newest first, filtered in SQL so a long history stays quick."""
    stmt = select(Decision, Pilot.name).join(Pilot, col(Pilot.id) == Decision.pilot_id)
    if f.pilot_id is not None:
        stmt = stmt.where(Decision.pilot_id == f.pilot_id)
    if f.goal_ids:
        stmt = stmt.where(col(Pilot.goal_id).in_(f.goal_ids))
    if f.teams:
        stmt = stmt.where(col(Pilot.team).in_(f.teams))
    if f.outcomes:
        stmt = stmt.where(col(Decision.outcome).in_(f.outcomes))
    rows = [
        DecisionRow(d, name)
        for d, name in session.exec(stmt.order_by(col(Decision.decided_at).desc(), col(Decision.id).desc()))
        if (f.since is None or d.decided_at.date() >= f.since) and (f.until is None or d.decided_at.date() <= f.until)
    ]
    teams = sorted({t for t in session.exec(select(Pilot.team).distinct()) if t})
    goals = {g.id or 0: g.name for g in session.exec(select(Goal).order_by(col(Goal.id)))}
    pilot_ids = {r.decision.pilot_id for r in rows}
    every = session.exec(
        select(Decision)
        .where(col(Decision.pilot_id).in_(pilot_ids))
        .order_by(col(Decision.decided_at).desc(), col(Decision.id).desc())
    )
    return DecisionLog(rows, teams, goals, replaced([DecisionRow(d, "") for d in every]))


@dataclass(frozen=True)
class FrozenNumbers:
    """What a decision froze, in words: each criterion's sentence, when, and which decision rules judged it."""

    sentences: list[str]
    frozen_at: str  # "3 Dec 2026, 15:00 UTC", or "—" when the snapshot does not say
    rules: str
    money: tuple[str, ...] = ()  # "Does it pay?" as read when decided (none in snapshots frozen before it was kept)


def frozen_numbers(row: DecisionRow) -> FrozenNumbers:
    snap = row.snapshot
    evaluation = snap.get("evaluation", {})
    at = snap.get("frozen_at")
    when = datetime.fromisoformat(at).strftime("%d %b %Y, %H:%M UTC") if at else "—"
    rules = snap.get("method_version") or evaluation.get("method_version") or UNVERSIONED_RULES
    sentences = [c.get("sentence", "") for c in evaluation.get("verdicts", [])]
    return FrozenNumbers(sentences, when, rules, tuple(frozen_money(snap)))


def replaced_text(d: Decision | None) -> str:
    """The decision a later one replaced, in a few words: "Scale it (Lea Novak, 4 Oct 2026)"."""
    if d is None:
        return "—"
    return f"{OUTCOME_LABELS.get(d.outcome, d.outcome)} ({d.decided_by}, {fmt_date(d.decided_at.date())})"


def log_label(row: DecisionRow) -> str:
    """One decision in a picker: "3 Dec 2026 · Spring newsletter · Scale it"."""
    d = row.decision
    return f"{fmt_date(d.decided_at.date())} · {row.pilot_name} · {OUTCOME_LABELS.get(d.outcome, d.outcome)}"


def log_table(log: DecisionLog) -> pd.DataFrame:
    """The decision log as people read it: Review's table and the CSV downloads (:data:`LOG_COLUMNS`)."""
    return pd.DataFrame(
        [
            (
                r.decision.decided_at.date(),
                r.pilot_name,
                OUTCOME_LABELS.get(r.decision.outcome, r.decision.outcome),
                r.decision.decided_by,
                r.decision.rationale,
                recommendation_label(r.decision.recommendation) if r.decision.recommendation else "—",
                r.decision.override_reason or "—",
                r.decision.next_check_in,
                frozen_numbers(r).rules,
                replaced_text(log.replaced.get(r.decision.id or 0)),
            )
            for r in log.rows
        ],
        columns=list(LOG_COLUMNS),
    )
