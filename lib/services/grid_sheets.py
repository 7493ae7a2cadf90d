"""The Log results grid's columns, named by the metric ("Sent", "Replies"), one column per shared count.

A grid shows a *sheet*: one metric, or several rates counted over the same thing. An email
pilot's reply rate and unsubscribe rate are both per email sent, so their sheet has one "Sent"
column feeding both, then "Replies" and "Unsubscribes": the day's sends are typed once. Names
come from the criteria (``denominator_label``, ``numerator_label``) or, when the team named
nothing, from the metric and the pilot's channel (:func:`lib.vocabulary.count_names`).

Rows are keyed by the column labels; :meth:`Sheet.split` gives each metric's part of a row in
its own field labels, which is what the grid's save checks and writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from sqlmodel import Session

from lib.infra.models import ResultEntry
from lib.services.conflicts import day_month, same
from lib.services.manual_entry import FIELDS, EntryField, from_entry
from lib.services.pilots import criteria_for, get_pilot
from lib.vocabulary import count_names, metric_label

Names = tuple[str, str]  # (what it is counted over, what is counted)

#: which field of each kind is named by the denominator and which by the numerator
_NAMED = {"proportion": ("exposures", "conversions"), "mean": ("units", "average"), "count": ("", "value")}
_HELP = {
    "exposures": "{den}: how many were reached that day.",
    "conversions": "{num}: how many of them did it, the count behind {metric}.",
    "units": "{den}: how many the average is over.",
    "average": "{num}: the average per unit.",
    "value": "The day's figure for {metric}.",
}


def entry_fields(kind: str, names: Names, metric: str = "") -> tuple[EntryField, ...]:
    """The kind's fields, labelled with the metric's names: ("Sent", "Replies") for an email's reply rate."""
    den_field, num_field = _NAMED.get(kind, ("", "value"))
    den, num = names
    out = []
    for f in FIELDS[kind]:
        label = den if f.name == den_field and den else num if f.name == num_field and num else f.label
        text = _HELP.get(f.name, f.help).format(den=den, num=num, metric=metric_label(metric, in_sentence=True))
        out.append(replace(f, label=label, help=text))
    return tuple(out)


def names_for(session: Session, pilot_id: int) -> dict[str, Names]:
    """Each metric's two counts as the team named them on its criteria, or as the metric and channel say."""
    pilot = get_pilot(session, pilot_id)
    given: dict[str, tuple[str | None, str | None, str]] = {}
    for c in criteria_for(session, pilot_id):
        den, num, kind = given.get(c.metric, (None, None, c.kind))
        given[c.metric] = (den or c.denominator_label, num or c.numerator_label, kind)
    return {m: count_names(m, kind, pilot.channel, den, num) for m, (den, num, kind) in given.items()}


@dataclass(frozen=True)
class GridColumn:
    """One column of a sheet: its label, and the (metric, field) pairs a figure typed in it feeds."""

    label: str
    help: str
    whole: bool
    feeds: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Disagreement:
    """A shared column that cannot show one figure: the metrics logged different counts for one row."""

    day: date
    arm: str
    label: str
    values: dict[str, float]

    def __str__(self) -> str:
        figures = " and ".join(f"{v:,.0f} for {metric_label(m, in_sentence=True)}" for m, v in self.values.items())
        return f"{day_month(self.day)} · {self.arm}: {self.label} is {figures}"


