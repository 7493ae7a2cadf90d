"""The round trip of issue 28: import a file with a spend column, `evaluate --format json`, then the report.

Every figure is checked against a hand computation from the file itself (pandas): spend so far, the
extra leads the pilot arm got at control's rate, the extra spend at control's spend per click, their
ratio, and the month a scale-up would bring. The interval of the extra leads is checked against the
delta method written out here (day-clustered, as the reading says it is computed).
"""

from __future__ import annotations

import json
import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from lib import formatting as fmt
from lib.cli.main import main
from lib.infra.db import make_engine, transaction, upgrade
from lib.services.pilots import create_pilot

START = date(2026, 9, 1)
DAYS = 21
SCALE = 60_000  # clicks a month once rolled out


@pytest.fixture
def cli_engine(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'trip.db'}"
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        create_pilot(
            s,
            "t",
            name="Retargeting bids",
            design="ab",
            channel="paid",
            status="running",
            start_date=START,
            end_date=START + timedelta(days=DAYS - 1),
            planned_n_per_arm=12_000,
            scale_volume=SCALE,
            criteria=[dict(metric="lead_rate", kind="proportion", role="primary", threshold=0.0, expected=0.01)],
        )
    yield engine
    engine.dispose()


def aggregated_file(path) -> pd.DataFrame:
    """Per day and arm: clicks, leads and spend, spend written as a German export writes money ("€1.234,50")."""
    rng = np.random.default_rng(28)
    rows = []
    for i in range(DAYS):
        day = START + timedelta(days=i)
        for arm, rate, cpc in (("control", 0.040, 0.80), ("pilot", 0.058, 1.05)):
            clicks = int(rng.poisson(520))
            leads = int(rng.binomial(clicks, rate))
            spend = round(clicks * cpc * float(rng.uniform(0.9, 1.1)), 2)
            rows.append(dict(date=day.isoformat(), arm=arm, clicks=clicks, leads=leads, spend=spend))
    df = pd.DataFrame(rows)
    text = df.assign(
        spend=df.spend.map(lambda v: "€" + f"{v:,.2f}".replace(",", " ").replace(".", ",").replace(" ", "."))
    )
    text.to_csv(path, sep=";", index=False)
    return df


def hand(df: pd.DataFrame) -> dict[str, float]:
    """What the reading should say, computed from the file by hand."""
    arm = df.groupby("arm")[["clicks", "leads", "spend"]].sum()
    n_p = arm.loc["pilot", "clicks"]
    r = arm.leads / arm.clicks
    s = arm.spend / arm.clicks
    extra_leads = (r["pilot"] - r["control"]) * n_p
    extra_spend = (s["pilot"] - s["control"]) * n_p

    def var_rate(a: str) -> float:  # the day-clustered (HC1) variance of an arm's leads per click
        days = df[df.arm == a]
        d = len(days)
        resid = days.leads - r[a] * days.clicks
        return d / (d - 1) * float((resid**2).sum()) / float(days.clicks.sum()) ** 2

    se_leads = n_p * math.sqrt(var_rate("pilot") + var_rate("control"))
    return {
        "total": float(df.spend.sum()),
        "extra_leads": extra_leads,
        "se_leads": se_leads,
        "extra_spend": extra_spend,
        "cost": extra_spend / extra_leads,
        "month_leads": (r["pilot"] - r["control"]) * SCALE,
        "month_spend": (s["pilot"] - s["control"]) * SCALE,
    }


