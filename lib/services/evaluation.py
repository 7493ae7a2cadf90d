"""From stored rows to the decision engine's verdicts, and the snapshot a decision freezes."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from lib.decide import PilotEvaluation, evaluate_pilot
from lib.infra.models import Criterion, Pilot, ResultEntry, utcnow
from lib.services import settings, unit_results
from lib.services.pilots import criteria_for, criterion_spec, get_pilot, pilot_spec
from lib.services.results import CURRENT_ORDER, observations
from lib.specs import Observation, UnitObservation
from lib.stats.statistics import Stat, added, from_observation
from lib.vocabulary import CHANNEL_UNITS

#: who a rate is counted over, by channel (lib.vocabulary): "on 412 contacts", "on 3,201 visitors"
SAMPLE_UNITS = CHANNEL_UNITS


def _evaluate(
    pilot: Pilot,
    criteria: list[Criterion],
    obs: list[Observation],
    as_of: date | None,
    unit_obs: Sequence[UnitObservation] = (),
    currency: str = "",
) -> PilotEvaluation:
    units = {c.metric: SAMPLE_UNITS.get(pilot.channel, "people") for c in criteria if c.kind == "proportion"}
    return evaluate_pilot(
        pilot_spec(pilot),
        [criterion_spec(c) for c in criteria],
        obs,
        as_of=as_of,
        units=units,
        unit_observations=unit_obs,
        currency=currency,  # the workspace's symbol, in money criteria's sentences
    )


def _unit_rows(session: Session, pilots: list[Pilot]) -> dict[int, list[UnitObservation]]:
    """Each unit's values, for the pilots that split units (one query; none for the others)."""
    ids = [p.id or 0 for p in pilots if p.unit]
    return unit_results.unit_observations(session, ids) if ids else {}


def evaluate(session: Session, pilot_id: int, as_of: date | None = None) -> PilotEvaluation:
    pilot = get_pilot(session, pilot_id)
    unit_obs = _unit_rows(session, [pilot]).get(pilot_id, [])
    symbol = settings.currency(session).symbol
    return _evaluate(pilot, criteria_for(session, pilot_id), observations(session, pilot_id), as_of, unit_obs, symbol)


def evaluate_many(session: Session, pilots: list[Pilot]) -> dict[int, PilotEvaluation]:
    """The given pilots in two queries (criteria, current values), reading plain columns, not ORM rows."""
    ids = [p.id or 0 for p in pilots]
    criteria: dict[int, list[Criterion]] = defaultdict(list)
    obs: dict[int, list[Observation]] = defaultdict(list)
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):  # bounded IN lists
        for c in session.exec(select(Criterion).where(col(Criterion.pilot_id).in_(chunk)).order_by(col(Criterion.id))):
            criteria[c.pilot_id].append(c)
        t = sa.inspect(ResultEntry).local_table
        rows = session.execute(
            sa.select(t.c.pilot_id, t.c.day, t.c.arm, t.c.metric, t.c.n, t.c.total, t.c.total_sq, t.c.total_cu)
            .where(t.c.pilot_id.in_(chunk), t.c.superseded_at.is_(None))
            .order_by(*CURRENT_ORDER)  # the order evaluate() reads: sums in one order, the same last digit
        )
        for pid, day, arm, metric, n, total, total_sq, total_cu in rows:
            obs[pid].append(Observation(day, arm, metric, n, total, total_sq, total_cu))
    unit_obs = _unit_rows(session, pilots)
    symbol = settings.currency(session).symbol
    return {
        p.id or 0: _evaluate(p, criteria[p.id or 0], obs[p.id or 0], None, unit_obs.get(p.id or 0, []), symbol)
        for p in pilots
    }


def totals(obs: list[Observation], kinds: Mapping[str, str]) -> dict[str, dict[str, dict[str, float]]]:
    """metric -> arm -> summed n, total and days logged: what the numbers were when decided.

    Each arm's values add up as its metric's statistic (``kinds``; a metric no
    criterion names counts as a count), stored under the columns' names.
    """
    sums: dict[tuple[str, str], Stat] = {}
    days: Counter[tuple[str, str]] = Counter()
    for o in obs:
        key = (o.metric, o.arm)
        stat = from_observation(o, kinds.get(o.metric, "count"))
        sums[key] = added(sums[key], stat) if key in sums else stat
        days[key] += 1
    out: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    for (metric, arm), stat in sums.items():
        out[metric][arm] = {"n": float(stat.n), "total": float(stat.total), "days": days[(metric, arm)]}
    return dict(out)


def decision_snapshot(session: Session, pilot_id: int, as_of: date | None = None) -> dict[str, Any]:
    """The evaluation plus raw totals, frozen into the decision as JSON."""
    pilot, criteria, obs = (
        get_pilot(session, pilot_id),
        criteria_for(session, pilot_id),
        observations(session, pilot_id),
    )
    from lib.services.spend_view import spend_for

    symbol = settings.currency(session).symbol
    evaluation = _evaluate(pilot, criteria, obs, as_of, _unit_rows(session, [pilot]).get(pilot_id, []), symbol)
    spend = spend_for(session, pilot, as_of)
    spend = spend.beside(evaluation) if spend is not None else None  # as the pilot page and the report say it
    return {
        "frozen_at": utcnow().isoformat(timespec="seconds"),
        "method_version": evaluation.method_version,
        "evaluation": evaluation.to_dict(),
        "totals": totals(obs, {c.metric: c.kind for c in criteria}),
        # does it pay, as read when decided: the pinned link and the decision's report lead with it
        "spend": _finite(spend.to_json()) if spend is not None else None,
    }


def _finite(value: Any) -> Any:
    """JSON without NaN or infinity (a decision's snapshot is strict JSON): a figure that is not a number is null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
