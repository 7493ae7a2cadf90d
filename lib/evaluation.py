"""From stored rows to the decision engine's verdicts, and the snapshot a decision freezes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlmodel import Session

from lib.decide import PilotEvaluation, evaluate_pilot
from lib.models import Pilot, utcnow
from lib.observations import Observation
from lib.pilots import criteria_for, criterion_spec, get_pilot, list_pilots, pilot_spec
from lib.results import observations

# Who a rate is counted over, by channel: "on 412 contacts", "on 3,201 visitors".
SAMPLE_UNITS = {"email": "contacts", "paid": "clicks", "social": "visitors", "web": "visitors",
                "events": "invitees", "other": "people"}


def evaluate(session: Session, pilot_id: int, as_of: date | None = None) -> PilotEvaluation:
    pilot = get_pilot(session, pilot_id)
    criteria = criteria_for(session, pilot_id)
    units = {c.metric: SAMPLE_UNITS.get(pilot.channel, "people") for c in criteria if c.kind == "proportion"}
    return evaluate_pilot(pilot_spec(pilot), [criterion_spec(c) for c in criteria],
                          observations(session, pilot_id), as_of=as_of, units=units)


def evaluate_all(session: Session, as_of: date | None = None) -> list[tuple[Pilot, PilotEvaluation]]:
    return [(row.pilot, evaluate(session, row.pilot.id or 0, as_of)) for row in list_pilots(session)]


def totals(obs: list[Observation]) -> dict[str, dict[str, dict[str, float]]]:
    """metric -> arm -> summed n/total/days: what the numbers were when decided."""
    out: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    for o in obs:
        t = out[o.metric].setdefault(o.arm, {"n": 0.0, "total": 0.0, "days": 0})
        t["n"] += o.n
        t["total"] += o.total
        t["days"] += 1
    return dict(out)


def decision_snapshot(session: Session, pilot_id: int, as_of: date | None = None) -> dict[str, Any]:
    """The evaluation plus raw totals, frozen into the decision as JSON."""
    evaluation = evaluate(session, pilot_id, as_of)
    return {
        "frozen_at": utcnow().isoformat(timespec="seconds"),
        "evaluation": evaluation.to_dict(),
        "totals": totals(observations(session, pilot_id)),
    }
