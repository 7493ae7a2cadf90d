"""Planning a market test from a per-market history file: the picker's ranked table, for the CLI and the designer.

No database: a file in, a plan out. The CLI prints it, the designer page shows
it; both read the same rows, so a figure reads the same in both places.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from lib import formatting as fmt
from lib.importer.market_rows import MarketRows, read_market_rows
from lib.importer.source import Source
from lib.stats.market_picker import TARGET_POWER, MarketDesign, pick_markets
from lib.stats.market_power import MAX_LIFT
from lib.stats.synthetic_control import MarketPanel, panel_from_rows


@dataclass(frozen=True)
class MarketPlan:
    """The picker's answer for one history: ranked designs and what the history held."""

    file_name: str
    effect: float
    markets: int
    first_day: date
    last_day: date
    days_of_history: int
    designs: list[MarketDesign]
    check: bool  # the team named its test markets: only that set was assessed
    cost_per_extra: float | None
    blank_values: int

    @property
    def recommended(self) -> MarketDesign | None:
        """The first design with enough power, if any."""
        return next((d for d in self.designs if d.power >= TARGET_POWER), None)


def parse_effect(text: str) -> float:
    """``10%`` -> 0.10; ``0.1`` -> 0.10; anything else: a plain ValueError."""
    raw = text.strip().removeprefix("+")
    try:
        value = float(raw[:-1].strip()) / 100.0 if raw.endswith("%") else float(raw)
    except ValueError:
        raise ValueError(f"The effect '{text}' is not a lift: write it as 10% or 0.10.") from None
    if not raw.endswith("%") and value >= 1.0:
        raise ValueError(f"The effect '{text}' is ambiguous: write {value:g}% or {value / 100:g}.")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"The effect '{text}' must be a positive lift, e.g. 10%.")
    return value


def parse_days(text: str) -> list[int]:
    """``15`` or ``15,20,30``: whole days, at least one."""
    days: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) < 1:
            raise ValueError(f"The test length '{part}' is not a whole number of days (e.g. 15 or 15,20,30).")
        days.append(int(part))
    return days


def parse_markets(text: str | None) -> list[str]:
    """``Chicago,Portland`` -> ["Chicago", "Portland"]; empty pieces dropped."""
    return [m.strip() for m in (text or "").split(",") if m.strip()]


def _resolve(names: Sequence[str], panel: MarketPanel) -> list[str]:
    """The markets as the file spells them (case and spaces forgiven); unknown ones kept for the error."""
    by_fold = {m.casefold(): m for m in panel.markets}
    return [by_fold.get(n.strip().casefold(), n) for n in names]


def plan_markets(
    source: Source,
    name: str | None = None,
    *,
    market_column: str,
    date_column: str,
    metric_column: str,
    effect: float,
    days: Sequence[int],
    test_markets: Sequence[str] = (),
    excluded: Sequence[str] = (),
    cost_per_extra: float | None = None,
    top: int = 10,
    sizes: Sequence[int] = (1, 2, 3),
    until: date | None = None,
) -> MarketPlan:
    """Read the history and rank designs (or check the named markets). ValueError says what is wrong.

    ``until``: plan on the days up to and including it (e.g. the days before a test already run).
    """
    history: MarketRows = read_market_rows(
        source, name, market_column=market_column, date_column=date_column, metric_column=metric_column
    )
    rows = history.rows if until is None else [r for r in history.rows if r[1] <= until]
    if not rows:
        raise ValueError(f"No rows on or before {fmt.fmt_date(until)} in {history.file_name}.")
    panel = panel_from_rows(rows)
    tests = _resolve(test_markets, panel)
    designs = pick_markets(
        panel,
        effect=effect,
        days=days,
        sizes=sizes,
        test_markets=tests or None,
        excluded=_resolve(excluded, panel),
        cost_per_extra=cost_per_extra,
        top=top,
    )
    return MarketPlan(
        file_name=history.file_name,
        effect=effect,
        markets=len(panel.markets),
        first_day=panel.days[0],
        last_day=panel.days[-1],
        days_of_history=len(panel.days),
        designs=designs,
        check=bool(tests),
        cost_per_extra=cost_per_extra,
        blank_values=history.blank_values,
    )


def mde_text(value: float) -> str:
    return f"> {fmt.pct(MAX_LIFT, 0)}" if not math.isfinite(value) else fmt.pct(value)


def fit_text(d: MarketDesign) -> str:
    """ "3.2% off, 64% better than the plain average"."""
    return f"{fmt.pct(d.relative_rmse)} off, {fmt.pct(d.improvement, 0)} better than average"


def table_rows(plan: MarketPlan) -> list[dict[str, str]]:
    """The ranked designs as text cells, for a terminal table or a page's dataframe."""
    rows = []
    for d in plan.designs:
        row = {
            "#": str(d.rank),
            "Test markets": ", ".join(d.test_markets),
            "Days": str(d.days),
            "Power": fmt.pct(d.power, 0),
            "Detectable lift": mde_text(d.mde),
            "Share of KPI": fmt.pct(d.kpi_share),
            "Fit": fit_text(d),
            "Extra KPI": fmt.number(d.expected_extra),
        }
        if plan.cost_per_extra is not None:
            row["Budget"] = fmt.number(d.budget)
        rows.append(row)
    return rows


