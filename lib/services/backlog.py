"""The backlog: pilot ideas in MoSCoW order, and whether each team has the room to run them.

A team's queue of committed work, in pilot-weeks, divided by how many pilots it
can run at once, says how long its backlog really is — a team sees at a glance
when it is years long.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from lib.infra.fields import PERSON_MAX, text_problem
from lib.infra.inputs import InvalidInput
from lib.infra.models import Pilot, TeamCapacity, utcnow
from lib.services import access, audit
from lib.services.pilots import get_pilot, set_status
from lib.vocabulary import PRIORITIES

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


def move(session: Session, pilot_id: int, step: int, actor: str) -> None:
    """Move an idea up (step -1) or down (+1) within its priority; the order is stored as ranks 1..n."""
    access.require_editor(actor, "reorder the backlog")
    pilot = get_pilot(session, pilot_id)
    if pilot.status not in NOT_STARTED:
        raise InvalidInput.one("pilot", f"“{pilot.name}” has started: only ideas and planned pilots are reordered.")
    same = [p for p in ideas(session) if p.priority == pilot.priority]
    i = next(i for i, p in enumerate(same) if p.id == pilot_id)
    j = min(max(i + step, 0), len(same) - 1)
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


def promote(session: Session, pilot_id: int, actor: str) -> Pilot:
    """An idea becomes a planned pilot: next, write its criteria and plan its sample."""
    pilot = get_pilot(session, pilot_id)
    if pilot.status != "idea":
        raise InvalidInput.one("pilot", f"“{pilot.name}” is {pilot.status}, not an idea.")
    return set_status(session, pilot_id, "planned", actor)


def set_capacity(session: Session, team: str, pilots_at_once: int, actor: str) -> TeamCapacity:
    access.require_editor(actor, "set a team's capacity")
    team = team.strip()
    problem = "is required." if not team else text_problem(team, PERSON_MAX)
    if problem:
        raise InvalidInput.one("team", problem)
    if not isinstance(pilots_at_once, int) or not 1 <= pilots_at_once <= 50:
        raise InvalidInput.one("pilots_at_once", "must be a whole number from 1 to 50.")
    existing = session.get(TeamCapacity, team)
    before = existing.pilots_at_once if existing else None
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
