"""The market picker: which markets to treat, and for how long, so the test can detect the planned lift.

Candidates: single markets ranked by how well the other markets track them on
held-out days, then pairs and triples of the best-tracked ones (plus a few drawn
at random, so the best mix is not missed only because its parts tracked less
well alone). Each candidate x duration is tried on the market's own past
(:mod:`lib.stats.market_power`). Ranking: designs with at least 80 % power first,
shortest first, then the smallest detectable lift; the rest by power.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from lib.stats.market_power import MIN_FIT_DAYS, estimate_power, window_origins
from lib.stats.synthetic_control import MarketPanel, fit_rmse, holdout_rmse, scaled, simplex_weights

#: the power a design must reach to be called "powered"
TARGET_POWER = 0.8
#: single markets kept for combining into pairs and triples (best tracked first)
COMBINE_FROM = 7
#: candidate sets per size that get the (costly) power simulation
SIMULATE_PER_SIZE = 6
#: extra randomly drawn sets per size, so good mixes of individually weaker markets get a chance
RANDOM_PER_SIZE = 2


@dataclass(frozen=True)
class MarketDesign:
    """One candidate design: test markets x days, with what it can detect in the markets' past."""

    test_markets: tuple[str, ...]
    days: int
    power: float
    mde: float
    kpi_share: float
    pre_rmse: float
    improvement: float
    budget: float | None
    rank: int
    # additions beyond the contract
    expected_extra: float = 0.0  # KPI the planned lift adds over the test days
    windows: int = 0  # past windows the power was measured on
    relative_rmse: float = 0.0  # pre_rmse over the test markets' mean level
    null_lift_rmse: float = 0.0  # typical lift read in past windows where nothing happened

    @property
    def powered(self) -> bool:
        return self.power >= TARGET_POWER


def _usable(panel: MarketPanel, excluded: Sequence[str]) -> tuple[list[str], np.ndarray, list[tuple[str, str]]]:
    """Markets with a value every day and a positive level; the others named with the reason."""
    names: list[str] = []
    rows: list[np.ndarray] = []
    dropped: list[tuple[str, str]] = []
    for i, m in enumerate(panel.markets):
        row = panel.values[i]
        if m in excluded:
            dropped.append((m, "excluded"))
        elif np.isnan(row).any():
            dropped.append((m, f"{int(np.isnan(row).sum())} of {len(row)} days are missing"))
        elif row.mean() <= 0:
            dropped.append((m, "no positive KPI"))
        else:
            names.append(m)
            rows.append(row)
    return names, (np.array(rows) if rows else np.empty((0, len(panel.days)))), dropped


def _relative_holdout(values: np.ndarray, members: Sequence[int]) -> float:
    others = [i for i in range(values.shape[0]) if i not in set(members)]
    treated = values[list(members)].sum(axis=0)
    pre = values.shape[1]
    return holdout_rmse(treated, values[others], pre, markets=len(members), shift=False) / treated.mean()


def _candidates(names: list[str], values: np.ndarray, sizes: Sequence[int], seed: int) -> list[tuple[int, ...]]:
    """Sets of test markets worth simulating, best tracked first within each size."""
    count = len(names)
    singles = sorted(range(count), key=lambda i: (_relative_holdout(values, [i]), names[i]))
    pool = singles[:COMBINE_FROM]
    rng = np.random.default_rng(seed)
    chosen: list[tuple[int, ...]] = []
    for size in sorted(set(sizes)):
        if size < 1 or size > count - 2:
            continue
        members = [[i] for i in singles] if size == 1 else itertools.combinations(pool, size)
        sets = [tuple(sorted(c)) for c in members]
        ranked = sorted(sets, key=lambda s: _relative_holdout(values, s))[:SIMULATE_PER_SIZE]
        drawn = 0
        for _ in range(20 * RANDOM_PER_SIZE):
            if drawn >= RANDOM_PER_SIZE or math.comb(count, size) <= len(ranked):
                break
            pick = tuple(sorted(int(i) for i in rng.choice(count, size, replace=False)))
            if pick not in ranked:
                ranked.append(pick)
                drawn += 1
        chosen.extend(ranked)
    return chosen


def _fit_quality(values: np.ndarray, members: Sequence[int]) -> tuple[float, float, float]:
    """Pre-period error of the synthetic over the whole history, the plain average's, and the treated level."""
    others = [i for i in range(values.shape[0]) if i not in set(members)]
    treated = values[list(members)].sum(axis=0)
    pre = values.shape[1]
    series = scaled(treated, values[others], pre, markets=len(members))
    w = simplex_weights(series.controls, series.treated)
    average = np.full(len(others), 1.0 / len(others))
    return fit_rmse(series, w, pre), fit_rmse(series, average, pre), series.treated_level


