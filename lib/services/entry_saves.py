"""The Log results page's saves by hand — the grid and the one-day form — checked against what the page showed.

The grid compares each edited row's shown values (``original``) with what is
current: rows nobody else touched save as before, so one stale row does not
block the others; a stale row is refused and named (:class:`GridSaved.refused`),
and when every edited row is stale nothing is written and :class:`StaleWrite`
says why. The one-day form logs new values only: a value a colleague logged
for the same day after the form was opened is refused the same way, naming
who logged it. Either can save over a colleague's value on purpose
(``over``): a correction of it, with the reason, so history shows both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session, col, select

from lib.infra.inputs import FieldError, InvalidInput, ResultIn, validated
from lib.infra.models import AuditEvent, ImportBatch, ResultEntry
from lib.services import access, grid_sheets, results
from lib.services.conflicts import Clash, Overwrite, StaleWrite, day_month, same
from lib.services.grid_cells import read_grid
from lib.services.grid_sheets import Disagreement, Sheet
from lib.services.manual_entry import FIELDS, EntryField, GridEdit, _clean, from_entry, to_row
from lib.services.pilots import get_pilot, metric_kinds
from lib.specs import Observation
from lib.vocabulary import metric_label

Row = dict
RowKey = tuple[date, str]  # a grid row: day and arm (the grid shows one sheet: a metric, or rates sharing a count)
DayKey = tuple[date, str, str]  # a one-day form value: day, arm, metric
Fields = tuple[EntryField, ...]


@dataclass(frozen=True)
class Grid:
    """One sheet's day × arm rows as the grid shows them (None where nothing is logged).

    ``disagree`` lists rows whose metrics logged different figures for the sheet's shared column:
    such a sheet cannot show them as one, so the page offers each metric on its own instead.
    """

    kind: str
    rows: list[dict]
    sheet: Sheet | None = None
    disagree: tuple[Disagreement, ...] = ()

    @property
    def labels(self) -> list[str]:
        return self.sheet.labels if self.sheet else [f.label for f in FIELDS[self.kind]]

    @property
    def fields(self) -> dict[str, EntryField]:
        """Each column's field (help, whole or not), by label."""
        if self.sheet is None:
            return {f.label: f for f in FIELDS[self.kind]}
        return {f.label: f for m in self.sheet.metrics for f in self.sheet.fields(m)}


@dataclass(frozen=True)
class GridSaved:
    """What a grid's save stored, and the rows it refused because a colleague changed them after the grid opened."""

    added: int
    corrected: int
    deleted: int
    refused: tuple[Clash, ...] = ()
    already: int = 0  # rows a colleague had already set to what the person typed: nothing to write

    @property
    def message(self) -> str:
        text = f"Saved: {self.added} added, {self.corrected} corrected, {self.deleted} cleared."
        if self.already:
            text += f" {self.already} row(s) already held what you typed."
        if self.refused:
            text += f" {len(self.refused)} row(s) refused: a colleague changed them after you opened the grid."
        return text + " Earlier values are kept in history."


def _metrics(metric: str | Sequence[str]) -> tuple[str, ...]:
    return (metric,) if isinstance(metric, str) else tuple(metric)


def sheet_for(session: Session, pilot_id: int, metric: str | Sequence[str]) -> Sheet:
    """The sheet of one metric, or of rates that share their count (``("reply_rate", "unsubscribe_rate")``)."""
    kinds = metric_kinds(session, pilot_id)
    metrics = _metrics(metric)
    unknown = [m for m in metrics if m not in kinds]
    if unknown:
        raise InvalidInput.one("metric", f"'{unknown[0]}' is not a metric of this pilot ({', '.join(kinds)}).")
    names = grid_sheets.names_for(session, pilot_id)
    if len(metrics) > 1 and (
        any(kinds[m] != "proportion" for m in metrics) or len({names[m][0].casefold() for m in metrics}) > 1
    ):
        raise InvalidInput.one("metric", "only rates counted over the same thing share one grid.")
    return grid_sheets.sheet(metrics, kinds, names)


