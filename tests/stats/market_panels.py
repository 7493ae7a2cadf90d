"""Small realistic market panels for the market-test tests: trend, weekly cycle, market noise, a shared shock."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from lib.stats.synthetic_control import MarketPanel, panel_from_rows

START = date(2026, 3, 1)


def market_values(
    markets: int = 12, days: int = 75, *, noise: float = 0.04, seed: int = 0, shock_share: float = 0.4
) -> np.ndarray:
    """(markets, days) positive KPI: common trend and weekly cycle, market-specific noise and a shock some share."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    sizes = rng.lognormal(7.0, 0.6, markets)
    trend = 1.0 + 0.002 * t
    shock = np.where((t >= days // 3) & (t < days // 3 + 10), 0.15, 0.0)
    values = np.empty((markets, days))
    for j in range(markets):
        weekly = 1.0 + 0.1 * np.sin(2 * np.pi * t / 7 + rng.normal(0.0, 0.2))
        hit = shock if rng.random() < shock_share else 0.0
        values[j] = sizes[j] * trend * weekly * (1.0 + hit) * (1.0 + rng.normal(0.0, noise, days))
    return values


def panel(values: np.ndarray, names: list[str] | None = None) -> MarketPanel:
    names = names or [f"Market {j:02d}" for j in range(values.shape[0])]
    rows = [
        (names[j], START + timedelta(days=i), float(values[j, i]))
        for j in range(values.shape[0])
        for i in range(values.shape[1])
        if not np.isnan(values[j, i])
    ]
    return panel_from_rows(rows)


def day(i: int) -> date:
    return START + timedelta(days=i)
