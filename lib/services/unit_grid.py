"""Typing one period of a unit pilot by hand: a row per store, with its market and its value from before.

A pilot that splits stores between the arms is judged per store, adjusted for what was known before
(:mod:`lib.decide.units`); the day × arm grid cannot say which store a figure came from. This grid
has a row per store: its arm, the period's figures (named as the metric's counts), and the two
optional mappings the importer takes, the store's **stratum** (market, region) and its **value
before the pilot** (last month's sales).

A save is read exactly as an imported file is: the typed rows become a small table run through the
importer with a unit, strata and before mapping, so every check is the import's (a store in both
arms, a market with stores in one arm only, a before-value missing or differing for a store), and
the period is stored as one batch: both the stores' values and the arms' day totals, all or
nothing, undone as a whole from the list of imports, history kept. Cells are read with the
importer's number reader, every bad one named at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from lib import formatting as fmt
from lib.importer import ImportMapping, MetricMapping, file_checksum
from lib.infra.inputs import FieldError, InvalidInput
from lib.services import access, import_batches, unit_results
from lib.services.entry_saves import sheet_for
from lib.services.grid_cells import NotANumber, cell_text, read_cell
from lib.services.grid_sheets import Sheet
from lib.services.pilots import get_pilot
from lib.vocabulary import metric_label

ARM, DAY = "Arm", "Day"
OK = "_readable"  # a typed row whose own cells all read: the import's checks run on these
#: the names the stratum and before columns get when no import named them
STRATUM_DEFAULT, BEFORE_DEFAULT = "Market", "Before the pilot"


def singular(units: str) -> str:
    """ "stores" → "Store", "cities" → "City", "branches" → "Branch": the grid's unit column."""
    word = units.strip() or "unit"
    low = word.casefold()
    if low.endswith("ies") and len(low) > 4:
        word = word[:-3] + "y"
    elif low.endswith(("ches", "shes", "sses", "xes")):
        word = word[:-2]
    elif low.endswith("s") and not low.endswith("ss"):
        word = word[:-1]
    return word[:1].upper() + word[1:]


@dataclass(frozen=True)
class UnitGrid:
    """What the per-unit grid shows: its columns and a row per store known so far (figures blank)."""

    unit: str  # "Store"
    stratum: str  # the stratum column's name ("MarketID" as an import named it, else "Market")
    before: str  # the before column's name
    labels: list[str]  # the figure columns, named as the metric's counts ("Sent", "Replies")
    rows: list[dict]

    @property
    def columns(self) -> list[str]:
        return [self.unit, ARM, *self.labels, self.stratum, self.before]


def unit_grid_for(session: Session, pilot_id: int, metric: str | Sequence[str]) -> UnitGrid:
    """A row per store the pilot has logged (its arm, stratum and before-value as last known), figures blank."""
    pilot = get_pilot(session, pilot_id)
    sh = sheet_for(session, pilot_id, metric)
    known = unit_results.unit_observations(session, [pilot_id]).get(pilot_id, [])
    stratum_name = next((r.stratum_name for r in reversed(known) if r.stratum_name), None) or STRATUM_DEFAULT
    before_name = next((r.before_name for r in reversed(known) if r.before_name), None) or BEFORE_DEFAULT
    unit = singular(pilot.unit or "unit")
    labels = figure_labels(sh)
    if unit in (ARM, *labels, stratum_name, before_name):
        unit = f"{unit} id"
    last: dict[str, dict] = {}
    for r in known:  # the latest known arm, stratum and before-value win
        row = last.setdefault(r.unit, {unit: r.unit, ARM: r.arm, stratum_name: "", before_name: ""})
        row[ARM] = r.arm
        if r.stratum is not None:
            row[stratum_name] = r.stratum
        if r.before is not None:
            row[before_name] = cell_text(r.before)
    rows = [
        {
            unit: v[unit],
            ARM: v[ARM],
            **dict.fromkeys(labels, ""),
            stratum_name: v[stratum_name],
            before_name: v[before_name],
        }
        for v in sorted(last.values(), key=lambda v: (v[ARM], v[unit]))
    ]
    return UnitGrid(unit, stratum_name, before_name, labels, rows)


def figure_labels(sh: Sheet) -> list[str]:
    """The figure columns: a rate's two counts ("Sent", "Replies"); an average or a count is one figure per
    store and period, named as the metric ("Weekly sales"), as a store file has it (one row per store and week)."""
    if sh.kinds[sh.metrics[0]] == "proportion":
        return sh.labels
    metric = sh.metrics[0]
    named = sh.names[metric][1]
    return [named if named not in ("Average", "Value") else metric_label(metric)]


@dataclass(frozen=True)
class UnitGridSaved:
    stores: int
    values: int
    batch_id: int
    unit: str

    @property
    def message(self) -> str:
        return (
            f"Saved {fmt.number(self.stores)} {self.unit.lower()} value(s) as batch #{self.batch_id} "
            f"({fmt.number(self.values)} arm × day value(s)); undo it from the list of imports below."
        )


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _read(grid: UnitGrid, typed: Sequence[Mapping]) -> tuple[list[dict], list[FieldError]]:
    """The rows with any figure typed, their numbers read as an import reads them; every bad cell named."""
    rows, problems = [], []
    for i, row in enumerate(typed, start=1):
        figures = {label: _text(row.get(label)) for label in grid.labels}
        unit = _text(row.get(grid.unit))
        if not any(figures.values()):
            continue  # a store with nothing typed is not logged this period
        where = f"{grid.unit} {fmt.quoted(unit)}" if unit else f"row {i}"
        if not unit:
            problems.append(
                FieldError(where, f"figures are typed but {grid.unit} is empty: name the {grid.unit.lower()}.")
            )
        out = {grid.unit: unit, ARM: _text(row.get(ARM)), grid.stratum: _text(row.get(grid.stratum)), OK: bool(unit)}
        for label in [*grid.labels, grid.before]:
            try:
                number = read_cell(_text(row.get(label)))
            except NotANumber as exc:
                problems.append(FieldError(f"{where} · {label}", str(exc)))
                out[OK] = False
                continue
            if number is None and label in grid.labels:
                problems.append(FieldError(f"{where} · {label}", "is empty: fill it in, or clear the row's figures."))
                out[OK] = False
            out[label] = number
        out.setdefault(grid.before, None)
        rows.append(out)
    return rows, problems


