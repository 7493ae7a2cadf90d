"""Reports from the workspace: one call per download, for the pages, the share links and ``lib.cli report``.

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
from lib.decide.frozen import evaluation_from_snapshot, frozen_money
from lib.decide.progress import past_end
from lib.infra.models import PRIORITIES, Decision, Goal, Pilot
from lib.report.caveats import CriteriaChanged
from lib.report.documents import render_goal, render_pack, render_pilot
from lib.report.pilot_report import PilotReport, ReportLead, build_pilot_report
from lib.services import audit, decisions, goals, meeting, pilots, settings, unit_results
from lib.services.decisions import said as said_as
from lib.services.evaluation import SAMPLE_UNITS, evaluate
from lib.services.headline import (
    AWAITING_DECISION,
    DECIDED,
    NOT_STARTED,
    NOTHING_LOGGED,
    Logged,
    decided_title,
    decision_lines,
    headline,
)
from lib.services.meeting import QueueItem
from lib.services.results import observations
from lib.services.spend_view import PilotSpend, spend_for
from lib.specs import Observation, UnitObservation
from lib.vocabulary import STARTED_STATUSES

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
    changes: tuple[CriteriaChanged, ...]  # the criteria changed after the start, newest first
    last_decision: Any
    frozen: bool = False  # the numbers a decision froze, not today's
    spend: PilotSpend | None = None  # spend against what it bought, when spend is logged (today's numbers only)
    frozen_money: tuple[str, ...] = ()  # "Does it pay?" as the decision froze it (frozen bundles only)
    currency: str = ""  # the workspace's symbol: money criteria's prices in the criteria table and cards


def _changes(session: Session, pilot_id: int, until: Any = None) -> tuple[CriteriaChanged, ...]:
    """The audit trail's changes to the criteria after the start (``until``: only those made by then)."""
    return tuple(
        c.caveat
        for c in audit.criteria_changes(session, pilot_id, settings.currency(session).symbol)
        if until is None or c.at <= until
    )


def main_chart_for(session: Session, pilot: Pilot, evaluation: PilotEvaluation) -> Any:
    """Only the main chart, from an evaluation the caller already has (the review queue's cards)."""
    spec = pilots.pilot_spec(pilot)
    criteria = [pilots.criterion_spec(c) for c in pilots.criteria_for(session, pilot.id or 0)]
    units = {c.metric: SAMPLE_UNITS.get(pilot.channel, "people") for c in criteria if c.kind == "proportion"}
    unit_obs = unit_rows_for(session, pilot)
    return charts.main_chart(
        spec, criteria, observations(session, pilot.id or 0), evaluation, units=units, unit_observations=unit_obs
    )


def unit_rows_for(session: Session, pilot: Pilot) -> list[UnitObservation]:
    """A pilot's unit rows when it splits units (its charts replay them); none for a pilot of people."""
    return unit_results.unit_observations(session, [pilot.id or 0]).get(pilot.id or 0, []) if pilot.unit else []


def pilot_bundle(session: Session, pilot_id: int) -> PilotBundle:
    """Load one pilot and draw its charts (main, criteria, progress)."""
    pilot = pilots.get_pilot(session, pilot_id)
    obs = observations(session, pilot_id)
    today = date.today()
    evaluation = past_end(evaluate(session, pilot_id), pilot.end_date, today)  # read today, not kept
    spec = pilots.pilot_spec(pilot)
    criteria = [pilots.criterion_spec(c) for c in pilots.criteria_for(session, pilot_id)]
    units = {c.metric: SAMPLE_UNITS.get(pilot.channel, "people") for c in criteria if c.kind == "proportion"}
    primary = evaluation.primary
    # counted in the metric's own units, as the verdict's pace and sentences count them ("contacts", not "visitors")
    unit = (primary.pace.units if primary.pace else units.get(primary.metric)) if primary is not None else None
    progress = charts.progress(spec, obs, evaluation, unit=unit, today=today)
    drawn = [
        (
            CHART_CAPTIONS["main"],
            charts.main_chart(
                spec, criteria, obs, evaluation, units=units, unit_observations=unit_rows_for(session, pilot)
            ),
        ),
        (CHART_CAPTIONS["criteria"], charts.criteria_chart(evaluation)),
        (CHART_CAPTIONS["progress"], charts.progress_chart(progress)),
    ]
    earlier = decisions.list_decisions(session, pilot_id)
    last = earlier[0].decision if earlier else None
    spend = spend_for(session, pilot)
    spend = spend.beside(evaluation) if spend is not None else None  # says which interval is which
    symbol = settings.currency(session).symbol
    return PilotBundle(pilot, obs, evaluation, drawn, _changes(session, pilot_id), last, spend=spend, currency=symbol)


def frozen_bundle(session: Session, decision_id: int) -> PilotBundle:
    """A pilot's report as its decision froze it: the frozen evaluation, its criteria chart, that decision.

    Nothing from today's results is used; criteria changes count only when recorded before the decision.
    """
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise ValueError(f"Decision {decision_id} does not exist.")
    pilot = pilots.get_pilot(session, decision.pilot_id)
    snapshot = json.loads(decision.snapshot_json or "{}")
    evaluation = evaluation_from_snapshot(snapshot)
    changes = _changes(session, decision.pilot_id, until=decision.decided_at)
    drawn = [(CHART_CAPTIONS["frozen"], charts.criteria_chart(evaluation))]
    money = tuple(frozen_money(snapshot))
    symbol = settings.currency(session).symbol
    return PilotBundle(
        pilot, [], evaluation, drawn, changes, decision, frozen=True, frozen_money=money, currency=symbol
    )


