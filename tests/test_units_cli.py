"""Acceptance for issue 26: the store-promotion shape through the CLI gives per-store counts and a
market-adjusted difference that agrees with statsmodels; bad unit mappings write nothing; undo keeps history."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sqlmodel import Session, select

from lib.cli.main import main
from lib.importer import ImportMapping, MetricMapping, file_checksum
from lib.infra.db import make_engine, transaction, upgrade
from lib.infra.models import ResultEntry, UnitResult
from lib.services import import_batches
from lib.services.evaluation import evaluate
from tests import factories
from tests.stores import csv_of, store_promotion

TODAY = date.today()
START = TODAY - timedelta(days=21)


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _statsmodels(frame: pd.DataFrame, control: int, pilot: int) -> tuple[float, float, float, float]:
    """Lin's estimator with HC2 errors, per store, adjusted for market; and the plain per-store difference."""
    two = frame[frame.Promotion.isin([control, pilot])]
    stores = two.groupby("LocationID").agg(y=("sales", "mean"), arm=("Promotion", "first"), m=("MarketID", "first"))
    t = (stores.arm == pilot).to_numpy(float)[:, None]
    dummies = pd.get_dummies(stores.m.astype(str), drop_first=True).to_numpy(float)
    xc = dummies - dummies.mean(axis=0)
    adjusted = sm.OLS(stores.y.to_numpy(), np.hstack([np.ones_like(t), t, xc, t * xc])).fit(cov_type="HC2")
    plain = sm.OLS(stores.y.to_numpy(), np.hstack([np.ones_like(t), t])).fit(cov_type="HC2")
    return adjusted.params[1], adjusted.bse[1], plain.params[1], plain.bse[1]


def _create(capsys) -> None:
    code = main(
        [
            "create-pilot",
            "--name",
            "Promotions",
            "--design",
            "ab",
            "--arms",
            "2,1,3",
            "--unit",
            "stores",
            "--status",
            "running",
            "--start",
            START.isoformat(),
            "--end",
            (START + timedelta(days=41)).isoformat(),
            "--planned-n",
            "40",
            "--criterion",
            "sales:mean:primary:vs_control:0:5",
        ]
    )
    assert code == 0, capsys.readouterr()
    capsys.readouterr()


def _import(path, capsys, *extra: str) -> tuple[int, str]:
    argv = ["import", str(path), "--pilot", "Promotions", "--layout", "events", "--arm-column", "Promotion"]
    code = main([*argv, "--control", "2", "--metric", "sales=sales:mean", "--unit-column", "LocationID", *extra])
    return code, capsys.readouterr().out


def test_the_store_promotion_file_through_the_cli_is_judged_per_store_adjusted_for_market(cli_db, tmp_path, capsys):
    frame = store_promotion()
    path = tmp_path / "WA_Marketing-Campaign.csv"
    path.write_bytes(csv_of(frame))
    _create(capsys)
    code, out = _import(path, capsys, "--strata-column", "MarketID")
    assert code == 0, out
    counts = frame.groupby("Promotion").LocationID.nunique()
    assert f"Units by LocationID: {counts[2]} in '2', {counts[1]} in '1' and {counts[3]} in '3'" in out
    assert "and 137 unit x day x metric values, one per unit" in out
    assert main(["evaluate", "--pilot", "Promotions", "--format", "json"]) == 0
    [pilot] = json.loads(capsys.readouterr().out)
    [v] = pilot["criteria"]
    estimate, se, plain, plain_se = _statsmodels(frame, 2, 1)
    assert v["unit"] == "stores" and v["n_units"] == {"2": int(counts[2]), "1": int(counts[1])}
    assert v["adjusted_for"] == ["MarketID"]
    assert v["difference"] == pytest.approx(estimate, rel=1e-6)
    assert v["unadjusted_difference"] == pytest.approx(plain, rel=1e-6)
    assert v["standard_error"] == pytest.approx(se, rel=0.01)  # the t interval's half-width at one normal se
    assert v["unadjusted_ci_low"] < v["ci_low"] < v["ci_high"] < v["unadjusted_ci_high"]
    assert f"on {counts[2]} (2, control) and {counts[1]} (1, pilot) stores" in v["sentence"]
    narrower = round(100 * (1 - se / plain_se))
    assert v["adjustment_note"] == f"Adjusted for MarketID: the interval is {narrower}% narrower than unadjusted."
    assert main(["evaluate", "--pilot", "Promotions"]) == 0
    text = capsys.readouterr().out
    assert "stores" in text and "Adjusted for MarketID" in text