def _table(grid: UnitGrid, sh: Sheet, day: date, rows: Sequence[dict]) -> tuple[bytes, ImportMapping]:
    """The typed rows as the small file an import would read, with the mapping that reads it: a rate's counts
    per store and period (aggregated), or one figure per store and period (a row per store, as events)."""
    strata = any(r[grid.stratum] for r in rows)
    before = any(r.get(grid.before) is not None for r in rows)
    if sh.kinds[sh.metrics[0]] == "proportion":
        layout = "aggregated"
        metrics = []
        for m in sh.metrics:
            fields = {f.name: f.label for f in sh.fields(m)}
            metrics.append(
                MetricMapping(
                    m, "proportion", conversions_column=fields["conversions"], exposures_column=fields["exposures"]
                )
            )
    else:
        layout = "events"  # one figure per store and period: n is one, its square kept, as a store file gives it
        metrics = [MetricMapping(sh.metrics[0], sh.kinds[sh.metrics[0]], column=grid.labels[0])]  # type: ignore[arg-type]
    header = [
        grid.unit,
        ARM,
        DAY,
        *grid.labels,
        *([grid.stratum] if strata else []),
        *([grid.before] if before else []),
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for r in rows:
        cells = {**r, DAY: day.isoformat()}
        writer.writerow([_csv_cell(cells.get(h)) for h in header])
    mapping = ImportMapping(
        layout=layout,  # type: ignore[arg-type]
        arm_column=ARM,
        date_column=DAY,
        metrics=metrics,
        unit_column=grid.unit,
        strata_column=grid.stratum if strata else None,
        before_column=grid.before if before else None,
    )
    return out.getvalue().encode(), mapping


def _csv_cell(value: object) -> str:
    if isinstance(value, float):
        return repr(value)
    return "" if value is None else str(value)


def save_unit_grid(
    session: Session, pilot_id: int, metric: str | Sequence[str], day: date, typed: Sequence[Mapping], actor: str
) -> UnitGridSaved:
    """One period's stores, stored as an import of the typed rows (unit, strata and before mapped); all or nothing."""
    access.require_editor(actor, "save results")
    pilot = get_pilot(session, pilot_id)
    sh = sheet_for(session, pilot_id, metric)
    grid = unit_grid_for(session, pilot_id, metric)
    rows, problems = _read(grid, typed)
    arms = pilot.arm_list
    known = {r[grid.unit]: r[ARM] for r in grid.rows}
    for r in rows:
        where = f"{grid.unit} {fmt.quoted(r[grid.unit])} · {ARM}"
        if r[ARM] not in arms:
            problems.append(FieldError(where, f"{fmt.quoted(r[ARM])} is not an arm of this pilot ({', '.join(arms)})."))
        elif known.get(r[grid.unit], r[ARM]) != r[ARM]:
            problems.append(
                FieldError(
                    where,
                    f"it is in {fmt.quoted(known[r[grid.unit]])} already: a {grid.unit.lower()} belongs to one arm.",
                )
            )
    if not rows and not problems:
        raise InvalidInput.one(
            "grid", f"nothing typed: fill in the period's figures for each {grid.unit.lower()} first."
        )
    usable = [r for r in rows if r[OK] and r[ARM] in arms and known.get(r[grid.unit], r[ARM]) == r[ARM]]
    preview, data = None, b""
    if usable:  # the import's own checks too (strata in one arm, before-values), so every problem shows at once
        data, mapping = _table(grid, sh, day, usable)
        mapping.arm_aliases = {a: a for a in arms}
        name = f"typed in the grid for {fmt.fmt_date(day)}"
        preview = import_batches.preview_for_pilot(session, pilot_id, io.BytesIO(data), mapping, name=name)
        problems += [FieldError(_where(p.row, usable, grid), p.message) for p in preview.problems]
    if problems:
        raise InvalidInput(problems)
    assert preview is not None
    kept = import_batches.remembered_mapping(session, pilot_id)  # the grid's is no file's mapping: keep the file's
    done = import_batches.commit_import(
        session, pilot_id, preview, checksum=file_checksum(data), actor=actor, source="manual"
    )
    if kept is not None:
        import_batches.remember_mapping(session, pilot_id, kept)
    return UnitGridSaved(len(rows), done.entries, done.batch.id or 0, grid.unit)


def _where(row: int | None, rows: Sequence[dict], grid: UnitGrid) -> str:
    """A problem's row in the table as the store it is (the table's row 2 is the first store typed)."""
    if row is not None and 2 <= row < len(rows) + 2:
        return f"{grid.unit} {fmt.quoted(rows[row - 2][grid.unit])}"
    return "grid"
