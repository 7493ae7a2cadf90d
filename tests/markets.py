"""A market-test export for tests: 40 markets x 105 days, daily, two test markets, seeded.

Each market's KPI follows a few shared factors (trend, a weekly cycle, a shock
some markets share) at its own size and loadings, plus its own noise, so that a
weighted mix of untreated markets can track the test markets before the start.
From day 90 the two test markets get ``lift`` on top.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

MARKETS = [
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
    "KansasCity",
    "LasVegas",
    "LosAngeles",
    "Memphis",
    "Miami",
    "Milwaukee",
    "Minneapolis",
    "Nashville",
    "NewOrleans",
    "NewYork",
    "Oklahoma",
    "Omaha",
    "Orlando",
    "Philadelphia",
    "Phoenix",
    "Pittsburgh",
    "Portland",
    "Raleigh",
    "Sacramento",
    "SaltLake",
    "SanAntonio",
    "SanDiego",
    "Seattle",
    "StLouis",
    "Tampa",
]
TEST_MARKETS = ("Chicago", "Portland")
PRE_DAYS, TEST_DAYS = 90, 15


def market_export(
    first_day: date, *, lift: float = 0.10, seed: int = 7, test=TEST_MARKETS, days: int = PRE_DAYS + TEST_DAYS
) -> pd.DataFrame:
    """Long format: Market, Date, Sales (a daily count), one row per market and day."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    factors = np.vstack(
        [
            1 + 0.002 * t,
            0.12 * np.sin(2 * np.pi * t / 7),
            np.where((t > 40) & (t < 52), 0.15, 0.0),
            np.cumsum(rng.normal(0, 0.01, days)),
        ]
    )
    size = rng.lognormal(np.log(800), 0.5, len(MARKETS))
    loadings = np.column_stack(
        [
            np.ones(len(MARKETS)),
            rng.uniform(0.6, 1.4, len(MARKETS)),
            rng.uniform(0, 1, len(MARKETS)) > 0.5,
            rng.uniform(0.5, 1.5, len(MARKETS)),
        ]
    )
    level = loadings @ factors
    values = size[:, None] * level * (1 + rng.normal(0, 0.03, (len(MARKETS), days)))
    for name in test:
        values[MARKETS.index(name), PRE_DAYS:] *= 1 + lift
    day_list = [first_day + timedelta(days=int(i)) for i in t]
    return pd.DataFrame(
        {
            "Market": np.repeat(MARKETS, days),
            "Date": [d.isoformat() for _ in MARKETS for d in day_list],
            "Sales": np.round(values.reshape(-1), 1),
        }
    )
