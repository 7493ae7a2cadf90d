"""The demo's history: six earlier cold-outreach sequences, each judged against the same 8 % reply-rate target.

The running "Cold outreach sequence v2" is a small pilot (a few hundred contacts so
far); with these six decided before it, its page and Review read it in the light
of the team's own past (:mod:`lib.services.past_pilots`). They ran before the goals were
set, so they serve none, and they draw from a generator of their own: the rest of
the demo is the same with or without them. Each was reworked into the next one
("iterate"), whatever its verdict, so the demo's scaled and aborted pilots stay the
only ones.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlmodel import Session

from lib.demo import rows as demo_rows
from lib.demo.meetings import decided
from lib.services import pilots, results

#: name, weeks before today it started, contacts a day, true reply rate, what the meeting said
SEQUENCES: tuple[tuple[str, int, int, float, str], ...] = (
    ("Outreach: three short emails", 46, 18, 0.071, "Prospects found three emails thin."),
    ("Outreach: founder's note", 40, 16, 0.094, "The founder's note read as personal."),
    ("Outreach: industry benchmark", 34, 20, 0.083, "The benchmark drew questions, not meetings."),
    ("Outreach: video thumbnail", 28, 15, 0.064, "Thumbnails tripped spam filters."),
    ("Outreach: case study first", 22, 17, 0.102, "A case study up front gave prospects a reason to reply."),
    ("Outreach: two-step follow-up", 16, 19, 0.079, "The second follow-up added little."),
)
#: an outreach sequence is reworked after its four weeks, whatever the numbers said
OVERRIDE = "Sequences are reworked after four weeks, not extended or dropped: the prospect list is used up."


def load_history(session: Session, today: date, actor: str, seed: int) -> int:
    """Create and decide the earlier sequences; returns how many."""
    rng = np.random.default_rng(seed)
    for name, weeks, per_day, rate, why in SEQUENCES:
        start = today - timedelta(weeks=weeks)
        end = start + timedelta(weeks=4) - timedelta(days=1)
        p = pilots.create_pilot(
            session,
            actor,
            criteria=[
                dict(
                    metric="reply_rate",
                    kind="proportion",
                    role="primary",
                    comparison="vs_target",
                    threshold=0.08,
                    expected=0.11,
                )
            ],
            name=name,
            design="target",
            channel="email",
            status="running",
            priority="should",
            owner="Ana Ruiz",
            team="Email",
            hypothesis=f"{name.removeprefix('Outreach: ').capitalize()} gets replies from at least 8% of contacts.",
            start_date=start,
            end_date=end,
            planned_n_per_arm=per_day * 28,
        )
        rows = demo_rows.proportion_rows(rng, "reply_rate", "pilot", demo_rows.days(start, end), per_day, rate)
        results.log_results(session, p.id or 0, rows, actor, source="demo", today=today)
        p.criteria_locked_at = datetime.combine(start, time(9), UTC)
        session.add(p)
        meeting = datetime.combine(end + timedelta(days=2), time(15), UTC)
        decided(
            session,
            p.id or 0,
            "iterate",
            f"{why} Reworked into the next sequence.",
            as_of=end,
            at=meeting,
            override_reason=OVERRIDE,
        )
    return len(SEQUENCES)
