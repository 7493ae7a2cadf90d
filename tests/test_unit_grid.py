"""A pilot that splits stores is logged per store in the grid, with the two optional mappings an import takes:
each store's market (strata) and its value before the pilot (issue 26.2)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from sqlmodel import Session, select

from lib.infra.db import transaction
from lib.infra.inputs import InvalidInput
from lib.infra.models import ImportBatch, ResultEntry, UnitResult
from lib.services import import_batches, results, unit_grid, unit_results
from lib.services.evaluation import evaluate
from tests import factories
from tests.pages_helpers import count, errors, page

START = date.today() - timedelta(days=14)


def _store_pilot(s: Session) -> int:
    return factories.ab_pilot(
        s,
        "Weekend promotion",
        channel="other",
        unit="stores",
        arms="standard,promotion",
        start_date=START,
        end_date=START + timedelta(days=41),
        planned_n_per_arm=8,
        criteria=[dict(metric="weekly_sales", kind="mean", role="primary", threshold=0.0, expected=2.0)],
    ).id


def _week(grid: unit_grid.UnitGrid, lift: float = 0.0) -> list[dict]:
    """Eight stores in two markets, two a side in each, with last month's sales."""
    rows = []
    for i in range(8):
        market = "North" if i < 4 else "South"
        arm = "promotion" if i % 2 else "standard"
        level = 40.0 + (12.0 if market == "South" else 0.0) + i * 0.5
        sales = level + (lift if arm == "promotion" else 0.0) + (0.3 if i % 3 else -0.2)
        rows.append(
            {
                grid.unit: f"S{i}",
                "Arm": arm,
                grid.labels[0]: f"{sales:.2f}",
                grid.stratum: market,
                grid.before: f"{level:.1f}",
            }
        )
    return rows


@pytest.fixture
def pilot_id(engine) -> int:
    with transaction(engine) as s:
        return _store_pilot(s)


def test_a_period_typed_per_store_is_stored_with_its_market_and_before_value(engine, pilot_id):
    with Session(engine) as s:
        grid = unit_grid.unit_grid_for(s, pilot_id, "weekly_sales")
    assert grid.columns == ["Store", "Arm", "Weekly sales", "Market", "Before the pilot"] and grid.rows == []
    typed = _week(grid, lift=2.0)
    with transaction(engine) as s:
        saved = unit_grid.save_unit_grid(s, pilot_id, "weekly_sales", START, typed, "Ana")
    assert saved.stores == 8 and saved.message.startswith("Saved 8 store value(s) as batch #")
    with Session(engine) as s:
        stored = unit_results.unit_observations(s, [pilot_id])[pilot_id]
        entries = {e.arm: (e.n, e.total) for e in results.current_entries(s, pilot_id)}
        batch = s.exec(select(ImportBatch)).one()
        v = evaluate(s, pilot_id).verdicts[0]
        again = unit_grid.unit_grid_for(s, pilot_id, "weekly_sales")
    assert {(r.unit, r.stratum, r.before, r.stratum_name, r.before_name) for r in stored} == {
        (t["Store"], t["Market"], float(t["Before the pilot"]), "Market", "Before the pilot") for t in typed
    }
    frame = pd.DataFrame(typed).astype({"Weekly sales": float})
    oracle = frame.groupby("Arm")["Weekly sales"].agg(["count", "sum"])  # the arms' day totals, as pandas sums them
    assert entries == {arm: (float(n), pytest.approx(total)) for arm, (n, total) in oracle.iterrows()}
    assert batch.source == "manual" and batch.file_name.startswith("typed in the grid for")
    assert v.n_units == {"standard": 4, "promotion": 4} and v.adjusted_for == ["Market", "Before the pilot"]
    # the next period lists every store with its arm, market and before-value: only the figures to type
    assert [(r["Store"], r["Arm"], r["Market"], r["Weekly sales"]) for r in again.rows][:2] == [
        ("S1", "promotion", "North", ""),
        ("S3", "promotion", "North", ""),
    ]
    with transaction(engine) as s:  # undone as a whole, like an import: the stores and the arms' totals
        import_batches.undo_batch(s, batch.id, "Ana", "typed the wrong week")
    assert count(engine, UnitResult) == 8 and count(engine, ResultEntry) == 2  # kept as history
    with Session(engine) as s:
        assert unit_results.unit_observations(s, [pilot_id]) == {} and results.current_entries(s, pilot_id) == []


