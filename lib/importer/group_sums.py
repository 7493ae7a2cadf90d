"""Running sums per (day id, arm id) group, kept in arrays so a chunk adds to every group in one step.

Each group gets a slot the first time it appears; a chunk's rows are binned by
slot and their n, sums, squares and cubes added with a few ``np.bincount`` calls.
Slots follow the order the groups first appeared in (within a chunk: by key, or
by first row when the keys are many), and each bin adds its rows in file order,
so the totals come out bit for bit as when every group was a separate array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

ARM_STRIDE = 64  # > MAX_ARMS: day id * stride + arm id is a unique group key
_DIRECT = 1 << 16
"""Up to this many keys (or slots), bins are indexed directly; beyond it the chunk's own are numbered."""


@dataclass
class Group:
    """Running sums for one (day id, arm id): per metric n, total, total of squares, total of cubes."""

    stats: np.ndarray
    rows: int = 0
    first_row: int = 0


class GroupSums:
    """Per group slot: stats (metrics x (n, total, total_sq, total_cu)), row count and first row."""

    def __init__(self, metrics: int) -> None:
        self.ids: list[tuple[int, int]] = []
        self.first_rows: list[int] = []
        self.stats = np.zeros((16, metrics, 4))
        self.rows = np.zeros(16, dtype=np.int64)
        self._slot_of = np.full(0, -1, dtype=np.int32)  # group key -> slot (-1: not seen yet)

    def __len__(self) -> int:
        return len(self.ids)

    def groups(self) -> dict[tuple[int, int], Group]:
        """Every group so far, in the order they first appeared."""
        return {
            gid: Group(self.stats[slot].copy(), int(self.rows[slot]), self.first_rows[slot])
            for slot, gid in enumerate(self.ids)
        }

    def slots(self, keys: np.ndarray, rows: np.ndarray | None, first_row: int) -> np.ndarray:
        """The slot of each key (day id * ARM_STRIDE + arm id), opening slots for groups not seen before.

        ``rows`` are the chunk positions of the keys (None: the keys are the whole chunk).
        """
        top = int(keys.max())
        if top >= len(self._slot_of):
            grown = np.full(max(top + 1, 2 * len(self._slot_of)), -1, dtype=np.int32)
            grown[: len(self._slot_of)] = self._slot_of
            self._slot_of = grown
        slots = self._slot_of.take(keys)
        if slots.min() < 0:
            self._open(keys, slots < 0, rows, first_row, by_key=top < _DIRECT)
            slots = self._slot_of.take(keys)
        return slots

    def _open(self, keys: np.ndarray, new: np.ndarray, rows: np.ndarray | None, first_row: int, by_key: bool) -> None:
        where = np.flatnonzero(new)
        firsts = pd.Series(keys[where]).drop_duplicates()  # each new key's first row, in order of appearance
        at = where[firsts.index.to_numpy()]
        if rows is not None:
            at = rows[at]
        opened = dict(zip(firsts.to_numpy().tolist(), (at + first_row).tolist(), strict=True))
        order = sorted(opened) if by_key else list(opened)
        start = len(self.ids)
        if start + len(order) > len(self.rows):
            size = max(start + len(order), 2 * len(self.rows))
            self.stats = np.concatenate((self.stats, np.zeros((size - len(self.rows), *self.stats.shape[1:]))))
            self.rows = np.concatenate((self.rows, np.zeros(size - len(self.rows), dtype=np.int64)))
        for key in order:
            self._slot_of[key] = len(self.ids)
            self.ids.append((key // ARM_STRIDE, key % ARM_STRIDE))
            self.first_rows.append(opened[key])

    def bins(self, slots: np.ndarray) -> tuple[np.ndarray, int, np.ndarray | slice]:
        """(bin per row, number of bins, the slots those bins add to)."""
        if len(self.ids) <= _DIRECT:  # np.bincount wants intp bins: cast once here, not in every call
            return slots.astype(np.intp), len(self.ids), slice(0, len(self.ids))
        codes, uniques = pd.factorize(slots)
        return codes, len(uniques), np.asarray(uniques)
