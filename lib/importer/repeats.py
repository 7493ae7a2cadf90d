"""Person ids that appear on more than one row of an event file.

An event file counts each row as one unit (one person reached, one order), so
a person on two rows is counted twice, and a person in two arms has seen both.
Neither is wrong for every file (order exports repeat customers), so the
preview says so in a note rather than refusing rows.

The ids of usable rows are kept per chunk (about 20 bytes a row) and compared
once at the end: a hash table over a million ids is one pandas call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import row_messages
from .values import cell_text, is_blank


@dataclass
class RepeatedIds:
    """Collects (id, row number, arm id) of usable rows; ``note`` sums them up at the end."""

    column: str
    _ids: list[pd.Series] = field(default_factory=list)
    _rows: list[np.ndarray] = field(default_factory=list)
    _arms: list[np.ndarray] = field(default_factory=list)

    def add(self, ids: pd.Series, usable: np.ndarray, arm_ids: np.ndarray, first_row: int) -> None:
        """Keep the ids of the usable rows of one chunk (empty cells are nobody, and are left out)."""
        where = np.flatnonzero(usable & ids.notna().to_numpy())
        if len(where) == 0:
            return
        values = ids.iloc[where].reset_index(drop=True)
        if isinstance(values.dtype, pd.StringDtype) or values.dtype.kind in "iu":
            pass
        elif values.dtype.kind == "f" and bool((values % 1 == 0).all()):
            values = values.astype(np.int64)  # 1234.0 from a column with blanks is id 1234
        else:
            values = values.map(cell_text).astype(str)  # workbook cells: numbers and text alike
        self._ids.append(values)
        self._rows.append((where + first_row).astype(np.int64))
        self._arms.append(arm_ids[where].astype(np.int16))

    def note(self, arm_names: list[str | None]) -> str | None:
        """One sentence on the ids seen on several rows (and in several arms), or None when none are."""
        if not self._ids:
            return None
        if len({s.dtype.kind in "iu" for s in self._ids}) > 1:  # numbers in some chunks, text in others
            self._ids = [s.astype(str) for s in self._ids]
        codes, uniques = pd.factorize(pd.concat(self._ids, ignore_index=True))
        counts = np.bincount(codes)
        repeated = counts > 1
        for u in np.flatnonzero(repeated):  # "null", "n/a", "-": no id, however often
            if is_blank(uniques[u]):
                repeated[u] = False
        if not repeated.any():
            return None
        rows = np.concatenate(self._rows)
        seen = pd.Series(codes).duplicated().to_numpy() & repeated[codes]
        second = int(np.argmax(seen))
        first = int(np.argmax(codes == codes[second]))
        names = {name: i for i, name in enumerate(dict.fromkeys(arm_names))}
        arm_code = np.array([names[name] for name in arm_names] or [0], dtype=np.int64)
        pairs = np.unique(codes.astype(np.int64) * max(len(names), 1) + arm_code[np.concatenate(self._arms)])
        arms_per_id = np.bincount(pairs // max(len(names), 1), minlength=len(counts))
        return row_messages.note_repeated_ids(
            self.column,
            int(repeated.sum()),
            int(counts[repeated].sum()),
            cell_text(uniques[codes[second]]),
            (int(rows[first]), int(rows[second])),
            int((repeated & (arms_per_id > 1)).sum()),
        )
