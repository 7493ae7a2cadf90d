"""Files whose rows belong to units (stores, markets) split between the arms: one value per unit and day.

When the mapping names a **unit column** (``LocationID``), every usable row is
also kept with its unit, so that a store's four weekly rows become one store
in the verdict, not four. Two optional columns say what was known before the
pilot: a **strata column** (``MarketID``) and a **before column** (last
month's sales). Checked once the file is read, each naming rows:

- a unit in two arms (a store belongs to one arm);
- a stratum whose units are all in one arm (nothing to compare within it);
- a before-value missing (or differing) for some units, a stratum differing
  within a unit.

A file with repeated ids but no unit column named gets a note naming the
column that looks like one (:func:`unit_like_column`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from lib.formatting import quoted
from lib.specs import UnitObservation

from .plan import ColumnPlan
from .report import Problem, ProblemLog
from .values import BLANK, cell_text, parse_numbers

#: how many rows a message names
ROWS_SHOWN = 3
_UNIT_NOUNS: tuple[str, ...] = (
    "store",
    "shop",
    "location",
    "branch",
    "outlet",
    "market",
    "region",
    "city",
    "site",
    "unit",
)
_UNIT_NOUNS += ("dma", "territory", "area", "restaurant", "dealer", "pharmacy", "clinic", "school")
UNIT_WORDS = (
    frozenset(_UNIT_NOUNS) | {w + "s" for w in _UNIT_NOUNS} | {"branches", "cities", "territories", "pharmacies"}
)
_ID_WORDS = frozenset({"id", "no", "nr", "number", "code", "key", "name"})


@dataclass
class UnitRows:
    """Every usable row's unit, arm and day ids, metric figures, stratum and before-value, chunk by chunk."""

    unit_pos: int
    strata_pos: int | None
    before_pos: int | None
    decimal: str
    _frames: list[pd.DataFrame] = field(default_factory=list)

    def add(
        self,
        frame: pd.DataFrame,
        first_row: int,
        ok: np.ndarray,
        arm_ids: np.ndarray,
        day_ids: np.ndarray,
        plan: ColumnPlan,
        values: dict[int, np.ndarray],
    ) -> None:
        index = np.flatnonzero(ok)
        if len(index) == 0:
            return
        units = frame[self.unit_pos].iloc[index].map(cell_text, na_action="ignore")
        part = pd.DataFrame(
            {
                "row": index + first_row,
                "unit": units.fillna("").astype(str).str.strip().to_numpy(),
                "arm": arm_ids[index],
                "day": day_ids[index],
            }
        )
        for m, source in enumerate(plan.sources):
            part[f"n{m}"] = 1.0 if source.n == "rows" else values[source.n][index] if isinstance(source.n, int) else 1.0
            part[f"t{m}"] = values[source.total][index] if isinstance(source.total, int) else 0.0
        if self.strata_pos is not None:
            strata = frame[self.strata_pos].iloc[index].map(cell_text, na_action="ignore")
            part["stratum"] = strata.where(strata.notna(), None).to_numpy(dtype=object)
        if self.before_pos is not None:
            parsed = parse_numbers(frame[self.before_pos].iloc[index].reset_index(drop=True), self.decimal)
            part["before"] = np.where(parsed.status == 0, parsed.values, np.nan)
            part["before_bad"] = parsed.status > BLANK
        self._frames.append(part)

    def resolve(
        self,
        plan: ColumnPlan,
        arm_names: Sequence[str | None],
        days: Sequence[date | None],
        log: ProblemLog,
    ) -> tuple[list[UnitObservation], dict[str, int]]:
        """Unit x day x metric values, and units per arm; problems logged on their rows."""
        if not self._frames:
            return [], {}
        rows = pd.concat(self._frames, ignore_index=True)
        names = np.array(list(arm_names) + [None], dtype=object)
        day_names = np.array(list(days) + [None], dtype=object)
        rows["arm"] = names[np.where(rows["arm"] >= 0, rows["arm"], len(arm_names))]
        rows["day"] = day_names[np.where(rows["day"] >= 0, rows["day"], len(days))]
        rows = rows[rows["arm"].notna() & rows["day"].notna()]
        unit_column = plan.names[self.unit_pos]
        blank = rows["unit"] == ""
        if blank.any():
            _log(log, "unit_blank", unit_column, rows.loc[blank, "row"], f"no {unit_column}: every row needs its unit.")
            rows = rows[~blank]
        problems = _both_arms(rows, unit_column, log)
        if self.strata_pos is not None:
            problems |= _strata(rows, unit_column, plan.names[self.strata_pos], log)
        if self.before_pos is not None:
            problems |= _before(rows, unit_column, plan.names[self.before_pos], log)
        counts = {str(arm): int(n) for arm, n in rows.groupby("arm", sort=False)["unit"].nunique().items()}
        if problems or rows.empty:
            return [], counts
        return self._observations(plan, rows), counts

    def _observations(self, plan: ColumnPlan, rows: pd.DataFrame) -> list[UnitObservation]:
        stratum_name = plan.names[self.strata_pos] if self.strata_pos is not None else None
        before_name = plan.names[self.before_pos] if self.before_pos is not None else None
        known = rows.groupby("unit", sort=False).agg(
            arm=("arm", "first"),
            **({"stratum": ("stratum", "first")} if self.strata_pos is not None else {}),
            **({"before": ("before", "first")} if self.before_pos is not None else {}),
        )
        # what is known of each unit, read once per unit as plain values (not a row lookup per unit and day)
        arms = {unit: str(arm) for unit, arm in zip(known.index, known["arm"], strict=True)}
        strata = (
            {unit: str(s) for unit, s in zip(known.index, known["stratum"], strict=True)}
            if self.strata_pos is not None
            else {}
        )
        befores = (
            {unit: None if pd.isna(b) else float(b) for unit, b in zip(known.index, known["before"], strict=True)}
            if self.before_pos is not None
            else {}
        )
        out: list[UnitObservation] = []
        for m, metric in enumerate(plan.metrics):
            sums = rows.groupby(["unit", "day"], sort=False)[[f"n{m}", f"t{m}"]].sum()
            for (unit, day), n, total in zip(
                sums.index, sums[f"n{m}"].to_numpy(dtype=float), sums[f"t{m}"].to_numpy(dtype=float), strict=True
            ):
                out.append(
                    UnitObservation(
                        day=day,
                        arm=arms[unit],
                        metric=metric.name,
                        unit=str(unit),
                        n=float(n),
                        total=float(total),
                        stratum=strata.get(unit),
                        before=befores.get(unit),
                        stratum_name=stratum_name,
                        before_name=before_name,
                    )
                )
        return out


