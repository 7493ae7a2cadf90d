"""The chart layer on the demo workspace: valid Vega-Lite, the right layers, numbers that match the verdicts.

``chart.to_dict()`` validates against the Vega-Lite schema, so every test that
calls it also checks the spec is one a browser can draw.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest

from lib import charts
from lib import formatting as fmt
from lib.charts import common, palette
from lib.charts.measures import threshold_point
from lib.decide import PilotEvaluation, evaluate_pilot
from lib.demo.loader import load_demo
from lib.infra.db import make_engine, transaction, upgrade
from lib.services.evaluation import evaluate
from lib.services.pilots import criteria_for, criterion_spec, find_pilot, pilot_spec
from lib.services.results import observations
from lib.specs import CriterionSpec, Observation, PilotSpec
from lib.vocabulary import is_money_threshold

TODAY = date(2026, 11, 23)
AB, LIFT, BEFORE_AFTER, COUNT_BA, TARGET = (
    "Question-style subject lines",
    "LinkedIn carousel ads",
    "Pricing page FAQ",
    "Instagram reels twice a week",
    "Cold outreach sequence v2",
)


@dataclass(frozen=True)
class Case:
    spec: PilotSpec
    criteria: list[CriterionSpec]
    obs: list[Observation]
    evaluation: PilotEvaluation
    goal_id: int | None

    @property
    def primary(self):
        return self.evaluation.primary


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[dict[str, Case]]:
    """The demo workspace, loaded once for the module, read into plain records."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('charts') / 'demo.db'}")
    upgrade(engine)
    cases = {}
    with transaction(engine) as session:
        load_demo(session, as_of=TODAY)
        for name in (
            AB,
            LIFT,
            BEFORE_AFTER,
            COUNT_BA,
            TARGET,
            "Retargeting budget shift",
            "Webinar invite from the CEO",
            "Homepage hero video",
        ):
            p = find_pilot(session, name)
            cases[name] = Case(
                pilot_spec(p),
                [criterion_spec(c) for c in criteria_for(session, p.id)],
                observations(session, p.id),
                evaluate(session, p.id),
                p.goal_id,
            )
    yield cases
    engine.dispose()


# --- reading a spec -----------------------------------------------------------------


