"""Grid cells are text read with the importer's number reader: a typo is named, never turned into a number (issue 25.4)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, func, select

from lib.infra.db import transaction
from lib.infra.inputs import InvalidInput
from lib.infra.models import ResultEntry
from lib.services import entry_saves, results
from lib.services.grid_cells import NotANumber, cell_text, read_cell, read_grid, text_rows
from tests import factories
from tests.pages_helpers import count, errors, page

DAY = date(2026, 10, 4)


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("300", 300.0),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1,234", 1234.0),
        ("12,5", 12.5),
        ("12 %", 0.12),
        ("-5", -5.0),
        ("−3", -3.0),
        ("(40)", -40.0),
        (" 41 ", 41.0),
        ("", None),
        ("   ", None),
        (None, None),
        (float("nan"), None),
        (131, 131.0),
    ],
)
def test_a_cell_reads_as_the_importer_reads_a_file_cell(typed, number):
    assert read_cell(typed) == number


@pytest.mark.parametrize("typed", ["3O0", "twelve", "12x", "1.2.3,4,5", "3 0 0 0"])
def test_a_typo_is_not_a_number_and_says_what_was_typed(typed):
    with pytest.raises(NotANumber) as err:
        read_cell(typed)
    assert str(err.value) == f"'{typed}' is not a number"


def test_logged_figures_show_as_text_and_nothing_logged_as_blank_not_none():
    rows = [
        {"Day": DAY, "Arm": "control", "Exposures": 300.0, "Conversions": None},
        {"Day": DAY, "Arm": "pilot", "Exposures": float("nan"), "Conversions": 12.5},
    ]
    assert text_rows("proportion", rows) == [
        {"Day": DAY, "Arm": "control", "Exposures": "300", "Conversions": ""},
        {"Day": DAY, "Arm": "pilot", "Exposures": "", "Conversions": "12.5"},
    ]
    assert cell_text(41 + 1 / 3) == "41.3333"


def test_every_bad_cell_is_listed_at_once_naming_day_arm_and_column():
    shown = [
        {"Day": DAY, "Arm": "control", "Exposures": 300.0, "Conversions": 20.0},
        {"Day": DAY, "Arm": "pilot", "Exposures": None, "Conversions": None},
    ]
    typed = [
        {"Day": DAY, "Arm": "control", "Exposures": "3O0", "Conversions": "20"},
        {"Day": DAY, "Arm": "pilot", "Exposures": "1.234,5", "Conversions": "twelve"},
    ]
    read = read_grid("proportion", shown, typed)
    assert not read.ok
    assert [str(p) for p in read.problems] == [
        "4 Oct · control · Exposures: '3O0' is not a number",
        "4 Oct · pilot · Conversions: 'twelve' is not a number",
    ]


def test_a_cell_left_as_shown_keeps_its_exact_number():
    third = 41 + 1 / 3
    shown = [{"Day": DAY, "Arm": "control", "Units": 3.0, "Average": third, "Std deviation": 0.0}]
    typed = text_rows("mean", shown)
    read = read_grid("mean", shown, typed)
    assert read.ok and read.rows[0]["Average"] == third  # "41.3333" on screen is no change


@pytest.fixture
def pilot_id(engine) -> int:
    with transaction(engine) as s:
        p = factories.ab_pilot(s)
        results.log_results(s, p.id, factories.day_rows(factories.START), "Mia", today=factories.START)
        return p.id


def test_save_grid_refuses_a_typo_in_one_row_and_writes_no_other_row(engine, pilot_id):
    with Session(engine) as s:
        grid = entry_saves.grid_for(s, pilot_id, "reply_rate", [factories.START])
    typed = text_rows(grid.labels, grid.rows)
    typed[0]["Sent"] = "450"  # a good correction beside the typo: not saved either
    typed[1]["Replies"] = "3O"
    with pytest.raises(InvalidInput) as err, transaction(engine) as s:
        entry_saves.save_grid(s, pilot_id, "reply_rate", grid.rows, typed, "Ana", "recount")
    assert f"{factories.START.day} {factories.START:%b} · pilot · Replies: '3O' is not a number" in str(err.value)
    with Session(engine) as s:
        assert int(s.exec(select(func.count()).select_from(ResultEntry)).one()) == 2
        assert {e.arm: e.n for e in results.current_entries(s, pilot_id)} == {"control": 400, "pilot": 410}


def test_save_grid_reads_thousands_separators_as_an_export_writes_them(engine, pilot_id):
    with Session(engine) as s:
        grid = entry_saves.grid_for(s, pilot_id, "reply_rate", [factories.START])
    typed = text_rows(grid.labels, grid.rows)
    typed[0]["Sent"] = "1,234"  # a thousands comma: not 1.234, not 1
    typed[1]["Sent"] = "2.345,0"  # a thousands point and a decimal comma, as a German export writes it
    with transaction(engine) as s:
        saved = entry_saves.save_grid(s, pilot_id, "reply_rate", grid.rows, typed, "Ana", "recount")
    assert saved.corrected == 2
    with Session(engine) as s:
        assert {e.arm: e.n for e in results.current_entries(s, pilot_id)} == {"control": 1234, "pilot": 2345}


# ------------------------------------------------------------------ the page


@pytest.fixture
def page_pilot(app_engine):
    today = date.today()
    with transaction(app_engine) as s:
        factories.ab_pilot(s, start_date=today - timedelta(days=10), end_date=today + timedelta(days=10))
        results.log_results(s, 1, factories.day_rows(today, control=(32, 3), pilot=(35, 4)), "Mia", today=today)
    return app_engine


def test_the_page_lists_every_typo_keeps_what_was_typed_and_saves_nothing(page_pilot):
    today = date.today()
    at = page("pages/log_results.py").run()
    grid = at.data_editor[0]
    rows = grid.value
    control, pilot = len(rows) - 2, len(rows) - 1
    assert rows.iloc[0]["Sent"] == "" and rows.iloc[control]["Sent"] == "32"  # blank, not "None"
    at.session_state[grid.key] = {
        "edited_rows": {control: {"Sent": "3O0"}, pilot: {"Replies": "twelve"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    said = " ".join(errors(at))
    where = f"{today.day} {today:%b}"
    assert "2 cell(s) are not numbers" in said  # under the grid as soon as typed, before any save
    assert f"{where} · control · Sent: '3O0' is not a number" in said
    assert f"{where} · pilot · Replies: 'twelve' is not a number" in said
    next(b for b in at.button if b.label == "Save grid").click().run()
    assert any("Nothing was saved" in e for e in errors(at)), errors(at)
    assert count(page_pilot, ResultEntry) == 2
    with Session(page_pilot) as s:
        assert {e.arm: (e.n, e.total) for e in results.current_entries(s, 1)} == {"control": (32, 3), "pilot": (35, 4)}
    assert at.data_editor[0].key == grid.key  # the same grid, not opened again: what was typed stays to be fixed
    at.session_state[grid.key] = {
        "edited_rows": {control: {"Sent": "1,300"}, pilot: {"Replies": "12"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    next(b for b in at.button if b.label == "Save grid").click().run()
    assert not errors(at), errors(at)
    assert "2 corrected" in at.success[0].value
    with Session(page_pilot) as s:
        assert {e.arm: (e.n, e.total) for e in results.current_entries(s, 1)} == {
            "control": (1300, 3),
            "pilot": (35, 12),
        }