def _log(log: ProblemLog, code: str, column: str | None, rows: pd.Series | np.ndarray, message: str) -> None:
    ordered = np.sort(np.asarray(rows, dtype=np.int64))
    log.add_rows(code, column, ordered[:1], lambda _: message, total=1)


def _rows_text(rows: pd.Series) -> str:
    shown = sorted(int(r) for r in rows)[:ROWS_SHOWN]
    more = len(rows) - len(shown)
    text = ", ".join(str(r) for r in shown)
    return f"rows {text}" + (f" and {more:,} more" if more > 0 else "") if len(rows) > 1 else f"row {text}"


def _both_arms(rows: pd.DataFrame, unit_column: str, log: ProblemLog) -> bool:
    arms_per_unit = rows.groupby("unit", sort=False)["arm"].nunique()
    both = arms_per_unit[arms_per_unit > 1].index
    for unit in both[:20]:
        mine = rows[rows["unit"] == unit]
        per_arm = mine.groupby("arm", sort=False)["row"].min()
        where = ", ".join(f"{quoted(arm)} on row {row}" for arm, row in per_arm.items())
        message = (
            f"{unit_column} {quoted(unit)} is in more than one arm ({where}): a unit belongs to one arm; "
            "fix the arm on its rows or leave the unit column out."
        )
        _log(log, "unit_in_two_arms", unit_column, mine["row"], message)
    return len(both) > 0


