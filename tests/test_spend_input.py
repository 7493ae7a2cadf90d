"""Spend goes in like any value, and bad spend writes nothing and names its cell (issue 28, "Bad input").

Negative spend, spend on a pilot with no outcome to buy, and a currency other than the workspace's
are each refused, by the grid, the importer and the service beneath them, with every cell named.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from lib.infra.db import transaction
from lib.infra.inputs import InvalidInput
from lib.services import entry_saves, import_batches, results, settings
from lib.services.pilots import metric_kinds
from lib.vocabulary import SPEND_METRIC
from tests.factories import START, ab_pilot

DAY = START + timedelta(days=2)


def _spend_grid(s, pilot_id: int):
    grid = entry_saves.grid_for(s, pilot_id, SPEND_METRIC, [DAY])
    return grid.rows, [dict(r) for r in grid.rows]


def _spend(s, pilot_id: int) -> dict[str, float]:
    return {e.arm: e.total for e in results.current_entries(s, pilot_id) if e.metric == SPEND_METRIC}


def test_spend_is_a_metric_of_a_pilot_with_an_outcome_and_corrections_keep_history(engine):
    with transaction(engine) as s:
        p = ab_pilot(s)
        assert metric_kinds(s, p.id)[SPEND_METRIC] == "count"
        shown, typed = _spend_grid(s, p.id)
        typed[0]["Spend"], typed[1]["Spend"] = "€1.200,50", "1,350.25"
        saved = entry_saves.save_grid(s, p.id, SPEND_METRIC, shown, typed, "Ana", today=DAY)
        assert saved.added == 2
    with transaction(engine) as s:
        assert _spend(s, p.id) == {"control": 1200.5, "pilot": 1350.25}
        shown, typed = _spend_grid(s, p.id)
        typed[1]["Spend"] = "1400"
        entry_saves.save_grid(s, p.id, SPEND_METRIC, shown, typed, "Ben", reason="invoice came in", today=DAY)
    with transaction(engine) as s:
        assert _spend(s, p.id)["pilot"] == 1400
        line = results.history(s, p.id)[0]
        assert (line.metric, line.before, line.after, line.reason) == (
            SPEND_METRIC,
            "n=1, total=1,350.25",
            "n=1, total=1,400",
            "invoice came in",
        )


def test_negative_spend_in_the_grid_is_named_by_its_cell_and_nothing_is_saved(engine):
    with transaction(engine) as s:
        p = ab_pilot(s)
        shown, typed = _spend_grid(s, p.id)
        typed[0]["Spend"], typed[1]["Spend"] = "300", "-40"
        with pytest.raises(InvalidInput) as exc:
            entry_saves.save_grid(s, p.id, SPEND_METRIC, shown, typed, "Ana", today=DAY)
    assert [e.field for e in exc.value.errors] == [f"{DAY.day} {DAY:%b} · pilot"]
    assert exc.value.errors[0].message == "Spend must not be negative."
    with transaction(engine) as s:
        assert _spend(s, p.id) == {}
        with pytest.raises(InvalidInput) as exc:  # the service beneath refuses it too, in money's words
            results.log_results(s, p.id, [dict(metric=SPEND_METRIC, arm="pilot", day=DAY, n=1, total=-40.0)], "Ana")
    assert exc.value.errors[0].message.startswith("cannot be negative (−40.00)")
    with transaction(engine) as s:
        assert _spend(s, p.id) == {}


def test_spend_in_another_currency_than_the_workspaces_is_named_and_nothing_is_saved(engine):
    with transaction(engine) as s:
        p = ab_pilot(s)
        shown, typed = _spend_grid(s, p.id)
        typed[0]["Spend"], typed[1]["Spend"] = "$1,200.50", "€900"
        with pytest.raises(InvalidInput) as exc:
            entry_saves.save_grid(s, p.id, SPEND_METRIC, shown, typed, "Ana", today=DAY)
    (problem,) = exc.value.errors
    assert problem.field == f"{DAY.day} {DAY:%b} · control · Spend"
    assert "'$1,200.50', in $, but this workspace counts money in euros (€)" in problem.message
    with transaction(engine) as s:
        assert _spend(s, p.id) == {}
        settings.save_currency(s, "Ana", "USD")  # the same cell is fine in a dollar workspace
    with transaction(engine) as s:
        shown, typed = _spend_grid(s, p.id)
        typed[0]["Spend"] = "$1,200.50"
        entry_saves.save_grid(s, p.id, SPEND_METRIC, shown, typed, "Ana", today=DAY)
        assert _spend(s, p.id) == {"control": 1200.5}


def test_spend_on_a_pilot_with_no_outcome_is_refused_naming_the_cell(engine):
    with transaction(engine) as s:
        p = ab_pilot(s, status="planned", criteria=[])  # no criterion yet: nothing for the money to buy
        assert SPEND_METRIC not in metric_kinds(s, p.id)
        with pytest.raises(InvalidInput) as exc:
            results.log_results(
                s, p.id, [dict(metric=SPEND_METRIC, arm="pilot", day=DAY, n=1, total=300.0)], "Ana", today=DAY
            )
    (problem,) = exc.value.errors
    assert problem.field == f"{DAY:%d %b %Y} · pilot · spend"
    assert problem.message.startswith("this pilot has no outcome for spend to buy (it has no criteria yet)")
    with transaction(engine) as s:
        assert results.count_current(s, p.id) == 0


def test_the_currency_setting_refuses_an_unknown_code_and_keeps_the_old_one(engine):
    with transaction(engine) as s:
        assert settings.currency(s).symbol == "€"
        with pytest.raises(InvalidInput, match="'XYZ' is not a currency"):
            settings.save_currency(s, "Ana", "xyz")
    with transaction(engine) as s:
        assert settings.currency(s).code == "EUR"
        assert settings.save_currency(s, "Ana", "gbp").label == "GBP (£)"
    with transaction(engine) as s:
        assert settings.currency(s).symbol == "£"


def _import(s, pilot_id: int, path, mapping):
    preview = import_batches.preview_for_pilot(s, pilot_id, path, mapping)
    return preview


def test_an_aggregated_file_reads_spend_by_its_number_format_and_names_bad_cells(engine, tmp_path):
    from lib.importer import ImportMapping, MetricMapping

    good = tmp_path / "spend.csv"
    good.write_text(
        f"date;arm;sent;replies;spend\n{DAY};control;400;24;€1.200,50\n{DAY};pilot;410;33;1.350,25 EUR\n",
        encoding="utf-8",
    )
    mapping = ImportMapping(
        "aggregated",
        "arm",
        "control",
        "date",
        [
            MetricMapping("reply_rate", "proportion", conversions_column="replies", exposures_column="sent"),
            MetricMapping(SPEND_METRIC, "count", column="spend"),
        ],
    )
    with transaction(engine) as s:
        p = ab_pilot(s)
        preview = _import(s, p.id, good, mapping)
        assert preview.ok
        spend = {o.arm: (o.n, o.total) for o in preview.observations if o.metric == SPEND_METRIC}
        assert spend == {"control": (1.0, 1200.5), "pilot": (1.0, 1350.25)}
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f'date,arm,sent,replies,spend\n{DAY},control,400,24,"$1,200.50"\n{DAY},pilot,410,33,-40\n',
        encoding="utf-8",
    )
    with transaction(engine) as s:
        preview = _import(s, p.id, bad, mapping)
    assert not preview.ok
    problems = {(pr.row, pr.column, pr.code): pr.message for pr in preview.problems}
    assert "in $, but this workspace counts money in euros" in problems[(2, "spend", "other_currency")]
    assert "spend cannot be below zero" in problems[(3, "spend", "negative")]


def test_spend_mapped_for_a_pilot_with_no_outcome_is_refused_before_reading(engine, tmp_path):
    from lib.importer import ImportMapping, MetricMapping

    path = tmp_path / "spend.csv"
    path.write_text(f"date,arm,spend\n{DAY},pilot,100\n", encoding="utf-8")
    with transaction(engine) as s:
        p = ab_pilot(s, status="planned", criteria=[])
        mapping = ImportMapping(
            "aggregated", "arm", "control", "date", [MetricMapping(SPEND_METRIC, "count", column="spend")]
        )
        with pytest.raises(InvalidInput) as exc:
            _import(s, p.id, path, mapping)
    assert exc.value.errors[0].field == "spend column spend"
    assert "no outcome for spend to buy" in exc.value.errors[0].message


def test_an_event_file_sums_each_orders_spend_per_day_and_arm(engine, tmp_path):
    from lib.importer import ImportMapping, MetricMapping

    path = tmp_path / "orders.csv"
    path.write_text(
        "date,arm,replied,cost\n"
        f"{DAY},control,0,$1.50\n{DAY},control,1,$2.25\n{DAY},pilot,1,$4.00\n{DAY},pilot,0,$3.50\n{DAY},pilot,1,$0.75\n",
        encoding="utf-8",
    )
    mapping = ImportMapping(
        "events",
        "arm",
        "control",
        "date",
        [
            MetricMapping("reply_rate", "proportion", column="replied"),
            MetricMapping(SPEND_METRIC, "count", column="cost"),
        ],
    )
    with transaction(engine) as s:
        p = ab_pilot(s)
        settings.save_currency(s, "Ana", "USD")
    with transaction(engine) as s:
        preview = _import(s, p.id, path, mapping)
        assert preview.ok, preview.problems
        spend = {o.arm: (o.n, o.total) for o in preview.observations if o.metric == SPEND_METRIC}
        assert spend == {"control": (2.0, 3.75), "pilot": (3.0, 8.25)}  # n: the orders behind each sum
        import_batches.commit_import(s, p.id, preview, checksum="orders", actor="Ana")
    with transaction(engine) as s:
        assert _spend(s, p.id) == {"control": 3.75, "pilot": 8.25}
