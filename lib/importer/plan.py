"""Which file column plays which part in the sums, worked out once from the mapping.

The mapping names columns; the readers hand out columns by position. The plan
joins the two, so the per-chunk work only looks positions up.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.vocabulary import SPEND_METRIC

from .mapping import ImportMapping, Layout, MetricMapping

NON_NEGATIVE_ROLES = frozenset({"conversions", "exposures", "n", "sum_sq"})
"""Roles whose values are counts (or sums of squares) and cannot be below zero."""
WHOLE_ROLES = frozenset({"conversions", "exposures"})
"""Roles that must be whole numbers."""


@dataclass(frozen=True)
class MetricSource:
    """Where a metric's n, total, total_sq and total_cu come from: 'rows', a column position, or nothing.

    ``square`` means total_sq sums the squares of column ``sq`` (event rows) rather
    than the column itself (an aggregated sum-of-squares column). ``cu`` is the
    column whose cubes make total_cu: event rows of a mean metric only (aggregated
    layouts have no sum-of-cubes column, so their total_cu stays None).
    """

    n: int | str | None
    total: int | str | None
    sq: int | str | None
    square: bool = False
    cu: int | None = None


@dataclass(frozen=True)
class ColumnPlan:
    """The mapping in column positions: grouping columns, metric sources and each column's roles."""

    layout: Layout
    metrics: tuple[MetricMapping, ...]
    sources: tuple[MetricSource, ...]
    arm_pos: int | None
    date_pos: int | None
    id_pos: int | None  # a person id column of an event file, checked for repeats
    names: dict[int, str]  # position -> column name as the file writes it (for messages)
    roles: dict[int, frozenset[str]]  # position -> roles it plays across metrics
    flag_positions: frozenset[int]  # 0/1 columns of event-level proportions
    blank_ok: dict[int, bool]  # position -> empty cells read as 0
    unit_pos: int | None = None  # the unit (store, market) on each row, when the arms split units
    strata_pos: int | None = None
    before_pos: int | None = None
    #: the columns spend is read from (money: never below zero, in the workspace's ``currency`` only)
    money_positions: frozenset[int] = frozenset()
    currency: str | None = None

    @classmethod
    def build(
        cls,
        mapping: ImportMapping,
        positions: dict[str, int],
        columns: list[str] | None = None,
        id_column: str | None = None,
        currency: str | None = None,
    ) -> ColumnPlan:
        """``positions``: column name -> position (the mapping's and ``id_column``); ``columns``: the file's header."""
        roles: dict[int, set[str]] = {}
        blank_ok: dict[int, list[bool]] = {}
        sources: list[MetricSource] = []
        flags: set[int] = set()
        money: set[int] = set()
        for metric in mapping.metrics:
            by_role = {r: positions[c] for r, c in metric.roles(mapping.layout).items() if c}
            if currency and metric.name == SPEND_METRIC and "value" in by_role:  # money spent, not a metric so named
                money.add(by_role["value"])
            for role, pos in by_role.items():
                roles.setdefault(pos, set()).add(role)
                blank_ok.setdefault(pos, []).append(metric.blank_as_zero)
            sources.append(_source(mapping.layout, metric, by_role))
            if mapping.layout == "events" and metric.kind == "proportion":
                flags.add(by_role["value"])
        return cls(
            layout=mapping.layout,
            metrics=tuple(mapping.metrics),
            sources=tuple(sources),
            arm_pos=positions.get(mapping.arm_column) if mapping.arm_column else None,
            date_pos=positions.get(mapping.date_column) if mapping.date_column else None,
            id_pos=positions.get(id_column) if id_column else None,
            names={pos: columns[pos] if columns else name for name, pos in positions.items()},
            roles={pos: frozenset(r) for pos, r in roles.items()},
            flag_positions=frozenset(flags),
            blank_ok={pos: all(ok) for pos, ok in blank_ok.items()},
            unit_pos=positions.get(mapping.unit_column) if mapping.unit_column else None,
            strata_pos=positions.get(mapping.strata_column) if mapping.strata_column else None,
            before_pos=positions.get(mapping.before_column) if mapping.before_column else None,
            money_positions=frozenset(money),
            currency=currency,
        )

    def counts_value(self, pos: int) -> bool:
        """Whether a 'value' column feeds a count metric (amounts of a mean metric may be negative)."""
        return any(m.kind == "count" and pos == s.total for m, s in zip(self.metrics, self.sources, strict=True))

    def fixed_n(self, index: int) -> bool:
        """An aggregated count without an n column: each day counts as one unit."""
        metric = self.metrics[index]
        return self.layout == "aggregated" and metric.kind == "count" and not metric.n_column


def _source(layout: Layout, metric: MetricMapping, roles: dict[str, int]) -> MetricSource:
    if layout == "events":
        value = roles["value"]
        mean = metric.kind == "mean"
        return MetricSource("rows", value, value if mean else None, square=True, cu=value if mean else None)
    if metric.kind == "proportion":
        return MetricSource(roles["exposures"], roles["conversions"], None)
    if metric.kind == "mean":
        return MetricSource(roles["n"], roles["sum"], roles.get("sum_sq"))
    return MetricSource(roles.get("n"), roles["value"], None)
