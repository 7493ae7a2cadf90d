"""The demo's eight pilots as data: what each team wrote, when it ran, what it logged.

:func:`lib.demo.loader.load_demo` creates them in this order with one function and
draws their daily rows (:mod:`lib.demo.rows`) in the order given here, so for a given
day and seed the workspace is the same on every run. Days are counted from today.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from lib.demo import rows
from lib.vocabulary import SPEND_METRIC

#: how each kind of metric's daily rows are drawn: figures after (rng, metric, arm, days)
DRAW: dict[str, Callable[..., list[dict]]] = {
    "proportion": rows.proportion_rows,
    "mean": rows.mean_rows,
    "count": rows.count_rows,
    "spend": rows.spend_rows,  # money a day: ``figures`` (budget a day,)
}


@dataclass(frozen=True)
class Series:
    """One metric's daily rows in one arm, from ``first`` to ``last`` days from today.

    ``figures`` as :mod:`lib.demo.rows` takes them: (people a day, rate), (orders a day,
    mean, sd) or (level a day, trend).
    """

    kind: str
    metric: str
    arm: str
    first: int
    last: int
    figures: tuple[float, ...]

    def rows(self, rng: Any, today: date) -> list[dict]:
        days = rows.days(today + timedelta(days=self.first), today + timedelta(days=self.last))
        return DRAW[self.kind](rng, self.metric, self.arm, days, *self.figures)


def both_arms(kind: str, metric: str, span: tuple[int, int], control: tuple, pilot: tuple) -> tuple[Series, ...]:
    """An A/B metric: control's rows, then the pilot's, over the same days."""
    return Series(kind, metric, "control", *span, control), Series(kind, metric, "pilot", *span, pilot)


@dataclass(frozen=True)
class DemoPilot:
    """One pilot: its fields for ``lib.services.pilots.create_pilot`` (dates as days from today) and its rows.

    ``goal`` names the demo goal it serves ("company", "marketing", "social").
    """

    name: str
    design: str
    channel: str
    status: str
    priority: str
    owner: str
    goal: str
    hypothesis: str
    criteria: tuple[dict[str, Any], ...]
    span: tuple[int, int] | None = None  # pilot period
    baseline: tuple[int, int] | None = None  # before/after only
    planned_n_per_arm: int | None = None
    logged: tuple[Series, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. scale_volume, expected_outcome
    #: money spent per day and arm, drawn from a generator of its own: the other rows stay as they were
    spend: tuple[Series, ...] = ()

    def fields(self, today: date, goal_ids: dict[str, int | None]) -> dict[str, Any]:
        def day(offset: int) -> date:
            return today + timedelta(days=offset)

        dates: dict[str, date] = {}
        if self.baseline:
            dates |= {"baseline_start": day(self.baseline[0]), "baseline_end": day(self.baseline[1])}
        if self.span:
            dates |= {"start_date": day(self.span[0]), "end_date": day(self.span[1])}
        owner, team = OWNERS[self.owner]
        return dict(
            name=self.name,
            design=self.design,
            channel=self.channel,
            status=self.status,
            priority=self.priority,
            owner=owner,
            team=team,
            goal_id=goal_ids[self.goal],
            hypothesis=self.hypothesis,
            planned_n_per_arm=self.planned_n_per_arm,
            **self.extra,
            **dates,
        )


#: who runs what: short name -> (owner, team)
OWNERS = {"ana": ("Ana Ruiz", "Email"), "tom": ("Tom Berg", "Paid"), "mia": ("Mia Chen", "Web")}
OWNERS |= {"mia_events": ("Mia Chen", "Events"), "sam": ("Sam Okoro", "Social")}


def spend(span: tuple[int, int], control: float | None, pilot: float) -> tuple[Series, ...]:
    """Spend a day in each arm (``control`` None: only the pilot arm, or the only arm, spends)."""
    drawn = () if control is None else (Series("spend", SPEND_METRIC, "control", *span, (control,)),)
    return (*drawn, Series("spend", SPEND_METRIC, "pilot", *span, (pilot,)))


def criterion(metric: str, kind: str = "proportion", role: str = "primary", **kw: Any) -> dict[str, Any]:
    """A criterion as ``create_pilot`` takes it: a primary rate unless said otherwise."""
    return {"metric": metric, "kind": kind, "role": role, **kw}


SUBJECT_LINES, CAROUSEL = (-63, -29), (-56, -22)  # decided: scaled, then aborted
PILOTS: tuple[DemoPilot, ...] = (
    DemoPilot(  # 1. A/B email test, decided: scaled
        "Question-style subject lines",
        "ab",
        "email",
        "running",
        "must",
        "ana",
        "marketing",
        "Asking a question in the subject line makes prospects reply more often.",
        (
            criterion("reply_rate", threshold=0.0, expected=0.015),
            # real, but worth it? A reply is worth about €20 to the team; the AI copy tool costs more than that
            criterion("reply_rate", role="secondary", threshold_type="cost_per_extra", threshold=20.0, expected=12.0),
            criterion("unsubscribe_rate", role="guardrail", direction="decrease", threshold=0.003),
        ),
        span=SUBJECT_LINES,
        planned_n_per_arm=3500,
        logged=both_arms("proportion", "reply_rate", SUBJECT_LINES, (110, 0.051), (110, 0.076))
        + both_arms("proportion", "unsubscribe_rate", SUBJECT_LINES, (110, 0.004), (110, 0.004)),
        extra={"scale_volume": 6000},  # contacts a month across every sequence, once rolled out
        # sending costs about 5 cents a contact in both arms; the pilot's AI subject-line tool €80 a day on top
        spend=spend(SUBJECT_LINES, 5.5, 85.5),
    ),
    DemoPilot(  # 2. A/B paid social, decided: aborted
        "LinkedIn carousel ads",
        "ab",
        "paid",
        "running",
        "should",
        "tom",
        "marketing",
        "Carousel creatives turn more clicks into demo requests than single images.",
        (
            criterion("lead_rate", threshold=0.10, threshold_type="relative", expected=0.45),
            criterion(
                "cost_per_click", "mean", "guardrail", direction="decrease", threshold=0.15, threshold_type="relative"
            ),
        ),
        span=CAROUSEL,
        planned_n_per_arm=4000,
        logged=both_arms("proportion", "lead_rate", CAROUSEL, (130, 0.034), (130, 0.022))
        + both_arms("mean", "cost_per_click", CAROUSEL, (40, 2.10, 0.6), (40, 2.55, 0.7)),
        spend=spend(CAROUSEL, 275.0, 330.0),  # LinkedIn budget a day; carousels cost more per click
    ),
    DemoPilot(  # 3. Before/after on the web, running (extended two weeks ago)
        "Pricing page FAQ",
        "before_after",
        "web",
        "running",
        "must",
        "mia",
        "marketing",
        "Answering the top five pricing questions on the page lifts trial sign-ups.",
        (criterion("signup_rate", threshold=0.15, threshold_type="relative", expected=0.25),),
        span=(-28, 14),
        baseline=(-56, -29),
        logged=(
            Series("proportion", "signup_rate", "pilot", -56, -29, (420, 0.031)),
            Series("proportion", "signup_rate", "pilot", -28, 14, (430, 0.037)),
        ),
    ),
    DemoPilot(  # 4. Against a target: outreach reply rate >= 8%, running
        "Cold outreach sequence v2",
        "target",
        "email",
        "running",
        "should",
        "ana",
        "marketing",
        "A three-step sequence with a case study gets replies from at least 8% of contacts.",
        (criterion("reply_rate", comparison="vs_target", threshold=0.08, expected=0.12),),
        span=(-21, 21),
        planned_n_per_arm=470,
        logged=(Series("proportion", "reply_rate", "pilot", -21, 21, (14, 0.091)),),
        spend=spend((-21, 21), None, 38.0),  # the sequencing tool and the case-study design, a day
    ),
    DemoPilot(  # 5. A/B paid search with a revenue metric, running
        "Retargeting budget shift",
        "ab",
        "paid",
        "running",
        "could",
        "tom",
        "company",
        "Moving 20% of prospecting budget to retargeting raises conversions without lowering order value.",
        (
            criterion("conversion_rate", threshold=0.0, expected=0.006),
            criterion("order_value", "mean", "secondary", threshold=0.0, unit="EUR"),
        ),
        span=(-35, 7),
        planned_n_per_arm=9000,
        logged=both_arms("proportion", "conversion_rate", (-35, 7), (190, 0.021), (190, 0.024))
        + both_arms("mean", "order_value", (-35, 7), (4, 182.0, 60.0), (4, 176.0, 58.0)),
        spend=spend((-35, 7), 420.0, 430.0),  # the same budget a day, split differently
        extra={"scale_volume": 40000},  # clicks a month across paid search, once rolled out
    ),
    DemoPilot(  # 6. Before/after on social visits (a count), running
        "Instagram reels twice a week",
        "before_after",
        "social",
        "running",
        "should",
        "sam",
        "social",
        "Short reels bring more visitors from social to the site than static posts.",
        (
            criterion(
                "visits_from_social",
                "count",
                threshold=0.2,
                threshold_type="relative",
                expected=0.35,
                unit="visits/day",
            ),
        ),
        span=(-21, 21),
        baseline=(-42, -22),
        logged=(
            Series("count", "visits_from_social", "pilot", -42, -22, (3.0,)),
            Series("count", "visits_from_social", "pilot", -21, 21, (4.1, 0.004)),
        ),
    ),
    DemoPilot(  # 7. Planned: the backlog, no results yet
        "Webinar invite from the CEO",
        "target",
        "events",
        "planned",
        "could",
        "mia_events",
        "marketing",
        "An invite signed by the CEO gets a quarter of invitees to register.",
        (criterion("registration_rate", comparison="vs_target", threshold=0.25, expected=0.32),),
        span=(7, 28),
        planned_n_per_arm=300,
        extra={"expected_outcome": "More sign-ups from existing contacts when the CEO invites them."},
    ),
    DemoPilot(  # 8. An idea: the backlog
        "Homepage hero video",
        "ab",
        "web",
        "idea",
        "wont",
        "mia",
        "marketing",
        "A 60-second product video above the fold lifts demo requests by 10%.",
        (criterion("demo_request_rate", threshold=0.10, threshold_type="relative", expected=0.30),),
        extra={"expected_outcome": "Visitors who watch the video sign up more often."},
    ),
)
