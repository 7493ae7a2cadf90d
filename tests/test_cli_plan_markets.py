"""``plan-markets``: a ranked table a lead can read, JSON with the same figures, and one-line refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.cli.main import main
from tests.stats.market_panels import day, market_values

NAMES = [f"City {chr(65 + j)}" for j in range(10)]


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """Ten markets x 60 days, one row per market and day, thousands separators in the KPI."""
    values = market_values(10, 60, seed=11)
    lines = ["market;day;orders"]
    lines += [f"{NAMES[j]};{day(i).isoformat()};{values[j, i] * 10:,.1f}" for j in range(10) for i in range(60)]
    path = tmp_path / "history.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _args(path: Path, *extra: str) -> list[str]:
    return [
        "plan-markets",
        str(path),
        "--market-column",
        "market",
        "--date-column",
        "day",
        "--metric",
        "orders",
        "--effect",
        "10%",
        "--days",
        "10",
        "--sizes",
        "1,2",
        "--top",
        "4",
        *extra,
    ]


def test_the_ranked_table_reads_for_people(history: Path, capsys) -> None:
    assert main(_args(history, "--cost-per-extra", "12.5")) == 0
    out = capsys.readouterr().out
    assert "Market test designs for a +10% lift: 10 markets, 60 days (1 Mar – 29 Apr 2026)" in out
    header = next(line for line in out.splitlines() if "Test markets" in line)
    for column in ("Days", "Power", "Detectable lift", "Share of KPI", "Fit", "Budget"):
        assert column in header
    assert "Recommended:" in out or "No design reaches 80% power" in out
    budgets = [line.split()[-1] for line in out.splitlines() if line.strip()[:1].isdigit() and "City" in line]
    assert len(budgets) == 4 and all("," in b for b in budgets)  # thousands separators


def test_json_carries_the_same_designs(history: Path, capsys) -> None:
    assert main(_args(history, "--format", "json", "--days", "10,14")) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["markets"] == 10 and plan["days_of_history"] == 60 and plan["effect"] == pytest.approx(0.10)
    assert [d["rank"] for d in plan["designs"]] == [1, 2, 3, 4]
    first = plan["designs"][0]
    assert set(first) >= {"test_markets", "days", "power", "mde", "kpi_share", "pre_rmse", "improvement", "budget"}
    assert first["budget"] is None and first["days"] in (10, 14)
    assert 0.0 <= first["power"] <= 1.0 and 0.0 < first["kpi_share"] < 1.0


def test_until_plans_on_the_days_before_a_test(history: Path, capsys) -> None:
    assert main(_args(history, "--format", "json", "--until", "2026-04-19", "--top", "1")) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["days_of_history"] == 50 and plan["last_day"] == "2026-04-19"


def test_check_mode_assesses_only_the_named_markets(history: Path, capsys) -> None:
    assert main(_args(history, "--format", "json", "--test-markets", "city a, City C")) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["check"] is True
    assert [d["test_markets"] for d in plan["designs"]] == [["City A", "City C"]]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--market-column", "region"], "Column 'region' is not in the file. Columns found: market, day, orders"),
        (["--test-markets", "City A,Lyon"], "Lyon is not a market in the data"),
        (["--days", "40"], "a 40-day test needs at least 80 days of history"),
        (["--effect", "ten"], "is not a lift"),
        (["--effect", "10"], "is ambiguous: write 10% or 0.1"),
        (["--days", "two"], "not a whole number of days"),
        (["--until", "2025-01-01"], "No rows on or before 1 Jan 2025 in history.csv"),
    ],
)
def test_refusals_are_one_line_without_a_traceback(history: Path, capsys, extra: list[str], message: str) -> None:
    code = main(_args(history, *extra))
    captured = capsys.readouterr()
    assert code != 0
    assert captured.out == ""
    assert captured.err.startswith("error: ") and message in captured.err
    assert "Traceback" not in captured.err and captured.err.count("\n") == 1


def test_a_market_without_a_value_every_day_cannot_be_checked(history: Path, capsys) -> None:
    text = history.read_text().splitlines()
    kept = [
        line for line in text if not (line.startswith("City B;") and line.split(";")[1] in ("2026-03-05", "2026-03-06"))
    ]
    history.write_text("\n".join(kept) + "\n")
    assert main(_args(history, "--test-markets", "City B")) != 0
    assert "Test market City B cannot be checked: 2 of 60 days are missing" in capsys.readouterr().err
