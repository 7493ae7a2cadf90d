"""Corrections when several criteria are judged together, and the split check."""

from __future__ import annotations

import math
from collections.abc import Sequence

from lib.stats import stats_messages, validation
from lib.stats.distributions import chi2_sf

ADJUST_METHODS: tuple[str, ...] = ("holm", "bh", "bonferroni", "none")


def adjust_pvalues(p_values: Sequence[float], method: str = "holm") -> list[float]:
    """Adjusted p-values in the input order, capped at 1.

    - ``"holm"``: step-down Holm, controls the family-wise error rate under any
      dependence;
    - ``"bh"``: Benjamini-Hochberg, controls the false discovery rate
      (independent or positively dependent tests);
    - ``"bonferroni"``: m times each p;
    - ``"none"``: unchanged.
    """
    method = validation.choice("method", method, ADJUST_METHODS)
    ps = [validation.probability(f"p_values[{i}]", p) for i, p in enumerate(p_values)]
    m = len(ps)
    if m == 0 or method == "none":
        return ps
    if method == "bonferroni":
        return [min(1.0, p * m) for p in ps]
    order = sorted(range(m), key=lambda i: ps[i])
    adjusted = [0.0] * m
    if method == "holm":
        running = 0.0
        for rank, i in enumerate(order):
            running = max(running, min(1.0, (m - rank) * ps[i]))
            adjusted[i] = running
        return adjusted
    running = 1.0
    for rank in range(m - 1, -1, -1):
        i = order[rank]
        running = min(running, ps[i] * m / (rank + 1))
        adjusted[i] = min(1.0, running)
    return adjusted


def srm_pvalue(observed_counts: Sequence[float], expected_shares: Sequence[float] | None = None) -> float:
    """Chi-square goodness-of-fit p-value of the split between arms.

    A tiny p-value (say below 0.001) means the arms did not get the share of
    traffic planned, so assignment is probably broken. Equal shares unless
    ``expected_shares`` says otherwise (they are normalised to sum to 1).
    Returns 1.0 when there are no units yet.
    """
    given = list(observed_counts)
    counts = [c for c in given if type(c) is float]  # plain floats (what the engine passes) checked at once
    if len(counts) != len(given) or not all(c >= 0.0 and math.isfinite(c) for c in counts):
        counts = [validation.non_negative(f"observed_counts[{i}]", c) for i, c in enumerate(given)]
    k = len(counts)
    if k < 2:
        raise ValueError(stats_messages.SRM_NEEDS_TWO)
    if expected_shares is None:
        shares = [1.0 / k] * k
    else:
        if len(expected_shares) != k:
            raise ValueError(stats_messages.SRM_SHARES_LENGTH)
        raw = [validation.non_negative(f"expected_shares[{i}]", s) for i, s in enumerate(expected_shares)]
        if any(s == 0 for s in raw):
            raise ValueError(stats_messages.NOT_POSITIVE.format(name="expected_shares", value=expected_shares))
        total_share = sum(raw)
        shares = [s / total_share for s in raw]
    total = sum(counts)
    if total == 0:
        return 1.0
    stat = sum((c - total * s) ** 2 / (total * s) for c, s in zip(counts, shares, strict=True))
    return min(1.0, chi2_sf(stat, k - 1))
