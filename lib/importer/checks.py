"""Cell checks on one chunk: which rows are usable, and a Problem (with its row number) for each that is not.

Every check is a boolean mask over the chunk's rows, so a million clean rows
cost a few numpy comparisons; the message for a row is only written when the
row is among the first ones kept in the problem list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from lib.currencies import foreign_currency, other_currency_message
from lib.formatting import quoted

from . import row_messages
from .mapping import MetricMapping
from .plan import NON_NEGATIVE_ROLES, WHOLE_ROLES, ColumnPlan, MetricSource
from .report import ProblemLog
from .values import BAD, BLANK, OK, ParsedNumbers, cell_text


def flag(
    log: ProblemLog,
    plan: ColumnPlan,
    mask: np.ndarray,
    first_row: int,
    code: str,
    pos: int | None,
    message: Callable[[str, int], str],
) -> np.ndarray:
    """Log a problem on every masked row; return the rows that passed (~mask).

    ``message(column, i)`` writes the text for the i-th row of the chunk.
    """
    if not mask.any():
        return ~mask
    where = np.flatnonzero(mask)
    column = plan.names.get(pos, "") if pos is not None else ""
    log.add_rows(code, column or None, where + first_row, lambda i: message(column, int(where[i])))
    return ~mask


def check_keys(
    log: ProblemLog,
    plan: ColumnPlan,
    columns: Mapping[int, pd.Series],
    first_row: int,
    ok: np.ndarray,
    arm_blank: np.ndarray,
    day_blank: np.ndarray,
    day_bad: np.ndarray,
) -> np.ndarray:
    """Rows whose arm and date cells are usable (blank or unreadable ones are logged)."""
    good = np.ones(len(ok), dtype=bool)
    if plan.arm_pos is not None:
        good &= flag(
            log, plan, ok & arm_blank, first_row, "blank", plan.arm_pos, lambda c, _: row_messages.blank_cell(c)
        )
    if plan.date_pos is not None:
        good &= flag(
            log, plan, ok & day_blank, first_row, "blank", plan.date_pos, lambda c, _: row_messages.blank_cell(c)
        )
        column = columns[plan.date_pos]
        good &= flag(
            log,
            plan,
            ok & day_bad,
            first_row,
            "not_a_date",
            plan.date_pos,
            lambda c, i: row_messages.not_a_date(c, cell_text(column.iloc[i])),
        )
    return good


def check_values(
    log: ProblemLog,
    plan: ColumnPlan,
    columns: Mapping[int, pd.Series],
    first_row: int,
    ok: np.ndarray,
    parsed: dict[int, ParsedNumbers],
) -> np.ndarray:
    """Rows whose numbers are usable: readable, 0/1 where a flag is due, not negative counts, whole counts."""
    good = np.ones(len(ok), dtype=bool)
    for pos, numbers in parsed.items():
        good &= _check_column(log, plan, columns[pos], first_row, ok, pos, numbers)
    if plan.layout == "aggregated":
        good &= _check_aggregates(log, plan, first_row, ok & good, parsed)
    return good


def _check_column(
    log: ProblemLog,
    plan: ColumnPlan,
    column: pd.Series,
    first_row: int,
    ok: np.ndarray,
    pos: int,
    numbers: ParsedNumbers,
) -> np.ndarray:
    good = np.ones(len(ok), dtype=bool)
    roles = plan.roles[pos]
    is_flag = pos in plan.flag_positions
    status = numbers.status
    if status.any():
        if not plan.blank_ok[pos]:
            good &= flag(
                log, plan, ok & (status == BLANK), first_row, "blank", pos, lambda c, _: row_messages.blank_cell(c)
            )
        bad_message = row_messages.not_a_flag if is_flag else row_messages.not_a_number
        good &= flag(
            log,
            plan,
            ok & (status == BAD),
            first_row,
            "not_a_flag" if is_flag else "not_a_number",
            pos,
            lambda c, i: bad_message(c, cell_text(column.iloc[i])),
        )
    values = numbers.values
    low, high = (values.min(), values.max()) if len(values) else (0.0, 0.0)
    usable = ok & (status == OK) if status.any() else ok
    if is_flag:
        # within [0, 1], whole means 0 or 1: every value that is not 0 is 1 (cheaper than values % 1)
        clean = low >= 0.0 and high <= 1.0 and (numbers.integral or _only_zeros_and_ones(values))
        if not clean:
            wrong = usable & (values != 0.0) & (values != 1.0)
            good &= flag(
                log,
                plan,
                wrong,
                first_row,
                "not_a_flag",
                pos,
                lambda c, i: row_messages.not_a_flag(c, cell_text(column.iloc[i])),
            )
    elif low < 0 and (roles & NON_NEGATIVE_ROLES or ("value" in roles and plan.counts_value(pos))):
        negative = row_messages.negative_spend if pos in plan.money_positions else row_messages.negative_count
        good &= flag(
            log,
            plan,
            usable & (values < 0),
            first_row,
            "negative",
            pos,
            lambda c, i: negative(c, values[i]),
        )
    if pos in plan.money_positions and plan.currency and column.dtype.kind == "O":
        good &= _check_currency(log, plan, column, first_row, usable, pos, plan.currency)
    if roles & WHOLE_ROLES and not numbers.integral:
        good &= flag(
            log,
            plan,
            usable & (values != np.floor(values)),
            first_row,
            "not_whole",
            pos,
            lambda c, i: row_messages.not_whole(c, values[i]),
        )
    return good


def _only_zeros_and_ones(values: np.ndarray) -> bool:
    """For values known to lie within [0, 1]."""
    return int(np.count_nonzero(values)) == int(np.count_nonzero(values == 1.0))


def _check_currency(
    log: ProblemLog,
    plan: ColumnPlan,
    column: pd.Series,
    first_row: int,
    usable: np.ndarray,
    pos: int,
    currency: str,
) -> np.ndarray:
    """Spend cells naming another currency than the workspace's ("$1,200.50" in euros): never added up as if it were."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    foreign = np.array([foreign_currency(u, currency) is not None for u in uniques] + [False], dtype=bool)
    wrong = usable & foreign[codes]
    return flag(
        log,
        plan,
        wrong,
        first_row,
        "other_currency",
        pos,
        lambda c, i: other_currency_message(
            quoted(c), cell_text(column.iloc[i]), foreign_currency(column.iloc[i], currency) or "", currency
        ),
    )


