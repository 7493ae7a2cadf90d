"""Means and proportions build their results through one TwoArms: the same numbers as before, on every branch.

The digest covers 1,080 comparisons (empty arms, one unit, no spread, sequential and fixed-sample, every
side and test method) and was taken before the shared construction replaced the copies in means.py,
proportions.py and sequential.py.
"""

from __future__ import annotations

import hashlib
import json

from lib.stats.means import Summary, compare_means
from lib.stats.proportions import compare_proportions
from lib.stats.result_types import TwoArms

DIGEST = "c417bcd46d715433966fa7daaac1a95f0ad24deb203fc68eb67b2960063d1db3"
SUMMARIES = [Summary(0, 0.0, 0.0), Summary(1, 5.0, 0.0), Summary(30, 10.0, 0.0)]
SUMMARIES += [Summary(30, 10.0, 2.0), Summary(45, 11.0, 2.5), Summary(200, 0.0, 1.0)]
COUNTS = [(0, 0), (0, 10), (5, 10), (10, 10), (40, 500), (55, 510)]
SIDES = ("two-sided", "greater", "less")


def _every_branch() -> list[dict]:
    out = []
    for c in SUMMARIES:
        for p in SUMMARIES:
            for side in SIDES:
                for seq in (False, True):
                    out.append(compare_means(c, p, alternative=side, sequential=seq, alpha=0.05).to_dict())
    for xc, nc in COUNTS:
        for xp, np_ in COUNTS:
            for side in SIDES:
                for seq in (False, True):
                    for method in ("auto", "z", "chi2", "fisher"):
                        result = compare_proportions(xc, nc, xp, np_, alternative=side, sequential=seq, method=method)
                        out.append(result.to_dict())
    return out


def test_every_branch_gives_the_numbers_it_gave_before():
    results = _every_branch()
    assert len(results) == 1080
    assert hashlib.sha256(json.dumps(results, sort_keys=True).encode()).hexdigest() == DIGEST


def test_a_result_carries_its_arms_whatever_the_test_found():
    arms = TwoArms(0.05, 0.06, 400.0, 410.0, "greater", 0.1, sequential=False)
    undecided = arms.undecided(method="none", warnings=("why",))
    assert (undecided.p_value, undecided.ci_low, undecided.ci_high, undecided.warnings) == (1.0, None, None, ("why",))
    assert (undecided.control_value, undecided.pilot_value, undecided.sequential) == (0.05, 0.06, False)
    fixed = compare_proportions(20, 400, 25, 410, alternative="greater", alpha=0.1)
    for result in (undecided, fixed):
        assert (result.control_n, result.pilot_n, result.alternative, result.alpha) == (400, 410, "greater", 0.1)
    assert (fixed.control_value, fixed.pilot_value) == (20 / 400, 25 / 410)
    seq = compare_means(Summary(40, 10.0, 2.0), Summary(40, 11.0, 2.0), sequential=True)
    assert seq.sequential and seq.method == "sequential" and seq.control_n == seq.pilot_n == 40
