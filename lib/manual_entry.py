"""What a person types for one day, turned into sufficient statistics.

People know "orders, average, spread", not sums of squares; this is the one
place that translates between the two, so the form and the grid agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lib.models import ResultEntry
from lib.stats.statistics import MeanStat, RateStat, from_observation


@dataclass(frozen=True)
class EntryField:
    name: str
    label: str
    help: str
    whole: bool = True


FIELDS: dict[str, tuple[EntryField, ...]] = {
    "proportion": (
        EntryField("exposures", "Exposures", "People reached: visitors, contacts, recipients."),
        EntryField("conversions", "Conversions", "How many of them did the thing: replied, signed up."),
    ),
    "mean": (
        EntryField("units", "Units", "Orders, deals or visits the average is over."),
        EntryField("average", "Average", "Average value per unit, e.g. order value.", whole=False),
        EntryField("sd", "Std deviation", "Spread of the values; leave 0 if unknown.", whole=False),
    ),
    "count": (EntryField("value", "Value", "The day's count or amount, e.g. visits or revenue.", whole=False),),
}


def to_row(kind: str, metric: str, arm: str, day: date, values: dict[str, float | None]) -> dict | None:
    """A row for ``results.log_results``; None when the person left every field empty."""
    if all(values.get(f.name) in (None, "") for f in FIELDS[kind]):
        return None
    v = {f.name: values.get(f.name) for f in FIELDS[kind]}
    if kind == "proportion":
        return dict(metric=metric, arm=arm, day=day, n=v["exposures"] or 0, total=v["conversions"] or 0)
    if kind == "mean":
        stat = MeanStat.from_summary(v["units"] or 0, v["average"] or 0, v["sd"] or 0)
        return dict(metric=metric, arm=arm, day=day, n=stat.n, total=stat.total, total_sq=stat.total_sq)
    return dict(metric=metric, arm=arm, day=day, n=1, total=v["value"] or 0)


def from_entry(kind: str, e: ResultEntry) -> dict[str, float]:
    """The reverse of ``to_row``, to prefill a correction: the entry's statistic in people's terms."""
    stat = from_observation(e, kind)
    if isinstance(stat, RateStat):
        return {"exposures": stat.n, "conversions": stat.conversions}
    if isinstance(stat, MeanStat):
        return {"units": stat.n, "average": stat.mean, "sd": stat.sd if stat.total_sq is not None else 0.0}
    return {"value": stat.total}


def display_value(kind: str, e: ResultEntry) -> str:
    stat = from_observation(e, kind)
    if isinstance(stat, RateStat):
        return f"{stat.conversions:,.0f} / {stat.n:,.0f} ({stat.mean:.1%})"
    if isinstance(stat, MeanStat):
        return f"{stat.mean:,.2f} avg over {stat.n:,.0f}"
    return f"{stat.total:,.6g}"


@dataclass(frozen=True)
class GridEdit:
    """One changed cell row of the grid: new (no entry), corrected, or cleared (no row)."""

    day: date
    arm: str
    entry_id: int | None
    row: dict | None


def grid_rows(kind: str, arms: list[str], days: list[date], entries: dict[tuple[date, str], ResultEntry]) -> list[dict]:
    """Day x arm rows for one metric, prefilled with what is logged (None where nothing is)."""
    out = []
    for d in days:
        for arm in arms:
            e = entries.get((d, arm))
            values = from_entry(kind, e) if e else {}
            out.append({"Day": d, "Arm": arm, **{f.label: values.get(f.name) for f in FIELDS[kind]}})
    return out


def _clean(v) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return v  # let validation name it
    return None if f != f else f  # NaN from an emptied cell


def grid_edits(
    kind: str, metric: str, original: list[dict], edited: list[dict], entries: dict[tuple[date, str], ResultEntry]
) -> list[GridEdit]:
    """Compare the grid before and after editing; only rows whose values changed."""
    edits = []
    for before, after in zip(original, edited, strict=True):
        vals_before = {f.name: _clean(before.get(f.label)) for f in FIELDS[kind]}
        vals_after = {f.name: _clean(after.get(f.label)) for f in FIELDS[kind]}
        if vals_before == vals_after:
            continue
        day, arm = before["Day"], before["Arm"]
        existing = entries.get((day, arm))
        row = to_row(kind, metric, arm, day, vals_after)
        if existing is None and row is None:
            continue
        edits.append(GridEdit(day=day, arm=arm, entry_id=existing.id if existing else None, row=row))
    return edits
