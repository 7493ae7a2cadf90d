"""What every readable file looks like to the rest of the importer: a format, a header, chunks of rows."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Literal, Protocol

import pandas as pd

Progress = Callable[[float], None]
"""Called with the fraction of the file read so far (0 to 1)."""

Chunk = tuple[int, pd.DataFrame, float]
"""(row number of the frame's first row, frame with columns labelled by position, fraction of the file read)."""


@dataclass(frozen=True)
class FileFormat:
    """What the reader found out about a file, to show the user and to re-read it."""

    kind: Literal["csv", "xlsx"]
    encoding: str | None = None  # csv: codec used ("utf-8", "cp1252", "latin-1", "utf-16")
    delimiter: str | None = None  # csv only
    decimal: str = "."  # "." or ","; thousands separators are the other one
    header_row: int = 1  # row number of the header as the user sees it (1 = first row)
    sheet: str | None = None  # xlsx: the sheet read
    sheets: tuple[str, ...] = ()  # xlsx: every sheet in the workbook


@dataclass(frozen=True)
class FileSample:
    """The header and first rows of a file: enough to suggest and show a mapping."""

    name: str
    size_bytes: int
    format: FileFormat
    columns: list[str]
    rows: list[list[object]]  # CSV: strings ('' when empty); xlsx: cell values (None when empty)


class Table(Protocol):
    """A readable file: its header, a sample, and its data rows in chunks."""

    format: FileFormat
    columns: list[str]
    sample_rows: list[list[object]]

    @property
    def name(self) -> str:
        """The file name to show."""
        ...

    @property
    def size(self) -> int:
        """The file's size in bytes."""
        ...

    def frames(self, positions: list[int], chunk_rows: int | None) -> Generator[Chunk, None, None]:
        """The data rows in chunks; each frame has (at least) the columns at the given positions."""
        ...
