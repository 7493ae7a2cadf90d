"""A goal's progress: its KPI's actual per period (logged, with history), toward its target, and what the
scaled pilots serving it are projected to add, in the goal's own unit or with the plain reason they cannot be.

An actual is what the KPI came to over one period (``period_end`` is the period's last day). Logging the
same period again supersedes the earlier value and keeps it (``GoalActual.superseded_at``), so nothing
is silently overwritten. Projections come from :mod:`lib.services.rollup`: a pilot adds to a goal only in a
unit the goal can add (:func:`lib.services.rollup.contribution`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from lib import formatting as fmt
from lib.formatting import quoted
from lib.importer.values import OK, detect_decimal, parse_value
from lib.infra.inputs import GoalActualIn, InvalidInput, validated
from lib.infra.models import Goal, GoalActual, utcnow
from lib.services import access, audit
from lib.services.portfolio import Portfolio
from lib.services.rollup import PERIOD_MONTHS, Contribution, kpi_unit, rollup


@dataclass(frozen=True)
class Actual:
    period_end: date
    value: float
    note: str
    by: str


@dataclass(frozen=True)
class GoalProgress:
    """Everything the Goals page, Home and the chart say about one goal's progress, as plain data."""

    goal_id: int
    name: str
    unit: str  # the goal's unit as typed: "SQLs/quarter"
    target: float | None
    actuals: list[Actual] = field(default_factory=list)  # current values, oldest period first
    contributions: list[Contribution] = field(default_factory=list)  # scaled pilots serving the goal
    projected: float | None = None  # latest actual + what the addable contributions add, per goal period
    projected_low: float | None = None
    projected_high: float | None = None
    projected_at: date | None = None  # one goal period after the latest actual
    sentence: str = ""
    projection_sentence: str = ""

    @property
    def latest(self) -> Actual | None:
        return self.actuals[-1] if self.actuals else None

    @property
    def share_of_target(self) -> float | None:
        if self.latest is None or not self.target:
            return None
        return self.latest.value / self.target


def log_actual(
    session: Session, goal_id: int, actor: str, *, period_end: Any, value: Any, note: str = ""
) -> GoalActual:
    """Log what the goal's KPI came to over the period ending ``period_end``; a period logged again keeps the old
    value as history. Refused, writing nothing, for a reader, an unknown goal or a value that is not a number."""
    access.require_editor(actor, "log a goal's actuals")
    if session.get(Goal, goal_id) is None:
        raise InvalidInput.one("goal", f"goal #{goal_id} does not exist.")
    data = validated(GoalActualIn, goal_id=goal_id, period_end=period_end, value=read_number(value), note=note)
    earlier = session.exec(
        select(GoalActual).where(
            GoalActual.goal_id == goal_id,
            GoalActual.period_end == data.period_end,
            col(GoalActual.superseded_at).is_(None),
        )
    ).first()
    before = audit.snapshot(earlier)
    if earlier is not None:
        earlier.superseded_at = utcnow()
        session.add(earlier)
        session.flush()  # the old value leaves "current" before the new one joins it (one current per period)
    row = GoalActual(**data.model_dump(), created_by=str(actor))
    session.add(row)
    session.flush()
    audit.record(
        session,
        entity="goal_actual",
        entity_id=row.id,
        action="correct" if earlier else "create",
        actor=actor,
        before=before,
        after=audit.snapshot(row),
    )
    return row


def read_number(value: Any) -> Any:
    """A typed figure read the way the importer reads export cells ("1,234.5", "1.234,5", "12 %"); numbers pass.

    Refused with a message quoting what was typed: "twelve" is never read as 0, nor "3O0" as 30."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        raise InvalidInput.one("value", "is required: what the KPI came to over the period, as a number.")
    number, status = parse_value(text, detect_decimal([text], None))
    if status != OK:
        raise InvalidInput.one("value", f"{quoted(text)} is not a number (write e.g. 344, 1,234.5 or 1.234,5).")
    return number


def actuals(session: Session, goal_id: int) -> list[Actual]:
    """The goal's current actuals, oldest period first."""
    stmt = (
        select(GoalActual)
        .where(GoalActual.goal_id == goal_id, col(GoalActual.superseded_at).is_(None))
        .order_by(col(GoalActual.period_end))
    )
    return [Actual(a.period_end, a.value, a.note, a.created_by) for a in session.exec(stmt)]


