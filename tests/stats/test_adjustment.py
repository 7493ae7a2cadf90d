"""Lin's adjusted difference with HC2 errors against statsmodels, and why rows of one unit are summed first."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from lib.stats.adjustment import (
    METHOD_ADDITIVE,
    METHOD_LIN,
    METHOD_NONE,
    lin_estimate,
    ols_hc2,
    stratum_dummies,
    unit_covariates,
    unit_values,
)
from tests.stores import PROMOTION_EFFECT, store_promotion

REL = 1e-6


def _units(seed: int, n: int = 60, strata: int = 4, before_weight: float = 1.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stratum = rng.integers(0, strata, n)
    level = np.linspace(20, 50, strata)[stratum]
    before = level + rng.normal(0, 4, n)
    treated = rng.permutation(np.arange(n) % 2 == 0)
    y = level + before_weight * (before - level) + 3.0 * treated + rng.normal(0, 2 + 2 * treated, n)
    return pd.DataFrame({"stratum": stratum, "before": before, "treated": treated, "y": y})


def _oracle(frame: pd.DataFrame, covariates: list[str], interact: bool = True):
    """statsmodels OLS with HC2: y ~ 1 + treated + Xc (+ treated x Xc)."""
    parts = []
    if "before" in covariates:
        parts.append(frame[["before"]].to_numpy(float))
    if "stratum" in covariates:
        # any reference stratum: centred, the other dummies span the same space
        parts.append(pd.get_dummies(frame["stratum"].astype(str), drop_first=True).to_numpy(float))
    t = frame["treated"].to_numpy(float)[:, None]
    columns = [np.ones((len(frame), 1)), t]
    if parts:
        x = np.hstack(parts)
        xc = x - x.mean(axis=0)
        columns.append(xc)
        if interact:
            columns.append(t * xc)
    return sm.OLS(frame["y"].to_numpy(float), np.hstack(columns)).fit(cov_type="HC2")


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("covariates", [["before"], ["stratum"], ["before", "stratum"]])
def test_lin_estimate_and_hc2_error_agree_with_statsmodels(seed, covariates):
    frame = _units(seed)
    x, _, groups = unit_covariates(
        frame["stratum"].astype(str).tolist() if "stratum" in covariates else None,
        frame["before"].tolist() if "before" in covariates else None,
        "market",
        "last month",
    )
    got = lin_estimate(frame["y"], frame["treated"], x, groups)
    want = _oracle(frame, covariates)
    assert got.method == METHOD_LIN
    assert got.estimate == pytest.approx(want.params[1], rel=REL)
    assert got.se == pytest.approx(want.bse[1], rel=REL)
    assert got.df == want.df_resid
    names = {"before": "last month", "stratum": "market"}
    assert set(got.adjusted_for) == {names[c] for c in covariates}


def test_without_covariates_hc2_is_the_welch_difference():
    frame = _units(4)
    got = lin_estimate(frame["y"], frame["treated"])
    want = sm.OLS(frame["y"], sm.add_constant(frame["treated"].astype(float))).fit(cov_type="HC2")
    y0, y1 = frame.y[~frame.treated], frame.y[frame.treated]
    assert got.method == METHOD_NONE and got.adjusted_for == ()
    assert got.estimate == pytest.approx(want.params.iloc[1], rel=REL) == pytest.approx(y1.mean() - y0.mean())
    assert got.se == pytest.approx(want.bse.iloc[1], rel=REL)
    assert got.se == pytest.approx(np.sqrt(y0.var() / len(y0) + y1.var() / len(y1)), rel=REL)
    assert got.variance_reduction == pytest.approx(0.0)


def test_a_strong_covariate_narrows_the_interval_and_a_useless_one_changes_little():
    strong = _units(5, n=200)
    x, _, groups = unit_covariates(None, strong["before"].tolist(), before_name="last month")
    got = lin_estimate(strong["y"], strong["treated"], x, groups)
    assert got.narrower > 0.5 and got.variance_reduction > 0.75
    assert not got.changed_little
    rng = np.random.default_rng(6)
    noise = rng.normal(0, 1, 200)  # unrelated to the outcome: past spend correlating 0.02 with campaign spend
    weak = lin_estimate(strong["y"], strong["treated"], noise[:, None], ["past spend"])
    assert weak.changed_little
    assert abs(weak.narrower) < 0.05


def test_rows_of_one_store_are_not_independent_stores():
    """Per-store values: the clustered error on rows equals the per-store error; rows read alone claim far more."""
    frame = store_promotion(seed=7)
    two = frame[frame.Promotion.isin([1, 2])].copy()
    two["treated"] = (two.Promotion == 1).astype(float)
    rows_x = sm.add_constant(two[["treated"]].to_numpy(float))
    naive = sm.OLS(two.sales.to_numpy(float), rows_x).fit(cov_type="HC2")
    clustered = sm.OLS(two.sales.to_numpy(float), rows_x).fit(
        cov_type="cluster", cov_kwds={"groups": two.LocationID.to_numpy(), "use_correction": False}
    )
    stores = two.groupby("LocationID").agg(sales=("sales", "mean"), treated=("treated", "first"))
    per_store = sm.OLS(stores.sales.to_numpy(), sm.add_constant(stores.treated.to_numpy())).fit(cov_type="HC0")
    # balanced rows: the cluster-robust error on rows is exactly the robust error on one value per store
    assert clustered.params[1] == pytest.approx(per_store.params[1], rel=REL)
    assert clustered.bse[1] == pytest.approx(per_store.bse[1], rel=REL)
    ours = lin_estimate(stores.sales.to_numpy(), stores.treated.to_numpy() > 0)
    assert ours.se == pytest.approx(per_store.bse[1], rel=0.05)  # HC2 vs HC0: a small-sample correction apart
    assert naive.bse[1] < 0.6 * clustered.bse[1]  # four rows a store read as four stores: far too sure


def test_unit_values_agree_with_a_pandas_groupby():
    frame = store_promotion(seed=8)
    frame = frame.sample(frac=1.0, random_state=1)  # rows in any order
    ones = np.ones(len(frame))
    got = {u.unit: u for u in unit_values(frame.LocationID.tolist(), ones, frame.sales.tolist(), frame.week.tolist())}
    want = frame.groupby("LocationID").sales.agg(["mean", "sum", "count"])
    assert set(got) == set(want.index)
    for unit, row in want.iterrows():
        assert got[unit].value == pytest.approx(row["mean"], rel=1e-12)
        assert got[unit].rows == row["count"] and got[unit].periods == 4
    totals = {u.unit: u.value for u in unit_values(frame.LocationID, ones, frame.sales, frame.week, how="total")}
    assert totals == pytest.approx(want["sum"].to_dict(), rel=1e-12)
    # two rows of one store in the same week: per-period sums them first, then averages over its weeks
    per_period = unit_values(["a", "a", "a"], [1, 1, 1], [10.0, 20.0, 30.0], ["w1", "w1", "w2"], how="per_period")
    assert per_period[0].value == pytest.approx(30.0) and per_period[0].periods == 2
    with pytest.raises(ValueError, match="unknown unit summary"):
        unit_values(["a"], [1], [1.0], ["w"], how="median")


def test_too_few_units_in_a_cell_falls_back_and_says_so():
    # stratum "b" has a single pilot unit: Lin's interaction fits it exactly (leverage 1), so the
    # adjustment is made once for both arms; with more columns than units nothing is adjusted
    y = [1.0, 2.0, 3.0, 4.0, 5.0, 7.0, 6.5, 9.0]
    treated = [False, False, False, True, True, True, False, True]
    strata = ["a", "a", "a", "a", "a", "a", "b", "b"]
    x, _, groups = unit_covariates(strata, None, "market")
    got = lin_estimate(y, treated, x, groups)
    assert got.method == METHOD_ADDITIVE and got.adjusted_for == ("market",) and got.notes
    many = np.eye(8)[:, :7]
    none = lin_estimate(y, treated, many, ["store"] * 7)
    assert none.method == METHOD_NONE and none.adjusted_for == () and none.estimate == none.unadjusted_estimate


def test_bad_inputs_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="at least two units"):
        lin_estimate([1.0, 2.0, 3.0], [True, False, False])
    with pytest.raises(ValueError, match="same length"):
        lin_estimate([1.0, 2.0], [True])
    with pytest.raises(ValueError, match="missing for some units"):
        unit_covariates(None, [1.0, None], before_name="last month")
    assert ols_hc2(np.ones((3, 3)), np.ones(3)) is None
    matrix, names = stratum_dummies(["x", "y", "x", "z"], "market")
    assert names == ["market=y", "market=z"] and matrix.sum(axis=0).tolist() == [1.0, 1.0]


def _store_table(frame: pd.DataFrame, a: int, b: int) -> dict[str, tuple[float, float]]:
    """The issue's three columns for promotion a vs b, ours beside statsmodels'."""
    two = frame[frame.Promotion.isin([a, b])].copy()
    two["treated"] = (two.Promotion == a).astype(float)
    rows = sm.OLS(two.sales.to_numpy(float), sm.add_constant(two[["treated"]].to_numpy(float))).fit()
    stores = two.groupby("LocationID").agg(
        sales=("sales", "mean"), treated=("treated", "first"), market=("MarketID", "first")
    )
    stores["y"], stores["stratum"] = stores.sales, stores.market
    plain = lin_estimate(stores.sales.to_numpy(), stores.treated.to_numpy() > 0)
    want_plain = _oracle(stores, [])
    x, _, groups = unit_covariates(stores.market.astype(str).tolist(), None, "market")
    adjusted = lin_estimate(stores.sales.to_numpy(), stores.treated.to_numpy() > 0, x, groups)
    want_adjusted = _oracle(stores, ["stratum"])
    for ours, theirs in ((plain, want_plain), (adjusted, want_adjusted)):
        assert ours.estimate == pytest.approx(theirs.params[1], rel=REL)
        assert ours.se == pytest.approx(theirs.bse[1], rel=REL)
    assert adjusted.n_control + adjusted.n_pilot == len(stores) and adjusted.method == METHOD_LIN
    return {
        "rows": (rows.params[1], rows.bse[1]),
        "store": (plain.estimate, plain.se),
        "market": (adjusted.estimate, adjusted.se),
    }


def test_the_store_promotion_table_per_store_and_adjusted_for_market():
    frame = store_promotion()
    assert frame.LocationID.nunique() == 137 and frame.MarketID.nunique() == 10
    assert frame.groupby("LocationID").size().eq(4).all()
    levels = frame.groupby("MarketID").sales.mean()
    assert 2.0 < levels.max() / levels.min() < 2.8
    print("\ncomparison   rows read as independent   one value per store   per store, adjusted for market")
    for a, b in ((1, 2), (1, 3), (3, 2)):
        table = _store_table(frame, a, b)
        cells = [f"{d:+6.1f} (se {se:4.2f})" for d, se in table.values()]
        print(f"{a} vs {b}       " + "   ".join(f"{c:24}" for c in cells))
        # four rows a store claim about twice the certainty; market takes most of the spread away
        assert table["rows"][1] < 0.6 * table["store"][1]
        assert table["market"][1] < table["store"][1] / 3
        truth = PROMOTION_EFFECT[a] - PROMOTION_EFFECT[b]
        assert abs(table["market"][0] - truth) < 4 * table["market"][1]
