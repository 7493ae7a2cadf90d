"""The demo's store pilot: a weekend promotion in some stores, judged per store and adjusted for market.

Sixty stores in eight markets, thirty a side, weekly sales per store since
the pilot started, and last month's sales per store as the before-value. It
goes in through the importer, as a team's export would (unit, strata and
before columns mapped), so the demo shows the unit-level verdict and what
adjusting for market and last month did.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import numpy as np
from sqlmodel import Session

from lib.importer import ImportMapping, MetricMapping, file_checksum
from lib.infra.models import Pilot
from lib.services import import_batches, pilots

NAME = "Weekend promotion in stores"
MARKETS = ("North", "South", "East", "West", "Coast", "Lakes", "Hills", "Capital")
STORES = 60


def store_file(rng: np.random.Generator, start: date, today: date) -> bytes:
    """The export: one row per store and week, with its market and last month's sales."""
    levels = np.linspace(28.0, 66.0, len(MARKETS))  # thousands a week; markets differ 2.4-fold
    market = np.repeat(np.arange(len(MARKETS)), STORES // len(MARKETS) + 1)[:STORES]
    arm = np.empty(STORES, dtype=object)
    for m in range(len(MARKETS)):  # half the stores of each market get the promotion
        where = np.flatnonzero(market == m)
        arm[where] = rng.permutation(np.resize(np.array(["standard", "promotion"], dtype=object), len(where)))
    store_level = levels[market] + rng.normal(0.0, 3.0, STORES)
    last_month = store_level + rng.normal(0.0, 1.2, STORES)
    lines = ["week,store_id,market,last_month_sales,variant,weekly_sales"]
    week = start
    while week + timedelta(days=6) <= today:  # whole weeks only: this week's row comes next Monday
        for s in range(STORES):
            lift = 1.0 if arm[s] == "promotion" else 0.0
            sales = store_level[s] + lift + rng.normal(0.0, 2.0)
            lines.append(f"{week},S{s + 1:03d},{MARKETS[market[s]]},{last_month[s]:.1f},{arm[s]},{sales:.2f}")
        week += timedelta(weeks=1)
    return ("\n".join(lines) + "\n").encode()


def load_store_pilot(session: Session, today: date, actor: str, seed: int, goal_id: int | None) -> Pilot:
    """Create the pilot and import its weekly store file (one batch)."""
    start = today - timedelta(weeks=3)
    pilot = pilots.create_pilot(
        session,
        actor,
        criteria=[dict(metric="weekly_sales", kind="mean", role="primary", threshold=0.0, expected=2.0, unit="kEUR")],
        name=NAME,
        design="ab",
        arms="standard,promotion",
        unit="stores",
        channel="other",
        status="running",
        priority="should",
        owner="Sam Okoro",
        team="Retail",
        goal_id=goal_id,
        hypothesis="A weekend promotion lifts a store's weekly sales by about 2,000 EUR.",
        start_date=start,
        end_date=start + timedelta(weeks=6) - timedelta(days=1),
        planned_n_per_arm=30,
    )
    data = store_file(np.random.default_rng(seed), start, today)
    mapping = ImportMapping(
        layout="events",
        arm_column="variant",
        control_value="standard",
        date_column="week",
        metrics=[MetricMapping("weekly_sales", "mean", column="weekly_sales")],
        unit_column="store_id",
        strata_column="market",
        before_column="last_month_sales",
    )
    preview = import_batches.preview_for_pilot(
        session, pilot.id or 0, io.BytesIO(data), mapping, name="store_sales.csv", as_of=today
    )
    import_batches.commit_import(
        session, pilot.id or 0, preview, checksum=file_checksum(io.BytesIO(data)), actor=actor, source="demo"
    )
    return pilot
