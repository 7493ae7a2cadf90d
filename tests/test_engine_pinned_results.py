"""Pinned results of the decision engine: what five pilots (A/B, against a target, before/after) evaluate to.

The engine's hot path is rewritten for speed from time to time (issue 29); none of that may change a
verdict, a number or a word. These were computed before the rewrite; a change of rule or wording that
moves them bumps the method or wording version and updates them here on purpose.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from lib.decide import evaluate_pilot
from lib.specs import CriterionSpec, Observation, PilotSpec

START = date(2026, 11, 2)
DAYS = 28


def _ab(lift: float, seed: int) -> tuple[PilotSpec, tuple[CriterionSpec, ...], list[Observation]]:
    rng = random.Random(seed)
    pilot = PilotSpec("ab", "ab", start=START, end=START + timedelta(days=DAYS - 1), planned_n_per_arm=8000)
    criteria = (
        CriterionSpec("signup_rate", "proportion", "primary", "vs_control", 0.0, expected=0.02),
        CriterionSpec("order_value", "mean", "secondary", "vs_control", 0.0),
        CriterionSpec("unsubscribe_rate", "proportion", "guardrail", "vs_control", 0.0, direction="decrease"),
    )
    obs = []
    for d in range(DAYS):
        day = START + timedelta(days=d)
        for arm, shift in (("control", 0.0), ("pilot", lift)):
            n = rng.randint(250, 350)
            obs.append(Observation(day, arm, "signup_rate", n, sum(rng.random() < 0.10 + shift for _ in range(n))))
            values = [rng.gauss(60.0, 20.0) for _ in range(12)]
            obs.append(Observation(day, arm, "order_value", 12, sum(values), sum(v * v for v in values)))
            obs.append(Observation(day, arm, "unsubscribe_rate", n, sum(rng.random() < 0.01 for _ in range(n))))
    return pilot, criteria, obs


def _target(seed: int) -> tuple[PilotSpec, tuple[CriterionSpec, ...], list[Observation]]:
    rng = random.Random(seed)
    pilot = PilotSpec("target", "target", start=START, end=START + timedelta(days=DAYS - 1), planned_n_per_arm=1500)
    criteria = (
        CriterionSpec("reply_rate", "proportion", "primary", "vs_target", 0.08),
        CriterionSpec("meetings_per_day", "count", "secondary", "vs_target", 3.0),
        CriterionSpec("bounce_rate", "proportion", "guardrail", "vs_target", 0.05, direction="decrease"),
    )
    obs = []
    for d in range(DAYS):
        day = START + timedelta(days=d)
        n = rng.randint(20, 60)
        obs.append(Observation(day, "pilot", "reply_rate", n, sum(rng.random() < 0.11 for _ in range(n))))
        obs.append(Observation(day, "pilot", "meetings_per_day", 1, rng.randint(1, 6)))
        obs.append(Observation(day, "pilot", "bounce_rate", n, sum(rng.random() < 0.03 for _ in range(n))))
    return pilot, criteria, obs


def _before_after(step: float, seed: int) -> tuple[PilotSpec, tuple[CriterionSpec, ...], list[Observation]]:
    rng = random.Random(seed)
    pilot = PilotSpec(
        "ba",
        "before_after",
        start=START,
        end=START + timedelta(days=DAYS - 1),
        baseline_start=START - timedelta(days=DAYS),
        baseline_end=START - timedelta(days=1),
    )
    criteria = (
        CriterionSpec("leads", "count", "primary", "vs_baseline", 0.0, expected=3.0),
        CriterionSpec("visit_rate", "proportion", "secondary", "vs_baseline", 0.0),
        CriterionSpec("basket", "mean", "guardrail", "vs_baseline", 0.0),
    )
    obs = []
    for d in range(-DAYS, DAYS):
        day = START + timedelta(days=d)
        after = d >= 0
        n = rng.randint(300, 500)
        obs.append(Observation(day, "pilot", "leads", 1, rng.gauss(40 + (step if after else 0.0), 6)))
        obs.append(Observation(day, "pilot", "visit_rate", n, sum(rng.random() < 0.2 for _ in range(n))))
        values = [rng.gauss(35.0, 10.0) for _ in range(15)]
        obs.append(Observation(day, "pilot", "basket", 15, sum(values), sum(v * v for v in values)))
    return pilot, criteria, obs


PILOTS = {
    "ab, no effect": _ab(0.0, 1),
    "ab, a lift": _ab(0.03, 2),
    "against a target": _target(3),
    "before/after, a step": _before_after(12.0, 4),
    "before/after, none": _before_after(0.0, 5),
}


#: name -> (recommendation, per verdict: status, ci_low, ci_high, p_value, standard_error,
#: (first day's expected, last day's band top) of the counterfactual, placebo note, sentence)
PINNED = {
    "ab, no effect": (
        "abort",
        [
            (
                "inconclusive",
                -0.015372013319688118,
                0.003140793957239754,
                1.0,
                0.00472274169907063,
                None,
                None,
                "Signup rate 9.9% in the pilot vs 10.6% in control (−0.6 pts, 95% bounds −1.5 to +0.3 pts) on 8,178 (control) and 8,329 (pilot) visitors: <1% confidence the pilot is higher (95% needed) — still not clear at the planned sample.",
            ),
            (
                "inconclusive",
                -4.420390190011924,
                2.1529938426239306,
                1.0,
                1.643969191097225,
                None,
                None,
                "Order value 58.9 in the pilot vs 60.0 in control (−1.14, 95% bounds −4.42 to +2.15) on 336 observations per arm: <1% confidence the pilot is higher (95% needed) — still not clear at the planned sample.",
            ),
            (
                "harmed",
                0.0012106901544287744,
                0.0073748825100737655,
                1.0,
                0.0015725269454610784,
                None,
                None,
                "Unsubscribe rate 1.2% in the pilot vs 0.8% in control (+0.4 pts, 95% bounds +0.1 to +0.7 pts) on 8,178 (control) and 8,329 (pilot) visitors: <1% confidence it is no worse than before (95% needed) — guardrail breached: harm beyond the tolerance is shown.",
            ),
        ],
    ),
    "ab, a lift": (
        "scale",
        [
            (
                "met",
                0.016007973479310628,
                0.03508988627636078,
                1.5340608899019284e-07,
                0.004867924346458878,
                None,
                None,
                "Signup rate 12.6% in the pilot vs 10.1% in control (+2.6 pts, 95% bounds +1.6 to +3.5 pts) on 8,465 (control) and 8,502 (pilot) visitors: >99% confidence the pilot is higher (95% needed) — criterion met.",
            ),
            (
                "inconclusive",
                -4.4224859807865755,
                2.08810191355503,
                1.0,
                1.6280162337949342,
                None,
                None,
                "Order value 59.2 in the pilot vs 60.4 in control (−1.17, 95% bounds −4.42 to +2.09) on 336 observations per arm: <1% confidence the pilot is higher (95% needed) — still not clear at the planned sample.",
            ),
            (
                "safe",
                -0.00395586298845293,
                0.002441989359652676,
                0.6428118888939454,
                0.0016321351817102378,
                None,
                None,
                "Unsubscribe rate 1.1% in the pilot vs 1.2% in control (−0.1 pts, 95% bounds −0.4 to +0.2 pts) on 8,465 (control) and 8,502 (pilot) visitors: 36% confidence it is no worse than before (95% needed) — not shown safe by the planned sample, and no harm shown either: it does not stop the pilot (a guardrail stops it only on harm), but it is not proven safe.",
            ),
        ],
    ),
    "against a target": (
        "scale",
        [
            (
                "met",
                0.08200584717148597,
                0.12092717117070519,
                0.028171706437999898,
                0.009098747245981677,
                None,
                None,
                "Reply rate 10.0% (95% bounds 8.2–12.1%) on 1,197 visitors, above the 8% target: 97% confidence it beats the target (95% needed) — criterion met.",
            ),
            (
                "inconclusive",
                2.503397521106871,
                3.7823167646074145,
                0.6503442210439607,
                0.31753245722974777,
                None,
                None,
                "Meetings per day 3.14 (95% bounds 2.50–3.78) on 28 days, above the 3 target: 35% confidence it beats the target (95% needed) — still not clear at the planned sample.",
            ),
            (
                "safe",
                0.016841635762252415,
                0.03790807826134224,
                0.00025274462192966814,
                0.005017503159100349,
                None,
                None,
                "Bounce rate 2.6% (95% bounds 1.7–3.8%) on 1,197 visitors, below the 5% target: >99% confidence it is no worse than the 5% limit (95% needed) — shown safe: the guardrail holds.",
            ),
        ],
    ),
    "before/after, a step": (
        "iterate",
        [
            (
                "inconclusive",
                2.5789934927352363,
                17.05532991457924,
                0.00894351248745888,
                3.6354114775812607,
                (37.92478378048382, 46.090440561485806),
                "Of 15 fake start dates in the baseline, 3 showed a jump this large.",
                "Leads 50.9 in the pilot period vs 38.3 in the baseline; adjusted for trend and weekday the step is +9.82 (95% bounds +2.6 to +17.1) over 28 pilot days: >99% confidence the pilot is higher (95% needed) — not called: 3 of 15 fake start dates in the baseline showed a jump as large.",
            ),
            (
                "inconclusive",
                -0.001789619173222609,
                0.03979667132609338,
                0.0722779684248791,
                0.010443476400777377,
                (0.20735863231137378, 0.20562285240951103),
                None,
                "Visit rate 20.2% in the pilot period vs 19.7% in the baseline; adjusted for trend and weekday the step is +1.9 pts (95% bounds −0.2 to +4.0 pts) over 28 pilot days: 93% confidence the pilot is higher (95% needed) — still not clear at the planned sample.",
            ),
            (
                "safe",
                -4.251065297061961,
                2.203477510141067,
                1.0,
                1.620915563169572,
                (35.34849848705215, 38.808375241572826),
                None,
                "Basket 34.2 in the pilot period vs 35.4 in the baseline; adjusted for trend and weekday the step is −1.02 (95% bounds −4.25 to +2.20) over 28 pilot days: <1% confidence it is no worse than before (95% needed) — not shown safe by the planned sample, and no harm shown either: it does not stop the pilot (a guardrail stops it only on harm), but it is not proven safe.",
            ),
        ],
    ),
    "before/after, none": (
        "iterate",
        [
            (
                "inconclusive",
                -8.796368152242714,
                6.879674682359098,
                1.0,
                3.9366911892137155,
                (37.01098954648726, 50.330909228611496),
                None,
                "Leads 39.9 in the pilot period vs 41.6 in the baseline; adjusted for trend and weekday the step is −0.96 (95% bounds −8.80 to +6.88) over 28 pilot days: <1% confidence the pilot is higher (95% needed) — still not clear at the planned sample.",
            ),
            (
                "inconclusive",
                -0.03264969655221626,
                0.024061814280194063,
                1.0,
                0.014241840710472825,
                (0.2028172459845956, 0.23593692423388984),
                None,
                "Visit rate 19.8% in the pilot period vs 20.4% in the baseline; adjusted for trend and weekday the step is −0.4 pts (95% bounds −3.3 to +2.4 pts) over 28 pilot days: <1% confidence the pilot is higher (95% needed) — still not clear at the planned sample.",
            ),
            (
                "safe",
                -3.977081644938873,
                2.7122047219577867,
                1.0,
                1.679866212445088,
                (33.35922201849088, 41.2198166265309),
                None,
                "Basket 34.7 in the pilot period vs 34.2 in the baseline; adjusted for trend and weekday the step is −0.63 (95% bounds −3.98 to +2.71) over 28 pilot days: <1% confidence it is no worse than before (95% needed) — not shown safe by the planned sample, and no harm shown either: it does not stop the pilot (a guardrail stops it only on harm), but it is not proven safe.",
            ),
        ],
    ),
}


@pytest.mark.parametrize("name", list(PINNED))
def test_the_engine_still_says_what_it_said(name: str) -> None:
    pilot, criteria, observations = PILOTS[name]
    recommendation, pinned = PINNED[name]
    evaluation = evaluate_pilot(pilot, criteria, observations)
    assert evaluation.recommendation == recommendation
    assert len(evaluation.verdicts) == len(pinned)
    for verdict, (status, low, high, p, se, band, placebo, sentence) in zip(evaluation.verdicts, pinned, strict=True):
        assert verdict.status == status
        assert verdict.sentence == sentence
        assert verdict.placebo == placebo
        assert (verdict.ci_low, verdict.ci_high, verdict.p_value, verdict.standard_error) == pytest.approx(
            (low, high, p, se), rel=1e-12, abs=0.0
        )
        if band is None:
            assert verdict.counterfactual == ()
        else:
            days = verdict.counterfactual
            assert (days[0].expected, days[-1].high) == pytest.approx(band, rel=1e-12, abs=0.0)
            assert len(days) == 2 * DAYS and days[0].day == START - timedelta(days=DAYS)