def grid_for(session: Session, pilot_id: int, metric: str | Sequence[str], days: Sequence[date]) -> Grid:
    pilot = get_pilot(session, pilot_id)
    sh = sheet_for(session, pilot_id, metric)
    rows, disagree = grid_sheets.sheet_rows(sh, pilot.arm_list, list(days), _by_key(session, pilot_id, sh.metrics))
    return Grid(sh.kinds[sh.metrics[0]], rows, sh, tuple(disagree))


def _by_key(session: Session, pilot_id: int, metrics: Sequence[str]) -> dict[DayKey, ResultEntry]:
    return {(e.day, e.arm, e.metric): e for e in results.current_entries(session, pilot_id) if e.metric in metrics}


def _values(fields: Fields, row: Row | None) -> dict[str, float | None]:
    """A grid row's figures in people's terms ({"exposures": 39, ...}), None where empty."""
    return {f.name: _clean(row.get(f.label)) if row else None for f in fields}


def _now(kind: str, entry: ResultEntry | None) -> dict[str, float | None]:
    values = from_entry(kind, entry) if entry else {}
    return {f.name: _clean(values.get(f.name)) for f in FIELDS[kind]}


def _alike(a: dict, b: dict) -> bool:
    return all(same(a[k], b[k]) for k in a)


def _number(value: float | None) -> str:
    if value is None:
        return "empty"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def _figures(fields: Fields, values: dict[str, float | None], names: Sequence[str] | None = None) -> str:
    """ "39" for one field, "39 sent and 3 replies" for several, in the grid's own words."""
    chosen = [f for f in fields if names is None or f.name in names]
    if len(chosen) == 1:
        return _number(values[chosen[0].name])
    return " and ".join(f"{_number(values[f.name])} {f.label.lower()}" for f in chosen)


def _labels(fields: Fields, names: Sequence[str]) -> str:
    return " and ".join(f.label.lower() for f in fields if f.name in names)


def _count_problems(kind: str, fields: Fields, values: Mapping[str, float | None]) -> list[str]:
    """A row's figures against the rules for its kind, in the grid's own words ("Replies (120) cannot exceed Sent (100)")."""
    label = {f.name: f.label for f in fields}
    negative = [
        label[k] for k, v in values.items() if v is not None and v < 0 and not (kind == "mean" and k == "average")
    ]
    if negative:
        return [f"{' and '.join(negative)} must not be negative."]
    if kind == "proportion":
        n, k = values.get("exposures"), values.get("conversions")
        if n is not None and k is not None:
            if k > n:
                return [f"{label['conversions']} ({_number(k)}) cannot exceed {label['exposures']} ({_number(n)})."]
            if n != int(n) or k != int(k):
                return [f"{label['exposures']} and {label['conversions']} must be whole numbers."]
    return []


def _who_cleared(session: Session, pilot_id: int, metric: str, key: RowKey) -> tuple[str, datetime | None]:
    """Who retired the value a page showed for ``key`` (cleared by hand, or an import undone), and when."""
    day, arm = key
    gone = session.exec(
        select(ResultEntry)
        .where(
            ResultEntry.pilot_id == pilot_id,
            ResultEntry.metric == metric,
            ResultEntry.arm == arm,
            ResultEntry.day == day,
            col(ResultEntry.superseded_at).is_not(None),
        )
        .order_by(col(ResultEntry.superseded_at).desc(), col(ResultEntry.id).desc())
    ).first()
    if gone is None:
        return "someone", None
    event = session.exec(
        select(AuditEvent).where(AuditEvent.entity == "result", AuditEvent.entity_id == gone.id)
    ).first()
    if event is not None:
        return event.actor, event.at
    batch = session.get(ImportBatch, gone.batch_id) if gone.batch_id else None
    return (batch.undone_by or "someone") if batch else "someone", gone.superseded_at


def _yours(kind: str, fields: Fields, shown: dict, mine: dict, theirs_fields: list[str] | None) -> str:
    """What the person typed, in the terms of the colleague's change: "you typed 132"."""
    if all(v is None for v in mine.values()):
        return "you cleared it"
    if theirs_fields is None:
        return f"you typed {_figures(fields, mine)}"
    typed = [k for k in mine if not same(mine[k], shown[k])]
    text = f"you typed {_figures(fields, mine, typed)}"
    if set(typed) != set(theirs_fields) and len(typed) == 1 and kind != "count":
        text += f" for {_labels(fields, typed)}"
    return text


