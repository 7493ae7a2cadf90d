"""The audit trail: every create, change, correction and undo, with before/after."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, SQLModel, col, select

from lib.infra.inputs import checked_reason
from lib.infra.models import AuditEvent

if TYPE_CHECKING:  # the report (and the charts and statistics it loads) only when a caveat is worded
    from lib.report.caveats import CriteriaChanged


def snapshot(obj: SQLModel | None, fields: tuple[str, ...] | None = None) -> dict[str, Any] | None:
    if obj is None:
        return None
    data = obj.model_dump(mode="json")
    if fields:
        data = {k: data.get(k) for k in fields}
    return data


def record(
    session: Session,
    *,
    entity: str,
    entity_id: int | None,
    action: str,
    actor: str,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    pilot_id: int | None = None,
) -> AuditEvent:
    event = AuditEvent(
        entity=entity,
        entity_id=entity_id,
        pilot_id=pilot_id,
        action=action,
        actor=actor,
        before_json=json.dumps(before, default=str) if before is not None else None,
        after_json=json.dumps(after, default=str) if after is not None else None,
        reason=checked_reason(reason),  # last line of defence: every reason path ends here
    )
    session.add(event)
    if pilot_id is not None and action != "open":  # every write to a pilot's data passes here
        from lib.services.data_versions import bump

        bump(session, pilot_id)
    return event


def changes(before: dict | None, after: dict | None) -> dict[str, tuple[Any, Any]]:
    """Only the fields that differ, for a readable history line."""
    before, after = before or {}, after or {}
    skip = {"updated_at", "created_at", "id"}
    return {
        k: (before.get(k), after.get(k))
        for k in sorted(set(before) | set(after))
        if k not in skip and before.get(k) != after.get(k)
    }


def events_for_pilot(session: Session, pilot_id: int, limit: int = 200) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.pilot_id == pilot_id)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
    )
    return list(session.exec(stmt))


@dataclass(frozen=True)
class CriteriaChange:
    """Criteria changed after a pilot started: who, when, why, and what they were before and after."""

    at: datetime
    actor: str
    reason: str
    before: list[str]  # each criterion in words, as it was agreed
    after: list[str]

    @property
    def caveat(self) -> CriteriaChanged:
        """The change as the caveat every page and report words alike (``lib.report.caveats``)."""
        from lib.report.caveats import CriteriaChanged

        return CriteriaChanged(self.at.date(), self.actor, self.reason, tuple(self.before), tuple(self.after))


def described(saved: list[dict], currency: str = "") -> list[str]:
    """Saved criteria in words ("primary: reply rate at least 8%"), as the history and the refusals say them.

    ``currency``: the workspace's symbol, which a money criterion's price is written with ("at most €40").
    """
    from lib.criteria import describe
    from lib.specs import CriterionSpec

    out = []
    for c in saved:
        spec = CriterionSpec(
            c["metric"],
            c["kind"],
            c["role"],
            c["comparison"],
            c["threshold"],
            c["direction"],
            c["threshold_type"],
            c["confidence"],
            numerator_label=c.get("numerator_label"),
        )
        out.append(f"{c['role']}: {describe(spec, c.get('unit', ''), currency=currency)}")
    return out


def criteria_changes(session: Session, pilot_id: int, currency: str = "") -> list[CriteriaChange]:
    """Newest first; the audit JSON is read here so pages never parse it (words: ``lib.report.caveats``).

    ``currency``: the workspace's symbol (``settings.currency(session).symbol``), for money criteria's prices.
    """
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.pilot_id == pilot_id, AuditEvent.action == "change_after_lock")
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    )
    return [
        CriteriaChange(
            at=ev.at,
            actor=ev.actor,
            reason=ev.reason,
            before=described(json.loads(ev.before_json or "{}").get("criteria", []), currency),
            after=described(json.loads(ev.after_json or "{}").get("criteria", []), currency),
        )
        for ev in session.exec(stmt)
    ]
