"""An .xlsx workbook sheet as a table, streaming rows with openpyxl's read-only mode.

Read-only mode keeps memory flat for big sheets but hides merged cells, so those
are found by scanning the sheet's XML for <mergeCell> ranges on the header row.
The archive is opened through workbook_limits first, so a zip bomb is refused
before openpyxl inflates it.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Generator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import pandas as pd

from . import messages
from .errors import ImportFileError
from .header import HEADER_SCAN_ROWS, filled, header_index, header_names
from .source import Opened
from .table import Chunk, FileFormat
from .workbook_limits import GuardedZipFile, WorkbookRefused, check_sizes

MAX_HEADER_COLUMNS = 512
DEFAULT_CHUNK_ROWS = 50_000
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*\bref=\"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?\"")


def merged_ranges_on_row(archive: zipfile.ZipFile, path: str, row: int) -> list[str]:
    """Merged ranges (e.g. 'B1:C1') that include the given row, read from the sheet XML."""
    found: list[str] = []
    tail = b""
    with archive.open(path.lstrip("/")) as stream:
        while block := stream.read(1 << 20):
            data = tail + block
            for m in _MERGE.finditer(data):
                top, bottom = int(m[2]), int(m[4] or m[2])
                if top <= row <= bottom:
                    found.append(m[0].split(b'ref="')[1].rstrip(b'"').decode())
            tail = data[-200:]
    return list(dict.fromkeys(found))


def load_workbook(opened: Opened) -> Any:
    """openpyxl's read-only workbook, its archive checked against the limits and read through the cell limit."""
    from openpyxl.reader.excel import ExcelReader  # openpyxl is only needed for workbooks

    opened.handle.seek(0)
    try:
        archive = GuardedZipFile(opened.handle)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFileError(messages.broken_workbook(opened.name, type(exc).__name__)) from None
    archive.file_name = opened.name
    check_sizes(archive, opened.name)
    try:
        reader = ExcelReader(opened.handle, read_only=True, data_only=True)
        reader.archive = archive  # the same parts, read through the limit
        reader.read()
    except WorkbookRefused as exc:
        raise ImportFileError(exc.message) from None
    except Exception as exc:  # noqa: BLE001 - any parser failure means "not a usable workbook"
        raise ImportFileError(messages.broken_workbook(opened.name, type(exc).__name__)) from None
    return reader.wb


@dataclass
class ExcelTable:
    """One worksheet of an .xlsx workbook."""

    opened: Opened
    workbook: Any
    sheet: Any
    format: FileFormat
    columns: list[str]
    sample_rows: list[list[object]]

    @property
    def name(self) -> str:
        return self.opened.name

    @property
    def size(self) -> int:
        return self.opened.size

    @classmethod
    def open(cls, opened: Opened, sheet_name: str | None, max_rows: int) -> ExcelTable:
        workbook = load_workbook(opened)
        try:
            return cls._open_sheet(opened, workbook, sheet_name, max_rows)
        except ImportFileError:
            workbook.close()
            raise
        except WorkbookRefused as exc:
            workbook.close()
            raise ImportFileError(exc.message) from None
        except Exception as exc:  # noqa: BLE001 - corrupt sheet XML surfaces while reading rows
            workbook.close()
            raise ImportFileError(messages.broken_workbook(opened.name, type(exc).__name__)) from None

    @classmethod
    def _open_sheet(cls, opened: Opened, workbook: Any, sheet_name: str | None, max_rows: int) -> ExcelTable:
        names = tuple(workbook.sheetnames)
        sheets = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
        if sheet_name is not None:
            matches = [ws for ws in sheets if ws.title.casefold() == sheet_name.strip().casefold()]
            if not matches:
                raise ImportFileError(messages.unknown_sheet(opened.name, sheet_name, names))
            candidates = matches
        else:
            candidates = sheets
        for ws in candidates:
            width = min(ws.max_column or MAX_HEADER_COLUMNS, MAX_HEADER_COLUMNS)
            rows = list(
                islice(ws.iter_rows(min_row=1, min_col=1, max_col=width, values_only=True), HEADER_SCAN_ROWS + max_rows)
            )
            index = header_index(rows[:HEADER_SCAN_ROWS])
            if index is not None:
                break
        else:
            raise ImportFileError(
                messages.empty_file(opened.name) if sheet_name else messages.empty_workbook(opened.name)
            )
        header_row = index + 1
        path = getattr(ws, "_worksheet_path", None)
        archive = getattr(workbook, "_archive", None)
        if path and archive is not None:
            merged = merged_ranges_on_row(archive, path, header_row)
            if merged:
                raise ImportFileError(messages.merged_header(opened.name, merged, header_row))
        columns = header_names(opened.name, list(rows[index]), header_row)
        width = len(columns)
        sample = [(list(r) + [None] * width)[:width] for r in rows[index + 1 :] if filled(r[:width])][:max_rows]
        if not sample and len(rows) < HEADER_SCAN_ROWS + max_rows:
            raise ImportFileError(messages.no_data_rows(opened.name))
        fmt = FileFormat("xlsx", header_row=header_row, sheet=ws.title, sheets=names)
        return cls(opened, workbook, ws, fmt, columns, sample)

    def close(self) -> None:
        self.workbook.close()

    def frames(self, positions: list[int], chunk_rows: int | None) -> Generator[Chunk, None, None]:
        chunk_rows = chunk_rows or DEFAULT_CHUNK_ROWS
        positions = sorted(positions)
        width = len(self.columns)
        start = self.format.header_row + 1
        total_rows = max((self.sheet.max_row or 0) - self.format.header_row, 1)
        rows = self.sheet.iter_rows(min_row=start, min_col=1, max_col=width, values_only=True)
        first_row = start
        while True:
            try:
                block = list(islice(rows, chunk_rows))
            except WorkbookRefused as exc:
                raise ImportFileError(exc.message) from None
            except Exception as exc:  # noqa: BLE001 - corrupt sheet XML surfaces while reading rows
                raise ImportFileError(messages.broken_workbook(self.name, type(exc).__name__)) from None
            if not block:
                break
            frame = pd.DataFrame(
                {p: pd.Series([r[p] if p < len(r) else None for r in block], dtype=object) for p in positions}
            )
            frame = frame.infer_objects()
            first_row += len(block)
            yield first_row - len(block), frame, min((first_row - start) / total_rows, 1.0)
