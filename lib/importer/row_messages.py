"""Every sentence the preview shows: problems on rows, and the notes beside them (messages.py has the errors).

Keeping the wording here lets the page, the CLI and the tests agree on it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from lib.formatting import quoted

# --- row problems (shown in the preview) --------------------------------------------


def problem_line(row: int | None, message: str) -> str:
    return f"Row {row}: {message}" if row is not None else f"File: {message}"


def fmt_number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


def fmt_day(day: date) -> str:
    return day.isoformat()


def blank_cell(column: str) -> str:
    return f"{quoted(column)} is empty; a value is needed here."


def not_a_number(column: str, text: str) -> str:
    return f"{quoted(text)} in {quoted(column)} is not a number."


def not_a_flag(column: str, text: str) -> str:
    return f"{quoted(column)} should be 0 or 1 (or yes/no) on every row, not {quoted(text)}."


def negative_count(column: str, value: float) -> str:
    return f"{quoted(column)} is negative ({fmt_number(value)}); counts cannot be below zero."


def negative_spend(column: str, value: float) -> str:
    return f"{quoted(column)} is negative ({fmt_number(value)}); spend cannot be below zero (a refund is a correction)."


def not_whole(column: str, value: float) -> str:
    return f"{quoted(column)} is {fmt_number(value)}; a count must be a whole number."


def conversions_over_exposures(conv_col: str, conv: float, exp_col: str, exp: float) -> str:
    return (
        f"{quoted(conv_col)} ({fmt_number(conv)}) is larger than {quoted(exp_col)} ({fmt_number(exp)}); "
        "there cannot be more conversions than exposures."
    )


def impossible_sum_sq(column: str) -> str:
    return f"{quoted(column)} is smaller than the sum and n allow; check that it holds the sum of squared values."


def sum_without_units(sum_col: str, n_col: str) -> str:
    return f"{quoted(sum_col)} has a value but {quoted(n_col)} is 0."


def not_a_date(column: str, text: str) -> str:
    return f"{quoted(text)} in {quoted(column)} is not a date (use e.g. 2024-03-31 or 31/03/2024)."


def _span(start: date | None, end: date | None) -> str:
    if start and end:
        return f"{fmt_day(start)} to {fmt_day(end)}"
    if start:
        return f"from {fmt_day(start)}"
    return f"up to {fmt_day(end)}" if end else "no dates set"


def date_outside(day: date, start: date | None, end: date | None, weekly: bool) -> str:
    what = f"The week of {fmt_day(day)}" if weekly else f"Date {fmt_day(day)}"
    return f"{what} is outside the pilot ({_span(start, end)})."


def _period(first: date, last: date) -> str:
    if first == last:
        return fmt_day(first)
    if (first.year, first.month) == (last.year, last.month):
        return first.strftime("%B %Y")
    if first.year == last.year:
        return str(first.year)
    return f"{fmt_day(first)} to {fmt_day(last)}"


def all_dates_outside(rows: int, days: Sequence[date], start: date | None, end: date | None) -> str:
    """One sentence for a file whose dates all miss the pilot (``days``: its distinct days, sorted)."""
    if start is not None and days[-1] < start:
        where = f"before the pilot's start on {fmt_day(start)}"
    elif end is not None and days[0] > end:
        where = f"after the pilot's end on {fmt_day(end)}"
    else:
        where = f"outside the pilot ({_span(start, end)})"
    what = "The only row is" if rows == 1 else f"All {rows:,} rows are"
    return (
        f"{what} from {_period(days[0], days[-1])}, {where}. "
        "Check that this is the export for this pilot and that the right column is mapped as the date."
    )


def as_of_outside(day: date, start: date | None, end: date | None) -> str:
    return (
        f"The file has no date column, so its results would be logged on {fmt_day(day)}, "
        f"which is outside the pilot ({_span(start, end)}). Choose a date column or another import date."
    )


def unknown_arm(value: str, arm: str, allowed: Sequence[str]) -> str:
    shown = ", ".join(allowed)
    named = f"{quoted(value)}" if value == arm else f"{quoted(value)} (read as {quoted(arm)})"
    return f"Arm {named} is not one of this pilot's arms ({shown}). Pick the control value or map it to an arm."


def control_is_other_arm(value: str, arm: str, control: str, allowed: Sequence[str]) -> str:
    return (
        f"The control value {quoted(value)} names the arm {arm}, but this pilot's control arm is {control} "
        f"(its arms: {', '.join(allowed)}, control first). Pick {control}'s value as the control value."
    )


def control_matches_nothing(value: str, column: str, values: Sequence[str], allowed: Collection[str]) -> str:
    found = ", ".join(sorted(values)[:10]) or "none"
    return (
        f"The control value {quoted(value)} is neither a value of {quoted(column)} ({found}) nor one of this pilot's arms "
        f"({', '.join(allowed)}). Pick the value that marks the control group."
    )


def already_logged(day: date, arm: str, metric: str) -> str:
    return f"Results for {arm} on {fmt_day(day)} ({metric}) are already logged for this pilot."


# --- notes (shown next to the preview, not blocking) --------------------------------


def note_encoding(encoding: str) -> str:
    names = {"cp1252": "Windows-1252 / Latin-1", "latin-1": "Latin-1", "utf-16": "UTF-16"}
    return f"Text read as {names.get(encoding, encoding)}."


def note_date_order(order: str, example: str | None) -> str:
    words = {"dmy": "day/month/year", "mdy": "month/day/year"}[order]
    tail = f" (e.g. {example})" if example else ""
    return f"Dates read as {words}{tail}."


def note_weekly() -> str:
    return "Dates are a week apart, so each row is read as a week starting on that date."


def note_arm_values(pairs: Sequence[tuple[str, str]]) -> str:
    return "Arms: " + ", ".join(f"{quoted(raw)} → {arm}" for raw, arm in pairs) + "."


def note_control_missing(value: str, column: str) -> str:
    return f"The control value {quoted(value)} does not appear in {quoted(column)}, so no rows were read as control."


def note_blank_rows(count: int) -> str:
    return f"{count} empty row{'s' if count != 1 else ''} skipped."


def note_totals_rows(rows: Sequence[int], count: int) -> str:
    shown = ", ".join(str(r) for r in rows[:5])
    more = f" and {count - 5} more" if count > 5 else ""
    return f"Totals row{'s' if count != 1 else ''} left out (row {shown}{more})."


def note_merged_rows(count: int) -> str:
    return (
        f"{count} day × arm combination{'s' if count != 1 else ''} appear on more than one row; "
        "their values were added up."
    )


def note_as_of(day: date) -> str:
    return f"No date column: results are logged on {fmt_day(day)}."


def more_problems(count: int) -> str:
    return f"…and {count} more problem{'s' if count != 1 else ''} not listed."


def note_repeated_ids(column: str, ids: int, rows: int, example_rows: tuple[int, int], in_several_arms: int) -> str:
    first, second = example_rows
    several = "an id appears" if ids == 1 else f"{ids:,} ids appear"
    text = (
        f"In {quoted(column)}, {several} on more than one row ({rows:,} rows; e.g. rows {first} and {second} "
        "have the same id). Each row counts as one unit, so those people are counted more than once."
    )
    if in_several_arms:
        which = (
            "it is" if ids == 1 else ("1 of them is" if in_several_arms == 1 else f"{in_several_arms:,} of them are")
        )
        text += f" {which[0].upper()}{which[1:]} in more than one arm."
    return text
