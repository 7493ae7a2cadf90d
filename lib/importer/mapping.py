"""Which column holds what: the mapping a user confirms before importing, and a first guess.

The mapping is plain data (JSON-safe via to_dict/from_dict) so the app can
remember it per pilot and offer it again for next week's export.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from lib.observations import METRIC_KINDS, MetricKind

from . import messages
from .errors import ImportFileError
from .values import OK, TOTAL_ROW, date_token, is_blank, parse_value

Layout = Literal["aggregated", "events"]
LAYOUTS: tuple[str, ...] = ("aggregated", "events")
DATE_ORDERS: tuple[str, ...] = ("auto", "dmy", "mdy")
MAPPING_VERSION = 1


@dataclass
class MetricMapping:
    """One metric and the column(s) it comes from; which fields count depends on layout and kind.

    events layout (one row per person/order):
      proportion: ``column`` holds 0/1 (yes/no) per row  -> n = rows, total = sum of flags
      mean:       ``column`` holds an amount per row     -> n = rows, total = sum, total_sq = sum of squares
      count:      ``column`` holds a count per row       -> n = rows, total = sum
    aggregated layout (one row per day/week and arm):
      proportion: ``conversions_column`` + ``exposures_column``
      mean:       ``n_column`` + ``sum_column`` (+ optional ``sum_sq_column``)
      count:      ``column`` with the day's figure (+ optional ``n_column``; else n = 1 per day)
    ``blank_as_zero`` reads empty cells in this metric's columns as 0 instead of reporting them.
    """

    name: str
    kind: MetricKind
    column: str | None = None
    conversions_column: str | None = None
    exposures_column: str | None = None
    n_column: str | None = None
    sum_column: str | None = None
    sum_sq_column: str | None = None
    blank_as_zero: bool = False

    def roles(self, layout: Layout) -> dict[str, str | None]:
        """The columns this metric reads in a layout, by role (value may be None when unset)."""
        if layout == "events":
            return {"value": self.column}
        if self.kind == "proportion":
            return {"conversions": self.conversions_column, "exposures": self.exposures_column}
        if self.kind == "mean":
            return {"n": self.n_column, "sum": self.sum_column, "sum_sq": self.sum_sq_column}
        return {"value": self.column, "n": self.n_column}

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "kind": self.kind}
        for key in ("column", "conversions_column", "exposures_column", "n_column", "sum_column", "sum_sq_column"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.blank_as_zero:
            data["blank_as_zero"] = True
        return data


_REQUIRED: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {
    ("events", "proportion"): (("value",), messages.NEEDS_FLAG),
    ("events", "mean"): (("value",), messages.NEEDS_AMOUNT),
    ("events", "count"): (("value",), messages.NEEDS_AMOUNT),
    ("aggregated", "proportion"): (("conversions", "exposures"), messages.NEEDS_PAIR),
    ("aggregated", "mean"): (("n", "sum"), messages.NEEDS_MEAN),
    ("aggregated", "count"): (("value",), messages.NEEDS_COUNT),
}


@dataclass
class ImportMapping:
    """How to read a file: its layout, the arm and date columns, and the metrics.

    Arm values: ``arm_aliases`` (file value -> arm name) win; the ``control_value``
    becomes "control"; a single remaining value becomes "pilot"; several remaining
    values keep their own names (three-arm pilots). ``arm_column=None`` reads the
    whole file as the "pilot" arm (before/after and target pilots).
    ``date_column=None`` logs everything on the caller's ``as_of`` day.
    ``date_order`` forces how 03/04/2024 is read ("dmy"/"mdy"); "auto" decides per column.
    """

    layout: Layout
    arm_column: str | None
    control_value: str | None = None
    date_column: str | None = None
    metrics: list[MetricMapping] = field(default_factory=list)
    arm_aliases: dict[str, str] = field(default_factory=dict)
    date_order: str = "auto"

    def columns(self) -> list[str]:
        """Every column the mapping reads, in first-use order."""
        names = [self.arm_column, self.date_column]
        for metric in self.metrics:
            names.extend(metric.roles(self.layout).values())
        return list(dict.fromkeys(n for n in names if n))

    def errors(self, columns: Sequence[str] | None = None) -> list[str]:
        """Everything wrong with the mapping (against a file's columns when given), as messages."""
        problems: list[str] = []
        if self.layout not in LAYOUTS:
            return [messages.unknown_layout(self.layout)]
        if self.date_order not in DATE_ORDERS:
            problems.append(messages.unknown_date_order(self.date_order))
        if columns is not None:
            missing = [c for c in self.columns() if find_column(c, columns) is None]
            if missing:
                problems.append(messages.missing_columns(missing, list(columns)))
        if not self.metrics:
            problems.append(messages.no_metrics())
        seen: set[str] = set()
        for metric in self.metrics:
            if metric.kind not in METRIC_KINDS:
                problems.append(messages.unknown_kind(metric.name, metric.kind))
                continue
            key = metric.name.strip().casefold()
            if key in seen:
                problems.append(messages.duplicate_metric(metric.name))
            seen.add(key)
            roles = metric.roles(self.layout)
            needed, needs = _REQUIRED[(self.layout, metric.kind)]
            if any(not roles.get(role) for role in needed):
                problems.append(messages.metric_needs(metric.name, metric.kind, self.layout, needs))
        return problems

    def check(self, columns: Sequence[str] | None = None) -> None:
        """Raise ImportFileError naming what is wrong with the mapping, if anything."""
        problems = self.errors(columns)
        if problems:
            raise ImportFileError(" ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, to remember the mapping per pilot."""
        return {
            "version": MAPPING_VERSION,
            "layout": self.layout,
            "arm_column": self.arm_column,
            "control_value": self.control_value,
            "date_column": self.date_column,
            "date_order": self.date_order,
            "arm_aliases": dict(self.arm_aliases),
            "metrics": [m.to_dict() for m in self.metrics],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImportMapping:
        """Rebuild a mapping saved with to_dict; raises ImportFileError when it is not one."""
        try:
            if not isinstance(data, Mapping):
                raise TypeError(messages.saved_not_a_mapping())
            if data.get("layout") not in LAYOUTS:
                raise ValueError(messages.saved_bad_value("layout", data.get("layout")))
            metrics = []
            for item in data.get("metrics") or []:
                if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
                    raise ValueError(messages.saved_metric_without_name())
                if item.get("kind") not in METRIC_KINDS:
                    raise ValueError(messages.saved_bad_value("metric kind", item.get("kind")))
                metrics.append(
                    MetricMapping(
                        name=item["name"],
                        kind=item["kind"],
                        **{k: _opt_str(item.get(k), k) for k in _COLUMN_KEYS},
                        blank_as_zero=item.get("blank_as_zero") is True,
                    )
                )
            aliases = data.get("arm_aliases") or {}
            if not isinstance(aliases, Mapping):
                raise ValueError(messages.saved_bad_value("arm_aliases", aliases))
            return cls(
                layout=data["layout"],
                arm_column=_opt_str(data.get("arm_column"), "arm_column"),
                control_value=_opt_str(data.get("control_value"), "control_value"),
                date_column=_opt_str(data.get("date_column"), "date_column"),
                metrics=metrics,
                arm_aliases={str(k): str(v) for k, v in aliases.items()},
                date_order=str(data.get("date_order") or "auto"),
            )
        except (TypeError, ValueError, KeyError) as exc:
            raise ImportFileError(messages.bad_saved_mapping(str(exc))) from None


_COLUMN_KEYS = ("column", "conversions_column", "exposures_column", "n_column", "sum_column", "sum_sq_column")


def _opt_str(value: object, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(messages.saved_not_text(key))
    return value


def find_column(name: str, columns: Sequence[str]) -> int | None:
    """Position of a column: exact name first, then ignoring case and surrounding spaces."""
    try:
        return list(columns).index(name)
    except ValueError:
        pass
    key = name.strip().casefold()
    hits = [i for i, c in enumerate(columns) if c.strip().casefold() == key]
    return hits[0] if len(hits) == 1 else None


# --- suggesting a mapping -------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words in column names (split on anything but letters and digits) that say what a column holds.
ARM_WORDS = _words(
    "arm variant variation group cohort treatment bucket cell condition version split experiment test branch segment"
)
DATE_WORDS = _words("date day week period time timestamp datetime datum fecha created sent_at created_at month")
EXPOSURE_WORDS = _words(
    "visitors visitor visits sessions sent delivered exposures exposed impressions users "
    "contacts recipients participants trials audience reach views pageviews emails calls "
    "messages targeted n"
)
CONVERSION_WORDS = _words(
    "conversions conversion converted clicks click replies reply replied signups signup "
    "orders purchases purchased opens opened responses leads bookings meetings successes "
    "registrations downloads sales wins demos"
)
AMOUNT_WORDS = _words(
    "revenue amount spend spent value sales gmv cost price total basket aov profit margin income turnover umsatz"
)
ID_WORDS = _words(
    "id uuid email mail name user customer contact phone address account company order_id "
    "session_id ip url comment notes campaign"
)
SQ_WORDS = _words("sq squares sumsq squared sum_sq sum2")
N_WORDS = _words("n count orders units buyers customers transactions")
CONTROL_WORDS = (
    "control",
    "ctrl",
    "holdout",
    "hold out",
    "baseline",
    "original",
    "default",
    "champion",
    "kontrolle",
    "controle",
    "a",
    "group a",
    "variant a",
    "old",
    "current",
    "0",
)  # in order of preference


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[^0-9a-z]+", name.casefold()) if t]


def _stem(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and len(word) > 3:
        word = word[:-1]
    return word[:5]


def slug(name: str) -> str:
    """A metric name from a column name: 'Revenue (EUR)' -> 'revenue_eur'."""
    return "_".join(_tokens(name)) or "metric"


@dataclass
class _Profile:
    """What the sample says about one column."""

    name: str
    position: int
    tokens: list[str]
    cells: list[object]  # one per sample row, blanks included
    values: list[object] = field(default_factory=list)  # the non-blank cells
    numeric: int = 0
    flags: int = 0
    dates: int = 0
    integers: int = 0

    @property
    def filled(self) -> int:
        return len(self.values)

    def _share(self, count: int, at_least: float) -> bool:
        return self.filled > 0 and count >= at_least * self.filled

    @property
    def is_numeric(self) -> bool:
        return self._share(self.numeric, 0.9)

    @property
    def is_flag(self) -> bool:
        return self._share(self.flags, 0.98)

    @property
    def is_date(self) -> bool:
        return self._share(self.dates, 0.9)

    @property
    def looks_like_id(self) -> bool:
        """Distinct whole numbers on every row (customer or order numbers), not a result."""
        return (
            self.filled > 20
            and self.integers == self.filled
            and len(set(map(str, self.values))) == self.filled
            and not self.named(EXPOSURE_WORDS | CONVERSION_WORDS | AMOUNT_WORDS)
        )

    def named(self, words: frozenset[str]) -> bool:
        return any(t in words for t in self.tokens) or "_".join(self.tokens) in words


def _profile(name: str, position: int, cells: list[object], decimal: str) -> _Profile:
    profile = _Profile(name, position, _tokens(name), cells)
    for cell in cells:
        if is_blank(cell):
            continue
        profile.values.append(cell)
        number, status = parse_value(cell, decimal)
        if status == OK:
            profile.numeric += 1
            profile.integers += number == int(number)
            profile.flags += number in (0.0, 1.0)
        elif parse_value(cell, decimal, allow_bool=True)[1] == OK:  # yes/no, true/false
            profile.flags += 1
        short_number = status == OK and (not isinstance(cell, str) or len(cell.strip()) < 6)
        if not isinstance(cell, bool) and not short_number and date_token(cell) not in (None, TOTAL_ROW):
            profile.dates += 1
    return profile


def _profiles(
    columns: Sequence[str], rows: Sequence[Sequence[object] | Mapping[str, object]], decimal: str
) -> list[_Profile]:
    def cell(row: Sequence[object] | Mapping[str, object], position: int, name: str) -> object:
        if isinstance(row, Mapping):
            return row.get(name)
        return row[position] if position < len(row) else None

    return [
        _profile(name, position, [cell(r, position, name) for r in rows], decimal)
        for position, name in enumerate(columns)
    ]


def _pick(profiles: list[_Profile], test: Callable[[_Profile], bool]) -> _Profile | None:
    return next((p for p in profiles if test(p)), None)


def _control_of(values: Iterable[object]) -> str | None:
    distinct = list(dict.fromkeys(str(v).strip() for v in values))
    folded = {v.casefold(): v for v in distinct}
    for word in CONTROL_WORDS:
        if word in folded:
            return folded[word]
    for value in distinct:
        if any(t in ("control", "ctrl", "holdout", "baseline") for t in _tokens(value)):
            return value
    return None


def _layout_of(arm: _Profile | None, day: _Profile | None, outcomes: list[_Profile]) -> Layout:
    """'events' when outcome columns are 0/1 flags or day x arm repeats a lot, else 'aggregated'.

    An exposures-style count column (visitors, sent...) says aggregated even when
    day x arm repeats: per-channel breakdowns repeat too, and small pilots can
    have 0/1 conversions on a day.
    """
    numeric = [p for p in outcomes if p.is_numeric or p.is_flag]
    flags = [p for p in numeric if p.is_flag]
    counts = any(p.named(EXPOSURE_WORDS) and not p.is_flag for p in numeric)
    if numeric and len(flags) == len(numeric):
        return "events"
    if flags and not counts:
        return "events"
    if arm is not None and len(arm.cells) >= 4 and not counts:
        days = day.cells if day is not None else [None] * len(arm.cells)
        keys = [(str(a).strip(), str(d).strip()) for a, d in zip(arm.cells, days, strict=True) if not is_blank(a)]
        if len(keys) >= 1.5 * max(len(set(keys)), 1):
            return "events"
    return "aggregated"


def detect_layout(
    columns: Sequence[str], sample_rows: Sequence[Sequence[object] | Mapping[str, object]], decimal: str = "."
) -> Layout:
    """The layout suggest_mapping would pick for these columns and rows."""
    return suggest_mapping(columns, sample_rows, decimal=decimal).layout


def _match_names(metrics: list[MetricMapping], names: Sequence[str], sources: list[list[str]]) -> None:
    """Rename suggested metrics to the pilot's metric names they resemble (in place)."""
    taken: set[str] = set()
    for metric, source in zip(metrics, sources, strict=True):
        stems = {_stem(t) for col in source for t in _tokens(col)}
        best, best_score = None, 0
        for name in names:
            if name in taken:
                continue
            score = len({_stem(t) for t in _tokens(name)} & stems)
            if score > best_score:
                best, best_score = name, score
        if best is not None:
            metric.name = best
            taken.add(best)


def _mean_columns(sq: _Profile, profiles: list[_Profile], used: set[int]) -> MetricMapping | None:
    """n + sum + sum-of-squares columns around a sum-of-squares column ('revenue_sq'), if all present."""
    base = {t for t in sq.tokens if t not in SQ_WORDS and t != "sum"}
    free = [q for q in profiles if q.position not in used and q is not sq and not q.named(SQ_WORDS)]
    total = _pick(free, lambda q: base <= set(q.tokens) and not q.named(N_WORDS))
    n_col = _pick(free, lambda q: q.named(N_WORDS) and q is not total)
    if total is None or n_col is None:
        return None
    used |= {sq.position, total.position, n_col.position}
    return MetricMapping(slug(total.name), "mean", n_column=n_col.name, sum_column=total.name, sum_sq_column=sq.name)


def suggest_mapping(
    columns: Sequence[str],
    sample_rows: Sequence[Sequence[object] | Mapping[str, object]],
    metric_names: Sequence[str] | None = None,
    *,
    decimal: str = ".",
) -> ImportMapping:
    """A first guess at the mapping from column names and a few rows; the user confirms or edits it.

    ``sample_rows`` are lists aligned with ``columns`` (or dicts by column name).
    ``metric_names`` are the pilot's metric names; suggested metrics that resemble
    one take its name, the others are named after their column.
    """
    profiles = _profiles(columns, sample_rows, decimal)
    arm = _pick(profiles, lambda p: p.named(ARM_WORDS) and not p.is_date and not p.is_numeric) or _pick(
        profiles,
        lambda p: (
            not p.is_numeric
            and not p.is_date
            and 2 <= len(set(map(str, p.values))) <= 10
            and _control_of(p.values) is not None
            and not p.named(ID_WORDS)
        ),
    )
    rest = [p for p in profiles if p is not arm]
    day = _pick(rest, lambda p: p.named(DATE_WORDS) and p.is_date) or _pick(rest, lambda p: p.is_date)
    rest = [
        p
        for p in rest
        if p is not day and not p.named(ID_WORDS) and (p.is_numeric or p.is_flag) and not p.looks_like_id
    ]
    layout = _layout_of(arm, day, rest)
    metrics: list[MetricMapping] = []
    sources: list[list[str]] = []
    if layout == "events":
        for p in rest:
            kind: MetricKind = "proportion" if p.is_flag else "mean"
            metrics.append(MetricMapping(slug(p.name), kind, column=p.name))
            sources.append([p.name])
    else:
        used: set[int] = set()
        for p in [p for p in rest if p.named(SQ_WORDS)]:
            mean = _mean_columns(p, rest, used)
            if mean is not None:
                metrics.append(mean)
                sources.append([c for c in (mean.n_column, mean.sum_column, mean.sum_sq_column) if c])
        exposures = [p for p in rest if p.named(EXPOSURE_WORDS) and p.position not in used and p.is_numeric]
        conversions = [
            p
            for p in rest
            if p.named(CONVERSION_WORDS)
            and p.position not in used
            and p.is_numeric
            and p not in exposures
            and not (p.named(AMOUNT_WORDS) and p.integers < p.filled)
        ]
        if exposures:
            for p in conversions:
                base = exposures[0]
                metrics.append(
                    MetricMapping(slug(p.name), "proportion", conversions_column=p.name, exposures_column=base.name)
                )
                sources.append([p.name, base.name])
                used |= {p.position, base.position}
        for p in rest:
            if p.position in used or not p.is_numeric:
                continue
            metrics.append(MetricMapping(slug(p.name), "count", column=p.name))
            sources.append([p.name])
            used.add(p.position)
    if metric_names:
        _match_names(metrics, list(metric_names), sources)
    control = _control_of(arm.values) if arm is not None else None
    return ImportMapping(
        layout=layout,
        arm_column=arm.name if arm is not None else None,
        control_value=control,
        date_column=day.name if day is not None else None,
        metrics=metrics,
    )