def pick_markets(
    panel: MarketPanel,
    *,
    effect: float,
    days: Sequence[int],
    sizes: Sequence[int] = (1, 2, 3),
    test_markets: Sequence[str] | None = None,
    excluded: Sequence[str] = (),
    cost_per_extra: float | None = None,
    top: int = 10,
    seed: int = 0,
    confidence: float = 0.95,
) -> list[MarketDesign]:
    """Rank test-market designs by what they can detect; ``test_markets`` given: check only that set.

    ``effect`` is the planned relative lift (0.10 = +10 %); ``days`` the test lengths to try.
    Raises ValueError with a plain message for an unknown market, no usable history, or too
    few days before a test of that length.
    """
    if not math.isfinite(effect) or effect <= 0:
        raise ValueError(f"The planned effect must be a positive lift (e.g. 10 %), not {effect!r}.")
    lengths = sorted({int(d) for d in days})
    if not lengths or lengths[0] < 1:
        raise ValueError("Give at least one test length in days (e.g. 15).")
    if cost_per_extra is not None and (not math.isfinite(cost_per_extra) or cost_per_extra < 0):
        raise ValueError(f"The cost per extra unit must be zero or more, not {cost_per_extra!r}.")
    known = set(panel.markets)
    for m in (*(test_markets or ()), *excluded):
        if m not in known:
            listed = ", ".join(panel.markets[:12]) + (" …" if len(panel.markets) > 12 else "")
            raise ValueError(f"{m} is not a market in the data (markets: {listed}).")
    names, values, dropped = _usable(panel, tuple(excluded))
    total_days = len(panel.days)
    for length in lengths:
        if not window_origins(total_days, length):
            raise ValueError(
                f"Too few days before the test: a {length}-day test needs at least "
                f"{max(MIN_FIT_DAYS + length, 2 * length)} days of history to be tried on past windows "
                f"(the data have {total_days})."
            )
    if test_markets:
        why = dict(dropped)
        for m in test_markets:
            if m in why:
                raise ValueError(f"Test market {m} cannot be checked: {why[m]}.")
        sets = [tuple(sorted(names.index(m) for m in dict.fromkeys(test_markets)))]
        if len(names) - len(sets[0]) < 2:
            raise ValueError("At least two markets must stay out of the test to build the synthetic control.")
    else:
        if len(names) < 3:
            raise ValueError(f"Only {len(names)} markets have a value every day; the picker needs at least 3.")
        sets = _candidates(names, values, sizes, seed)
    alpha = 1.0 - confidence
    total_kpi = float(values.sum())
    designs: list[MarketDesign] = []
    for members in sets:
        others = [i for i in range(len(names)) if i not in set(members)]
        treated = values[list(members)].sum(axis=0)
        pre_rmse, average_rmse, level = _fit_quality(values, members)
        share = float(treated.sum()) / total_kpi if total_kpi > 0 else 0.0
        for length in lengths:
            estimate = estimate_power(
                treated, values[others], length, effect, markets=len(members), alpha=alpha, target_power=TARGET_POWER
            )
            extra = effect * float(treated.mean()) * length
            designs.append(
                MarketDesign(
                    test_markets=tuple(names[i] for i in members),
                    days=length,
                    power=estimate.power,
                    mde=estimate.mde,
                    kpi_share=share,
                    pre_rmse=pre_rmse,
                    improvement=1.0 - pre_rmse / average_rmse if average_rmse > 0 else 0.0,
                    budget=None if cost_per_extra is None else cost_per_extra * extra,
                    rank=0,
                    expected_extra=extra,
                    windows=estimate.windows,
                    relative_rmse=pre_rmse / level,
                    null_lift_rmse=estimate.null_lift_rmse,
                )
            )
    ordered = sorted(designs, key=_rank_key)
    return [_with_rank(d, i + 1) for i, d in enumerate(ordered[: max(int(top), 1)])]


def _rank_key(d: MarketDesign) -> tuple[float, ...]:
    """Powered designs first (shortest, then smallest detectable lift, then smallest share); then by power."""
    if d.powered:
        return (0.0, d.days, d.mde, d.kpi_share, d.relative_rmse)
    return (1.0, -d.power, d.mde, d.days, d.relative_rmse)


def _with_rank(d: MarketDesign, rank: int) -> MarketDesign:
    return replace(d, rank=rank)
