"""What adjusting did in pilots whose imports gave each unit a stratum or a before-value: for the designer.

The designer plans the next store pilot with the share of the variance
between units that market and last month's sales took away in an earlier
one (:func:`lib.services.designer.adjusted_plan_text`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from lib.infra.models import Pilot, UnitResult
from lib.services.evaluation import evaluate


@dataclass(frozen=True)
class BeforeData:
    """What adjusting did in one pilot's imported unit data: for the designer to plan the next one with."""

    pilot_id: int
    pilot: str
    unit: str
    adjusted_for: tuple[str, ...]
    variance_left: float
    covariate_columns: int


def before_data(session: Session) -> list[BeforeData]:
    """Pilots whose imported units carry a stratum or before-value, with the variance adjusting left.

    The variance left is the squared ratio of the adjusted interval's width to
    the unadjusted one's at the same boundary: what the designer shrinks the
    spread of one unit by.
    """
    t = UnitResult.__table__  # type: ignore[attr-defined]
    found = session.execute(
        sa.select(t.c.pilot_id, sa.func.count(sa.distinct(t.c.stratum)), sa.func.count(t.c.before))
        .where(t.c.superseded_at.is_(None))
        .group_by(t.c.pilot_id)
    ).all()
    out = []
    for pilot_id, strata, befores in found:
        if strata == 0 and befores == 0:
            continue
        pilot = session.get(Pilot, pilot_id)
        evaluation = evaluate(session, pilot_id)
        for v in evaluation.verdicts:
            if not v.adjusted_for or None in (v.ci_low, v.ci_high, v.unadjusted_ci_low, v.unadjusted_ci_high):
                continue
            ratio = (v.ci_high - v.ci_low) / (v.unadjusted_ci_high - v.unadjusted_ci_low)  # type: ignore[operator]
            columns = max(strata - 1, 0) + (1 if befores else 0)
            name = pilot.name if pilot else f"pilot {pilot_id}"
            out.append(
                BeforeData(pilot_id, name, v.unit or "units", tuple(v.adjusted_for), min(ratio**2, 1.0), columns)
            )
            break
    return out
