"""Each pilot's latest evaluation, kept with the data version it was computed from.

Home, the review queue and the goals roll-up read verdicts from here instead of
re-evaluating every pilot on every visit. A write to a pilot bumps its data
version (``audit.record`` calls :func:`bump`), so only the pilots that changed
are evaluated again — one pilot's evaluation per write, not the portfolio's.
"""

from __future__ import annotations

import json
import logging

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel, col, select, update

from lib.decide import PilotEvaluation
from lib.decide.frozen import evaluation_from_snapshot
from lib.decide.verdicts import EVALUATION_FORMAT, METHOD_VERSION
from lib.decide.wording import WORDING_VERSION
from lib.infra.db import SQLITE_BUSY_TIMEOUT_MS
from lib.infra.models import Pilot, StoredEvaluation, utcnow

log = logging.getLogger(__name__)
KEEP_WAIT_MS = 250
#: what a kept evaluation was computed with: the rules, the sentences' wording and the shape it is kept in
#: (any of them changed: computed again)
STORED_AS = f"{METHOD_VERSION}/wording-{WORDING_VERSION}/format-{EVALUATION_FORMAT}"


def _insert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def bump(session: Session, pilot_id: int) -> None:
    """Mark the pilot's stored evaluation stale, in the writer's transaction (one statement)."""
    session.flush()  # a pilot created in this transaction must exist before its row here refers to it
    table = SQLModel.metadata.tables[StoredEvaluation.__tablename__]
    stmt = _insert(session)(table).values(pilot_id=pilot_id, data_version=1)
    stmt = stmt.on_conflict_do_update(index_elements=["pilot_id"], set_={"data_version": table.c.data_version + 1})
    session.execute(stmt)


def forget(session: Session, pilot_id: int) -> None:
    """Mark stale without a write to the pilot (e.g. after a restore rewrote its rows)."""
    session.execute(
        update(StoredEvaluation).where(col(StoredEvaluation.pilot_id) == pilot_id).values(evaluated_version=None)
    )


def _fresh(row: StoredEvaluation | None) -> bool:
    return (
        row is not None
        and row.evaluated_version is not None
        and row.evaluated_version == row.data_version
        and row.method_version == STORED_AS
    )


def latest(session: Session, pilots: list[Pilot]) -> dict[int, PilotEvaluation]:
    """Each pilot's evaluation: read back where its data version is unchanged, else computed and kept.

    Computing reads in the caller's session (one consistent snapshot); keeping the results is a
    separate short write (derived data, so it needs no one's permission), and losing that race to a
    concurrent write only means the next visit computes the pilot again.
    """
    from lib.services.evaluation import evaluate_many

    wanted = [p.id or 0 for p in pilots]
    stmt = select(StoredEvaluation)
    if len(wanted) <= 200:  # one pilot's page reads its own row, not the portfolio's
        stmt = stmt.where(col(StoredEvaluation.pilot_id).in_(wanted))
    stored = {r.pilot_id: r for r in session.exec(stmt)}
    out: dict[int, PilotEvaluation] = {}
    stale: list[Pilot] = []
    for p in pilots:
        row = stored.get(p.id or 0)
        if row is not None and _fresh(row):
            out[p.id or 0] = evaluation_from_snapshot(
                {"evaluation": json.loads(row.evaluation_json), "method_version": METHOD_VERSION}
            )
        else:
            stale.append(p)
    if stale:
        computed = evaluate_many(session, stale)
        out.update(computed)
        versions = {pid: stored[pid].data_version if pid in stored else 0 for pid in computed}
        _keep(session.get_bind(), computed, versions)
    return out


def _lean(ev: PilotEvaluation) -> dict:
    """The evaluation as lists and pages read it: without the before/after counterfactual band
    (hundreds of days per pilot; the pilot page and reports evaluate afresh and draw it from there)."""
    data = ev.to_dict()
    for v in data.get("verdicts", []):
        v.pop("counterfactual", None)
        v.pop("result", None)
    return data


def _keep(bind, computed: dict[int, PilotEvaluation], versions: dict[int, int]) -> None:
    """Keep what was computed, in a short write of its own that never waits long for the lock.

    A reader must not hang behind someone's import to save a cache: on SQLite the write
    waits at most ``KEEP_WAIT_MS`` and otherwise gives up (the next visit computes again).
    """
    engine = bind.engine if hasattr(bind, "engine") else bind
    table = SQLModel.metadata.tables[StoredEvaluation.__tablename__]
    now = utcnow()
    sqlite = engine.dialect.name == "sqlite"
    statements = []
    for pid, ev in computed.items():
        values = {
            "evaluated_version": versions[pid],
            "method_version": STORED_AS,  # what _fresh checks; read back as METHOD_VERSION
            "recommendation": ev.recommendation,
            "evaluation_json": json.dumps(_lean(ev), allow_nan=False, default=str),
            "computed_at": now,
        }
        insert = (sqlite_insert if sqlite else pg_insert)(table).values(
            pilot_id=pid, data_version=versions[pid], **values
        )
        # only while nobody wrote to the pilot meanwhile: a stale result must never look fresh
        statements.append(
            insert.on_conflict_do_update(
                index_elements=["pilot_id"], set_=values, where=table.c.data_version == versions[pid]
            )
        )
    try:
        with engine.connect().execution_options(greenlight_read=True) as conn:  # a plain BEGIN, no queueing
            raw = conn.connection.dbapi_connection  # pragmas outside any transaction
            if sqlite and raw is not None:
                raw.execute(f"PRAGMA busy_timeout={KEEP_WAIT_MS}")
            try:
                with conn.begin():
                    for stmt in statements:
                        conn.execute(stmt)
            finally:
                if sqlite and raw is not None:
                    raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    except (sa.exc.OperationalError, sa.exc.IntegrityError):  # busy or raced: computed again next time
        log.info("stored evaluations not kept this time", exc_info=True)


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