def pilot_report(bundle: PilotBundle) -> PilotReport:
    """The pilot's section, for the files and the share page alike.

    It opens with the headline the pilot page and the CLI show (``lib.services.headline``): a decided
    pilot's decision with who, when and why, else the recommendation or why there is none. Frozen at a
    decision, it opens with that decision and what the numbers recommended then.
    """
    report = build_pilot_report(
        bundle.evaluation,
        pilot_name=bundle.pilot.name,
        hypothesis=bundle.pilot.hypothesis,
        decision=bundle.last_decision,
        changes=bundle.changes,
        charts=bundle.charts,
        currency=bundle.currency,
    )
    method = set(report.analyst_notes)  # how verdicts are computed: in the report's "For analysts"
    if bundle.frozen:
        report.money = list(bundle.frozen_money)  # as read when decided; none in a snapshot frozen before it was kept
        d = bundle.last_decision
        then = f"The numbers frozen with it recommended {said_as(bundle.evaluation.recommendation)}."
        report.lead = ReportLead(decided_title(d.outcome), DECIDED, (*decision_lines(d), then), False)
        return report
    if bundle.spend is not None:
        report.money = [bundle.spend.sentence, *([bundle.spend.scaling] if bundle.spend.scaling else [])]
    days = [o.day for o in bundle.observations]
    logged = Logged(len(days), min(days), max(days)) if days else Logged()
    said = headline(bundle.pilot, bundle.evaluation, decision=bundle.last_decision, logged=logged)
    lines = tuple(r for r in said.reasons if r not in method)
    report.lead = ReportLead(said.title, said.code, lines, said.is_recommendation)
    if said.code in (NOT_STARTED, AWAITING_DECISION, NOTHING_LOGGED):
        report.recommendation, report.recommendation_code, report.reasons = said.title, said.code, list(lines)
        report.headline = report.headline if said.judged else said.reasons[0]
    return report


def pilot_html(session: Session, pilot_id: int) -> str:
    """The stakeholder report for one pilot: a self-contained HTML file."""
    return render_pilot(pilot_report(pilot_bundle(session, pilot_id)))


@dataclass(frozen=True)
class GoalBundle:
    """A goal's report: its title and KPI line, each started pilot serving it (backlog order), their chart."""

    title: str
    kpi: str
    bundles: list[PilotBundle]
    chart: Any  # None without a started pilot

    @property
    def sections(self) -> list[PilotReport]:
        return [pilot_report(b) for b in self.bundles]


def goal_bundle(session: Session, goal_id: int | None) -> GoalBundle:
    """What a goal's report shows, for the file and the share page alike."""
    goal = session.get(Goal, goal_id) if goal_id is not None else None
    if goal is None:
        raise ValueError(f"Goal {goal_id} does not exist.")
    members = session.exec(select(Pilot).where(Pilot.goal_id == goal_id))
    ordered = sorted(members, key=lambda p: (PRIORITIES.index(p.priority) if p.priority in PRIORITIES else 99, p.name))
    bundles = [pilot_bundle(session, p.id or 0) for p in ordered if p.status in STARTED_STATUSES]
    chart = charts.goal_chart(charts.goal_rows([(b.pilot.name, b.evaluation) for b in bundles])) if bundles else None
    kpi = f"KPI: {goal.kpi_name}" + (
        f" — target {goal.target_value:g} {goal.kpi_unit}".rstrip() if goal.target_value is not None else ""
    )
    return GoalBundle(goal.name, kpi, bundles, chart)


def goal_html(session: Session, goal_id: int) -> str:
    """A goal's portfolio: its KPI, the goal chart, and every pilot serving it."""
    goal = goal_bundle(session, goal_id)
    drawn = [("Pilots under this goal", goal.chart)] if goal.chart is not None else []
    return render_goal(goal.title, goal.kpi, goal.sections, charts=drawn)


def pending(session: Session, today: date | None = None) -> list[QueueItem]:
    """The pilots awaiting a decision: exactly Review's queue (``lib.services.meeting.queue``), in its order, with its reasons."""
    return meeting.queue(session, today)


def pack_html(session: Session, today: date | None = None, waiting: list[QueueItem] | None = None) -> str:
    """The review-meeting pack: Review's queue, in its order, each pilot with why it needs a decision.

    ``waiting``: the queue the caller already read (the CLI names its pilots too).
    """
    reports = []
    for item in pending(session, today) if waiting is None else waiting:
        report = pilot_report(pilot_bundle(session, item.row.pilot.id or 0))
        report.why_due = item.why
        reports.append(report)
    return render_pack("Review meeting: pilots awaiting a decision", reports)


def decision_log_frame(session: Session, pilot_id: int | None = None) -> pd.DataFrame:
    """The decision log for the CSV download: Review's table (``lib.services.meeting.log_table``), one pilot's or all."""
    return meeting.log_table(meeting.decision_log(session, meeting.LogFilter(pilot_id=pilot_id)))


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
