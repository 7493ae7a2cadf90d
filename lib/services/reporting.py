"""Reports from the workspace: one call per download, for the pages and ``lib.cli report``.

Loads what a report needs (pilot, criteria, results, evaluation, decisions,
criteria changes) once, builds the charts from :mod:`lib.charts` and renders
with :mod:`lib.report`. Reads only; the caller owns the session.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session, col, select

from lib import charts
from lib.decide import PilotEvaluation
from lib.decide.frozen import evaluation_from_snapshot
from lib.decide.progress import past_end
from lib.infra.models import PRIORITIES, Decision, Goal, Pilot
from lib.report.pilot_report import PilotReport, build_pilot_report, render_goal, render_pack, render_pilot
from lib.services import audit, decisions, goals, meeting, pilots
from lib.services.evaluation import SAMPLE_UNITS, evaluate
from lib.services.headline import AWAITING_DECISION, NOT_STARTED, Logged, headline
from lib.services.meeting import QueueItem
from lib.services.results import observations
from lib.specs import Observation

#: the main chart first; the others follow in the report
CHART_CAPTIONS = {
    "main": "How the pilot is doing",
    "criteria": "Every criterion at a glance",
    "progress": "Progress toward the planned sample",
    "frozen": "Every criterion at a glance, as frozen at the decision",
}


@dataclass(frozen=True)
class PilotBundle:
    """Everything one pilot's report and charts are drawn from."""

    pilot: Pilot
    observations: list[Observation]
    evaluation: PilotEvaluation
    charts: list[tuple[str, Any]]
    criteria_changed: str | bool
    last_decision: Any


def _changed_reason(session: Session, pilot_id: int) -> str | bool:
    changes = [e for e in audit.events_for_pilot(session, pilot_id) if e.action == "change_after_lock"]
    return changes[0].reason or True if changes else False


def main_chart_for(session: Session, pilot: Pilot, evaluation: PilotEvaluation) -> Any:
    """Only the main chart, from an evaluation the caller already has (the review queue's cards)."""
    spec = pilots.pilot_spec(pilot)
    criteria = [pilots.criterion_spec(c) for c in pilots.criteria_for(session, pilot.id or 0)]
    units = {c.metric: SAMPLE_UNITS.get(pilot.channel, "people") for c in criteria if c.kind == "proportion"}
    return charts.main_chart(spec, criteria, observations(session, pilot.id or 0), evaluation, units=units)


def pilot_bundle(session: Session, pilot_id: int) -> PilotBundle:
    """Load one pilot and draw its charts (main, criteria, progress)."""
    pilot = pilots.get_pilot(session, pilot_id)
    obs = observations(session, pilot_id)
    today = date.today()
    evaluation = past_end(evaluate(session, pilot_id), pilot.end_date, today)  # read today, not kept
    spec = pilots.pilot_spec(pilot)
    criteria = [pilots.criterion_spec(c) for c in pilots.criteria_for(session, pilot_id)]
    units = {c.metric: SAMPLE_UNITS.get(pilot.channel, "people") for c in criteria if c.kind == "proportion"}
    drawn = [
        (CHART_CAPTIONS["main"], charts.main_chart(spec, criteria, obs, evaluation, units=units)),
        (CHART_CAPTIONS["criteria"], charts.criteria_chart(evaluation)),
        (CHART_CAPTIONS["progress"], charts.progress_chart(charts.progress(spec, obs, evaluation, today=today))),
    ]
    earlier = decisions.list_decisions(session, pilot_id)
    return PilotBundle(
        pilot, obs, evaluation, drawn, _changed_reason(session, pilot_id), earlier[0].decision if earlier else None
    )


def frozen_bundle(session: Session, decision_id: int) -> PilotBundle:
    """A pilot's report as its decision froze it: the frozen evaluation, its criteria chart, that decision.

    Nothing from today's results is used; criteria changes count only when recorded before the decision.
    """
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise ValueError(f"Decision {decision_id} does not exist.")
    pilot = pilots.get_pilot(session, decision.pilot_id)
    evaluation = evaluation_from_snapshot(json.loads(decision.snapshot_json or "{}"))
    changes = [
        e
        for e in audit.events_for_pilot(session, decision.pilot_id)
        if e.action == "change_after_lock" and e.at <= decision.decided_at
    ]
    changed: str | bool = (changes[0].reason or True) if changes else False
    drawn = [(CHART_CAPTIONS["frozen"], charts.criteria_chart(evaluation))]
    return PilotBundle(pilot, [], evaluation, drawn, changed, decision)


