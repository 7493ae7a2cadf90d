"""The portfolio at a glance: every pilot with its verdict, its latest decision and whether it waits for one.

The rule for "ready for a decision" lives here, not on a page, so Home, the
review queue and the CLI agree on which pilots the meeting must look at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from lib.decide import PilotEvaluation
from lib.evaluation import evaluate_all
from lib.models import PRIORITIES, Decision, Pilot


@dataclass(frozen=True)
class PortfolioRow:
    pilot: Pilot
    evaluation: PilotEvaluation
    latest_outcome: str | None  # the newest recorded decision, if any

    @property
    def ready_for_decision(self) -> bool:
        """Running, and the numbers already call scale, iterate or abort."""
        return self.pilot.status == "running" and self.evaluation.recommendation != "keep_running"


@dataclass(frozen=True)
class Portfolio:
    rows: list[PortfolioRow]

    @property
    def running(self) -> int:
        return sum(r.pilot.status == "running" for r in self.rows)

    @property
    def ready(self) -> int:
        return sum(r.ready_for_decision for r in self.rows)

    @property
    def decided(self) -> int:
        return sum(r.pilot.status == "decided" for r in self.rows)

    @property
    def backlog(self) -> int:
        return sum(r.pilot.status in ("idea", "planned") for r in self.rows)


def latest_outcomes(session: Session) -> dict[int, str]:
    """Each pilot's newest decision outcome, in one query."""
    stmt = select(Decision.pilot_id, Decision.outcome).order_by(col(Decision.decided_at), col(Decision.id))
    return {pid: outcome for pid, outcome in session.exec(stmt)}  # later rows win


def overview(session: Session, as_of: date | None = None) -> Portfolio:
    """Every pilot, ordered as the backlog reads: MoSCoW priority, then name."""
    order = {p: i for i, p in enumerate(PRIORITIES)}
    latest = latest_outcomes(session)
    rows = [PortfolioRow(p, ev, latest.get(p.id or 0)) for p, ev in evaluate_all(session, as_of)]
    rows.sort(key=lambda r: (order.get(r.pilot.priority, len(order)), r.pilot.name))
    return Portfolio(rows)
