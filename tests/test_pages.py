"""Every page through AppTest: empty workspace, demo workspace, and bad input in every form."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lib.adapter.keys import Keys
from lib.infra.db import transaction
from lib.infra.models import Decision, Goal, Pilot, ResultEntry
from tests import factories
from tests.pages_helpers import PAGES, count, errors, open_expander, open_tab, page, pilots_page


@pytest.fixture
def demo_engine(app_demo_engine):
    return app_demo_engine


@pytest.mark.parametrize("path", PAGES)
def test_every_page_runs_on_an_empty_workspace(app_engine, path):
    at = page(path).run()
    assert not at.exception, at.exception
    assert at.title[0].value


@pytest.mark.parametrize("path", PAGES)
def test_every_page_runs_on_the_demo_workspace(demo_engine, path):
    at = page(path).run()
    assert not at.exception, at.exception
    assert not at.error, errors(at)


def test_app_entry_point_serves_home(app_engine):
    at = page("app.py").run()
    assert not at.exception
    assert "Greenlight" in at.title[0].value


def test_home_loads_the_demo_with_one_click(app_engine):
    at = page("pages/home.py").run()
    assert "empty" in at.subheader[0].value
    at.button[0].click().run()
    assert not at.exception
    assert (
        count(app_engine, Pilot) == 16 and count(app_engine, Goal) == 3
    )  # six earlier outreach sequences, one store pilot
    assert count(app_engine, Decision) == 9  # scaled, aborted, one extended with its check-in due, six iterated
    assert "Demo loaded" in at.success[0].value
    assert at.metric[0].label == "Pilots running"


def test_goal_form_refuses_an_empty_name_and_writes_nothing(app_engine):
    at = page("pages/goals.py").run()
    form = at.tabs[0]
    form.text_input[1].set_value("Qualified leads")  # KPI, but no name
    form.button[0].click().run()
    assert any("Name: is required" in e for e in errors(at))
    assert count(app_engine, Goal) == 0
    at.tabs[0].text_input[0].set_value("400 SQLs a quarter")
    at.tabs[0].button[0].click().run()
    assert count(app_engine, Goal) == 1
    assert "400 SQLs a quarter" in at.success[0].value


def _fill_pilot(at, name="Subject lines", start=date(2026, 10, 1), end=date(2026, 10, 28), metric="reply_rate"):
    tab = at.tabs[1]
    labels = [w.label for w in tab.text_input]
    tab.text_input[labels.index("Name")].set_value(name)
    tab.text_input[labels.index("Metric")].set_value(metric)  # the first one is the primary criterion
    dates = {w.label: w for w in tab.date_input}
    dates["Start"].set_value(start)
    dates["End"].set_value(end)
    return tab


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "", "Name: is required"),
        ("end", date(2026, 9, 1), "End: must be on or after the start date"),
        ("metric", "", "Criterion 1 · metric: is required"),
        ("planned", -100, "Planned people per arm: must be a positive number"),
    ],
)
def test_pilot_form_bad_input_shows_a_message_and_writes_nothing(app_engine, field, value, message):
    at = pilots_page("New pilot")
    kwargs = {"name": "Subject lines", "end": date(2026, 10, 28), "metric": "reply_rate"}
    if field in kwargs:
        kwargs[field] = value
    tab = _fill_pilot(at, **kwargs)
    if field == "planned":
        next(w for w in tab.number_input if w.label == "Planned people per arm").set_value(value)
    button(at, "Create pilot").click().run()
    assert any(message in e for e in errors(at)), errors(at)
    assert count(app_engine, Pilot) == 0


def test_pilot_form_creates_a_pilot_with_its_criterion(app_engine):
    at = pilots_page("New pilot")
    tab = _fill_pilot(at)
    next(w for w in tab.number_input if w.label == "Threshold").set_value(1.5)
    button(at, "Create pilot").click().run()
    assert not errors(at)
    assert count(app_engine, Pilot) == 1
    with transaction(app_engine) as s:
        from lib.services.pilots import criteria_for

        [c] = criteria_for(s, 1)
    assert (c.metric, c.kind, c.threshold) == ("reply_rate", "proportion", pytest.approx(0.015))


@pytest.fixture
def pilot_engine(app_engine):
    with transaction(app_engine) as s:
        factories.ab_pilot(s, start_date=date.today() - timedelta(days=10), end_date=date.today() + timedelta(days=10))
    return app_engine


def button(at, label):
    return next(b for b in at.button if b.label == label)


def _day_inputs(at):
    return {w.label: w for w in at.number_input}


@pytest.mark.parametrize(
    "values, message",
    [
        (
            {"Sent · control · reply_rate + unsubscribe_rate": 100, "Replies · control · reply_rate": 120},
            "Replies (120) cannot exceed Sent (100)",
        ),
        (
            {"Sent · pilot · reply_rate + unsubscribe_rate": -5, "Replies · pilot · reply_rate": 0},
            "must not be negative",
        ),
        ({}, "every field is empty"),
    ],
)
def test_log_results_bad_input_shows_a_message_and_writes_nothing(pilot_engine, values, message):
    at = page("pages/log_results.py").run()
    inputs = _day_inputs(at)
    # a good row next to the bad one: the whole save is refused
    if values:
        inputs["Sent · control · reply_rate + unsubscribe_rate"].set_value(100)
        inputs["Unsubscribes · control · unsubscribe_rate"].set_value(1)
    for label, v in values.items():
        inputs[label].set_value(v)
    button(at, "Save day").click().run()
    assert any(message in e for e in errors(at)), errors(at)
    assert count(pilot_engine, ResultEntry) == 0


def test_log_results_saves_a_day_and_a_grid_correction_shows_in_history(pilot_engine):
    at = page("pages/log_results.py").run()
    inputs = _day_inputs(at)
    inputs["Sent · control · reply_rate + unsubscribe_rate"].set_value(400)
    inputs["Replies · control · reply_rate"].set_value(20)
    inputs["Sent · pilot · reply_rate + unsubscribe_rate"].set_value(410)
    inputs["Replies · pilot · reply_rate"].set_value(31)
    button(at, "Save day").click().run()
    assert count(pilot_engine, ResultEntry) == 2
    assert "Saved 2 value(s)" in at.success[0].value
    grid = at.data_editor[0]
    rows = grid.value
    last = len(rows) - 1  # today's pilot row is the last one in the window
    assert rows.iloc[last]["Arm"] == "pilot" and rows.iloc[last]["Replies"] == "31"
    at.session_state[grid.key] = {"edited_rows": {last: {"Replies": 33}}, "added_rows": [], "deleted_rows": []}
    at.text_input[0].set_value("typo")
    button(at, "Save grid").click().run()
    assert not errors(at), errors(at)
    assert count(pilot_engine, ResultEntry) == 3  # old row kept
    assert "1 corrected" in at.success[0].value
    hist = at.dataframe[-1].value
    assert list(hist["Why"]) == ["typo"] and list(hist["After"]) == ["n=410, total=33"]


def test_log_results_grid_refuses_replies_above_sent_in_the_pilots_own_words(pilot_engine):
    at = page("pages/log_results.py").run()
    grid = at.data_editor[0]
    at.session_state[grid.key] = {
        "edited_rows": {0: {"Sent": 50, "Replies": 60}, 1: {"Sent": 10, "Replies": 1}},
        "added_rows": [],
        "deleted_rows": [],
    }
    button(at, "Save grid").click().run()
    assert any("Replies (60) cannot exceed Sent (50)" in e for e in errors(at)), errors(at)
    assert count(pilot_engine, ResultEntry) == 0


def test_review_refuses_a_decision_without_rationale_then_records_it(demo_engine):
    at = page("pages/review.py").run()
    before = count(demo_engine, Decision)
    next(b for b in at.button if b.label.startswith("Record decision for ")).click().run()
    assert any("Rationale: is required" in e for e in errors(at))
    assert count(demo_engine, Decision) == before
    next(w for w in at.text_area if w.label == "Rationale").set_value("Enough evidence; scale to all segments.")
    at.session_state["actor"] = "Lea Novak"  # the name given once, before the first write
    next(b for b in at.button if b.label.startswith("Record decision for ")).click().run()
    assert count(demo_engine, Decision) == before + 1
    assert "Decision recorded" in at.success[0].value


def test_review_shows_a_verdict_sentence_for_each_criterion(demo_engine):
    at = page("pages/review.py").run()
    text = " ".join(m.value for m in at.markdown)
    assert "%" in text and ("confidence" in text or "CI" in text)


def _csv_for_today(bad: bool = False) -> bytes:
    day = date.today().isoformat()
    replies = 500 if bad else 21
    return f"date,variant,sent,replies\n{day},control,400,{replies}\n{day},pilot,410,30\n".encode()


def test_import_tab_previews_then_imports_and_can_undo(pilot_engine):
    at = page("pages/log_results.py").run()
    at.file_uploader[0].set_value(("export.csv", _csv_for_today(), "text/csv")).run()
    assert not at.exception, at.exception
    button(at, "Preview import").click().run()
    assert not errors(at), errors(at)
    assert count(pilot_engine, ResultEntry) == 0  # a preview writes nothing
    assert button(at, "Import 2 values").disabled  # the file leaves the guardrail unmapped: confirm first
    assert any("The import is off until every metric is mapped" in c.value for c in at.caption)  # said, not hovered
    next(c for c in at.checkbox if c.label.startswith("Import without")).check().run()
    button(at, "Import 2 values").click().run()
    assert count(pilot_engine, ResultEntry) == 2
    assert "Imported 2 values" in at.success[0].value
    button(at, "Undo import #1").click().run()
    assert "undone" in at.success[0].value
    from lib.infra.db import reading
    from lib.services.results import count_current

    with reading(pilot_engine) as s:
        assert count_current(s) == 0


def test_a_mapping_change_drops_the_preview_it_no_longer_describes(pilot_engine):
    at = page("pages/log_results.py").run()
    at.file_uploader[0].set_value(("export.csv", _csv_for_today(), "text/csv")).run()
    button(at, "Preview import").click().run()
    assert button(at, "Import 2 values")
    next(w for w in at.selectbox if w.label == "Arm column").set_value("— none —").run()
    assert not [b for b in at.button if b.label.startswith("Import ")]  # the stale preview cannot be imported
    assert any("preview is gone" in i.value for i in at.info), [i.value for i in at.info]
    assert count(pilot_engine, ResultEntry) == 0


def test_import_tab_lists_problems_by_row_and_writes_nothing(pilot_engine):
    at = page("pages/log_results.py").run()
    at.file_uploader[0].set_value(("export.csv", _csv_for_today(bad=True), "text/csv")).run()
    button(at, "Preview import").click().run()
    assert any("1 problem(s)" in e for e in errors(at)), errors(at)
    problems = next(d.value for d in at.dataframe if "Problem" in d.value.columns)
    assert list(problems["Row"]) == [2] and "larger than" in problems["Problem"][0]
    assert not [b for b in at.button if b.label.startswith("Import ")]
    assert count(pilot_engine, ResultEntry) == 0


def test_import_tab_explains_a_file_it_cannot_read(pilot_engine):
    at = page("pages/log_results.py").run()
    at.file_uploader[0].set_value(("empty.csv", b"", "text/csv")).run()
    assert any("empty" in e.lower() for e in errors(at)), errors(at)
    assert count(pilot_engine, ResultEntry) == 0


def test_review_numbers_are_formatted_for_people(demo_engine):
    at = page("pages/review.py").run()
    at.selectbox[0].set_value(1).run()  # the A/B email pilot: a control arm to compare with
    open_expander(at, Keys.opened("review_numbers"))
    table = next(d.value for d in at.dataframe if "Pilot" in d.value.columns and "Interval" in d.value.columns)
    first = table.iloc[0]
    assert first["Control / before"].endswith("%") and first["Difference"].endswith("pts")
    assert "95%" in first["Interval"] and first["Met"] in ("yes", "no", "not yet")


def test_the_pilot_page_draws_what_its_expanders_hold_only_once_opened(demo_engine):
    """As on Review: closed, the results table and the two criteria charts cost a run nothing; opened, they stay."""
    at = page("pages/pilot.py")
    at.query_params["pilot"] = "1"
    at.run()
    charts, tables = len(at.get("vega_lite_chart")), len(at.dataframe)
    assert charts == 1 and not any("sum_of_squares" in d.value.columns for d in at.dataframe)
    open_expander(at, Keys.opened("pilot_charts"))
    assert len(at.get("vega_lite_chart")) == charts + 2  # every criterion, and progress toward the plan
    open_expander(at, Keys.opened("pilot_results"))
    assert len(at.dataframe) == tables + 1 and any("sum_of_squares" in d.value.columns for d in at.dataframe)
    at.run()
    assert len(at.get("vega_lite_chart")) == charts + 2 and len(at.dataframe) == tables + 1
    assert not at.exception


def test_review_draws_what_its_expanders_hold_only_once_opened(demo_engine):
    """Closed, the criteria charts and the numbers table cost a run nothing; opened, they are there, and stay."""
    at = page("pages/review.py").run()
    at.selectbox[0].set_value(1).run()
    labels = [e.label for e in at.expander]
    assert "Every criterion at a glance, and progress toward the plan" in labels and "The numbers behind it" in labels
    charts, tables = len(at.get("vega_lite_chart")), len(at.dataframe)
    assert not any("Interval" in d.value.columns for d in at.dataframe)
    open_expander(at, Keys.opened("review_charts"))
    assert len(at.get("vega_lite_chart")) == charts + 2  # every criterion, and progress toward the plan
    open_expander(at, Keys.opened("review_numbers"))
    assert len(at.dataframe) == tables + 1 and any("Interval" in d.value.columns for d in at.dataframe)
    at.run()  # they stay open, with what they hold, until closed
    assert len(at.get("vega_lite_chart")) == charts + 2 and len(at.dataframe) == tables + 1
    assert not at.exception


def test_pilot_form_reports_every_problem_at_once(app_engine):
    at = pilots_page("New pilot")
    _fill_pilot(at, name="", metric="")
    button(at, "Create pilot").click().run()
    text = " ".join(errors(at))
    assert "Name: is required" in text and "Criterion 1 · metric: is required" in text
    assert count(app_engine, Pilot) == 0


def test_editing_only_the_hypothesis_of_a_running_pilot_needs_no_reason(demo_engine):
    at = pilots_page("Edit a pilot")
    edit = at.tabs[2]
    edit.selectbox[0].set_value(5).run()  # Retargeting budget shift: running, a criterion with a unit
    edit = at.tabs[2]
    hyp = next(w for w in edit.text_area if w.label == "Hypothesis")
    hyp.set_value("Retargeting converts better.")
    next(b for b in edit.button if b.label == "Save pilot").click().run()
    assert not errors(at), errors(at)
    with transaction(demo_engine) as s:
        assert s.get(Pilot, 5).hypothesis == "Retargeting converts better."


def test_review_shows_criteria_changed_after_the_start(demo_engine):
    from lib.infra.inputs import PilotIn
    from lib.services.audit import snapshot
    from lib.services.pilots import update_pilot

    with transaction(demo_engine) as s:
        p = s.get(Pilot, 4)  # Cold outreach: reply rate >= 8% target
        values = snapshot(p, tuple(PilotIn.model_fields))
        update_pilot(
            s,
            4,
            "lead",
            reason="Sales said 6% is enough",
            **values,
            criteria=[
                dict(metric="reply_rate", kind="proportion", role="primary", comparison="vs_target", threshold=0.06)
            ],
        )
    at = page("pages/review.py").run()
    at.selectbox[0].set_value(4).run()
    warning = " ".join(w.value for w in at.warning)
    assert "changed after the pilot started" in warning and "Sales said 6% is enough" in warning
    assert "8% (target)" in warning


def _plan_text(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_designer_shows_the_plan_and_updates_it_as_inputs_change(app_engine):
    at = pilots_page("New pilot")
    assert not at.exception, at.exception
    planned = next(m for m in at.metric if m.label == "Planned sample (people per arm)")
    assert planned.value == "7,431"  # 5% -> 6%, 95% confidence, 80% power, 28 daily looks
    text = _plan_text(at)
    assert "With this plan, looking every day: about 4% chance of scaling a pilot that changes nothing" in text
    assert "80% chance of catching +1.0 pts" in text
    assert "A single look at the end would need 6,424" in text
    at.number_input(key="plan_expected_vs_control_proportion_absolute").set_value(2.0).run()
    planned = next(m for m in at.metric if m.label == "Planned sample (people per arm)")
    assert planned.value != "7,431" and "catching +2.0 pts" in _plan_text(at)
    at.number_input(key="plan_volume").set_value(100.0).run()
    text = _plan_text(at)
    assert "the smallest effect this pilot reliably catches is +" in text
    # everything the plan decided goes into the new-pilot form with one click (it copied only the sample size)
    at.number_input(key="plan_threshold_vs_control_proportion_absolute").set_value(0.5).run()
    planned = next(m for m in at.metric if m.label == "Planned sample (people per arm)")
    at.button(key="plan_use").click().run()
    assert not at.exception, at.exception
    assert at.session_state["new_pilot_planned_n"] == int(planned.value.replace(",", ""))
    form = "new_pilot_0"
    assert at.selectbox(key="new_pilot_design").value == "ab"
    assert at.number_input(key=f"{form}_primary_threshold").value == 0.5
    assert at.number_input(key=f"{form}_primary_expected").value == 2.0
    assert at.selectbox(key=f"{form}_primary_kind").value == "proportion"
    assert at.selectbox(key=f"{form}_primary_conf").value == 0.95
    assert any("The plan filled the design, the primary criterion" in c.value for c in at.caption)
    assert not [w.value for w in at.warning if "Session State" in w.value]  # no "value set twice" warning


def test_pilots_draws_a_tab_from_its_first_opening_and_keeps_what_was_typed_in_it(demo_engine):
    """A run that lists the pilots draws neither the designers nor the forms; once opened, a tab stays drawn, so a
    plan typed there survives a look at the list."""
    at = page("pages/pilots.py").run()
    assert not at.exception and at.dataframe  # the list is open from the start
    assert not at.tabs[1].children and not at.tabs[2].children
    assert not [m for m in at.metric if m.label.startswith("Planned sample")]
    open_tab(at, Keys.tab("pilots"), "New pilot")
    at.number_input(key=Keys.plan("volume")).set_value(250.0).run()
    assert next(m for m in at.metric if m.label.startswith("Planned sample"))
    open_tab(at, Keys.tab("pilots"), "All pilots")  # a look at the list
    assert at.number_input(key=Keys.plan("volume")).value == 250.0 and at.tabs[1].children
    assert not at.tabs[2].children  # never opened: still not drawn
    open_tab(at, Keys.tab("pilots"), "Edit a pilot")
    assert any(b.label == "Save pilot" for b in at.tabs[2].button)
    assert not at.exception and not errors(at)


def test_designer_explains_an_impossible_plan(app_engine):
    at = pilots_page("New pilot")
    at.number_input(key="plan_expected_vs_control_proportion_absolute").set_value(-1.0).run()
    assert any("expected effect must be beyond the threshold" in e for e in errors(at))
    assert not at.exception


def test_learnings_library_lists_decided_pilots_and_searches(demo_engine):
    at = page("pages/learnings.py").run()
    assert not at.exception and not errors(at)
    table = at.dataframe[0].value
    assert len(table) == 9 and set(table["Decision"]) == {"Scaled", "Aborted", "Extended", "Iterated"}
    assert all(table["Rationale"].str.len() > 0)

    # the measured effect and its interval are the same quantity, in the same unit (was a lift in % beside pts)
    def unit(text: str) -> str:
        return "pts" if text.endswith("pts") else "%" if text.endswith("%") else text

    assert [unit(e) for e in table["Measured effect"]] == [unit(i) for i in table["Interval"]]
    assert {unit(e) for e in table["Measured effect"]} >= {"pts", "%"}
    at.multiselect(key="learn_outcome").set_value(["abort"]).run()
    table = at.dataframe[0].value
    assert list(table["Decision"]) == ["Aborted"]
    at.multiselect(key="learn_outcome").set_value([]).run()
    at.text_input(key="learn_text").set_value("no such words anywhere").run()
    assert not at.dataframe and "Nothing matches" in at.info[0].value


def test_pilot_page_opens_by_its_link_and_keeps_the_id(demo_engine):
    at = page("pages/pilot.py")
    at.query_params["pilot"] = "4"
    at.run()
    assert not at.exception and not errors(at)
    assert "Cold outreach sequence v2" in at.title[0].value
    assert at.selectbox(key="pilot_page").value == 4
    assert at.query_params["pilot"] == ["4"] or at.query_params["pilot"] == "4"
    text = " ".join(m.value for m in at.markdown).replace("\\", "").replace("\u2060", "")  # as a reader sees it
    assert "Reply rate · primary" in text and "against a target of 8.0%" in text and "Interval:" in text
    at.run()  # a reload keeps the pilot
    assert "Cold outreach sequence v2" in at.title[0].value
    at.selectbox(key="pilot_page").set_value(3).run()
    assert "Pricing page FAQ" in at.title[0].value
    assert any("observational" in w.value.lower() for w in at.warning)


def test_pilot_page_explains_a_pilot_that_has_not_started_and_an_unknown_id(demo_engine):
    at = page("pages/pilot.py")
    at.query_params["pilot"] = "8"
    at.run()
    assert "Homepage hero video" in at.title[0].value and "has not started" in at.info[0].value
    at = page("pages/pilot.py")
    at.query_params["pilot"] = "999"
    at.run()
    assert not at.exception and "There is no pilot #999" in at.warning[0].value


def test_review_decides_from_the_queue_and_the_log_keeps_what_was_shown(demo_engine):
    from sqlmodel import Session

    from lib.services.decisions import list_decisions

    at = page("pages/review.py").run()
    assert "Needs a decision today (1)" in " ".join(h.value for h in at.subheader)
    # the queue's card is the pilot decided below from the start (was the selectbox's first entry, another pilot)
    assert at.selectbox(key="review_pilot").value == 3  # the pricing-page FAQ, its check-in due today
    assert not [b for b in at.button if b.label == "Review and decide"]
    button(at, "Being decided below").click().run()
    assert at.selectbox(key="review_pilot").value == 3
    assert "Deciding: Pricing page FAQ" in " ".join(h.value for h in at.subheader)
    assert [b.label for b in at.button if b.label.startswith("Record decision")] == [
        "Record decision for Pricing page FAQ"
    ]
    shown = " ".join(m.value for m in at.markdown).replace("\\", "").replace("\u2060", "")
    banner = " ".join(w.value for w in [*at.success, *at.warning, *at.error, *at.info])
    assert "Recommendation: **keep running**" in banner
    next(w for w in at.text_area if w.label == "Rationale").set_value("Still too early: two more weeks.")
    at.session_state["actor"] = "Lea Novak"  # the name given once, before the first write
    next(b for b in at.button if b.label.startswith("Record decision for ")).click().run()
    assert not errors(at), errors(at)
    assert "Decision recorded" in at.success[0].value
    log = open_expander(at, Keys.opened("review_log")).dataframe[-1].value
    assert log.iloc[0]["Pilot"] == "Pricing page FAQ" and log.iloc[0]["Decision"].startswith("Extend")
    assert log.iloc[0]["Against it because"] == "—"
    with Session(demo_engine) as s:
        stored = list_decisions(s, 3)[0]
    assert stored.decision.recommendation == "keep_running"
    assert stored.decision.next_check_in == date.today() + timedelta(days=14)
    for verdict in stored.snapshot["evaluation"]["verdicts"]:  # the frozen numbers are the ones on screen
        assert verdict["sentence"] in shown
    assert "Needs a decision today (0)" in " ".join(h.value for h in at.subheader)


def test_review_downloads_are_one_menu_drawn_once_opened(demo_engine):
    at = page("pages/review.py").run()  # the pricing-page FAQ is being decided
    assert not at.get("download_button")  # closed: no file is offered, nothing is registered for one
    open_expander(at, Keys.opened(Keys.downloads("review", 3)))
    offered = {b.proto.label: b.proto.deferred_file_id for b in at.get("download_button")}
    assert list(offered) == ["Report (HTML)", "Chart (PNG)", "Results (CSV)", "Decision log (CSV)"]
    assert all(offered.values())  # each file is made on its click, not on the run


def test_review_log_filters_by_outcome(demo_engine):
    at = page("pages/review.py").run()
    # the meeting decides one pilot: the whole log is one click away, drawn only while open
    assert [e.label for e in at.expander if e.label.startswith("Every decision")] == [
        "Every decision (9), with filters, a CSV and the numbers frozen with each"
    ]
    assert not at.multiselect and not at.dataframe
    open_expander(at, Keys.opened("review_log"))
    assert len(at.dataframe[-1].value) == 9
    at.multiselect(key="log_outcome").set_value(["abort"]).run()
    log = at.dataframe[-1].value
    assert list(log["Decision"]) == ["Abort"] and "1 of 9 decisions" in " ".join(c.value for c in at.caption)
    at.session_state[Keys.opened("review_log")] = False  # closed, then opened again: the filter is kept
    assert not at.run().dataframe
    assert list(open_expander(at, Keys.opened("review_log")).dataframe[-1].value["Decision"]) == ["Abort"]


def test_settings_saves_defaults_and_refuses_a_bad_backup(demo_engine):
    from lib.infra.db import reading
    from lib.services.settings import defaults

    at = page("pages/settings.py").run()
    assert not at.exception and not errors(at)
    at.selectbox[0].set_value(0.9)
    at.selectbox[1].set_value("weekly")
    button(at, "Save defaults").click().run()
    assert "Defaults saved" in at.success[0].value
    with reading(demo_engine) as s:
        assert defaults(s).confidence == 0.9 and defaults(s).looks == "weekly"
    before = count(demo_engine, Pilot)
    at.file_uploader(key="restore_file").set_value(("backup.json", b'{"format": "nope"}', "application/json")).run()
    button(at, "Restore").click().run()
    assert "Nothing was restored" in at.error[0].value
    assert count(demo_engine, Pilot) == before


def test_a_wrong_database_password_is_one_sentence_without_the_password(monkeypatch):
    from tests.conftest import need_postgres

    base = need_postgres()
    wrong = base.replace("app:app@", "app:not-the-password@")
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", wrong)
    at = page("pages/home.py").run()
    shown = " ".join(e.value for e in at.error)
    assert not at.exception and shown
    assert "not-the-password" not in shown and "Traceback" not in shown
    assert "127.0.0.1" in shown or "localhost" in shown