def _report(bundle: PilotBundle) -> PilotReport:
    """The pilot's section; before its start and after its end the headline's words lead (``lib.services.headline``)."""
    report = build_pilot_report(
        bundle.evaluation,
        pilot_name=bundle.pilot.name,
        hypothesis=bundle.pilot.hypothesis,
        decision=bundle.last_decision,
        criteria_changed=bundle.criteria_changed,
        charts=bundle.charts,
    )
    days = [o.day for o in bundle.observations]
    logged = Logged(len(days), min(days), max(days)) if days else Logged()
    said = headline(bundle.pilot, bundle.evaluation, decision=bundle.last_decision, logged=logged)
    if said.code in (NOT_STARTED, AWAITING_DECISION):  # a decided pilot's report has its Decision section
        report.recommendation, report.recommendation_code, report.reasons = said.title, said.code, said.reasons
        report.headline = report.headline if said.judged else said.reasons[0]
    return report


def pilot_html(session: Session, pilot_id: int) -> str:
    """The stakeholder report for one pilot: a self-contained HTML file."""
    return render_pilot(_report(pilot_bundle(session, pilot_id)))


def _backlog_order(rows: list[Pilot]) -> list[Pilot]:
    return sorted(rows, key=lambda p: (PRIORITIES.index(p.priority) if p.priority in PRIORITIES else 99, p.name))


def goal_html(session: Session, goal_id: int) -> str:
    """A goal's portfolio: its KPI, the goal chart, and every pilot serving it."""
    goal = session.get(Goal, goal_id)
    if goal is None:
        raise ValueError(f"Goal {goal_id} does not exist.")
    members = _backlog_order(list(session.exec(select(Pilot).where(Pilot.goal_id == goal_id))))
    bundles = [pilot_bundle(session, p.id or 0) for p in members if p.status in ("running", "decided")]
    rows = charts.goal_rows([(b.pilot.name, b.evaluation) for b in bundles])
    kpi = f"KPI: {goal.kpi_name}" + (
        f" — target {goal.target_value:g} {goal.kpi_unit}".rstrip() if goal.target_value is not None else ""
    )
    return render_goal(
        goal.name,
        kpi,
        [_report(b) for b in bundles],
        charts=[("Pilots under this goal", charts.goal_chart(rows))] if bundles else (),
    )


def pending(session: Session, today: date | None = None) -> list[QueueItem]:
    """The pilots awaiting a decision: exactly Review's queue (``lib.services.meeting.queue``), in its order, with its reasons."""
    return meeting.queue(session, today)


def pack_html(session: Session, today: date | None = None, waiting: list[QueueItem] | None = None) -> str:
    """The review-meeting pack: Review's queue, in its order, each pilot with why it needs a decision.

    ``waiting``: the queue the caller already read (the CLI names its pilots too).
    """
    reports = []
    for item in pending(session, today) if waiting is None else waiting:
        report = _report(pilot_bundle(session, item.row.pilot.id or 0))
        report.why_due = item.why
        reports.append(report)
    return render_pack("Review meeting: pilots awaiting a decision", reports)


def decision_log_frame(session: Session, pilot_id: int | None = None) -> pd.DataFrame:
    """The decision log as a table people read (for the CSV download)."""
    rows = []
    for row in decisions.list_decisions(session, pilot_id):
        d = row.decision
        rows.append(
            {
                "Decided on": d.decided_at.date().isoformat(),
                "Pilot": row.pilot_name,
                "Decision": d.outcome,
                "Recommended": d.recommendation or "",
                "Rationale": d.rationale,
                "Decided by": d.decided_by,
                "Rules version": row.snapshot.get("method_version", ""),
            }
        )
    return pd.DataFrame(
        rows, columns=["Decided on", "Pilot", "Decision", "Recommended", "Rationale", "Decided by", "Rules version"]
    )


def results_table(session: Session, pilot_id: int) -> pd.DataFrame:
    """The pilot's current logged values, one row per day, arm and metric (for the CSV download)."""
    obs = sorted(observations(session, pilot_id), key=lambda o: (o.day, o.metric, o.arm))
    return pd.DataFrame(
        [
            {
                "day": o.day.isoformat(),
                "metric": o.metric,
                "arm": o.arm,
                "n": o.n,
                "total": o.total,
                "sum_of_squares": o.total_sq,
                "sum_of_cubes": o.total_cu,
            }
            for o in obs
        ],
        columns=["day", "metric", "arm", "n", "total", "sum_of_squares", "sum_of_cubes"],
    )


def goal_ids(session: Session) -> list[int]:
    return [n.goal.id for n in goals.goal_tree(session) if n.goal.id is not None]


def all_pilot_ids(session: Session) -> list[int]:
    return [p for p in session.exec(select(Pilot.id).order_by(col(Pilot.id))) if p is not None]
