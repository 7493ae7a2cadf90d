"""The demo's daily rows: counts drawn with a fixed seed, with the weekday dip B2B traffic has."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def weekday_factor(d: date) -> float:
    """B2B traffic dips at weekends: makes before/after honest about weekday effects."""
    return 0.45 if d.weekday() >= 5 else 1.0


def proportion_rows(rng, metric, arm, days, visitors, rate) -> list[dict]:
    rows = []
    for d in days:
        n = int(rng.poisson(visitors * weekday_factor(d)))
        rows.append(dict(metric=metric, arm=arm, day=d, n=n, total=int(rng.binomial(n, rate)) if n else 0))
    return rows


def mean_rows(rng, metric, arm, days, orders, mean, sd) -> list[dict]:
    rows = []
    for d in days:
        n = max(int(rng.poisson(orders * weekday_factor(d))), 1)
        values = np.clip(rng.normal(mean, sd, n), 1.0, None).round(2)
        rows.append(
            dict(
                metric=metric,
                arm=arm,
                day=d,
                n=n,
                total=round(float(values.sum()), 2),
                total_sq=round(float((values**2).sum()), 2),
                total_cu=round(float((values**3).sum()), 2),
            )
        )
    return rows


def count_rows(rng, metric, arm, days, level, trend=0.0) -> list[dict]:
    return [
        dict(
            metric=metric,
            arm=arm,
            day=d,
            n=1,
            total=float(rng.poisson(max(level * (1 + trend * i) * weekday_factor(d), 0.1))),
        )
        for i, d in enumerate(days)
    ]


def spend_rows(rng, metric, arm, days, per_day, noise=0.12) -> list[dict]:
    """Money spent a day in one arm: a budget that dips at weekends with the traffic, give or take ``noise``."""
    return [
        dict(
            metric=metric,
            arm=arm,
            day=d,
            n=1,
            total=round(float(per_day * weekday_factor(d) * rng.uniform(1 - noise, 1 + noise)), 2),
        )
        for d in days
    ]