def test_every_problem_of_a_period_is_named_at_once_and_nothing_is_saved(engine, pilot_id):
    with Session(engine) as s:
        grid = unit_grid.unit_grid_for(s, pilot_id, "weekly_sales")
    with transaction(engine) as s:
        unit_grid.save_unit_grid(s, pilot_id, "weekly_sales", START, _week(grid), "Ana")
    with Session(engine) as s:
        grid = unit_grid.unit_grid_for(s, pilot_id, "weekly_sales")
    typed = [dict(r, **{"Weekly sales": "41"}) for r in grid.rows]
    typed[0]["Weekly sales"] = "4O"  # a letter O
    typed[1]["Arm"] = "standard"  # S3 is a promotion store
    typed[2][grid.before] = "twelve"
    typed.append({"Store": "", "Arm": "standard", "Weekly sales": "40"})
    before = count(engine, UnitResult), count(engine, ResultEntry)
    with pytest.raises(InvalidInput) as err, transaction(engine) as s:
        unit_grid.save_unit_grid(s, pilot_id, "weekly_sales", START + timedelta(days=7), typed, "Ana")
    said = str(err.value)
    assert "Store 'S1' · Weekly sales: '4O' is not a number" in said
    assert "Store 'S3' · Arm: it is in 'promotion' already: a store belongs to one arm." in said
    assert f"Store '{grid.rows[2]['Store']}' · Before the pilot: 'twelve' is not a number" in said
    assert "Row 9: figures are typed but Store is empty" in said
    assert (count(engine, UnitResult), count(engine, ResultEntry)) == before
    with pytest.raises(InvalidInput, match="already"), transaction(engine) as s:  # a period is logged once
        unit_grid.save_unit_grid(
            s, pilot_id, "weekly_sales", START, [dict(r, **{"Weekly sales": "41"}) for r in grid.rows], "Ana"
        )
    assert (count(engine, UnitResult), count(engine, ResultEntry)) == before


def test_a_market_with_stores_in_one_arm_only_is_refused_as_the_import_refuses_it(engine, pilot_id):
    with Session(engine) as s:
        grid = unit_grid.unit_grid_for(s, pilot_id, "weekly_sales")
    typed = _week(grid)
    typed[0][grid.stratum] = typed[2][grid.stratum] = "Coast"  # both standard stores: Coast has no promotion store
    with pytest.raises(InvalidInput, match="Market 'Coast' has units in 'standard' only"), transaction(engine) as s:
        unit_grid.save_unit_grid(s, pilot_id, "weekly_sales", START, typed, "Ana")
    assert count(engine, UnitResult) == 0


@pytest.mark.parametrize(
    ("units", "one"), [("stores", "Store"), ("cities", "City"), ("branches", "Branch"), ("markets", "Market")]
)
def test_the_unit_column_is_named_in_the_singular(units, one):
    assert unit_grid.singular(units) == one


def test_the_log_results_page_offers_the_store_grid_on_the_demo_store_pilot(app_demo_engine):
    at = page("pages/log_results.py").run()
    at.selectbox[0].set_value(15).run()  # the demo's store pilot
    assert not at.exception and not errors(at)
    grid = at.data_editor[0]
    assert list(grid.value.columns) == ["Store", "Arm", "Weekly sales", "market", "last_month_sales"]
    assert len(grid.value) == 60 and set(grid.value["Weekly sales"]) == {""}  # every store, its figure to type
    period = next(w for w in at.date_input if w.label.startswith("Period"))
    period.set_value(date.today()).run()
    typed = {i: {"Weekly sales": f"{40 + i % 7}.5"} for i in range(60)}
    at.session_state[at.data_editor[0].key] = {"edited_rows": typed, "added_rows": [], "deleted_rows": []}
    next(b for b in at.button if b.label == "Save store values").click().run()
    assert not errors(at), errors(at)
    assert "Saved 60 store value(s)" in at.success[0].value
    with Session(app_demo_engine) as s:
        today = [r for r in unit_results.unit_observations(s, [15])[15] if r.day == date.today()]
    assert len(today) == 60 and {r.stratum_name for r in today} == {"market"}


def test_a_branch_pilots_rates_share_one_sent_per_branch(engine):
    with transaction(engine) as s:
        pid = factories.ab_pilot(
            s, "Branches", unit="branches", start_date=START, end_date=START + timedelta(days=27)
        ).id
    sheet = ("reply_rate", "unsubscribe_rate")
    with Session(engine) as s:
        grid = unit_grid.unit_grid_for(s, pid, sheet)
    assert grid.columns == ["Branch", "Arm", "Sent", "Replies", "Unsubscribes", "Market", "Before the pilot"]
    typed = [
        {
            "Branch": f"B{i}",
            "Arm": "control" if i % 2 else "pilot",
            "Sent": "200",
            "Replies": str(10 + i),
            "Unsubscribes": "1",
        }
        for i in range(6)
    ]
    with transaction(engine) as s:
        unit_grid.save_unit_grid(s, pid, sheet, START, typed, "Ana")
    with Session(engine) as s:
        stored = {(r.metric, r.unit): (r.n, r.total) for r in unit_results.unit_observations(s, [pid])[pid]}
    assert stored[("reply_rate", "B3")] == (200, 13) and stored[("unsubscribe_rate", "B3")] == (200, 1)  # Sent once
    assert len(stored) == 12
