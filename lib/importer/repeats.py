"""Person ids that appear on more than one row of an event file.

An event file counts each row as one unit (one person reached, one order), so
a person on two rows is counted twice, and a person in two arms has seen both.
Neither is wrong for every file (order exports repeat customers), so the
preview says so in a note rather than refusing rows.

Each id is kept as a 64-bit hash of its text (9 bytes a row with its arm), and
the hashes are compared by sorting them: two different ids share a hash with a
chance of about 1 in 30 million for a million ids, which at worst adds a note.
Each chunk's hashes are filed in 256 parts by their top byte as they come,
and the end of an import sorts each part on its own instead of every id at
once (a million ids: 35 ms in all, 25 of them at the end, against 52 ms for
one sort of them all, in the same minute).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import row_messages
from .text_bytes import TextBytes, text_array
from .values import NA_TOKENS

MAX_ID_BYTES = 1024  # longer text is no id; only its first KB (and its length) is hashed
_MIX, _SEED = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9)


def hash_texts(values: pd.Series) -> np.ndarray:
    """A 64-bit hash of each cell's text (its UTF-8 bytes; 1010 hashes like "1010"); missing cells hash to 0."""
    array = text_array(values)
    text = TextBytes.of(array)
    hashes = text.lengths.astype(np.uint64) * _SEED
    if len(array) == 0 or array.buffers()[2] is None:
        return hashes
    left = np.minimum(text.lengths, MAX_ID_BYTES)
    rows: np.ndarray | None = None  # None: every row (ids of up to eight bytes take one pass over whole arrays)
    with np.errstate(over="ignore"):
        for word in range(0, int(left.max()), 8):  # eight bytes of every id at a time
            if rows is not None or word or left.min() <= 0:
                rows = np.flatnonzero(left > word) if rows is None else rows[left[rows] > word]
            if rows is None:
                mixed = (hashes ^ text.word(text.starts, np.minimum(left, 8))) * _MIX
                hashes = mixed ^ (mixed >> np.uint64(29))
                continue
            # bytes past an id's end belong to the next one: masked out
            chunk = text.word(text.starts[rows] + word, np.minimum(left[rows] - word, 8))
            mixed = (hashes[rows] ^ chunk) * _MIX
            hashes[rows] = mixed ^ (mixed >> np.uint64(29))
    return hashes


_NO_ID = np.unique(hash_texts(pd.Series(sorted({v for t in NA_TOKENS for v in (t, t.upper(), t.title())}), dtype=str)))
"""Hashes of '' (and so of unusable rows, stored as 0), 'null', 'N/A', 'None'...: nobody, however often."""

_PARTS, _SHIFT = 256, np.uint64(56)
"""The hashes are filed in parts by their top byte."""


@dataclass
class RepeatedIds:
    """Collects the id hash (0 on rows left out) and arm of every row; ``note`` sums them up at the end."""

    column: str
    _first_row: int | None = None
    _hashes: list[np.ndarray] = field(default_factory=list)
    _arms: list[np.ndarray] = field(default_factory=list)
    _parts: list[list[np.ndarray]] = field(default_factory=lambda: [[] for _ in range(_PARTS)])

    def _file(self, hashes: np.ndarray) -> None:
        """File a chunk's hashes by their top byte (a radix pass: a stable sort of one byte per hash), so that
        the end sorts 256 parts of a few thousand hashes each, in cache (the parts are the one sorted copy that
        one sort at the end made too)."""
        part = (hashes >> _SHIFT).astype(np.uint8)
        grouped = hashes[np.argsort(part, kind="stable")]
        cuts = np.bincount(part, minlength=_PARTS).cumsum().tolist()
        low = 0
        for parts, high in zip(self._parts, cuts, strict=True):
            if high > low:
                parts.append(grouped[low:high])
            low = high

    def _repeated(self) -> np.ndarray:
        """The hashes seen on more than one row (any number of times each), nobody's left out."""
        twice = [np.zeros(0, dtype=np.uint64)]
        for part in self._parts:
            if part:
                ordered = np.concatenate(part)
                ordered.sort()
                twice.append(ordered[1:][ordered[1:] == ordered[:-1]])
        return np.setdiff1d(np.concatenate(twice), _NO_ID)

    def add(self, ids: pd.Series, usable: np.ndarray, arm_ids: np.ndarray, first_row: int) -> None:
        """One chunk (chunks arrive in row order, each starting where the last ended)."""
        if self._first_row is None:
            self._first_row = first_row
        hashes = hash_texts(ids)  # missing cells hash to 0 already
        if not usable.all():
            hashes[~usable] = 0
        self._hashes.append(hashes)
        self._arms.append(arm_ids.astype(np.int8))
        self._file(hashes)

    def note(self, arm_names: list[str | None]) -> str | None:
        """One sentence on the ids seen on several rows (and in several arms), or None when none are."""
        if not self._hashes:
            return None
        twice = self._repeated()
        if len(twice) == 0:  # the usual case: sorted parts, no hash table over every id
            return None
        hashes = np.concatenate(self._hashes)
        where = np.flatnonzero(np.isin(hashes, twice))  # only the repeats from here on: usually few
        codes, _ = pd.factorize(hashes[where])  # numbered in order of first appearance
        seen_before = codes <= np.maximum.accumulate(np.concatenate(([-1], codes[:-1])))
        second = int(np.argmax(seen_before))
        first = int(np.argmax(codes == codes[second]))
        names = {name: i for i, name in enumerate(dict.fromkeys(arm_names))}
        arm_code = np.array([names[name] for name in arm_names] or [0], dtype=np.int64)
        pairs = np.unique(codes * len(names) + arm_code[np.concatenate(self._arms)[where]])
        in_several_arms = int((np.bincount(pairs // len(names)) > 1).sum())
        base = self._first_row or 0
        return row_messages.note_repeated_ids(
            self.column,
            int(codes.max()) + 1,
            len(where),
            (base + int(where[first]), base + int(where[second])),
            in_several_arms,
        )
