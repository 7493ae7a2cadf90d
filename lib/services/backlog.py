"""The backlog: pilot ideas in MoSCoW order, and whether each team has the room to run them.

A team's queue of committed work, in pilot-weeks, divided by how many pilots it
can run at once, says how long its backlog really is — a team sees at a glance
when it is years long.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from lib.infra.fields import PERSON_MAX, text_problem
from lib.infra.inputs import InvalidInput
from lib.infra.models import AuditEvent, Pilot, TeamCapacity, utcnow
from lib.services import access, audit
from lib.services.conflicts import Clash, StaleWrite
from lib.services.pilots import get_pilot, set_status
from lib.vocabulary import PRIORITIES, PRIORITY_LABELS

DEFAULT_WEEKS = 4  # a pilot without dates is planned as four weeks
NOT_STARTED = ("idea", "planned")
#: what a team has committed to: running pilots' remaining weeks and every planned or must/should idea
COMMITTED_PRIORITIES = ("must", "should")


@dataclass(frozen=True)
class TeamLoad:
    team: str
    pilots_at_once: int
    committed_weeks: float  # pilot-weeks: running (what is left) + planned + must/should ideas
    running: int
    waiting: int

    @property
    def weeks(self) -> float:
        return self.committed_weeks / self.pilots_at_once

    def done_by(self, today: date) -> date:
        return today + timedelta(weeks=math.ceil(self.weeks))

    @property
    def years_long(self) -> bool:
        return self.weeks > 52


def pilot_weeks(pilot: Pilot, today: date) -> float:
    """How many weeks of a team's time the pilot still takes."""
    if pilot.start_date and pilot.end_date:
        start = max(pilot.start_date, today) if pilot.status == "running" else pilot.start_date
        return max((pilot.end_date - start).days + 1, 0) / 7
    return float(DEFAULT_WEEKS)


def ordered(pilots: list[Pilot]) -> list[Pilot]:
    """MoSCoW first, then the team's own order, then the oldest idea."""
    rank = {p: i for i, p in enumerate(PRIORITIES)}
    return sorted(
        pilots,
        key=lambda p: (
            rank.get(p.priority, len(rank)),
            p.backlog_rank if p.backlog_rank is not None else 10**9,
            p.created_at,
            p.id or 0,
        ),
    )


def ideas(session: Session, team: str | None = None) -> list[Pilot]:
    stmt = select(Pilot).where(col(Pilot.status).in_(NOT_STARTED))
    if team is not None:
        stmt = stmt.where(Pilot.team == team)
    return ordered(list(session.exec(stmt)))


def capacities(session: Session) -> dict[str, int]:
    return {c.team: c.pilots_at_once for c in session.exec(select(TeamCapacity))}


def team_loads(session: Session, today: date | None = None) -> list[TeamLoad]:
    today = today or date.today()
    caps = capacities(session)
    weeks: dict[str, float] = {}
    running: dict[str, int] = {}
    waiting: dict[str, int] = {}
    for p in session.exec(select(Pilot).where(col(Pilot.status).in_(("running", *NOT_STARTED)))):
        team = p.team or "(no team)"
        if p.status == "running":
            running[team] = running.get(team, 0) + 1
        else:
            waiting[team] = waiting.get(team, 0) + 1
        if p.status in ("running", "planned") or p.priority in COMMITTED_PRIORITIES:
            weeks[team] = weeks.get(team, 0.0) + pilot_weeks(p, today)
    teams = sorted(set(weeks) | set(running) | set(waiting))
    return [TeamLoad(t, caps.get(t, 1), weeks.get(t, 0.0), running.get(t, 0), waiting.get(t, 0)) for t in teams]


def move(session: Session, pilot_id: int, step: int, actor: str, *, shown_order: Sequence[int] | None = None) -> None:
    """Move an idea up (step -1) or down (+1) within its priority; the order is stored as ranks 1..n.

    ``shown_order`` is the backlog's order (pilot ids) as the page showed it: a move means "past the
    neighbour I saw", so when a colleague reordered those ideas since, the move is refused, naming who.
    """
    access.require_editor(actor, "reorder the backlog")
    pilot = get_pilot(session, pilot_id)
    if pilot.status not in NOT_STARTED:
        raise InvalidInput.one("pilot", f"“{pilot.name}” has started: only ideas and planned pilots are reordered.")
    stmt = select(Pilot).where(col(Pilot.status).in_(NOT_STARTED), Pilot.priority == pilot.priority)
    same = ordered(list(session.exec(stmt.with_for_update())))  # a second move waits, then sees this one
    i = next(i for i, p in enumerate(same) if p.id == pilot_id)
    j = min(max(i + step, 0), len(same) - 1)
    if shown_order is not None:
        _check_neighbour(session, pilot, same, (i, j), step, shown_order)
    same.insert(j, same.pop(i))
    for rank, p in enumerate(same, start=1):
        if p.backlog_rank != rank:
            p.backlog_rank = rank
            p.updated_at = utcnow()
            session.add(p)
    audit.record(
        session,
        entity="pilot",
        entity_id=pilot_id,
        pilot_id=pilot_id,
        action="reorder",
        actor=actor,
        before={"position": i + 1},
        after={"position": j + 1},
    )