def _check_aggregates(
    log: ProblemLog, plan: ColumnPlan, first_row: int, usable: np.ndarray, parsed: dict[int, ParsedNumbers]
) -> np.ndarray:
    """Checks across a metric's columns on one row: conversions <= exposures, a sum needs units, sum of squares."""
    good = np.ones(len(usable), dtype=bool)
    for metric, source in zip(plan.metrics, plan.sources, strict=True):
        if metric.kind != "count":
            good &= _check_metric(log, plan, first_row, usable & good, metric, source, parsed)
    return good


def _check_metric(
    log: ProblemLog,
    plan: ColumnPlan,
    first_row: int,
    usable: np.ndarray,
    metric: MetricMapping,
    source: MetricSource,
    parsed: dict[int, ParsedNumbers],
) -> np.ndarray:
    if not isinstance(source.n, int) or not isinstance(source.total, int):
        return np.ones(len(usable), dtype=bool)
    n, total = parsed[source.n].values, parsed[source.total].values
    if metric.kind == "proportion":
        conv_col, exp_col = metric.conversions_column or "", metric.exposures_column or ""
        return flag(
            log,
            plan,
            usable & (total > n),
            first_row,
            "conversions_over_exposures",
            source.total,
            lambda c, i: row_messages.conversions_over_exposures(conv_col, total[i], exp_col, n[i]),
        )
    n_col = metric.n_column or ""
    good = flag(
        log,
        plan,
        usable & (n == 0) & (total != 0),
        first_row,
        "sum_without_units",
        source.total,
        lambda c, i: row_messages.sum_without_units(c, n_col),
    )
    if isinstance(source.sq, int):
        sq = parsed[source.sq].values
        with np.errstate(divide="ignore", invalid="ignore"):
            floor = np.where(n > 0, total * total / np.where(n > 0, n, 1), 0.0)
        low = usable & good & (sq < floor * (1 - 1e-9) - 1e-9)
        good &= flag(
            log, plan, low, first_row, "impossible_sum_sq", source.sq, lambda c, _: row_messages.impossible_sum_sq(c)
        )
    return good
