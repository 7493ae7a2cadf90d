"""One home per rule: each label, the metric label, the primary pick, the caveats, the decision log,
"ended, awaiting a decision" and the arm naming rule are written once and read everywhere (issue 22).

Each test proves the places that show a rule say what its one home says, and the label scan below
fails the day a copy of a label table is written again outside ``lib/vocabulary.py``.
"""

from __future__ import annotations

import ast
import dataclasses
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from lib import vocabulary
from lib.charts import palette
from lib.criteria import describe
from lib.decide import CriterionVerdict, PilotEvaluation, evaluate_pilot
from lib.decide.frozen import evaluation_from_snapshot, frozen_primary
from lib.importer.arms import role_arms
from lib.infra.db import transaction
from lib.infra.inputs import PilotIn
from lib.infra.models import Pilot
from lib.report import build_pilot_report, esc, render_pilot, summary_row
from lib.report import caveats as cav
from lib.report.pilot_report import criterion_row
from lib.services import audit, meeting, pilot_view, reporting
from lib.services.headline import has_ended, headline, state_of
from lib.services.pilots import pilot_spec, update_pilot
from lib.services.portfolio import PortfolioRow
from lib.specs import CriterionSpec, Observation, PilotSpec, arm_roles
from lib.vocabulary import VERDICT_STATUS_LABELS, metric_label, recommendation_label, verdict_status_label
from tests import factories
from tests.report.helpers import START, ab_evaluation

ROOT = Path(__file__).resolve().parent.parent
#: the tables whose words people read for a stored code
LABEL_TABLES = {
    "VERDICT_STATUS_LABELS": vocabulary.VERDICT_STATUS_LABELS,
    "RECOMMENDATION_LABELS": vocabulary.RECOMMENDATION_LABELS,
    "OUTCOME_LABELS": vocabulary.OUTCOME_LABELS,
    "OUTCOME_DONE_LABELS": vocabulary.OUTCOME_DONE_LABELS,
    "SHARE_LINK_STATUS_LABELS": vocabulary.SHARE_LINK_STATUS_LABELS,
    "ROLE_LABELS": vocabulary.ROLE_LABELS,
}


#: the engine's sentences keep their own words: they are frozen into decisions and versioned (WORDING_VERSION)
OWN_WORDS = {ROOT / "lib" / "vocabulary.py", ROOT / "lib" / "decide" / "wording.py"}


def _says(value: str, label: str) -> bool:
    """``value`` is ``label``, in any case, or behind an icon (":material/cancel: missed")."""
    if value.startswith(":material/"):
        value = value.partition(": ")[2]
    return value.strip().casefold() == label.casefold()


def label_copies(source: str) -> list[str]:
    """Dict literals in ``source`` that give two or more codes of a label table words of their own."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Dict):
            continue
        pairs = {
            k.value: v.value
            for k, v in zip(node.keys, node.values, strict=True)
            if isinstance(k, ast.Constant) and isinstance(k.value, str)
            if isinstance(v, ast.Constant) and isinstance(v.value, str)
        }
        for name, table in LABEL_TABLES.items():
            worded = [code for code in pairs if code in table and _says(pairs[code], table[code])]
            if len(worded) >= 2:
                found.append(f"line {node.lineno}: a copy of {name}")
    return found


def _code_files() -> list[Path]:
    lib = [p for p in (ROOT / "lib").rglob("*.py") if "migrations" not in p.parts]
    return [*lib, ROOT / "app.py", *(ROOT / "pages").glob("*.py")]


def test_every_status_recommendation_outcome_and_link_label_is_written_only_in_the_vocabulary():
    copies = {
        str(path.relative_to(ROOT)): found
        for path in _code_files()
        if path not in OWN_WORDS and (found := label_copies(path.read_text()))
    }
    assert not copies, f"read these labels from lib.vocabulary instead: {copies}"


def test_the_label_scan_sees_a_copy():
    """The scan can fail: the palette's old copy, "Can't reach it" and all, is caught; its colours are not."""
    old_palette = 'STATUS_LABELS = {"met": "Met", "futile": "Can\'t reach it", "harmed": "Guardrail breached"}'
    assert label_copies(old_palette) == ["line 1: a copy of VERDICT_STATUS_LABELS"]
    assert label_copies('COLOURS = {"met": "#009E73", "harmed": "#D55E00"}') == []
    assert label_copies('ICONS = {"met": ":material/check_circle: met", "missed": ":material/cancel: missed"}') != []
    assert label_copies('WORDS = {"met": "met", "harmed": "harmed", "too_early": "too early"}') != []


