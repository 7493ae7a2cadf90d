"""``python -m lib.cli import``: a file into a pilot, previewed first, written in one transaction."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lib.cli.common import EXIT_INVALID, EXIT_USAGE, CliError, cli_actor, open_engine, say
from lib.infra.db import reading, transaction
from lib.services import pilots
from lib.vocabulary import METRIC_KINDS

if TYPE_CHECKING:  # the importer loads only when a file is imported
    from lib.importer import ImportPreview, MetricMapping


def parse_metric(text: str, layout: str, kinds: dict[str, str]) -> MetricMapping:
    """NAME=COLUMN[:KIND]; aggregated rates NAME=CONVERSIONS/EXPOSURES, means NAME=N/SUM[/SUM_SQ]."""
    from lib.importer import MetricMapping

    name, sep, rest = text.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise CliError(f"--metric '{text}': expected NAME=COLUMN[:KIND].", EXIT_USAGE)
    columns, _, kind = rest.rpartition(":") if ":" in rest else (rest, "", "")
    kind = kind.strip() or kinds.get(name.strip(), "proportion")
    if kind not in METRIC_KINDS:
        known = f"{', '.join(METRIC_KINDS[:-1])} or {METRIC_KINDS[-1]}"
        raise CliError(f"--metric '{text}': kind '{kind}' is not {known}.", EXIT_USAGE)
    parts = [c.strip() for c in columns.split("/")]
    m = MetricMapping(name=name.strip(), kind=kind)  # type: ignore[arg-type]
    if layout == "events":
        m.column = columns.strip()
    elif kind == "proportion":
        if len(parts) != 2:
            raise CliError(f"--metric '{text}': an aggregated rate needs CONVERSIONS/EXPOSURES columns.", EXIT_USAGE)
        m.conversions_column, m.exposures_column = parts
    elif kind == "mean":
        if len(parts) not in (2, 3):
            raise CliError(f"--metric '{text}': an aggregated mean needs N/SUM[/SUM_SQ] columns.", EXIT_USAGE)
        m.n_column, m.sum_column = parts[:2]
        m.sum_sq_column = parts[2] if len(parts) == 3 else None
    else:
        m.column = parts[0]
    return m


def _print_preview(preview: ImportPreview) -> None:
    say(
        f"File: {preview.file_name} ({preview.size_bytes:,} bytes), layout {preview.layout} "
        f"(detected: {preview.detected_layout}), {preview.row_count:,} rows read, {preview.rows_used:,} used."
    )
    if preview.first_day:
        say(f"Days: {preview.first_day} to {preview.last_day} ({preview.period or 'day'} rows).")
    for t in preview.arm_totals:
        value = f"{t.value:.2%}" if t.kind == "proportion" and t.value is not None else f"{t.value or 0:,.4g}"
        say(
            f"  {t.metric} · {t.arm}: n={t.n:,.0f} total={t.total:,.6g} ({value}) over {t.days} day(s), {t.rows:,} rows"
        )
    for note in preview.notes:
        say(f"Note: {note}")
    if preview.ok:
        say(f"OK: {len(preview.observations):,} day x arm x metric values would be stored.")
        if preview.unit_observations:
            say(f"    and {len(preview.unit_observations):,} unit x day x metric values, one per unit.")
    else:
        say(f"{preview.problem_count:,} problem(s):")
        for p in preview.problems:
            say(f"  {p}" + (f" [{p.column}]" if p.column else ""))
        if preview.more_problems:
            say(f"  … and {preview.more_problems:,} more.")


def cmd_import(args) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from lib.importer import ImportMapping, file_checksum, read_sample
    from lib.services import import_batches

    engine = open_engine()
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"{args.file}: no such file.")
    with reading(engine) as session, ThreadPoolExecutor(1) as pool:
        hashing = pool.submit(file_checksum, path)  # hashlib runs beside the mapping work, outside the GIL
        pilot = pilots.find_pilot(session, args.pilot)
        kinds = pilots.metric_kinds(session, pilot.id or 0)
        if args.market_column:  # a market test: one row per market and day, arms from the plan
            if pilot.design != "market":
                raise CliError(
                    f"--market-column: “{pilot.name}” is not a market test (its design is {pilot.design}); "
                    "for stores or markets split between A/B arms use --unit-column.",
                    EXIT_USAGE,
                )
            args.unit_column, args.layout = args.market_column, args.layout or "aggregated"
        if args.layout and args.metric and args.date_column and (args.arm_column or args.layout == "aggregated"):
            mapping = ImportMapping(layout=args.layout, arm_column=args.arm_column, date_column=args.date_column)
        else:  # start from last time's mapping or a suggestion; what the command line says wins
            mapping = import_batches.mapping_for(session, pilot.id or 0, read_sample(path))
        if args.layout:
            mapping.layout = args.layout
        for option in ("arm_column", "date_column", "unit_column", "strata_column", "before_column"):
            if getattr(args, option):
                setattr(mapping, option, getattr(args, option))
        if args.control:
            mapping.control_value = args.control
        if args.metric:
            mapping.metrics = [parse_metric(m, mapping.layout, kinds) for m in args.metric]
        left_out = import_batches.unmapped_metrics(session, pilot.id or 0, mapping)
        if left_out:
            say(f"Note: not in this file's mapping, so not imported: {', '.join(left_out)}.")
        checksum = hashing.result()
        replacing = import_batches.check_duplicate(session, pilot.id or 0, checksum, args.replace)
        preview = import_batches.preview_for_pilot(session, pilot.id or 0, path, mapping, replacing=replacing)
        keep = import_batches.corrections_to_keep(session, pilot.id or 0, checksum) if replacing else 0
        _print_preview(preview)
        if keep:
            say(f"Note: {keep:,} manual correction(s) made since batch #{replacing} will be re-applied.")
        if args.dry_run:
            say("Dry run: nothing was saved.")
            return 0 if preview.ok else EXIT_INVALID
        if not preview.ok:
            raise CliError(f"{preview.problem_count:,} problem(s) in {path.name}; nothing was saved.")
        prepared = import_batches.prepare_import(session, pilot.id or 0, preview)  # checked before the write lock
    with transaction(engine) as session:  # the write itself, short
        outcome = import_batches.commit_import(
            session,
            pilot.id or 0,
            prepared,
            checksum=checksum,
            actor=cli_actor(),
            source="cli",
            replace=args.replace,
        )
    replaced = f" (replaced batch #{outcome.replaced_batch_id})" if outcome.replaced_batch_id else ""
    say(f"Imported {outcome.entries:,} values into “{pilot.name}” as batch #{outcome.batch.id}{replaced}.")
    if outcome.note:
        say(outcome.note)
    return 0
