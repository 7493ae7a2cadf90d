"""The learnings library: every decided pilot with what it measured, what was decided and why.

Read from the decisions' frozen snapshots, so a lesson says what the team saw
when it decided — not what today's rules would compute from today's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from lib.infra.models import Decision, Goal, Pilot
from lib.services.decisions import latest_primaries


@dataclass(frozen=True)
class Learning:
    pilot_id: int
    pilot: str
    hypothesis: str
    goal: str | None
    channel: str
    design: str
    team: str
    outcome: str  # scale / iterate / abort / extend
    recommendation: str
    decided_on: date
    decided_by: str
    rationale: str
    metric: str | None  # the primary criterion's metric
    kind: str | None
    lift: float | None  # relative lift of the primary metric
    difference: float | None
    interval: tuple[float | None, float | None]  # on ``interval_scale``
    interval_scale: str
    sentence: str  # the primary verdict in words, as shown at the decision
    pilot_value: float | None = None

    @property
    def effect(self) -> float | None:
        """The measured effect on the interval's own scale (a lift, a difference, a value), so the two read alike:
        "+1.6 pts" beside "+0.4 to +2.8 pts", never a lift in percent beside an interval in points."""
        return {"lift": self.lift, "value": self.pilot_value}.get(self.interval_scale, self.difference)


@dataclass(frozen=True)
class LearningFilter:
    text: str = ""
    goals: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    designs: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()


def library(session: Session) -> list[Learning]:
    """Each pilot's latest decision that closed or changed it (extend included), newest first."""
    goals = {g.id: g.name for g in session.exec(select(Goal))}
    stmt = (
        select(Decision, Pilot)
        .join(Pilot, col(Pilot.id) == Decision.pilot_id)
        .order_by(col(Decision.decided_at).desc(), col(Decision.id).desc())
    )
    out: list[Learning] = []
    for decision, pilot, v in latest_primaries(session.exec(stmt)):
        out.append(
            Learning(
                pilot_id=pilot.id or 0,
                pilot=pilot.name,
                hypothesis=pilot.hypothesis,
                goal=goals.get(pilot.goal_id),
                channel=pilot.channel,
                design=pilot.design,
                team=pilot.team,
                outcome=decision.outcome,
                recommendation=decision.recommendation,
                decided_on=decision.decided_at.date(),
                decided_by=decision.decided_by,
                rationale=decision.rationale,
                metric=v.get("metric"),
                kind=v.get("kind"),
                lift=v.get("relative_lift"),
                difference=v.get("difference"),
                interval=(v.get("ci_low"), v.get("ci_high")),
                interval_scale=v.get("interval_scale", "difference"),
                sentence=v.get("sentence", ""),
                pilot_value=v.get("pilot_value"),
            )
        )
    return out


def search(items: list[Learning], f: LearningFilter) -> list[Learning]:
    """Filters combine with AND; the text matches pilot, hypothesis, rationale, metric or team (any word order)."""
    words = [w for w in f.text.lower().split() if w]

    def hay(x: Learning) -> str:
        return " ".join([x.pilot, x.hypothesis, x.rationale, x.metric or "", x.team, x.goal or ""]).lower()

    return [
        x
        for x in items
        if (not f.goals or (x.goal or "") in f.goals)
        and (not f.channels or x.channel in f.channels)
        and (not f.designs or x.design in f.designs)
        and (not f.outcomes or x.outcome in f.outcomes)
        and all(w in hay(x) for w in words)
    ]
