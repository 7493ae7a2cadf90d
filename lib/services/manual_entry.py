"""What a person types for one day, turned into sufficient statistics.

People know "orders, average, spread", not sums of squares; this is the one
place that translates between the two, so the form and the grid agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lib.infra.inputs import InvalidInput
from lib.infra.models import ResultEntry
from lib.specs import Observation
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


# Fields a row cannot do without: a rate needs both counts, an average its units and value.
REQUIRED: dict[str, tuple[str, ...]] = {
    "proportion": ("exposures", "conversions"),
    "mean": ("units", "average"),
    "count": ("value",),
}


def _empty(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, float) and value != value)


def to_row(
    kind: str,
    metric: str,
    arm: str,
    day: date,
    values: dict[str, float | None],
    fields: tuple[EntryField, ...] | None = None,
) -> dict | None:
    """A row for ``results.log_results``; None when the person left every field empty.

    A row with only some fields filled is refused, naming the empty one as its column does
    (``fields``, e.g. "Replies"): an emptied cell must not quietly become 0 replies.
    """
    fields = fields or FIELDS[kind]
    if all(_empty(values.get(f.name)) for f in fields):
        return None
    missing = [f.label for f in fields if f.name in REQUIRED[kind] and _empty(values.get(f.name))]
    if missing:
        raise InvalidInput.one(
            f"{day:%d %b %Y} · {arm} · {metric}",
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} empty: fill "
            f"{'it' if len(missing) == 1 else 'them'} in, or clear the whole row to remove the value.",
        )
    v = {f.name: values.get(f.name) for f in fields}
    if kind == "proportion":
        return dict(metric=metric, arm=arm, day=day, n=v["exposures"], total=v["conversions"])
    if kind == "mean":
        stat = MeanStat.from_summary(v["units"] or 0, v["average"] or 0, v["sd"] or 0)
        return dict(metric=metric, arm=arm, day=day, n=stat.n, total=stat.total, total_sq=stat.total_sq)
    return dict(metric=metric, arm=arm, day=day, n=1, total=v["value"])


def form_rows(
    kinds: dict[str, str],
    day: date,
    values: dict[tuple[str, str], dict],
    fields: dict[str, tuple[EntryField, ...]] | None = None,
) -> list[dict]:
    """The one-day form's rows: every (metric, arm) filled in, all problems reported at once.

    ``fields``: each metric's fields as the form labels them ("Sent", "Replies"), for the messages.
    """
    rows, errors = [], []
    for (metric, arm), v in values.items():
        try:
            row = to_row(kinds[metric], metric, arm, day, v, (fields or {}).get(metric))
        except InvalidInput as exc:
            errors.extend(exc.errors)
            continue
        if row:
            rows.append(row)
    if errors:
        raise InvalidInput(errors)
    if not rows:
        raise InvalidInput.one("rows", "every field is empty: enter the day's figures first.")
    return rows


def from_entry(kind: str, e: ResultEntry | Observation) -> dict[str, float]:
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
