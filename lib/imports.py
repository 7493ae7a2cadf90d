"""Storing an import: one file is one ImportBatch and one transaction, undone as a whole.

The reading, mapping and checking live in ``lib.importer`` (pure); this module
adds what needs the database: the pilot's arms, dates and already-logged keys,
duplicate-file detection by checksum, undo, and the remembered mapping.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from lib import access, audit, results
from lib.importer import FileSample, ImportMapping, ImportPreview, analyze, suggest_mapping
from lib.importer.reading import Source
from lib.inputs import FieldError, InvalidInput
from lib.models import ImportBatch, ImportMappingMemory, Pilot, ResultEntry, utcnow
from lib.pilots import get_pilot, metric_kinds


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


def pilot_window(pilot: Pilot) -> tuple[date | None, date | None]:
    first = pilot.baseline_start if pilot.design == "before_after" else pilot.start_date
    return first, pilot.end_date


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
    return analyze(
        source,
        mapping,
        name=name,
        allowed_arms=pilot.arm_list,
        date_range=pilot_window(pilot),
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


def commit_import(
    session: Session,
    pilot_id: int,
    preview: ImportPreview,
    *,
    checksum: str,
    actor: str,
    source: str = "file",
    replace: bool = False,
) -> ImportOutcome:
    """Store a clean preview as one batch, in the caller's transaction; all rows or none."""
    access.require_editor(actor, "import files")
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
    _check_metrics(metric_kinds(session, pilot_id), preview.mapping)
    replaced = None
    existing = live_batch(session, pilot_id, checksum)
    if existing is not None:
        if not replace:
            raise DuplicateImport(existing)
        undo_batch(session, existing.id or 0, actor, reason="replaced by a new import of the same file")
        replaced = existing.id
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
    rows = [
        dict(metric=o.metric, arm=o.arm, day=o.day, n=o.n, total=o.total, total_sq=o.total_sq, total_cu=o.total_cu)
        for o in preview.observations
    ]
    results.log_results(session, pilot_id, rows, actor, source=source, batch_id=batch.id)
    remember_mapping(session, pilot_id, preview.mapping)
    audit.record(
        session,
        entity="import_batch",
        entity_id=batch.id,
        pilot_id=pilot_id,
        action="import",
        actor=actor,
        after={"file": batch.file_name, "rows": batch.row_count, "entries": len(rows), "replaced_batch": replaced},
    )
    return ImportOutcome(batch=batch, entries=len(rows), replaced_batch_id=replaced)


def undo_batch(session: Session, batch_id: int, actor: str, reason: str = "") -> int:
    """Take a whole import back; its values stay in history, superseded by nothing."""
    access.require_editor(actor, "undo imports")
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise InvalidInput.one("batch", f"import #{batch_id} does not exist.")
    if batch.undone_at is not None:
        raise InvalidInput.one("batch", f"import #{batch_id} was already undone.")
    current = session.exec(
        select(ResultEntry).where(ResultEntry.batch_id == batch_id, col(ResultEntry.superseded_at).is_(None))
    ).all()
    now = utcnow()
    for entry in current:
        entry.superseded_at = now
        session.add(entry)
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
        before={"entries": len(current)},
        after={"entries": 0},
    )
    return len(current)


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
    mapping = suggest_mapping(sample.columns, sample.rows, list(kinds), decimal=sample.format.decimal)
    # only the pilot's own metrics: a column that matches none of them is not imported
    mapping.metrics = [m for m in mapping.metrics if m.name in kinds]
    for m in mapping.metrics:  # the pilot's criteria know the kind better than a guess
        if kinds[m.name] != m.kind and mapping.layout == "events":
            m.kind = kinds[m.name]  # type: ignore[assignment]
    return mapping


def unmapped_metrics(session: Session, pilot_id: int, mapping: ImportMapping) -> list[str]:
    """The pilot's metrics this mapping leaves out, to say so before importing."""
    mapped = {m.name for m in mapping.metrics}
    return [name for name in metric_kinds(session, pilot_id) if name not in mapped]
