"""Logged results: sufficient statistics per pilot x metric x arm x day.

Nothing is overwritten: a correction supersedes the current row with a new
one, a deletion supersedes it with nothing, and both leave an audit event with
the values before and after. A whole call is one transaction's worth of rows:
either every row is valid and stored, or the caller gets every problem and
nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, func, select

from lib.infra.inputs import FieldError, InvalidInput, ResultIn, validated
from lib.infra.models import AuditEvent, Pilot, ResultEntry, utcnow
from lib.services import access, audit
from lib.services.pilots import get_pilot, metric_kinds
from lib.services.spend_outcome import no_outcome_message
from lib.specs import Observation
from lib.vocabulary import SPEND_METRIC

VALUE_FIELDS = ("n", "total", "total_sq", "total_cu", "cost", "note")
# A correction that changes any of these without a new sum of cubes drops the old one (it no longer fits).
_CUBE_INPUTS = ("n", "total", "total_sq")


@dataclass(frozen=True)
class HistoryLine:
    """One correction or deletion, as the Log results page shows it."""

    at: datetime
    actor: str
    action: str
    day: str
    arm: str
    metric: str
    before: str
    after: str
    reason: str


@dataclass(frozen=True)
class LoggingWindow:
    """The days a pilot takes results for: baseline on for before/after, else from its start, to its end."""

    first: date | None
    last: date | None

    def shown_until(self, today: date) -> date:
        """The last day a page offers: today, or the end of a pilot that has ended."""
        return min(today, self.last) if self.last else today


def logging_window(pilot: Pilot) -> LoggingWindow:
    first = pilot.baseline_start if pilot.design == "before_after" else pilot.start_date
    if pilot.design == "market":  # a market test's pre-period is every day before its start the data holds
        first = None
    return LoggingWindow(first, pilot.end_date)


def allowed_days(pilot: Pilot) -> tuple[date | None, date | None]:
    """(first, last) day a value may be logged for, by hand or from a file."""
    window = logging_window(pilot)
    return window.first, window.last


#: the order a pilot's current values are read in, everywhere the engine gets them: floating-point sums depend on
#: their order, so one order means the same verdict to the last digit on every page (and on PostgreSQL, whose
#: row order without one follows where updates left the rows)
CURRENT_ORDER = (
    col(ResultEntry.pilot_id),
    col(ResultEntry.day),
    col(ResultEntry.arm),
    col(ResultEntry.metric),
    col(ResultEntry.id),
)


def current_query(pilot_id: int):
    return select(ResultEntry).where(ResultEntry.pilot_id == pilot_id, col(ResultEntry.superseded_at).is_(None))


def current_entries(session: Session, pilot_id: int) -> list[ResultEntry]:
    stmt = current_query(pilot_id).order_by(*CURRENT_ORDER)
    return list(session.exec(stmt))


def count_current(session: Session, pilot_id: int | None = None) -> int:
    stmt = select(func.count()).select_from(ResultEntry).where(col(ResultEntry.superseded_at).is_(None))
    if pilot_id is not None:
        stmt = stmt.where(ResultEntry.pilot_id == pilot_id)
    return int(session.exec(stmt).one())


def existing_keys(session: Session, pilot_id: int, except_batch: int | None = None) -> set[tuple[date, str, str]]:
    """(day, arm, metric) already logged: the importer reports these before commit.

    ``except_batch`` leaves out an import that is about to be replaced.
    """
    stmt = select(col(ResultEntry.day), col(ResultEntry.arm), col(ResultEntry.metric)).where(
        ResultEntry.pilot_id == pilot_id, col(ResultEntry.superseded_at).is_(None)
    )
    if except_batch is not None:
        stmt = stmt.where(sa.or_(col(ResultEntry.batch_id).is_(None), col(ResultEntry.batch_id) != except_batch))
    return {(d, a, m) for d, a, m in session.exec(stmt)}


def validate_rows(
    pilot: Pilot, kinds: dict[str, str], rows: Sequence[dict], today: date | None = None
) -> tuple[list[ResultIn], list[FieldError]]:
    """Check every row against the input rules and the pilot; collect all problems."""
    today = today or date.today()
    first, last = allowed_days(pilot)
    arms = pilot.arm_list
    good: list[ResultIn] = []
    errors: list[FieldError] = []
    for i, raw in enumerate(rows, start=1):
        metric = str(raw.get("metric", "")).strip()
        if metric == SPEND_METRIC and metric not in kinds:
            where = _cell(raw, i)
            errors.append(FieldError(where, no_outcome_message(kinds)))
            continue
        if metric not in kinds:
            known = ", ".join(kinds) or "none yet: add a criterion first"
            errors.append(FieldError(f"row {i} metric", f"'{metric}' is not a metric of this pilot ({known})."))
            continue
        try:
            row = validated(ResultIn, kind=kinds[metric], **{k: v for k, v in raw.items() if k != "kind"})
        except InvalidInput as exc:
            errors.extend(FieldError(f"row {i} {e.field}", e.message) for e in exc.errors)
            continue
        if row.arm not in arms:
            errors.append(FieldError(f"row {i} arm", f"'{row.arm}' is not an arm of this pilot ({', '.join(arms)})."))
        elif first and row.day < first:
            errors.append(
                FieldError(f"row {i} day", f"{row.day:%d %b %Y} is before the pilot's first day ({first:%d %b %Y}).")
            )
        elif last and row.day > last:
            errors.append(
                FieldError(f"row {i} day", f"{row.day:%d %b %Y} is after the pilot's last day ({last:%d %b %Y}).")
            )
        elif row.day > today:
            errors.append(FieldError(f"row {i} day", f"{row.day:%d %b %Y} is in the future."))
        else:
            good.append(row)
    seen: set[tuple] = set()
    for row in good:
        key = (row.day, row.arm, row.metric)
        if key in seen:
            errors.append(FieldError("rows", f"{row.day} × {row.arm} × {row.metric} appears twice."))
        seen.add(key)
    return good, errors


def _cell(raw: dict, i: int) -> str:
    """A row's cell in people's terms ("12 Nov 2026 · pilot · spend"), or its row number when its day is unreadable."""
    day = raw.get("day")
    if isinstance(day, date):
        return f"{day:%d %b %Y} · {raw.get('arm', '')} · {raw.get('metric', '')}"
    return f"row {i}"


def _entry_dict(e: ResultEntry) -> dict:
    return {k: getattr(e, k) for k in ("day", "arm", "metric", *VALUE_FIELDS)}


def log_results(
    session: Session,
    pilot_id: int,
    rows: Sequence[dict],
    actor: str,
    *,
    source: str = "manual",
    batch_id: int | None = None,
    today: date | None = None,
) -> int:
    """Store new rows all or nothing; a day already logged is refused (correct it instead).

    Returns how many values were stored. Rows go in as one multi-row INSERT: an
    import of hundreds of day x arm x metric values costs one round trip.
    """
    access.require_editor(actor, "log results")
    pilot = get_pilot(session, pilot_id)
    kinds = metric_kinds(session, pilot_id)
    good, errors = validate_rows(pilot, kinds, rows, today)
    if errors:
        raise InvalidInput(errors)
    if not good:
        raise InvalidInput.one("rows", "there is nothing to save: enter at least one row.")
    taken = existing_keys(session, pilot_id)
    clashes = [r for r in good if (r.day, r.arm, r.metric) in taken]
    if clashes:
        raise InvalidInput(
            [
                FieldError(
                    "rows",
                    f"{r.day:%d %b %Y} × {r.arm} × {r.metric} is already logged; "
                    "edit that value instead (history is kept).",
                )
                for r in clashes[:20]
            ]
        )
    now = utcnow()
    values = [
        {
            **row.model_dump(exclude={"kind"}),
            "pilot_id": pilot_id,
            "source": source,
            "batch_id": batch_id,
            "created_by": actor,
            "created_at": now,
        }
        for row in good
    ]
    try:
        session.execute(sa.insert(ResultEntry), values)
    except IntegrityError:
        raise InvalidInput.one(
            "rows", "someone else logged some of these days at the same moment; reload and try again."
        ) from None
    if source == "manual":
        audit.record(
            session,
            entity="results",
            entity_id=None,
            pilot_id=pilot_id,
            action="log",
            actor=actor,
            after={"rows": len(values)},
        )
    return len(values)


def _changed_meanwhile(old: ResultEntry) -> InvalidInput:
    return InvalidInput.one(
        "entry",
        f"the value for {old.day:%d %b %Y} · {old.arm} · {old.metric} was changed by someone else meanwhile; "
        "reload to see the current value and correct it again if it is still wrong. Nothing was saved.",
    )


def _supersede(session: Session, old: ResultEntry, values: dict | None, actor: str, reason: str) -> ResultEntry | None:
    """Retire ``old`` (only if still current: the UPDATE waits for and then sees a concurrent writer's)."""
    before = _entry_dict(old)
    now = utcnow()
    retired = session.execute(
        sa.update(ResultEntry)
        .where(col(ResultEntry.id) == old.id, col(ResultEntry.superseded_at).is_(None))
        .values(superseded_at=now)
        .execution_options(synchronize_session=False)
    )
    if retired.rowcount != 1:  # type: ignore[attr-defined]
        raise _changed_meanwhile(old)
    set_committed_value(old, "superseded_at", now)  # frees the "one current row" slot before the new row takes it
    new = None
    if values is not None:
        new = ResultEntry(pilot_id=old.pilot_id, source=old.source, batch_id=old.batch_id, created_by=actor, **values)
        session.add(new)
        try:
            session.flush()
        except IntegrityError:  # another writer filled the slot in between (belt and braces)
            raise _changed_meanwhile(old) from None
        old.superseded_by_id = new.id
        session.add(old)
    audit.record(
        session,
        entity="result",
        entity_id=old.id,
        pilot_id=old.pilot_id,
        action="correct" if new else "delete",
        actor=actor,
        reason=reason,
        before=before,
        after=_entry_dict(new) if new else None,
    )
    return new


def correct_result(session: Session, entry_id: int, actor: str, reason: str = "", **values) -> ResultEntry:
    """Replace one current value; the old one stays in history."""
    access.require_editor(actor, "correct results")
    old = session.get(ResultEntry, entry_id)
    if old is None:
        raise InvalidInput.one("entry", f"entry #{entry_id} is not a current value (it may have been changed already).")
    if old.superseded_at is not None:
        raise _changed_meanwhile(old)
    kinds = metric_kinds(session, old.pilot_id)
    merged = {**_entry_dict(old), **values}
    if "total_cu" not in values and any(k in values and values[k] != getattr(old, k) for k in _CUBE_INPUTS):
        merged["total_cu"] = None
    row = validated(ResultIn, kind=kinds.get(old.metric, "count"), **merged)
    new = _supersede(session, old, row.model_dump(exclude={"kind"}), actor, reason or "corrected")
    assert new is not None
    return new


def delete_result(session: Session, entry_id: int, actor: str, reason: str = "") -> None:
    access.require_editor(actor, "clear results")
    old = session.get(ResultEntry, entry_id)
    if old is None or old.superseded_at is not None:
        raise InvalidInput.one("entry", f"entry #{entry_id} is not a current value.")
    _supersede(session, old, None, actor, reason or "deleted")


def observations(session: Session, pilot_id: int) -> list[Observation]:
    return to_observations(current_entries(session, pilot_id))


def to_observations(entries: Iterable[ResultEntry]) -> list[Observation]:
    return [
        Observation(
            day=e.day, arm=e.arm, metric=e.metric, n=e.n, total=e.total, total_sq=e.total_sq, total_cu=e.total_cu
        )
        for e in entries
    ]


def _brief(values: dict | None) -> str:
    if not values:
        return "—"
    parts = [f"n={values['n']:,g}", f"total={values['total']:,g}"]
    if values.get("cost") is not None:
        parts.append(f"cost={values['cost']:,g}")
    return ", ".join(parts)


def history(session: Session, pilot_id: int, limit: int = 200) -> list[HistoryLine]:
    """Corrections and deletions, newest first: who, when, before, after, why."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.pilot_id == pilot_id, AuditEvent.entity == "result")
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
    )
    lines = []
    for ev in session.exec(stmt):
        before = json.loads(ev.before_json) if ev.before_json else None
        after = json.loads(ev.after_json) if ev.after_json else None
        key = before or after or {}
        lines.append(
            HistoryLine(
                at=ev.at,
                actor=ev.actor,
                action=ev.action,
                day=str(key.get("day", "")),
                arm=str(key.get("arm", "")),
                metric=str(key.get("metric", "")),
                before=_brief(before),
                after=_brief(after),
                reason=ev.reason,
            )
        )
    return lines
