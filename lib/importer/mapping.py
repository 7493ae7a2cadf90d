"""Which column holds what: the mapping a user confirms before importing (suggest.py makes a first guess).

The mapping is plain data (JSON-safe via to_dict/from_dict) so the app can
remember it per pilot and offer it again for next week's export.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from lib.specs import METRIC_KINDS, MetricKind

from . import messages
from .errors import ImportFileError

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

    Arm values (rules in arms.py): ``arm_aliases`` (file value -> arm name) win; the
    ``control_value`` becomes "control"; a single remaining value becomes "pilot"; several
    remaining values keep their own names (three-arm pilots). ``arm_column=None`` reads the
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
    #: stores, markets split between the arms: the column naming each row's unit, and what was known before
    unit_column: str | None = None
    strata_column: str | None = None
    before_column: str | None = None

    def columns(self) -> list[str]:
        """Every column the mapping reads, in first-use order."""
        names = [self.arm_column, self.date_column]
        for metric in self.metrics:
            names.extend(metric.roles(self.layout).values())
        names.extend((self.unit_column, self.strata_column, self.before_column))
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
        if (self.strata_column or self.before_column) and not self.unit_column:
            problems.append(messages.UNIT_COLUMN_NEEDED)
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
            **{k: getattr(self, k) for k in _UNIT_KEYS if getattr(self, k)},
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
                **{k: _opt_str(data.get(k), k) for k in _UNIT_KEYS},
            )
        except (TypeError, ValueError, KeyError) as exc:
            raise ImportFileError(messages.bad_saved_mapping(str(exc))) from None


_UNIT_KEYS = ("unit_column", "strata_column", "before_column")
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
