"""Storing an import: one file is one ImportBatch and one transaction, undone as a whole.

The reading, mapping and checking live in ``lib.importer`` (pure); this module
adds what needs the database: the pilot's arms, dates and already-logged keys,
duplicate-file detection by checksum, undo, and the remembered mapping.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from lib.importer import FileSample, ImportMapping, ImportPreview, analyze, suggest_mapping
from lib.importer.reading import Source
from lib.infra.inputs import FieldError, InvalidInput
from lib.infra.models import ImportBatch, ImportMappingMemory, ResultEntry, utcnow
from lib.services import access, audit, results, unit_results
from lib.services.import_corrections import ManualChanges, manual_changes, reapply
from lib.services.market_import import market_preview, suggest_market_column
from lib.services.pilots import get_pilot, metric_kinds


class DuplicateImport(InvalidInput):
    """The same file is already imported into this pilot (and not undone)."""

    def __init__(self, batch: ImportBatch):
        self.batch = batch
        when = batch.created_at.strftime("%d %b %Y %H:%M")
        super().__init__(
            [
                FieldError(
                    "file",
                    f"“{batch.file_name}” was already imported on {when} UTC by "
                    f"{batch.created_by or 'someone'} (batch #{batch.id}). To import it again, "
                    "replace that batch (“Replace it” on the page, --replace in the CLI).",
                )
            ]
        )


@dataclass(frozen=True)
class ImportOutcome:
    batch: ImportBatch
    entries: int
    replaced_batch_id: int | None
    kept_corrections: int = 0  # manual corrections of the replaced batch re-applied on the new values
    lost_corrections: int = 0  # ... that could not be: the new import has no value for that day, arm and metric

    @property
    def note(self) -> str:
        """What happened to the replaced import's manual corrections, in words ("" when there were none)."""
        parts = []
        if self.kept_corrections:
            parts.append(
                f"{_plural(self.kept_corrections, 'manual correction')} of the earlier import kept "
                "(re-applied on top of the file's values; history keeps both)."
            )
        if self.lost_corrections:
            parts.append(
                f"{_plural(self.lost_corrections, 'manual correction')} could not be kept: this import has no "
                "value for that day, arm and metric (it stays in history)."
            )
        return " ".join(parts)


@dataclass(frozen=True)
class PreparedImport:
    """A clean preview checked row by row against the pilot: what a short write transaction stores."""

    preview: ImportPreview
    pilot_id: int
    rows: list[dict]
    checked_against: tuple  # the pilot's arms, days and metric kinds the rows were checked with


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def preview_for_pilot(
    session: Session,
    pilot_id: int,
    source: Source,
    mapping: ImportMapping,
    *,
    name: str | None = None,
    on_progress=None,
    as_of: date | None = None,
    replacing: int | None = None,
) -> ImportPreview:
    """The importer's preview with the pilot's arms, dates and already-logged days checked.

    ``replacing`` is the batch a re-import will replace: its days do not count as taken.
    """
    pilot = get_pilot(session, pilot_id)
    _check_metrics(metric_kinds(session, pilot_id), mapping)
    if pilot.design == "market":  # one row per market and day: the arm follows from the plan's test markets
        return market_preview(session, pilot, source, mapping, name=name, on_progress=on_progress, replacing=replacing)
    return analyze(
        source,
        mapping,
        name=name,
        allowed_arms=pilot.arm_list,
        date_range=results.allowed_days(pilot),
        existing_keys=results.existing_keys(session, pilot_id, except_batch=replacing),
        on_progress=on_progress,
        as_of=as_of or min(date.today(), pilot.end_date or date.today()),
    )


def check_duplicate(session: Session, pilot_id: int, checksum: str, replace: bool) -> int | None:
    """Before the preview: refuse a file imported already, or name the batch it will replace."""
    existing = live_batch(session, pilot_id, checksum)
    if existing is None:
        return None
    if not replace:
        raise DuplicateImport(existing)
    return existing.id


def live_batch(session: Session, pilot_id: int, checksum: str) -> ImportBatch | None:
    stmt = select(ImportBatch).where(
        ImportBatch.pilot_id == pilot_id, ImportBatch.checksum == checksum, col(ImportBatch.undone_at).is_(None)
    )
    return session.exec(stmt).first()


def _check_metrics(kinds: dict[str, str], mapping: ImportMapping) -> None:
    """Every mapped metric must be one of the pilot's, of the same kind: checked before any preview."""
    errors = []
    for m in mapping.metrics:
        if m.name not in kinds:
            errors.append(
                FieldError(
                    "metric",
                    f"'{m.name}' is not a metric of this pilot ({', '.join(kinds) or 'it has no criteria yet'}).",
                )
            )
        elif kinds[m.name] != m.kind:
            errors.append(
                FieldError("metric", f"'{m.name}' is a {kinds[m.name]} metric in this pilot, not a {m.kind}.")
            )
    if errors:
        raise InvalidInput(errors)


