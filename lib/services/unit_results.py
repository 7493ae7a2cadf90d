"""Each unit's values for pilots that split stores or markets between the arms.

An import writes them beside the arm x day values, in the same transaction and
batch; undoing (or replacing) the import supersedes them with it, so they stay
in history. The engine reads the current rows as ``UnitObservation`` records.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from lib.infra.inputs import InvalidInput
from lib.infra.models import UnitResult, utcnow
from lib.specs import UnitObservation

_FIELDS = ("day", "arm", "metric", "unit", "n", "total", "stratum", "before", "stratum_name", "before_name")


def insert(
    session: Session, pilot_id: int, rows: Sequence[UnitObservation], batch_id: int, source: str, actor: str
) -> int:
    """Store an import's unit rows in the caller's transaction; a unit-day already logged refuses them all."""
    if not rows:
        return 0
    extra = {"pilot_id": pilot_id, "batch_id": batch_id, "source": source, "created_by": actor, "created_at": utcnow()}
    values = [{**{f: getattr(r, f) for f in _FIELDS}, **extra} for r in rows]
    try:
        with session.begin_nested():
            session.execute(sa.insert(UnitResult), values)
    except IntegrityError:
        raise InvalidInput.one(
            "rows",
            "some of these stores already have values for these days (from another import); "
            "undo that import first, or replace it with this file. Nothing was saved.",
        ) from None
    return len(values)


def take_back(session: Session, batch_id: int, when: datetime) -> int:
    """An undone import's unit rows: superseded by nothing, kept as history."""
    done = session.execute(
        sa.update(UnitResult)
        .where(col(UnitResult.batch_id) == batch_id, col(UnitResult.superseded_at).is_(None))
        .values(superseded_at=when)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]


def unit_observations(session: Session, pilot_ids: Sequence[int]) -> dict[int, list[UnitObservation]]:
    """The current unit rows of the given pilots, oldest day first."""
    out: dict[int, list[UnitObservation]] = {}
    t = UnitResult.__table__  # type: ignore[attr-defined]
    columns = [t.c[f] for f in _FIELDS]
    for chunk in (list(pilot_ids)[i : i + 500] for i in range(0, len(pilot_ids), 500)):
        rows = session.execute(
            sa.select(t.c.pilot_id, *columns)
            .where(t.c.pilot_id.in_(chunk), t.c.superseded_at.is_(None))
            .order_by(t.c.day, t.c.id)
        )
        for pid, *values in rows:
            out.setdefault(pid, []).append(UnitObservation(**dict(zip(_FIELDS, values, strict=True))))
    return out


def counts(session: Session, pilot_id: int) -> dict[str, int]:
    """Units per arm logged so far (current rows)."""
    t = UnitResult.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        sa.select(t.c.arm, sa.func.count(sa.distinct(t.c.unit)))
        .where(t.c.pilot_id == pilot_id, t.c.superseded_at.is_(None))
        .group_by(t.c.arm)
    )
    return {arm: int(n) for arm, n in rows}
