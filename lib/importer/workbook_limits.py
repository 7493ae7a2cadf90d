"""Limits that keep a hostile .xlsx (a zip bomb) from taking the server's memory and time.

An .xlsx is a zip archive of XML parts, and a few MB of it can inflate to
gigabytes: one cell of a billion characters, or a shared-strings table that
openpyxl loads whole (a 256 MB table took 2.4 GB). Three checks, all before the
expensive work:

* the archive's directory: how many parts (each one costs memory to list);
* each part's uncompressed size as the directory states it. Python's zipfile
  never inflates a part past that size (and fails its CRC check if the data
  goes on), so the stated sizes are a real bound;
* while parts are read, the length of any text between two tags: Excel itself
  keeps a cell to 32,767 characters, so a longer run is no real export.

Each refusal is an ImportFileError whose message states the limit in MB or KB.
"""

from __future__ import annotations

import zipfile
from typing import IO, Any, BinaryIO, Literal

from . import messages
from .errors import ImportFileError

MAX_ZIP_ENTRIES = 10_000
MAX_WORKBOOK_BYTES = 1024 * 1024 * 1024  # every part together, uncompressed
MAX_SHARED_STRINGS_BYTES = 32 * 1024 * 1024  # openpyxl keeps the whole table in memory
MAX_PART_BYTES = 16 * 1024 * 1024  # any other XML part but a worksheet: parsed whole
MAX_CELL_BYTES = 256 * 1024  # text between two tags; a real cell is at most 32,767 characters

_EOCD, _EOCD64_LOCATOR = b"PK\x05\x06", b"PK\x06\x07"
_WORKSHEETS = "xl/worksheets/"


class WorkbookRefused(Exception):
    """Raised while openpyxl reads, so it passes through openpyxl's own ValueError wrapping."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def entry_count(handle: BinaryIO) -> int | None:
    """Parts listed in the archive's directory, read from its end record (None when there is none)."""
    handle.seek(0, 2)
    size = handle.tell()
    tail_size = min(size, 22 + 0xFFFF)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        return None
    count = int.from_bytes(tail[at + 10 : at + 12], "little")
    if count != 0xFFFF or at < 20 or tail[at - 20 : at - 16] != _EOCD64_LOCATOR:
        return count
    handle.seek(int.from_bytes(tail[at - 12 : at - 4], "little"))  # zip64: the count is in its own record
    record = handle.read(56)
    return int.from_bytes(record[32:40], "little") if record[:4] == b"PK\x06\x06" else count


def check_directory(handle: BinaryIO, file_name: str) -> None:
    """Refuse an archive listing more parts than a workbook has, before zipfile lists them all."""
    count = entry_count(handle)
    handle.seek(0)
    if count is not None and count > MAX_ZIP_ENTRIES:
        raise ImportFileError(messages.too_many_parts(file_name, count, MAX_ZIP_ENTRIES))


def check_sizes(archive: zipfile.ZipFile, file_name: str) -> None:
    """Refuse a workbook whose parts inflate beyond the limits, from the sizes its directory states."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        part = info.filename.casefold()
        if part.endswith("sharedstrings.xml"):
            if info.file_size > MAX_SHARED_STRINGS_BYTES:
                raise ImportFileError(
                    messages.shared_strings_too_big(file_name, info.file_size, MAX_SHARED_STRINGS_BYTES)
                )
        elif part.endswith((".xml", ".rels")) and not part.startswith(_WORKSHEETS) and info.file_size > MAX_PART_BYTES:
            raise ImportFileError(messages.part_too_big(file_name, info.filename, info.file_size, MAX_PART_BYTES))
    if total > MAX_WORKBOOK_BYTES:
        raise ImportFileError(messages.workbook_too_big(file_name, total, MAX_WORKBOOK_BYTES))


class GuardedZipFile(zipfile.ZipFile):
    """A zip archive whose parts, when read, stop at a run of text longer than any cell can be."""

    file_name = messages.UNNAMED_FILE

    def open(
        self, name: Any, mode: Literal["r", "w"] = "r", pwd: bytes | None = None, *, force_zip64: bool = False
    ) -> IO[bytes]:
        stream = super().open(name, mode, pwd, force_zip64=force_zip64)
        return stream if mode != "r" else _CellLimit(stream, self.file_name)  # type: ignore[return-value]


class _CellLimit:
    """Passes reads through, counting the bytes since the last '<': a cell's text and its tag."""

    def __init__(self, stream: IO[bytes], file_name: str) -> None:
        self._stream = stream
        self._file_name = file_name
        self._run = 0

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        data = self._stream.read(size)
        for start in range(0, len(data), MAX_CELL_BYTES):  # slices no longer than the limit:
            piece = data[start : start + MAX_CELL_BYTES]  # only a run across slices can exceed it
            first = piece.find(b"<")
            if first < 0:
                self._run += len(piece)
            elif self._run + first <= MAX_CELL_BYTES:
                self._run = len(piece) - piece.rfind(b"<") - 1
            else:
                self._run += first
            if self._run > MAX_CELL_BYTES:
                raise WorkbookRefused(messages.cell_too_long(self._file_name, MAX_CELL_BYTES))
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> _CellLimit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
