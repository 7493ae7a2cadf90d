"""What a read-only link shows: one pilot's report (live, or frozen at a pinned decision) or a goal's portfolio.

The sections are the ones the downloaded report holds (``lib.services.reporting``), so a link and a file agree.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session

from lib.infra.models import Decision
from lib.services.share import SharedGoal, SharedPilot, ShareTarget, _aware


def _frozen_at(decision: Decision) -> datetime | None:
    raw = json.loads(decision.snapshot_json or "{}").get("frozen_at")
    try:
        return _aware(datetime.fromisoformat(raw)) if raw else _aware(decision.decided_at)
    except (TypeError, ValueError):
        return _aware(decision.decided_at)


def load_report(session: Session, target: ShareTarget) -> SharedPilot | SharedGoal:
    """Everything the share page shows for ``target``, and nothing else; reads only."""
    from lib.report import summary_row
    from lib.services import reporting

    if target.scope == "pilot" and target.pilot_id is not None:
        if target.decision_id is not None:
            bundle = reporting.frozen_bundle(session, target.decision_id)
            return SharedPilot(
                reporting.pilot_report(bundle), pinned=bundle.last_decision, frozen_at=_frozen_at(bundle.last_decision)
            )
        return SharedPilot(reporting.pilot_report(reporting.pilot_bundle(session, target.pilot_id)))
    goal = reporting.goal_bundle(session, target.goal_id)
    sections = goal.sections
    return SharedGoal(goal.title, goal.kpi, goal.chart, [summary_row(s) for s in sections], sections)