@dataclass(frozen=True)
class Sheet:
    """What one grid shows: its metrics and columns (after Day and Arm); ``shared`` names a column fed to all."""

    metrics: tuple[str, ...]
    kinds: Mapping[str, str]
    names: Mapping[str, Names]
    columns: tuple[GridColumn, ...]
    shared: str | None = None
    _fields: Mapping[str, tuple[EntryField, ...]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return "+".join(self.metrics)

    @property
    def labels(self) -> list[str]:
        return [c.label for c in self.columns]

    @property
    def title(self) -> str:
        names = " and ".join(metric_label(m, in_sentence=i > 0) for i, m in enumerate(self.metrics))
        return f"{names} (one {self.shared} column)" if self.shared else names

    def fields(self, metric: str) -> tuple[EntryField, ...]:
        """The metric's fields, each labelled with the column it is typed in."""
        return self._fields[metric]

    def column_of(self, metric: str, name: str) -> str:
        return next(f.label for f in self._fields[metric] if f.name == name)

    def split(self, row: Mapping) -> dict[str, dict]:
        """A sheet row as each metric's own row (Day, Arm and its fields, by their labels)."""
        return {
            m: {"Day": row.get("Day"), "Arm": row.get("Arm"), **{f.label: row.get(f.label) for f in self._fields[m]}}
            for m in self.metrics
        }


def _column_labels(
    metrics: Sequence[str], kinds: Mapping[str, str], names: Mapping[str, Names]
) -> dict[str, tuple[EntryField, ...]]:
    """Each metric's fields with a label unique in the sheet: a numerator two metrics share names its metric."""
    fields = {m: entry_fields(kinds[m], names[m], m) for m in metrics}
    shared = {names[m][0] for m in metrics} if len(metrics) > 1 else set()
    seen: dict[str, int] = {}
    for m in metrics:
        for f in fields[m]:
            if f.label not in shared:
                seen[f.label.casefold()] = seen.get(f.label.casefold(), 0) + 1
    out = {}
    for m in metrics:
        out[m] = tuple(
            replace(f, label=f"{f.label} ({metric_label(m, in_sentence=True)})")
            if f.label not in shared and (seen.get(f.label.casefold(), 0) > 1 or f.label in ("Day", "Arm"))
            else f
            for f in fields[m]
        )
    return out


def sheet(metrics: Sequence[str], kinds: Mapping[str, str], names: Mapping[str, Names]) -> Sheet:
    """The sheet of ``metrics``: several only when they are rates counted over the same thing."""
    metrics = tuple(metrics)
    shared = names[metrics[0]][0] if len(metrics) > 1 else None
    if shared:  # "Sent" and "sent" are one column, written as the first metric writes it
        names = {**names, **{m: (shared, names[m][1]) for m in metrics}}
    fields = _column_labels(metrics, kinds, names)
    columns: dict[str, GridColumn] = {}
    for m in metrics:
        for f in fields[m]:
            col = columns.get(f.label)
            feeds = (*(col.feeds if col else ()), (m, f.name))
            columns[f.label] = GridColumn(f.label, col.help if col else f.help, f.whole, feeds)
    if shared:
        fed = " and ".join(metric_label(m, in_sentence=True) for m in metrics)
        columns[shared] = replace(columns[shared], help=f"Typed once, it counts for {fed}.")
    return Sheet(metrics, dict(kinds), dict(names), tuple(columns.values()), shared, fields)


def group(kinds: Mapping[str, str], names: Mapping[str, Names]) -> list[tuple[str, ...]]:
    """The metrics as sheets: rates counted over the same thing (same name, any case) share one."""
    out: dict[str, list[str]] = {}
    for m, kind in kinds.items():
        key = f"rate over {names[m][0].casefold()}" if kind == "proportion" else f"metric {m}"
        out.setdefault(key, []).append(m)
    return [tuple(ms) for ms in out.values()]


def sheets_for(session: Session, pilot_id: int, kinds: Mapping[str, str]) -> list[Sheet]:
    names = names_for(session, pilot_id)
    return [sheet(ms, kinds, names) for ms in group(kinds, names)]


def sheet_rows(
    sh: Sheet, arms: Sequence[str], days: Sequence[date], entries: Mapping[tuple[date, str, str], ResultEntry]
) -> tuple[list[dict], list[Disagreement]]:
    """Day x arm rows of the sheet prefilled with what is logged (None where nothing is), and the rows whose
    metrics logged different figures for a shared column (such a sheet cannot show them as one)."""
    rows: list[dict] = []
    disagree: list[Disagreement] = []
    for d in days:
        for arm in arms:
            row: dict = {"Day": d, "Arm": arm, **{c.label: None for c in sh.columns}}
            for col in sh.columns:
                seen: dict[str, float] = {}
                for metric, name in col.feeds:
                    e = entries.get((d, arm, metric))
                    if e is not None:
                        seen[metric] = from_entry(sh.kinds[metric], e)[name]
                if seen:
                    first = next(iter(seen.values()))
                    row[col.label] = first
                    if any(not same(v, first) for v in seen.values()):
                        disagree.append(Disagreement(d, arm, col.label, seen))
            rows.append(row)
    return rows, disagree


def metric_parts(sh: Sheet, shown: Mapping, typed: Mapping) -> dict[str, tuple[dict, dict]]:
    """Each metric's (shown, typed) row from a sheet row: in a shared sheet a metric is logged in a row when
    its own count is, so a "Sent" typed beside "Replies" alone writes nothing for unsubscribes."""
    shown_parts, typed_parts = sh.split(shown), sh.split(typed)
    if not sh.shared:
        return {m: (shown_parts[m], typed_parts[m]) for m in sh.metrics}
    out = {}
    for m in sh.metrics:
        own = [f.label for f in sh.fields(m) if f.label != sh.shared]
        was, now = shown_parts[m], typed_parts[m]
        if all(_blank(was.get(label)) for label in own):
            was = {**was, sh.shared: None}
            if all(_blank(now.get(label)) for label in own):
                now = {**now, sh.shared: None}  # nothing typed for this metric: the shared count is the others'
        out[m] = (was, now)
    return out


def _blank(value: object) -> bool:
    return (
        value is None or (isinstance(value, float) and value != value) or (isinstance(value, str) and not value.strip())
    )


def form_parts(sh: Sheet, typed: Mapping[str, float | None]) -> tuple[dict[str, dict[str, float | None]], str | None]:
    """One arm's figures in the one-day form, typed by column (``{"Sent": 400, "Replies": 24, ...}``), as each
    metric's field values; the shared count feeds every metric whose own count is typed. A shared count typed
    with none of its metrics' counts is the problem returned (it would be saved for nothing)."""
    parts: dict[str, dict[str, float | None]] = {}
    for m in sh.metrics:
        values = {f.name: typed.get(f.label) for f in sh.fields(m)}
        own = [typed.get(f.label) for f in sh.fields(m) if f.label != sh.shared]
        if sh.shared and all(_blank(v) for v in own):
            values = dict.fromkeys(values)  # nothing typed for this metric: the shared count is the others'
        parts[m] = values
    if (
        sh.shared
        and not _blank(typed.get(sh.shared))
        and all(all(v is None for v in p.values()) for p in parts.values())
    ):
        own_labels = [label for label in sh.labels if label != sh.shared]
        return (
            parts,
            f"{sh.shared} is typed but {' and '.join(own_labels)} are empty: fill in at least one, or clear {sh.shared}.",
        )
    return parts, None
