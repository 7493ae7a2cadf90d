"""Market-test files: one row per market and day; the arm of each market follows from the plan.

The importer reads the file as one arm with a unit (market) column; this module
then gives each market its arm (the plan's test markets are the pilot arm, every
other market a control), rebuilds the day x arm sums from the markets (excluded
markets stay stored per market but out of the control sums), and says what the
file holds before the start: a market with days missing there is named, because
the synthetic control leaves it out. A test market the plan names that the file
does not hold is refused by name: nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from lib.formatting import quoted
from lib.specs import Observation, UnitObservation
from lib.vocabulary import CONTROL_ARM, PILOT_ARM

from .report import ArmTotal, ImportPreview, Problem
from .row_messages import note_merged_rows
from .units import unit_counts_note

#: how many names a message lists before "and N more"
NAMES_SHOWN = 6


@dataclass(frozen=True)
class MarketFile:
    """What a market file holds against the plan: markets by role and the days before and from the start."""

    test: tuple[str, ...]
    controls: tuple[str, ...]
    excluded: tuple[str, ...]
    pre_days: int
    test_days: int
    #: (market, days it has before the start) for markets missing some of those days
    gappy: tuple[tuple[str, int], ...]


def names_text(names: Sequence[str]) -> str:
    """Chicago, Portland and 3 more."""
    shown = [quoted(n) for n in names[:NAMES_SHOWN]]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" and {more:,} more" if more > 0 else "")


def _match(names: Sequence[str], markets: set[str]) -> tuple[dict[str, str], list[str]]:
    """The file's spelling of each planned name (case and spacing forgiven), and the names it lacks."""
    folded = {" ".join(m.split()).casefold(): m for m in markets}
    found, missing = {}, []
    for name in names:
        hit = folded.get(" ".join(name.split()).casefold())
        if hit is None:
            missing.append(name)
        else:
            found[name] = hit
    return found, missing


def market_file(
    rows: Sequence[UnitObservation], test: Sequence[str], excluded: Sequence[str], start: date | None
) -> MarketFile:
    markets = {u.unit for u in rows}
    test_found, _ = _match(test, markets)
    excluded_found, _ = _match(excluded, markets)
    test_set, excluded_set = set(test_found.values()), set(excluded_found.values())
    days_by_market: dict[str, set[date]] = defaultdict(set)
    for u in rows:
        days_by_market[u.unit].add(u.day)
    all_days = set().union(*days_by_market.values()) if days_by_market else set()
    pre = {d for d in all_days if start is not None and d < start}
    gappy = tuple(
        (m, len(days & pre))
        for m, days in sorted(days_by_market.items())
        if pre and m not in excluded_set and len(days & pre) < len(pre)
    )
    return MarketFile(
        test=tuple(test_found.values()),
        controls=tuple(sorted(markets - test_set - excluded_set)),
        excluded=tuple(excluded_found.values()),
        pre_days=len(pre),
        test_days=len(all_days - pre) if start is not None else 0,
        gappy=gappy,
    )


def _totals(preview: ImportPreview, obs: Sequence[Observation], rows: Sequence[UnitObservation]) -> list[ArmTotal]:
    kinds = {m.name: m.kind for m in preview.mapping.metrics}
    sums: dict[tuple[str, str], list[float]] = {}
    days: dict[tuple[str, str], set[date]] = defaultdict(set)
    for o in obs:
        s = sums.setdefault((o.arm, o.metric), [0.0, 0.0])
        s[0] += o.n
        s[1] += o.total
        days[(o.arm, o.metric)].add(o.day)
    counted: dict[tuple[str, str], int] = defaultdict(int)
    for u in rows:
        counted[(u.arm, u.metric)] += 1
    return [
        ArmTotal(
            arm, metric, kinds.get(metric, "count"), n, total, None, len(days[(arm, metric)]), counted[(arm, metric)]
        )
        for (arm, metric), (n, total) in sorted(sums.items(), key=lambda kv: (kv[0][0] != PILOT_ARM, kv[0][1]))
    ]


