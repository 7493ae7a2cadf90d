"""A market test's import: the file read as markets x days, each market put in its arm by the plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlmodel import Session

from lib.importer import FileSample, ImportMapping, ImportPreview, analyze
from lib.importer.markets import by_test_markets
from lib.importer.reading import Source
from lib.importer.report import Problem
from lib.importer.units import unit_like_column
from lib.infra.models import Pilot
from lib.services import results


def market_preview(
    session: Session,
    pilot: Pilot,
    source: Source,
    mapping: ImportMapping,
    *,
    name: str | None = None,
    on_progress=None,
    replacing: int | None = None,
) -> ImportPreview:
    """The file's markets, each in its arm (the test markets are the pilot), with days already logged refused."""
    mapping.arm_column, mapping.control_value, mapping.arm_aliases = None, None, {}
    existing = results.existing_keys(session, pilot.id or 0, except_batch=replacing)
    preview = analyze(
        source,
        mapping,
        name=name,
        allowed_arms=pilot.arm_list,
        date_range=results.allowed_days(pilot),
        existing_keys=set(),
        on_progress=on_progress,
        as_of=min(date.today(), pilot.end_date or date.today()),
    )
    shaped = by_test_markets(preview, pilot.test_market_list, pilot.excluded_market_list, pilot.start_date)
    taken = sorted({o.day for o in shaped.observations if (o.day, o.arm, o.metric) in existing})
    if taken:
        problem = Problem(
            None,
            mapping.date_column,
            f"{len(taken):,} day(s) of this file are logged already (first {taken[0].isoformat()}, last "
            f"{taken[-1].isoformat()}): undo that import first, or replace it with this file. Nothing was saved.",
            "already_logged",
        )
        return replace(shaped, problems=[problem, *shaped.problems])
    return shaped


def market_note(pilot: Pilot) -> str:
    """What a market test logs, above its entry tabs."""
    test = ", ".join(pilot.test_market_list) or "none named yet"
    excluded = ", ".join(pilot.excluded_market_list)
    return (
        f"Market test: one value per market and day. Test markets: {test}"
        + (f"; excluded from the controls: {excluded}" if excluded else "")
        + ". Every other market is a control. Log the days before the start too: the synthetic control is "
        "fitted on them. Type or correct a market's day in the grid (market × day; the verdict reads these, "
        "the day × arm sums follow), or import a file with its market and date columns: the arm follows from "
        "the plan."
    )


def suggest_market_column(mapping: ImportMapping, sample: FileSample) -> None:
    """A market test's file: the column that looks like a market id is its market column, and it has no arm column."""
    if mapping.arm_column and mapping.unit_column is None:  # a suggested "arm" column is the market column
        mapping.unit_column = mapping.arm_column
    mapping.arm_column, mapping.control_value, mapping.layout = None, None, "aggregated"
    if mapping.unit_column is None:
        used = {c for c in mapping.columns()}
        mapping.unit_column = unit_like_column(sample.columns, sample.rows, used)