def _verdict(status: str, **kw) -> CriterionVerdict:
    values = dict(
        metric="reply_rate",
        role="primary",
        kind="proportion",
        comparison="vs_control",
        control_value=0.05,
        pilot_value=0.06,
        difference=0.01,
        ci_low=-0.01,
        ci_high=0.03,
        relative_lift=0.2,
        p_value=0.2,
        p_value_raw=0.1,
        confidence=0.8,
        met=None,
        status=status,
        sample_n=1000,
        progress=0.6,
        more_needed=None,
        sentence=f"Reply rate is {status}.",
        label="Reply rate",
    )
    return CriterionVerdict(**{**values, **kw})


@pytest.mark.parametrize("status", vocabulary.VERDICT_STATUSES)
def test_a_verdict_status_reads_the_same_in_the_report_the_charts_and_the_pilot_page(status):
    label = VERDICT_STATUS_LABELS[status]
    v = _verdict(status)
    assert criterion_row(v).status == label
    assert palette.status_scale([status])["domain"] == [label]
    assert pilot_view.card(v, None, 28).status == label.lower()
    assert VERDICT_STATUS_LABELS["futile"] == "Cannot reach it"  # the palette said "Can't reach it"


def test_recommendation_labels_read_the_same_in_the_report_and_the_charts():
    for code in vocabulary.RECOMMENDATIONS:
        assert palette.recommendation_scale([code])["domain"] == [recommendation_label(code)]
    assert recommendation_label("keep_running") == "Keep running"
    assert verdict_status_label("not_known_yet") == "Not known yet"  # a newer code still reads as words


@pytest.mark.parametrize(
    ("metric", "label", "in_sentence"),
    [
        ("reply_rate", "Reply rate", "reply rate"),
        ("NPS", "NPS", "NPS"),
        ("nps", "NPS", "NPS"),
        ("nps_score", "NPS score", "NPS score"),
        ("CTR", "CTR", "CTR"),
        ("ctr_by_channel", "CTR by channel", "CTR by channel"),
        ("roi", "ROI", "ROI"),
        ("AOV", "AOV", "AOV"),
        ("order value per AOV", "Order value per AOV", "order value per AOV"),
        ("sign-up_rate", "Sign-up rate", "sign-up rate"),
        ("  cost_per_click ", "Cost per click", "cost per click"),
    ],
)
def test_the_metric_label_keeps_acronyms_in_capitals(metric, label, in_sentence):
    assert metric_label(metric) == label
    assert metric_label(metric, in_sentence=True) == in_sentence


def test_the_engine_the_criteria_the_report_and_the_charts_name_a_metric_alike():
    nps = CriterionSpec("nps", "mean", "primary", "vs_control", 0.0)
    spec = PilotSpec("Survey", "ab", start=START, end=START + timedelta(days=27), planned_n_per_arm=500)
    days = [START + timedelta(days=i) for i in range(3)]
    obs = [
        Observation(d, arm, "nps", 50, 50 * m, 50 * (m * m + 4))
        for d in days
        for arm, m in (("control", 30), ("pilot", 32))
    ]
    [v] = evaluate_pilot(spec, [nps], obs).verdicts
    assert v.label == "NPS" and v.sentence.startswith("NPS ")
    assert describe(nps).startswith("NPS up vs control")
    assert criterion_row(dataclasses.replace(v, label="")).metric == "NPS"  # a verdict frozen without its label


def test_the_primary_verdict_is_picked_in_one_place():
    guard = _verdict("safe", role="guardrail", metric="unsubscribe_rate", sentence="Guardrail holds.")
    primary = _verdict("met", sentence="The primary is met.")
    secondary = _verdict("inconclusive", role="secondary", metric="order_value", sentence="Secondary.")
    ev = PilotEvaluation("p", "scale", ["A reason."], [guard, secondary, primary], None, False)
    assert ev.primary is primary
    assert dataclasses.replace(ev, verdicts=[guard, secondary]).primary is guard  # no primary: the first stands in
    assert dataclasses.replace(ev, verdicts=[]).primary is None
    frozen = [v.to_dict() for v in ev.verdicts]
    assert frozen_primary(frozen)["sentence"] == "The primary is met." and frozen_primary([]) == {}
    assert evaluation_from_snapshot({"evaluation": ev.to_dict()}).primary.sentence == primary.sentence
    assert "primary" not in ev.to_dict()  # a property, not a field frozen into snapshots
    report = build_pilot_report(ev, pilot_name="p", hypothesis="")
    assert report.headline == "The primary is met."
    assert dataclasses.replace(ev, verdicts=[]).primary is None
    assert build_pilot_report(dataclasses.replace(ev, verdicts=[]), pilot_name="p", hypothesis="").headline == (
        "A reason."
    )


