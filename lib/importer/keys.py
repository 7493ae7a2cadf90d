"""Distinct values of the grouping columns (arm, date) and where they occur.

Values are turned into small integer ids once per chunk (factorize, then a
lookup table per distinct value), so the per-row work stays in numpy.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa


class KeyTable:
    """Distinct values of a grouping column seen so far, with row counts and first rows."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.ids: dict[Hashable, int] = {}
        self.keys: list[Hashable] = []
        self.labels: list[str] = []  # the value as first written, for messages
        self.counts: list[int] = []
        self._rows: list[list[np.ndarray]] = []
        self._stored: list[int] = []

    def __len__(self) -> int:
        return len(self.keys)

    def intern(self, key: Hashable, label: str) -> int:
        gid = self.ids.get(key)
        if gid is None:
            gid = self.ids[key] = len(self.keys)
            self.keys.append(key)
            self.labels.append(label)
            self.counts.append(0)
            self._rows.append([])
            self._stored.append(0)
        return gid

    def record(self, row_ids: np.ndarray, first_row: int) -> None:
        """Count rows per id (-1 = no id) and keep the first ``cap`` row numbers of each."""
        valid = row_ids >= 0
        if valid.all():
            counts = np.bincount(row_ids, minlength=len(self.keys))
        elif valid.any():
            counts = np.bincount(row_ids[valid], minlength=len(self.keys))
        else:
            return
        present = np.flatnonzero(counts).tolist()
        for gid in present:
            self.counts[gid] += int(counts[gid])
        need = [g for g in present if self._stored[g] < self.cap]
        if not need:
            return
        if len(need) <= 8:
            for gid in need:
                rows = np.flatnonzero(row_ids == gid)[: self.cap - self._stored[gid]]
                self._keep(gid, rows + first_row)
            return
        small = row_ids.astype(np.int16 if len(self.keys) < 32_000 else np.int32)
        order = np.argsort(small, kind="stable")
        starts = np.searchsorted(small[order], np.asarray(need, dtype=small.dtype), side="left")
        for gid, start in zip(need, starts, strict=True):
            take = min(self.cap - self._stored[gid], int(counts[gid]))
            self._keep(gid, order[start : start + take] + first_row)

    def _keep(self, gid: int, rows: np.ndarray) -> None:
        self._rows[gid].append(rows.astype(np.int64))
        self._stored[gid] += len(rows)

    def rows(self, gid: int) -> np.ndarray:
        parts = self._rows[gid]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def lookup_tables(n: int, codes: np.ndarray, flags: int) -> tuple[np.ndarray, ...]:
    """Per distinct value: an id table (-1 = none) and ``flags`` boolean tables.

    Each table has a last slot for code -1 (a missing cell), so ``table[codes]``
    works directly; the first flag table marks missing cells as blank.
    """
    ids = np.full(n + 1, -1, dtype=np.int64)
    tables = [np.zeros(n + 1, dtype=bool) for _ in range(flags)]
    tables[0][-1] = len(codes) > 0 and codes.min() < 0
    return (ids, *tables)


def spread(flags: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per-row view of a per-value boolean table (skips the gather when nothing is set)."""
    return flags[codes] if flags.any() else np.zeros(len(codes), dtype=bool)


_TIME_OF_DAY = r"[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:Z|UTC|[+-]\d{2}:?\d{2})?$"


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def day_part(column: pd.Series) -> pd.Series:
    """Timestamps cut to their day, so a column with one time per row has few distinct values."""
    if isinstance(column.dtype, pd.DatetimeTZDtype) or column.dtype.kind == "M":
        return column.dt.normalize()
    if not isinstance(column.dtype, pd.StringDtype):
        return column
    head, cut = column.str.slice(0, 10), column.str.slice(10, 11)  # ISO "2024-03-05T10:22": slicing is fast
    days = pd.unique(head.dropna())
    iso = set(pd.unique(cut.dropna())) <= {"", " ", "T"} and days.size <= 1000
    if iso and all(_ISO_DAY.fullmatch(str(v)) for v in days):
        return head
    return column.str.replace(_TIME_OF_DAY, "", regex=True)


def factorize(column: pd.Series) -> tuple[np.ndarray, Sequence[object]]:
    """Codes (-1 = missing) and distinct values in order of appearance, as ``pd.factorize`` gives them.

    Categoricals from the reader already have them; Arrow text goes straight to
    Arrow's dictionary encoding, without pandas' wrapper and its Index of the distinct values.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), column.cat.categories
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
        array = pa.array(column.array)
        if isinstance(array, pa.ChunkedArray):
            array = array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()
        encoded = array.dictionary_encode()
        indices = encoded.indices.fill_null(-1) if encoded.indices.null_count else encoded.indices
        return indices.to_numpy(zero_copy_only=False), encoded.dictionary.to_pylist()
    return pd.factorize(column, use_na_sentinel=True)