def _checked_against(session: Session, pilot_id: int) -> tuple:
    pilot = get_pilot(session, pilot_id)
    return (tuple(pilot.arm_list), results.allowed_days(pilot), tuple(sorted(metric_kinds(session, pilot_id).items())))


def prepare_import(
    session: Session, pilot_id: int, preview: ImportPreview, today: date | None = None
) -> PreparedImport:
    """Check every row against the pilot before any write: the slow part stays out of the write lock.

    Refuses a preview with problems or without rows, and any row the pilot's rules refuse.
    """
    if not preview.ok:
        raise InvalidInput(
            [
                FieldError(
                    "file",
                    f"{preview.problem_count:,} problem(s) in the file; fix them and preview again. Nothing was saved.",
                )
            ]
        )
    if not preview.observations:
        raise InvalidInput.one("file", "the file holds no rows to import.")
    kinds = metric_kinds(session, pilot_id)
    _check_metrics(kinds, preview.mapping)
    raw = [
        dict(metric=o.metric, arm=o.arm, day=o.day, n=o.n, total=o.total, total_sq=o.total_sq, total_cu=o.total_cu)
        for o in preview.observations
    ]
    good, errors = results.validate_rows(get_pilot(session, pilot_id), kinds, raw, today)
    if errors:
        raise InvalidInput(errors[:20])
    rows = [row.model_dump(exclude={"kind"}) for row in good]
    return PreparedImport(preview, pilot_id, rows, _checked_against(session, pilot_id))


def commit_import(
    session: Session,
    pilot_id: int,
    preview: ImportPreview | PreparedImport,
    *,
    checksum: str,
    actor: str,
    source: str = "file",
    replace: bool = False,
) -> ImportOutcome:
    """Store a clean preview as one batch, in the caller's transaction; all rows or none.

    Pass a ``PreparedImport`` (``prepare_import`` in a read session first) to keep the
    write short; a plain preview is checked here, inside the write. Replacing an earlier
    import of the file keeps the manual corrections made to its values since.
    """
    access.require_editor(actor, "import files")
    if isinstance(preview, ImportPreview):
        preview = prepare_import(session, pilot_id, preview)
    elif preview.checked_against != _checked_against(session, pilot_id):  # the pilot changed since: check again
        preview = prepare_import(session, pilot_id, preview.preview)
    replaced, corrections = None, ManualChanges({}, {})
    existing = live_batch(session, pilot_id, checksum)
    if existing is not None:
        if not replace:
            raise DuplicateImport(existing)
        corrections = manual_changes(session, existing.id or 0)
        undo_batch(session, existing.id or 0, actor, reason="replaced by a new import of the same file")
        replaced = existing.id
    batch = _new_batch(session, pilot_id, preview.preview, checksum, source, actor)
    _insert_rows(session, pilot_id, preview.rows, batch.id or 0, source, actor)
    unit_results.insert(session, pilot_id, preview.preview.unit_observations, batch.id or 0, source, actor)
    kept, lost = reapply(session, batch.id or 0, corrections, actor)
    remember_mapping(session, pilot_id, preview.preview.mapping)
    audit.record(
        session,
        entity="import_batch",
        entity_id=batch.id,
        pilot_id=pilot_id,
        action="import",
        actor=actor,
        after={
            "file": batch.file_name,
            "rows": batch.row_count,
            "entries": len(preview.rows),
            "replaced_batch": replaced,
            "kept_corrections": kept,
        },
    )
    return ImportOutcome(batch, len(preview.rows), replaced, kept, lost)


def _new_batch(session: Session, pilot_id: int, preview: ImportPreview, checksum: str, source: str, actor: str):
    batch = ImportBatch(
        pilot_id=pilot_id,
        file_name=preview.file_name[:255],
        checksum=checksum,
        layout=preview.layout,
        source=source,
        row_count=preview.row_count,
        entry_count=len(preview.observations),
        created_by=actor,
        mapping_json=json.dumps(preview.mapping.to_dict()),
    )
    session.add(batch)
    try:
        session.flush()
    except IntegrityError:
        raise InvalidInput.one(
            "file", "this file was imported into the pilot by someone else a moment ago; reload to see it."
        ) from None
    return batch


def _insert_rows(session: Session, pilot_id: int, rows: list[dict], batch_id: int, source: str, actor: str) -> None:
    """Store the rows in bulk, the fastest way each back end offers: the write lock is held for this."""
    taken = results.existing_keys(session, pilot_id)
    clashes = [r for r in rows if (r["day"], r["arm"], r["metric"]) in taken]
    if clashes:
        raise InvalidInput(
            [
                FieldError(
                    "rows",
                    f"{r['day']:%d %b %Y} × {r['arm']} × {r['metric']} was logged meanwhile; "
                    "preview the file again (history is kept).",
                )
                for r in clashes[:20]
            ]
        )
    extra = {"pilot_id": pilot_id, "source": source, "batch_id": batch_id, "created_by": actor, "created_at": utcnow()}
    table = ResultEntry.__table__  # type: ignore[attr-defined]
    try:
        if session.get_bind().dialect.name == "postgresql":
            _copy_rows(session, rows, extra)
        else:  # RETURNING turns the executemany into multi-row INSERTs of 1,000 rows: half the time
            session.execute(sa.insert(table).returning(table.c.id), [{**r, **extra} for r in rows])
    except IntegrityError:
        raise InvalidInput.one(
            "rows", "someone else logged some of these days at the same moment; reload and try again."
        ) from None


