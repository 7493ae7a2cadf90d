"""Calibration by simulation (fixed seeds, a few seconds).

With no true effect, the fixed-sample z-test rejects about alpha of the time.
Checking every day with that fixed test ("peeking") inflates false positives;
the sequential option stays at or below alpha. The figures are printed
(run with ``-s`` to see them).
"""

from __future__ import annotations

import numpy as np

from lib.stats import compare_proportions

ALPHA = 0.05
RATE = 0.10


def test_fixed_z_test_rejects_about_alpha_without_an_effect():
    rng = np.random.default_rng(12345)
    pilots, n = 4000, 2000
    control = rng.binomial(n, RATE, pilots)
    pilot = rng.binomial(n, RATE, pilots)
    rejections = sum(
        compare_proportions(int(c), n, int(p), n, method="z").p_value < ALPHA
        for c, p in zip(control, pilot, strict=True)
    )
    rate = rejections / pilots
    print(f"\nfixed z-test, one look, {pilots:,} null pilots: false-positive rate {rate:.3f} (alpha {ALPHA})")
    # binomial standard error at 4,000 pilots is 0.0034: allow about 3 of them
    assert 0.04 <= rate <= 0.06


def test_daily_peeking_inflates_and_sequential_holds():
    rng = np.random.default_rng(2026)
    pilots, days, per_day = 2000, 20, 150
    control = rng.binomial(per_day, RATE, (pilots, days)).cumsum(axis=1)
    pilot = rng.binomial(per_day, RATE, (pilots, days)).cumsum(axis=1)
    naive = sequential = 0
    for i in range(pilots):
        hit_naive = hit_seq = False
        for d in range(days):
            n = per_day * (d + 1)
            c, p = int(control[i, d]), int(pilot[i, d])
            if not hit_naive and compare_proportions(c, n, p, n, method="z").p_value < ALPHA:
                hit_naive = True
            if not hit_seq and compare_proportions(c, n, p, n, sequential=True).p_value < ALPHA:
                hit_seq = True
            if hit_naive and hit_seq:
                break
        naive += hit_naive
        sequential += hit_seq
    naive_rate, seq_rate = naive / pilots, sequential / pilots
    print(
        f"\ndaily looks for {days} days, {pilots:,} null pilots: naive peeking false-positive rate "
        f"{naive_rate:.3f}, sequential {seq_rate:.3f} (alpha {ALPHA})"
    )
    assert naive_rate > 0.10  # peeking roughly triples the nominal 5%
    assert seq_rate <= ALPHA
