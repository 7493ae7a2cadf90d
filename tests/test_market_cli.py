"""Acceptance for issue 27 through the command line: a 40-market, 105-day daily export with two test markets
imports, evaluates and charts; the plan's test markets missing from the file are refused by name with nothing
written; a market with days missing before the start is named and left out of the controls."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlmodel import Session, func, select

from lib.charts.market import weights_sentence
from lib.cli.main import main
from lib.infra.db import make_engine, upgrade
from lib.infra.models import Pilot, ResultEntry, UnitResult
from tests.markets import PRE_DAYS, TEST_DAYS, market_export

START = date.today() - timedelta(days=TEST_DAYS - 1)  # the export's last day is today
FIRST = START - timedelta(days=PRE_DAYS)


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _create(capsys, *extra: str, name: str = "Billboards") -> int:
    code = main(
        [
            "create-pilot",
            "--name",
            name,
            "--design",
            "market",
            "--status",
            "running",
            "--start",
            START.isoformat(),
            "--end",
            (START + timedelta(days=TEST_DAYS + 5)).isoformat(),
            "--criterion",
            "sales:count:primary::0",
            *extra,
        ]
    )
    return code


def _import(path, *extra: str) -> int:
    return main(
        ["import", str(path), "--pilot", "Billboards", "--market-column", "Market", "--date-column", "Date"]
        + ["--metric", "sales=Sales:count", *extra]
    )


def _evaluate(capsys) -> dict:
    capsys.readouterr()
    assert main(["evaluate", "--pilot", "Billboards", "--format", "json"]) == 0
    [out] = json.loads(capsys.readouterr().out)
    return out


def _stored(engine) -> tuple[int, int]:
    with Session(engine) as s:
        return (
            s.exec(select(func.count()).select_from(ResultEntry)).one(),
            s.exec(select(func.count()).select_from(UnitResult)).one(),
        )


def test_a_40_market_export_imports_evaluates_and_charts(cli_db, tmp_path, capsys):
    path = tmp_path / "markets.csv"
    market_export(FIRST, lift=0.10).to_csv(path, index=False)
    assert _create(capsys, "--test-markets", "Chicago, Portland") == 0
    capsys.readouterr()
    assert _import(path) == 0
    said = capsys.readouterr().out
    assert "2 test ('Chicago', 'Portland') against a synthetic control from 38 untreated markets" in said
    assert f"{PRE_DAYS} days before the start (the fit) and {TEST_DAYS} from it" in said
    assert "Units by Market" not in said  # the importer's one-arm unit count would read wrongly here
    assert _stored(cli_db) == (2 * (PRE_DAYS + TEST_DAYS), 40 * (PRE_DAYS + TEST_DAYS))
    with Session(cli_db) as s:
        arms = dict(s.exec(select(UnitResult.unit, UnitResult.arm).distinct()).all())
    assert arms["Chicago"] == arms["Portland"] == "pilot" and arms["Miami"] == "control"

    out = _evaluate(capsys)
    market = out["market"]
    assert out["recommendation"] == "scale", out["reasons"]
    lift = market["relative_lift"]
    assert lift["low"] < 0.10 < lift["high"] and 0.05 < lift["estimate"] < 0.15
    assert market["interval"] == {"confidence": 0.95, "low": lift["low"], "high": lift["high"], "scale": "lift"}
    inc = market["incremental"]
    assert 0 < inc["low"] < inc["estimate"] < inc["high"]
    assert 0 <= market["p_value"] < 0.05
    weights = market["weights"]
    assert abs(sum(w["weight"] for w in weights) - 1) < 1e-6 and all(w["weight"] > 0 for w in weights)
    assert not {w["market"] for w in weights} & {"Chicago", "Portland"}
    assert market["fit"]["fit_ok"] and market["fit"]["improvement"] > 0 and market["left_out"] == []
    assert (market["pre_days"], market["test_days"]) == (PRE_DAYS, TEST_DAYS)
    assert "Read as a market test" in " ".join(out["reasons"])
    assert "Before/after is not an experiment" not in " ".join(out["reasons"])

    capsys.readouterr()
    assert main(["evaluate", "--pilot", "Billboards"]) == 0
    text = capsys.readouterr().out
    assert "-> SCALE" in text and "against the synthetic control" in text
    assert "    Synthetic Chicago + Portland = " in text and f"Fit before the start ({PRE_DAYS} days)" in text

    report = tmp_path / "report.html"
    assert main(["report", "--pilot", "Billboards", "--out", str(report)]) == 0
    html = report.read_text()
    assert "The synthetic control" in html and weights_sentence(market).split(" + ")[0] in html
    assert "Synthetic Chicago + Portland = " in html and "test_start" in html and "gap_line" in html


def test_test_markets_the_file_lacks_are_refused_by_name_and_nothing_is_written(cli_db, tmp_path, capsys):
    path = tmp_path / "markets.csv"
    market_export(FIRST).to_csv(path, index=False)
    assert _create(capsys, "--test-markets", "Chicago,Gotham,Metropolis") == 0
    capsys.readouterr()
    assert _import(path) != 0
    err = capsys.readouterr()
    assert "'Gotham', 'Metropolis' are not in Market" in err.out + err.err
    assert "Nothing was saved" in err.out + err.err
    assert _stored(cli_db) == (0, 0)


def test_a_market_with_days_missing_before_the_start_is_named_and_left_out(cli_db, tmp_path, capsys):
    frame = market_export(FIRST)
    gone = {(FIRST + timedelta(days=d)).isoformat() for d in (10, 11, 40)}
    frame = frame[~((frame.Market == "Denver") & frame.Date.isin(gone))]
    path = tmp_path / "markets.csv"
    frame.to_csv(path, index=False)
    assert _create(capsys, "--test-markets", "Chicago,Portland", "--excluded-markets", "Milwaukee") == 0
    capsys.readouterr()
    assert _import(path) == 0
    said = capsys.readouterr().out
    assert f"'Denver' has 3 of {PRE_DAYS} days before the start missing: it is left out of the controls." in said
    assert "1 excluded ('Milwaukee')" in said
    market = _evaluate(capsys)["market"]
    left = {x["market"]: x["reason"] for x in market["left_out"]}
    assert "Denver" in left and "3" in left["Denver"]
    names = {w["market"] for w in market["weights"]}
    assert not names & {"Denver", "Milwaukee", "Chicago", "Portland"}


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ((), "a running market test needs its test markets"),
        (("--test-markets", "Chicago", "--excluded-markets", "chicago"), "cannot be both a test market and excluded"),
    ],
)
def test_create_pilot_refuses_a_market_test_without_a_clear_plan(cli_db, capsys, extra, words):
    assert _create(capsys, *extra) != 0
    err = capsys.readouterr().err
    assert err.startswith("error:") and words in err
    with Session(cli_db) as s:
        assert s.exec(select(Pilot)).first() is None


def test_markets_belong_to_market_tests_only(cli_db, tmp_path, capsys):
    code = main(
        ["create-pilot", "--name", "Email", "--design", "target", "--test-markets", "Chicago"]
        + ["--criterion", "reply_rate:proportion:primary:vs_target:8%"]
    )
    assert code != 0 and "only a market test names test or excluded markets" in capsys.readouterr().err
    assert (
        main(["create-pilot", "--name", "Billboards", "--design", "target", "--criterion", "sales:count:primary::5"])
        == 0
    )
    path = tmp_path / "markets.csv"
    market_export(FIRST, days=20).to_csv(path, index=False)
    capsys.readouterr()
    assert _import(path) != 0
    assert "is not a market test" in capsys.readouterr().err
    assert _stored(cli_db) == (0, 0)


def test_a_planned_market_test_may_name_its_markets_later_but_its_file_waits_for_them(cli_db, tmp_path, capsys):
    code = main(["create-pilot", "--name", "Billboards", "--design", "market", "--criterion", "sales:count:primary::0"])
    assert code == 0, capsys.readouterr().err
    path = tmp_path / "markets.csv"
    market_export(FIRST, days=20).to_csv(path, index=False)
    capsys.readouterr()
    assert _import(path) != 0
    said = capsys.readouterr()
    assert "the plan names no test markets yet" in said.out + said.err
    assert _stored(cli_db) == (0, 0)