def test_each_caveat_is_a_code_and_its_numbers_put_into_words_once():
    split = cav.SplitMismatch(0.0004)
    changed = cav.CriteriaChanged(
        date(2026, 12, 3), "Ann *", "Sales said 6% is enough", ("primary: Reply rate ≥ 8% (target)",), ("x",)
    )
    small = cav.SmallSample((("Reply rate", 0.2), ("Unsubscribe rate", None)))
    assert [c.code for c in (split, changed, small, cav.Observational())] == [
        "split_mismatch",
        "criteria_changed",
        "small_sample",
        "observational",
    ]
    assert cav.text(split) == (
        "Split mismatch: the arms are not the sizes the assignment should give (sample-ratio mismatch, "
        "p < 0.001). Check how people were assigned before trusting the comparison."
    )
    assert cav.text(changed) == (
        "Criteria changed after the start: the success criteria were changed after the pilot started on "
        "3 Dec 2026 by Ann *, so the bar it is judged against is not the one agreed up front. Reason given: "
        "“Sales said 6% is enough”. Before: primary: Reply rate ≥ 8% (target). After: x."
    )
    assert cav.words(small) == (
        "Reply rate has 20% of the planned sample; Unsubscribe rate has too little data to call yet. "
        "Estimates can still move a lot as data comes in."
    )
    # what people typed is marked up, the caveat's own words are not
    shout = cav.markdown(changed, markup=lambda typed: f"<{typed}>")
    assert shout.startswith("**Criteria changed after the start:** the success criteria were changed")
    assert "by <Ann *>" in shout and "“<Sales said 6% is enough>”" in shout and "Before: <primary: Reply" in shout


def test_the_report_the_summary_and_the_pilot_page_say_a_broken_split_alike():
    ev = ab_evaluation(days=28, control=(180, 18), pilot=(200, 20))
    report = build_pilot_report(ev, pilot_name="Broken split", hypothesis="", changes=[cav.CriteriaChanged()])
    [changed, split] = report.caveats[-2:]
    assert split == cav.SplitMismatch(ev.srm_p_value) and changed == cav.CriteriaChanged()
    assert summary_row(report).caveats == "Criteria changed after the start; Split mismatch"
    html = render_pilot(report)
    assert f"<strong>Split mismatch:</strong> {esc(cav.words(split))}" in html


def _decided_workspace(engine) -> tuple[int, int]:
    with transaction(engine) as s:
        scaled = factories.decided_pilot(s, "Subject lines", (400, 20), (400, 60))
        other = factories.decided_pilot(s, "Preheader", (400, 24), (400, 25), outcome="abort", channel="paid")
        return scaled.id or 0, other.id or 0


def test_the_decision_log_is_built_once_for_review_and_every_download(engine):
    scaled, _ = _decided_workspace(engine)
    with Session(engine) as s:
        every = meeting.log_table(meeting.decision_log(s))
        one = reporting.decision_log_frame(s, scaled)
        whole = reporting.decision_log_frame(s)
        [row] = meeting.decision_log(s, meeting.LogFilter(pilot_id=scaled)).rows
    assert list(every.columns) == list(one.columns) == list(meeting.LOG_COLUMNS)
    assert whole.equals(every) and len(every) == 2
    assert one["Pilot"].tolist() == ["Subject lines"] and one["Decision"].tolist() == ["Scale it"]
    assert one["Recommended then"].tolist() == [recommendation_label(row.decision.recommendation)]
    assert one["Decision rules"].tolist() == [meeting.frozen_numbers(row).rules] != [meeting.UNVERSIONED_RULES]
    assert meeting.log_label(row).endswith(" · Subject lines · Scale it")
    assert meeting.frozen_numbers(row).sentences == [v["sentence"] for v in row.snapshot["evaluation"]["verdicts"]]


