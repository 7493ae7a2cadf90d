"""A plan's gain from what is known before the pilot, read from a file of each unit's values before it.

For ``lib.cli plan --before-file``: the designer plans with the variance adjusting took away in an
imported pilot (:mod:`lib.services.before_data`); before a first pilot there is none, but a team
usually has last months' figures per store. Those stand in for the pilot's outcome: when a unit has
several rows (weeks, months), its later rows are the outcome and its earlier ones the before-value,
so the file says how much of the spread between units the before-value and the strata (market)
take away. With one row per unit only the strata can be judged. The share left is adjusted for
the columns fitted (adjusted R²), so a covariate that explains nothing saves nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, replace

import numpy as np

from lib import formatting as fmt
from lib.importer.errors import ImportFileError
from lib.importer.reading import open_table
from lib.importer.values import BAD, BLANK, parse_value
from lib.stats.adjustment import units_with_covariates
from lib.stats.planning import PlanInputs, plan_pilot


@dataclass(frozen=True)
class BeforeGain:
    """What the before-file says: how many units, the spread of one, and the share of it left after adjusting."""

    units: int
    periods: int  # rows per unit (the most any unit has)
    sd: float  # the spread of one unit's value between units, unadjusted
    variance_left: float  # 1.0: adjusting takes nothing away
    covariate_columns: int
    adjusted_for: tuple[str, ...]
    note: str = ""  # why something could not be used

    @property
    def what(self) -> str:
        return " and ".join(self.adjusted_for)


def gain(
    units: Sequence[str],
    values: Sequence[float],
    strata: Sequence[str | None] | None,
    before_name: str,
    strata_name: str = "strata",
) -> BeforeGain:
    """The share of the between-unit variance left once adjusted, from each unit's rows in file order."""
    rows: dict[str, list[float]] = {}
    stratum: dict[str, str | None] = {}
    for i, (unit, value) in enumerate(zip(units, values, strict=True)):
        rows.setdefault(unit, []).append(value)
        if strata is not None:
            stratum.setdefault(unit, strata[i])
    periods = max((len(v) for v in rows.values()), default=0)
    notes: list[str] = []
    names = list(rows) if periods < 2 else [u for u, v in rows.items() if len(v) >= 2]
    if periods < 2:
        outcome = np.array([rows[u][0] for u in names])
        covariate = None
        notes.append(f"one row per unit: {before_name} stands in for the outcome, so only the strata are judged")
    else:
        halves = [(len(rows[u]) // 2) for u in names]
        covariate = np.array([np.mean(rows[u][:h]) for u, h in zip(names, halves, strict=True)])
        outcome = np.array([np.mean(rows[u][h:]) for u, h in zip(names, halves, strict=True)])
    columns: list[np.ndarray] = []
    adjusted_for: list[str] = []
    if strata is not None:
        levels = sorted({str(stratum.get(u)) for u in names})
        columns.extend(np.array([str(stratum.get(u)) == level for u in names], float) for level in levels[1:])
        if len(levels) > 1:
            adjusted_for.append(strata_name)
    if covariate is not None:
        columns.append(covariate)
        adjusted_for.append(before_name)
    n, p = len(names), len(columns) + 1
    if n < p + 2:
        raise ValueError(f"{n} units are too few to judge what {' and '.join(adjusted_for) or 'it'} explains.")
    sd = float(np.std(outcome, ddof=1))
    if not columns or sd <= 0:
        return BeforeGain(n, periods, sd, 1.0, 0, (), "; ".join(notes))
    x = np.column_stack([np.ones(n), *columns])
    fitted, *_ = np.linalg.lstsq(x, outcome, rcond=None)
    residual = outcome - x @ fitted
    left = (float(residual @ residual) / (n - p)) / (sd**2)  # adjusted R²: columns that explain nothing save nothing
    return BeforeGain(n, periods, sd, min(max(left, 0.0), 1.0), p - 1, tuple(adjusted_for), "; ".join(notes))


def read_before_file(path: str, unit_column: str, before_column: str, strata_column: str | None = None) -> BeforeGain:
    """The file's units, before-values and strata (CSV or xlsx, read as an import reads them). Raises ValueError."""
    with open_table(path) as table:
        wanted = [c for c in (unit_column, before_column, strata_column) if c]
        missing = [c for c in wanted if c not in table.columns]
        if missing:
            raise ValueError(
                f"{path} has no column {fmt.quoted(missing[0])}; its columns are {', '.join(table.columns)}."
            )
        where = [table.columns.index(c) for c in wanted]
        units: list[str] = []
        values: list[float] = []
        strata: list[str | None] = []
        bad: list[str] = []
        with closing(table.frames(where, None)) as chunks:  # ends the reading thread even on errors
            for first, frame, _ in chunks:
                for i, cells in enumerate(frame[where].itertuples(index=False), start=first):
                    unit, raw = cells[0], cells[1]
                    number, status = parse_value(raw, table.format.decimal)
                    if status in (BAD, BLANK) or unit in (None, ""):
                        if len(bad) < 5:
                            bad.append(f"row {i}")
                        continue
                    units.append(str(unit).strip())
                    values.append(number)
                    strata.append(None if strata_column is None else str(cells[2]).strip())
        if bad:
            raise ValueError(
                f"{path}: {before_column} is not a number, or {unit_column} is empty, on {', '.join(bad)}; "
                "fix the file or leave those rows out."
            )
    return gain(units, values, strata if strata_column else None, before_column, strata_column or "strata")


def read_or_refuse(path: str, unit_column: str, before_column: str, strata_column: str | None = None) -> BeforeGain:
    try:
        return read_before_file(path, unit_column, before_column, strata_column)
    except ImportFileError as exc:
        raise ValueError(str(exc)) from None


def adjusted_sizes(inputs: PlanInputs, found: BeforeGain) -> tuple[int, int]:
    """(units per arm unadjusted, units per arm when adjusting as the file says), the same planner for both."""
    plain = plan_pilot(inputs).n
    if found.variance_left >= 1.0 or inputs.sd is None:
        return plain, plain
    adjusted = replace(inputs, sd=inputs.sd * math.sqrt(max(found.variance_left, 1e-6)))
    return plain, min(plain, units_with_covariates(plan_pilot(adjusted).n, found.covariate_columns))
