"""Workspace defaults a team sets once: the confidence new criteria start with, and how often it looks.

Stored as key/value rows (``workspace_setting``) and read with their defaults, so a
workspace that never opened Settings behaves exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from lib.infra.inputs import FieldError, InvalidInput
from lib.infra.models import WorkspaceSetting, utcnow
from lib.services import access, audit

CONFIDENCES: tuple[float, ...] = (0.8, 0.9, 0.95, 0.99)
#: how often the team looks at a running pilot; the plan's operating characteristics assume it
LOOK_SCHEDULES: dict[str, str] = {"daily": "Every day", "weekly": "Once a week", "end": "Once, at the end"}


@dataclass(frozen=True)
class WorkspaceDefaults:
    confidence: float = 0.95
    looks: str = "daily"

    def looks_over(self, days: int) -> int:
        """How many looks a pilot of ``days`` days gets under this schedule."""
        return {"daily": max(days, 1), "weekly": max(days // 7, 1), "end": 1}[self.looks]


def defaults(session: Session) -> WorkspaceDefaults:
    stored = {s.key: s.value for s in session.exec(select(WorkspaceSetting))}
    base = WorkspaceDefaults()
    try:
        confidence = float(stored.get("confidence", base.confidence))
    except ValueError:
        confidence = base.confidence
    looks = stored.get("looks", base.looks)
    return WorkspaceDefaults(
        confidence=confidence if confidence in CONFIDENCES else base.confidence,
        looks=looks if looks in LOOK_SCHEDULES else base.looks,
    )


def save_defaults(session: Session, actor: str, *, confidence: float, looks: str) -> WorkspaceDefaults:
    access.require_editor(actor, "change the workspace's defaults")
    problems = []
    if confidence not in CONFIDENCES:
        problems.append(FieldError("confidence", f"must be one of {', '.join(f'{c:.0%}' for c in CONFIDENCES)}."))
    if looks not in LOOK_SCHEDULES:
        problems.append(FieldError("looks", f"must be one of: {', '.join(LOOK_SCHEDULES)}."))
    if problems:
        raise InvalidInput(problems)
    before = defaults(session)
    for key, value in (("confidence", str(confidence)), ("looks", looks)):
        row = session.get(WorkspaceSetting, key) or WorkspaceSetting(key=key, value=value)
        row.value, row.updated_at = value, utcnow()
        session.add(row)
    audit.record(
        session,
        entity="settings",
        entity_id=None,
        action="update",
        actor=actor,
        before={"confidence": before.confidence, "looks": before.looks},
        after={"confidence": confidence, "looks": looks},
    )
    return WorkspaceDefaults(confidence, looks)
