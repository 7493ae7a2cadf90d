"""At the end of the file: naming the arm and date values the stream grouped, and the preview's sums.

Only now is everything known: every arm value (to pick the pilot arm among
them), every date (to settle d/m against m/d), and the pilot's arms and dates
from the caller. Values that do not fit are logged on their first rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from lib.specs import Observation, UnitObservation

from . import row_messages, units
from .aggregate import Tally
from .arms import arm_key, arm_order, control_clash, name_arms, role_arms
from .keys import KeyTable
from .mapping import ImportMapping
from .plan import ColumnPlan
from .report import ArmTotal, Problem, ProblemLog
from .totals import arm_totals, check_existing, merge_groups, observations_of
from .values import choose_date_order, slash_date

DateRange = tuple[date | None, date | None]


@dataclass
class Result:
    """What the file adds up to, before it is wrapped into an ImportPreview."""

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
    unit_observations: list[UnitObservation] = field(default_factory=list)
    unit_counts: dict[str, int] = field(default_factory=dict)


def resolve(
    plan: ColumnPlan,
    mapping: ImportMapping,
    tally: Tally,
    log: ProblemLog,
    allowed_arms: Collection[str] | None,
    date_range: DateRange | None,
    existing_keys: Collection[tuple[date, str, str]] | None,
    as_of: date,
) -> Result:
    """Name arms and days, log what does not fit the pilot, and add the groups up per day x arm."""
    notes: list[str] = []
    arm_names = _name_arms(plan, mapping, tally.arms, log, allowed_arms)
    days, date_order, weekly = _name_days(plan, mapping, tally.days, log, date_range, as_of, notes)
    merged, rows_used, merged_groups = merge_groups(tally.groups, days, arm_names, plan.layout)
    observations = observations_of(plan, merged)
    check_existing(log, observations, merged, existing_keys, mapping.date_column or mapping.arm_column)
    raw_to_arm = {}
    if plan.arm_pos is not None:
        raw_to_arm = {tally.arms.labels[g]: name for g, name in enumerate(arm_names) if name is not None}
    control = mapping.control_value
    if control and plan.arm_pos is not None and arm_key(control) not in tally.arms.ids:
        if allowed_arms and arm_key(control) not in {arm_key(a) for a in allowed_arms}:  # a typo: matches nothing
            values = [str(v) for v in tally.arms.labels]
            text = row_messages.control_matches_nothing(control, mapping.arm_column or "", values, allowed_arms)
            log.add(Problem(None, mapping.arm_column, text, "unknown_arm"))
        else:
            notes.append(row_messages.note_control_missing(control, mapping.arm_column or ""))
    if any(raw != name for raw, name in raw_to_arm.items()):
        notes.append(row_messages.note_arm_values(sorted(raw_to_arm.items(), key=lambda kv: arm_order(kv[1]))))
    if tally.repeats is not None and (repeated := tally.repeats.note(arm_names)):
        notes.append(repeated)
    unit_observations: list[UnitObservation] = []
    unit_counts: dict[str, int] = {}
    if tally.units is not None:
        unit_observations, unit_counts = tally.units.resolve(plan, arm_names, days, log)
        if unit_counts and mapping.unit_column:
            adjusted = [c for c in (mapping.strata_column, mapping.before_column) if c]
            notes.append(units.unit_counts_note(unit_counts, mapping.unit_column, adjusted))
    if merged_groups:
        notes.append(row_messages.note_merged_rows(merged_groups))
    if tally.blank_rows:
        notes.append(row_messages.note_blank_rows(tally.blank_rows))
    if tally.totals_count:
        notes.append(row_messages.note_totals_rows(tally.totals_rows, tally.totals_count))
    return Result(
        observations=observations,
        arm_totals=arm_totals(plan, merged),
        arm_values=raw_to_arm,
        date_order=date_order,
        period=None if plan.date_pos is None else ("week" if weekly else "day"),
        row_count=tally.row_count,
        rows_used=rows_used,
        blank_rows=tally.blank_rows,
        totals_rows=tally.totals_rows,
        totals_count=tally.totals_count,
        merged_groups=merged_groups,
        notes=notes,
        unit_observations=unit_observations,
        unit_counts=unit_counts,
    )


def _name_arms(
    plan: ColumnPlan, mapping: ImportMapping, arms: KeyTable, log: ProblemLog, allowed: Collection[str] | None
) -> list[str | None]:
    """Arm name per arm id (None when not one of the pilot's arms, logged on its rows)."""
    shown = list(dict.fromkeys(allowed or ()))
    clash = control_clash(mapping.control_value, shown) if plan.arm_pos is not None else None
    if clash is not None:
        text = row_messages.control_is_other_arm(mapping.control_value or "", clash, role_arms(shown)[0], shown)
        log.add(Problem(None, mapping.arm_column, text, "unknown_arm"))
    names, refused = name_arms(
        arms.keys,  # type: ignore[arg-type]
        arms.labels,
        mapping.arm_aliases,
        mapping.control_value,
        allowed,
        whole_file=plan.arm_pos is None,
    )
    if refused:
        labels = {g: (arms.labels[g], names[g] or "") for g in refused}
        message = lambda g: row_messages.unknown_arm(*labels[g], shown)  # noqa: E731
        log_keys(log, refused, arms, "unknown_arm", mapping.arm_column, message)
        for gid in refused:
            names[gid] = None
    return names


def _name_days(
    plan: ColumnPlan,
    mapping: ImportMapping,
    table: KeyTable,
    log: ProblemLog,
    date_range: DateRange | None,
    as_of: date,
    notes: list[str],
) -> tuple[list[date | None], str | None, bool]:
    """Day per day id (None when unusable), the date order used, and whether rows are weeks."""
    if plan.date_pos is None:
        notes.append(row_messages.note_as_of(as_of))
        if date_range and outside(as_of, date_range, weekly=False):
            log.add(Problem(None, None, row_messages.as_of_outside(as_of, *date_range), "date_outside"))
            return [None] * len(table), None, False
        return [as_of] * len(table), None, False
    tokens = table.keys
    slash = [t for t, count in zip(tokens, table.counts, strict=True) if count and t[0] == "s"]  # type: ignore[index]
    order = mapping.date_order
    if order not in ("dmy", "mdy"):
        order = choose_date_order(slash, date_range)  # type: ignore[arg-type]
    days: list[date | None] = [
        t[1] if t[0] == "d" else slash_date(t, order)  # type: ignore[index, arg-type]
        for t in tokens
    ]
    column = mapping.date_column
    invalid = [g for g, d in enumerate(days) if d is None]
    if invalid:
        log_keys(
            log, invalid, table, "not_a_date", column, lambda g: row_messages.not_a_date(column or "", table.labels[g])
        )
    used = {g: d for g, d in enumerate(days) if d is not None and table.counts[g]}
    distinct = sorted(set(used.values()))
    weekly = len(distinct) >= 2 and all((b - a).days % 7 == 0 for a, b in itertools.pairwise(distinct))
    if weekly:
        notes.append(row_messages.note_weekly())
    if slash:
        example = next((table.labels[g] for g, t in enumerate(tokens) if t[0] == "s"), None)  # type: ignore[index]
        notes.append(row_messages.note_date_order(order, example))
    if date_range:
        far = [g for g, d in enumerate(days) if d is not None and outside(d, date_range, weekly)]
        if far and used and used.keys() <= set(far):  # the whole file: one sentence, not a line per row
            rows = sum(table.counts[g] for g in far)
            log.add(Problem(None, column, row_messages.all_dates_outside(rows, distinct, *date_range), "date_outside"))
        elif far:
            message = lambda g: row_messages.date_outside(days[g], *date_range, weekly)  # type: ignore[arg-type]  # noqa: E731
            log_keys(log, far, table, "date_outside", column, message)
        for g in far:
            days[g] = None
    return days, (order if slash else "ymd"), weekly


def outside(day: date, date_range: DateRange, weekly: bool) -> bool:
    """Whether a day (or the week starting on it) lies outside the pilot's dates."""
    start, end = date_range
    last = day + timedelta(days=6) if weekly else day
    return (start is not None and last < start) or (end is not None and day > end)


def log_keys(
    log: ProblemLog, ids: list[int], table: KeyTable, code: str, column: str | None, message: Callable[[int], str]
) -> None:
    """Log a problem on the first rows of each id, in row order across ids."""
    rows = [table.rows(g) for g in ids]
    owner = np.concatenate([np.full(len(r), g) for g, r in zip(ids, rows, strict=True)])
    flat = np.concatenate(rows)
    order = np.argsort(flat, kind="stable")
    flat, owner = flat[order], owner[order]
    total = sum(table.counts[g] for g in ids)
    log.add_rows(code, column, flat, lambda i: message(int(owner[i])), total=total)
