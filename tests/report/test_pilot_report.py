"""build_pilot_report on real evaluations from the engine: headline, criteria rows, caveats, decision."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

from lib import formatting as fmt
from lib.decide import wording
from lib.report import ReportDecision, build_pilot_report, render_pack, render_pilot, summary_row
from lib.report.caveats import CriteriaChanged, Observational, SmallSample, SplitMismatch, caveats_for, text, title
from lib.report.pilot_report import as_decision
from tests.report.helpers import HOSTILE_HTML, ab_evaluation, bar_chart, before_after_evaluation, without_bundle


def leads(caveats) -> list[str]:
    return [title(c) for c in caveats]


def test_small_ab_pilot_is_flagged_as_a_small_sample_and_nothing_else():
    evaluation = ab_evaluation(days=5)
    assert evaluation.recommendation == "keep_running" and not evaluation.srm_flag
    report = build_pilot_report(
        evaluation,
        pilot_name="Spring newsletter",
        hypothesis="Shorter copy lifts signups",
        charts=[("Signups by arm", bar_chart())],
    )
    assert leads(report.caveats) == ["Small sample"]
    assert report.caveats[0] == SmallSample((("Signup rate", 0.2), ("Unsubscribe rate", 0.2)))
    assert "Signup rate has 20% of the planned sample" in text(report.caveats[0])
    assert report.recommendation == "Keep running" and report.recommendation_code == "keep_running"
    primary = next(v for v in evaluation.verdicts if v.role == "primary")
    assert report.headline == primary.sentence
    assert [c for c, _ in report.charts] == ["Signups by arm"]


def test_criteria_rows_carry_estimate_bounds_and_the_side_each_p_value_tests():
    evaluation = ab_evaluation(days=5)
    rows = build_pilot_report(evaluation, pilot_name="x", hypothesis="").criteria
    signup, unsub = rows
    assert (signup.metric, signup.role, signup.status, signup.status_code) == (
        "Signup rate",
        "Primary",
        "Too early",
        "too_early",
    )
    assert signup.estimate == "+2.0 pts (pilot 12.0% vs control 10.0%)"
    assert signup.bounds.endswith("pts (95% bounds)") and " to " in signup.bounds
    # the p-value and its side are for the report's "For analysts" section, not the stakeholder's table
    assert signup.p_value == fmt.p_value(evaluation.verdicts[0].p_value)
    assert signup.p_value_tests == evaluation.verdicts[0].p_value_tests
    assert unsub.role == "Guardrail" and "guardrail is within its tolerance" in unsub.p_value_tests


def test_a_finished_clear_win_has_no_caveats():
    evaluation = ab_evaluation(days=28, control=(200, 20), pilot=(200, 30))
    assert evaluation.recommendation == "scale"
    report = build_pilot_report(evaluation, pilot_name="Spring", hypothesis="h")
    assert report.caveats == [] and report.recommendation == "Scale"
    assert [r.status for r in report.criteria] == ["Met", "No harm shown"]


def test_a_broken_split_is_a_caveat():
    evaluation = ab_evaluation(days=28, control=(180, 18), pilot=(200, 20))
    assert evaluation.srm_flag
    caveats = build_pilot_report(evaluation, pilot_name="x", hypothesis="").caveats
    assert "Split mismatch" in leads(caveats)
    split = next(c for c in caveats if isinstance(c, SplitMismatch))
    assert split.p_value == evaluation.srm_p_value and "sample-ratio mismatch, p" in text(split)


def test_criteria_changed_after_the_start_is_a_caveat_with_its_reason():
    evaluation = ab_evaluation(days=28, control=(200, 20), pilot=(200, 30))
    assert caveats_for(evaluation, [CriteriaChanged()]) == [CriteriaChanged()]
    changed = CriteriaChanged(reason=f"typo {HOSTILE_HTML}")
    [caveat] = caveats_for(evaluation, [changed])
    assert text(caveat).startswith("Criteria changed after the start: the success criteria were changed after")
    assert text(caveat).endswith(f"“typo {HOSTILE_HTML}”.")
    html_text = without_bundle(
        render_pilot(build_pilot_report(evaluation, pilot_name="x", hypothesis="", changes=[changed]))
    )
    assert "<strong>Criteria changed after the start:</strong>" in html_text
    assert "typo &lt;img src=x onerror=alert(1)&gt;" in html_text


def test_before_after_is_observational_and_says_it_once():
    evaluation = before_after_evaluation()
    assert evaluation.design == "before_after"
    report = build_pilot_report(evaluation, pilot_name="Landing page", hypothesis="")
    assert leads(report.caveats)[0] == "Observational design"
    assert report.caveats[0] == Observational()
    assert wording.OBSERVATIONAL not in report.reasons and wording.OBSERVATIONAL not in report.notes
    assert without_bundle(render_pilot(report)).count("Before/after is not an experiment") == 1
    [row] = report.criteria
    assert "vs baseline" in row.estimate


def test_decision_from_a_model_row_a_mapping_or_none():
    row = SimpleNamespace(
        outcome="scale", rationale="Clear win", decided_by="Ann", decided_at=datetime(2026, 12, 1, 15, 30)
    )
    assert as_decision(row) == ReportDecision("scale", "Clear win", "Ann", date(2026, 12, 1))
    assert as_decision(
        {"outcome": "abort", "rationale": "r", "decided_by": "Bo", "decided_at": "2026-12-02T09:00:00+00:00"}
    ).decided_on == date(2026, 12, 2)
    assert as_decision(None) is None
    evaluation = ab_evaluation(days=28, control=(200, 20), pilot=(200, 30))
    report = build_pilot_report(evaluation, pilot_name="Spring", hypothesis="", decision=row)
    assert summary_row(report).decision == "Scale it (1 Dec 2026)"
    text = without_bundle(render_pilot(report))
    assert '<dt>Decided by</dt><dd class="user-text">Ann</dd>' in text and "1 Dec 2026" in text
    assert "No decision recorded yet." in without_bundle(
        render_pilot(build_pilot_report(evaluation, pilot_name="Spring", hypothesis=""))
    )


def test_pack_summary_row_per_pilot_with_caveat_flags():
    small = build_pilot_report(ab_evaluation(days=5), pilot_name="Small one", hypothesis="")
    split = build_pilot_report(
        ab_evaluation(days=28, control=(180, 18), pilot=(200, 20)),
        pilot_name="Broken split",
        hypothesis="",
        changes=[CriteriaChanged()],
    )
    rows = [summary_row(small), summary_row(split)]
    assert rows[0].caveats == "Small sample" and rows[0].decision == "Not decided yet"
    assert rows[1].caveats == "Criteria changed after the start; Split mismatch"
    pack = without_bundle(render_pack("Review", [small, split]))
    criteria = len(small.criteria) + len(split.criteria)
    # summary rows, criteria rows, p-value rows for analysts; header rows: summary + 2 criteria + 2 analysts
    assert pack.count("<tr>") == 2 + 2 * criteria + 5
    assert 'class="status status-iterate">Iterate</span>' in pack