def _strata(rows: pd.DataFrame, unit_column: str, strata_column: str, log: ProblemLog) -> bool:
    found = False
    per_unit = rows.groupby("unit", sort=False)["stratum"].nunique(dropna=False)
    for unit in per_unit[per_unit > 1].index[:20]:
        mine = rows[rows["unit"] == unit]
        values = ", ".join(quoted(v) for v in dict.fromkeys(mine["stratum"]))
        message = (
            f"{unit_column} {quoted(unit)} has more than one {strata_column} ({values}, {_rows_text(mine['row'])})."
        )
        _log(log, "stratum_differs", strata_column, mine["row"], message)
        found = True
    missing = rows["stratum"].isna()
    if missing.any():
        units = rows.loc[missing, "unit"].unique()
        message = (
            f"{strata_column} is empty for {len(units):,} {unit_column} value(s) "
            f"(e.g. {quoted(units[0])}, {_rows_text(rows.loc[missing, 'row'])}): every unit needs its stratum."
        )
        _log(log, "stratum_missing", strata_column, rows.loc[missing, "row"], message)
        found = True
    arms = rows["arm"].unique()
    if len(arms) < 2:
        return found
    per_stratum = rows.groupby("stratum", sort=False)["arm"].unique()
    for stratum, in_arms in per_stratum.items():
        if len(in_arms) == len(arms):
            continue
        mine = rows[rows["stratum"] == stratum]
        have = " and ".join(quoted(a) for a in in_arms)
        lacks = " and ".join(quoted(a) for a in arms if a not in in_arms)
        message = (
            f"{strata_column} {quoted(stratum)} has units in {have} only, none in {lacks} "
            f"({_rows_text(mine['row'])}): adjusting compares arms within each stratum. "
            "Merge it with a similar one or leave the strata column out."
        )
        _log(log, "stratum_one_arm", strata_column, mine["row"], message)
        found = True
    return found


def _before(rows: pd.DataFrame, unit_column: str, before_column: str, log: ProblemLog) -> bool:
    found = False
    bad = rows["before_bad"].to_numpy(dtype=bool)
    if bad.any():
        message = f"{before_column} is not a number ({_rows_text(rows.loc[bad, 'row'])})."
        _log(log, "not_a_number", before_column, rows.loc[bad, "row"], message)
        found = True
    per_unit = rows.groupby("unit", sort=False)["before"]
    known = per_unit.count()
    missing = known[known == 0].index
    if len(missing):
        where = rows[rows["unit"].isin(missing)]
        message = (
            f"{before_column} is missing for {len(missing):,} of {len(known):,} {unit_column} values "
            f"(e.g. {quoted(missing[0])}, {_rows_text(where['row'])}): every unit needs its value from before "
            "the pilot, or leave the before column out."
        )
        _log(log, "before_missing", before_column, where["row"], message)
        found = True
    spread = per_unit.nunique()
    for unit in spread[spread > 1].index[:20]:
        mine = rows[rows["unit"] == unit]
        values = ", ".join(f"{v:,.6g}" for v in dict.fromkeys(mine["before"].dropna()))
        message = (
            f"{unit_column} {quoted(unit)} has more than one {before_column} ({values}, {_rows_text(mine['row'])}): "
            "a unit has one value from before the pilot."
        )
        _log(log, "before_differs", before_column, mine["row"], message)
        found = True
    return found


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.casefold()) if w]


def unit_like_column(columns: Sequence[str], rows: Sequence[Sequence[object]], used: set[str]) -> str | None:
    """The column that looks like a unit id whose values repeat over rows (``LocationID``, ``store``), if any.

    Among columns named with a unit word (store, location, market…) and not
    mapped already, the one with the most distinct values that still repeats:
    ``LocationID`` (137 stores, four rows each) before ``MarketID`` (10 markets).
    """
    best: tuple[int, str] | None = None
    for i, name in enumerate(columns):
        if name in used:
            continue
        words = _words(name)
        if not words or not any(w in UNIT_WORDS for w in words) or not all(w in UNIT_WORDS | _ID_WORDS for w in words):
            continue
        values = [cell_text(r[i]) for r in rows if i < len(r) and r[i] is not None and cell_text(r[i]).strip()]
        distinct = len(set(values))
        if distinct < 2 or distinct == len(values):
            continue
        if best is None or distinct > best[0]:
            best = (distinct, name)
    return best[1] if best else None


def unit_counts_note(counts: dict[str, int], unit_column: str, adjusted: Sequence[str]) -> str:
    """What the verdict will count: units per arm, and what it will adjust for."""
    parts = [f"{n:,} in {quoted(arm)}" for arm, n in counts.items()]
    per_arm = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    text = f"Units by {unit_column}: {per_arm}; the verdict counts these, each one value, not the file's rows."
    if adjusted:
        text += f" It will be adjusted for {' and '.join(adjusted)}."
    return text


def note_unit_like(column: str) -> str:
    return (
        f"{column} repeats the same values on several rows: if the arms split these "
        f"(stores, markets), name it as the unit column (--unit-column {column}); "
        "otherwise every row counts as an independent unit."
    )


def as_problem(message: str, column: str | None = None) -> Problem:
    return Problem(None, column, message, "unit_mapping")