def by_test_markets(
    preview: ImportPreview, test: Sequence[str], excluded: Sequence[str], start: date | None
) -> ImportPreview:
    """The preview with each market in its arm, the day x arm sums rebuilt, and the plan checked against the file."""
    column = preview.mapping.unit_column
    if not column:
        problem = Problem(
            None,
            None,
            "a market test's file needs its market column (one row per market and day): "
            "name it as the market column (--market-column COL). Nothing was saved.",
            "market_column_needed",
        )
        return replace(preview, problems=[problem, *preview.problems], observations=[], unit_observations=[])
    if not preview.ok or not preview.unit_observations:
        return preview
    markets = {u.unit for u in preview.unit_observations}
    if not test:
        problem = Problem(
            None,
            column,
            "the plan names no test markets yet: name them on the pilot (the markets that get it, e.g. "
            f"{names_text(sorted(markets)[:2])}) before importing, so each market's arm is known. Nothing was saved.",
            "market_unknown",
        )
        return replace(preview, problems=[problem], observations=[], unit_observations=[])
    test_found, missing = _match(test, markets)
    if missing:
        have = sorted(markets)
        problem = Problem(
            None,
            column,
            f"the plan's test market(s) {names_text(missing)} are not in {column}: the file holds "
            f"{len(have):,} markets ({names_text(have)}). Check the spelling in the file or in the plan's "
            "test markets. Nothing was saved.",
            "market_unknown",
        )
        return replace(preview, problems=[problem], observations=[], unit_observations=[])
    shape = market_file(preview.unit_observations, test, excluded, start)
    test_set, excluded_set = set(shape.test), set(shape.excluded)
    rows = [replace(u, arm=PILOT_ARM if u.unit in test_set else CONTROL_ARM) for u in preview.unit_observations]
    sums: dict[tuple[date, str, str], list[float]] = {}
    for u in rows:
        if u.unit in excluded_set:
            continue
        s = sums.setdefault((u.day, u.arm, u.metric), [0.0, 0.0])
        s[0] += u.n
        s[1] += u.total
    obs = [Observation(day, arm, metric, n, total) for (day, arm, metric), (n, total) in sorted(sums.items())]
    return replace(
        preview,
        observations=obs,
        unit_observations=rows,
        arm_totals=_totals(preview, obs, [u for u in rows if u.unit not in excluded_set]),
        arm_values={},
        unit_counts={PILOT_ARM: len(shape.test), CONTROL_ARM: len(shape.controls)},
        notes=[*_importer_notes(preview, column), *market_notes(shape, column, excluded, start)],
    )


def _importer_notes(preview: ImportPreview, column: str) -> list[str]:
    """The importer's notes without the two a market file always gets and that read wrongly here: its markets
    counted as one arm's units, and its market rows counted as repeated day x arm rows (they are summed by arm)."""
    days = len({u.day for u in preview.unit_observations})
    drop = {unit_counts_note(preview.unit_counts, column, []), note_merged_rows(days)}
    return [n for n in preview.notes if n not in drop]


def market_notes(shape: MarketFile, column: str, excluded: Sequence[str], start: date | None) -> list[str]:
    """What the synthetic control will be built from, and which markets it will leave out and why."""
    notes = [
        f"Markets by {column}: {len(shape.test):,} test ({names_text(shape.test)}) against a synthetic control "
        f"from {len(shape.controls):,} untreated markets"
        + (f"; {len(shape.excluded):,} excluded ({names_text(shape.excluded)})" if shape.excluded else "")
        + "."
    ]
    if start is None:
        notes.append("The pilot has no start date yet: set it, and the days before it become the pre-period.")
    elif shape.pre_days == 0:
        notes.append(
            f"No day in the file is before the start ({start.isoformat()}): the synthetic control is fitted on "
            "the days before the start, so import the market history too."
        )
    else:
        notes.append(f"{shape.pre_days:,} days before the start (the fit) and {shape.test_days:,} from it.")
    for market, have in shape.gappy[:NAMES_SHOWN]:
        missing = shape.pre_days - have
        if market in shape.test:
            notes.append(
                f"Test market {quoted(market)} has {missing:,} of {shape.pre_days:,} days before the start missing."
            )
        else:
            notes.append(
                f"{quoted(market)} has {missing:,} of {shape.pre_days:,} days before the start missing: "
                "it is left out of the controls."
            )
    if len(shape.gappy) > NAMES_SHOWN:
        notes.append(f"… and {len(shape.gappy) - NAMES_SHOWN:,} more markets with days missing before the start.")
    absent = [e for e in excluded if e not in shape.excluded]
    if absent:
        notes.append(f"Excluded market(s) {names_text(absent)} are not in the file; nothing to leave out.")
    return notes
