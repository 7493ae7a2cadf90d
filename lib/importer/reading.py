"""Opening an uploaded file and reading it as a table, in bounded memory.

A source is a path, bytes, or a binary file object (Streamlit's UploadedFile).
The reader works out what the file is (CSV text or an .xlsx workbook), its
encoding, delimiter, decimal mark and header row from the first few hundred KB,
then hands out the rows in chunks so a million-row export never sits in memory
as one DataFrame.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import queue
import re
import threading
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, Literal, Protocol

import pandas as pd

from . import messages
from .errors import ImportFileError
from .values import cell_text, detect_decimal, looks_like_data

Source = str | os.PathLike | bytes | bytearray | memoryview | BinaryIO
"""A path (str/PathLike), the file's bytes, or a binary file object (seeked to 0 before use)."""

Progress = Callable[[float], None]

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
SAMPLE_BYTES = 256 * 1024
SAMPLE_ROWS = 200
CHUNK_BYTES = 2 * 1024 * 1024  # text per chunk; rows per chunk follow from the row width
MIN_CHUNK_ROWS, MAX_CHUNK_ROWS = 10_000, 400_000
DELIMITERS = (",", ";", "\t", "|")
ENCODING_FALLBACKS = {"utf-8": "cp1252", "cp1252": "latin-1"}


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


Chunk = tuple[int, pd.DataFrame, float]
"""(row number of the frame's first row, frame with columns labelled by position, fraction of the file read)."""


class Table(Protocol):
    """A readable file: its header, a sample, and its data rows in chunks."""

    name: str
    size: int
    format: FileFormat
    columns: list[str]
    sample_rows: list[list[object]]

    def frames(self, positions: list[int], chunk_rows: int | None) -> Iterator[Chunk]:
        """The data rows in chunks; each frame has at least the given column positions."""
        ...


class EncodingMismatch(Exception):
    """The bytes further down the file do not fit the encoding guessed from its start."""


# --- sources ----------------------------------------------------------------------


@dataclass
class Opened:
    """A seekable binary handle on the source, with a display name and size."""

    handle: BinaryIO
    name: str
    size: int
    owned: bool

    def close(self) -> None:
        """Close what we opened; hand a caller's stream back rewound, ready to be read again."""
        if self.owned:
            self.handle.close()
        else:
            with suppress(OSError, ValueError):
                self.handle.seek(0)


def _name_of(source: object, name: str | None) -> str:
    if name:
        return os.path.basename(str(name))
    if isinstance(source, (str, os.PathLike)):
        return os.path.basename(os.fspath(source))
    attr = getattr(source, "name", None)
    if isinstance(attr, str) and attr:
        return os.path.basename(attr)
    return messages.UNNAMED_FILE


@contextmanager
def open_source(source: Source, name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Opened]:
    """Open any supported source; refuse empty and oversized files up front."""
    display = _name_of(source, name)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise ImportFileError(messages.too_large(display, size, max_bytes))
            handle: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed by Opened.close
        except OSError as exc:
            raise ImportFileError(messages.cannot_open(display, exc.strerror or str(exc))) from None
        opened = Opened(handle, display, size, owned=True)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source) if isinstance(source, memoryview) else source
        opened = Opened(io.BytesIO(data), display, len(data), owned=True)
    elif hasattr(source, "read"):
        opened = _open_stream(source, display, max_bytes)
    else:
        raise TypeError(f"unsupported source type {type(source).__name__}")
    try:
        if opened.size > max_bytes:
            raise ImportFileError(messages.too_large(display, opened.size, max_bytes))
        if opened.size == 0:
            raise ImportFileError(messages.empty_file(display))
        yield opened
    finally:
        opened.close()