def _check_neighbour(
    session: Session, pilot: Pilot, same: list[Pilot], moved: tuple[int, int], step: int, shown_order: Sequence[int]
) -> None:
    """Refuse the move when the idea's neighbour in that direction is not the one the page showed."""
    group = {p.id for p in same}
    shown = [pid for pid in shown_order if pid in group or pid == pilot.id]
    i, j = moved
    if pilot.id in shown:
        k = shown.index(pilot.id or 0)
        meant = shown[min(max(k + step, 0), len(shown) - 1)]
        if meant == same[j].id:
            return
    ids = sorted({*(p.id or 0 for p in same), *shown_order})
    event = session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity == "pilot", col(AuditEvent.entity_id).in_(ids), AuditEvent.action != "open")
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    ).first()
    label = PRIORITY_LABELS.get(pilot.priority, pilot.priority)
    raise StaleWrite(
        [
            Clash(
                key=pilot.id,
                who=event.actor if event else "someone",
                at=event.at if event else None,
                did="reordered",
                what=f"the {label} ideas",
                theirs="",
                yours=f"you moved “{pilot.name}” {'up' if step < 0 else 'down'}, and it is {_place(i + 1)} now",
                opened="the backlog",
                shown=list(shown_order),
                current=[p.id for p in same],
                mine=step,
            )
        ]
    )


def _place(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def promote(session: Session, pilot_id: int, actor: str) -> Pilot:
    """An idea becomes a planned pilot: next, write its criteria and plan its sample."""
    pilot = get_pilot(session, pilot_id)
    if pilot.status != "idea":
        raise InvalidInput.one("pilot", f"“{pilot.name}” is {pilot.status}, not an idea.")
    return set_status(session, pilot_id, "planned", actor)


def set_capacity(
    session: Session, team: str, pilots_at_once: int, actor: str, *, shown: int | None = None
) -> TeamCapacity:
    """How many pilots ``team`` runs at once. ``shown``: the figure the page showed for it (1 when never
    set); when a colleague set another since, the save is refused, naming them (unless they chose the same)."""
    access.require_editor(actor, "set a team's capacity")
    team = team.strip()
    problem = "is required." if not team else text_problem(team, PERSON_MAX)
    if problem:
        raise InvalidInput.one("team", problem)
    if not isinstance(pilots_at_once, int) or not 1 <= pilots_at_once <= 50:
        raise InvalidInput.one("pilots_at_once", "must be a whole number from 1 to 50.")
    existing = session.exec(select(TeamCapacity).where(TeamCapacity.team == team).with_for_update()).first()
    before = existing.pilots_at_once if existing else None
    now = before or 1
    if shown is not None and now != shown and now != pilots_at_once:
        who, at = _who_set(session, team)
        raise StaleWrite(
            [
                Clash(
                    key=team,
                    who=who,
                    at=at,
                    did="changed",
                    what=f"how many pilots {team} runs at once",
                    theirs=f" to {now}",
                    yours=f"you typed {pilots_at_once}",
                    opened="this page",
                    shown=shown,
                    current=now,
                    mine=pilots_at_once,
                )
            ]
        )
    row = existing or TeamCapacity(team=team)
    row.pilots_at_once = pilots_at_once
    row.updated_at = utcnow()
    session.add(row)
    audit.record(
        session,
        entity="team",
        entity_id=None,
        action="capacity",
        actor=actor,
        before={"team": team, "pilots_at_once": before},
        after={"team": team, "pilots_at_once": pilots_at_once},
    )
    return row


def _who_set(session: Session, team: str) -> tuple[str, datetime | None]:
    for event in session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity == "team", AuditEvent.action == "capacity")
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(200)
    ):
        if json.loads(event.after_json or "{}").get("team") == team:
            return event.actor, event.at
    return "someone", None
