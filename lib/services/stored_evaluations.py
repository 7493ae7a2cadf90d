"""Each pilot's latest evaluation, kept with the data version it was computed from.

Home, the review queue and the goals roll-up read verdicts from here instead of
re-evaluating every pilot on every visit. A write to a pilot bumps its data
version (``audit.record`` calls :func:`bump`), so only the pilots that changed
are evaluated again — one pilot's evaluation per write, not the portfolio's.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel, col, select

from lib.decide import PilotEvaluation
from lib.decide.frozen import evaluation_from_snapshot
from lib.decide.verdicts import EVALUATION_FORMAT, METHOD_VERSION
from lib.decide.wording import WORDING_VERSION
from lib.infra.db import SQLITE_BUSY_TIMEOUT_MS
from lib.infra.models import Pilot, StoredEvaluation, utcnow
from lib.services.evaluation import evaluate, evaluate_many

log = logging.getLogger(__name__)
KEEP_WAIT_MS = 250
#: what a kept evaluation was computed with: the rules, the sentences' wording and the shape it is kept in
#: (any of them changed: computed again)
STORED_AS = f"{METHOD_VERSION}/wording-{WORDING_VERSION}/format-{EVALUATION_FORMAT}"


#: evaluations read back from their JSON, by database, pilot, data version and when it was computed: after a
#: write, Home rebuilds the portfolio from every pilot's kept evaluation, and decoding 500 of them cost 140 ms
#: where one changed (issue 29). A kept row that changed has a new data version or computation time.
_DECODED: OrderedDict[tuple[str, int, int, object, str], PilotEvaluation] = OrderedDict()
_DECODED_MAX = 5_000
_DECODED_LOCK = threading.Lock()
_TABLE = StoredEvaluation.__table__  # type: ignore[attr-defined]
_KEYS = (
    _TABLE.c.pilot_id,
    _TABLE.c.data_version,
    _TABLE.c.evaluated_version,
    _TABLE.c.method_version,
    _TABLE.c.computed_at,
)


def _fresh(row: Any) -> bool:
    return (
        row is not None
        and row.evaluated_version is not None
        and row.evaluated_version == row.data_version
        and row.method_version == STORED_AS
    )


def _key(database: str, row: Any) -> tuple[str, int, int, object, str]:
    return (database, row.pilot_id, row.data_version, row.computed_at, row.method_version)


def _decoded(database: str, row: Any) -> PilotEvaluation:
    evaluation = evaluation_from_snapshot(
        {"evaluation": json.loads(row.evaluation_json), "method_version": METHOD_VERSION}
    )
    with _DECODED_LOCK:
        _DECODED[_key(database, row)] = evaluation
        while len(_DECODED) > _DECODED_MAX:
            _DECODED.popitem(last=False)
    return evaluation


def latest(session: Session, pilots: list[Pilot]) -> dict[int, PilotEvaluation]:
    """Each pilot's evaluation: read back where its data version is unchanged, else computed and kept.

    Computing reads in the caller's session (one consistent snapshot); keeping the results is a
    separate short write (derived data, so it needs no one's permission), and losing that race to a
    concurrent write only means the next visit computes the pilot again. What was read back before
    is not decoded again: the rows' versions are read first, the JSON only for rows not decoded yet.
    """
    wanted = [p.id or 0 for p in pilots]
    connection = session.connection()
    database = str(connection.engine.url)
    few = len(wanted) <= 200  # one pilot's page reads its own row, not the portfolio's
    stmt = sa.select(*_KEYS)
    if few:
        stmt = stmt.where(_TABLE.c.pilot_id.in_(wanted))
    stored = {r.pilot_id: r for r in connection.execute(stmt)}
    out: dict[int, PilotEvaluation] = {}
    unread: list[Pilot] = []  # kept and fresh, not decoded in this process yet
    stale: list[Pilot] = []
    with _DECODED_LOCK:
        for p in pilots:
            row = stored.get(p.id or 0)
            if row is not None and _fresh(row):
                key = _key(database, row)
                hit = _DECODED.get(key)
                if hit is None:
                    unread.append(p)
                else:
                    _DECODED.move_to_end(key)
                    out[p.id or 0] = hit
            else:
                stale.append(p)
    if unread:
        with_json = sa.select(*_KEYS, _TABLE.c.evaluation_json)
        if len(unread) <= 200:
            with_json = with_json.where(_TABLE.c.pilot_id.in_([p.id or 0 for p in unread]))
        rows = {r.pilot_id: r for r in connection.execute(with_json)}
        for p in unread:
            kept = rows.get(p.id or 0)
            if kept is not None and _fresh(kept):  # computed again since the first read: that one, all the same
                out[p.id or 0] = _decoded(database, kept)
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


def evaluate_all(session: Session, as_of: date | None = None) -> list[tuple[Pilot, PilotEvaluation]]:
    """Every pilot with its latest evaluation: stored verdicts where the data have not changed since,
    a fresh evaluation (and a stored one for next time) where they have. With ``as_of``, everything
    is evaluated as of that day (nothing stored)."""
    pilots = list(session.exec(select(Pilot).order_by(col(Pilot.id))))
    if as_of is not None:
        return [(p, evaluate(session, p.id or 0, as_of)) for p in pilots]
    evaluations = latest(session, pilots)
    return [(p, evaluations[p.id or 0]) for p in pilots]