def test_import_with_spend_then_evaluate_json_then_report_agree_with_the_hand_computation(cli_engine, tmp_path, capsys):
    path = tmp_path / "paid.csv"
    df = aggregated_file(path)
    want = hand(df)
    code = main(
        [
            "import",
            str(path),
            "--pilot",
            "Retargeting bids",
            "--layout",
            "aggregated",
            "--arm-column",
            "arm",
            "--control",
            "control",
            "--date-column",
            "date",
            "--metric",
            "lead_rate=leads/clicks",
            "--spend-column",
            "spend",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err + out
    assert f"Imported {DAYS * 2 * 2:,} values" in out  # leads and spend, per day and arm

    assert main(["evaluate", "--pilot", "Retargeting bids", "--format", "json"]) == 0
    (pilot,) = json.loads(capsys.readouterr().out)
    spend = pilot["spend"]
    assert set(spend) >= {"total", "extra_outcome", "cost_per_extra", "return_on_spend"}
    for key in ("total", "extra_outcome", "cost_per_extra", "return_on_spend"):
        assert set(spend[key]) == {"estimate", "low", "high"}
    assert spend["total"] == {"estimate": pytest.approx(want["total"])} | {
        "low": pytest.approx(want["total"]),
        "high": pytest.approx(want["total"]),
    }
    assert spend["extra_outcome"]["estimate"] == pytest.approx(want["extra_leads"], rel=1e-9)
    assert spend["extra_spend"]["estimate"] == pytest.approx(want["extra_spend"], rel=1e-9)
    assert spend["cost_per_extra"]["estimate"] == pytest.approx(want["cost"], rel=1e-9)
    # the interval of the extra leads: the delta method by hand, within the small-sample t's widening
    low, high = spend["extra_outcome"]["low"], spend["extra_outcome"]["high"]
    assert low < want["extra_leads"] < high
    assert (high - low) / 2 == pytest.approx(1.96 * want["se_leads"], rel=0.08)
    cost = spend["cost_per_extra"]
    assert cost["low"] < cost["estimate"] < cost["high"]  # the extra leads are well away from zero here
    assert spend["return_on_spend"]["estimate"] is None  # leads are not money
    assert spend["currency"] == "EUR" and spend["outcome_metric"] == "lead_rate"

    report = tmp_path / "report.html"
    assert main(["report", "--pilot", "Retargeting bids", "--out", str(report)]) == 0
    html = report.read_text()
    lead = html.index("Does it pay?")
    assert lead < html.index("Recommendation")  # the section leads with it
    cost = fmt.money(want["cost"], "€", 0)  # "€16": a price of ten or more in whole euros
    assert f"{cost} per extra lead (95%: " in html
    assert f"{fmt.outcomes(want['extra_leads'])} extra leads (95%: " in html  # whole leads
    assert (
        f"for {fmt.money(want['extra_spend'], '€')} of extra spend; {fmt.money(want['total'], '€')} spent so far"
        in html
    )
    assert (
        f"Scaled to all paid ({SCALE:,} clicks a month): about {fmt.projected(want['month_leads'])} extra leads a month"
        in html
    )
    # projected spend to two significant figures ("€17,000", not "€17,214"): it is a projection; the price is measured
    month = fmt.projected_money(want["month_spend"], "€")
    assert month.endswith(",000") and month != fmt.money(want["month_spend"], "€")
    assert f"for {month} ({cost} per lead). A projection from the pilot" in html


def test_a_cost_the_extra_leads_may_not_cover_is_open_ended_in_json(cli_engine, tmp_path, capsys):
    """No real lift: the extra leads could be zero, so the cost per extra lead has no upper bound (``high`` null)."""
    rows = ["date,arm,clicks,leads,spend"]
    rng = np.random.default_rng(7)
    for i in range(DAYS):
        day = (START + timedelta(days=i)).isoformat()
        for arm, spend in (("control", 0), ("pilot", 150)):
            clicks = int(rng.poisson(500))
            rows.append(f"{day},{arm},{clicks},{int(rng.binomial(clicks, 0.04))},{spend}")
    path = tmp_path / "flat.csv"
    path.write_text("\n".join(rows) + "\n")
    args = ["--arm-column", "arm", "--control", "control", "--date-column", "date", "--layout", "aggregated"]
    assert (
        main(
            [
                "import",
                str(path),
                "--pilot",
                "1",
                *args,
                "--metric",
                "lead_rate=leads/clicks",
                "--spend-column",
                "spend",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["evaluate", "--pilot", "1", "--format", "json"]) == 0
    text = capsys.readouterr().out
    spend = json.loads(text)[0]["spend"]
    assert spend["total"]["estimate"] == pytest.approx(150 * DAYS)
    assert spend["extra_spend"] == {
        "estimate": 150 * DAYS,
        "low": 150 * DAYS,
        "high": 150 * DAYS,
    }  # only the pilot paid
    assert spend["extra_outcome"]["low"] < 0 < spend["extra_outcome"]["high"]
    assert spend["cost_per_extra"]["high"] is None and '"high": null' in text
