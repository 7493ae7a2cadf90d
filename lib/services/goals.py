"""Shared goals and their KPI hierarchy (company -> marketing -> team)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from lib.infra.inputs import GoalIn, InvalidInput, validated
from lib.infra.models import Goal, Pilot, utcnow
from lib.services import access, audit
from lib.services.conflicts import Overwrite
from lib.services.form_merge import merge_form, plain_value
from lib.vocabulary import GOAL_LEVELS


@dataclass(frozen=True)
class GoalNode:
    goal: Goal
    depth: int
    pilot_count: int


def list_goals(session: Session) -> list[Goal]:
    return list(session.exec(select(Goal).order_by(col(Goal.id))))


def _check_name(session: Session, data: GoalIn, goal_id: int | None = None) -> None:
    for other in session.exec(select(Goal).where(Goal.name == data.name)):
        if other.id != goal_id:
            raise InvalidInput.one("name", f"a goal named '{data.name}' already exists.")


def _check_parent(session: Session, data: GoalIn, goal_id: int | None = None) -> None:
    if data.parent_id is None:
        if data.level != "company":
            raise InvalidInput.one(
                "parent_id",
                f"a {data.level} goal sits under the goal it serves: pick its parent (only company goals stand alone).",
            )
        return
    parent = session.get(Goal, data.parent_id)
    if parent is None:
        raise InvalidInput.one("parent_id", f"goal #{data.parent_id} does not exist.")
    if GOAL_LEVELS.index(parent.level) >= GOAL_LEVELS.index(data.level):
        raise InvalidInput.one("parent_id", f"a {data.level} goal cannot sit under a {parent.level} goal.")
    seen = {goal_id}
    while parent is not None:
        if parent.id in seen:
            raise InvalidInput.one("parent_id", "that would make the goal its own ancestor.")
        seen.add(parent.id)
        parent = session.get(Goal, parent.parent_id) if parent.parent_id else None


def create_goal(session: Session, actor: str, **values: Any) -> Goal:
    access.require_editor(actor, "create goals")
    data = validated(GoalIn, **values)
    _check_name(session, data)
    _check_parent(session, data)
    goal = Goal(**data.model_dump())
    session.add(goal)
    session.flush()
    audit.record(session, entity="goal", entity_id=goal.id, action="create", actor=actor, after=audit.snapshot(goal))
    return goal


def form_basis(goal: Goal) -> dict[str, Any]:
    """What an edit form shows of a goal, as ``update_goal(shown=…)`` compares it."""
    return {k: getattr(goal, k) for k in GoalIn.model_fields}


def update_goal(
    session: Session,
    goal_id: int,
    actor: str,
    *,
    shown: dict[str, Any] | None = None,
    over: Overwrite | None = None,
    **values: Any,
) -> Goal:
    """Change a goal. ``shown`` (what the form showed when opened) merges the save field by field, as
    :func:`lib.services.pilots.update_pilot` does: a field a colleague changed since is refused, named."""
    access.require_editor(actor, "edit goals")
    goal = session.exec(select(Goal).where(Goal.id == goal_id).with_for_update()).first()
    if goal is None:
        raise InvalidInput.one("goal", f"goal #{goal_id} does not exist.")
    data = validated(GoalIn, **values)
    reason = ""
    if shown is not None:
        mine = data.model_dump()
        try:
            basis = validated(GoalIn, **shown).model_dump()
        except InvalidInput:
            basis = dict(shown)
        merge = merge_form(
            session,
            entity="goal",
            entity_id=goal_id,
            subject=f" of “{goal.name}”",
            now={k: getattr(goal, k) for k in mine},
            typed=mine,
            shown={k: basis[k] for k in mine if k in basis},
            over=over,
            show=lambda field, value: _goal_words(session, field, value),
        )
        data, reason = validated(GoalIn, **merge.values), merge.over_reason
    _check_name(session, data, goal_id)
    _check_parent(session, data, goal_id)
    before = audit.snapshot(goal)
    for key, value in data.model_dump().items():
        setattr(goal, key, value)
    goal.updated_at = utcnow()
    session.add(goal)
    audit.record(
        session,
        entity="goal",
        entity_id=goal.id,
        action="update",
        actor=actor,
        before=before,
        after=audit.snapshot(goal),
        reason=reason,
    )
    return goal


def _goal_words(session: Session, field: str, value: Any) -> str:
    if field == "parent_id" and value is not None:
        parent = session.get(Goal, value)
        return f"“{parent.name}”" if parent else f"goal #{value}"
    return plain_value(field, value)


def goal_tree(session: Session) -> list[GoalNode]:
    """Goals depth-first under their parents, with how many pilots serve each."""
    goals = list_goals(session)
    counts: dict[int, int] = {}
    for gid in session.exec(select(Pilot.goal_id)):
        if gid is not None:
            counts[gid] = counts.get(gid, 0) + 1
    children: dict[int | None, list[Goal]] = {}
    for g in goals:
        children.setdefault(g.parent_id, []).append(g)
    out: list[GoalNode] = []

    def walk(parent: int | None, depth: int) -> None:
        for g in children.get(parent, []):
            out.append(GoalNode(g, depth, counts.get(g.id or 0, 0)))
            walk(g.id, depth + 1)

    walk(None, 0)
    return out
