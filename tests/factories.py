"""Realistic rows in a line: a goal, an A/B email pilot with criteria, a day's results."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from lib.infra.models import Goal, Pilot
from lib.services.goals import create_goal
from lib.services.pilots import create_pilot

START = date(2026, 10, 1)


def goal(session: Session, name: str = "Grow qualified pipeline", **kw) -> Goal:
    values = dict(
        name=name,
        level="company",
        kpi_name="Qualified leads",
        kpi_unit="leads/month",
        target_value=400,
        period="2026-Q4",
    )
    return create_goal(session, "tester", **{**values, **kw})


def ab_pilot(session: Session, name: str = "Subject line test", **kw) -> Pilot:
    values = dict(
        name=name,
        design="ab",
        channel="email",
        status="running",
        owner="Ana",
        team="Email",
        hypothesis="A question in the subject line lifts replies.",
        start_date=START,
        end_date=START + timedelta(days=27),
        planned_n_per_arm=2000,
        criteria=[
            dict(metric="reply_rate", kind="proportion", role="primary", threshold=0.0),
            dict(metric="unsubscribe_rate", kind="proportion", role="guardrail", direction="decrease", threshold=0.002),
        ],
    )
    return create_pilot(session, "tester", **{**values, **kw})


def day_rows(day: date, control=(400, 24), pilot=(410, 33), metric: str = "reply_rate") -> list[dict]:
    return [
        dict(metric=metric, arm="control", day=day, n=control[0], total=control[1]),
        dict(metric=metric, arm="pilot", day=day, n=pilot[0], total=pilot[1]),
    ]


def decided_pilot(
    session: Session,
    name: str,
    control: tuple[int, int],
    pilot: tuple[int, int],
    *,
    outcome: str = "scale",
    channel: str = "email",
    metric: str = "reply_rate",
    threshold_type: str = "absolute",
    threshold: float = 0.0,
) -> Pilot:
    """An A/B pilot with one day of (people, conversions) per arm, decided in the review meeting."""
    from lib.services import decisions, results

    p = ab_pilot(
        session,
        name,
        channel=channel,
        criteria=[
            dict(metric=metric, kind="proportion", role="primary", threshold=threshold, threshold_type=threshold_type)
        ],
    )
    results.log_results(session, p.id, day_rows(START, control, pilot, metric), "tester", today=START)
    decisions.decide(
        session,
        p.id or 0,
        outcome=outcome,
        rationale="Done.",
        decided_by="lead",
        override_reason="History.",
        today=START,
    )
    return p
