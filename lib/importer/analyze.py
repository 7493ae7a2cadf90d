"""One call from an uploaded file and a mapping to a preview the user can check.

Pure: nothing is saved. The caller passes what it knows about the pilot (its
arms, its dates, the day x arm x metric keys already logged) and gets back the
observations it would store plus every problem, with row numbers.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import closing
from datetime import date

from . import messages, row_messages, units
from .aggregate import Aggregator
from .csv_table import CsvTable, EncodingMismatch
from .errors import ImportFileError
from .heap import freed_memory_kept
from .mapping import ImportMapping, find_column
from .narrow import ReadAgain
from .plan import ColumnPlan
from .reading import open_table
from .report import MAX_PROBLEMS, ImportPreview, ProblemLog
from .resolve import resolve
from .source import DEFAULT_MAX_BYTES, Source
from .suggest import person_column, suggest_mapping
from .table import Progress, Table


def analyze(
    source: Source,
    mapping: ImportMapping,
    *,
    name: str | None = None,
    allowed_arms: Collection[str] | None = None,
    date_range: tuple[date | None, date | None] | None = None,
    existing_keys: Collection[tuple[date, str, str]] | None = None,
    as_of: date | None = None,
    on_progress: Progress | None = None,
    sheet: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_problems: int = MAX_PROBLEMS,
    chunk_rows: int | None = None,
    currency: str | None = None,
) -> ImportPreview:
    """Read the whole file with ``mapping`` and report what an import would store.

    Raises ImportFileError (with a message for the user) when the file cannot be
    read at all or the mapping does not fit it; everything else is a Problem in
    the preview. ``as_of`` is the day used when the mapping has no date column
    (default: today). ``on_progress`` gets fractions from 0 to 1 as the file is read.
    ``currency`` is the workspace's (a code, "EUR"), given when the pilot takes spend: the spend column is then
    money, never below zero, and a cell naming another currency is a problem.
    """
    mapping.check()
    # chunk after chunk frees and allocates the same arrays: glibc keeps them for reuse meanwhile (heap.py)
    with freed_memory_kept(), open_table(source, name, sheet=sheet, max_bytes=max_bytes) as table:
        mapping.check(table.columns)
        person = None
        if mapping.layout == "events" and not mapping.unit_column:  # named units repeat on purpose
            person = person_column(table.columns, table.sample_rows, {*mapping.columns()})
        columns = [*mapping.columns(), *([person] if person else [])]
        positions = {column: find_column(column, table.columns) for column in columns}
        plan = ColumnPlan.build(mapping, positions, table.columns, person, currency)  # type: ignore[arg-type]
        if isinstance(table, CsvTable):
            table.narrow = True  # only the mapped columns, where the bytes vouch for it (narrow.py)
        progress = None if on_progress is None else _onwards(on_progress)
        while True:
            try:
                return _run(
                    table,
                    mapping,
                    plan,
                    allowed_arms,
                    date_range,
                    existing_keys,
                    as_of,
                    progress,
                    max_problems,
                    chunk_rows,
                )
            except (ImportFileError, EncodingMismatch, ReadAgain) as exc:
                if isinstance(table, CsvTable) and table.read_again():
                    continue  # a narrow read vouches for nothing it did not finish: every column, as before
                if not isinstance(exc, EncodingMismatch):
                    raise
                if not (isinstance(table, CsvTable) and table.next_encoding()):
                    raise ImportFileError(messages.unreadable_csv(table.name, messages.UNKNOWN_ENCODING)) from None


def _onwards(on_progress: Progress) -> Progress:
    """Progress that never goes back: a file read again shows the bar waiting, not emptying."""
    furthest = 0.0

    def report(done: float) -> None:
        nonlocal furthest
        if done >= furthest:
            furthest = done
            on_progress(done)

    return report


preview = analyze
"""Alias: the page calls it a preview, the CLI an analysis."""


def _run(
    table: Table,
    mapping: ImportMapping,
    plan: ColumnPlan,
    allowed_arms: Collection[str] | None,
    date_range: tuple[date | None, date | None] | None,
    existing_keys: Collection[tuple[date, str, str]] | None,
    as_of: date | None,
    on_progress: Progress | None,
    max_problems: int,
    chunk_rows: int | None,
) -> ImportPreview:
    log = ProblemLog(max_problems)
    aggregator = Aggregator(plan, table.format.decimal, log)
    positions = sorted({*plan.names})
    # A CSV of several chunks is parsed a chunk ahead on a second thread while this one sums (prefetch.py).
    with closing(table.frames(positions, chunk_rows)) as chunks:  # closes pandas' reader even on errors
        for first_row, frame, done in chunks:
            aggregator.add(first_row, frame)
            if on_progress is not None:
                on_progress(done)
    result = resolve(
        plan, mapping, aggregator.tally, log, allowed_arms, date_range, existing_keys, as_of or date.today()
    )
    if result.row_count == 0:
        raise ImportFileError(messages.no_data_rows(table.name))
    problems, more = log.finish()
    notes = list(result.notes)
    if not mapping.unit_column and (
        unit_like := units.unit_like_column(table.columns, table.sample_rows, {*plan.names.values()})
    ):
        notes.append(units.note_unit_like(unit_like))
    if table.format.encoding not in (None, "utf-8"):
        notes.insert(0, row_messages.note_encoding(table.format.encoding))
    if on_progress is not None:
        on_progress(1.0)
    days = sorted({o.day for o in result.observations})
    detected = suggest_mapping(table.columns, table.sample_rows[:100], decimal=table.format.decimal).layout
    return ImportPreview(
        file_name=table.name,
        size_bytes=table.size,
        format=table.format,
        mapping=mapping,
        layout=mapping.layout,
        detected_layout=detected,
        row_count=result.row_count,
        rows_used=result.rows_used,
        observations=result.observations,
        arm_totals=result.arm_totals,
        arm_values=result.arm_values,
        date_order=result.date_order,
        period=result.period,
        first_day=days[0] if days else None,
        last_day=days[-1] if days else None,
        problems=problems,
        more_problems=more,
        notes=notes,
        blank_rows=result.blank_rows,
        skipped_rows=result.totals_count,
        unit_observations=result.unit_observations,
        unit_counts=result.unit_counts,
    )