@dataclass(frozen=True)
class _Part:
    """One metric's part of a grid row: its fields (labelled as the grid's columns), shown, typed, now."""

    metric: str
    kind: str
    fields: Fields
    shown: dict
    mine: dict
    entry: ResultEntry | None


def _stale_row(session: Session, pilot_id: int, key: RowKey, part: _Part, rows: tuple[Row, Row, Row]) -> Clash:
    """The refusal of one grid row a colleague changed after the grid opened: theirs beside yours."""
    day, arm = key
    kind, fields, shown, mine, entry = part.kind, part.fields, part.shown, part.mine, part.entry
    now = _now(kind, entry)
    where = f"{day_month(day)} · {arm}"
    theirs_fields = [k for k in now if not same(now[k], shown[k])]
    if entry is None:
        who, at = _who_cleared(session, pilot_id, part.metric, key)
        base = dict(did="cleared", what=where, theirs="")
    else:
        who, at = entry.created_by or "someone", entry.created_at
        if all(v is None for v in shown.values()):
            base = dict(did="logged", what=where, theirs=f" as {_figures(fields, now)}")
        else:
            what = f"{_labels(fields, theirs_fields)} for {where}"
            base = dict(did="changed", what=what, theirs=f" to {_figures(fields, now, theirs_fields)}")
    yours = _yours(kind, fields, shown, mine, theirs_fields if base["did"] == "changed" else None)
    shown_row, current_row, mine_row = rows
    return Clash(
        key=key,
        who=who,
        at=at,
        yours=yours,
        opened="this grid",
        shown=shown_row,
        current=current_row,
        mine=mine_row,
        **base,
    )


def clash_rows(clashes: Sequence[Clash]) -> tuple[list[Row], list[Row]]:
    """The refused grid rows (as shown, as typed), each once: two metrics of one row can both clash."""
    seen: dict = {}
    for c in clashes:
        seen.setdefault(c.key, c)
    return [c.shown for c in seen.values()], [c.mine for c in seen.values()]


def _lone_shared(sh: Sheet, before: Row, after: Row) -> str | None:
    """A shared count typed with none of the counts it is shared by: it would be saved for nothing."""
    if (
        not sh.shared
        or _clean(after.get(sh.shared)) is None
        or same(_clean(after.get(sh.shared)), _clean(before.get(sh.shared)))
    ):
        return None
    own = [label for label in sh.labels if label != sh.shared]
    if any(_clean(after.get(label)) is not None for label in own):
        return None
    return f"{sh.shared} is typed but {' and '.join(own)} are empty: fill in at least one, or clear {sh.shared}."


