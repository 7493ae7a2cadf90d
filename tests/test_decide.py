"""The decision engine on scenario tables (lib.decide.evaluate_pilot)."""

from __future__ import annotations

import itertools
import json
import math
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats import proportion as sm_proportion

from lib.decide import METHOD_VERSION, CriterionVerdict, PilotEvaluation, evaluate_pilot, wording
from lib.decide.verdicts import Pace, ReasonKey
from lib.specs import CriterionSpec, Observation, PilotSpec
from lib.stats import group_sequential as gs

START = date(2026, 11, 2)
END = START + timedelta(days=27)

SIGNUP = CriterionSpec("signup_rate", "proportion", "primary", "vs_control", 0.0)
UNSUB = CriterionSpec("unsubscribe_rate", "proportion", "guardrail", "vs_control", 0.0, direction="decrease")
ORDER = CriterionSpec("order_value", "mean", "secondary", "vs_control", 0.0)


def ab_pilot(**kw) -> PilotSpec:
    return PilotSpec("Spring newsletter", "ab", start=START, end=kw.pop("end", END), **kw)


def daily(
    metric: str, days: int, control: tuple[float, float], pilot: tuple[float, float], start: date = START
) -> list[Observation]:
    """``days`` days of identical daily (n, total) per arm."""
    out = []
    for i in range(days):
        day = start + timedelta(days=i)
        out.append(Observation(day, "control", metric, *control))
        out.append(Observation(day, "pilot", metric, *pilot))
    return out


def by_metric(evaluation: PilotEvaluation) -> dict[str, CriterionVerdict]:
    return {v.metric: v for v in evaluation.verdicts}


def agresti_caffo_p(control_n: float, control_x: float, pilot_n: float, pilot_x: float, margin: float = 0.0) -> float:
    """One-sided p of "pilot rate - control rate > margin": Wald z after adding one success and one failure per arm."""
    pa, pb = (control_x + 1) / (control_n + 2), (pilot_x + 1) / (pilot_n + 2)
    se = math.sqrt(pa * (1 - pa) / (control_n + 2) + pb * (1 - pb) / (pilot_n + 2))
    return float(stats.norm.sf((pb - pa - margin) / se))


# ---------------------------------------------------------------- scenario table

