"""The UTF-8 bytes behind a column of text, read eight at a time with numpy.

pandas keeps text columns as Arrow strings: one buffer of bytes and an offset
per cell. Reading that buffer as 64-bit words lets a whole chunk be hashed or
grouped with a few array operations instead of one Python call per cell (the
person-id check and the arm and date columns both do this on every chunk).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from .values import cell_text

LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], dtype=np.uint64)
"""LOW_BYTES[k] keeps the first k bytes of a little-endian word (k = 8: all of it)."""


def text_array(values: pd.Series) -> pa.LargeStringArray:
    """Each cell's text as one Arrow array (numbers as written by ``str``: 1010 and 1010.0 read "1010")."""
    if isinstance(values.dtype, pd.StringDtype):
        array = pa.array(values.array)
    elif values.dtype.kind in "iuf":  # a chunk pandas read as numbers; another chunk may be text
        numbers = pa.array(values.to_numpy(), from_pandas=True)
        if values.dtype.kind == "f" and bool((values.dropna() % 1 == 0).all()):
            numbers = numbers.cast(pa.int64())
        array = numbers.cast(pa.large_string())
    else:
        try:  # text in an object column (pandas 2)
            array = pa.array(values.to_numpy(), type=pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # workbook cells: numbers and text alike
            array = pa.array(
                values.map(cell_text, na_action="ignore").to_numpy(), type=pa.large_string(), from_pandas=True
            )
    if isinstance(array, pa.ChunkedArray):
        array = array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()
    return array.cast(pa.large_string()) if array.type != pa.large_string() else array


@dataclass(frozen=True)
class TextBytes:
    """Where each cell's bytes start (``starts``), how many there are (``lengths``), and the bytes as words."""

    starts: np.ndarray
    lengths: np.ndarray
    words: np.ndarray  # the bytes, zero-padded, as aligned little-endian uint64 (spare words at the end)

    @classmethod
    def of(cls, array: pa.LargeStringArray) -> TextBytes:
        n = len(array)
        _, offsets_buffer, data_buffer = array.buffers()
        offsets = np.frombuffer(offsets_buffer, dtype=np.int64, count=n + 1, offset=array.offset * 8)
        first, last = int(offsets[0]), int(offsets[-1])
        size = last - first
        padded = np.zeros((size // 8 + 3) * 8, dtype=np.uint8)  # room to read a word at any offset up to size + 8
        if size:
            padded[:size] = np.frombuffer(data_buffer, dtype=np.uint8, count=size, offset=first)
        return cls(offsets[:-1] - first, np.diff(offsets), padded.view("<u8"))

    def word(self, at: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """The eight bytes starting at each byte offset ``at``, only the first ``keep`` (0..8) of them kept."""
        index, shift = at >> 3, ((at & 7) << 3).astype(np.uint64)
        low = self.words.take(index) >> shift
        high = self.words.take(index + 1) << (np.uint64(64) - shift)  # a shift by 64 gives 0
        return (low | high) & LOW_BYTES.take(keep)