def save_grid(
    session: Session,
    pilot_id: int,
    metric: str | Sequence[str],
    original: Sequence[dict],
    edited: Sequence[dict],
    actor: str,
    reason: str = "",
    today: date | None = None,
    *,
    over: Overwrite | None = None,
) -> GridSaved:
    """The grid's Save: the rows whose values changed, each checked against what is current.

    ``metric`` is the sheet: one metric, or rates sharing one count (a "Sent" column feeding reply
    rate and unsubscribe rate). ``original`` is what the grid showed when it was opened, ``edited``
    what it holds now, both keyed by the sheet's column labels. A row the person changed whose shown
    values are still current is saved; a cell that is not a number refuses the whole save, every such
    cell named; one a colleague changed since is refused (in ``GridSaved.refused``), or, when every
    changed row is, nothing is written and :class:`StaleWrite` names each. ``over`` saves over the
    clashes the person was shown, on purpose.
    """
    access.require_editor(actor, "save results")
    sh = sheet_for(session, pilot_id, metric)
    checked = read_grid(sh.labels, original, edited)  # text cells: a typo is named, never read as a number
    if not checked.ok:
        raise InvalidInput([FieldError(p.where, p.message) for p in checked.problems])
    edited = checked.rows
    by_key = _by_key(session, pilot_id, sh.metrics)
    basis = list(original)
    if over is not None:
        moved = {c.key: c.current for c in over.clashes}
        basis = [moved.get((r["Day"], r["Arm"]), r) for r in basis]
        reason = over.audit_reason()
    edits: list[GridEdit] = []
    problems: list[FieldError] = []
    refused: list[Clash] = []
    already = 0
    for before, after in zip(basis, edited, strict=True):
        key: RowKey = (before["Day"], before["Arm"])
        lone = _lone_shared(sh, before, after)
        if lone:
            problems.append(FieldError(f"{day_month(key[0])} · {key[1]}", lone))
            continue
        for m, (was, now_typed) in grid_sheets.metric_parts(sh, before, after).items():
            kind, fields = sh.kinds[m], sh.fields(m)
            shown, mine = _values(fields, was), _values(fields, now_typed)
            if _alike(shown, mine):
                continue
            try:
                row = to_row(kind, m, key[1], key[0], mine, fields)
            except InvalidInput as exc:
                problems.extend(exc.errors)
                continue
            bad = _count_problems(kind, fields, mine) if row else []
            if bad:
                problems.extend(FieldError(f"{day_month(key[0])} · {key[1]}", b) for b in bad)
                continue
            entry = by_key.get((key[0], key[1], m))
            now = _now(kind, entry)
            if not _alike(now, shown):  # a colleague changed this row after the grid was opened
                if _alike(now, mine):
                    already += 1
                else:
                    current = grid_sheets.sheet_rows(sh, [key[1]], [key[0]], by_key)[0][0]
                    part = _Part(m, kind, fields, shown, mine, entry)
                    refused.append(_stale_row(session, pilot_id, key, part, (before, current, after)))
                continue
            if entry is None and row is None:
                continue
            edits.append(GridEdit(day=key[0], arm=key[1], entry_id=entry.id if entry else None, row=row))
    refused = list({(c.key, c.did, c.what, c.theirs, c.yours): c for c in refused}.values())  # one sentence once
    if not edits and not problems and not refused and not already:
        raise InvalidInput.one("grid", "nothing changed: type new figures or correct a value first.")
    if problems and not edits:
        raise InvalidInput(problems)
    if refused and not edits:
        raise StaleWrite(refused)
    done = apply_grid(session, pilot_id, edits, actor, reason, today=today, half_filled=problems) if edits else {}
    return GridSaved(
        added=done.get("added", 0),
        corrected=done.get("corrected", 0),
        deleted=done.get("deleted", 0),
        refused=tuple(refused),
        already=already,
    )


def apply_grid(
    session: Session,
    pilot_id: int,
    edits: Sequence[GridEdit],
    actor: str,
    reason: str = "",
    today: date | None = None,
    half_filled: Sequence[FieldError] = (),
) -> dict[str, int]:
    """Save a grid's edits in the caller's transaction: every problem reported, nothing half-saved.

    ``edits`` are ``manual_entry.GridEdit``: a new row, a corrected one, or a cleared one.
    """
    access.require_editor(actor, "save results")
    pilot = get_pilot(session, pilot_id)
    kinds = metric_kinds(session, pilot_id)
    errors: list[FieldError] = list(half_filled)
    for e in edits:
        if e.row is None:
            continue
        if e.entry_id is None:
            _, problems = results.validate_rows(pilot, kinds, [e.row], today)
        else:
            try:
                validated(ResultIn, kind=kinds.get(e.row["metric"], "count"), **e.row)
                problems = []
            except InvalidInput as exc:
                problems = exc.errors
        errors.extend(FieldError(f"{e.day:%d %b %Y} · {e.arm}", p.message) for p in problems)
    new_rows = [e.row for e in edits if e.entry_id is None and e.row]
    if errors:
        raise InvalidInput(errors)
    counts = {"added": 0, "corrected": 0, "deleted": 0}
    if new_rows:
        counts["added"] = results.log_results(session, pilot_id, new_rows, actor, today=today)
    for e in edits:
        if e.entry_id is None:
            continue
        if e.row is None:
            results.delete_result(session, e.entry_id, actor, reason or "cleared in the grid")
            counts["deleted"] += 1
        else:
            values = {k: e.row[k] for k in ("n", "total", "total_sq", "total_cu") if k in e.row}
            results.correct_result(session, e.entry_id, actor, reason or "corrected in the grid", **values)
            counts["corrected"] += 1
    return counts


