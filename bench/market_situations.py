"""Market tests for ``operating_characteristics.py --markets``: synthetic control looked at every day.

Each simulated history holds 40 markets x 120 days shaped like a retailer's daily
orders: sizes 20-fold apart, a shared trend with a slow national random walk, a
weekly cycle whose depth and phase differ a little by market, market-specific
day-to-day noise (larger for small markets, correlated from day to day), and a
10-day shock (+15 %) that hits a third of the markets at a random time (it can
fall inside the test). The first 90 days are the history a team plans on.

Situations (each read with :func:`lib.stats.market_test.read_market_test` at
every day of a 15-day test, exactly as the app does):

* ``market_null``: two test markets picked at random, no effect. Wrong scale:
  the reading says "effect" at any look. Baseline on the same data: each look's
  conformal test judged as if it were the only one (one-sided 5 %).
* ``market_effect``: the picker (:func:`lib.stats.market_picker.pick_markets`)
  chooses test markets and length on the first 90 days for a +10 % lift; the
  lift is then added to its recommended markets in the days after, and the test
  is read daily. Power must be >= 80 %. The picker's stated power is compared
  with the share detected.
* ``market_calibration``: check mode on two random markets for a +5 % lift (a
  lift near what they can detect, so the stated power is informative); the lift
  is added to two later windows the picker never saw; the realised detection
  rate must be within 10 points of the mean stated power, overall and within each
  band of stated power (0-50 %, 50-80 %, 80-100 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from lib.stats.market_picker import pick_markets
from lib.stats.market_test import read_market_test
from lib.stats.synthetic_control import MarketPanel

MARKETS = 40
HISTORY = 90
TEST_DAYS = 15
TOTAL = HISTORY + 2 * TEST_DAYS
FIRST = date(2026, 1, 5)
NAMES = tuple(f"Market {j:02d}" for j in range(MARKETS))
DAYS = tuple(FIRST + timedelta(days=i) for i in range(TOTAL))
PLANNED_LIFT = 0.10
CALIBRATION_LIFT = 0.05


@dataclass(frozen=True)
class MarketCell:
    key: str
    title: str
    bound: float  # wrong-scale bound, or the power floor, or the calibration gap
    check: str


def market_cells() -> list[MarketCell]:
    return [
        MarketCell("market_null", "2 placebo test markets of 40, no effect, 15 daily looks", 0.05, "wrong scale"),
        MarketCell("market_effect", "picker's recommended design, +10 % lift, daily looks", 0.80, "power"),
        MarketCell(
            "market_calibration", "2 random markets, +5 % lift, 2 later unseen windows", 0.10, "stated vs realised"
        ),
    ]


def history(rng: np.random.Generator) -> np.ndarray:
    """(markets, days) daily orders as described in the module docstring."""
    t = np.arange(TOTAL)
    sizes = np.exp(rng.uniform(np.log(200.0), np.log(4000.0), MARKETS))
    national = 1.0 + 0.0015 * t + np.cumsum(rng.normal(0.0, 0.004, TOTAL))
    shock_start = int(rng.integers(20, TOTAL - 10))
    shocked = rng.random(MARKETS) < 1.0 / 3.0
    shock = np.where((t >= shock_start) & (t < shock_start + 10), 0.15, 0.0)
    values = np.empty((MARKETS, TOTAL))
    for j in range(MARKETS):
        depth = 0.12 * rng.uniform(0.7, 1.3)
        weekly = 1.0 + depth * np.sin(2 * np.pi * t / 7 + rng.normal(0.0, 0.15))
        drift = 1.0 + rng.normal(0.0, 0.0005) * t
        sd = 0.03 + 0.6 / np.sqrt(sizes[j])  # small markets are noisier
        noise = np.empty(TOTAL)
        noise[0] = rng.normal(0.0, sd)
        for i in range(1, TOTAL):
            noise[i] = 0.3 * noise[i - 1] + rng.normal(0.0, sd * np.sqrt(1 - 0.09))
        hit = shock if shocked[j] else 0.0
        values[j] = sizes[j] * national * weekly * drift * (1.0 + hit) * np.exp(noise)
    return values


def _panel(values: np.ndarray, days: int) -> MarketPanel:
    return MarketPanel(NAMES, DAYS[:days], values[:, :days])


def _daily(values: np.ndarray, tests: tuple[str, ...], start: int, planned: int) -> tuple[bool, bool]:
    """(called by the daily-look rule, called by some look judged alone at one-sided 5 %)."""
    panel = _panel(values, start + planned)
    rule = alone = False
    for k in range(1, planned + 1):
        reading = read_market_test(panel, tests, DAYS[start], end=DAYS[start + k - 1], planned_days=planned)
        rule = rule or reading.outcome == "effect"
        alone = alone or reading.p_value <= 0.05
        if rule and alone:
            break
    return rule, alone


def _with_lift(values: np.ndarray, tests: tuple[str, ...], start: int, days: int, lift: float) -> np.ndarray:
    lifted = values.copy()
    rows = [NAMES.index(m) for m in tests]
    lifted[rows, start : start + days] *= 1.0 + lift
    return lifted


def run_market_cell(key: str, runs: int, seed: int) -> dict:
    """Simulate one situation ``runs`` times; counts for the table."""
    rng = np.random.default_rng(seed)
    out: dict = {"key": key, "runs": runs, "rule": 0, "alone": 0, "stated": [], "realised": [], "designs": []}
    for _ in range(runs):
        values = history(rng)
        if key == "market_null":
            tests = tuple(sorted(rng.choice(NAMES, 2, replace=False).tolist()))
            rule, alone = _daily(values, tests, HISTORY, TEST_DAYS)
            out["rule"] += rule
            out["alone"] += alone
        elif key == "market_effect":
            designs = pick_markets(_panel(values, HISTORY), effect=PLANNED_LIFT, days=[10, 15, 21], sizes=(1, 2), top=1)
            best = designs[0]
            lifted = _with_lift(values, best.test_markets, HISTORY, best.days, PLANNED_LIFT)
            rule, alone = _daily(lifted, best.test_markets, HISTORY, best.days)
            out["rule"] += rule
            out["alone"] += alone
            out["stated"].append(best.power)
            out["designs"].append((len(best.test_markets), best.days))
        else:
            tests = tuple(sorted(rng.choice(NAMES, 2, replace=False).tolist()))
            (design,) = pick_markets(
                _panel(values, HISTORY), effect=CALIBRATION_LIFT, days=[TEST_DAYS], test_markets=tests
            )
            for start in (HISTORY, HISTORY + TEST_DAYS):
                lifted = _with_lift(values, tests, start, TEST_DAYS, CALIBRATION_LIFT)
                rule, _ = _daily(lifted, tests, start, TEST_DAYS)
                out["realised"].append(rule)
                out["stated"].append(design.power)
    return out