def _copy_rows(session: Session, rows: list[dict], extra: dict) -> None:
    """PostgreSQL's COPY: 160k values in seconds, where one INSERT per row takes four times longer."""
    import psycopg

    columns = [*rows[0], *extra]
    tail = tuple(extra.values())
    driver = session.connection().connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cur, cur.copy(f"COPY result_entry ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row.values(), *tail))
    except psycopg.errors.IntegrityError as exc:  # the driver's own: COPY goes around SQLAlchemy
        raise IntegrityError("COPY result_entry", None, exc) from None


def undo_batch(session: Session, batch_id: int, actor: str, reason: str = "") -> int:
    """Take a whole import back; its values stay in history, superseded by nothing (one UPDATE)."""
    access.require_editor(actor, "undo imports")
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise InvalidInput.one("batch", f"import #{batch_id} does not exist.")
    if batch.undone_at is not None:
        raise InvalidInput.one("batch", f"import #{batch_id} was already undone.")
    now = utcnow()
    taken_back = session.execute(
        sa.update(ResultEntry)
        .where(col(ResultEntry.batch_id) == batch_id, col(ResultEntry.superseded_at).is_(None))
        .values(superseded_at=now)
    )
    count = int(taken_back.rowcount)  # type: ignore[attr-defined]
    unit_results.take_back(session, batch_id, now)
    batch.undone_at, batch.undone_by = now, actor
    session.add(batch)
    session.flush()
    audit.record(
        session,
        entity="import_batch",
        entity_id=batch_id,
        pilot_id=batch.pilot_id,
        action="undo",
        actor=actor,
        reason=reason,
        before={"entries": count},
        after={"entries": 0},
    )
    return count


def corrections_to_keep(session: Session, pilot_id: int, checksum: str) -> int:
    """Manual corrections made to the live import of this file: a replacing import re-applies them."""
    existing = live_batch(session, pilot_id, checksum)
    return len(manual_changes(session, existing.id or 0)) if existing is not None else 0


def list_batches(session: Session, pilot_id: int) -> list[ImportBatch]:
    stmt = select(ImportBatch).where(ImportBatch.pilot_id == pilot_id).order_by(col(ImportBatch.id).desc())
    return list(session.exec(stmt))


def remember_mapping(session: Session, pilot_id: int, mapping: ImportMapping) -> None:
    """Upsert, so two imports finishing at once both succeed (the last mapping wins)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {"pilot_id": pilot_id, "mapping_json": json.dumps(mapping.to_dict()), "updated_at": utcnow()}
    stmt = insert(ImportMappingMemory).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["pilot_id"], set_={"mapping_json": values["mapping_json"], "updated_at": values["updated_at"]}
    )
    session.execute(stmt)


def remembered_mapping(session: Session, pilot_id: int) -> ImportMapping | None:
    memory = session.get(ImportMappingMemory, pilot_id)
    if memory is None:
        return None
    try:
        return ImportMapping.from_dict(json.loads(memory.mapping_json))
    except ValueError:
        return None


def mapping_for(session: Session, pilot_id: int, sample: FileSample) -> ImportMapping:
    """Last time's mapping when it still fits the file's columns, else a fresh suggestion."""
    remembered = remembered_mapping(session, pilot_id)
    if remembered is not None and not remembered.errors(sample.columns):
        return remembered
    kinds = metric_kinds(session, pilot_id)
    arms = get_pilot(session, pilot_id).arm_list
    mapping = suggest_mapping(sample.columns, sample.rows, list(kinds), decimal=sample.format.decimal, arms=arms)
    # only the pilot's own metrics: a column that matches none of them is not imported
    mapping.metrics = [m for m in mapping.metrics if m.name in kinds]
    for m in mapping.metrics:  # the pilot's criteria know the kind better than a guess
        if kinds[m.name] != m.kind and mapping.layout == "events":
            m.kind = kinds[m.name]  # type: ignore[assignment]
    if get_pilot(session, pilot_id).design == "market":
        suggest_market_column(mapping, sample)
    return mapping


def unmapped_metrics(session: Session, pilot_id: int, mapping: ImportMapping) -> list[str]:
    """The pilot's metrics this mapping leaves out, to say so before importing."""
    mapped = {m.name for m in mapping.metrics}
    return [name for name in metric_kinds(session, pilot_id) if name not in mapped]
