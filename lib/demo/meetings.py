"""How the demo records a review meeting's decision: the numbers frozen on a given day, decided at a given time."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from lib.infra.models import Decision
from lib.services import decisions

DECIDED_BY = "Lea Novak"


def decided(
    session: Session,
    pilot_id: int,
    outcome: str,
    rationale: str,
    *,
    as_of: date,
    at: datetime,
    next_check_in: date | None = None,
    override_reason: str = "",
) -> Decision:
    """Record ``outcome`` with the numbers as of ``as_of``, dated ``at`` (the meeting after the pilot's day).

    ``override_reason`` is kept only when the outcome goes against the frozen recommendation.
    """
    from lib.services.evaluation import decision_snapshot  # late: keeps `python -m lib.demo` light on errors

    snap = {**decision_snapshot(session, pilot_id, as_of=as_of), "frozen_at": at.isoformat()}
    recommendation = snap["evaluation"]["recommendation"]
    decision = decisions.record_decision(
        session,
        pilot_id,
        outcome=outcome,
        rationale=rationale,
        decided_by=DECIDED_BY,
        snapshot=snap,
        recommendation=recommendation,
        next_check_in=next_check_in,
        override_reason="" if decisions.follows(outcome, recommendation) else override_reason,
    )
    decision.decided_at = at
    session.add(decision)
    return decision
