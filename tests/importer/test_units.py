"""Files whose rows belong to stores split between arms: one value per store, bad unit mappings refused with rows."""

from __future__ import annotations

import io

import pytest

from lib.importer import ImportFileError, ImportMapping, MetricMapping, analyze
from tests.stores import csv_of, store_promotion

ARMS = ["2", "1", "3"]


def _mapping(**kw) -> ImportMapping:
    values = dict(
        layout="events",
        arm_column="Promotion",
        control_value="2",
        metrics=[MetricMapping("sales", "mean", column="sales")],
        unit_column="LocationID",
        strata_column="MarketID",
    )
    values.update(kw)
    return ImportMapping(**values)  # type: ignore[arg-type]


def _preview(frame, **kw):
    return analyze(io.BytesIO(csv_of(frame)), _mapping(**kw), name="stores.csv", allowed_arms=ARMS)


def test_each_store_becomes_one_value_like_a_pandas_groupby():
    frame = store_promotion(with_before=True)
    preview = _preview(frame, before_column="last_month")
    assert preview.ok, preview.problem_lines()
    want = frame.groupby("LocationID").agg(
        n=("sales", "size"), total=("sales", "sum"), arm=("Promotion", "first"), market=("MarketID", "first")
    )
    got = {o.unit: o for o in preview.unit_observations}
    assert len(got) == len(want) == 137
    for row in want.itertuples():
        o = got[str(row.Index)]
        assert (o.n, o.arm, o.stratum) == (row.n, str(row.arm), str(row.market))
        assert o.total == pytest.approx(row.total, rel=1e-12)
    assert preview.unit_counts == {str(a): int(n) for a, n in want.groupby("arm").size().items()} | {}
    assert any("Units by LocationID:" in n and "adjusted for MarketID and last_month" in n for n in preview.notes)
    # the arm x day values are there too, every row counted: the charts and totals still read them
    assert sum(o.n for o in preview.observations) == len(frame)


def test_a_store_in_two_arms_is_refused_naming_its_rows():
    frame = store_promotion()
    first = frame.index[frame.LocationID == 5]
    arm = int(frame.loc[first[0], "Promotion"])
    frame.loc[first[-1], "Promotion"] = 1 if arm != 1 else 2
    preview = _preview(frame)
    assert not preview.ok and preview.unit_observations == []
    [problem] = [p for p in preview.problems if p.code == "unit_in_two_arms"]
    assert "LocationID '5' is in more than one arm" in problem.message
    assert f"on row {first[-1] + 2}" in problem.message and problem.row == first[0] + 2


def test_a_market_with_one_arm_only_is_refused():
    frame = store_promotion()
    market_1 = frame.MarketID == 1
    frame.loc[market_1 & (frame.Promotion == 3), "MarketID"] = 11  # market 11: promotion 3 only
    preview = _preview(frame)
    one_arm = {p.message.split(" has ")[0]: p for p in preview.problems if p.code == "stratum_one_arm"}
    assert set(one_arm) == {"MarketID '1'", "MarketID '11'"}  # market 1 has lost its promotion 3 stores
    assert "has units in '3' only, none in '2' and '1' (rows " in one_arm["MarketID '11'"].message
    assert "none in '3'" in one_arm["MarketID '1'"].message


def test_a_before_value_missing_for_some_stores_is_refused():
    frame = store_promotion(with_before=True)
    frame.loc[frame.LocationID.isin([7, 8]), "last_month"] = None
    preview = _preview(frame, before_column="last_month")
    [problem] = [p for p in preview.problems if p.code == "before_missing"]
    assert "last_month is missing for 2 of 137 LocationID values (e.g. '7', rows " in problem.message
    frame = store_promotion(with_before=True)
    frame.loc[frame.index[0], "last_month"] = 1.0  # store 1's first row disagrees with its others
    preview = _preview(frame, before_column="last_month")
    assert [p.code for p in preview.problems] == ["before_differs"]


def test_repeated_store_ids_without_a_unit_column_get_a_note_naming_it():
    preview = _preview(store_promotion(), unit_column=None, strata_column=None)
    assert preview.ok and preview.unit_observations == []
    [note] = [n for n in preview.notes if "repeats the same values" in n]
    assert note.startswith("LocationID repeats") and "--unit-column LocationID" in note


def test_the_unit_mapping_is_remembered_and_strata_need_a_unit():
    mapping = _mapping(before_column="last_month")
    again = ImportMapping.from_dict(mapping.to_dict())
    assert (again.unit_column, again.strata_column, again.before_column) == ("LocationID", "MarketID", "last_month")
    assert ImportMapping.from_dict(_mapping(unit_column=None, strata_column=None).to_dict()).unit_column is None
    with pytest.raises(ImportFileError, match="name the unit column too"):
        _mapping(unit_column=None).check()
