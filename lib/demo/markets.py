"""The demo's market test: a radio and billboard flight in two cities, read against a synthetic control.

Forty US metro markets, daily web-to-store sales since ninety days before the
flight started. Every market follows a few shared patterns (growth, a weekly
cycle, a promotion some regions ran in the autumn) at its own size, plus its
own drift and noise; from the start the two test cities sell about 5 % more. Two weeks into a four-week
flight the gap is there but not yet clear of the noise: the verdict says keep running. It goes in
through the importer, as a team's export would (market and date columns
mapped, the arm from the plan), so the demo shows the synthetic control, its
weights and the gap adding up.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import numpy as np
from sqlmodel import Session

from lib.importer import ImportMapping, MetricMapping, file_checksum
from lib.infra.models import Pilot
from lib.services import import_batches, pilots

NAME = "Radio and billboards in two cities"
CITIES = [
    "Atlanta",
    "Austin",
    "Baltimore",
    "Boston",
    "Charlotte",
    "Chicago",
    "Cincinnati",
    "Cleveland",
    "Columbus",
    "Dallas",
    "Denver",
    "Detroit",
    "Houston",
    "Indianapolis",
    "Jacksonville",
    "Kansas City",
    "Las Vegas",
    "Los Angeles",
    "Memphis",
    "Miami",
    "Milwaukee",
    "Minneapolis",
    "Nashville",
    "New Orleans",
    "New York",
    "Oklahoma City",
    "Omaha",
    "Orlando",
    "Philadelphia",
    "Phoenix",
    "Pittsburgh",
    "Portland",
    "Raleigh",
    "Sacramento",
    "Salt Lake City",
    "San Antonio",
    "San Diego",
    "Seattle",
    "St. Louis",
    "Tampa",
]
TEST_CITIES = ("Chicago", "Portland")
#: Milwaukee hears Chicago's radio: kept out of the controls
EXCLUDED = ("Milwaukee",)
PRE_DAYS, TEST_DAYS, PLANNED_DAYS = 90, 15, 28
LIFT = 0.05


def market_file(rng: np.random.Generator, first: date, days: int, start_index: int) -> bytes:
    """The export: one row per city and day, its orders."""
    t = np.arange(days)
    shared = np.vstack(
        [
            1 + 0.0015 * t,
            0.15 * np.sin(2 * np.pi * (t + 2) / 7),
            np.where((t >= 35) & (t < 47), 0.12, 0.0),
            np.cumsum(rng.normal(0.0, 0.008, days)),
        ]
    )
    n = len(CITIES)
    size = rng.lognormal(np.log(420.0), 0.55, n)
    loadings = np.column_stack(
        [np.ones(n), rng.uniform(0.7, 1.3, n), rng.uniform(0, 1, n) > 0.5, rng.uniform(0.6, 1.4, n)]
    )
    own = np.cumsum(rng.normal(0.0, 0.004, (n, days)), axis=1)  # each city's own slow drift
    orders = size[:, None] * (loadings @ shared + own) * (1 + rng.normal(0.0, 0.06, (n, days)))
    for city in TEST_CITIES:
        orders[CITIES.index(city), start_index:] *= 1 + LIFT
    lines = ["date,dma,orders"]
    for d in range(days):
        day = (first + timedelta(days=d)).isoformat()
        lines += [f'{day},"{city}",{round(float(orders[c, d]))}' for c, city in enumerate(CITIES)]
    return ("\n".join(lines) + "\n").encode()


def load_market_pilot(session: Session, today: date, actor: str, seed: int, goal_id: int | None) -> Pilot:
    """Create the market test and import its daily city file (one batch)."""
    start = today - timedelta(days=TEST_DAYS - 1)
    pilot = pilots.create_pilot(
        session,
        actor,
        criteria=[
            dict(
                metric="orders",
                kind="count",
                role="primary",
                threshold=0.0,
                threshold_type="relative",
                expected=0.06,
                unit="orders",
            )
        ],
        name=NAME,
        design="market",
        test_markets=",".join(TEST_CITIES),
        excluded_markets=",".join(EXCLUDED),
        channel="paid",
        status="running",
        priority="should",
        owner="Priya Raman",
        team="Brand",
        goal_id=goal_id,
        hypothesis="Four weeks of radio and billboards lift a city's orders by about 6 %.",
        start_date=start,
        end_date=start + timedelta(days=PLANNED_DAYS - 1),
    )
    first = start - timedelta(days=PRE_DAYS)
    data = market_file(np.random.default_rng(seed), first, PRE_DAYS + TEST_DAYS, PRE_DAYS)
    mapping = ImportMapping(
        layout="aggregated",
        arm_column=None,
        date_column="date",
        metrics=[MetricMapping("orders", "count", column="orders")],
        unit_column="dma",
    )
    preview = import_batches.preview_for_pilot(
        session, pilot.id or 0, io.BytesIO(data), mapping, name="orders_by_dma.csv", as_of=today
    )
    import_batches.commit_import(
        session, pilot.id or 0, preview, checksum=file_checksum(io.BytesIO(data)), actor=actor, source="demo"
    )
    return pilot