def test_ended_awaiting_a_decision_is_one_rule_for_the_headline_and_the_queue():
    today = date(2026, 12, 10)
    ev = ab_evaluation(days=5)
    assert ev.recommendation == "keep_running"
    for end, ended in ((today - timedelta(days=1), True), (today, False), (None, False)):
        p = Pilot(id=1, name="p", design="ab", status="running", start_date=START, end_date=end)
        row = PortfolioRow(p, ev, None, today=today)
        assert has_ended(p, today) is ended
        assert (state_of(p, today) == "ended — awaiting a decision") is ended
        assert (row.why_due == "ended on 9 Dec 2026, awaiting a decision") is ended
        assert row.headline == headline(p, ev, today=today)
        assert (row.headline.title == "Awaiting a decision") is ended
    decided = Pilot(id=2, name="q", design="ab", status="decided", start_date=START, end_date=START)
    assert not has_ended(decided, today) and PortfolioRow(decided, ev, "scale", today=today).why_due is None


@pytest.mark.parametrize(
    ("arms", "design", "roles", "importing"),
    [
        (["control", "pilot"], "ab", ("control", "pilot"), ("control", "pilot")),
        (["gate_30", "gate_40"], "ab", ("gate_30", "gate_40"), ("gate_30", "gate_40")),
        (["control", "email", "sms"], "ab", ("control", "email"), ("control", None)),
        (["control", "sms", "pilot"], "ab", ("control", "sms"), ("control", "pilot")),
        (["pilot"], "before_after", ("control", "pilot"), ("control", "pilot")),
        (["pilot"], "target", ("control", "pilot"), ("control", "pilot")),
        ([], "target", ("control", "pilot"), ("control", "pilot")),
    ],
)
def test_the_arm_naming_rule_is_one_for_the_engine_and_the_importer(arms, design, roles, importing):
    assert arm_roles(arms, design) == roles
    assert arm_roles(arms) == roles  # the importer does not know the design: the arms say it
    p = Pilot(name="p", design=design, arms=",".join(arms))
    spec = pilot_spec(p)
    assert (spec.control_arm, spec.pilot_arm) == roles
    assert role_arms(arms) == importing  # one leftover value is the pilot arm only when it can be told which


def test_an_audited_change_is_the_caveat_every_page_shows(engine):
    with transaction(engine) as s:
        p = factories.ab_pilot(s)
        update_pilot(
            s,
            p.id,
            "lead",
            reason="Too strict",
            **audit.snapshot(p, tuple(PilotIn.model_fields)),
            criteria=[dict(metric="reply_rate", kind="proportion", role="primary", threshold=0.0)],
        )
        pid = p.id
    with Session(engine) as s:
        [change] = audit.criteria_changes(s, pid)
        bundle = reporting.pilot_bundle(s, pid)
    caveat = change.caveat
    assert (caveat.on, caveat.by, caveat.reason) == (change.at.date(), "lead", "Too strict")
    assert caveat.before == tuple(change.before) and len(caveat.before) == 2 and len(caveat.after) == 1
    assert bundle.changes == (caveat,)
    assert cav.text(caveat) in [cav.text(c) for c in reporting.pilot_report(bundle).caveats]
    assert isinstance(change.at, datetime)


@pytest.mark.parametrize(
    ("kind", "scale", "x", "figure", "interval"),
    [
        ("proportion", "difference", (0.012, -0.003, 0.027), "+1.2 pts", "−0.3 to +2.7 pts"),
        ("proportion", "lift", (0.012, -0.003, 0.027), "+1.2%", "−0.3% to +2.7%"),
        ("proportion", "value", (0.012, -0.003, 0.027), "1.2%", "−0.3% to 2.7%"),
        ("mean", "difference", (12.3, -3.0, 27.5), "+12.3", "−3.0 to +27.5"),
        ("mean", "value", (12.3, -3.0, 27.5), "12.3", "−3.0 to 27.5"),
    ],
)
def test_an_effect_is_written_one_way_on_charts_reports_and_pages(kind, scale, x, figure, interval):
    from lib import formatting as fmt
    from lib.charts.measures import Measure

    point, low, high = x
    assert fmt.effect(kind, scale, point) == figure
    assert fmt.effect_range(kind, scale, low, high) == interval
    measure = Measure("x", kind, scale)
    assert (measure.text(point), measure.range_text(low, high)) == (figure, interval)
    v = _verdict("met", kind=kind, interval_scale=scale, ci_low=low, ci_high=high)
    v = dataclasses.replace(v, difference=point, relative_lift=point, pilot_value=point)
    assert criterion_row(v).estimate.startswith(figure) and criterion_row(v).bounds.startswith(interval)
    assert pilot_view.card(v, None, 28).interval.startswith(interval)
