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
with every column, as before, and gets that read's results and messages.
"""

from __future__ import annotations

import codecs
from collections import deque
from collections.abc import Generator, Iterator
from typing import BinaryIO

import numpy as np

from .table import Chunk

QUOTE = b'"'  # pandas' default quote character
MAX_HEADER_BYTES = 1 << 20  # a longer line above the data is no header the narrow read vouches for


class ReadAgain(Exception):
    """The narrow read met something it cannot vouch for: read the file again with every column."""


class PlainCheck:
    """Bytes pandas read (``pieces``, filled by the reader's thread) and rows it gave, checked as they come."""

    def __init__(self, width: int, delimiter: int, header_delimiters: int) -> None:
        self.width = width
        self.pieces: deque[bytes] = deque()
        self._delimiter = delimiter
        self._expected = header_delimiters  # delimiters the header (and any lines above it) hold
        self._seen = 0
        self._utf8 = codecs.getincrementaldecoder("utf-8")()

    @classmethod
    def of(cls, handle: BinaryIO, delimiter: str | None, header_row: int, width: int) -> PlainCheck | None:
        """A check for this file, or None when the narrow read cannot apply (a header line it cannot vouch for)."""
        if delimiter is None or len(delimiter) != 1 or not delimiter.isascii() or delimiter == QUOTE.decode():
            return None
        handle.seek(0)
        lines = [handle.readline(MAX_HEADER_BYTES) for _ in range(header_row)]
        handle.seek(0)
        above, byte = b"".join(lines), ord(delimiter)
        if (
            QUOTE in above
            or not all(line.endswith(b"\n") for line in lines)
            or above.count(b"\r") != above.count(b"\r\n")  # a lone CR ends a line for pandas, not for readline
            or lines[-1].count(bytes([byte])) != width - 1
        ):
            return None
        return cls(width, byte, above.count(bytes([byte])))

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
            if QUOTE in piece:
                raise ReadAgain
            if self._utf8.getstate()[0] or not piece.isascii():
                self._utf8.decode(piece)
            self._seen += int(np.count_nonzero(np.frombuffer(piece, dtype=np.uint8) == self._delimiter))
