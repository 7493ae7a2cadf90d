"""Every sentence the importer raises as an error, about a file or a mapping (row_messages.py has the rest).

Keeping the wording here lets the page, the CLI and the tests agree on it, and
makes a tone or translation pass a two-file job.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lib.formatting import quoted

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
    items = [quoted(n) for n in names]
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


def data_size(size: int) -> str:
    """Bytes in the largest unit that keeps a number above 1: '256 KB', '32 MB', '1.5 GB'."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value == int(value) or value >= 100 else f"{value:.1f} {unit}"
    return f"{size} bytes"


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


def too_many_parts(name: str, count: int, limit: int) -> str:
    return (
        f"'{name}' is a ZIP archive of {count:,} parts; an Excel workbook has far fewer (the limit is {limit:,}). "
        "Save the results from Excel as .xlsx or CSV and upload that file."
    )


def workbook_too_big(name: str, size: int, limit: int) -> str:
    return (
        f"'{name}' unpacks to {data_size(size)} of data; the limit for a workbook is {data_size(limit)}. "
        "Export the results as CSV, or add them up per day and arm, and upload that file."
    )


def shared_strings_too_big(name: str, size: int, limit: int) -> str:
    return (
        f"The text cells of '{name}' unpack to {data_size(size)} (its shared-strings table); "
        f"the limit is {data_size(limit)}. Export the results as CSV and upload that file."
    )


def part_too_big(name: str, part: str, size: int, limit: int) -> str:
    return (
        f"Part {quoted(part)} of '{name}' unpacks to {data_size(size)}; the limit is {data_size(limit)}. "
        "Save the workbook again from Excel, or export the results as CSV."
    )


def cell_too_long(name: str, limit: int) -> str:
    return (
        f"'{name}' has a cell with more than {data_size(limit)} of text; Excel itself allows 32,767 characters "
        "in a cell, so the file is damaged or was not made by a spreadsheet. Export the results as CSV."
    )


def unknown_sheet(name: str, sheet: str, sheets: Sequence[str]) -> str:
    return f"'{name}' has no sheet called {quoted(sheet)}. Sheets found: {_column_list(list(sheets))}."


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
        f"Column {quoted(column)} has more than {limit} different values (e.g. {', '.join(examples[:5])}), "
        "so it does not look like the arm (variant/group) column. Choose another column for the arm."
    )


def too_many_dates(column: str, limit: int) -> str:
    return f"Column {quoted(column)} has more than {limit} different days, so it does not look like a date column."


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
    return f"Unknown file layout {quoted(layout)}; use 'aggregated' (one row per day and arm) or 'events' (one row per person)."


def unknown_kind(name: str, kind: object) -> str:
    return f"Metric '{name}' has unknown kind {quoted(kind)}; use proportion, mean or count."


def unknown_date_order(order: object) -> str:
    return f"Unknown date order {quoted(order)}; use auto, dmy or mdy."


def bad_saved_mapping(reason: str) -> str:
    return f"The saved column mapping cannot be used ({reason}). Map the columns again."


def saved_not_a_mapping() -> str:
    return "it is not a set of named fields"


def saved_bad_value(key: str, value: object) -> str:
    return f"{key} {quoted(value)} is not allowed"


def saved_not_text(key: str) -> str:
    return f"{key} is not text"


def saved_metric_without_name() -> str:
    return "a metric has no name"


NEEDS_FLAG = "a column with 0/1 (or yes/no) per row"
NEEDS_AMOUNT = "a column with an amount per row"
NEEDS_PAIR = "a conversions column and an exposures column"
NEEDS_MEAN = "an n column (number of units) and a sum column"
NEEDS_COUNT = "a column with the day's count or amount"


def not_a_number_text(text: object) -> str:
    return f"{quoted(text)} is not a number."


UNIT_COLUMN_NEEDED = (
    "A strata or before column adjusts per unit: name the unit column too (the store or market id on each row)."
)
