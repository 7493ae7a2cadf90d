"""The portfolio at a glance: every pilot with its verdict, its latest decision and whether it waits for one.

The rule for "ready for a decision" lives here, not on a page, so Home, the
review queue and the CLI agree on which pilots the meeting must look at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from sqlmodel import Session, col, func, select

from lib.decide import PilotEvaluation
from lib.formatting import fmt_date
from lib.infra.models import PRIORITIES, AuditEvent, Decision, Pilot, ResultEntry
from lib.services.headline import Headline, has_ended, headline, why_ended
from lib.services.stored_evaluations import evaluate_all


@dataclass(frozen=True)
class PortfolioRow:
    """One pilot in the portfolio. What is derived from it is worked out once: pages share one portfolio per
    workspace version between every session and run, and at 2,000 pilots each pass over the rows cost
    milliseconds of a run."""

    pilot: Pilot
    evaluation: PilotEvaluation
    latest_outcome: str | None  # the newest recorded decision, if any
    check_in: date | None = None  # set by the latest decision ("look again on …")
    today: date = field(default_factory=date.today)

    @cached_property
    def why_due(self) -> str | None:
        """Why this pilot needs a decision today, in words; None when it does not.

        The numbers call it (scale, iterate or abort), its planned end has passed, or the
        check-in date its last decision set has come.
        """
        p = self.pilot
        if p.status != "running":
            return None
        if self.evaluation.recommendation in ("scale", "iterate", "abort"):
            return f"the numbers call it: {self.evaluation.recommendation}"
        if has_ended(p, self.today):
            return why_ended(p)
        if self.check_in is not None and self.check_in <= self.today:
            return (
                "check-in due today" if self.check_in == self.today else f"check-in due since {fmt_date(self.check_in)}"
            )
        return None

    @cached_property
    def headline(self) -> Headline:
        """What the pilot's row leads with: the pilot page's, Review's and the CLI's headline."""
        return headline(self.pilot, self.evaluation, today=self.today)

    @property
    def ready_for_decision(self) -> bool:
        return self.why_due is not None


@dataclass(frozen=True)
class Portfolio:
    """Every pilot's row; the counts are worked out once (the portfolio is shared, see ``PortfolioRow``)."""

    rows: list[PortfolioRow]

    @cached_property
    def running(self) -> int:
        return sum(r.pilot.status == "running" for r in self.rows)

    @cached_property
    def ready(self) -> int:
        return sum(r.ready_for_decision for r in self.rows)

    @cached_property
    def decided(self) -> int:
        return sum(r.pilot.status == "decided" for r in self.rows)

    @cached_property
    def backlog(self) -> int:
        return sum(r.pilot.status in ("idea", "planned") for r in self.rows)


def latest_decisions(session: Session) -> dict[int, tuple[str, date | None]]:
    """Each pilot's newest decision: its outcome and the check-in date it set, in one query."""
    stmt = select(col(Decision.pilot_id), col(Decision.outcome), col(Decision.next_check_in)).order_by(
        col(Decision.decided_at), col(Decision.id)
    )
    return {pid: (outcome, check_in) for pid, outcome, check_in in session.exec(stmt)}  # later rows win


def overview(session: Session, today: date | None = None) -> Portfolio:
    """Every pilot, ordered as the backlog reads: MoSCoW priority, then name."""
    today = today or date.today()
    order = {p: i for i, p in enumerate(PRIORITIES)}
    latest = latest_decisions(session)
    rows = []
    for p, ev in evaluate_all(session):
        outcome, check_in = latest.get(p.id or 0, (None, None))
        rows.append(PortfolioRow(p, ev, outcome, check_in, today=today))
    rows.sort(key=lambda r: (order.get(r.pilot.priority, len(order)), r.pilot.name))
    return Portfolio(rows)


#: the newest audit event that changed something: a stakeholder opening a share link leaves an "open" event,
#: which changes nothing a page shows (walked back from the newest id, it stops at the first other event)
_NEWEST_CHANGE = (
    select(col(AuditEvent.id)).where(AuditEvent.action != "open").order_by(col(AuditEvent.id).desc()).limit(1)
)
_VERSION_QUERY = select(
    _NEWEST_CHANGE.scalar_subquery(),
    *(select(func.max(c)).scalar_subquery() for c in (col(ResultEntry.id), col(Pilot.id))),
)


def workspace_version(session: Session) -> tuple[int, int, int]:
    """Changes whenever anything a portfolio shows may have changed: every write leaves an audit
    event; a restore replaces rows without one, so the newest result and pilot ids count too.
    A share link's "open" event is no change: twenty stakeholders opening a link during the meeting
    would otherwise make every page rebuild its shared caches twenty times.

    One prepared Core statement (three index look-ups): every page run that shows a shared cache
    asks it, and three ORM queries cost 1.6 ms where this costs 0.2 ms (SQLite, demo)."""
    audit, result, pilot = session.connection().execute(_VERSION_QUERY).one()
    return int(audit or 0), int(result or 0), int(pilot or 0)
