"""The grid's columns are named by the metric ("Sent", "Replies"), and rates sharing a count type it once (issue 25.4)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from lib.cli.main import main
from lib.formatting import fmt_date
from lib.infra.db import make_engine, transaction, upgrade
from lib.infra.inputs import InvalidInput
from lib.infra.models import Criterion, ResultEntry
from lib.services import entry_saves, pilots, results
from lib.services.grid_cells import marked_rows, read_grid, text_rows
from lib.services.grid_sheets import group, names_for, sheet
from lib.vocabulary import count_names
from tests import factories
from tests.pages_helpers import count, errors, page, pilots_page

START = factories.START


@pytest.mark.parametrize(
    ("metric", "kind", "channel", "given", "names"),
    [
        ("reply_rate", "proportion", "email", (None, None), ("Sent", "Replies")),
        ("unsubscribe_rate", "proportion", "email", (None, None), ("Sent", "Unsubscribes")),
        ("signup_rate", "proportion", "web", (None, None), ("Visitors", "Signups")),
        ("open_rate", "proportion", "email", (None, None), ("Sent", "Opens")),
        ("ctr", "proportion", "paid", (None, None), ("Clicks", "Conversions")),  # says nothing of what it counts
        ("conversion_rate", "proportion", "other", (None, None), ("Exposures", "Conversions")),
        ("click_to_open_rate", "proportion", "email", ("Opens", "Clicks"), ("Opens", "Clicks")),  # named by the team
        ("order_value", "mean", "web", (None, None), ("Units", "Average")),
        ("order_value", "mean", "web", ("Orders", "Order value"), ("Orders", "Order value")),
        ("qualified_leads", "count", "events", (None, None), ("", "Qualified leads")),
    ],
)
def test_a_metrics_two_counts_are_named_by_the_team_or_from_the_metric_and_channel(metric, kind, channel, given, names):
    assert count_names(metric, kind, channel, *given) == names


@pytest.fixture
def pilot_id(engine) -> int:
    with transaction(engine) as s:
        return factories.ab_pilot(s).id


def test_an_email_pilots_grid_reads_sent_replies_unsubscribes_not_exposures_and_conversions(engine, pilot_id):
    with Session(engine) as s:
        kinds = pilots.metric_kinds(s, pilot_id)
        assert names_for(s, pilot_id) == {
            "reply_rate": ("Sent", "Replies"),
            "unsubscribe_rate": ("Sent", "Unsubscribes"),
            "spend": ("", "Spend"),  # money a day per arm: a sheet of its own (issue 28)
        }
        assert group(kinds, names_for(s, pilot_id)) == [("reply_rate", "unsubscribe_rate"), ("spend",)]
        one = entry_saves.grid_for(s, pilot_id, "reply_rate", [START])
        both = entry_saves.grid_for(s, pilot_id, ("reply_rate", "unsubscribe_rate"), [START])
    assert one.labels == ["Sent", "Replies"]
    assert both.labels == ["Sent", "Replies", "Unsubscribes"]  # one Sent column for both rates
    assert both.sheet.title == "Reply rate and unsubscribe rate (one Sent column)"
    assert list(both.rows[0]) == ["Day", "Arm", "Sent", "Replies", "Unsubscribes"]


def test_a_shared_count_is_typed_once_and_feeds_both_rates(engine, pilot_id):
    sheet = ("reply_rate", "unsubscribe_rate")
    with Session(engine) as s:
        grid = entry_saves.grid_for(s, pilot_id, sheet, [START])
    typed = text_rows(grid.labels, grid.rows)
    typed[0].update({"Sent": "1,200", "Replies": "48", "Unsubscribes": "3"})
    typed[1].update({"Sent": "1,180", "Replies": "61", "Unsubscribes": ""})  # no unsubscribes logged yet: skipped
    with transaction(engine) as s:
        saved = entry_saves.save_grid(s, pilot_id, sheet, grid.rows, typed, "Ana")
    assert saved.added == 3
    with Session(engine) as s:
        logged = {(e.arm, e.metric): (e.n, e.total) for e in results.current_entries(s, pilot_id)}
        again = entry_saves.grid_for(s, pilot_id, sheet, [START])
    assert logged == {
        ("control", "reply_rate"): (1200, 48),
        ("control", "unsubscribe_rate"): (1200, 3),
        ("pilot", "reply_rate"): (1180, 61),
    }
    assert text_rows(again.labels, again.rows)[0] == {
        "Day": START,
        "Arm": "control",
        "Sent": "1200",
        "Replies": "48",
        "Unsubscribes": "3",
    }
    # a correction of Sent corrects both rates' counts, one column typed once
    typed = text_rows(again.labels, again.rows)
    typed[0]["Sent"] = "1250"
    with transaction(engine) as s:
        assert entry_saves.save_grid(s, pilot_id, sheet, again.rows, typed, "Ana", "recount").corrected == 2
    with Session(engine) as s:
        assert {e.metric: e.n for e in results.current_entries(s, pilot_id) if e.arm == "control"} == {
            "reply_rate": 1250,
            "unsubscribe_rate": 1250,
        }


def test_a_shared_count_alone_or_a_count_above_it_is_refused_in_the_pilots_words_and_writes_nothing(engine, pilot_id):
    sheet = ("reply_rate", "unsubscribe_rate")
    with Session(engine) as s:
        grid = entry_saves.grid_for(s, pilot_id, sheet, [START])
    typed = text_rows(grid.labels, grid.rows)
    typed[0]["Sent"] = "900"  # nothing beside it: it would be saved for nothing
    typed[1].update({"Sent": "100", "Replies": "120", "Unsubscribes": "1"})
    with pytest.raises(InvalidInput) as err, transaction(engine) as s:
        entry_saves.save_grid(s, pilot_id, sheet, grid.rows, typed, "Ana")
    said = str(err.value)
    day = f"{START.day} {START:%b}"
    assert f"{day} · control: Sent is typed but Replies and Unsubscribes are empty" in said
    assert f"{day} · pilot: Replies (120) cannot exceed Sent (100)." in said
    assert "exposures" not in said.lower() and "conversions" not in said.lower()
    assert count(engine, ResultEntry) == 0


def test_rates_that_logged_different_counts_for_one_row_are_not_shown_as_one(engine, pilot_id):
    with transaction(engine) as s:
        results.log_results(
            s,
            pilot_id,
            [
                dict(metric="reply_rate", arm="control", day=START, n=400, total=20),
                dict(metric="unsubscribe_rate", arm="control", day=START, n=380, total=1),
            ],
            "Mia",
            today=START,
        )
    with Session(engine) as s:
        grid = entry_saves.grid_for(s, pilot_id, ("reply_rate", "unsubscribe_rate"), [START])
    assert [str(d) for d in grid.disagree] == [
        f"{START.day} {START:%b} · control: Sent is 400 for reply rate and 380 for unsubscribe rate"
    ]


def test_bad_cells_are_marked_in_their_rows_as_typed():
    shown = [
        {"Day": START, "Arm": "control", "Sent": None, "Replies": None},
        {"Day": START, "Arm": "pilot", "Sent": None, "Replies": None},
    ]
    typed = [
        {"Day": START, "Arm": "control", "Sent": "3O0", "Replies": "12"},
        {"Day": START, "Arm": "pilot", "Sent": "300", "Replies": "9"},
    ]
    read = read_grid(["Sent", "Replies"], shown, typed)
    assert marked_rows(typed, read.problems) == [{"Day": START, "Arm": "control", "Sent": "⚠ 3O0", "Replies": "12"}]


def test_named_counts_are_kept_on_the_criterion_and_refused_when_the_same(engine):
    with transaction(engine) as s:
        p = factories.ab_pilot(
            s,
            criteria=[
                dict(
                    metric="ctor",
                    kind="proportion",
                    role="primary",
                    threshold=0.0,
                    denominator_label=" Opens ",
                    numerator_label="Clicks",
                )
            ],
        )
    with Session(engine) as s:
        assert names_for(s, p.id) == {"ctor": ("Opens", "Clicks"), "spend": ("", "Spend")}
        assert entry_saves.grid_for(s, p.id, "ctor", [START]).labels == ["Opens", "Clicks"]
    with pytest.raises(InvalidInput, match="what is counted: must differ"), transaction(engine) as s:
        factories.ab_pilot(
            s,
            "Another",
            criteria=[
                dict(
                    metric="x_rate", kind="proportion", role="primary", denominator_label="Sent", numerator_label="sent"
                )
            ],
        )


def test_create_pilot_takes_the_count_names_per_metric_or_for_all(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    argv = ["create-pilot", "--name", "Nurture", "--design", "ab", "--channel", "email"]
    argv += ["--criterion", "click_rate:proportion:primary::0", "--criterion", "bounce_rate:proportion:guardrail::1%"]
    code = main([*argv, "--denominator-label", "Delivered", "--numerator-label", "click_rate=Clickers"])
    assert code == 0, capsys.readouterr()
    with Session(engine) as s:
        named = {c.metric: (c.denominator_label, c.numerator_label) for c in s.exec(select(Criterion))}
        assert names_for(s, 1) == {
            "click_rate": ("Delivered", "Clickers"),
            "bounce_rate": ("Delivered", "Bounces"),
            "spend": ("", "Spend"),
        }
    assert named == {"click_rate": ("Delivered", "Clickers"), "bounce_rate": ("Delivered", None)}
    code = main(["create-pilot", "--name", "Other", *argv[3:], "--numerator-label", "open_rate=Opens"])
    assert code != 0 and "'open_rate' is not a criterion's metric (click_rate, bounce_rate)" in capsys.readouterr().err
    engine.dispose()


# ------------------------------------------------------------------ the page


@pytest.fixture
def page_pilot(app_engine):
    today = date.today()
    with transaction(app_engine) as s:
        factories.ab_pilot(s, start_date=today - timedelta(days=3), end_date=today + timedelta(days=10))
    return app_engine


def test_the_page_grid_types_sent_once_for_both_rates_with_the_metrics_own_column_names(page_pilot):
    today = date.today()
    at = page("pages/log_results.py").run()
    grid = at.data_editor[0]
    assert list(grid.value.columns) == ["Day", "Arm", "Sent", "Replies", "Unsubscribes"]
    assert {w.label for w in at.number_input} >= {
        "Sent · control · reply_rate + unsubscribe_rate",
        "Unsubscribes · pilot · unsubscribe_rate",
    }
    control, pilot = len(grid.value) - 2, len(grid.value) - 1
    at.session_state[grid.key] = {
        "edited_rows": {control: {"Sent": "500", "Replies": "20", "Unsubscribes": "2"}, pilot: {"Sent": "twelve"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    said = " ".join(errors(at))
    assert f"{today.day} {today:%b} · pilot · Sent: 'twelve' is not a number" in said
    # the bad row echoed under the grid, as typed, the bad cell marked in place
    [marked] = [m.value for m in at.markdown if "each bad cell marked" in m.value]
    assert f"| {fmt_date(today)} | pilot | :red-background[**⚠ twelve**] |  |  |" in marked
    next(b for b in at.button if b.label == "Save grid").click().run()
    assert count(page_pilot, ResultEntry) == 0
    at.session_state[grid.key] = {
        "edited_rows": {control: {"Sent": "500", "Replies": "20", "Unsubscribes": "2"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    next(b for b in at.button if b.label == "Save grid").click().run()
    assert not errors(at), errors(at)
    assert "2 added" in at.success[0].value
    with Session(page_pilot) as s:
        assert {e.metric: (e.n, e.total) for e in results.current_entries(s, 1)} == {
            "reply_rate": (500, 20),
            "unsubscribe_rate": (500, 2),
        }


def test_the_designer_names_a_criterions_counts_and_the_grid_uses_them(app_engine):
    at = pilots_page("New pilot")
    tab = at.tabs[1]
    next(w for w in tab.text_input if w.label == "Name").set_value("Click-to-open test")
    next(w for w in tab.text_input if w.label.startswith("Metric")).set_value("ctor")
    next(w for w in tab.text_input if w.label == "Counted over (grid column)").set_value("Opens")
    next(w for w in tab.text_input if w.label == "What is counted (grid column)").set_value("Clicks")
    next(b for b in tab.button if b.label == "Create pilot").click().run()
    assert not errors(at), errors(at)
    with Session(app_engine) as s:
        [c] = s.exec(select(Criterion)).all()
        assert (c.denominator_label, c.numerator_label) == ("Opens", "Clicks")
        assert entry_saves.grid_for(s, c.pilot_id, "ctor", [START]).labels == ["Opens", "Clicks"]


def test_counts_named_alike_in_any_case_share_one_column():
    kinds = {"reply_rate": "proportion", "bounce_rate": "proportion"}
    names = {"reply_rate": ("Delivered", "Replies"), "bounce_rate": ("delivered", "Bounces")}
    [metrics] = group(kinds, names)
    assert sheet(metrics, kinds, names).labels == ["Delivered", "Replies", "Bounces"]


def test_the_one_day_form_types_sent_once_for_both_rates_and_refuses_it_alone(page_pilot):
    at = page("pages/log_results.py").run()
    inputs = {w.label: w for w in at.number_input}
    assert "Sent · control · reply_rate" not in inputs and "Sent · control · unsubscribe_rate" not in inputs
    inputs["Sent · control · reply_rate + unsubscribe_rate"].set_value(400)
    inputs["Replies · control · reply_rate"].set_value(24)
    inputs["Unsubscribes · control · unsubscribe_rate"].set_value(1)
    inputs["Sent · pilot · reply_rate + unsubscribe_rate"].set_value(410)  # nothing beside it
    next(b for b in at.button if b.label == "Save day").click().run()
    said = " ".join(errors(at))
    assert "pilot: Sent is typed but Replies and Unsubscribes are empty" in said
    assert count(page_pilot, ResultEntry) == 0
    inputs = {w.label: w for w in at.number_input}
    inputs["Replies · pilot · reply_rate"].set_value(33)  # unsubscribes not known yet: only the reply rate is logged
    next(b for b in at.button if b.label == "Save day").click().run()
    assert not errors(at), errors(at)
    with Session(page_pilot) as s:
        assert sorted((e.arm, e.metric, e.n, e.total) for e in results.current_entries(s, 1)) == [
            ("control", "reply_rate", 400, 24),
            ("control", "unsubscribe_rate", 400, 1),
            ("pilot", "reply_rate", 410, 33),
        ]
