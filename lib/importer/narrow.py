"""Reading only the columns an import uses, and vouching afterwards that the file was plain.

Why: pandas' C parser skips converting columns it is not asked for (``usecols``),
which saves about a quarter of a large file's parse, but then it stops refusing
rows with more values than the header, and a row with an unquoted "1,000" would
be read shifted. So the narrow read is taken only where it gives exactly what
reading every column gives, and that is checked on the bytes pandas read, on the
thread that adds up the chunks (it waits for the parser anyway):

* no quote character anywhere (a quoted delimiter or line end is not one);
* the bytes are UTF-8 (pandas decodes only the columns it converts);
* no row is short: the last column is never empty, and a short row lacks it;
* so every row has exactly as many values as the header when the delimiters in
  the file add up to ``(columns - 1)`` per row (none short, none can be long).

Anything else raises :class:`ReadAgain`; the caller then reads the file again
with every column, as before, and gets that read's results and messages. So does
any error met before the read is vouched for (a shifted row can make a problem of
its own first): until then the narrow read's findings count for nothing. Files
whose head already shows a quote, a row of another width, or whose end is a blank
line are read with every column from the start, not read twice.
"""

from __future__ import annotations

import codecs
from collections import deque
from collections.abc import Generator, Iterator
from typing import BinaryIO

import numpy as np

from .table import Chunk

QUOTE = b'"'  # pandas' default quote character
HEAD_BYTES = 256 * 1024  # what is looked at before choosing: the header and the first rows


class ReadAgain(Exception):
    """The narrow read met something it cannot vouch for: read the file again with every column."""


class PlainCheck:
    """Bytes pandas read (``pieces``, filled by the reader's thread) and rows it gave, checked as they come."""

    def __init__(self, width: int, delimiter: int, header_delimiters: int, preamble: int) -> None:
        self.width = width
        self.pieces: deque[bytes] = deque()
        self._delimiter = delimiter
        self._expected = header_delimiters  # delimiters the header (and any lines above it) hold
        self._seen = 0
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._undecoded = preamble  # bytes of the lines above the header, which pandas never decodes

    @classmethod
    def of(cls, handle: BinaryIO, delimiter: str | None, header_row: int, width: int) -> PlainCheck | None:
        """A check for this file, or None where the narrow read would not be vouched for (then it is not tried).

        Looked at first: the header (and the lines above it), the rows in the file's head and its last bytes.
        """
        if delimiter is None or len(delimiter) != 1 or not delimiter.isascii() or delimiter == QUOTE.decode():
            return None
        handle.seek(0)
        head = bytes(handle.read(HEAD_BYTES))
        handle.seek(-min(4, len(head)), 2)
        tail = bytes(handle.read(4))
        handle.seek(0)
        byte = bytes([ord(delimiter)])
        lines = head.splitlines(keepends=True)[:-1]  # the last may be cut short by the head's end
        whole = b"".join(lines)
        if (
            len(lines) < header_row
            or QUOTE in head
            or whole.count(b"\r") != whole.count(b"\r\n")  # a lone CR ends a line for pandas, not here
            or tail.endswith((b"\n\n", b"\n\r\n"))  # a blank last line, which the last-column check refuses
            or any(line.count(byte) != width - 1 or line.rstrip(b"\r\n").endswith(byte) for line in lines[header_row:])
            or lines[header_row - 1].count(byte) != width - 1
        ):
            return None  # rows of another width, or an empty last value, would only make it read again
        above = lines[: header_row - 1]
        return cls(width, byte[0], sum(line.count(byte) for line in lines[:header_row]), sum(map(len, above)))

    def columns(self, positions: list[int]) -> list[int] | None:
        """The columns to read: the caller's and the last one (the short-row check); None when that is all."""
        used = sorted({*positions, self.width - 1})
        return used if len(used) < self.width else None

    def vouched(self, chunks: Iterator[Chunk]) -> Generator[Chunk, None, None]:
        """The chunks as they are, each after checking the bytes read so far.

        Raises ReadAgain where the file is not plain, UnicodeDecodeError where its bytes are not UTF-8.
        """
        last = self.width - 1
        try:
            for chunk in chunks:
                frame = chunk[1]
                self._take_pieces()
                if bool(frame[last].isna().any()):
                    raise ReadAgain
                self._expected += last * len(frame)
                yield chunk
            self._take_pieces()
            self._utf8.decode(b"", final=True)
            if self._seen != self._expected:
                raise ReadAgain
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    def _take_pieces(self) -> None:
        while self.pieces:
            piece = self.pieces.popleft()
            if not isinstance(piece, bytes):
                piece = bytes(piece)
            if QUOTE in piece:
                raise ReadAgain
            text = piece
            if self._undecoded:
                text, self._undecoded = piece[self._undecoded :], max(self._undecoded - len(piece), 0)
            if self._utf8.getstate()[0] or not text.isascii():
                self._utf8.decode(text)
            self._seen += int(np.count_nonzero(np.frombuffer(piece, dtype=np.uint8) == self._delimiter))
