"""What a preview tells the user before anything is saved: totals, problems, notes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from lib.specs import MetricKind, Observation, UnitObservation

from . import row_messages
from .mapping import ImportMapping, Layout
from .table import FileFormat

MAX_PROBLEMS = 200


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the file. ``row`` is the row number as seen in a spreadsheet
    (header = 1, first data row = 2); None for problems about the file as a whole."""

    row: int | None
    column: str | None
    message: str
    code: str = ""  # machine-readable kind, see PROBLEM_CODES

    def __str__(self) -> str:
        return row_messages.problem_line(self.row, self.message)


PROBLEM_CODES: tuple[str, ...] = (
    "blank",  # a required cell is empty
    "not_a_number",
    "not_a_flag",  # event-level proportion column not 0/1
    "negative",
    "not_whole",  # a count with decimals
    "conversions_over_exposures",
    "impossible_sum_sq",
    "sum_without_units",
    "not_a_date",
    "date_outside",  # outside the caller's date_range
    "unknown_arm",  # not in the caller's allowed_arms
    "already_logged",  # (day, arm, metric) in the caller's existing_keys
    "unit_blank",  # units split between arms: a row without its unit
    "unit_in_two_arms",
    "stratum_differs",  # one unit, two strata
    "stratum_missing",
    "stratum_one_arm",  # a stratum whose units are all in one arm
    "before_missing",  # a unit without its value from before the pilot
    "before_differs",
    "market_column_needed",  # a market test's file without its market column
    "market_unknown",  # a test market the plan names that the file does not hold
)


class ProblemLog:
    """Collects problems by kind, keeping only the first ``cap`` rows of each kind.

    Rows arrive in file order per kind, so the first ``cap`` of each kind contain the
    first ``cap`` overall; the rest are only counted.
    """

    def __init__(self, cap: int = MAX_PROBLEMS) -> None:
        self.cap = cap
        self._kept: dict[tuple[str, str | None], list[Problem]] = {}
        self._counts: dict[tuple[str, str | None], int] = {}

    def add_rows(
        self,
        code: str,
        column: str | None,
        rows: np.ndarray | Sequence[int],
        message: Callable[[int], str],
        total: int | None = None,
    ) -> None:
        """Problems at the given rows (ascending); ``message(i)`` builds the text for the i-th one.

        Only the first rows that fit are turned into Problems; ``total`` counts the
        ones not passed in (defaults to ``len(rows)``).
        """
        key = (code, column)
        kept = self._kept.setdefault(key, [])
        for i in range(min(self.cap - len(kept), len(rows))):
            kept.append(Problem(int(rows[i]), column, message(i), code))
        self._counts[key] = self._counts.get(key, 0) + (len(rows) if total is None else total)

    def add(self, problem: Problem) -> None:
        key = (problem.code, problem.column)
        kept = self._kept.setdefault(key, [])
        if len(kept) < self.cap:
            kept.append(problem)
        self._counts[key] = self._counts.get(key, 0) + 1

    @property
    def total(self) -> int:
        return sum(self._counts.values())

    def finish(self) -> tuple[list[Problem], int]:
        """The first ``cap`` problems by row (file-level first) and how many more there are."""
        merged = [p for kept in self._kept.values() for p in kept]
        order = {code: i for i, code in enumerate(PROBLEM_CODES)}
        merged.sort(key=lambda p: (p.row is not None, p.row or 0, order.get(p.code, len(order))))
        shown = merged[: self.cap]
        return shown, self.total - len(shown)


@dataclass(frozen=True)
class ArmTotal:
    """One arm's sufficient statistics for one metric over the whole file."""

    arm: str
    metric: str
    kind: MetricKind
    n: float
    total: float
    total_sq: float | None
    days: int  # distinct days (or weeks) with data
    rows: int  # file rows behind it

    @property
    def value(self) -> float | None:
        """Rate (proportion), mean per unit (mean) or the summed figure (count)."""
        if self.kind == "count":
            return self.total
        return self.total / self.n if self.n else None


@dataclass
class ImportPreview:
    """Everything the importer found, for the user to check before the data is saved.

    ``observations`` is what would be stored: one per day x arm x metric, from the
    rows without problems (a row with any problem is left out of every metric).
    """

    file_name: str
    size_bytes: int
    format: FileFormat
    mapping: ImportMapping
    layout: Layout  # the layout used (the mapping's)
    detected_layout: Layout  # what the importer would have guessed from the first rows
    row_count: int  # data rows read (not counting the header, title rows or empty rows)
    rows_used: int  # rows that made it into the observations
    observations: list[Observation]
    arm_totals: list[ArmTotal]
    arm_values: dict[str, str]  # value as written in the file -> arm name it was read as
    date_order: str | None  # "ymd" (ISO/unambiguous), "dmy" or "mdy"; None without a date column
    period: str | None  # "day" or "week"; None without a date column
    first_day: date | None
    last_day: date | None
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0  # problems beyond the listed ones
    notes: list[str] = field(default_factory=list)
    blank_rows: int = 0
    skipped_rows: int = 0  # totals rows left out
    #: units split between arms (``mapping.unit_column``): one value per unit x day x metric, and units per arm
    unit_observations: list[UnitObservation] = field(default_factory=list)
    unit_counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True only when nothing is wrong: safe to save every observation."""
        return not self.problems and self.more_problems == 0

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.more_problems

    @property
    def arms(self) -> list[str]:
        return list(dict.fromkeys(t.arm for t in self.arm_totals))

    @property
    def metrics(self) -> list[str]:
        return [m.name for m in self.mapping.metrics]

    def total(self, arm: str, metric: str) -> ArmTotal | None:
        return next((t for t in self.arm_totals if t.arm == arm and t.metric == metric), None)

    def problem_lines(self) -> list[str]:
        """Problems as text lines (for a CLI), with the 'and N more' line when capped."""
        lines = [str(p) for p in self.problems]
        if self.more_problems:
            lines.append(row_messages.more_problems(self.more_problems))
        return lines

    def observations_frame(self) -> pd.DataFrame:
        """The observations as a table (day, arm, metric, n, total, total_sq, total_cu, value)."""
        kinds = {m.name: m.kind for m in self.mapping.metrics}
        records = [
            {
                "day": o.day,
                "arm": o.arm,
                "metric": o.metric,
                "n": o.n,
                "total": o.total,
                "total_sq": o.total_sq,
                "total_cu": o.total_cu,
                "value": o.total if kinds.get(o.metric) == "count" else (o.total / o.n if o.n else None),
            }
            for o in self.observations
        ]
        return pd.DataFrame(records, columns=["day", "arm", "metric", "n", "total", "total_sq", "total_cu", "value"])

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"row": p.row, "column": p.column, "problem": p.message} for p in self.problems],
            columns=["row", "column", "problem"],
        )
