"""A delimited text file as a table: its sample, then its rows in chunks from pandas' C parser.

Every column is parsed unless the caller asks for a narrow read (``narrow``): with
``usecols`` pandas' C tokenizer stops checking how many values a row has, and a
row with an unquoted "1,000" would be read shifted instead of refused. A narrow
read is vouched for on the bytes (narrow.py) and raises ReadAgain where it cannot
be; the caller then reads every column (see bench/bench_import_events.py).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from typing import BinaryIO

import pandas as pd

from . import messages
from .errors import ImportFileError
from .header import HEADER_SCAN_ROWS, column_letter, header_index, header_names
from .narrow import PlainCheck, ReadAgain
from .prefetch import prefetched
from .sniff import delimiter_of, encoding_of, is_utf16, looks_binary, looks_like_html, parse_rows
from .source import Opened
from .table import Chunk, FileFormat
from .values import detect_decimal

# text per chunk; rows per chunk follow from the row width. 3 MB: with freed memory kept for reuse (heap.py) the
# per-chunk work on the summing thread sets the pace, so fewer, larger chunks are faster; past 3 MB the chunks in
# flight cost more memory than the target allows (1,024,000 rows: 2 MB 0.24 s, 44-50 MB; 3 MB 0.23 s, 55 MB;
# 4 MB 0.21-0.23 s, 66 MB, 0.20x pandas' memory)
CHUNK_BYTES = 3 * 1024 * 1024
MIN_CHUNK_ROWS, MAX_CHUNK_ROWS = 10_000, 400_000
PREFETCH_CHUNKS = 2  # parsed chunks waiting for the consumer, at most
ENCODING_FALLBACKS = {"utf-8": "cp1252", "cp1252": "latin-1"}

# Trailing delimiters on data rows ("1,2,3,") make pandas warn that it drops the empty
# extra field; that is intended (values beyond the header are refused in _check_widths).
# A filter for that one message, since catch_warnings is not thread-safe.
warnings.filterwarnings("ignore", message="Length of header or names does not match", category=pd.errors.ParserWarning)

_EXPECTED_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_EOF_IN_STRING = re.compile(r"EOF inside string starting at row (\d+)")


class EncodingMismatch(Exception):
    """The bytes further down the file do not fit the encoding guessed from its start."""


class _CountingReader(io.RawIOBase):
    """Passes reads through and counts bytes, so progress follows pandas' reading (and hands them to ``keep``)."""

    def __init__(self, handle: BinaryIO, keep: Callable[[bytes], None] | None = None) -> None:
        self._handle = handle
        self._keep = keep
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._handle.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        if self._keep is not None:
            self._keep(data)
        return len(data)

    def read(self, size: int = -1) -> bytes:
        """The handle's own bytes object: pandas' C parser reads UTF-8 bytes as they are, with no copy between."""
        data = self._handle.read(size)
        self.count += len(data)
        if self._keep is not None:
            self._keep(data)
        return data


