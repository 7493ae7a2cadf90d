"""Every sentence the importer shows to people, in one place.

Keeping the wording here lets the page, the CLI and the tests agree on it, and
makes a tone or translation pass a one-file job.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

# --- file-level errors (raised as ImportFileError) --------------------------------

UNNAMED_FILE = "the file"
FILE_KINDS = {
    "pdf": "a PDF document",
    "image": "an image",
    "gzip": "a compressed (gzip) file",
    "7z": "a compressed (7-Zip) file",
    "rar": "a compressed (RAR) file",
    "zip": "a ZIP archive",
    "damaged_zip": "a damaged ZIP archive",
}
UNKNOWN_ENCODING = "the text encoding is unknown"
NOT_CSV = "the file is not valid CSV"


def _quoted(names: Iterable[str]) -> str:
    items = [f"'{n}'" for n in names]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _column_list(columns: Sequence[str], limit: int = 30) -> str:
    shown = ", ".join(columns[:limit])
    if len(columns) > limit:
        shown += f" and {len(columns) - limit} more"
    return shown or "(none)"


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def empty_file(name: str) -> str:
    return f"'{name}' is empty. Export the results again with a header row and at least one data row."


def no_data_rows(name: str) -> str:
    return f"'{name}' has a header row but no data rows below it."


def no_header(name: str, first_cells: Sequence[str]) -> str:
    shown = ", ".join(first_cells[:6])
    return (
        f"The first row of '{name}' looks like data ({shown}), not column names. "
        "Add a header row (for example: date, arm, conversions, visitors) and upload it again."
    )


def too_large(name: str, size: int, limit: int) -> str:
    return (
        f"'{name}' is {megabytes(size)}; the import limit is {megabytes(limit)}. "
        "Split the file, or add it up per day and arm before importing."
    )


def binary_file(name: str, what: str | None = None) -> str:
    kind = f" It looks like {what}." if what else ""
    return (
        f"'{name}' is not a text (CSV) file or an Excel .xlsx workbook.{kind} "
        "Export the results as CSV or .xlsx and upload that file."
    )


def old_excel(name: str) -> str:
    return (
        f"'{name}' is an old-style Excel .xls workbook, which cannot be read. "
        "Open it in Excel and save it as .xlsx or CSV."
    )


def other_spreadsheet(name: str) -> str:
    return f"'{name}' is an OpenDocument spreadsheet. Save it as .xlsx or CSV and upload that file."


def html_page(name: str) -> str:
    return f"'{name}' is a web page (HTML), not a CSV file. Use the tool's CSV or Excel export instead."


def broken_workbook(name: str, reason: str) -> str:
    return f"'{name}' could not be opened as an Excel workbook ({reason}). Save it again from Excel, or export CSV."


def unknown_sheet(name: str, sheet: str, sheets: Sequence[str]) -> str:
    return f"'{name}' has no sheet called '{sheet}'. Sheets found: {_column_list(list(sheets))}."


def empty_workbook(name: str) -> str:
    return f"'{name}' has no sheet with data in it."


def merged_header(name: str, ranges: Sequence[str], row: int) -> str:
    return (
        f"The header row (row {row}) of '{name}' has merged cells ({', '.join(ranges)}). "
        "Unmerge them so every column has its own name in one cell, then upload again."
    )


def blank_column_name(name: str, positions: Sequence[str], row: int) -> str:
    which = ", ".join(positions)
    return (
        f"The header row (row {row}) of '{name}' has no name for column {which}. "
        "Give every column a name (or delete the empty column) and upload again."
    )


def duplicate_column_names(name: str, names: Sequence[str]) -> str:
    return (
        f"The header row of '{name}' uses the same name for more than one column: {_quoted(names)}. "
        "Rename the columns so each name is used once."
    )


def cannot_open(name: str, reason: str) -> str:
    return f"'{name}' could not be opened: {reason}."


def unreadable_csv(name: str, reason: str) -> str:
    return f"'{name}' could not be read as CSV: {reason}."


def ragged_row(name: str, row: int, expected: int, seen: int) -> str:
    return (
        f"Row {row} of '{name}' has {seen} values but the header has {expected} columns. "
        "A value probably contains the delimiter: put quotes around it, or check the delimiter."
    )


def unclosed_quote(name: str, row: int) -> str:
    return f"Row {row} of '{name}' opens a quote (\") that is never closed, so the rest of the file cannot be read."


def too_many_arms(column: str, limit: int, examples: Sequence[str]) -> str:
    return (
        f"Column '{column}' has more than {limit} different values (e.g. {', '.join(examples[:5])}), "
        "so it does not look like the arm (variant/group) column. Choose another column for the arm."
    )


def too_many_dates(column: str, limit: int) -> str:
    return f"Column '{column}' has more than {limit} different days, so it does not look like a date column."


# --- mapping errors (raised as ImportFileError) -----------------------------------


def missing_columns(missing: Sequence[str], found: Sequence[str]) -> str:
    if len(missing) == 1:
        head = f"Column '{missing[0]}' is not in the file."
    else:
        head = f"Columns {_quoted(missing)} are not in the file."
    return f"{head} Columns found: {_column_list(list(found))}."


def no_metrics() -> str:
    return "Choose at least one column with results (a metric) to import."


def duplicate_metric(name: str) -> str:
    return f"Metric '{name}' is mapped twice; give each metric one mapping."


def metric_needs(name: str, kind: str, layout: str, needs: str) -> str:
    rows = "one row per day and arm" if layout == "aggregated" else "one row per person or order"
    return f"Metric '{name}' ({kind}, {rows}) needs {needs}."


def unknown_layout(layout: object) -> str:
    return (
        f"Unknown file layout {layout!r}; use 'aggregated' (one row per day and arm) or 'events' (one row per person)."
    )


def unknown_kind(name: str, kind: object) -> str:
    return f"Metric '{name}' has unknown kind {kind!r}; use proportion, mean or count."


def unknown_date_order(order: object) -> str:
    return f"Unknown date order {order!r}; use auto, dmy or mdy."


def bad_saved_mapping(reason: str) -> str:
    return f"The saved column mapping cannot be used ({reason}). Map the columns again."


def saved_not_a_mapping() -> str:
    return "it is not a set of named fields"


def saved_bad_value(key: str, value: object) -> str:
    return f"{key} {value!r} is not allowed"


def saved_not_text(key: str) -> str:
    return f"{key} is not text"


def saved_metric_without_name() -> str:
    return "a metric has no name"


NEEDS_FLAG = "a column with 0/1 (or yes/no) per row"
NEEDS_AMOUNT = "a column with an amount per row"
NEEDS_PAIR = "a conversions column and an exposures column"
NEEDS_MEAN = "an n column (number of units) and a sum column"
NEEDS_COUNT = "a column with the day's count or amount"

# --- row problems (shown in the preview) --------------------------------------------


def problem_line(row: int | None, message: str) -> str:
    return f"Row {row}: {message}" if row is not None else f"File: {message}"


def not_a_number_text(text: object) -> str:
    return f"{text!r} is not a number."


def fmt_number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


def fmt_day(day: date) -> str:
    return day.isoformat()


def blank_cell(column: str) -> str:
    return f"'{column}' is empty; a value is needed here."


def not_a_number(column: str, text: str) -> str:
    return f"'{text}' in '{column}' is not a number."


def not_a_flag(column: str, text: str) -> str:
    return f"'{column}' should be 0 or 1 (or yes/no) on every row, not '{text}'."


def negative_count(column: str, value: float) -> str:
    return f"'{column}' is negative ({fmt_number(value)}); counts cannot be below zero."


def not_whole(column: str, value: float) -> str:
    return f"'{column}' is {fmt_number(value)}; a count must be a whole number."


def conversions_over_exposures(conv_col: str, conv: float, exp_col: str, exp: float) -> str:
    return (
        f"'{conv_col}' ({fmt_number(conv)}) is larger than '{exp_col}' ({fmt_number(exp)}); "
        "there cannot be more conversions than exposures."
    )


def impossible_sum_sq(column: str) -> str:
    return f"'{column}' is smaller than the sum and n allow; check that it holds the sum of squared values."


def sum_without_units(sum_col: str, n_col: str) -> str:
    return f"'{sum_col}' has a value but '{n_col}' is 0."


def not_a_date(column: str, text: str) -> str:
    return f"'{text}' in '{column}' is not a date (use e.g. 2024-03-31 or 31/03/2024)."


def _span(start: date | None, end: date | None) -> str:
    if start and end:
        return f"{fmt_day(start)} to {fmt_day(end)}"
    if start:
        return f"from {fmt_day(start)}"
    return f"up to {fmt_day(end)}" if end else "no dates set"


def date_outside(day: date, start: date | None, end: date | None, weekly: bool) -> str:
    what = f"The week of {fmt_day(day)}" if weekly else f"Date {fmt_day(day)}"
    return f"{what} is outside the pilot ({_span(start, end)})."


def as_of_outside(day: date, start: date | None, end: date | None) -> str:
    return (
        f"The file has no date column, so its results would be logged on {fmt_day(day)}, "
        f"which is outside the pilot ({_span(start, end)}). Choose a date column or another import date."
    )


def unknown_arm(value: str, arm: str, allowed: Sequence[str]) -> str:
    shown = ", ".join(allowed)
    named = f"'{value}'" if value == arm else f"'{value}' (read as '{arm}')"
    return f"Arm {named} is not one of this pilot's arms ({shown}). Pick the control value or map it to an arm."


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
    return "Arms: " + ", ".join(f"'{raw}' → {arm}" for raw, arm in pairs) + "."


def note_control_missing(value: str, column: str) -> str:
    return f"The control value '{value}' does not appear in '{column}', so no rows were read as control."


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