def _open_stream(stream: BinaryIO, display: str, max_bytes: int) -> Opened:
    seekable = getattr(stream, "seekable", lambda: False)()
    if seekable:
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        return Opened(stream, display, size, owned=False)
    data = stream.read(max_bytes + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    return Opened(io.BytesIO(data), display, len(data), owned=True)


def file_checksum(source: Source, block_size: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file's bytes, read in blocks (for duplicate-file detection)."""
    digest = hashlib.sha256()
    if isinstance(source, (bytes, bytearray, memoryview)):
        digest.update(source)  # already in memory: one pass, no copy
        return digest.hexdigest()
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            while block := handle.read(block_size):
                digest.update(block)
        return digest.hexdigest()
    if getattr(source, "seekable", lambda: False)():
        source.seek(0)
    while block := source.read(block_size):
        digest.update(block)
    if getattr(source, "seekable", lambda: False)():
        source.seek(0)
    return digest.hexdigest()


# --- what kind of file is it -------------------------------------------------------

_MAGIC = (
    (b"%PDF", "pdf"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf", "7z"),
    (b"Rar!", "rar"),
)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL = frozenset(range(0, 9)) | frozenset(range(14, 32)) - {26, 27}


def _sniff_kind(opened: Opened, head: bytes) -> Literal["csv", "xlsx"]:
    """Refuse what is plainly not a table; tell CSV text from an xlsx workbook."""
    if head.startswith(b"PK\x03\x04"):
        try:
            opened.handle.seek(0)
            names = zipfile.ZipFile(opened.handle).namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            raise ImportFileError(messages.binary_file(opened.name, messages.FILE_KINDS["damaged_zip"])) from None
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if "content.xml" in names:
            raise ImportFileError(messages.other_spreadsheet(opened.name))
        raise ImportFileError(messages.binary_file(opened.name, messages.FILE_KINDS["zip"]))
    if head.startswith(_OLE):
        raise ImportFileError(messages.old_excel(opened.name))
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise ImportFileError(messages.binary_file(opened.name, messages.FILE_KINDS[what]))
    return "csv"


def _encoding_of(head: bytes, complete: bool) -> tuple[str, str]:
    """(codec for pandas, decoded head text). UTF-8 first, then Windows-1252, then Latin-1."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", codecs.getincrementaldecoder("utf-8")(errors="replace").decode(head[3:], complete)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = codecs.getincrementaldecoder("utf-16")(errors="replace").decode(head, complete)
        return "utf-16", text
    for encoding in ("utf-8", "cp1252"):
        try:
            return encoding, codecs.getincrementaldecoder(encoding)().decode(head, complete)
        except UnicodeDecodeError:
            continue
    return "latin-1", head.decode("latin-1")


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    sample = head[:8192]
    controls = sum(1 for b in sample if b in _CONTROL)
    return controls > max(2, len(sample) // 100)


# --- CSV ----------------------------------------------------------------------------


def _parse_rows(text: str, delimiter: str, limit: int) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass  # a broken quote in the sample: judge from the rows before it
    return rows


def _delimiter_of(text: str) -> str:
    """The candidate that splits the first lines into the most consistent number of fields."""
    lines = "\n".join(text.splitlines()[:50])
    best, best_score = ",", (False, 0.0, 0)
    for delimiter in DELIMITERS:
        counts = [len(r) for r in _parse_rows(lines, delimiter, 50) if any(c.strip() for c in r)]
        if not counts:
            continue
        modal, freq = Counter(counts).most_common(1)[0]
        score = (modal >= 2, round(freq / len(counts), 2), modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _header_index(rows: list[list[str]]) -> int | None:
    """Index of the header row: the first row that is as wide as the data (skips title lines)."""
    filled = [sum(1 for c in r if str(c).strip()) for r in rows]
    widths = [f for f in filled if f]
    if not widths:
        return None
    modal = Counter(widths).most_common(1)[0][0]
    need = 1 if modal < 2 else max(2, (modal + 1) // 2)
    for index, count in enumerate(filled):
        if count >= need:
            return index
    return next(i for i, f in enumerate(filled) if f)


def column_letter(position: int) -> str:
    """Spreadsheet letter for a 0-based column position (0 -> A, 26 -> AA)."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def header_names(file_name: str, cells: list[object], row: int) -> list[str]:
    """Validated column names from a header row: no blanks between names, no duplicates, not data."""
    names = ["" if c is None or (isinstance(c, str) and not c.strip()) else cell_text(c) for c in cells]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise ImportFileError(messages.empty_file(file_name))
    present = [n for n in names if n]
    data_like = sum(1 for c in cells[: len(names)] if c is not None and looks_like_data(c))
    if data_like * 2 > len(present):
        raise ImportFileError(messages.no_header(file_name, present))
    blanks = [column_letter(i) for i, n in enumerate(names) if not n]
    if blanks:
        raise ImportFileError(messages.blank_column_name(file_name, blanks, row))
    seen = Counter(n.casefold() for n in names)
    dupes = [n for n in dict.fromkeys(names) if seen[n.casefold()] > 1]
    if dupes:
        raise ImportFileError(messages.duplicate_column_names(file_name, dupes))
    return names


class _CountingReader(io.RawIOBase):
    """Passes reads through and counts bytes, so progress follows pandas' reading."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._handle.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


# Trailing delimiters on data rows ("1,2,3,") make pandas warn that it drops the empty
# extra field; that is intended (values beyond the header are refused in _check_widths).
# A filter for that one message, since catch_warnings is not thread-safe.
warnings.filterwarnings("ignore", message="Length of header or names does not match", category=pd.errors.ParserWarning)

_EXPECTED_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_EOF_IN_STRING = re.compile(r"EOF inside string starting at row (\d+)")


@dataclass
class CsvTable:
    """A delimited text file, read with pandas' C parser in chunks."""

    opened: Opened
    format: FileFormat
    columns: list[str]
    sample_rows: list[list[object]]
    row_bytes: float

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

    def frames(self, positions: list[int], chunk_rows: int | None) -> Iterator[Chunk]:
        self.opened.handle.seek(0)
        counter = _CountingReader(self.opened.handle)
        stream = io.BufferedReader(counter, 1 << 20)
        first_row = self.format.header_row + 1
        try:
            reader = pd.read_csv(
                stream,
                sep=self.format.delimiter,
                header=self.format.header_row - 1,
                encoding=self.format.encoding,
                decimal=self.format.decimal,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
                index_col=False,
                chunksize=chunk_rows or self.default_chunk_rows(),
                low_memory=False,  # one type per column per chunk (no DtypeWarning); chunks are small anyway
                engine="c",
            )
            chunks = iter(reader)
            while True:
                try:
                    frame = next(chunks)
                except StopIteration:
                    break
                frame.columns = range(frame.shape[1])
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
    """Refuse sample rows with values beyond the named columns.

    pandas drops such values silently (and an unquoted "1,000" shifts a row),
    so they are caught here for the first rows; further down the C parser raises.
    """
    header_fields = len(rows[index])
    for offset, row in enumerate(rows[index + 1 :]):
        last = max((i for i, c in enumerate(row) if c.strip()), default=-1)
        if last < width:
            continue
        if last < header_fields:
            raise ImportFileError(messages.blank_column_name(file_name, [column_letter(last)], index + 1))
        raise ImportFileError(messages.ragged_row(file_name, index + 2 + offset, width, len(row)))


def _csv_table(opened: Opened, head: bytes, max_rows: int) -> CsvTable:
    complete = len(head) >= opened.size
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if len(head) % 2 and not complete:
            head = head[:-1]
    elif _looks_binary(head):
        raise ImportFileError(messages.binary_file(opened.name))
    encoding, text = _encoding_of(head, complete)
    if not complete and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # drop the line the sample cut in half
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise ImportFileError(messages.empty_file(opened.name))
    if stripped[:15].casefold().startswith(("<!doctype html", "<html", "<table", "<?xml")):
        raise ImportFileError(messages.html_page(opened.name))
    delimiter = _delimiter_of(text)
    rows = _parse_rows(text, delimiter, 60 + max_rows)
    index = _header_index(rows[:60])
    if index is None:
        raise ImportFileError(messages.empty_file(opened.name))
    columns = header_names(opened.name, list(rows[index]), index + 1)
    width = len(columns)
    _check_widths(opened.name, rows, index, width)
    sample = [(r + [""] * width)[:width] for r in rows[index + 1 :] if any(c.strip() for c in r)]
    if not sample and complete:
        raise ImportFileError(messages.no_data_rows(opened.name))
    decimal = detect_decimal((c for r in sample for c in r), delimiter)
    row_bytes = len(text) / max(text.count("\n"), 1)
    fmt = FileFormat("csv", encoding, delimiter, decimal, header_row=index + 1)
    return CsvTable(opened, fmt, columns, sample[:max_rows], row_bytes)


def prefetched(chunks: Iterator[Chunk], depth: int = 1) -> Iterator[Chunk]:
    """Read the next chunk in a thread while the caller sums up the current one.

    pandas' C parser tokenizes without holding the GIL, so this overlaps most of
    the reading with the aggregation; at most ``depth`` + 2 chunks are alive. The
    caller's thread does everything else (Streamlit calls must stay in it), and
    errors from the reader are raised there.
    """
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    finished = object()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
            put(finished)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread and raised there
            put(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=produce, name="importer-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = handoff.get()
            if item is finished:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while reader.is_alive():
            with suppress(queue.Empty):
                handoff.get(timeout=0.05)
        reader.join()


# --- entry points --------------------------------------------------------------------


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
        if not head.strip(b" \t\r\n\x00") and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise ImportFileError(messages.empty_file(opened.name))
        kind = _sniff_kind(opened, head)
        if kind == "xlsx":
            from .excel import ExcelTable  # openpyxl is only needed for workbooks

            table: Table = ExcelTable.open(opened, sheet, max_rows)
        else:
            table = _csv_table(opened, head, max_rows)
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
