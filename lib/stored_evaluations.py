"""Each pilot's latest evaluation, kept with the data version it was computed from.

Home, the review queue and the goals roll-up read verdicts from here instead of
re-evaluating every pilot on every visit. A write to a pilot bumps its data
version (``audit.record`` calls :func:`bump`), so only the pilots that changed
are evaluated again — one pilot's evaluation per write, not the portfolio's.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, update

from lib.models import StoredEvaluation


def _insert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def bump(session: Session, pilot_id: int) -> None:
    """Mark the pilot's stored evaluation stale, in the writer's transaction (one statement)."""
    session.flush()  # a pilot created in this transaction must exist before its row here refers to it
    table = sa.inspect(StoredEvaluation).local_table
    stmt = _insert(session)(table).values(pilot_id=pilot_id, data_version=1)
    stmt = stmt.on_conflict_do_update(index_elements=["pilot_id"], set_={"data_version": table.c.data_version + 1})
    session.execute(stmt)


def forget(session: Session, pilot_id: int) -> None:
    """Mark stale without a write to the pilot (e.g. after a restore rewrote its rows)."""
    session.execute(
        update(StoredEvaluation).where(col(StoredEvaluation.pilot_id) == pilot_id).values(evaluated_version=None)
    )
