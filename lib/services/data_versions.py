"""Each pilot's data version: bumped by every write to the pilot, in the writer's transaction.

Whatever is drawn or computed from a pilot's data (stored evaluations, charts, views) is keyed by it, so a
write to one pilot redraws that pilot only, on every replica. It sits below the audit trail, which bumps it.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel, col, select

from lib.infra.models import StoredEvaluation


def insert_for(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def bump(session: Session, pilot_id: int) -> None:
    """Mark the pilot's stored evaluation stale, in the writer's transaction (one statement)."""
    session.flush()  # a pilot created in this transaction must exist before its row here refers to it
    table = SQLModel.metadata.tables[StoredEvaluation.__tablename__]
    stmt = insert_for(session)(table).values(pilot_id=pilot_id, data_version=1)
    stmt = stmt.on_conflict_do_update(index_elements=["pilot_id"], set_={"data_version": table.c.data_version + 1})
    session.execute(stmt)


def data_versions(session: Session) -> dict[int, int]:
    """Each pilot's data version: what a cache of anything drawn from its data is keyed by.

    Two columns, not the rows: at 2,000 pilots loading every stored evaluation took a quarter of Review.
    """
    stmt = select(col(StoredEvaluation.pilot_id), col(StoredEvaluation.data_version))
    return {pilot_id: version for pilot_id, version in session.exec(stmt)}


def data_version(session: Session, pilot_id: int) -> int:
    """One pilot's data version (0 before anything was stored for it)."""
    stmt = select(col(StoredEvaluation.data_version)).where(StoredEvaluation.pilot_id == pilot_id)
    return int(session.exec(stmt).first() or 0)