def test_a_store_in_two_arms_through_the_cli_writes_nothing_and_names_the_rows(cli_db, tmp_path, capsys):
    frame = store_promotion()
    rows = frame.index[frame.LocationID == 9]
    frame.loc[rows[-1], "Promotion"] = 3 if frame.loc[rows[0], "Promotion"] != 3 else 1
    path = tmp_path / "stores.csv"
    path.write_bytes(csv_of(frame))
    _create(capsys)
    code, out = _import(path, capsys, "--strata-column", "MarketID")
    assert code != 0
    assert f"Row {rows[0] + 2}: LocationID '9' is in more than one arm" in out and f"on row {rows[-1] + 2}" in out
    with Session(cli_db) as s:
        assert s.exec(select(ResultEntry)).all() == [] and s.exec(select(UnitResult)).all() == []


def test_undo_takes_the_stores_back_and_keeps_them_in_history(engine):
    frame = store_promotion(seed=9, with_before=True)
    data = csv_of(frame)
    with transaction(engine) as s:
        pilot = factories.ab_pilot(
            s,
            name="Stores",
            arms="2,1,3",
            unit="stores",
            start_date=START,
            end_date=START + timedelta(days=41),
            criteria=[dict(metric="sales", kind="mean", role="primary", threshold=0.0)],
        )
    mapping = ImportMapping(
        layout="events",
        arm_column="Promotion",
        control_value="2",
        metrics=[MetricMapping("sales", "mean", column="sales")],
        unit_column="LocationID",
        strata_column="MarketID",
        before_column="last_month",
    )
    with transaction(engine) as s:
        preview = import_batches.preview_for_pilot(s, pilot.id or 0, io.BytesIO(data), mapping, name="s.csv")
        outcome = import_batches.commit_import(
            s, pilot.id or 0, preview, checksum=file_checksum(io.BytesIO(data)), actor="tester"
        )
    with Session(engine) as s:
        v = evaluate(s, pilot.id or 0).verdicts[0]
        assert v.adjusted_for == ["MarketID", "last_month"] and sum((v.n_units or {}).values()) < 137
        assert len(s.exec(select(UnitResult)).all()) == 137
    with transaction(engine) as s:  # the same stores and day again, from another file: refused whole
        again = import_batches.preview_for_pilot(s, pilot.id or 0, io.BytesIO(data), mapping, name="again.csv")
        assert not again.ok  # the day x arm values are logged already
        import_batches.undo_batch(s, outcome.batch.id or 0, "tester", reason="wrong file")
    with Session(engine) as s:
        kept = s.exec(select(UnitResult)).all()
        assert len(kept) == 137 and all(u.superseded_at is not None for u in kept)
        assert evaluate(s, pilot.id or 0).verdicts[0].n_units is None  # nothing current: no per-store verdict


def test_plan_with_a_before_file_quotes_the_adjusted_stores_beside_the_unadjusted(tmp_path, capsys):
    """Weeks 1-2 of each store stand in for its before-value, weeks 3-4 for the outcome: the share of the
    variance left agrees with statsmodels' adjusted R², and the plan quotes both sample sizes."""
    frame = store_promotion()
    path = tmp_path / "before.csv"
    path.write_bytes(csv_of(frame))
    argv = ["plan", "--kind", "mean", "--threshold", "0", "--expected", "3", "--units", "stores"]
    argv += ["--before-file", str(path), "--unit-column", "LocationID", "--before-column", "sales"]
    argv += ["--strata-column", "MarketID"]
    assert main([*argv, "--format", "json"]) == 0
    said = json.loads(capsys.readouterr().out)
    stores = frame.groupby("LocationID").agg(
        early=("sales", lambda s: s.iloc[:2].mean()),
        late=("sales", lambda s: s.iloc[2:].mean()),
        m=("MarketID", "first"),
    )
    x = np.column_stack([pd.get_dummies(stores.m.astype(str), drop_first=True).to_numpy(float), stores.early])
    fit = sm.OLS(stores.late.to_numpy(), sm.add_constant(x)).fit()
    assert said["variance_left"] == pytest.approx(1 - fit.rsquared_adj, rel=1e-6)
    assert said["adjusted_for"] == ["MarketID", "sales"] and said["before_units"] == 137
    assert said["n"] == said["unadjusted_n"] > said["adjusted_n"] > 0
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert f"Planned sample: {said['unadjusted_n']:,} stores per arm" in text
    assert (
        f"Adjusted for MarketID and sales: about {said['adjusted_n']:,} stores per arm instead of "
        f"{said['unadjusted_n']:,} unadjusted" in text
    )


def test_plan_with_a_before_value_that_explains_nothing_saves_nothing(tmp_path, capsys):
    frame = store_promotion(seed=12)
    rng = np.random.default_rng(12)
    frame["noise"] = rng.normal(50, 10, len(frame))  # a before-value with nothing to do with the stores
    path = tmp_path / "noise.csv"
    path.write_bytes(csv_of(frame))
    argv = ["plan", "--kind", "mean", "--threshold", "0", "--expected", "3", "--sd", "15", "--units", "stores"]
    assert main([*argv, "--before-file", str(path), "--unit-column", "LocationID", "--before-column", "noise"]) == 0
    text = capsys.readouterr().out
    assert "too little to plan with fewer stores" in text or "Nothing in the before-file explains" in text
