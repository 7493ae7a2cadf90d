"""Opening an uploaded file as a table: the entry points that tie source, sniffing and readers together.

A source is a path, bytes, or a binary file object (Streamlit's UploadedFile).
The reader works out what the file is (CSV text or an .xlsx workbook), its
encoding, delimiter, decimal mark and header row from the first few hundred KB;
the table then hands out the rows in chunks, so a million-row export never sits
in memory as one DataFrame.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from . import messages
from .csv_table import open_csv
from .errors import ImportFileError
from .excel import ExcelTable
from .sniff import is_utf16, sniff_kind
from .source import DEFAULT_MAX_BYTES, Source, file_checksum, open_source
from .table import FileFormat, FileSample, Table

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SAMPLE_BYTES",
    "SAMPLE_ROWS",
    "FileFormat",
    "FileSample",
    "Source",
    "Table",
    "file_checksum",
    "open_table",
    "read_sample",
]

SAMPLE_BYTES = 256 * 1024
SAMPLE_ROWS = 200


@contextmanager
def open_table(
    source: Source,
    name: str | None = None,
    *,
    sheet: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = SAMPLE_ROWS,
) -> Iterator[Table]:
    """Open a source as a table (CSV or xlsx), with header checked and a sample read."""
    with open_source(source, name, max_bytes) as opened:
        opened.handle.seek(0)
        head = opened.handle.read(SAMPLE_BYTES)
        if not head.strip(b" \t\r\n\x00") and not is_utf16(head):
            raise ImportFileError(messages.empty_file(opened.name))
        table: Table
        if sniff_kind(opened.handle, opened.name, head) == "xlsx":
            table = ExcelTable.open(opened, sheet, max_rows)
        else:
            table = open_csv(opened, head, max_rows)
        try:
            yield table
        finally:
            closer = getattr(table, "close", None)
            if closer is not None:
                closer()


def read_sample(
    source: Source,
    name: str | None = None,
    *,
    sheet: str | None = None,
    max_rows: int = SAMPLE_ROWS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FileSample:
    """Header, format and first rows of a file, for the mapping step. Raises ImportFileError."""
    with open_table(source, name, sheet=sheet, max_bytes=max_bytes, max_rows=max_rows) as table:
        return FileSample(table.name, table.size, table.format, list(table.columns), table.sample_rows)