def summary_lines(plan: MarketPlan) -> list[str]:
    """What the table means, in sentences a lead can read out."""
    what = "Check of the named markets" if plan.check else "Market test designs"
    windows = plan.designs[0].windows if plan.designs else 0
    lines = [
        f"{what} for a {fmt.signed_pct(plan.effect, 0)} lift: {plan.markets:,} markets, "
        f"{plan.days_of_history:,} days ({fmt.date_range(plan.first_day, plan.last_day)}) from {plan.file_name}.",
        f"Power: the chance that a later test calls the {fmt.signed_pct(plan.effect, 0)} lift with the daily-look "
        f"rule, predicted from {windows} past windows, unseen by the fit, with the lift added to the test markets "
        "(the windows overlap, so it is kept away from 0 % and 100 %). Detectable lift: the lift "
        f"called in {fmt.pct(TARGET_POWER, 0)} of them by the last day.",
    ]
    best = plan.recommended
    if best is not None:
        lines.append(
            f"Recommended: {', '.join(best.test_markets)} for {best.days} days "
            f"({fmt.pct(best.power, 0)} power, detects {mde_text(best.mde)}"
            + (f", budget {fmt.number(best.budget)}" if best.budget is not None else "")
            + ")."
        )
    else:
        lines.append(
            f"No design reaches {fmt.pct(TARGET_POWER, 0)} power for a {fmt.signed_pct(plan.effect, 0)} lift: "
            "plan a longer test, more or larger test markets, or a larger effect."
        )
    if plan.blank_values:
        lines.append(f"{plan.blank_values:,} rows had no value and were left out (those market-days count as missing).")
    return lines


def plan_json(plan: MarketPlan) -> dict:
    """The plan for ``--format json``: plain numbers (fractions, not percent), null where unbounded."""

    def finite(x: float | None) -> float | None:
        return None if x is None or not math.isfinite(x) else x

    return {
        "file": plan.file_name,
        "effect": plan.effect,
        "markets": plan.markets,
        "first_day": plan.first_day.isoformat(),
        "last_day": plan.last_day.isoformat(),
        "days_of_history": plan.days_of_history,
        "check": plan.check,
        "cost_per_extra": plan.cost_per_extra,
        "designs": [
            {
                "rank": d.rank,
                "test_markets": list(d.test_markets),
                "days": d.days,
                "power": d.power,
                "mde": finite(d.mde),
                "kpi_share": d.kpi_share,
                "pre_rmse": d.pre_rmse,
                "relative_rmse": d.relative_rmse,
                "improvement": d.improvement,
                "expected_extra": d.expected_extra,
                "budget": d.budget,
                "windows": d.windows,
            }
            for d in plan.designs
        ],
        "recommended": None if plan.recommended is None else plan.recommended.rank,
    }


EXAMPLE_CITIES = (
    "Aarhus", "Antwerp", "Barcelona", "Bergen", "Bilbao", "Bologna", "Bordeaux", "Bremen", "Brno", "Cork",
    "Dresden", "Dublin", "Edinburgh", "Eindhoven", "Florence", "Gdansk", "Geneva", "Genoa", "Ghent", "Glasgow",
    "Graz", "Hamburg", "Krakow", "Leeds", "Leipzig", "Lille", "Linz", "Lisbon", "Lyon", "Malmo",
    "Marseille", "Munich", "Nantes", "Naples", "Porto", "Rotterdam", "Seville", "Tampere", "Turin", "Valencia",
)  # fmt: skip


def example_history_csv(days: int = 90, seed: int = 27) -> bytes:
    """A made-up daily orders history for 40 cities, to try the picker without a file of one's own.

    Shaped like real ones: sizes 20-fold apart, a shared trend and weekly cycle, city noise
    (larger for small cities), and a 10-day promotion that lifted a third of the cities.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    t = np.arange(days)
    first = date(2026, 1, 5)
    sizes = np.exp(rng.uniform(np.log(200.0), np.log(4000.0), len(EXAMPLE_CITIES)))
    national = 1.0 + 0.0015 * t + np.cumsum(rng.normal(0.0, 0.004, days))
    promotion = np.where((t >= 40) & (t < 50), 0.15, 0.0)
    lines = ["city,day,orders"]
    for j, city in enumerate(EXAMPLE_CITIES):
        weekly = 1.0 + 0.12 * rng.uniform(0.7, 1.3) * np.sin(2 * np.pi * t / 7 + rng.normal(0.0, 0.15))
        noise = rng.normal(0.0, 0.03 + 0.6 / np.sqrt(sizes[j]), days)
        lift = promotion if j % 3 == 0 else 0.0
        values = sizes[j] * national * weekly * (1.0 + lift) * np.exp(noise)
        lines += [f"{city},{first + timedelta(days=i)},{round(v)}" for i, v in enumerate(values)]
    return ("\n".join(lines) + "\n").encode()