def history(session: Session, goal_id: int) -> list[GoalActual]:
    """Every value ever logged for the goal, superseded ones included (newest first)."""
    stmt = select(GoalActual).where(GoalActual.goal_id == goal_id).order_by(col(GoalActual.id).desc())
    return list(session.exec(stmt))


def _sum(values: list[float | None]) -> float | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def progress_of(
    goal: Goal, logged: list[Actual], contributions: list[Contribution], plain=lambda text: str(text)
) -> GoalProgress:
    """The sentences and the projection for one goal, from plain data (no database): what the tests pin."""
    unit = goal.kpi_unit.strip()
    in_unit = f" {plain(unit)}" if unit else ""
    target = goal.target_value
    latest = logged[-1] if logged else None
    if latest is None:
        goal_words = f" toward the target of {fmt.number(target)}{in_unit}" if target is not None else ""
        sentence = (
            f"No actual logged yet: log what {plain(goal.kpi_name)} came to for a period to see progress{goal_words}."
        )
    else:
        so_far = f"{fmt.number(latest.value)}{in_unit} for the period ending {fmt.fmt_date(latest.period_end)}"
        of_target = (
            f", {fmt.pct(latest.value / target, 0)} of the {fmt.number(target)} target"
            if target
            else " (no target set)"
        )
        sentence = f"Latest: {so_far}{of_target}."
    adding = [c for c in contributions if c.adds]
    apart = [c for c in contributions if not c.adds]
    projected = low = high = None
    at = None
    if not contributions:
        projection_sentence = "No scaled pilot serves this goal yet, so nothing is projected."
    elif not adding:
        reasons = "; ".join(f"{plain(c.pilot)}: {plain(c.why_not)}" for c in apart)
        projection_sentence = (
            f"No projection in {plain(unit) or 'the goal’s unit'}: no scaled pilot counts in it ({reasons})."
        )
    else:
        gain = sum(c.value or 0.0 for c in adding)
        g_low, g_high = _sum([c.low for c in adding]), _sum([c.high for c in adding])
        names = ", ".join(plain(c.pilot) for c in adding)
        span = (
            f" (range {fmt.signed_number(g_low, 0)} to {fmt.signed_number(g_high, 0)})"
            if g_low is not None and g_high is not None
            else ""
        )
        projection_sentence = (
            f"Scaled pilots ({names}) are projected to add {fmt.signed_number(gain, 0)}{in_unit}{span}"
        )
        if latest is not None:
            projected = latest.value + gain
            months = PERIOD_MONTHS.get(kpi_unit(unit).period or "", 0.0)
            at = latest.period_end + timedelta(days=round(30.4375 * months)) if months else None
            low = None if g_low is None else latest.value + g_low
            high = None if g_high is None else latest.value + g_high
            reach = f": about {fmt.number(projected)}{in_unit} a period"
            if target:
                reach += f", {fmt.pct(projected / target, 0)} of the target"
            projection_sentence += reach
        projection_sentence += ". It is a projection, not a measured result."
        if apart:
            projection_sentence += (
                " Not added: " + "; ".join(f"{plain(c.pilot)} ({plain(c.why_not)})" for c in apart) + "."
            )
    return GoalProgress(
        goal.id or 0,
        goal.name,
        unit,
        target,
        list(logged),
        list(contributions),
        projected,
        low,
        high,
        at,
        sentence,
        projection_sentence,
    )


def goal_progress(
    session: Session, portfolio: Portfolio | None = None, plain=lambda text: str(text)
) -> list[GoalProgress]:
    """Every goal's progress, in the goal tree's order."""
    out = []
    for g in rollup(session, portfolio):
        goal = g.node.goal
        shares = [sp.contribution for sp in g.pilots if sp.contribution is not None]
        out.append(progress_of(goal, actuals(session, goal.id or 0), shares, plain))
    return out


def chart_for(p: GoalProgress):
    """The goal's progress chart (Altair), from its progress."""
    from lib.charts.goal_progress import goal_progress_chart

    points = [(a.period_end, a.value) for a in p.actuals]
    projected = (
        (p.projected_at, p.projected, p.projected_low, p.projected_high)
        if p.projected is not None and p.projected_at is not None
        else None
    )
    return goal_progress_chart(p.name, p.unit, points, p.target, projected)
