"""Turning chunks of rows into sufficient statistics per day x arm, and row problems.

Arm and date values are grouped *as written* while the file streams past and only
named at the end: a file sorted by arm shows the second arm after a million
rows, and whether 03/04 means March or April is only clear once a 13th appears.
Each distinct value keeps the first rows it appeared on, so a problem found at
the end (unknown arm, date outside the pilot) can still name its rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from lib.observations import CONTROL_ARM, PILOT_ARM, Observation

from . import messages
from .errors import ImportFileError
from .keys import KeyTable, arm_key, day_part, factorize, lookup_tables, spread
from .mapping import ImportMapping, MetricMapping
from .report import ArmTotal, Problem, ProblemLog
from .values import (
    BAD,
    BLANK,
    NA_TOKENS,
    OK,
    TOTAL_ROW,
    TOTAL_TOKENS,
    DateToken,
    ParsedNumbers,
    cell_text,
    choose_date_order,
    date_token,
    is_blank,
    parse_numbers,
    slash_date,
)

MAX_ARMS = 50
MAX_DAYS = 20_000
ARM_STRIDE = 64  # > MAX_ARMS: day id * stride + arm id is a unique group key
_AS_OF_KEY = ("as_of",)
_DATE_CACHE_LIMIT = 200_000

# Roles whose values are counts and must not be negative; roles that must be whole numbers.
_NON_NEGATIVE = {"conversions", "exposures", "n", "sum_sq"}
_WHOLE = {"conversions", "exposures"}


@dataclass
class _Group:
    """Running sums for one (day id, arm id): per metric n, total, total of squares, total of cubes."""

    stats: np.ndarray
    rows: int = 0
    first_row: int = 0


@dataclass(frozen=True)
class _Source:
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


@dataclass
class Result:
    """What the aggregation found, before it is wrapped into an ImportPreview."""

    observations: list[Observation]
    arm_totals: list[ArmTotal]
    arm_values: dict[str, str]
    date_order: str | None
    period: str | None
    row_count: int
    rows_used: int
    blank_rows: int
    totals_rows: list[int]
    totals_count: int
    merged_groups: int
    notes: list[str] = field(default_factory=list)


class Aggregator:
    """Feeds on (first row number, frame) chunks; ``finish`` names arms and days and sums up."""

    def __init__(
        self,
        mapping: ImportMapping,
        positions: dict[str, int],
        decimal: str,
        log: ProblemLog,
        columns: list[str] | None = None,
    ) -> None:
        """``positions``: mapping column name -> position; ``columns``: the file's header (for messages)."""
        self.mapping = mapping
        self.decimal = decimal
        self.log = log
        self.arm_pos = positions.get(mapping.arm_column) if mapping.arm_column else None
        self.date_pos = positions.get(mapping.date_column) if mapping.date_column else None
        self.names = {pos: columns[pos] if columns else name for name, pos in positions.items()}
        self.metrics = list(mapping.metrics)
        self.sources: list[_Source] = []
        self.roles: dict[int, set[str]] = {}  # column position -> roles it plays
        self.flag_positions: set[int] = set()
        blank_ok: dict[int, list[bool]] = {}
        for metric in self.metrics:
            roles = {r: positions[c] for r, c in metric.roles(mapping.layout).items() if c}
            for role, pos in roles.items():
                self.roles.setdefault(pos, set()).add(role)
                blank_ok.setdefault(pos, []).append(metric.blank_as_zero)
            self.sources.append(self._source(metric, roles))
            if mapping.layout == "events" and metric.kind == "proportion":
                self.flag_positions.add(roles["value"])
        self.blank_ok = {pos: all(flags) for pos, flags in blank_ok.items()}
        self.arms = KeyTable(log.cap)
        self.days = KeyTable(log.cap)
        self.groups: dict[tuple[int, int], _Group] = {}
        self.row_count = 0
        self.blank_rows = 0
        self.totals_rows: list[int] = []
        self.totals_count = 0
        self._date_cache: dict[object, DateToken | None] = {}
        if self.arm_pos is None:
            self._fixed_arm = self.arms.intern(PILOT_ARM, PILOT_ARM)
        if self.date_pos is None:
            self._fixed_day = self.days.intern(_AS_OF_KEY, "")

    def _source(self, metric: MetricMapping, roles: dict[str, int]) -> _Source:
        if self.mapping.layout == "events":
            value = roles["value"]
            mean = metric.kind == "mean"
            return _Source("rows", value, value if mean else None, square=True, cu=value if mean else None)
        if metric.kind == "proportion":
            return _Source(roles["exposures"], roles["conversions"], None)
        if metric.kind == "mean":
            return _Source(roles["n"], roles["sum"], roles.get("sum_sq"))
        return _Source(roles.get("n"), roles["value"], None)

    # --- per chunk ---------------------------------------------------------------

    def add(self, first_row: int, frame: pd.DataFrame) -> None:
        size = len(frame)
        if size == 0:
            return
        parsed = {
            pos: parse_numbers(frame[pos], self.decimal, allow_bool=pos in self.flag_positions) for pos in self.roles
        }
        arm_ids, arm_blank, arm_total = self._arm_ids(frame, size)
        day_ids, day_blank, day_total, day_bad = self._day_ids(frame, size)
        empty = arm_blank & day_blank
        if empty.any():  # rows with nothing in any mapped column are skipped quietly
            for numbers in parsed.values():
                empty &= numbers.status == BLANK
        totals = (arm_total | day_total) & ~empty
        skip = empty | totals
        blank_rows = int(empty.sum())
        self.blank_rows += blank_rows
        self.row_count += size - blank_rows
        if totals.any():
            rows = np.flatnonzero(totals) + first_row
            self.totals_rows.extend(int(r) for r in rows[: max(0, 5 - len(self.totals_rows))])
            self.totals_count += len(rows)
        any_skip = bool(skip.any())
        self.arms.record(np.where(skip, -1, arm_ids) if any_skip else arm_ids, first_row)
        self.days.record(np.where(skip, -1, day_ids) if any_skip else day_ids, first_row)
        ok = ~skip
        ok &= self._check_keys(frame, first_row, ok, arm_blank, day_blank, day_bad)
        ok &= self._check_values(frame, first_row, ok, parsed)
        self._accumulate(first_row, ok, arm_ids, day_ids, parsed)

    def _arm_ids(self, frame: pd.DataFrame, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Arm id per row (-1 when none), plus which rows are blank and which are totals rows."""
        if self.arm_pos is None:
            return np.full(size, self._fixed_arm), np.ones(size, dtype=bool), np.zeros(size, dtype=bool)
        codes, uniques = factorize(frame[self.arm_pos])
        ids, blank, total = lookup_tables(len(uniques), codes, 2)
        for i, value in enumerate(uniques):
            text = cell_text(value)
            key = arm_key(text)
            if key in NA_TOKENS:
                blank[i] = True
            elif key in TOTAL_TOKENS:
                total[i] = True
            else:
                ids[i] = self.arms.intern(key, text)
        if len(self.arms) > MAX_ARMS:
            column = self.names[self.arm_pos]
            raise ImportFileError(messages.too_many_arms(column, MAX_ARMS, self.arms.labels[:5]))
        return ids[codes], spread(blank, codes), spread(total, codes)

    def _day_ids(self, frame: pd.DataFrame, size: int) -> tuple[np.ndarray, ...]:
        """Day id per row (-1 when none), plus blank, totals-row and unreadable masks."""
        if self.date_pos is None:
            none = np.zeros(size, dtype=bool)
            return np.full(size, self._fixed_day), np.ones(size, dtype=bool), none, none
        column = frame[self.date_pos]
        codes, uniques = factorize(column)
        if len(uniques) > 1000:  # timestamps: group by their day before reading each one
            codes, uniques = factorize(day_part(column))
        ids, blank, total, bad = lookup_tables(len(uniques), codes, 3)
        cache = self._date_cache
        if len(cache) > _DATE_CACHE_LIMIT:
            cache.clear()
        for i, value in enumerate(uniques):
            if is_blank(value):
                blank[i] = True
                continue
            try:
                token = cache[value]
            except (KeyError, TypeError):
                token = date_token(value)
                if len(cache) <= _DATE_CACHE_LIMIT:
                    cache[value] = token
            if token is None:
                bad[i] = True
            elif token == TOTAL_ROW:
                total[i] = True
            else:
                ids[i] = self.days.intern(token, cell_text(value))
        if len(self.days) > MAX_DAYS:
            raise ImportFileError(messages.too_many_dates(self.names[self.date_pos], MAX_DAYS))
        return ids[codes], spread(blank, codes), spread(total, codes), spread(bad, codes)

    def _check_keys(
        self,
        frame: pd.DataFrame,
        first_row: int,
        ok: np.ndarray,
        arm_blank: np.ndarray,
        day_blank: np.ndarray,
        day_bad: np.ndarray,
    ) -> np.ndarray:
        """Rows whose arm and date cells are usable (blank or unreadable ones are logged)."""
        good = np.ones(len(ok), dtype=bool)
        if self.arm_pos is not None:
            good &= self._flag(ok & arm_blank, first_row, "blank", self.arm_pos, lambda c, _: messages.blank_cell(c))
        if self.date_pos is not None:
            good &= self._flag(ok & day_blank, first_row, "blank", self.date_pos, lambda c, _: messages.blank_cell(c))
            column = frame[self.date_pos]
            good &= self._flag(
                ok & day_bad,
                first_row,
                "not_a_date",
                self.date_pos,
                lambda c, i: messages.not_a_date(c, cell_text(column.iloc[i])),
            )
        return good

    def _flag(
        self, mask: np.ndarray, first_row: int, code: str, pos: int | None, message: Callable[[str, int], str]
    ) -> np.ndarray:
        """Log a problem on every masked row; return the rows that passed (~mask)."""
        if not mask.any():
            return ~mask
        where = np.flatnonzero(mask)
        column = self.names.get(pos, "") if pos is not None else ""
        self.log.add_rows(code, column or None, where + first_row, lambda i: message(column, int(where[i])))
        return ~mask

    def _check_values(
        self, frame: pd.DataFrame, first_row: int, ok: np.ndarray, parsed: dict[int, ParsedNumbers]
    ) -> np.ndarray:
        good = np.ones(len(ok), dtype=bool)
        for pos, numbers in parsed.items():
            column = frame[pos]
            roles = self.roles[pos]
            status = numbers.status
            if status.any():
                if not self.blank_ok[pos]:
                    good &= self._flag(
                        ok & (status == BLANK), first_row, "blank", pos, lambda c, _: messages.blank_cell(c)
                    )
                bad_message = messages.not_a_flag if pos in self.flag_positions else messages.not_a_number
                good &= self._flag(
                    ok & (status == BAD),
                    first_row,
                    "not_a_flag" if pos in self.flag_positions else "not_a_number",
                    pos,
                    lambda c, i, col=column, fn=bad_message: fn(c, cell_text(col.iloc[i])),
                )
            values = numbers.values
            low, high = (values.min(), values.max()) if len(values) else (0.0, 0.0)
            usable = ok & (status == OK) if status.any() else ok
            if pos in self.flag_positions:
                clean = low >= 0.0 and high <= 1.0 and (numbers.integral or not np.any(values % 1))
                wrong = np.zeros(len(ok), dtype=bool) if clean else usable & (values != 0.0) & (values != 1.0)
                good &= self._flag(
                    wrong,
                    first_row,
                    "not_a_flag",
                    pos,
                    lambda c, i, col=column: messages.not_a_flag(c, cell_text(col.iloc[i])),
                )
            elif low < 0 and (roles & _NON_NEGATIVE or (roles & {"value"} and self._counts_value(pos))):
                good &= self._flag(
                    usable & (values < 0),
                    first_row,
                    "negative",
                    pos,
                    lambda c, i, v=values: messages.negative_count(c, v[i]),
                )
            if roles & _WHOLE and not numbers.integral:
                good &= self._flag(
                    usable & (values != np.floor(values)),
                    first_row,
                    "not_whole",
                    pos,
                    lambda c, i, v=values: messages.not_whole(c, v[i]),
                )
        for metric, source in zip(self.metrics, self.sources, strict=True):
            if self.mapping.layout != "aggregated" or metric.kind == "count":
                continue
            n = parsed[source.n].values  # type: ignore[index]
            total = parsed[source.total].values  # type: ignore[index]
            both = ok & good
            if metric.kind == "proportion":
                conv_col, exp_col = metric.conversions_column or "", metric.exposures_column or ""
                good &= self._flag(
                    both & (total > n),
                    first_row,
                    "conversions_over_exposures",
                    source.total,  # type: ignore[arg-type]
                    lambda c, i, t=total, e=n, cc=conv_col, ec=exp_col: messages.conversions_over_exposures(
                        cc, t[i], ec, e[i]
                    ),
                )
                continue
            good &= self._flag(
                both & (n == 0) & (total != 0),
                first_row,
                "sum_without_units",
                source.total,  # type: ignore[arg-type]
                lambda c, i, nc=metric.n_column or "": messages.sum_without_units(c, nc),
            )
            if isinstance(source.sq, int):
                sq = parsed[source.sq].values
                with np.errstate(divide="ignore", invalid="ignore"):
                    floor = np.where(n > 0, total * total / np.where(n > 0, n, 1), 0.0)
                low = both & (sq < floor * (1 - 1e-9) - 1e-9)
                good &= self._flag(
                    low, first_row, "impossible_sum_sq", source.sq, lambda c, _: messages.impossible_sum_sq(c)
                )
        return good

    def _counts_value(self, pos: int) -> bool:
        """Whether a 'value' column feeds a count metric (amounts of a mean metric may be negative)."""
        return any(m.kind == "count" and pos == s.total for m, s in zip(self.metrics, self.sources, strict=True))

    def _accumulate(
        self,
        first_row: int,
        ok: np.ndarray,
        arm_ids: np.ndarray,
        day_ids: np.ndarray,
        parsed: dict[int, ParsedNumbers],
    ) -> None:
        if ok.all():
            keys = day_ids * ARM_STRIDE + arm_ids
            index = None
        else:
            index = np.flatnonzero(ok)
            if len(index) == 0:
                return
            keys = day_ids[index] * ARM_STRIDE + arm_ids[index]
        top = int(keys.max())
        if top < (1 << 16):  # few days x arms: count straight into key-indexed bins
            bins, size = keys, top + 1
            counts = np.bincount(bins, minlength=size)
            slots = np.flatnonzero(counts)
            group_keys = slots
        else:
            bins, uniques = pd.factorize(keys)
            size = len(uniques)
            counts = np.bincount(bins, minlength=size)
            slots = np.arange(size)
            group_keys = np.asarray(uniques)

        sums: dict[int, np.ndarray] = {}
        squares: dict[int, np.ndarray] = {}
        cubes: dict[int, np.ndarray] = {}

        def column_sum(pos: int) -> np.ndarray:
            if pos not in sums:
                values = parsed[pos].values if index is None else parsed[pos].values[index]
                sums[pos] = np.bincount(bins, weights=values, minlength=size)
            return sums[pos]

        def column_squares(pos: int) -> np.ndarray:
            if pos not in squares:
                values = parsed[pos].values if index is None else parsed[pos].values[index]
                squares[pos] = np.bincount(bins, weights=values * values, minlength=size)
            return squares[pos]

        def column_cubes(pos: int) -> np.ndarray:
            if pos not in cubes:
                values = parsed[pos].values if index is None else parsed[pos].values[index]
                cubes[pos] = np.bincount(bins, weights=values * values * values, minlength=size)
            return cubes[pos]

        table = np.zeros((len(slots), len(self.metrics), 4))
        for m, source in enumerate(self.sources):
            if source.n == "rows":
                table[:, m, 0] = counts[slots]
            elif isinstance(source.n, int):
                table[:, m, 0] = column_sum(source.n)[slots]
            if isinstance(source.total, int):
                table[:, m, 1] = column_sum(source.total)[slots]
            if isinstance(source.sq, int):
                table[:, m, 2] = (column_squares(source.sq) if source.square else column_sum(source.sq))[slots]
            if source.cu is not None:
                table[:, m, 3] = column_cubes(source.cu)[slots]

        new = [i for i, k in enumerate(group_keys) if (int(k) // ARM_STRIDE, int(k) % ARM_STRIDE) not in self.groups]
        first_rows: dict[int, int] = {}
        if new:
            series = pd.Series(keys)
            firsts = series.drop_duplicates()
            where = firsts.index.to_numpy() if index is None else index[firsts.index.to_numpy()]
            first_rows = dict(zip(firsts.to_numpy().tolist(), (where + first_row).tolist(), strict=True))
        for i, key in enumerate(group_keys):
            key = int(key)
            group_id = (key // ARM_STRIDE, key % ARM_STRIDE)
            group = self.groups.get(group_id)
            if group is None:
                group = self.groups[group_id] = _Group(np.zeros((len(self.metrics), 4)), 0, first_rows[key])
            group.stats += table[i]
            group.rows += int(counts[slots[i]])

    # --- at the end ----------------------------------------------------------------

    def finish(
        self,
        allowed_arms: Collection[str] | None,
        date_range: tuple[date | None, date | None] | None,
        existing_keys: Collection[tuple[date, str, str]] | None,
        as_of: date,
    ) -> Result:
        notes: list[str] = []
        arm_names = self._name_arms(allowed_arms)
        days, date_order, weekly = self._name_days(date_range, as_of, notes)
        merged: dict[tuple[date, str], list] = {}
        rows_used = 0
        merged_groups = 0
        for (day_id, arm_id), group in self.groups.items():
            day, arm = days[day_id], arm_names[arm_id]
            if day is None or arm is None:
                continue
            rows_used += group.rows
            if group.rows > 1 and self.mapping.layout == "aggregated":
                merged_groups += 1
            slot = merged.setdefault((day, arm), [np.zeros_like(group.stats), 0, group.first_row])
            slot[0] += group.stats
            slot[1] += group.rows
            slot[2] = min(slot[2], group.first_row)
        observations = self._observations(merged)
        self._check_existing(observations, merged, existing_keys)
        raw_to_arm = {
            self.arms.labels[g]: name
            for g, name in enumerate(arm_names)
            if name is not None and self.arm_pos is not None
        }
        control = self.mapping.control_value
        if control and self.arm_pos is not None and arm_key(control) not in self.arms.ids:
            notes.append(messages.note_control_missing(control, self.mapping.arm_column or ""))
        if raw_to_arm and any(raw != name for raw, name in raw_to_arm.items()):
            notes.append(messages.note_arm_values(sorted(raw_to_arm.items(), key=lambda kv: _arm_order(kv[1]))))
        if merged_groups:
            notes.append(messages.note_merged_rows(merged_groups))
        if self.blank_rows:
            notes.append(messages.note_blank_rows(self.blank_rows))
        if self.totals_count:
            notes.append(messages.note_totals_rows(self.totals_rows, self.totals_count))
        return Result(
            observations=observations,
            arm_totals=self._arm_totals(merged),
            arm_values=raw_to_arm,
            date_order=date_order,
            period=None if self.date_pos is None else ("week" if weekly else "day"),
            row_count=self.row_count,
            rows_used=rows_used,
            blank_rows=self.blank_rows,
            totals_rows=self.totals_rows,
            totals_count=self.totals_count,
            merged_groups=merged_groups,
            notes=notes,
        )

    def _name_arms(self, allowed_arms: Collection[str] | None) -> list[str | None]:
        """Arm name per arm id (None when not allowed); logs unknown arms with their rows."""
        allowed = list(dict.fromkeys(allowed_arms)) if allowed_arms is not None else None
        known = {a.casefold(): a for a in (allowed or [CONTROL_ARM, PILOT_ARM])}
        aliases = {arm_key(k): v for k, v in self.mapping.arm_aliases.items()}
        control = arm_key(self.mapping.control_value or "")
        names: list[str | None] = [None] * len(self.arms)
        others = []
        for gid, key in enumerate(self.arms.keys):
            if self.arm_pos is None:
                names[gid] = PILOT_ARM
            elif key in aliases:
                names[gid] = aliases[key]
            elif control and key == control:
                names[gid] = CONTROL_ARM
            elif key in known:
                names[gid] = known[key]
            else:
                others.append(gid)
        if len(others) == 1 and PILOT_ARM not in names and (allowed is None or PILOT_ARM in allowed):
            names[others[0]] = PILOT_ARM
        else:
            for gid in others:
                names[gid] = self.arms.labels[gid]
        if allowed is None:
            return names
        folded = {a.casefold(): a for a in allowed}
        bad: list[int] = []
        for gid, name in enumerate(names):
            if name is None:
                continue
            if name in allowed:
                continue
            if name.casefold() in folded:
                names[gid] = folded[name.casefold()]
                continue
            bad.append(gid)
        if bad:
            column = self.mapping.arm_column
            labels = {g: (self.arms.labels[g], names[g] or "") for g in bad}
            self._log_keys(bad, self.arms, "unknown_arm", column, lambda g: messages.unknown_arm(*labels[g], allowed))
            for gid in bad:
                names[gid] = None
        return names

    def _name_days(
        self, date_range: tuple[date | None, date | None] | None, as_of: date, notes: list[str]
    ) -> tuple[list[date | None], str | None, bool]:
        """Day per day id (None when unusable), the date order used, and whether rows are weeks."""
        if self.date_pos is None:
            notes.append(messages.note_as_of(as_of))
            if date_range and _outside(as_of, date_range, weekly=False):
                self.log.add(Problem(None, None, messages.as_of_outside(as_of, *date_range), "date_outside"))
                return [None] * len(self.days), None, False
            return [as_of] * len(self.days), None, False
        tokens = self.days.keys
        seen = [t for t, count in zip(tokens, self.days.counts, strict=True) if count]
        slash = [t for t in seen if t[0] == "s"]
        order = self.mapping.date_order
        if order not in ("dmy", "mdy"):
            order = choose_date_order(slash, date_range)
        days: list[date | None] = [
            t[1] if t[0] == "d" else slash_date(t, order)
            for t in tokens  # type: ignore[arg-type]
        ]
        column = self.mapping.date_column
        invalid = [g for g, d in enumerate(days) if d is None]
        if invalid:
            self._log_keys(
                invalid,
                self.days,
                "not_a_date",
                column,
                lambda g: messages.not_a_date(column or "", self.days.labels[g]),
            )
        distinct = sorted({d for d, count in zip(days, self.days.counts, strict=True) if d is not None and count})
        weekly = len(distinct) >= 2 and all((b - a).days % 7 == 0 for a, b in itertools.pairwise(distinct))
        if weekly:
            notes.append(messages.note_weekly())
        if slash:
            example = next((self.days.labels[g] for g, t in enumerate(tokens) if t[0] == "s"), None)
            notes.append(messages.note_date_order(order, example))
        if date_range:
            outside = [g for g, d in enumerate(days) if d is not None and _outside(d, date_range, weekly)]
            if outside:
                self._log_keys(
                    outside,
                    self.days,
                    "date_outside",
                    column,
                    lambda g: messages.date_outside(days[g], *date_range, weekly),  # type: ignore[arg-type]
                )
                for g in outside:
                    days[g] = None
        return days, (order if slash else "ymd"), weekly

    def _log_keys(
        self, ids: list[int], table: KeyTable, code: str, column: str | None, message: Callable[[int], str]
    ) -> None:
        """Log a problem on the first rows of each id, in row order across ids."""
        rows = [table.rows(g) for g in ids]
        owner = np.concatenate([np.full(len(r), g) for g, r in zip(ids, rows, strict=True)])
        flat = np.concatenate(rows)
        order = np.argsort(flat, kind="stable")
        flat, owner = flat[order], owner[order]
        total = sum(table.counts[g] for g in ids)
        self.log.add_rows(code, column, flat, lambda i: message(int(owner[i])), total=total)

    def _observations(self, merged: dict[tuple[date, str], list]) -> list[Observation]:
        out: list[Observation] = []
        fixed_n = [self.mapping.layout == "aggregated" and m.kind == "count" and not m.n_column for m in self.metrics]
        for (day, arm), (stats, _rows, _first) in sorted(
            merged.items(), key=lambda kv: (kv[0][0], _arm_order(kv[0][1]))
        ):
            for m, metric in enumerate(self.metrics):
                n = 1.0 if fixed_n[m] else float(stats[m, 0])
                has_sq = isinstance(self.sources[m].sq, int)
                has_cu = self.sources[m].cu is not None
                out.append(
                    Observation(
                        day,
                        arm,
                        metric.name,
                        n,
                        float(stats[m, 1]),
                        float(stats[m, 2]) if has_sq else None,
                        float(stats[m, 3]) if has_cu else None,
                    )
                )
        return out

    def _check_existing(
        self,
        observations: list[Observation],
        merged: dict[tuple[date, str], list],
        existing_keys: Collection[tuple[date, str, str]] | None,
    ) -> None:
        if not existing_keys:
            return
        existing = set(existing_keys)
        hits = [o for o in observations if (o.day, o.arm, o.metric) in existing]
        hits.sort(key=lambda o: merged[(o.day, o.arm)][2])
        column = self.mapping.date_column or self.mapping.arm_column
        for obs in hits:
            row = merged[(obs.day, obs.arm)][2]
            self.log.add_rows(
                "already_logged", column, [row], lambda _, o=obs: messages.already_logged(o.day, o.arm, o.metric)
            )

    def _arm_totals(self, merged: dict[tuple[date, str], list]) -> list[ArmTotal]:
        per_arm: dict[str, list] = {}
        for (_day, arm), (stats, rows, _first) in merged.items():
            slot = per_arm.setdefault(arm, [np.zeros_like(stats), 0, 0])
            slot[0] += stats
            slot[1] += rows
            slot[2] += 1
        totals = []
        for arm in sorted(per_arm, key=_arm_order):
            stats, rows, days = per_arm[arm]
            for m, metric in enumerate(self.metrics):
                fixed_n = self.mapping.layout == "aggregated" and metric.kind == "count" and not metric.n_column
                has_sq = isinstance(self.sources[m].sq, int)
                totals.append(
                    ArmTotal(
                        arm=arm,
                        metric=metric.name,
                        kind=metric.kind,
                        n=float(days) if fixed_n else float(stats[m, 0]),
                        total=float(stats[m, 1]),
                        total_sq=float(stats[m, 2]) if has_sq else None,
                        days=days,
                        rows=rows,
                    )
                )
        return totals


def _arm_order(arm: str) -> tuple[int, str]:
    return ({CONTROL_ARM: 0, PILOT_ARM: 1}.get(arm, 2), arm)


def _outside(day: date, date_range: tuple[date | None, date | None], weekly: bool) -> bool:
    start, end = date_range
    last = day + timedelta(days=6) if weekly else day
    return (start is not None and last < start) or (end is not None and day > end)
