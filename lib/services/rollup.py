"""Goals that roll up: each goal with its KPI, the pilots serving it and their verdicts, and what
the scaled ones are projected to add to the KPI.

A projection is the measured effect at the decision (the primary criterion's
difference, or its lift on the control's level) times the volume the team plans
to run it at once scaled — with the range the interval gives. It is labelled a
projection everywhere: the pilot measured a sample, not the scaled future.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from lib.decide.frozen import frozen_primary
from lib.infra.models import Decision, Pilot
from lib.services.goals import GoalNode, goal_tree
from lib.services.headline import decided_title
from lib.services.portfolio import Portfolio, overview
from lib.vocabulary import PILOT_STATUS_LABELS, recommendation_label


@dataclass(frozen=True)
class Projection:
    per_month: float
    low: float | None
    high: float | None
    unit: str  # "conversions", "orders"...


@dataclass(frozen=True)
class ServingPilot:
    pilot: Pilot
    verdict: str  # "Running: keep running", "Decided: scale"
    projection: Projection | None


@dataclass(frozen=True)
class GoalRollup:
    node: GoalNode
    pilots: list[ServingPilot]

    @property
    def projected(self) -> float:
        return sum(p.projection.per_month for p in self.pilots if p.projection)


def projection(primary: dict, volume: float | None, kind: str | None = None) -> Projection | None:
    """Measured effect × planned monthly volume, with its range; None when either is missing."""
    if not volume or not primary:
        return None
    scale = primary.get("interval_scale", "difference")
    control = primary.get("control_value")
    low, high = primary.get("ci_low"), primary.get("ci_high")
    if scale == "lift":
        lift = primary.get("relative_lift")
        if lift is None or control is None:
            return None
        base = control * volume
        return Projection(
            lift * base, None if low is None else low * base, None if high is None else high * base, _unit(kind)
        )
    diff = primary.get("difference")
    if diff is None or scale == "value":
        return None
    return Projection(
        diff * volume, None if low is None else low * volume, None if high is None else high * volume, _unit(kind)
    )


def _unit(kind: str | None) -> str:
    return {"proportion": "conversions", "mean": "in value", "count": "a month"}.get(kind or "", "")


def _scaled_primaries(session: Session) -> dict[int, dict]:
    """Each scaled pilot's primary verdict as frozen at its latest decision."""
    stmt = select(Decision).where(Decision.outcome == "scale").order_by(col(Decision.decided_at), col(Decision.id))
    out: dict[int, dict] = {}
    for d in session.exec(stmt):
        try:
            verdicts = json.loads(d.snapshot_json or "{}").get("evaluation", {}).get("verdicts", [])
        except (ValueError, AttributeError):
            continue
        primary = frozen_primary(verdicts)
        if primary:
            out[d.pilot_id] = primary
    return out


def rollup(session: Session, portfolio: Portfolio | None = None) -> list[GoalRollup]:
    """Company → marketing → team, depth-first, each goal with the pilots serving it
    (``portfolio``: the overview a page already has, so it is not read twice)."""
    rows = {r.pilot.id: r for r in (portfolio or overview(session)).rows}
    scaled = _scaled_primaries(session)
    by_goal: dict[int, list[ServingPilot]] = {}
    for pid, r in rows.items():
        p = r.pilot
        if p.goal_id is None:
            continue
        if p.status == "decided":
            verdict = decided_title(r.latest_outcome) if r.latest_outcome else "Decided"
        elif p.status == "running":
            verdict = f"Running: {recommendation_label(r.evaluation.recommendation).lower()}"
        else:
            verdict = PILOT_STATUS_LABELS.get(p.status, p.status)
        primary = scaled.get(pid or 0) if r.latest_outcome == "scale" else None
        proj = projection(primary or {}, p.scale_volume, (primary or {}).get("kind"))
        by_goal.setdefault(p.goal_id, []).append(ServingPilot(p, verdict, proj))
    return [GoalRollup(node, by_goal.get(node.goal.id or 0, [])) for node in goal_tree(session)]


def goal_lines(g: GoalRollup, plain: Callable[[object], str]) -> list[str]:
    """A goal and the pilots serving it as Markdown lines; ``plain`` escapes what people typed."""
    from lib import formatting as fmt

    goal = g.node.goal
    target = (
        f"{fmt.number(goal.target_value)} {plain(goal.kpi_unit)}".strip()
        if goal.target_value is not None
        else "no target set"
    )
    indent = "\u2003" * 2 * g.node.depth
    lines = [f"{indent}**{plain(goal.name)}** · {goal.level} · KPI {plain(goal.kpi_name)}: {target}"]
    for sp in g.pilots:
        line = f"{indent}\u2003– {plain(sp.pilot.name)}: {plain(sp.verdict)}"
        if sp.projection:
            pr = sp.projection
            span = (
                f" (range {fmt.signed_number(pr.low, 0)} to {fmt.signed_number(pr.high, 0)})"
                if pr.low is not None and pr.high is not None
                else ""
            )
            line += f" — projected {fmt.signed_number(pr.per_month, 0)} {pr.unit} a month{span}"
        lines.append(line)
    if not g.pilots:
        lines.append(f"{indent}\u2003– *no pilot serves it yet*")
    return lines


def goal_texts(session: Session, portfolio: Portfolio, plain: Callable[[object], str]) -> list[tuple[bool, str]]:
    """Every goal as one Markdown block, with whether any pilot serves it: plain strings that a page can
    keep and share between sessions (no row objects)."""
    return [(bool(g.pilots), "  \n".join(goal_lines(g, plain))) for g in rollup(session, portfolio)]
