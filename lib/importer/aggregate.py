"""Turning chunks of rows into running sums per day x arm, as the file streams past.

Arm and date values are grouped *as written* and only named at the end
(resolve.py): a file sorted by arm shows the second arm after a million rows,
and whether 03/04 means March or April is only clear once a 13th appears. Each
distinct value keeps the first rows it appeared on, so a problem found at the
end (unknown arm, date outside the pilot) can still name its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lib.specs import PILOT_ARM

from . import messages
from .arms import arm_key
from .checks import check_keys, check_values
from .errors import ImportFileError
from .group_sums import ARM_STRIDE, Group, GroupSums
from .keys import KeyTable, day_part, factorize, lookup_tables, spread
from .plan import ColumnPlan
from .repeats import RepeatedIds
from .report import ProblemLog
from .units import UnitRows
from .values import BLANK, NA_TOKENS, TOTAL_ROW, TOTAL_TOKENS, DateToken, cell_text, date_token, is_blank, parse_numbers

MAX_ARMS = 50
MAX_DAYS = 20_000
AS_OF_KEY = ("as_of",)
"""The one day key of a file without a date column."""
_DATE_CACHE_LIMIT = 200_000
_BLANK, _TOTAL, _BAD = -2, -3, -4
"""What a distinct arm or date value reads as when it names no arm or day (ids are >= 0)."""

__all__ = ["ARM_STRIDE", "AS_OF_KEY", "MAX_ARMS", "MAX_DAYS", "Aggregator", "Group", "Tally"]


@dataclass
class Tally:
    """Everything the streaming pass keeps: distinct arms and days, sums per pair, and row counts."""

    arms: KeyTable
    days: KeyTable
    sums: GroupSums
    row_count: int = 0
    blank_rows: int = 0
    totals_rows: list[int] = field(default_factory=list)  # the first few, for the note
    totals_count: int = 0
    repeats: RepeatedIds | None = None  # person ids, when the file has a column of them
    units: UnitRows | None = None  # each row's unit, when the arms split stores or markets

    @property
    def groups(self) -> dict[tuple[int, int], Group]:
        """The sums per (day id, arm id), in the order the groups first appeared."""
        return self.sums.groups()


class Aggregator:
    """Feeds on (first row number, frame) chunks; the tally it builds is named by resolve.resolve."""

    def __init__(self, plan: ColumnPlan, decimal: str, log: ProblemLog) -> None:
        self.plan = plan
        self.decimal = decimal
        self.log = log
        self.tally = Tally(KeyTable(log.cap), KeyTable(log.cap), GroupSums(len(plan.metrics)))
        if plan.id_pos is not None:
            self.tally.repeats = RepeatedIds(plan.names[plan.id_pos])
        if plan.unit_pos is not None:
            self.tally.units = UnitRows(plan.unit_pos, plan.strata_pos, plan.before_pos, decimal)
        self._date_cache: dict[object, DateToken | None] = {}
        # (type, value) -> arm id or _BLANK / _TOTAL, and day id or _BLANK / _TOTAL / _BAD: each distinct
        # value is read once per file (by type too: True == 1, but they read as different text)
        self._read_as: dict[tuple[type, object], int] = {}
        self._day_as: dict[tuple[type, object], int] = {}
        self._fixed_arm = self.tally.arms.intern(PILOT_ARM, PILOT_ARM) if plan.arm_pos is None else -1
        self._fixed_day = self.tally.days.intern(AS_OF_KEY, "") if plan.date_pos is None else -1

    def add(self, first_row: int, frame: pd.DataFrame) -> None:
        """Check and sum one chunk; ``first_row`` is the row number of its first row."""
        size = len(frame)
        if size == 0:
            return
        plan, tally = self.plan, self.tally
        columns = {pos: frame[pos] for pos in plan.names}  # each mapped column taken out of the frame once
        parsed = {
            pos: parse_numbers(columns[pos], self.decimal, allow_bool=pos in plan.flag_positions) for pos in plan.roles
        }
        arm_ids, arm_blank, arm_total = self._arm_ids(columns, size)
        day_ids, day_blank, day_total, day_bad = self._day_ids(columns, size)
        empty = arm_blank & day_blank
        if empty.any():  # rows with nothing in any mapped column are skipped quietly
            for numbers in parsed.values():
                empty &= numbers.status == BLANK
        totals = (arm_total | day_total) & ~empty
        skip = empty | totals
        blank_rows = int(empty.sum())
        tally.blank_rows += blank_rows
        tally.row_count += size - blank_rows
        if totals.any():
            rows = np.flatnonzero(totals) + first_row
            tally.totals_rows.extend(int(r) for r in rows[: max(0, 5 - len(tally.totals_rows))])
            tally.totals_count += len(rows)
        any_skip = bool(skip.any())
        tally.arms.record(np.where(skip, -1, arm_ids) if any_skip else arm_ids, first_row)
        tally.days.record(np.where(skip, -1, day_ids) if any_skip else day_ids, first_row)
        ok = ~skip
        ok &= check_keys(self.log, plan, columns, first_row, ok, arm_blank, day_blank, day_bad)
        ok &= check_values(self.log, plan, columns, first_row, ok, parsed)
        if tally.repeats is not None and plan.id_pos is not None:
            tally.repeats.add(columns[plan.id_pos], ok, arm_ids, first_row)
        if tally.units is not None:
            tally.units.add(frame, first_row, ok, arm_ids, day_ids, plan, {pos: p.values for pos, p in parsed.items()})
        self._accumulate(first_row, ok, arm_ids, day_ids, {pos: p.values for pos, p in parsed.items()})

    def _arm_ids(self, columns: dict[int, pd.Series], size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Arm id per row (-1 when none), plus which rows are blank and which are totals rows."""
        if self.plan.arm_pos is None:
            return np.full(size, self._fixed_arm), np.ones(size, dtype=bool), np.zeros(size, dtype=bool)
        codes, uniques = factorize(columns[self.plan.arm_pos])
        ids, blank, total = lookup_tables(len(uniques), codes, 2)
        known = self._read_as
        if len(known) > _DATE_CACHE_LIMIT:
            known.clear()
        for i, value in enumerate(uniques):
            read = known.get((type(value), value))
            if read is None:
                read = known[type(value), value] = self._read_arm(value)
            if read == _BLANK:
                blank[i] = True
            elif read == _TOTAL:
                total[i] = True
            else:
                ids[i] = read
        if len(self.tally.arms) > MAX_ARMS:
            column = self.plan.names[self.plan.arm_pos]
            raise ImportFileError(messages.too_many_arms(column, MAX_ARMS, self.tally.arms.labels[:5]))
        return ids[codes], spread(blank, codes), spread(total, codes)

    def _read_arm(self, value: object) -> int:
        text = cell_text(value)
        key = arm_key(text)
        if key in NA_TOKENS:
            return _BLANK
        if key in TOTAL_TOKENS:
            return _TOTAL
        return self.tally.arms.intern(key, text)

    def _day_ids(self, columns: dict[int, pd.Series], size: int) -> tuple[np.ndarray, ...]:
        """Day id per row (-1 when none), plus blank, totals-row and unreadable masks."""
        if self.plan.date_pos is None:
            none = np.zeros(size, dtype=bool)
            return np.full(size, self._fixed_day), np.ones(size, dtype=bool), none, none
        column = columns[self.plan.date_pos]
        codes, uniques = factorize(column)
        if len(uniques) > 1000:  # timestamps: group by their day before reading each one
            codes, uniques = factorize(day_part(column))
        ids, blank, total, bad = lookup_tables(len(uniques), codes, 3)
        known = self._day_as
        if len(known) > _DATE_CACHE_LIMIT:
            known.clear()
        for i, value in enumerate(uniques):
            read = known.get((type(value), value))
            if read is None:
                read = known[type(value), value] = self._read_day(value)
            if read >= 0:
                ids[i] = read
            elif read == _BLANK:
                blank[i] = True
            elif read == _TOTAL:
                total[i] = True
            else:
                bad[i] = True
        if len(self.tally.days) > MAX_DAYS:
            raise ImportFileError(messages.too_many_dates(self.plan.names[self.plan.date_pos], MAX_DAYS))
        return ids[codes], spread(blank, codes), spread(total, codes), spread(bad, codes)

    def _read_day(self, value: object) -> int:
        if is_blank(value):
            return _BLANK
        cache = self._date_cache
        if len(cache) > _DATE_CACHE_LIMIT:
            cache.clear()
        try:
            token = cache[value]
        except (KeyError, TypeError):
            token = date_token(value)
            if len(cache) <= _DATE_CACHE_LIMIT:
                cache[value] = token
        if token is None:
            return _BAD
        if token == TOTAL_ROW:
            return _TOTAL
        return self.tally.days.intern(token, cell_text(value))

    def _accumulate(
        self, first_row: int, ok: np.ndarray, arm_ids: np.ndarray, day_ids: np.ndarray, values: dict[int, np.ndarray]
    ) -> None:
        """Add the usable rows' n, sums, squares and cubes into their (day, arm) groups."""
        if ok.all():
            keys = day_ids * ARM_STRIDE + arm_ids
            index = None
        else:
            index = np.flatnonzero(ok)
            if len(index) == 0:
                return
            keys = day_ids[index] * ARM_STRIDE + arm_ids[index]
            values = {pos: v[index] for pos, v in values.items()}
        groups = self.tally.sums
        bins, size, slots = groups.bins(groups.slots(keys, index, first_row))
        sums: dict[tuple[int, int], np.ndarray] = {}

        def power_sum(pos: int, power: int) -> np.ndarray:
            if (pos, power) not in sums:
                v = values[pos]
                weights = v if power == 1 else v * v if power == 2 else v * v * v
                sums[pos, power] = np.bincount(bins, weights=weights, minlength=size)
            return sums[pos, power]

        counts = np.bincount(bins, minlength=size)
        stats = groups.stats
        for m, source in enumerate(self.plan.sources):
            if source.n == "rows":
                stats[slots, m, 0] += counts
            elif isinstance(source.n, int):
                stats[slots, m, 0] += power_sum(source.n, 1)
            if isinstance(source.total, int):
                stats[slots, m, 1] += power_sum(source.total, 1)
            if isinstance(source.sq, int):
                stats[slots, m, 2] += power_sum(source.sq, 2 if source.square else 1)
            if source.cu is not None:
                stats[slots, m, 3] += power_sum(source.cu, 3)
        groups.rows[slots] += counts
