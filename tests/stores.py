"""A synthetic store-promotion export: the shape of the public file issue 26 analysed.

137 stores in 10 markets, three promotions, four weekly sales rows per store,
columns ``MarketID, MarketSize, LocationID, AgeOfStore, Promotion, week,
sales``. Markets differ about 2.4-fold in sales per store, and the promotions
are not spread evenly over markets, so the unadjusted difference mostly
measures which markets drew which promotion. ``last_month`` (sales before the
pilot) is returned beside the file for the before-value mapping.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STORES, MARKETS, WEEKS = 137, 10, 4
COLUMNS = ["MarketID", "MarketSize", "LocationID", "AgeOfStore", "Promotion", "week", "sales"]
#: weekly sales per store (thousands) by promotion, on top of the market's level
PROMOTION_EFFECT = {1: 10.0, 2: 0.0, 3: 5.0}


def store_promotion(seed: int = 26, stores: int = STORES, with_before: bool = False) -> pd.DataFrame:
    """One row per store and week; ``with_before`` adds ``last_month`` (the store's sales before the pilot)."""
    rng = np.random.default_rng(seed)
    levels = np.linspace(30.0, 72.0, MARKETS)  # 2.4-fold between the smallest and the largest market
    sizes = np.array(["Small", "Medium", "Large"])[np.minimum(np.arange(MARKETS) // 4, 2)]
    market = np.concatenate([np.repeat(np.arange(MARKETS), 6), rng.integers(0, MARKETS, stores - 6 * MARKETS)])
    market.sort()
    promotion = np.empty(stores, dtype=int)
    for m in range(MARKETS):
        where = np.flatnonzero(market == m)
        # every market has two stores of every promotion; big markets lean to promotion 3, small ones to 2
        lean = np.array([1.0, 1.0 + (MARKETS - m) / 3, 1.0 + m / 3])
        extra = rng.choice([1, 2, 3], size=max(len(where) - 6, 0), p=lean / lean.sum())
        promotion[where] = rng.permutation(np.concatenate([[1, 1, 2, 2, 3, 3], extra])[: len(where)])
    store_effect = rng.normal(0.0, 3.0, stores)
    rows = []
    for s in range(stores):
        m = market[s]
        for week in range(1, WEEKS + 1):
            sales = levels[m] + store_effect[s] + PROMOTION_EFFECT[int(promotion[s])] + rng.normal(0.0, 2.5)
            rows.append((m + 1, sizes[m], s + 1, int(rng.integers(1, 28)), int(promotion[s]), week, round(sales, 2)))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["AgeOfStore"] = frame.groupby("LocationID")["AgeOfStore"].transform("first")
    if with_before:
        before = levels[market] + store_effect + rng.normal(0.0, 1.5, stores)
        frame["last_month"] = np.round(before[frame["LocationID"].to_numpy() - 1], 2)
    return frame


def csv_of(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()
