"""The decision engine on scenario tables (lib.decide.evaluate_pilot)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from lib.decide import CriterionVerdict, PilotEvaluation, evaluate_pilot
from lib.observations import CriterionSpec, Observation, PilotSpec

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
    "futility": (
        ab_pilot(planned_n_per_arm=10000, end=START + timedelta(days=60)),
        [SIGNUP],
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
    assert verdict.sentence.startswith("Signup rate 15.0% in the pilot vs 10.0% in control (+5.0 pts, 95% CI")
    # the raw p-value is the one-sided pooled z-test, checked against statsmodels
    _, p = proportions_ztest([840, 560], [5600, 5600], alternative="larger")
    assert verdict.p_value_raw == pytest.approx(p, rel=1e-9)


def test_too_early_says_how_far_along_and_how_much_more():
    pilot, criteria, observations, *_ = SCENARIOS["too early"]
    evaluation = evaluate_pilot(pilot, criteria, observations)
    verdict = by_metric(evaluation)["signup_rate"]
    assert verdict.progress == pytest.approx(600 / 5000)
    assert verdict.more_needed == 4400 and verdict.more_needed_unit == "visitors"
    assert "about 4,400 more visitors per arm needed" in verdict.sentence
    assert any("12% of the planned sample" in r for r in evaluation.reasons)
    assert verdict.met is None


def test_futility_reason_and_verdict():
    pilot, criteria, observations, *_ = SCENARIOS["futility"]
    evaluation = evaluate_pilot(pilot, criteria, observations)
    verdict = evaluation.verdicts[0]
    assert verdict.met is False
    assert verdict.p_value_raw > 0.05  # not a significant loss: it is futility that stops it
    assert "no longer reach" in verdict.sentence
    assert any("no longer reach" in r for r in evaluation.reasons)


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
        "Reply rate 9.2% (95% CI 6.6–12.4%) on 412 contacts is above the 8% target with 80% confidence"
        " — not enough to call yet; about 290 more contacts needed."
    )
    assert verdict.p_value == pytest.approx(stats.binomtest(38, 412, 0.08, alternative="greater").pvalue)
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
    expected = stats.ttest_1samp(values, 20.0, alternative="less").pvalue
    assert verdict.p_value == pytest.approx(expected, rel=1e-9)
    assert verdict.status == "met" and evaluation.recommendation == "scale"
    assert "is below the 20 target with >99% confidence — criterion met." in verdict.sentence


def _before_after_obs(shift: float) -> list[Observation]:
    values = [50, 52, 49, 51, 53, 44, 42] * 4 + [v + shift for v in [50, 52, 49, 51, 53, 44, 42] * 4]
    return [Observation(START + timedelta(days=i - 28), "pilot", "leads", 1, float(v)) for i, v in enumerate(values)]


def test_before_after_uses_days_and_reports_the_adjusted_shift():
    pilot = PilotSpec(
        "Landing page",
        "before_after",
        start=START,
        end=END,
        baseline_start=START - timedelta(days=28),
        baseline_end=START - timedelta(days=1),
    )
    leads = CriterionSpec("leads", "count", "primary", "vs_baseline", 0.0)
    evaluation = evaluate_pilot(pilot, [leads], _before_after_obs(6.0))
    verdict = evaluation.verdicts[0]
    assert verdict.status == "met" and evaluation.recommendation == "scale"
    assert verdict.difference == pytest.approx(6.0)
    assert verdict.adjusted_difference is not None
    assert "adjusted for trend and weekday" in verdict.sentence
    assert any("observational" in r for r in evaluation.reasons)
    assert verdict.sample_n == 28 and verdict.progress == pytest.approx(1.0)
    before = [50, 52, 49, 51, 53, 44, 42] * 4
    after = [v + 6.0 for v in before]
    assert verdict.p_value == pytest.approx(
        stats.ttest_ind(after, before, equal_var=False, alternative="greater").pvalue, rel=1e-9
    )


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
    assert data["verdicts"][0]["result"]["method"] == "z"
    assert "NaN" not in text and "Infinity" not in text


def test_as_of_ignores_later_days():
    pilot, criteria, observations, *_ = SCENARIOS["clear win"]
    early = evaluate_pilot(pilot, criteria, observations, as_of=START + timedelta(days=2))
    verdict = by_metric(early)["signup_rate"]
    assert verdict.sample_n == 600 and verdict.progress == pytest.approx(0.12)
    assert by_metric(evaluate_pilot(pilot, criteria, observations))["signup_rate"].sample_n == 5600


def test_holm_makes_two_borderline_primaries_harder_to_pass():
    second = CriterionSpec("click_rate", "proportion", "primary", "vs_control", 0.0)
    obs = daily("signup_rate", 10, (500, 50), (500, 56)) + daily("click_rate", 10, (500, 50), (500, 56))
    pilot = ab_pilot(planned_n_per_arm=5000)
    plain = evaluate_pilot(pilot, [SIGNUP, second], obs, multiple_testing="none")
    holm = evaluate_pilot(pilot, [SIGNUP, second], obs)
    assert plain.recommendation == "scale"
    assert holm.recommendation != "scale"
    v = holm.verdicts[0]
    assert v.p_value == pytest.approx(min(1.0, 2 * v.p_value_raw)) and v.p_value > 0.05 > v.p_value_raw
    assert any("Holm" in r for r in holm.reasons)
    bonferroni = evaluate_pilot(pilot, [SIGNUP, second], obs, multiple_testing="bonferroni")
    assert bonferroni.verdicts[0].p_value == pytest.approx(2 * v.p_value_raw)
    with pytest.raises(ValueError, match="multiple_testing"):
        evaluate_pilot(pilot, [SIGNUP], obs, multiple_testing="sidak")


def test_sequential_is_more_careful_with_a_borderline_win():
    pilot = ab_pilot(planned_n_per_arm=10000, end=START + timedelta(days=60))
    obs = daily("signup_rate", 10, (500, 50), (500, 56))
    fixed = evaluate_pilot(pilot, [SIGNUP], obs)
    seq = evaluate_pilot(pilot, [SIGNUP], obs, sequential=True)
    assert fixed.verdicts[0].status == "met"
    assert seq.verdicts[0].status == "too_early"
    assert seq.verdicts[0].ci_high - seq.verdicts[0].ci_low > fixed.verdicts[0].ci_high - fixed.verdicts[0].ci_low
    assert any("Always-valid" in w for w in seq.verdicts[0].warnings)
    assert seq.sequential is True


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
    expected = stats.ttest_ind(treat, control, equal_var=False, alternative="greater").pvalue
    assert verdict.p_value == pytest.approx(expected, rel=1e-9)
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


def test_without_a_plan_the_projection_says_how_many_more():
    pilot = PilotSpec("No plan", "ab")
    evaluation = evaluate_pilot(pilot, [SIGNUP], daily("signup_rate", 3, (200, 20), (200, 24)))
    verdict = evaluation.verdicts[0]
    assert verdict.status == "too_early" and verdict.progress is None
    # if +2 points holds, the one-sided 95% bound clears zero once n (1.645 se / diff)^2 per arm are in
    # (Agresti-Caffo rates 61/602 and 73/602)
    pc, pp = 61 / 602, 73 / 602
    se = ((pc * (1 - pc) + pp * (1 - pp)) / 602) ** 0.5
    needed = 600 * (1.6448536269514722 * se / (pp - pc)) ** 2
    assert verdict.more_needed == pytest.approx(needed - 600, abs=1)
    assert "more visitors per arm needed" in verdict.sentence


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
    pilot = PilotSpec("Pricing FAQ", "before_after", start=START, end=START + timedelta(days=27),
                      baseline_start=base_start, baseline_end=START - timedelta(days=1))
    crit = CriterionSpec("visits", "count", "primary", "vs_baseline", 0.0)
    observations = [Observation(base_start + timedelta(days=i), "pilot", "visits", 1, 100 + 2.0 * i + (i % 3))
                    for i in range(56)]  # one straight line through both periods, no step at the start
    verdict = evaluate_pilot(pilot, [crit], observations).verdicts[0]
    assert verdict.pilot_value > verdict.control_value  # the plain comparison sees a big rise …
    assert verdict.met is None and verdict.status in ("too_early", "inconclusive")  # … but it is not called
    assert any("trend" in w for w in verdict.warnings) and "not called" in verdict.sentence


def test_a_pilot_that_cannot_reach_its_plan_by_the_end_date_says_so():
    pilot = ab_pilot(planned_n_per_arm=10_000)  # 28 days, 100 a day per arm: 2,800 by the end
    evaluation = evaluate_pilot(pilot, [SIGNUP], daily("signup_rate", 7, (100, 10), (100, 11)))
    assert any("reaches about 2,800" in w and "short of the planned 10,000" in w
               for w in evaluation.verdicts[0].warnings), evaluation.verdicts[0].warnings
    on_track = evaluate_pilot(ab_pilot(planned_n_per_arm=2_000), [SIGNUP], daily("signup_rate", 7, (100, 10), (100, 11)))
    assert not any("today's pace" in w for w in on_track.verdicts[0].warnings)