# ------------------------------------------------------------------ the one-day form


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _day_clash(kinds: dict[str, str], names: dict[str, grid_sheets.Names], row: dict, entry: ResultEntry) -> Clash:
    kind = kinds.get(row["metric"], "count")
    fields = (
        grid_sheets.entry_fields(kind, names[row["metric"]], row["metric"]) if row["metric"] in names else FIELDS[kind]
    )
    now = _now(kind, entry)
    typed = Observation(
        day=row["day"],
        arm=row["arm"],
        metric=row["metric"],
        n=row["n"],
        total=row["total"],
        total_sq=row.get("total_sq"),
    )
    values = from_entry(kind, typed)
    mine = {f.name: _clean(values.get(f.name)) for f in FIELDS[kind]}
    return Clash(
        key=(row["day"], row["arm"], row["metric"]),
        who=entry.created_by or "someone",
        at=entry.created_at,
        did="logged",
        what=f"{metric_label(row['metric'], in_sentence=True)} for {day_month(row['day'])} · {row['arm']}",
        theirs=f" as {_figures(fields, now)}",
        yours=f"you typed {_figures(fields, mine)}",
        opened="this form",
        shown=None,
        current=entry.id,
        mine=row,
    )


def _check_named(kinds: dict[str, str], names: dict[str, grid_sheets.Names], rows: Sequence[dict]) -> None:
    """The form's rows against their kind's rules, every problem named in the pilot's own words."""
    problems: list[FieldError] = []
    for row in rows:
        metric, kind = row.get("metric"), kinds.get(str(row.get("metric")))
        if kind is None or not isinstance(row.get("day"), date):
            continue  # log_results names it
        fields = grid_sheets.entry_fields(kind, names[str(metric)], str(metric))
        try:
            values = from_entry(
                kind, Observation(row["day"], row["arm"], str(metric), row["n"], row["total"], row.get("total_sq"))
            )
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        where = f"{row['day']:%d %b %Y} · {row['arm']} · {metric}"
        problems.extend(FieldError(where, p) for p in _count_problems(kind, fields, values))
    if problems:
        raise InvalidInput(problems)


def save_day(
    session: Session,
    pilot_id: int,
    rows: Sequence[dict],
    actor: str,
    *,
    opened_at: datetime | None = None,
    over: Overwrite | None = None,
    today: date | None = None,
) -> int:
    """The one-day form's Save: new values, all or nothing; how many were stored.

    A value already logged is refused as before (correct it in the grid instead); one a colleague
    logged after the form was opened (``opened_at``) is refused as :class:`StaleWrite`, naming who
    logged what. ``over`` corrects exactly the values the person was shown in that refusal.
    """
    access.require_editor(actor, "log results")
    kinds = metric_kinds(session, pilot_id)
    _check_named(kinds, grid_sheets.names_for(session, pilot_id), rows)
    keys: set[tuple] = {(r.get("day"), r.get("arm"), r.get("metric")) for r in rows}
    current: dict[tuple, ResultEntry] = {
        (e.day, e.arm, e.metric): e
        for e in results.current_entries(session, pilot_id)
        if (e.day, e.arm, e.metric) in keys
    }
    seen = {c.key: c.current for c in over.clashes} if over is not None else {}
    fresh, corrections, clashes = [], [], []
    for row in rows:
        key = (row.get("day"), row.get("arm"), row.get("metric"))
        entry = current.get(key)
        if entry is not None and key in seen and seen[key] == entry.id:
            corrections.append((entry, row))
        elif entry is not None and opened_at is not None and _aware(entry.created_at) > _aware(opened_at):
            clashes.append(_day_clash(kinds, grid_sheets.names_for(session, pilot_id), row, entry))
        else:
            fresh.append(row)  # a value logged before the form opened is refused by log_results, as before
    if clashes:
        raise StaleWrite(clashes)
    stored = results.log_results(session, pilot_id, fresh, actor, today=today) if fresh else 0
    if corrections:
        assert over is not None
        reason = over.audit_reason()
        for entry, row in corrections:
            values = {k: row[k] for k in ("n", "total", "total_sq", "total_cu") if k in row}
            results.correct_result(session, entry.id or 0, actor, reason, **values)
    return stored + len(corrections)