SCENARIOS = {
    # name: (pilot, criteria, observations, expected recommendation, {metric: expected status})
    "clear win": (
        ab_pilot(planned_n_per_arm=5000),
        [SIGNUP, UNSUB],
        daily("signup_rate", 28, (200, 20), (200, 30)) + daily("unsubscribe_rate", 28, (200, 2), (200, 2)),
        "scale",
        {"signup_rate": "met", "unsubscribe_rate": "safe"},
    ),
    "clear loss": (
        ab_pilot(planned_n_per_arm=5000),
        [SIGNUP, UNSUB],
        daily("signup_rate", 28, (200, 30), (200, 20)) + daily("unsubscribe_rate", 28, (200, 2), (200, 2)),
        "abort",
        {"signup_rate": "missed"},
    ),
    "guardrail harm": (
        ab_pilot(planned_n_per_arm=5000),
        [SIGNUP, UNSUB],
        daily("signup_rate", 28, (200, 20), (200, 30)) + daily("unsubscribe_rate", 28, (200, 2), (200, 6)),
        "abort",
        {"signup_rate": "met", "unsubscribe_rate": "harmed"},
    ),
    "too early": (
        ab_pilot(planned_n_per_arm=5000),
        [SIGNUP, UNSUB],
        daily("signup_rate", 3, (200, 20), (200, 24)) + daily("unsubscribe_rate", 3, (200, 2), (200, 2)),
        "keep_running",
        {"signup_rate": "too_early", "unsubscribe_rate": "too_early"},
    ),
    "futility": (  # expects +2 points; half the plan in, the data rule that out (not a significant loss)
        ab_pilot(planned_n_per_arm=10000, end=START + timedelta(days=60)),
        [replace(SIGNUP, expected=0.02)],
        daily("signup_rate", 25, (200, 20), (200, 19.2)),
        "abort",
        {"signup_rate": "futile"},
    ),
    "mixed": (
        ab_pilot(planned_n_per_arm=5000),
        [SIGNUP, ORDER],
        daily("signup_rate", 28, (200, 20), (200, 21))
        + [
            Observation(START + timedelta(days=i), arm, "order_value", 20, 20 * mu, 20 * (mu * mu + 100))
            for i in range(28)
            for arm, mu in (("control", 50.0), ("pilot", 54.0))
        ],
        "iterate",
        {"signup_rate": "inconclusive", "order_value": "met"},
    ),
    "broken split": (
        ab_pilot(planned_n_per_arm=5000),
        [SIGNUP],
        daily("signup_rate", 28, (180, 18), (200, 20)),
        "iterate",
        {"signup_rate": "inconclusive"},
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenarios(name):
    pilot, criteria, observations, expected, statuses = SCENARIOS[name]
    evaluation = evaluate_pilot(pilot, criteria, observations)
    verdicts = by_metric(evaluation)
    assert evaluation.recommendation == expected, evaluation.reasons
    for metric, status in statuses.items():
        assert verdicts[metric].status == status, verdicts[metric].sentence
    assert evaluation.reasons and all(isinstance(r, str) and r for r in evaluation.reasons)
    for verdict in evaluation.verdicts:
        assert verdict.sentence.endswith(".") and verdict.label in verdict.sentence
    json.dumps(evaluation.to_dict(), allow_nan=False)


def test_clear_win_details():
    pilot, criteria, observations, *_ = SCENARIOS["clear win"]
    verdict = by_metric(evaluate_pilot(pilot, criteria, observations))["signup_rate"]
    assert verdict.met is True and verdict.confidence > 0.99
    assert verdict.control_value == pytest.approx(0.10) and verdict.pilot_value == pytest.approx(0.15)
    assert verdict.difference == pytest.approx(0.05)
    assert verdict.relative_lift == pytest.approx(0.5)
    assert verdict.sample_n == 5600 and verdict.progress == pytest.approx(1.12)
    assert verdict.method == "agresti_caffo" and verdict.interval_scale == "difference"
    # the plan is in (beyond it the final bar applies): the bounds are the plain Agresti-Caffo 95% interval
    low, high = sm_proportion.confint_proportions_2indep(
        840, 5600, 560, 5600, method="agresti-caffo", compare="diff", alpha=0.05
    )
    assert (verdict.ci_low, verdict.ci_high) == pytest.approx((low, high), rel=1e-6)
    # the met sentence gives the bounds and the confidence it needed
    assert verdict.sentence == (
        "Signup rate 15.0% in the pilot vs 10.0% in control (+5.0 pts, 95% bounds +3.8 to +6.2 pts) on 5,600 "
        "visitors per arm: >99% confidence the pilot is higher (95% needed) — criterion met."
    )
    # the raw p-value is the one-sided Agresti-Caffo z-test (one success and one failure added per arm)
    _, p = sm_proportion.test_proportions_2indep(
        840, 5600, 560, 5600, method="agresti-caffo", compare="diff", alternative="larger"
    )
    assert verdict.p_value_raw == pytest.approx(p, rel=1e-9)
    assert verdict.p_value_raw == pytest.approx(agresti_caffo_p(5600, 560, 5600, 840), rel=1e-9)
    assert verdict.confidence == pytest.approx(1 - verdict.p_value)


REASON_KEYS = {  # scenario: what each reason says, as data, in the order the reasons are said
    "clear win": [("scale", None), ("met", "signup_rate"), ("sequential", None)],
    "clear loss": [("missed", "signup_rate"), ("abort", None), ("sequential", None)],
    "guardrail harm": [("harmed", "unsubscribe_rate"), ("abort", None), ("sequential", None)],
    "too early": [
        ("keep_running", None),
        ("progress", "signup_rate"),
        ("more_needed", "signup_rate"),
        ("sequential", None),
    ],
    "futility": [("futile", "signup_rate"), ("abort", None), ("sequential", None)],
    "mixed": [("iterate", None), ("sequential", None)],
    "broken split": [("srm", None), ("sequential", None)],
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_reason_carries_a_code_and_the_criterion_it_names(name):
    """Readers find a reason by its key (``past_end`` swaps the pace reason), never by its words."""
    evaluation = evaluate_pilot(*SCENARIOS[name][:3])
    keys = [(k.code, k.metric) for k in evaluation.reason_keys]
    assert keys == REASON_KEYS[name], list(zip(keys, evaluation.reasons, strict=True))
    labels = {v.metric: v.label for v in evaluation.verdicts}
    for key, words in zip(evaluation.reason_keys, evaluation.reasons, strict=True):
        assert key.metric is None or words.startswith(labels[key.metric]) or labels[key.metric] in words
    data = evaluation.to_dict()
    assert data["reason_keys"] == [{"code": c, "metric": m} for c, m in REASON_KEYS[name]]


def test_reason_keys_are_one_per_reason():
    with pytest.raises(ValueError, match="2 reasons but 1 reason keys"):
        PilotEvaluation("p", "scale", ["a", "b"], [], None, False, reason_keys=[ReasonKey("scale")])
    unknown = PilotEvaluation("p", "scale", ["a", "b"], [], None, False)  # built without keys: said, not known
    assert [k.code for k in unknown.reason_keys] == ["unknown", "unknown"]


def test_a_frozen_evaluation_reads_back_with_its_reason_keys():
    from lib.decide.frozen import evaluation_from_snapshot

    evaluation = evaluate_pilot(*SCENARIOS["guardrail harm"][:3])
    back = evaluation_from_snapshot({"evaluation": evaluation.to_dict(), "method_version": METHOD_VERSION})
    assert (back.reasons, back.reason_keys) == (evaluation.reasons, evaluation.reason_keys)
    data = evaluation.to_dict()
    data["reason_keys"][0] = {"code": "a_code_from_a_newer_greenlight", "metric": "unsubscribe_rate"}
    newer = evaluation_from_snapshot({"evaluation": data})
    assert newer.reason_keys[0] == ReasonKey("unknown", "unsubscribe_rate") and newer.reasons == evaluation.reasons


def test_the_same_words_are_said_once_where_they_first_came():
    """Two criteria on one metric that cannot be evaluated say the same error once, keyed by the first."""
    more_than_counted = daily("signup_rate", 3, (100, 150), (100, 10))
    evaluation = evaluate_pilot(ab_pilot(), [SIGNUP, replace(SIGNUP, role="secondary")], more_than_counted)
    errors = [r for r, k in zip(evaluation.reasons, evaluation.reason_keys, strict=True) if k.code == "error"]
    assert errors == [
        "Signup rate could not be evaluated (control_conversions (450) cannot be larger than the people "
        "counted (300).); fix the criterion or the data."
    ]
    assert ReasonKey("error", "signup_rate") in evaluation.reason_keys
    assert len(evaluation.reasons) == len(set(evaluation.reasons)) == len(evaluation.reason_keys) == 5


def test_too_early_says_how_far_along_and_how_much_more():
    pilot, criteria, observations, *_ = SCENARIOS["too early"]
    evaluation = evaluate_pilot(pilot, criteria, observations)
    verdict = by_metric(evaluation)["signup_rate"]
    assert verdict.progress == pytest.approx(600 / 5000)
    assert verdict.more_needed == 4400 and verdict.more_needed_unit == "visitors"
    assert "about 4,400 more visitors per arm to the end of the plan" in verdict.sentence
    assert any("12% of the planned sample" in r for r in evaluation.reasons)
    assert verdict.met is None


def test_futility_reason_and_verdict():
    pilot, criteria, observations, *_ = SCENARIOS["futility"]
    evaluation = evaluate_pilot(pilot, criteria, observations)
    verdict = evaluation.verdicts[0]
    assert verdict.status == "futile" and verdict.reason == "futile" and verdict.met is False
    assert verdict.progress == pytest.approx(0.5) and verdict.expected == 0.02
    assert verdict.p_value_raw > 0.05  # not a significant loss: it is futility that stops it
    assert verdict.ci_low < 0 < verdict.ci_high  # the threshold (0) is inside the interval: not "missed"
    # the sentence says it can no longer reach the threshold and names the effect the plan expected
    assert "it can no longer reach the threshold: the data rule out the 2.0 pts the plan expected." in verdict.sentence
    assert any("no longer reach" in r for r in evaluation.reasons)


def test_futility_needs_an_expected_effect():
    """Without ``expected`` there is nothing to rule out: the same data keep the pilot running."""
    pilot, _, observations, *_ = SCENARIOS["futility"]
    evaluation = evaluate_pilot(pilot, [SIGNUP], observations)
    assert evaluation.verdicts[0].status == "too_early"
    assert evaluation.recommendation == "keep_running"


def test_futility_is_not_checked_before_a_third_of_the_plan():
    """From t = 1/3 on, a pilot whose data rule out the expected effect is stopped; before it, never."""
    pilot = ab_pilot(planned_n_per_arm=10000, end=START + timedelta(days=60))
    crit = replace(SIGNUP, expected=0.03)
    obs = daily("signup_rate", 20, (200, 20), (200, 19.2))
    early = evaluate_pilot(pilot, [crit], obs, as_of=START + timedelta(days=14))  # 3,000 per arm: 30 %
    late = evaluate_pilot(pilot, [crit], obs, as_of=START + timedelta(days=16))  # 3,400 per arm: 34 %
    assert early.verdicts[0].progress == pytest.approx(0.30) and late.verdicts[0].progress == pytest.approx(0.34)
    # at 30 % the data already rule out +3 points at the beta-spending bound ...
    t, x_c, x_p, n = 0.30, 0.10 * 3000, 0.096 * 3000, 3000
    pa, pb = (x_c + 1) / (n + 2), (x_p + 1) / (n + 2)
    z_expected = (pb - pa - 0.03) / math.sqrt((pa * (1 - pa) + pb * (1 - pb)) / (n + 2))
    assert z_expected <= -gs.futility_constant(gs.FUTILITY_BETA) / math.sqrt(t)
    # ... but futility waits for a third of the plan
    assert early.verdicts[0].status == "too_early" and early.recommendation == "keep_running"
    assert late.verdicts[0].status == "futile" and late.recommendation == "abort"


def test_broken_split_is_flagged():
    pilot, criteria, observations, *_ = SCENARIOS["broken split"]
    evaluation = evaluate_pilot(pilot, criteria, observations)
    assert evaluation.srm_flag is True
    assert evaluation.srm_p_value == pytest.approx(stats.chisquare([180 * 28, 200 * 28]).pvalue)
    assert any(
        "split between arms is off (5,040 in control vs 5,600 in the pilot, p < 0.001)" in r for r in evaluation.reasons
    )
    healthy = evaluate_pilot(*SCENARIOS["clear win"][:3])
    assert healthy.srm_flag is False and healthy.srm_p_value == pytest.approx(1.0)


def test_split_warning_quotes_the_counts_it_was_computed_from():
    """A mean criterion listed first must not lend its order counts to the visitors' split check."""
    observations = daily("order_value", 1, (50, 5000, 600000), (52, 5300, 640000)) + [
        Observation(START, "control", "signup_rate", 10_000, 1000),
        Observation(START, "pilot", "signup_rate", 8_000, 800),
    ]
    evaluation = evaluate_pilot(ab_pilot(), [ORDER, SIGNUP], observations)
    assert evaluation.srm_flag is True
    assert any("10,000 in control vs 8,000 in the pilot" in r for r in evaluation.reasons), evaluation.reasons


def test_target_sentence_for_the_review_meeting():
    pilot = PilotSpec("Cold outreach", "target", start=START, end=END, planned_n_per_arm=700)
    criterion = CriterionSpec("reply_rate", "proportion", "primary", "vs_target", 0.08)
    observations = [Observation(START, "pilot", "reply_rate", 412, 38)]
    evaluation = evaluate_pilot(pilot, [criterion], observations, units={"reply_rate": "contacts"})
    verdict = evaluation.verdicts[0]
    assert verdict.sentence == (
        "Reply rate 9.2% (95% bounds 5.9–13.5%) on 412 contacts, above the 8% target: 48% confidence it beats the "
        "target (95% needed) — not enough to call yet; about 290 more contacts to the end of the plan."
    )
    assert verdict.method == "exact_binomial" and verdict.interval_scale == "value"
    # the raw p-value is the exact binomial tail P(X >= 38 | 8%)
    exact = stats.binomtest(38, 412, 0.08, alternative="greater").pvalue
    assert verdict.p_value_raw == pytest.approx(exact, rel=1e-9)
    # 412 of 700 planned: the sequential bar is z >= 1.96 / sqrt(t) on the exact tail's normal quantile
    t = 412 / 700
    assert verdict.p_value == pytest.approx(2 * stats.norm.sf(stats.norm.isf(exact) * math.sqrt(t)), rel=1e-9)
    k = stats.norm.isf(0.025) / math.sqrt(t)  # bounds: Clopper-Pearson at that bar
    low, high = sm_proportion.proportion_confint(38, 412, alpha=2 * stats.norm.sf(k), method="beta")
    assert (verdict.ci_low, verdict.ci_high) == pytest.approx((low, high), rel=1e-9)
    assert evaluation.recommendation == "keep_running"


def test_target_met_missed_and_guardrail():
    pilot = PilotSpec("Outreach", "target", planned_n_per_arm=1000)
    reply = CriterionSpec("reply_rate", "proportion", "primary", "vs_target", 0.08)
    bounce = CriterionSpec("bounce_rate", "proportion", "guardrail", "vs_target", 0.05, direction="decrease")
    met = evaluate_pilot(
        pilot,
        [reply, bounce],
        [Observation(START, "pilot", "reply_rate", 1000, 120), Observation(START, "pilot", "bounce_rate", 1000, 30)],
    )
    assert met.recommendation == "scale"
    assert by_metric(met)["bounce_rate"].status == "safe"
    harmed = evaluate_pilot(
        pilot,
        [reply, bounce],
        [Observation(START, "pilot", "reply_rate", 1000, 120), Observation(START, "pilot", "bounce_rate", 1000, 80)],
    )
    assert harmed.recommendation == "abort"
    assert by_metric(harmed)["bounce_rate"].status == "harmed"
    missed = evaluate_pilot(pilot, [reply], [Observation(START, "pilot", "reply_rate", 1000, 40)])
    assert missed.recommendation == "abort" and missed.verdicts[0].status == "missed"


def test_target_mean_that_should_decrease():
    pilot = PilotSpec("Cheaper leads", "target", start=START, end=END)
    cost = CriterionSpec("cost_per_lead", "mean", "primary", "vs_target", 20.0, direction="decrease")
    values = [14.0, 16.0, 15.5, 17.0, 13.5, 15.0, 16.5, 14.5]
    obs = [Observation(START + timedelta(days=i), "pilot", "cost_per_lead", 1, v, v * v) for i, v in enumerate(values)]
    evaluation = evaluate_pilot(pilot, [cost], obs)
    verdict = evaluation.verdicts[0]
    # the raw p-value is the plain one-sample t-test of the same side
    expected = stats.ttest_1samp(values, 20.0, alternative="less").pvalue
    assert verdict.p_value_raw == pytest.approx(expected, rel=1e-9)
    # costs are non-negative but have no sums of cubes: the verdict assumes the worst skew they can have,
    # and 8 of 28 days is an early look: much less sure than the one-look t-test, still enough
    assert verdict.method == "hall_t_bounded_skew"
    assert expected < verdict.p_value < 0.05
    assert verdict.status == "met" and evaluation.recommendation == "scale"
    assert verdict.ci_high < 20.0  # the passing (upper) end is below the target
    assert "below the 20 target: 97% confidence it beats the target (95% needed) — criterion met." in verdict.sentence


def _before_after_obs(shift: float) -> list[Observation]:
    values = [50, 52, 49, 51, 53, 44, 42] * 4 + [v + shift for v in [50, 52, 49, 51, 53, 44, 42] * 4]
    return [Observation(START + timedelta(days=i - 28), "pilot", "leads", 1, float(v)) for i, v in enumerate(values)]


WEEK = [50, 52, 49, 51, 53, 44, 42]


def _noisy_before_after_obs(shift: float, pilot_days: int = 28, seed: int = 3) -> list[Observation]:
    """28 baseline days and ``pilot_days`` pilot days: weekday pattern, day-to-day noise, a step of ``shift``."""
    rng = np.random.default_rng(seed)
    return [
        Observation(
            START + timedelta(days=i - 28),
            "pilot",
            "leads",
            1,
            float(WEEK[i % 7] + rng.normal(0.0, 1.5) + (shift if i >= 28 else 0.0)),
        )
        for i in range(28 + pilot_days)
    ]


BEFORE_AFTER = PilotSpec(
    "Landing page",
    "before_after",
    start=START,
    end=END,
    baseline_start=START - timedelta(days=28),
    baseline_end=START - timedelta(days=1),
)


def test_before_after_uses_days_and_reports_the_adjusted_shift():
    from lib.stats.before_after import fit_step

    leads = CriterionSpec("leads", "count", "primary", "vs_baseline", 0.0)
    obs = _noisy_before_after_obs(6.0)
    evaluation = evaluate_pilot(BEFORE_AFTER, [leads], obs)
    verdict = evaluation.verdicts[0]
    assert verdict.status == "met" and evaluation.recommendation == "scale"
    assert verdict.method == "gls_ar1" and verdict.interval_scale == "difference"
    # the difference is the GLS AR(1) step adjusted for trend and weekday, not the plain difference of means
    days = [o.day for o in obs]
    values = [o.total for o in obs]
    fit = fit_step(days[:28], values[:28], days[28:], values[28:])
    assert verdict.difference == pytest.approx(fit.estimate, rel=1e-9) == verdict.adjusted_difference
    assert verdict.difference != pytest.approx(verdict.pilot_value - verdict.control_value, abs=0.01)
    assert verdict.ci_low < 6.0 < verdict.ci_high and verdict.ci_low > 0
    assert verdict.p_value_raw == pytest.approx(stats.t.sf(fit.estimate / fit.standard_error, fit.df), rel=1e-9)
    # the plan (28 pilot days) is in: the bounds are the step's 95% t bounds on each side
    half = stats.t.ppf(0.975, fit.df) * fit.standard_error
    assert (verdict.ci_low, verdict.ci_high) == pytest.approx((fit.estimate - half, fit.estimate + half), rel=1e-9)
    assert (verdict.adjusted_ci_low, verdict.adjusted_ci_high) == (verdict.ci_low, verdict.ci_high)
    assert "adjusted for trend and weekday" in verdict.sentence
    assert "none showed a jump this large" in verdict.placebo
    assert any("Before/after is not an experiment" in r for r in evaluation.reasons)
    assert verdict.sample_n == 28 and verdict.progress == pytest.approx(1.0)


def test_before_after_makes_no_call_in_the_first_week():
    """Day 5 of the pilot: the step already clears its bar, but no call is made before a full week."""
    leads = CriterionSpec("leads", "count", "primary", "vs_baseline", 0.0)
    evaluation = evaluate_pilot(BEFORE_AFTER, [leads], _noisy_before_after_obs(6.0, pilot_days=5))
    verdict = evaluation.verdicts[0]
    assert verdict.p_value < 0.05 and verdict.ci_low > 0  # the numbers alone would call it ...
    assert verdict.status == "too_early" and verdict.reason == "first_week" and verdict.met is None  # ... held
    assert evaluation.recommendation == "keep_running"
    open_ended = replace(BEFORE_AFTER, end=None)  # no planned end: the sentence says why it waits
    verdict = evaluate_pilot(open_ended, [leads], _noisy_before_after_obs(6.0, pilot_days=5)).verdicts[0]
    assert verdict.status == "too_early" and verdict.reason == "first_week"
    assert verdict.sentence.endswith("— no call before a full week of pilot days.")

    verdict = evaluate_pilot(BEFORE_AFTER, [leads], _noisy_before_after_obs(6.0, pilot_days=5)).verdicts[0]
    assert "no call before a full week of pilot days" in verdict.sentence

    verdict = evaluate_pilot(BEFORE_AFTER, [leads], _before_after_obs(6.0)).verdicts[0]
    assert verdict.difference == pytest.approx(6.0)
    assert verdict.status == "met"


def test_before_after_without_a_start_date_is_explained():
    pilot = PilotSpec("Landing page", "before_after")
    leads = CriterionSpec("leads", "count", "primary", "vs_baseline", 0.0)
    evaluation = evaluate_pilot(pilot, [leads], _before_after_obs(6.0))
    assert evaluation.verdicts[0].status == "too_early"
    assert any("start date" in w for w in evaluation.verdicts[0].warnings)


def test_no_results_yet_is_a_teaching_keep_running():
    evaluation = evaluate_pilot(ab_pilot(planned_n_per_arm=5000), [SIGNUP, UNSUB], [])
    assert evaluation.recommendation == "keep_running"
    assert evaluation.reasons[0].startswith("No results logged yet")
    assert all(v.status == "too_early" and v.met is None for v in evaluation.verdicts)
    json.dumps(evaluation.to_dict(), allow_nan=False)


def test_no_criteria():
    evaluation = evaluate_pilot(ab_pilot(), [], daily("signup_rate", 3, (100, 10), (100, 12)))
    assert evaluation.recommendation == "keep_running" and evaluation.verdicts == []


def test_to_dict_is_plain_json():
    evaluation = evaluate_pilot(*SCENARIOS["clear win"][:3], as_of=END)
    data = evaluation.to_dict()
    text = json.dumps(data, allow_nan=False)
    assert data["as_of"] == END.isoformat()
    assert data["method_version"] == METHOD_VERSION and data["sequential"] is True
    verdict = data["verdicts"][0]
    assert verdict["method"] == "agresti_caffo" and verdict["interval_scale"] == "difference"
    assert verdict["status"] == "met" and verdict["p_value_tests"].endswith("(one-sided, sequential)")
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == data


def test_to_dict_of_every_kind_of_verdict_is_json_safe():
    """Futile, first-week, no-plan and before/after verdicts (with their counterfactual days) all freeze."""
    leads = CriterionSpec("leads", "count", "primary", "vs_baseline", 0.0)
    evaluations = [
        evaluate_pilot(*SCENARIOS["futility"][:3]),
        evaluate_pilot(BEFORE_AFTER, [leads], _noisy_before_after_obs(6.0, pilot_days=5)),
        evaluate_pilot(BEFORE_AFTER, [leads], _noisy_before_after_obs(6.0)),
        evaluate_pilot(PilotSpec("No plan", "ab"), [SIGNUP], daily("signup_rate", 3, (200, 20), (200, 24))),
        evaluate_pilot(*SCENARIOS["clear win"][:3], sequential=False),
    ]
    for evaluation in evaluations:
        data = evaluation.to_dict()
        assert data["method_version"] == METHOD_VERSION
        json.loads(json.dumps(data, allow_nan=False))
    assert evaluations[2].to_dict()["verdicts"][0]["counterfactual"]


def test_as_of_ignores_later_days():
    pilot, criteria, observations, *_ = SCENARIOS["clear win"]
    early = evaluate_pilot(pilot, criteria, observations, as_of=START + timedelta(days=2))
    verdict = by_metric(early)["signup_rate"]
    assert verdict.sample_n == 600 and verdict.progress == pytest.approx(0.12)
    assert by_metric(evaluate_pilot(pilot, criteria, observations))["signup_rate"].sample_n == 5600


BORDERLINE_WIN = (200, 20), (200, 22.4)  # 10 % vs 11.2 %, 5,600 per arm: z about 2.05 at the end of the plan
CLICK = CriterionSpec("click_rate", "proportion", "primary", "vs_control", 0.0)


def test_all_primaries_met_needs_no_correction():
    """ "Scale" needs every primary met (intersection-union): two borderline primaries both met scale as they are."""
    obs = daily("signup_rate", 28, *BORDERLINE_WIN) + daily("click_rate", 28, *BORDERLINE_WIN)
    pilot = ab_pilot(planned_n_per_arm=5000)
    default = evaluate_pilot(pilot, [SIGNUP, CLICK], obs)
    plain = evaluate_pilot(pilot, [SIGNUP, CLICK], obs, multiple_testing="none")
    alone = evaluate_pilot(pilot, [SIGNUP], obs)
    assert default.recommendation == plain.recommendation == alone.recommendation == "scale"
    v = default.verdicts[0]
    assert v.status == "met" and [w.status for w in default.verdicts] == ["met", "met"]
    # the pass side is not adjusted: same p-value and lower bound as with one primary or no correction
    assert v.p_value == plain.verdicts[0].p_value == alone.verdicts[0].p_value
    assert v.ci_low == plain.verdicts[0].ci_low == alone.verdicts[0].ci_low
    # ... and it is borderline: a Bonferroni split of the 5 % would have blocked it
    assert 0.025 < v.p_value < 0.05
    assert v.p_value_raw == pytest.approx(agresti_caffo_p(5600, 560, 5600, 627.2), rel=1e-9)


def test_two_primaries_need_stronger_evidence_to_be_called_missed():
    """Either primary missed aborts the pilot, so the 5 % chance of a wrong "missed" is split between them."""
    losing = daily("signup_rate", 28, BORDERLINE_WIN[1], BORDERLINE_WIN[0])  # 11.2 % vs 10 %: z about -2.05
    neutral = daily("click_rate", 28, (200, 20), (200, 20))
    pilot = ab_pilot(planned_n_per_arm=5000)
    alone = evaluate_pilot(pilot, [SIGNUP], losing)
    two = evaluate_pilot(pilot, [SIGNUP, CLICK], losing + neutral)
    uncorrected = evaluate_pilot(pilot, [SIGNUP, CLICK], losing + neutral, multiple_testing="none")
    assert alone.verdicts[0].status == "missed" and alone.recommendation == "abort"
    assert two.verdicts[0].status == "inconclusive" and two.recommendation == "iterate"
    assert uncorrected.verdicts[0].status == "missed" and uncorrected.recommendation == "abort"
    # the failing (upper) end moves out, the passing end does not
    assert two.verdicts[0].ci_high > 0 > alone.verdicts[0].ci_high
    assert two.verdicts[0].ci_low == alone.verdicts[0].ci_low
    # a 2.5 % bar on the missed side at the end of the plan: upper end = estimate + z_0.9875 se
    pa, pb = (627.2 + 1) / 5602, (560 + 1) / 5602
    se = math.sqrt((pa * (1 - pa) + pb * (1 - pb)) / 5602)
    assert two.verdicts[0].ci_high == pytest.approx(pb - pa + stats.norm.isf(0.0125) * se, rel=1e-9)
    assert any("2 criteria can each stop the pilot (a primary missed or futile)" in r for r in two.reasons)
    assert not any("can each stop the pilot" in r for r in uncorrected.reasons)
    bonferroni = evaluate_pilot(pilot, [SIGNUP, CLICK], losing + neutral, multiple_testing="bonferroni")
    assert bonferroni.verdicts[0].ci_high == two.verdicts[0].ci_high
    with pytest.raises(ValueError, match="multiple_testing"):
        evaluate_pilot(pilot, [SIGNUP], losing, multiple_testing="sidak")


def test_sequential_false_is_less_careful_than_the_default():
    """Half the plan in, a borderline win: one look would call it; daily looks need more."""
    pilot = ab_pilot(planned_n_per_arm=10000, end=START + timedelta(days=60))
    obs = daily("signup_rate", 10, (500, 50), (500, 56))
    default = evaluate_pilot(pilot, [SIGNUP], obs)
    one_look = evaluate_pilot(pilot, [SIGNUP], obs, sequential=False)
    d, f = default.verdicts[0], one_look.verdicts[0]
    assert f.status == "met" and one_look.recommendation == "scale"
    assert d.status == "too_early" and default.recommendation == "keep_running"
    assert d.progress == pytest.approx(0.5)
    assert d.ci_high - d.ci_low > f.ci_high - f.ci_low
    # one look: the p-value is the fixed-sample one; daily looks: 2 Phi(-z sqrt(t)) at t = 0.5
    assert f.p_value == pytest.approx(f.p_value_raw, rel=1e-12) == d.p_value_raw
    z = stats.norm.isf(d.p_value_raw)
    assert d.p_value == pytest.approx(2 * stats.norm.sf(z * math.sqrt(0.5)), rel=1e-9) and d.p_value > 0.05
    assert any("single look" in w for w in f.warnings) and not any("single look" in w for w in d.warnings)
    assert any("sequential bounds" in r for r in default.reasons)
    assert not any("sequential bounds" in r for r in one_look.reasons)
    assert default.sequential is True and one_look.sequential is False


def test_mean_metric_uses_sums_and_matches_welch():
    pilot, criteria, observations, *_ = SCENARIOS["mixed"]
    verdict = by_metric(evaluate_pilot(pilot, criteria, observations))["order_value"]
    # 560 orders per arm, sd 10 per order
    n, sd = 560, (10.0 * 10.0 * 560 / 559) ** 0.5
    expected = stats.ttest_ind_from_stats(54.0, sd, n, 50.0, sd, n, equal_var=False, alternative="greater")
    assert verdict.p_value_raw == pytest.approx(expected.pvalue, rel=1e-6)
    assert verdict.sample_n == 560


def test_mean_without_sums_of_squares_falls_back_to_days():
    obs = [
        Observation(START + timedelta(days=i), arm, "order_value", 20, 20 * (mu + (i % 3)))
        for i in range(28)
        for arm, mu in (("control", 50.0), ("pilot", 54.0))
    ]
    verdict = evaluate_pilot(ab_pilot(), [ORDER], obs).verdicts[0]
    assert any("sum of squares" in w for w in verdict.warnings)
    assert verdict.sample_n == 28


def test_count_metric_compares_daily_totals():
    leads = CriterionSpec("leads", "count", "primary", "vs_control", 0.0)
    control = [10, 12, 9, 11, 13, 10, 12, 11, 9, 10, 12, 11, 10, 13]
    treat = [14, 15, 13, 16, 12, 15, 14, 16, 15, 13, 14, 17, 15, 14]
    obs = [Observation(START + timedelta(days=i), "control", "leads", 1, c) for i, c in enumerate(control)]
    obs += [Observation(START + timedelta(days=i), "pilot", "leads", 1, t) for i, t in enumerate(treat)]
    evaluation = evaluate_pilot(ab_pilot(), [leads], obs)
    verdict = evaluation.verdicts[0]
    assert verdict.method == "welch_days"
    expected = stats.ttest_ind(treat, control, equal_var=False, alternative="greater").pvalue
    assert verdict.p_value_raw == pytest.approx(expected, rel=1e-9)
    assert verdict.p_value < 0.05 and verdict.ci_low > 0
    assert verdict.status == "met" and verdict.sample_n == 14
    assert verdict.progress == pytest.approx(14 / 28)


def test_relative_threshold():
    lift = CriterionSpec("signup_rate", "proportion", "primary", "vs_control", 0.10, threshold_type="relative")
    pilot = ab_pilot(planned_n_per_arm=20000)
    big = evaluate_pilot(pilot, [lift], daily("signup_rate", 28, (1000, 100), (1000, 130)))
    assert big.verdicts[0].status == "met"
    assert "lift of at least 10%" in big.verdicts[0].sentence
    small = evaluate_pilot(pilot, [lift], daily("signup_rate", 28, (1000, 100), (1000, 102)))
    assert small.verdicts[0].status == "missed" and small.recommendation == "abort"


def test_absolute_margin():
    plus_one = CriterionSpec("signup_rate", "proportion", "primary", "vs_control", 0.01)
    pilot = ab_pilot(planned_n_per_arm=5000)
    # +5 points clears a +1 point bar; +1 point on this sample cannot tell
    assert evaluate_pilot(pilot, [plus_one], daily("signup_rate", 28, (200, 20), (200, 30))).recommendation == "scale"
    inconclusive = evaluate_pilot(pilot, [plus_one], daily("signup_rate", 28, (200, 20), (200, 22)))
    assert inconclusive.verdicts[0].status == "inconclusive"
    assert inconclusive.recommendation == "iterate"
    assert "by at least 1.0 pts" in inconclusive.verdicts[0].sentence


def test_impossible_observations_never_crash_a_page():
    obs = daily("signup_rate", 5, (100, 120), (100, 10))  # more conversions than visitors
    evaluation = evaluate_pilot(ab_pilot(planned_n_per_arm=5000), [SIGNUP], obs)
    verdict = evaluation.verdicts[0]
    assert verdict.status in ("too_early", "inconclusive") and verdict.met is None
    assert any("control_conversions" in w for w in verdict.warnings)
    assert "could not be evaluated" in verdict.sentence
    assert evaluation.recommendation != "scale"


def test_degenerate_data_gives_defined_verdicts():
    pilot = ab_pilot(planned_n_per_arm=5000)
    zeros = evaluate_pilot(pilot, [SIGNUP], daily("signup_rate", 3, (100, 0), (100, 0)))
    assert zeros.verdicts[0].status == "too_early"
    assert any("No conversions yet in either arm" in w for w in zeros.verdicts[0].warnings)
    one_arm = evaluate_pilot(pilot, [SIGNUP], [Observation(START, "pilot", "signup_rate", 100, 10)])
    assert one_arm.verdicts[0].status == "too_early" and one_arm.verdicts[0].warnings
    flat = evaluate_pilot(
        pilot,
        [ORDER],
        [
            Observation(START + timedelta(days=i), arm, "order_value", 5, 50, 500)
            for i in range(3)
            for arm in ("control", "pilot")
        ],
    )
    assert flat.verdicts[0].status in ("too_early", "inconclusive")
    json.dumps(flat.to_dict(), allow_nan=False)


def test_observations_for_other_metrics_are_ignored():
    obs = daily("signup_rate", 28, (200, 20), (200, 30)) + daily("page_views", 28, (9, 9), (9, 9))
    evaluation = evaluate_pilot(ab_pilot(planned_n_per_arm=5000), [SIGNUP], obs)
    assert [v.metric for v in evaluation.verdicts] == ["signup_rate"]
    assert evaluation.recommendation == "scale"


def test_secondary_stands_in_when_no_primary_is_set():
    secondary = CriterionSpec("signup_rate", "proportion", "secondary", "vs_control", 0.0)
    evaluation = evaluate_pilot(
        ab_pilot(planned_n_per_arm=5000), [secondary], daily("signup_rate", 28, (200, 20), (200, 30))
    )
    assert evaluation.recommendation == "scale"
    assert any("No primary criterion" in r for r in evaluation.reasons)


def mixture_halfwidth(n_total: float, alpha_one_sided: float, tuning: float = 1000.0) -> float:
    """Half-width in standard errors of the always-valid normal-mixture interval (Waudby-Smith et al. 2023,
    eq. 155/161), each side at ``alpha_one_sided``, so the two-sided sequence at twice that."""
    a = 2 * alpha_one_sided
    rho2 = (-2 * math.log(a) + math.log(-2 * math.log(a) + 1)) / tuning
    nr2 = n_total * rho2 + 1
    return math.sqrt(2 * nr2 * math.log(math.sqrt(nr2) / a) / (n_total * rho2))


def test_without_a_plan_the_projection_says_how_many_more():
    pilot = PilotSpec("No plan", "ab")
    evaluation = evaluate_pilot(pilot, [SIGNUP], daily("signup_rate", 3, (200, 20), (200, 24)))
    verdict = evaluation.verdicts[0]
    assert verdict.status == "too_early" and verdict.progress is None
    assert any("No planned sample: an always-valid interval" in w for w in verdict.warnings)
    # no plan and no dates: the always-valid mixture interval on 1,200 visitors (Agresti-Caffo rates 61/602, 73/602)
    pc, pp = 61 / 602, 73 / 602
    se = ((pc * (1 - pc) + pp * (1 - pp)) / 602) ** 0.5
    k = mixture_halfwidth(1200, 0.05)
    assert (verdict.ci_low, verdict.ci_high) == pytest.approx((pp - pc - k * se, pp - pc + k * se), rel=1e-9)
    # if +2 points holds, today's bar would be cleared at n (k se / diff)^2 per arm; the always-valid bar
    # widens as n grows, so more than that is needed (the next test checks the projection is enough)
    needed = 600 * (k * se / (pp - pc)) ** 2
    assert verdict.more_needed > needed - 600
    assert "more visitors per arm needed if today's estimate holds" in verdict.sentence


def test_without_a_plan_the_projected_sample_clears_the_bar_if_the_estimate_holds():
    pilot = PilotSpec("No plan", "ab")
    today = evaluate_pilot(pilot, [SIGNUP], daily("signup_rate", 3, (200, 20), (200, 24))).verdicts[0]
    n = 600 + today.more_needed
    later = evaluate_pilot(
        pilot,
        [SIGNUP],
        [
            Observation(START, "control", "signup_rate", n, 0.10 * n),
            Observation(START, "pilot", "signup_rate", n, 0.12 * n),
        ],
    )
    assert later.verdicts[0].status == "met"


# ------------------------------------------------------------ never crashes

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

KINDS = st.sampled_from(["proportion", "mean", "count"])
CRITERIA = st.builds(
    CriterionSpec,
    metric=st.sampled_from(["m1", "m2"]),
    kind=KINDS,
    role=st.sampled_from(["primary", "secondary", "guardrail"]),
    comparison=st.sampled_from(["vs_control", "vs_target", "vs_baseline"]),
    threshold=st.sampled_from([0.0, 0.01, 0.1, 0.5, 3.0]),
    direction=st.sampled_from(["increase", "decrease"]),
    threshold_type=st.sampled_from(["absolute", "relative"]),
    confidence=st.sampled_from([0.8, 0.9, 0.95]),
)


@st.composite
def observation_lists(draw):
    out = []
    for _ in range(draw(st.integers(min_value=0, max_value=25))):
        n = draw(st.integers(min_value=0, max_value=50))
        total = draw(st.integers(min_value=0, max_value=n))
        out.append(
            Observation(
                START + timedelta(days=draw(st.integers(min_value=-10, max_value=20))),
                draw(st.sampled_from(["control", "pilot"])),
                draw(st.sampled_from(["m1", "m2"])),
                n,
                total,
                draw(st.sampled_from([None, float(total * total), float(total * total + n)])),
            )
        )
    return out


@settings(max_examples=120, deadline=None)
@given(
    design=st.sampled_from(["ab", "before_after", "target"]),
    criteria=st.lists(CRITERIA, max_size=4),
    observations=observation_lists(),
    plan=st.sampled_from([None, 100, 1000]),
    sequential=st.booleans(),
)
def test_any_logged_data_gives_a_defined_evaluation(design, criteria, observations, plan, sequential):
    pilot = PilotSpec(
        "fuzz",
        design,
        start=START,
        end=END,
        baseline_start=START - timedelta(days=10),
        baseline_end=START - timedelta(days=1),
        planned_n_per_arm=plan,
    )
    evaluation = evaluate_pilot(pilot, criteria, observations, sequential=sequential)
    assert evaluation.recommendation in ("scale", "iterate", "keep_running", "abort")
    assert len(evaluation.verdicts) == len(criteria)
    for verdict in evaluation.verdicts:
        assert verdict.status in ("met", "missed", "harmed", "safe", "too_early", "inconclusive", "futile")
        assert verdict.p_value is None or 0.0 <= verdict.p_value <= 1.0
        assert verdict.sentence
    json.dumps(evaluation.to_dict(), allow_nan=False)


def test_before_after_is_not_called_met_when_a_trend_explains_the_shift():
    """A rise already under way before the pilot started is not the pilot's doing."""
    base_start = START - timedelta(days=28)
    pilot = PilotSpec(
        "Pricing FAQ",
        "before_after",
        start=START,
        end=START + timedelta(days=27),
        baseline_start=base_start,
        baseline_end=START - timedelta(days=1),
    )
    crit = CriterionSpec("visits", "count", "primary", "vs_baseline", 0.0)
    observations = [
        Observation(base_start + timedelta(days=i), "pilot", "visits", 1, 100 + 2.0 * i + (i % 3)) for i in range(56)
    ]  # one straight line through both periods, no step at the start
    verdict = evaluate_pilot(pilot, [crit], observations).verdicts[0]
    assert verdict.pilot_value - verdict.control_value > 50  # the plain comparison sees a big rise …
    assert verdict.met is None and verdict.status in ("too_early", "inconclusive")  # … but it is not called:
    assert abs(verdict.difference) < 1 and verdict.ci_low < 0 < verdict.ci_high  # the trend explains it
    assert "adjusted for trend and weekday the step is +0.05" in verdict.sentence


def test_planned_days_count_the_start_and_the_end_and_need_both_dates():
    """One rule for the calendar plan: the engine's progress, the progress chart and the pilot page's looks use it."""
    assert ab_pilot().planned_days == 28 == (END - START).days + 1
    assert replace(ab_pilot(), end=START).planned_days == 1
    assert replace(ab_pilot(), end=None).planned_days is None and replace(ab_pilot(), start=None).planned_days is None
    assert replace(ab_pilot(), end=START - timedelta(days=1)).planned_days is None


def test_a_pilot_that_cannot_reach_its_plan_by_the_end_date_says_so():
    pilot = ab_pilot(planned_n_per_arm=10_000)  # 28 days, 100 a day per arm: 2,800 by the end
    evaluation = evaluate_pilot(pilot, [SIGNUP], daily("signup_rate", 7, (100, 10), (100, 11)))
    assert any(
        "reaches about 2,800" in w and "short of the planned 10,000" in w for w in evaluation.verdicts[0].warnings
    ), evaluation.verdicts[0].warnings
    on_track = evaluate_pilot(
        ab_pilot(planned_n_per_arm=2_000), [SIGNUP], daily("signup_rate", 7, (100, 10), (100, 11))
    )
    assert not any("today's pace" in w for w in on_track.verdicts[0].warnings)


def test_after_the_end_the_pace_note_says_what_the_pilot_holds_not_a_date_gone_by():
    """Logged 7 days, then the end passed: "reaches about 2,800 … by 29 Nov" must not be read on 3 Dec."""
    from lib.decide.progress import past_end

    evaluation = evaluate_pilot(
        ab_pilot(planned_n_per_arm=10_000), [SIGNUP], daily("signup_rate", 7, (100, 10), (102, 11))
    )
    projected = "Signup rate: At today's pace it reaches about 2,800 visitors per arm by 29 Nov 2026"
    assert any(r.startswith(projected) for r in evaluation.reasons), evaluation.reasons
    assert past_end(evaluation, END, END) is evaluation  # on the last day the date is still ahead
    after = past_end(evaluation, END, END + timedelta(days=4))
    held = (
        "It holds at least 700 of the planned 10,000 visitors in each arm (7%), and its end (29 Nov 2026) has passed."
    )
    assert f"Signup rate: {held}" in after.reasons and held in after.verdicts[0].warnings
    assert not any("today's pace" in t for t in [*after.reasons, *after.verdicts[0].warnings])
    assert len(after.reasons) == len(evaluation.reasons)  # the note is replaced in place, nothing else moves
    # wording only: the recommendation, every status and every number stay as the engine judged them
    assert after.recommendation == evaluation.recommendation
    strip = [replace(v, warnings=[]) for v in after.verdicts]
    assert strip == [replace(v, warnings=[]) for v in evaluation.verdicts]
    assert past_end(after, END, END + timedelta(days=4)) == after  # read twice, said once
    assert wording.pace_held(0, 10_000, "visitors", END) == (
        "It holds none of the planned 10,000 visitors per arm, and its end (29 Nov 2026) has passed."
    )


def test_the_pace_is_data_on_the_verdict_and_its_note_is_said_from_it():
    """7 days at 100 a day per arm of a 28-day plan: about 2,800 by the end, short of 10,000 — as numbers."""
    evaluation = evaluate_pilot(
        ab_pilot(planned_n_per_arm=10_000), [SIGNUP], daily("signup_rate", 7, (100, 10), (102, 11))
    )
    verdict = evaluation.verdicts[0]
    assert verdict.pace == Pace(700.0, 10_000, "visitors", END, 2800.0, START + timedelta(days=6), 100.0)
    assert verdict.pace.short and verdict.pace.reaches_on == START + timedelta(days=6 + 93)
    assert verdict.pace_note_at is not None
    assert verdict.warnings[verdict.pace_note_at] == wording.pace_note(verdict.pace, None)
    assert verdict.warnings[verdict.pace_note_at].startswith("At today's pace it reaches about 2,800 visitors per arm")
    assert wording.pace_note(verdict.pace, END) == verdict.warnings[verdict.pace_note_at]  # the end is still ahead
    assert wording.pace_note(verdict.pace, END + timedelta(days=1)).startswith("It holds at least 700 of the planned")
    pace = [
        r
        for r, k in zip(evaluation.reasons, evaluation.reason_keys, strict=True)
        if k == ReasonKey("pace", "signup_rate")
    ]
    assert pace == [f"Signup rate: {verdict.warnings[verdict.pace_note_at]}"]

    on_track = evaluate_pilot(
        ab_pilot(planned_n_per_arm=2_000), [SIGNUP], daily("signup_rate", 7, (100, 10), (100, 11))
    )
    kept = on_track.verdicts[0]
    assert kept.pace is not None and not kept.pace.short and kept.pace_note_at is None  # the chart still draws it
    assert kept.pace.reaches_on == START + timedelta(days=6 + 13) and wording.pace_note(kept.pace, END) is None
    open_ended = evaluate_pilot(
        PilotSpec("No end", "ab", start=START, planned_n_per_arm=10_000),
        [SIGNUP],
        daily("signup_rate", 7, (100, 10), (100, 11)),
    )
    assert open_ended.verdicts[0].pace.projected is None and open_ended.verdicts[0].pace_note_at is None
    done = evaluate_pilot(ab_pilot(planned_n_per_arm=500), [SIGNUP], daily("signup_rate", 7, (100, 10), (100, 11)))
    assert not done.verdicts[0].pace.short and done.verdicts[0].pace.reaches_on is None  # the plan is in
    assert done.verdicts[0].pace_note_at is None and done.verdicts[0].pace.per_day == 100.0  # the chart says its pace
    over = evaluate_pilot(ab_pilot(planned_n_per_arm=10_000), [SIGNUP], daily("signup_rate", 28, (100, 10), (100, 11)))
    assert over.verdicts[0].pace.projected is None and over.verdicts[0].pace_note_at is None  # the end has come


def test_past_end_says_the_note_again_from_the_pace_not_from_its_words():
    """The note and its reason are found where the verdict and the reason keys say, whatever their words read."""
    from lib.decide.progress import past_end

    evaluation = evaluate_pilot(
        ab_pilot(planned_n_per_arm=10_000), [SIGNUP], daily("signup_rate", 7, (100, 10), (102, 11))
    )
    verdict = evaluation.verdicts[0]
    at = evaluation.reason_keys.index(ReasonKey("pace", "signup_rate"))
    warnings = list(verdict.warnings)
    warnings[verdict.pace_note_at] = "Words an earlier wording chose."
    reworded = replace(
        evaluation,
        verdicts=[replace(verdict, warnings=warnings)],
        reasons=[*evaluation.reasons[:at], "Signup rate: earlier words.", *evaluation.reasons[at + 1 :]],
    )
    after = past_end(reworded, END, END + timedelta(days=4))
    held = past_end(evaluation, END, END + timedelta(days=4))
    assert after.reasons == held.reasons and after.verdicts[0].warnings == held.verdicts[0].warnings
    assert after.reasons[at].startswith("Signup rate: It holds at least 700 of the planned 10,000 visitors")


def test_a_frozen_evaluation_reads_back_with_its_pace():
    from lib.decide.frozen import evaluation_from_snapshot
    from lib.decide.progress import past_end

    evaluation = evaluate_pilot(
        ab_pilot(planned_n_per_arm=10_000),
        [SIGNUP, replace(SIGNUP, metric="click_rate", role="secondary")],
        daily("signup_rate", 7, (100, 10), (102, 11)) + daily("click_rate", 7, (100, 30), (100, 31)),
    )
    data = json.loads(json.dumps(evaluation.to_dict()))
    back = evaluation_from_snapshot({"evaluation": data, "method_version": METHOD_VERSION})
    assert [(v.pace, v.pace_note_at, v.warnings) for v in back.verdicts] == [
        (v.pace, v.pace_note_at, v.warnings) for v in evaluation.verdicts
    ]
    assert evaluation.verdicts[1].pace_note_at is not None  # a secondary's note too, without a reason of its own
    later = END + timedelta(days=4)
    assert past_end(back, END, later).reasons == past_end(evaluation, END, later).reasons
    assert [v.warnings for v in past_end(back, END, later).verdicts] == [
        v.warnings for v in past_end(evaluation, END, later).verdicts
    ]
    data["verdicts"][0]["pace"] = {"so_far": "many", "plan": 10_000}  # malformed: the words stay as they are
    data["verdicts"][1]["pace_note_at"] = 99
    broken = evaluation_from_snapshot({"evaluation": data})
    assert broken.verdicts[0].pace is None and broken.verdicts[1].pace_note_at is None
    assert [v.warnings for v in past_end(broken, END, later).verdicts] == [v.warnings for v in evaluation.verdicts]


def test_mean_that_may_be_negative_is_plain_welch():
    """Profit per order, negative on average in both arms: the values may be negative, no skew bound exists, and
    the plain Welch t-test on the same sums is the oracle."""
    profit = CriterionSpec("profit", "mean", "primary", "vs_control", 0.0)
    obs = [
        Observation(START + timedelta(days=i), arm, "profit", 20, 20 * mu, 20 * (mu * mu + 100))
        for i in range(28)
        for arm, mu in (("control", -3.0), ("pilot", -0.5))
    ]
    evaluation = evaluate_pilot(ab_pilot(planned_n_per_arm=560), [profit], obs)
    verdict = evaluation.verdicts[0]
    assert verdict.method == "welch" and verdict.status == "met" and verdict.progress == pytest.approx(1.0)
    sd = (100 * 560 / 559) ** 0.5
    welch = stats.ttest_ind_from_stats(-0.5, sd, 560, -3.0, sd, 560, equal_var=False, alternative="greater")
    assert verdict.p_value_raw == pytest.approx(welch.pvalue, rel=1e-9)
    # at the end of the plan the sequential one-sided p is twice the one-look one (the bar is z_0.975)
    assert verdict.p_value == pytest.approx(2 * welch.pvalue, rel=1e-9)
    df = 2 * 558 + 2  # Welch df of two equal arms of 560 with equal spread
    se = sd * (2 / 560) ** 0.5
    half = stats.t.ppf(0.975, df) * se
    assert (verdict.ci_low, verdict.ci_high) == pytest.approx((2.5 - half, 2.5 + half), rel=1e-9)


# ------------------------------------------------------ verdicts match their intervals


def pass_point(crit: CriterionSpec) -> tuple[float, int]:
    """Where the criterion flips on its interval's scale, and which side passes (+1: above), from the policy:
    vs a target the target itself; vs control +-threshold (a guardrail's tolerance lies on the bad side)."""
    good = 1 if crit.direction == "increase" else -1
    if crit.comparison == "vs_target":
        return crit.threshold, good
    return (-good if crit.role == "guardrail" else good) * crit.threshold, good


GRID_START = date(2026, 10, 5)


def _grid_observations(design: str, good: int, effect: float, per_day: int, rng) -> list[Observation]:
    """28 days of one metric "m"; ``effect`` is in the good direction (``good`` = +1 or -1)."""
    out = []
    for i in range(28):
        day = GRID_START + timedelta(days=i)
        if design in ("ab_rate", "ab_lift"):
            rate = 0.10 + good * effect if design == "ab_rate" else 0.10 * (1 + good * effect)
            for arm, p in (("control", 0.10), ("pilot", rate)):
                out.append(Observation(day, arm, "m", per_day, float(rng.binomial(per_day, p))))
        elif design in ("ab_mean", "ab_mean_no_cubes"):
            for arm, mu in (("control", 50.0), ("pilot", 50.0 + good * effect)):
                x = mu * rng.lognormal(0.0, 0.4, per_day) / math.exp(0.08)
                cubes = float((x**3).sum()) if design == "ab_mean" else None
                out.append(Observation(day, arm, "m", per_day, float(x.sum()), float((x**2).sum()), cubes))
        elif design == "target_rate":
            out.append(Observation(day, "pilot", "m", per_day, float(rng.binomial(per_day, 0.10 + good * effect))))
        elif design == "target_mean":
            x = (20.0 + good * effect) * rng.lognormal(0.0, 0.3, per_day) / math.exp(0.045)
            out.append(
                Observation(day, "pilot", "m", per_day, float(x.sum()), float((x**2).sum()), float((x**3).sum()))
            )
        elif design == "ab_count":
            for arm, mu in (("control", per_day / 10), ("pilot", per_day / 10 * (1 + good * effect))):
                out.append(Observation(day, arm, "m", 1, float(rng.poisson(mu))))
    return out


GRID = {
    # design: (kind, comparison, threshold_type, thresholds, effects in the good direction, pilot design,
    #          expected effect beyond the threshold for primaries that state one)
    "ab_rate": ("proportion", "vs_control", "absolute", (0.0, 0.01), (-0.03, 0.0, 0.01, 0.04), "ab", 0.03),
    "ab_lift": ("proportion", "vs_control", "relative", (0.0, 0.10), (-0.3, 0.0, 0.1, 0.4), "ab", 0.3),
    "ab_mean": ("mean", "vs_control", "absolute", (0.0, 2.0), (-5.0, 0.0, 2.0, 8.0), "ab", 6.0),
    "ab_mean_no_cubes": ("mean", "vs_control", "absolute", (0.0, 2.0), (-5.0, 0.0, 8.0), "ab", 6.0),
    "target_rate": ("proportion", "vs_target", "absolute", (0.10, 0.12), (-0.03, 0.0, 0.02, 0.05), "target", 0.03),
    "target_mean": ("mean", "vs_target", "absolute", (20.0, 22.0), (-3.0, 0.0, 2.0, 5.0), "target", 4.0),
    "ab_count": ("count", "vs_control", "absolute", (0.0, 2.0), (-0.3, 0.0, 0.3), "ab", 4.0),
}
#: how the engine is used: planned (sample fraction), calendar only, neither (always-valid mixture), one look
MODES = ("plan", "calendar", "mixture", "one_look")


def _grid_pilot(design: str, mode: str, per_day: int) -> PilotSpec:
    if mode == "mixture":
        return PilotSpec("grid", design)
    plan = 28 * per_day if mode in ("plan", "one_look") else None
    return PilotSpec("grid", design, start=GRID_START, end=GRID_START + timedelta(days=27), planned_n_per_arm=plan)


def _grid_cases():
    """Every (design, direction, effect, size) data set with every criterion read on it."""
    rng = np.random.default_rng(20261123)
    for design, (kind, comparison, threshold_type, thresholds, effects, pilot_design, gap) in GRID.items():
        for direction, effect, per_day in itertools.product(("increase", "decrease"), effects, (40, 400)):
            good = 1 if direction == "increase" else -1
            obs = _grid_observations(design, good, effect, per_day, rng)
            for (role, expects), threshold in itertools.product(
                (("primary", False), ("primary", True), ("guardrail", False)), thresholds
            ):
                expected = None
                if expects:  # vs a target a value beyond it; otherwise an effect in the good direction
                    expected = threshold + (good * gap if comparison == "vs_target" else gap)
                crit = CriterionSpec(
                    "m",
                    kind,
                    role,
                    comparison,
                    threshold,
                    direction=direction,
                    threshold_type=threshold_type,
                    expected=expected,
                    confidence=0.9 if per_day == 40 else 0.95,
                )
                yield (design, effect, per_day), pilot_design, crit, obs


def test_no_verdict_contradicts_its_interval():
    """Over designs, directions, roles, thresholds, effects, sample sizes, days and modes: a call is made exactly
    when the threshold lies beyond the matching end of the interval shown, and the p-value agrees."""
    scales = {"vs_target": "value", "vs_control": "difference"}
    seen: dict[str, int] = {}
    checked = 0
    for case, pilot_design, crit, obs in _grid_cases():
        point, side = pass_point(crit)
        alpha = 1 - crit.confidence
        for mode, as_of in itertools.product(MODES, (2, 9, 27)):
            pilot = _grid_pilot(pilot_design, mode, case[2])
            v = evaluate_pilot(
                pilot, [crit], obs, as_of=GRID_START + timedelta(days=as_of), sequential=mode != "one_look"
            ).verdicts[0]
            where = (case, crit, mode, as_of, v.status, v.reason, v.ci_low, v.ci_high, v.p_value)
            seen[v.status] = seen.get(v.status, 0) + 1
            scale = "lift" if crit.threshold_type == "relative" else scales[crit.comparison]
            assert v.interval_scale == scale, where
            if v.ci_low is None or v.ci_high is None:
                assert v.status in ("too_early", "inconclusive"), where
                continue
            checked += 1
            assert v.ci_low <= v.ci_high, where
            passing_end, failing_end = (v.ci_low, v.ci_high) if side > 0 else (v.ci_high, v.ci_low)
            passes = side * (passing_end - point) > 0
            fails = side * (failing_end - point) < 0
            called_pass = v.reason in ("met", "safe")  # a guardrail is also "safe" at the end of the plan
            called_fail = v.status in ("missed", "harmed")  # without a bound (reason "no_harm_at_end")
            assert not (passes and fails), where
            assert called_pass == passes, where
            assert called_fail == fails, where
            if v.status in ("too_early", "inconclusive", "futile") or v.reason == "no_harm_at_end":
                assert v.ci_low <= point <= v.ci_high, where
            # the p-value of "the criterion holds" is below alpha exactly on a pass call
            assert (v.p_value < alpha) == called_pass, where
            assert v.confidence == pytest.approx(1 - v.p_value), where
            if crit.role == "guardrail":
                assert v.status in ("safe", "harmed", "too_early", "inconclusive"), where
            if v.status == "futile":  # only with an expectation and a plan, from a third of it on
                assert crit.expected is not None and mode in ("plan", "calendar"), where
                assert v.progress >= 1 / 3 - 1e-9, where
    print(f"\n{checked} verdicts checked: {dict(sorted(seen.items()))}")
    for status in ("met", "missed", "harmed", "safe", "too_early", "inconclusive", "futile"):
        assert seen.get(status, 0) >= 20, (status, seen)  # the grid exercises every kind of call


def test_a_met_lift_shows_its_bounds():
    lift = CriterionSpec("signup_rate", "proportion", "primary", "vs_control", 0.10, threshold_type="relative")
    obs = [Observation(START, "control", "signup_rate", 300, 1), Observation(START, "pilot", "signup_rate", 300, 60)]
    verdict = evaluate_pilot(ab_pilot(planned_n_per_arm=5000), [lift], obs).verdicts[0]
    assert verdict.status != "met" or (verdict.ci_low is not None and verdict.ci_low > 0.10)


# ------------------------------------------------------------ daily looks


def test_daily_looks_at_a_null_ab_pilot_rarely_scale_it():
    """400 A/B pilots at 5 % vs 5 %, planned by plan_pilot and looked at every day from day 3: a wrong "scale"
    at most 5 % (+ 3 Monte Carlo SE); judging each daily look as a single test (sequential=False) is far worse."""
    bench = str(Path(__file__).resolve().parent.parent / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    from operating_characteristics import run_cell

    pilots = 400
    r = run_cell("ab_null", pilots, seed=20261124)
    wrong, naive = r["scale"] / pilots, r["fixed"]["scale"] / pilots
    print(f"\nA/B null: wrong scale {wrong:.3f} under daily looks, {naive:.3f} judging each look alone")
    assert wrong <= 0.08
    assert naive > 0.10


@pytest.mark.parametrize(
    ("arm_n", "names", "said"),
    [
        ((172, 172), ("control", "pilot"), "172 observations per arm"),  # equal arms keep "per arm"
        ((172, 188), ("control", "pilot"), "172 (control) and 188 (pilot) observations"),
        (
            (44_700, 45_489),
            ("gate_30", "gate_40"),
            "44,700 (gate_30, control) and 45,489 (gate_40, pilot) observations",
        ),
        (None, ("control", "pilot"), "172 observations per arm"),  # no counts given: the smaller arm
    ],
)
def test_the_sample_names_each_arm_when_they_differ(arm_n, names, said):
    assert wording.arm_sample(arm_n, names, 172, "observations") == said


def test_unequal_arms_are_named_with_their_own_counts_in_the_sentence():
    """ "on 44,700 people per arm" hid 44,700 against 45,489 (issue 17)."""
    pilot = ab_pilot(control_arm="gate_30", pilot_arm="gate_40")
    rates = [
        Observation(START, "gate_30", "signup_rate", 44_700, 8_502),
        Observation(START, "gate_40", "signup_rate", 45_489, 8_279),
    ]
    [rate] = evaluate_pilot(pilot, [SIGNUP], rates, units={"signup_rate": "people"}).verdicts
    assert " on 44,700 (gate_30, control) and 45,489 (gate_40, pilot) people: " in rate.sentence
    assert rate.sample_n == 44_700  # the verdict still counts the smaller arm
    orders = [
        Observation(START, arm, "order_value", n, n * mu, n * (mu * mu + 100.0))
        for arm, n, mu in (("control", 172, 50.0), ("pilot", 188, 54.0))
    ]
    [mean] = evaluate_pilot(ab_pilot(), [ORDER], orders).verdicts
    assert " on 172 (control) and 188 (pilot) observations: " in mean.sentence and "per arm" not in mean.sentence
