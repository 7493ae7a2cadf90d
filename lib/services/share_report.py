"""What a read-only link shows: one pilot's report (live, or frozen at a pinned decision) or a goal's portfolio."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, col, select

from lib.infra.models import Decision, Goal, Pilot
from lib.report.pilot_report import PilotReport
from lib.services.share import SharedGoal, SharedPilot, ShareTarget, _aware
from lib.vocabulary import PRIORITIES


def _pilot_report(bundle) -> PilotReport:
    from lib.report import build_pilot_report

    return build_pilot_report(
        bundle.evaluation,
        pilot_name=bundle.pilot.name,
        hypothesis=bundle.pilot.hypothesis,
        decision=bundle.last_decision,
        criteria_changed=bundle.criteria_changed,
        charts=bundle.charts,
    )


def _frozen_at(decision: Decision) -> datetime | None:
    raw = json.loads(decision.snapshot_json or "{}").get("frozen_at")
    try:
        return _aware(datetime.fromisoformat(raw)) if raw else _aware(decision.decided_at)
    except (TypeError, ValueError):
        return _aware(decision.decided_at)


def load_report(session: Session, target: ShareTarget) -> SharedPilot | SharedGoal:
    """Everything the share page shows for ``target``, and nothing else; reads only."""
    from lib import charts
    from lib.report import summary_row
    from lib.services import reporting

    if target.scope == "pilot" and target.pilot_id is not None:
        if target.decision_id is not None:
            bundle = reporting.frozen_bundle(session, target.decision_id)
            return SharedPilot(
                _pilot_report(bundle), pinned=bundle.last_decision, frozen_at=_frozen_at(bundle.last_decision)
            )
        return SharedPilot(_pilot_report(reporting.pilot_bundle(session, target.pilot_id)))
    goal = session.get(Goal, target.goal_id)
    if goal is None:
        raise ValueError(f"Goal {target.goal_id} does not exist.")
    members = session.exec(select(Pilot).where(Pilot.goal_id == goal.id).order_by(col(Pilot.id)))
    ordered = sorted(members, key=lambda p: (PRIORITIES.index(p.priority) if p.priority in PRIORITIES else 99, p.name))
    bundles = [reporting.pilot_bundle(session, p.id or 0) for p in ordered if p.status in ("running", "decided")]
    sections = [_pilot_report(b) for b in bundles]
    kpi = f"KPI: {goal.kpi_name}" + (
        f" — target {goal.target_value:g} {goal.kpi_unit}".rstrip() if goal.target_value is not None else ""
    )
    chart = charts.goal_chart(charts.goal_rows([(b.pilot.name, b.evaluation) for b in bundles])) if bundles else None
    return SharedGoal(goal.name, kpi, chart, [summary_row(s) for s in sections], sections)
