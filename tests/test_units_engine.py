"""The decision engine on pilots that split stores between the arms: per-store counts, market-adjusted evidence."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.stats import t

from lib.decide import evaluate_pilot
from lib.decide.frozen import evaluation_from_snapshot
from lib.specs import CriterionSpec, Observation, PilotSpec, UnitObservation
from lib.stats.contrasts import LinearContrast
from tests.stores import store_promotion

START = date(2026, 3, 2)
SALES = CriterionSpec("sales", "mean", "primary", "vs_control", 0.0, expected=5.0)


def _pilot(**kw) -> PilotSpec:
    values = dict(
        name="Promotions",
        design="ab",
        start=START,
        end=START + timedelta(days=27),
        control_arm="2",
        pilot_arm="1",
        unit="stores",
    )
    values.update(kw)
    return PilotSpec(**values)  # type: ignore[arg-type]


def _rows(frame: pd.DataFrame, strata: bool = True, before: str | None = None) -> list[UnitObservation]:
    out = []
    for r in frame.itertuples():
        out.append(
            UnitObservation(
                day=START + timedelta(weeks=int(r.week) - 1),
                arm=str(r.Promotion),
                metric="sales",
                unit=str(r.LocationID),
                n=1.0,
                total=float(r.sales),
                stratum=str(r.MarketID) if strata else None,
                before=float(getattr(r, before)) if before else None,
                stratum_name="MarketID" if strata else None,
                before_name=before,
            )
        )
    return out


def _arm_rows(frame: pd.DataFrame) -> list[Observation]:
    """What the arm x day log holds for the same file: every row read as independent."""
    frame = frame.assign(day=[START + timedelta(weeks=int(w) - 1) for w in frame.week])
    sums = frame.groupby(["day", "Promotion"]).sales.agg(["count", "sum", lambda s: float((s**2).sum())])
    return [
        Observation(day, str(arm), "sales", float(n), float(total), float(sq))
        for (day, arm), (n, total, sq) in sums.iterrows()
    ]


def _statsmodels(frame: pd.DataFrame, control: int, pilot: int) -> tuple[float, float, float, float]:
    two = frame[frame.Promotion.isin([control, pilot])]
    stores = two.groupby("LocationID").agg(y=("sales", "mean"), arm=("Promotion", "first"), m=("MarketID", "first"))
    t = (stores.arm == pilot).to_numpy(float)[:, None]
    dummies = pd.get_dummies(stores.m.astype(str), drop_first=True).to_numpy(float)
    xc = dummies - dummies.mean(axis=0)
    adjusted = sm.OLS(stores.y.to_numpy(), np.hstack([np.ones_like(t), t, xc, t * xc])).fit(cov_type="HC2")
    plain = sm.OLS(stores.y.to_numpy(), np.hstack([np.ones_like(t), t])).fit(cov_type="HC2")
    return adjusted.params[1], adjusted.bse[1], plain.params[1], plain.bse[1]


def test_a_store_pilot_is_judged_per_store_adjusted_for_market():
    frame = store_promotion()
    ev = evaluate_pilot(_pilot(), [SALES], _arm_rows(frame), unit_observations=_rows(frame))
    v = ev.verdicts[0]
    estimate, se, plain, plain_se = _statsmodels(frame, 2, 1)
    n2, n1 = (frame[frame.Promotion == p].LocationID.nunique() for p in (2, 1))
    assert v.unit == "stores" and v.n_units == {"2": n2, "1": n1}
    assert f"on {n2} (2, control) and {n1} (1, pilot) stores" in v.sentence
    assert v.difference == pytest.approx(estimate, rel=1e-6) == pytest.approx(v.adjusted_difference, rel=1e-12)
    assert v.standard_error == pytest.approx(se, rel=0.01)  # the t interval's half-width at one normal se
    assert v.unadjusted_difference == pytest.approx(plain, rel=1e-6)
    assert v.adjusted_for == ["MarketID"] and v.method == "units_lin_hc2"
    narrower = 1 - se / plain_se
    assert (
        v.adjustment_note
        == f"Adjusted for MarketID: the interval is {round(100 * narrower)}% narrower than unadjusted."
    )
    assert v.adjustment_note in v.warnings
    # the unadjusted interval uses the same boundary: wider by about the same ratio
    width, plain_width = v.ci_high - v.ci_low, v.unadjusted_ci_high - v.unadjusted_ci_low
    assert width / plain_width == pytest.approx(se / plain_se, rel=0.05)
    assert (v.ci_low, v.ci_high) == (v.adjusted_ci_low, v.adjusted_ci_high)
    assert ev.recommendation == "scale" and v.status == "met"
    again = evaluation_from_snapshot({"evaluation": ev.to_dict()}).verdicts[0]
    assert again.n_units == v.n_units and again.adjusted_for == ["MarketID"]
    assert again.unadjusted_ci_low == pytest.approx(v.unadjusted_ci_low)


def test_rows_read_alone_would_claim_the_rows_and_the_unit_pilot_counts_stores():
    frame = store_promotion(seed=3)
    rows_only = evaluate_pilot(_pilot(unit=None), [SALES], _arm_rows(frame)).verdicts[0]
    stores = evaluate_pilot(_pilot(), [SALES], _arm_rows(frame), unit_observations=_rows(frame, strata=False))
    v = stores.verdicts[0]
    assert "stores" not in rows_only.sentence and v.n_units is not None
    assert v.adjusted_for == [] and v.adjustment_note is None
    assert v.unadjusted_ci_low == pytest.approx(v.ci_low)  # nothing known before: the two readings are one
    assert v.sample_n == min(v.n_units.values()) < rows_only.sample_n


def test_early_looks_face_the_early_bar_and_the_end_the_final_one():
    frame = store_promotion(seed=4)
    first_week = frame[frame.week == 1]
    early = evaluate_pilot(
        _pilot(), [SALES], _arm_rows(first_week), unit_observations=_rows(first_week), as_of=START
    ).verdicts[0]
    late = evaluate_pilot(_pilot(), [SALES], _arm_rows(frame), unit_observations=_rows(frame)).verdicts[0]
    assert early.progress == pytest.approx(1 / 28)  # one weekly row: its day, not yet its week
    assert late.progress == pytest.approx(1.0)  # four weekly rows speak for the whole 28-day plan
    assert early.more_needed_unit == "days" and early.more_needed == 27
    three_weeks = frame[frame.week <= 3]
    mid = evaluate_pilot(_pilot(), [SALES], _arm_rows(three_weeks), unit_observations=_rows(three_weeks)).verdicts[0]
    assert mid.progress == pytest.approx(21 / 28)


def test_a_before_value_that_explains_nothing_changed_little():
    frame = store_promotion(seed=5)
    rng = np.random.default_rng(5)
    noise = dict(zip(frame.LocationID.unique(), rng.normal(100, 10, frame.LocationID.nunique()), strict=True))
    frame["past_spend"] = frame.LocationID.map(noise)
    v = evaluate_pilot(
        _pilot(), [SALES], _arm_rows(frame), unit_observations=_rows(frame, strata=False, before="past_spend")
    ).verdicts[0]
    assert v.adjusted_for == ["past_spend"]
    assert v.adjustment_note.startswith("Adjusted for past_spend: it changed little (the interval is ")


def test_a_store_in_both_arms_is_an_error_not_a_verdict():
    frame = store_promotion(seed=6)
    rows = _rows(frame)
    moved = rows[0]
    rows.append(
        UnitObservation(moved.day + timedelta(days=7), "1" if moved.arm == "2" else "2", "sales", moved.unit, 1, 5)
    )
    ev = evaluate_pilot(_pilot(), [SALES], _arm_rows(frame), unit_observations=rows)
    v = ev.verdicts[0]
    assert v.status == "inconclusive" and "logged in both arms" in v.sentence and moved.unit in v.sentence
    assert v.ci_low is None and ev.recommendation != "scale"


def test_two_stores_an_arm_are_the_least_that_compares():
    frame = store_promotion(seed=7)
    few = frame[frame.LocationID.isin(frame[frame.Promotion == 1].LocationID.unique()[:1].tolist() + [200])]
    few = pd.concat([few, frame[frame.Promotion == 2].head(8)])
    v = evaluate_pilot(_pilot(), [SALES], _arm_rows(few), unit_observations=_rows(few)).verdicts[0]
    assert v.status == "inconclusive" and any("at least two stores" in w for w in v.warnings)
    assert v.ci_low is None


def test_people_with_a_past_value_get_cuped_the_same_estimator():
    """A pilot of people whose import named each person and their past spend: CUPED, checked against statsmodels."""
    rng = np.random.default_rng(11)
    n = 400
    past = rng.gamma(2.0, 30.0, n)
    treated = rng.permutation(np.arange(n) % 2 == 0)
    spend = 0.8 * past + rng.normal(0, 10, n) + 4.0 * treated
    rows = [
        UnitObservation(
            START, "pilot" if t else "control", "spend", f"p{i}", 1.0, float(y), None, float(b), None, "past_spend"
        )
        for i, (t, y, b) in enumerate(zip(treated, spend, past, strict=True))
    ]
    crit = CriterionSpec("spend", "mean", "primary", "vs_control", 0.0, expected=3.0)
    people = PilotSpec("Offer", "ab", start=START, end=START + timedelta(days=27))
    v = evaluate_pilot(people, [crit], [], unit_observations=rows).verdicts[0]
    bc = past - past.mean()
    t = treated.astype(float)
    x = np.column_stack([np.ones(n), t, bc, t * bc])
    want = sm.OLS(spend, x).fit(cov_type="HC2")
    assert v.difference == pytest.approx(want.params[1], rel=1e-6)
    assert v.adjusted_for == ["past_spend"] and v.n_units == {"control": 200, "pilot": 200}
    assert "on 200 people per arm" in v.sentence
    assert v.adjustment_note.startswith("Adjusted for past_spend: the interval is ")


def test_a_target_on_a_store_pilot_is_held_per_store_not_per_row():
    """vs a target: one value per store (its mean weekly sales), a t-test on the stores, checked with pandas."""
    frame = store_promotion(seed=8)
    mine = frame[frame.Promotion == 1]
    per_store = mine.groupby("LocationID").sales.mean()  # the oracle: one value per store
    target = float(per_store.mean()) - 3.0
    crit = CriterionSpec("sales", "mean", "primary", "vs_target", target, expected=target + 5.0)
    rows_only = evaluate_pilot(_pilot(unit=None), [crit], _arm_rows(frame)).verdicts[0]
    stores = evaluate_pilot(_pilot(), [crit], _arm_rows(frame), unit_observations=_rows(frame)).verdicts[0]
    assert stores.sample_n == len(per_store) < rows_only.sample_n == len(mine)  # stores, not store-weeks
    assert stores.pilot_value == pytest.approx(per_store.mean())
    se = per_store.std(ddof=1) / np.sqrt(len(per_store))
    oracle = LinearContrast(per_store.mean(), se, len(per_store) - 1)  # Student's t on the stores' own spread
    assert stores.standard_error == pytest.approx((oracle.upper(1.0) - oracle.lower(1.0)) / 2, rel=1e-9)
    assert rows_only.standard_error < se  # rows read as independent claim more certainty than the stores hold
    assert "stores" in stores.sentence and "stores" not in rows_only.sentence


def test_a_target_with_one_store_in_the_pilot_arm_is_not_judged():
    frame = store_promotion(seed=9)
    one = frame[(frame.Promotion == 1) & (frame.LocationID == frame[frame.Promotion == 1].LocationID.iloc[0])]
    crit = CriterionSpec("sales", "mean", "primary", "vs_target", 40.0, expected=45.0)
    v = evaluate_pilot(_pilot(), [crit], _arm_rows(one), unit_observations=_rows(one)).verdicts[0]
    assert v.status == "inconclusive" and v.ci_low is None
    assert any("at least two stores" in w for w in v.warnings)


def test_the_over_time_chart_replays_stores_not_rows():
    """Each day of the replay is the per-store verdict of that day; the arms' bands are over one value per store."""
    from lib.charts import timeline

    frame = store_promotion(seed=10)
    pilot, rows, obs = _pilot(), _rows(frame), _arm_rows(frame)
    line = timeline(pilot, [SALES], obs, unit_observations=rows)
    assert [p.day for p in line.effects] == [START + timedelta(weeks=w) for w in range(4)]
    for point in line.effects:
        that_day = evaluate_pilot(pilot, [SALES], obs, unit_observations=rows, as_of=point.day).verdicts[0]
        assert (point.ci_low, point.ci_high) == (that_day.ci_low, that_day.ci_high)  # the verdict that day
    last = [p for p in line.arms if p.day == line.effects[-1].day]
    stores = frame.groupby(["Promotion", "LocationID"]).sales.mean()  # the oracle: one value per store
    for p in last:
        mine = stores.loc[int(p.arm)]
        assert p.n == len(mine)  # counted in stores, not store-weeks
        half = (p.high - p.low) / 2
        assert half == pytest.approx(t.ppf(0.975, len(mine) - 1) * mine.std(ddof=1) / np.sqrt(len(mine)), rel=1e-9)
    rows_only = timeline(_pilot(unit=None), [SALES], obs)
    assert [p.n for p in rows_only.arms if p.day == rows_only.effects[-1].day] == [
        len(frame[frame.Promotion == 2]),
        len(frame[frame.Promotion == 1]),
    ]  # what the chart drew before: rows
