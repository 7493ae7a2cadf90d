"""Manual corrections of an import, carried over when the same file is imported again.

Replacing an import must not silently undo what people fixed by hand since: each
correction (or clearing) made to the old batch's values is re-applied on top of
the new batch's value for the same day, arm and metric, as a correction of its
own, so history shows the file's value and the correction both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from lib.infra.models import AuditEvent, ResultEntry
from lib.services import results

Key = tuple[date, str, str]
_NUMBERS = ("n", "total", "total_sq", "cost")  # a correction the file itself now carries needs no re-applying


@dataclass(frozen=True)
class ManualChanges:
    """What people changed in an import's values since: corrected values and cleared ones, by key."""

    corrected: dict[Key, ResultEntry]
    deleted: dict[Key, str]  # key -> who cleared it and when, for the reason in history

    def __len__(self) -> int:
        return len(self.corrected) + len(self.deleted)


def manual_changes(session: Session, batch_id: int) -> ManualChanges:
    """A live batch's current values that replaced another (corrections), and its values retired by nobody
    (cleared by hand: undoing the batch would have marked the batch undone)."""
    replacements = select(ResultEntry.superseded_by_id).where(  # corrections keep their batch: index on batch_id
        ResultEntry.batch_id == batch_id, col(ResultEntry.superseded_by_id).is_not(None)
    )
    corrected = session.exec(
        select(ResultEntry).where(
            ResultEntry.batch_id == batch_id,
            col(ResultEntry.superseded_at).is_(None),
            col(ResultEntry.id).in_(replacements),
        )
    ).all()
    cleared = session.exec(
        select(ResultEntry).where(
            ResultEntry.batch_id == batch_id,
            col(ResultEntry.superseded_at).is_not(None),
            col(ResultEntry.superseded_by_id).is_(None),
        )
    ).all()
    who = _who_cleared(session, [e.id or 0 for e in cleared])
    return ManualChanges(
        {(e.day, e.arm, e.metric): e for e in corrected},
        {(e.day, e.arm, e.metric): f"{who.get(e.id or 0, 'someone')} on {e.superseded_at:%d %b %Y}" for e in cleared},
    )


def _who_cleared(session: Session, entry_ids: list[int]) -> dict[int, str]:
    if not entry_ids:
        return {}
    stmt = select(AuditEvent.entity_id, AuditEvent.actor).where(
        AuditEvent.entity == "result", AuditEvent.action == "delete", col(AuditEvent.entity_id).in_(entry_ids)
    )
    return {int(i or 0): a for i, a in session.exec(stmt)}


def reapply(session: Session, batch_id: int, changes: ManualChanges, actor: str) -> tuple[int, int]:
    """Put each manual correction back on top of the new import's value for the same key; (kept, lost)."""
    if not len(changes):
        return 0, 0
    keys = [*changes.corrected, *changes.deleted]
    fresh: dict[Key, ResultEntry] = {}
    for start in range(0, len(keys), 300):
        chunk = keys[start : start + 300]
        stmt = select(ResultEntry).where(
            ResultEntry.batch_id == batch_id,
            col(ResultEntry.superseded_at).is_(None),
            sa.tuple_(col(ResultEntry.day), col(ResultEntry.arm), col(ResultEntry.metric)).in_(chunk),
        )
        fresh.update({(e.day, e.arm, e.metric): e for e in session.exec(stmt)})
    kept = 0
    for key, value in changes.corrected.items():
        if key in fresh:
            values = {k: getattr(value, k) for k in results.VALUE_FIELDS}
            if all(getattr(fresh[key], k) == values[k] for k in _NUMBERS):  # the file now says the same
                kept += 1
                continue
            by = f"{value.created_by or 'someone'} on {value.created_at:%d %b %Y}"
            results.correct_result(
                session, fresh[key].id or 0, actor, f"kept on re-import: corrected by {by}", **values
            )
            kept += 1
    for key, by in changes.deleted.items():
        if key in fresh:
            results.delete_result(session, fresh[key].id or 0, actor, f"kept on re-import: cleared by {by}")
            kept += 1
    return kept, len(changes) - kept