@dataclass
class CsvTable:
    """A delimited text file, read with pandas' C parser in chunks."""

    opened: Opened
    format: FileFormat
    columns: list[str]
    sample_rows: list[list[object]]
    row_bytes: float
    #: read only the caller's columns where the bytes vouch for it (the caller asks :meth:`read_again` on errors)
    narrow: bool = False
    #: a narrow read has begun and is not vouched for yet: any error it meets may be its own doing
    _unvouched: bool = field(default=False, init=False, repr=False)

    @property
    def name(self) -> str:
        return self.opened.name

    @property
    def size(self) -> int:
        return self.opened.size

    def next_encoding(self) -> bool:
        """Switch to the next fallback encoding; False when there is none left."""
        fallback = ENCODING_FALLBACKS.get(self.format.encoding or "")
        if fallback is None:
            return False
        self.format = replace(self.format, encoding=fallback)
        return True

    def default_chunk_rows(self) -> int:
        return int(min(MAX_CHUNK_ROWS, max(MIN_CHUNK_ROWS, CHUNK_BYTES / max(self.row_bytes, 1.0))))

    def frames(self, positions: list[int], chunk_rows: int | None) -> Generator[Chunk, None, None]:
        """Chunks labelled by position: every column, or on a narrow read ``positions`` (the ones the caller
        reads) and the last column.

        A file of more than one chunk is parsed a chunk ahead on a second thread (see prefetch.py).
        """
        rows = chunk_rows or self.default_chunk_rows()
        check = self._plain_check()
        used = None if check is None else check.columns(positions)
        chunks = self._chunks(rows, used, None if check is None or used is None else check.pieces.append)
        if self.size > rows * self.row_bytes:
            chunks = prefetched(chunks, PREFETCH_CHUNKS)
        return chunks if check is None or used is None else self._vouched(check, chunks)

    def read_again(self) -> bool:
        """After an error: True (and every column from now on) when a narrow read begun was not vouched for,
        so the error may be the narrow read's own (a shifted row); the caller then reads the file again."""
        if not self._unvouched:
            return False
        self.narrow = self._unvouched = False
        return True

    def _plain_check(self) -> PlainCheck | None:
        if not self.narrow or self.format.encoding != "utf-8":
            return None
        return PlainCheck.of(self.opened.handle, self.format.delimiter, self.format.header_row, len(self.columns))

    def _vouched(self, check: PlainCheck, chunks: Generator[Chunk, None, None]) -> Generator[Chunk, None, None]:
        self._unvouched = True
        try:
            yield from check.vouched(chunks)
        except UnicodeDecodeError:  # a byte no converted column holds: reading every column says where and what then
            raise ReadAgain from None
        self._unvouched = False

    def _chunks(
        self, chunk_rows: int, used: list[int] | None = None, keep: Callable[[bytes], None] | None = None
    ) -> Generator[Chunk, None, None]:
        self.opened.handle.seek(0)
        counter = _CountingReader(self.opened.handle, keep)
        first_row = self.format.header_row + 1
        try:
            # A UTF-8 file goes to pandas' C parser as bytes (one copy, by the handle); other encodings
            # pass through the text wrapper pandas puts around a buffered reader.
            utf8 = self.format.encoding == "utf-8"
            reader = pd.read_csv(
                counter if utf8 else io.BufferedReader(counter, 1 << 20),
                sep=self.format.delimiter,
                header=self.format.header_row - 1,
                encoding=self.format.encoding,
                decimal=self.format.decimal,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
                index_col=False,
                chunksize=chunk_rows,
                low_memory=False,  # one type per column per chunk (no DtypeWarning); chunks are small anyway
                engine="c",
                usecols=used,
            )
            for frame in reader:
                frame.columns = used if used is not None else range(frame.shape[1])
                yield first_row, frame, min(counter.count / max(self.size, 1), 1.0)
                first_row += len(frame)
        except UnicodeDecodeError:
            raise EncodingMismatch from None
        except pd.errors.ParserError as exc:
            raise ImportFileError(self._parser_message(str(exc))) from None
        except (ValueError, csv.Error, OverflowError, MemoryError) as exc:
            if isinstance(exc, ImportFileError):
                raise
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ImportFileError(messages.unreadable_csv(self.name, reason)) from None

    def _parser_message(self, text: str) -> str:
        if m := _EXPECTED_FIELDS.search(text):
            return messages.ragged_row(self.name, int(m[2]), int(m[1]), int(m[3]))
        if m := _EOF_IN_STRING.search(text):
            return messages.unclosed_quote(self.name, int(m[1]) + 1)
        reason = text.replace("Error tokenizing data. C error: ", "").strip().rstrip(".")
        return messages.unreadable_csv(self.name, reason or messages.NOT_CSV)


def _check_widths(file_name: str, rows: list[list[str]], index: int, width: int) -> None:
    """Refuse sample rows with values beyond the named columns (a named error beats a shifted row)."""
    header_fields = len(rows[index])
    for offset, row in enumerate(rows[index + 1 :]):
        last = max((i for i, c in enumerate(row) if c.strip()), default=-1)
        if last < width:
            continue
        if last < header_fields:
            raise ImportFileError(messages.blank_column_name(file_name, [column_letter(last)], index + 1))
        raise ImportFileError(messages.ragged_row(file_name, index + 2 + offset, width, len(row)))


def open_csv(opened: Opened, head: bytes, max_rows: int) -> CsvTable:
    """Read the format, header and first rows from the head of a text file."""
    complete = len(head) >= opened.size
    if is_utf16(head):
        if len(head) % 2 and not complete:
            head = head[:-1]
    elif looks_binary(head):
        raise ImportFileError(messages.binary_file(opened.name))
    encoding, text = encoding_of(head, complete)
    if not complete and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # drop the line the sample cut in half
    if not text.lstrip("\ufeff \t\r\n"):
        raise ImportFileError(messages.empty_file(opened.name))
    if looks_like_html(text):
        raise ImportFileError(messages.html_page(opened.name))
    delimiter = delimiter_of(text)
    rows = parse_rows(text, delimiter, HEADER_SCAN_ROWS + max_rows)
    index = header_index(rows[:HEADER_SCAN_ROWS])
    if index is None:
        raise ImportFileError(messages.empty_file(opened.name))
    columns = header_names(opened.name, list(rows[index]), index + 1)
    width = len(columns)
    _check_widths(opened.name, rows, index, width)
    sample: list[list[object]] = [
        list((r + [""] * width)[:width]) for r in rows[index + 1 :] if any(c.strip() for c in r)
    ]
    if not sample and complete:
        raise ImportFileError(messages.no_data_rows(opened.name))
    decimal = detect_decimal((c for r in sample for c in r), delimiter)
    row_bytes = len(text) / max(text.count("\n"), 1)
    fmt = FileFormat("csv", encoding, delimiter, decimal, header_row=index + 1)
    return CsvTable(opened, fmt, columns, sample[:max_rows], row_bytes)
