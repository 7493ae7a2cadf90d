"""Where the bytes come from: a path, the bytes themselves, or an uploaded file object.

Every source is turned into one seekable handle with a display name and a size,
so the readers never care which kind it was, and oversized or empty files are
refused before anything is parsed.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from . import messages
from .errors import ImportFileError

Source = str | os.PathLike | bytes | bytearray | memoryview | BinaryIO
"""A path (str/PathLike), the file's bytes, or a binary file object (seeked to 0 before use)."""

DEFAULT_MAX_BYTES = 200 * 1024 * 1024


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


def display_name(source: object, name: str | None) -> str:
    """The file name to show: the one given, else the path's or the upload's, never a directory."""
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
    display = display_name(source, name)
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
