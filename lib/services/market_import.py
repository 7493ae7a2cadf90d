"""A market test's import: the file read as markets x days, each market put in its arm by the plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlmodel import Session

from lib.importer import ImportMapping, ImportPreview, analyze
from lib.importer.markets import by_test_markets
from lib.importer.reading import Source
from lib.importer.report import Problem
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
