"""A market test's grid (issue 27): rows are market x day; a saved cell supersedes the market's value with history
kept and the day x arm sums follow; a stale or bad cell is refused by name and nothing is written."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, select

from lib.importer import ImportMapping, MetricMapping, file_checksum
from lib.infra.db import transaction
from lib.infra.inputs import InvalidInput
from lib.infra.models import ResultEntry, UnitResult
from lib.services import import_batches
from lib.services.market_entry import market_grid, save_market_grid
from lib.services.pilots import create_pilot
from tests.markets import market_export
from tests.pages_helpers import errors, page

TODAY = date.today()
START = TODAY - timedelta(days=4)
DAY = TODAY - timedelta(days=1)


def _pilot(engine) -> int:
    data = market_export(START - timedelta(days=20), days=25).to_csv(index=False).encode()
    with transaction(engine) as s:
        pilot = create_pilot(
            s,
            "tester",
            name="Billboards",
            design="market",
            test_markets="Chicago,Portland",
            excluded_markets="Milwaukee",
            status="running",
            start_date=START,
            end_date=START + timedelta(days=20),
            criteria=[dict(metric="sales", kind="count", role="primary", threshold=0.0)],
        )
        mapping = ImportMapping(
            layout="aggregated",
            arm_column=None,
            date_column="Date",
            metrics=[MetricMapping("sales", "count", column="Sales")],
            unit_column="Market",
        )
        preview = import_batches.preview_for_pilot(s, pilot.id or 0, io.BytesIO(data), mapping, name="m.csv")
        import_batches.commit_import(
            s, pilot.id or 0, preview, checksum=file_checksum(io.BytesIO(data)), actor="tester", source="cli"
        )
        return pilot.id or 0


def _sums(session: Session, pilot_id: int, day: date) -> dict[str, float]:
    rows = session.exec(
        select(ResultEntry).where(
            ResultEntry.pilot_id == pilot_id, ResultEntry.day == day, col(ResultEntry.superseded_at).is_(None)
        )
    )
    return {r.arm: r.total for r in rows}


def test_a_saved_market_cell_keeps_history_and_the_arm_sums_follow(engine):
    pid = _pilot(engine)
    with Session(engine) as s:
        grid = market_grid(s, pid, "sales", [DAY])
        before = _sums(s, pid, DAY)
    assert grid.markets[:2] == ("Chicago", "Portland") and len(grid.markets) == 40
    assert grid.role("Milwaukee") == "excluded" and grid.role("Miami") == "control"
    shown = {("Chicago", DAY): grid.values[("Chicago", DAY)], ("Miami", DAY): grid.values[("Miami", DAY)]}
    with transaction(engine) as s:
        done = save_market_grid(s, pid, "tester", "sales", {("Chicago", DAY): 5000.0, ("Miami", DAY): None}, shown)
    assert done == 2
    with Session(engine) as s:
        after = _sums(s, pid, DAY)
        history = s.exec(select(UnitResult).where(UnitResult.unit == "Chicago", UnitResult.day == DAY)).all()
        miami = s.exec(
            select(UnitResult).where(
                UnitResult.unit == "Miami", UnitResult.day == DAY, col(UnitResult.superseded_at).is_(None)
            )
        ).all()
        old_sums = s.exec(
            select(ResultEntry).where(ResultEntry.day == DAY, col(ResultEntry.superseded_at).is_not(None))
        ).all()
    assert sorted(r.total for r in history) == sorted([shown[("Chicago", DAY)], 5000.0])  # both kept
    assert [r.superseded_at is None for r in history if r.total == 5000.0] == [True]
    assert miami == []
    assert after["pilot"] == pytest.approx(before["pilot"] - shown[("Chicago", DAY)] + 5000.0)
    assert after["control"] == pytest.approx(before["control"] - shown[("Miami", DAY)])
    assert {r.arm for r in old_sums} == {"pilot", "control"}  # the earlier sums stay as history


def test_a_stale_negative_or_late_cell_is_refused_by_name_and_nothing_is_written(engine):
    pid = _pilot(engine)
    with Session(engine) as s:
        value = market_grid(s, pid, "sales", [DAY]).values[("Chicago", DAY)]
        count = len(s.exec(select(UnitResult)).all())
    cases = [
        ({("Chicago", DAY): 1.0}, {("Chicago", DAY): value + 1}, "Chicago · "),  # changed since shown
        ({("Chicago", DAY): -3.0}, {("Chicago", DAY): value}, "is not a count or amount"),
        ({("Chicago", TODAY + timedelta(days=2)): 3.0}, {}, "after today"),
    ]
    for edits, shown, words in cases:
        with pytest.raises(InvalidInput) as refused, transaction(engine) as s:
            save_market_grid(s, pid, "tester", "sales", edits, shown)
        assert words in str(refused.value)
    with Session(engine) as s:
        assert len(s.exec(select(UnitResult)).all()) == count


def test_the_log_results_page_offers_the_market_grid(app_engine):
    _pilot(app_engine)
    at = page("pages/log_results.py").run()
    assert not at.exception and not errors(at)
    [grid] = [d for d in at.dataframe if "Market" in d.value.columns]
    assert list(grid.value["Market"][:2]) == ["Chicago", "Chicago"] and len(grid.value) == 40 * 7
    assert "Save sales by market" in [b.label for b in at.button]


def test_log_results_offers_a_market_test_no_day_by_arm_entry_and_says_where_to_log(app_engine):
    """The "Enter one day" form and the day × arm grid were offered under the market grid: a market test's
    verdict reads its markets, so values typed per arm would never reach it."""
    _pilot(app_engine)
    at = page("pages/log_results.py").run()
    assert not at.exception and not errors(at)
    assert [t.label for t in at.tabs] == ["Grid (market × day)", "Import a file"]
    labels = [b.label for b in at.button]
    assert "Save sales by market" in labels and "Save grid" not in labels and "Save day" not in labels
    day_by_arm = [d for d in at.dataframe if list(d.value.columns[:2]) == ["Day", "Arm"]]
    assert [list(d.value.columns) for d in day_by_arm] == [["Day", "Arm", "Metric", "Value", "Source", "By"]]  # logged
    note = " ".join(c.value for c in at.tabs[0].caption)
    assert "No day × arm entry for a market test" in note and "**Import a file**" in note
