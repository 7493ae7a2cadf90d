"""A market test's grid: one value per market and day, typed, corrected or cleared, with history kept.

Each saved cell supersedes the market's current value for that day (the old row
stays as history, like a corrected import) and the day x arm sums the verdict's
"logged so far" views read are brought up to date in the same transaction: the
pilot arm sums its test markets, the control arm every other market that is not
excluded. A cell someone else changed since the page showed it is refused by name;
nothing is saved then.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from lib.formatting import fmt_date, quantity
from lib.infra.inputs import FieldError, InvalidInput
from lib.infra.models import ResultEntry, UnitResult, utcnow
from lib.services import access, audit, results
from lib.services.pilots import get_pilot, metric_kinds
from lib.vocabulary import CONTROL_ARM, PILOT_ARM

#: a grid shows at most this many days (40 markets x 14 days = 560 rows)
MAX_DAYS = 14

Cell = tuple[str, date]  # (market, day)


@dataclass(frozen=True)
class MarketGrid:
    """What the grid shows: every known market (test markets first) x the days asked for, and their values."""

    markets: tuple[str, ...]
    days: tuple[date, ...]
    values: dict[Cell, float]
    test: frozenset[str]
    excluded: frozenset[str]

    def role(self, market: str) -> str:
        return "test" if market in self.test else "excluded" if market in self.excluded else "control"


def _current(session: Session, pilot_id: int, metric: str) -> dict[Cell, UnitResult]:
    stmt = select(UnitResult).where(
        UnitResult.pilot_id == pilot_id, UnitResult.metric == metric, col(UnitResult.superseded_at).is_(None)
    )
    return {(r.unit, r.day): r for r in session.exec(stmt)}


def market_grid(session: Session, pilot_id: int, metric: str, days: Sequence[date]) -> MarketGrid:
    pilot = get_pilot(session, pilot_id)
    current = _current(session, pilot_id, metric)
    test, excluded = pilot.test_market_list, pilot.excluded_market_list
    known = sorted({m for m, _ in current} | set(excluded) - set(test))
    markets = tuple(dict.fromkeys([*test, *known]))
    shown = tuple(days)
    return MarketGrid(
        markets=markets,
        days=shown,
        values={k: r.total for k, r in current.items() if k[1] in shown},
        test=frozenset(test),
        excluded=frozenset(excluded),
    )


def _checked(
    session: Session, pilot_id: int, metric: str, edits: Mapping[Cell, float | None], today: date
) -> list[FieldError]:
    pilot = get_pilot(session, pilot_id)
    kinds = metric_kinds(session, pilot_id)
    errors: list[FieldError] = []
    if pilot.design != "market":
        return [FieldError("metric", f"“{pilot.name}” is not a market test: log its days by arm.")]
    if kinds.get(metric) != "count":
        return [
            FieldError(
                "metric",
                f"the market grid logs daily counts or amounts; {metric} is a {kinds.get(metric, 'unknown')} "
                "metric: import it from a file (one row per market and day).",
            )
        ]
    _, last = results.allowed_days(pilot)
    for (market, day), value in edits.items():
        where = f"{market} · {fmt_date(day)}"
        if not market.strip():
            errors.append(FieldError("market", f"{fmt_date(day)}: every value needs its market."))
        if day > today or (last is not None and day > last):
            errors.append(FieldError("day", f"{where}: after {'today' if day > today else 'the pilot ends'}."))
        if value is not None and (not math.isfinite(value) or value < 0):
            errors.append(FieldError("value", f"{where}: {value!r} is not a count or amount (0 or more)."))
    return errors


def save_market_grid(
    session: Session,
    pilot_id: int,
    actor: str,
    metric: str,
    edits: Mapping[Cell, float | None],
    shown: Mapping[Cell, float | None],
    *,
    today: date | None = None,
) -> int:
    """Store the changed cells (None clears one); refused whole when a cell changed since it was shown."""
    access.require_editor(actor, "log results")
    today = today or date.today()
    errors = _checked(session, pilot_id, metric, edits, today)
    if errors:
        raise InvalidInput(errors)
    current = _current(session, pilot_id, metric)
    stale = [
        FieldError(
            "value",
            f"{market} · {fmt_date(day)} was changed by someone else meanwhile "
            f"(now {quantity(current[(market, day)].total) if (market, day) in current else 'empty'}); "
            "reload to see it. Nothing was saved.",
        )
        for (market, day) in edits
        if (current[(market, day)].total if (market, day) in current else None) != shown.get((market, day))
    ]
    if stale:
        raise InvalidInput(stale)
    pilot = get_pilot(session, pilot_id)
    test, excluded = set(pilot.test_market_list), set(pilot.excluded_market_list)
    now = utcnow()
    changed = {k: v for k, v in edits.items() if (current[k].total if k in current else None) != v}
    if not changed:
        return 0
    olds = [current[k].id for k in changed if k in current]
    if olds:
        session.execute(sa.update(UnitResult).where(col(UnitResult.id).in_(olds)).values(superseded_at=now))
    news = [
        dict(
            pilot_id=pilot_id,
            metric=metric,
            arm=PILOT_ARM if market in test else CONTROL_ARM,
            unit=market,
            day=day,
            n=1.0,
            total=float(value),
            source="manual",
            created_by=actor,
            created_at=now,
        )
        for (market, day), value in changed.items()
        if value is not None
    ]
    if news:
        session.execute(sa.insert(UnitResult), news)
    _resum(session, pilot_id, metric, sorted({day for _, day in changed}), excluded, actor)
    audit.record(
        session,
        entity="market_results",
        entity_id=None,
        pilot_id=pilot_id,
        action="log",
        actor=actor,
        before={f"{m} {d}": current[(m, d)].total for (m, d) in changed if (m, d) in current},
        after={f"{m} {d}": v for (m, d), v in changed.items()},
    )
    return len(changed)


def _resum(session: Session, pilot_id: int, metric: str, days: list[date], excluded: set[str], actor: str) -> None:
    """The day x arm sums of the changed days, from the markets' current values (history kept)."""
    current = _current(session, pilot_id, metric)
    sums: dict[tuple[date, str], list[float]] = {}
    for (market, day), r in current.items():
        if day in days and market not in excluded:
            s = sums.setdefault((day, r.arm), [0.0, 0.0])
            s[0] += r.n
            s[1] += r.total
    entries = session.exec(
        results.current_query(pilot_id).where(ResultEntry.metric == metric, col(ResultEntry.day).in_(days))
    )
    logged = {(e.day, e.arm): e for e in entries}
    new_rows = []
    for day in days:
        for arm in (CONTROL_ARM, PILOT_ARM):
            want, entry = sums.get((day, arm)), logged.get((day, arm))
            if want is None and entry is not None:
                results.delete_result(session, entry.id or 0, actor, "a market's value was cleared")
            elif want is not None and entry is None:
                new_rows.append(dict(day=day, arm=arm, metric=metric, n=want[0], total=want[1]))
            elif want is not None and entry is not None and (entry.n, entry.total) != (want[0], want[1]):
                results.correct_result(
                    session, entry.id or 0, actor, "a market's value changed", n=want[0], total=want[1]
                )
    if new_rows:
        results.log_results(session, pilot_id, new_rows, actor, source="manual")