def views(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every (sub)view of a spec, depth first."""
    yield spec
    for key in ("layer", "vconcat", "hconcat", "concat"):
        for child in spec.get(key, []):
            yield from views(child)


def named(spec: dict[str, Any], name: str) -> dict[str, Any]:
    """The view with that name (altair suffixes "_0", "_1" to layers inside a concat)."""
    found = [v for v in views(spec) if re.fullmatch(rf"{name}(_\d+)?", v.get("name", ""))]
    assert found, f"no view named {name!r}; names: {[v.get('name') for v in views(spec) if v.get('name')]}"
    return found[0]


def rows(spec: dict[str, Any], view: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline rows a view draws (its own data, or the nearest data above it in the tree)."""
    data = view.get("data") or next(v["data"] for v in views(spec) if view in list(views(v)) and "data" in v)
    return spec["datasets"][data["name"]]


def marks(view: dict[str, Any]) -> list[str]:
    return [m["type"] if isinstance(m, dict) else m for v in views(view) if (m := v.get("mark"))]


def caption_text(spec: dict[str, Any]) -> str:
    """Every word the chart writes inside its plot (text and label fields of its data)."""
    return " ".join(
        str(r.get(key, "")) for data in spec.get("datasets", {}).values() for r in data for key in ("text", "label")
    )


def iso(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


# --- the demo's charts --------------------------------------------------------------


def test_before_after_chart_marks_the_start_and_carries_the_expected_band(demo):
    case = demo[BEFORE_AFTER]
    verdict = case.primary
    spec = charts.before_after_chart(verdict, pilot_start=case.spec.start).to_dict()
    start = named(spec, "pilot_start")
    assert marks(start) == ["rule", "text"]
    assert rows(spec, start)[0]["day"] == iso(case.spec.start)
    assert "Pilot starts 26 Oct" in rows(spec, start)[0]["label"]
    band = named(spec, "counterfactual_band")
    assert band["mark"]["type"] == "area"
    assert (band["encoding"]["y"]["field"], band["encoding"]["y2"]["field"]) == ("low", "high")
    data = rows(spec, band)
    assert len(data) == len(verdict.counterfactual)
    pilot_days = [r for r in data if r["period"] == "Pilot period"]
    assert pilot_days and pilot_days[0]["day"] == iso(case.spec.start)
    assert pilot_days[-1]["expected"] == pytest.approx(verdict.counterfactual[-1].expected)
    subtitle = " ".join(spec["title"]["subtitle"])
    assert "+0.9 pts on the daily rate (95% bounds −0.6 to +2.4 pts)" in subtitle
    assert "Observational, not an experiment" in subtitle


def test_count_before_after_speaks_per_day(demo):
    verdict = demo[COUNT_BA].primary
    spec = charts.before_after_chart(verdict, pilot_start=demo[COUNT_BA].spec.start).to_dict()
    assert "+2.31 a day" in spec["title"]["subtitle"][0]


@pytest.mark.parametrize("name", [AB, LIFT])
def test_ab_over_time_has_arm_bands_and_the_verdicts_interval_against_the_threshold(demo, name):
    case = demo[name]
    verdict = case.primary
    line = charts.timeline(case.spec, case.criteria, case.obs)
    spec = charts.ab_over_time_chart(line, verdict.metric).to_dict()
    assert len(spec["vconcat"]) == 2
    arm_band = named(spec, "arm_bands")
    assert arm_band["mark"]["type"] == "area" and arm_band["encoding"]["y2"]["field"] == "high"
    assert {r["arm"] for r in rows(spec, arm_band)} == {"control", "pilot"}
    threshold = rows(spec, named(spec, "threshold"))[0]["value"]
    assert threshold == pytest.approx(threshold_point(verdict)) == pytest.approx(verdict.threshold)
    interval = rows(spec, named(spec, "interval_band"))
    last = interval[-1]
    assert (last["ci_low"], last["ci_high"]) == (pytest.approx(verdict.ci_low), pytest.approx(verdict.ci_high))
    widths = [r["ci_high"] - r["ci_low"] for r in interval if r["ci_low"] is not None]
    assert widths[-1] < widths[0] / 3  # narrows as data come in


def test_target_chart_draws_the_target_rule(demo):
    case = demo[TARGET]
    line = charts.timeline(case.spec, case.criteria, case.obs)
    spec = charts.target_over_time_chart(line, "reply_rate").to_dict()
    assert rows(spec, named(spec, "target"))[0]["value"] == pytest.approx(0.08)
    assert spec["title"]["text"] == "Reply rate so far against the 8% target"
    band = named(spec, "interval_band")
    assert rows(spec, band)[-1]["ci_high"] == pytest.approx(case.primary.ci_high)


def test_criteria_chart_shows_each_threshold_status_and_guardrail(demo):
    evaluation = demo[AB].evaluation
    spec = charts.criteria_chart(evaluation).to_dict()
    # the primary, the money criterion priced on the same replies (does it pay?), the guardrail
    assert len(spec["vconcat"]) == len(evaluation.verdicts) == 3
    assert spec["resolve"]["scale"]["x"] == "independent"
    for i, verdict in enumerate(evaluation.verdicts):
        row = named(spec, f"criterion_{i}")
        tick = named(row, "threshold")
        assert rows(spec, tick)[0]["threshold"] == pytest.approx(threshold_point(verdict))
    g = next(i for i, v in enumerate(evaluation.verdicts) if v.role == "guardrail")
    guard = rows(spec, named(spec, f"criterion_{g}"))[0]
    assert guard["role"] == "Guardrail" and guard["status"] == "No harm shown"
    assert threshold_point(evaluation.verdicts[g]) == pytest.approx(0.003)  # harm tolerated upwards
    colour = named(spec, "interval")["encoding"]["color"]["scale"]
    assert dict(zip(colour["domain"], colour["range"], strict=True)) == {
        "Met": palette.BLUISH_GREEN,
        "Missed": palette.VERMILLION,  # real, but each extra reply costs more than it is worth
        "No harm shown": palette.BLUISH_GREEN,
    }


def test_progress_chart_plan_end_and_pace(demo):
    case = demo["Retargeting budget shift"]
    data = charts.progress(case.spec, case.obs, case.evaluation, unit="clicks")
    assert data.so_far == case.primary.sample_n
    assert data.summary == (
        "At today's pace about 7,000 clicks per arm by 30 Nov, short of the planned 9,000; "
        "it would reach the plan on 13 Dec."
    )
    spec = charts.progress_chart(data).to_dict()
    assert rows(spec, named(spec, "plan"))[0]["value"] == 9000
    assert rows(spec, named(spec, "end_date"))[0]["day"] == iso(case.spec.end)
    pace = rows(spec, named(spec, "pace_line"))
    assert pace[-1]["day"] == iso(case.spec.end) and pace[0]["units"] == data.so_far

    target = demo[TARGET]
    reaches = charts.progress(target.spec, target.obs, target.evaluation, unit="contacts")
    assert reaches.summary == "At today's pace it reaches the plan on 11 Dec."
    assert "Reaches the plan on 11 Dec" in caption_text(charts.progress_chart(reaches).to_dict())


def test_progress_draws_the_engines_pace_not_one_of_its_own(demo):
    """The pace line, the projection and the day the plan is reached are the verdict's ``pace``: the numbers
    behind the engine's "short of the planned 9,000" note; a different pace on the verdict draws differently."""
    case = demo["Retargeting budget shift"]
    pace = case.primary.pace
    assert pace is not None and pace.short and case.primary.pace_note_at is not None
    data = charts.progress(case.spec, case.obs, case.evaluation, unit="clicks")
    assert (data.pace, data.projected_at_end, data.reaches_on) == (pace.per_day, pace.projected, pace.reaches_on)
    assert data.pace_line == ((pace.last_day, pace.so_far), (case.spec.end, pace.projected))
    assert fmt.about(data.projected_at_end) in case.primary.warnings[case.primary.pace_note_at]
    faster = replace(pace, per_day=pace.per_day * 2, projected=pace.so_far + 2 * (pace.projected - pace.so_far))
    verdicts = [replace(v, pace=faster) if v is case.primary else v for v in case.evaluation.verdicts]
    drawn = charts.progress(case.spec, case.obs, replace(case.evaluation, verdicts=verdicts), unit="clicks")
    assert drawn.pace == faster.per_day and drawn.reaches_on == faster.reaches_on < pace.reaches_on
    assert drawn.summary == (
        f"At today's pace about {fmt.about(faster.projected)} clicks per arm by 30 Nov, short of the planned 9,000; "
        f"it would reach the plan on {charts.pace.short_date(faster.reaches_on)}."
    )

    calendar = demo[COUNT_BA]  # before/after: the calendar is the plan, measured the same way on the days drawn
    days = charts.progress(calendar.spec, calendar.obs, calendar.evaluation)
    assert calendar.primary.pace is None and days.unit == "days" and days.reaches_on == calendar.spec.end


def test_progress_after_the_end_projects_no_date_gone_by(demo):
    """Read after 30 Nov, "about 7,000 clicks per arm by 30 Nov" is a projection to the past: say what it holds."""
    case = demo["Retargeting budget shift"]
    on_the_day = charts.progress(case.spec, case.obs, case.evaluation, unit="clicks", today=case.spec.end)
    assert on_the_day.summary.startswith("At today's pace about 7,000 clicks per arm by 30 Nov")
    after = charts.progress(case.spec, case.obs, case.evaluation, unit="clicks", today=case.spec.end + timedelta(1))
    assert after.summary == f"{fmt.number(after.so_far)} of the planned 9,000 clicks per arm so far."
    assert after.so_far == on_the_day.so_far and not after.pace_line and after.projected_at_end is None
    spec = charts.progress_chart(after).to_dict()
    assert not [v for v in views(spec) if re.fullmatch(r"pace_line(_\d+)?", v.get("name", ""))]


def test_arm_colours_are_the_same_in_every_chart(demo):
    case = demo[AB]
    line = charts.timeline(case.spec, case.criteria, case.obs)
    over_time = charts.ab_over_time_chart(line, "reply_rate").to_dict()
    sample = charts.progress_chart(charts.progress(case.spec, case.obs, case.evaluation)).to_dict()
    scales = [named(s, n)["encoding"]["color"]["scale"] for s, n in ((over_time, "arm_lines"), (sample, "units"))]
    assert scales[0] == scales[1] == {"domain": ["control", "pilot"], "range": [palette.CONTROL, palette.PILOT]}


def test_arm_colours_follow_roles_not_names():
    scale = palette.arm_scale("gate_30", "gate_40")
    assert scale == {"domain": ["gate_30", "gate_40"], "range": [palette.CONTROL, palette.PILOT]}


def test_goal_chart_colours_pilots_by_recommendation(demo):
    items = [(name, c.evaluation) for name, c in demo.items() if c.goal_id == demo[AB].goal_id]
    frame = charts.goal_rows(items)
    row = frame.set_index("pilot").loc[AB]
    assert (row["verdict"], row["estimate_text"]) == ("Scale", "+1.7 pts")
    spec = charts.goal_chart(frame).to_dict()
    drawn = {r["pilot"] for v in views(spec) if v.get("name", "").startswith("measure_") for r in rows(spec, v)}
    assert drawn == {AB, LIFT, BEFORE_AFTER, TARGET}  # different measures, one row group each
    assert "No results yet: Webinar invite from the CEO, Homepage hero video." in spec["title"]["subtitle"]
    colour = named(spec, "measure_0")["layer"][0]["encoding"]["color"]["scale"]
    assert dict(zip(colour["domain"], colour["range"], strict=True))["Abort"] == palette.VERMILLION


@pytest.mark.parametrize(
    ("name", "expected"), [(AB, "arm_bands"), (BEFORE_AFTER, "counterfactual_band"), (TARGET, "target")]
)
def test_main_chart_picks_the_designs_chart(demo, name, expected):
    case = demo[name]
    spec = charts.main_chart(case.spec, case.criteria, case.obs, case.evaluation).to_dict()
    named(spec, expected)


def test_timeline_last_day_is_the_verdict_on_all_data(demo):
    for name in (AB, LIFT, TARGET, BEFORE_AFTER):
        case = demo[name]
        line = charts.timeline(case.spec, case.criteria, case.obs)
        full = evaluate_pilot(case.spec, case.criteria, case.obs)
        last_day = line.days[-1]
        for verdict in full.verdicts:
            if is_money_threshold(verdict.threshold_type):  # priced on reply rate: drawn in the criteria chart
                continue
            last = [e for e in line.effects if e.metric == verdict.metric and e.day == last_day][0]
            assert (last.ci_low, last.ci_high, last.status) == (verdict.ci_low, verdict.ci_high, verdict.status)


# --- nothing (or one day) to draw yet -----------------------------------------------------


START = date(2026, 11, 2)
CRITERIA = [CriterionSpec("reply_rate", "proportion", "primary", "vs_control", 0.0, expected=0.01)]


def _all_charts(spec: PilotSpec, criteria: list[CriterionSpec], obs: list[Observation]) -> list:
    evaluation = evaluate_pilot(spec, criteria, obs)
    line = charts.timeline(spec, criteria, obs)
    metric = criteria[0].metric
    return [
        charts.main_chart(spec, criteria, obs, evaluation),
        charts.ab_over_time_chart(line, metric),
        charts.target_over_time_chart(line, metric),
        charts.before_after_chart(evaluation.verdicts[0], pilot_start=spec.start),
        charts.criteria_chart(evaluation),
        charts.progress_chart(charts.progress(spec, obs, evaluation)),
        charts.goal_chart(charts.goal_rows([(spec.name, evaluation)])),
    ]


def test_an_empty_pilot_gets_teaching_captions():
    spec = PilotSpec("New pilot", "ab", START, START + timedelta(days=27), planned_n_per_arm=2000)
    for chart in _all_charts(spec, CRITERIA, []):
        text = caption_text(chart.to_dict())
        assert "No results yet" in text or "before/after picture" in text


def test_a_one_day_pilot_gets_teaching_captions():
    spec = PilotSpec("Day one", "ab", START, START + timedelta(days=27), planned_n_per_arm=2000)
    obs = [Observation(START, "control", "reply_rate", 400, 20), Observation(START, "pilot", "reply_rate", 410, 27)]
    for chart in _all_charts(spec, CRITERIA, obs):
        spec_dict = chart.to_dict()
        text = " ".join(
            (caption_text(spec_dict) + " " + " ".join(spec_dict.get("title", {}).get("subtitle", []))).split()
        )
        assert any(words in text for words in (common.ONE_DAY, common.TOO_EARLY, common.TOO_FEW_DAYS)), text


def test_a_pilot_without_criteria_says_so():
    spec = PilotSpec("Empty", "target", START, START + timedelta(days=7))
    evaluation = evaluate_pilot(spec, [], [])
    for chart in (
        charts.main_chart(spec, [], [], evaluation),
        charts.criteria_chart(evaluation),
        charts.progress_chart(charts.progress(spec, [], evaluation)),
    ):
        assert "No success criteria yet" in caption_text(chart.to_dict())
    assert "No pilots under this goal" in caption_text(charts.goal_chart(charts.goal_rows([])).to_dict())


def test_goal_rows_has_one_row_per_pilot_even_without_results():
    spec = PilotSpec("Idea", "ab")
    frame = charts.goal_rows([("Idea", evaluate_pilot(spec, CRITERIA, []))])
    assert list(frame["pilot"]) == ["Idea"] and pd.isna(frame["estimate"].iloc[0])
    assert common.NO_RESULTS.startswith("No results yet")


def test_a_money_criterion_is_drawn_in_money_not_percent():
    """A reply rate's cost per extra reply is a price: its axis never formats as a percent (it read "3000%")."""
    from lib.charts.measures import effect_measure

    cost = effect_measure("proportion", "cost", "vs_control").axis()
    assert cost["format"] == ",.2~f" and "%" not in cost["format"] and "currency" in cost["title"]
    back = effect_measure("proportion", "return", "vs_control").axis()
    assert "×" in back["labelExpr"] and "format" not in back


# --- every kind of chart is valid Vega-Lite ------------------------------------------------


def test_every_chart_kind_is_valid_vega_lite(app_demo_engine):
    """Pages and the report write charts with ``to_dict(validate=False)``: here every kind is validated against
    the Vega-Lite schema, on the demo workspace, plus the two forms the demo does not reach."""
    from dataclasses import replace as with_fields

    from sqlmodel import select

    from lib.charts.goal_progress import goal_progress_chart
    from lib.charts.market import market_chart
    from lib.infra.db import reading
    from lib.infra.models import Decision
    from lib.services import goal_progress, reporting

    with reading(app_demo_engine) as session:
        bundles = [reporting.pilot_bundle(session, pid) for pid in reporting.all_pilot_ids(session)]
        drawn = [chart for b in bundles for _, chart in b.charts]
        for decision in session.exec(select(Decision)).all():
            drawn += [chart for _, chart in reporting.frozen_bundle(session, decision.id or 0).charts]
        drawn += [g.chart for g in map(lambda gid: reporting.goal_bundle(session, gid), reporting.goal_ids(session))]
        progress = [p for p in goal_progress.goal_progress(session) if p.actuals]
    drawn += [goal_progress.chart_for(p) for p in progress]
    # a goal's projection (no demo pilot is scaled yet) and a market test's picture before its first test day
    first = progress[0]
    points = [(a.period_end, a.value) for a in first.actuals]
    last = points[-1]
    drawn.append(goal_progress_chart(first.name, first.unit, points, first.target, (last[0], last[1], None, None)))
    market = next(v for b in bundles for v in b.evaluation.verdicts if v.market)
    drawn.append(market_chart(with_fields(market, market={**market.market, "cumulative": []})))

    names = set()
    for chart in drawn:
        if chart is not None:
            names |= {re.sub(r"_\d+$", "", v.get("name", "")) for v in views(chart.to_dict())}  # raises if invalid
    expected = {
        "caption",  # a chart that is only words
        "counterfactual_band",  # before/after
        "arm_bands",  # A/B over time
        "interval_band",  # the effect (A/B) or value (target) inside the verdict's interval
        "target",  # the target rule
        "market_top",
        "market_gap",
        "criterion",  # the criteria at a glance
        "units",  # sample so far
        "goal_progress",
        "measure",  # the goal chart
    }
    assert expected <= names, expected - names
