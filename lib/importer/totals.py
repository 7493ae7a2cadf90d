"""The preview's sums: groups merged per named day x arm, turned into observations and per-arm totals."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import numpy as np

from lib.specs import Observation

from . import row_messages
from .aggregate import Group
from .arms import arm_order
from .mapping import Layout
from .plan import ColumnPlan
from .report import ArmTotal, Problem, ProblemLog

Merged = dict[tuple[date, str], list]
"""(day, arm) -> [stats per metric (n, total, total_sq, total_cu), rows, first row]."""


def merge_groups(
    groups: dict[tuple[int, int], Group], days: list[date | None], arms: list[str | None], layout: Layout
) -> tuple[Merged, int, int]:
    """Groups added up per named (day, arm); unnamed ones are left out. Also rows used and repeated pairs."""
    merged: Merged = {}
    rows_used = 0
    repeated = 0
    for (day_id, arm_id), group in groups.items():
        day, arm = days[day_id], arms[arm_id]
        if day is None or arm is None:
            continue
        rows_used += group.rows
        if group.rows > 1 and layout == "aggregated":
            repeated += 1
        slot = merged.setdefault((day, arm), [np.zeros_like(group.stats), 0, group.first_row])
        slot[0] += group.stats
        slot[1] += group.rows
        slot[2] = min(slot[2], group.first_row)
    return merged, rows_used, repeated


def observations_of(plan: ColumnPlan, merged: Merged) -> list[Observation]:
    """One observation per day x arm x metric, in day order, control first."""
    out: list[Observation] = []
    for (day, arm), (stats, _rows, _first) in sorted(merged.items(), key=lambda kv: (kv[0][0], arm_order(kv[0][1]))):
        for m, metric in enumerate(plan.metrics):
            source = plan.sources[m]
            out.append(
                Observation(
                    day,
                    arm,
                    metric.name,
                    1.0 if plan.fixed_n(m) else float(stats[m, 0]),
                    float(stats[m, 1]),
                    float(stats[m, 2]) if isinstance(source.sq, int) else None,
                    float(stats[m, 3]) if source.cu is not None else None,
                )
            )
    return out


def check_existing(
    log: ProblemLog,
    observations: list[Observation],
    merged: Merged,
    existing_keys: Collection[tuple[date, str, str]] | None,
    column: str | None,
) -> None:
    """Log the day x arm x metric values the pilot already has, on the first row behind each."""
    if not existing_keys:
        return
    existing = set(existing_keys)
    hits = [o for o in observations if (o.day, o.arm, o.metric) in existing]
    hits.sort(key=lambda o: merged[(o.day, o.arm)][2])
    for obs in hits:
        log.add(
            Problem(
                merged[(obs.day, obs.arm)][2],
                column,
                row_messages.already_logged(obs.day, obs.arm, obs.metric),
                "already_logged",
            )
        )


def arm_totals(plan: ColumnPlan, merged: Merged) -> list[ArmTotal]:
    """Each arm's sums over the whole file, per metric."""
    per_arm: dict[str, list] = {}
    for (_day, arm), (stats, rows, _first) in merged.items():
        slot = per_arm.setdefault(arm, [np.zeros_like(stats), 0, 0])
        slot[0] += stats
        slot[1] += rows
        slot[2] += 1
    totals = []
    for arm in sorted(per_arm, key=arm_order):
        stats, rows, days = per_arm[arm]
        for m, metric in enumerate(plan.metrics):
            totals.append(
                ArmTotal(
                    arm=arm,
                    metric=metric.name,
                    kind=metric.kind,
                    n=float(days) if plan.fixed_n(m) else float(stats[m, 0]),
                    total=float(stats[m, 1]),
                    total_sq=float(stats[m, 2]) if isinstance(plan.sources[m].sq, int) else None,
                    days=days,
                    rows=rows,
                )
            )
    return totals
