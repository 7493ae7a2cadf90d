"""One formatting function per quantity: the same figure reads the same on every page (issue 25, item 5).

- a criterion's tolerance or threshold: :func:`lib.formatting.threshold` (a difference of rates in points)
- a measured effect and its interval: :func:`lib.formatting.effect` / ``effect_range`` on the same scale
- a rough count ("about N more"): :func:`lib.formatting.about`
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lib import formatting as fmt
from lib.criteria import describe
from lib.decide import evaluate_pilot, wording
from lib.services.learnings import Learning
from lib.services.pilot_view import card
from lib.specs import CriterionSpec, Observation, PilotSpec

START = date(2026, 11, 2)


def _evaluation(criteria, days=28, planned=3000, guard=(110, 0.4)):
    spec = PilotSpec("Email", "ab", start=START, end=START + timedelta(days=27), planned_n_per_arm=planned)
    observations = []
    for i in range(days):
        day = START + timedelta(days=i)
        observations += [
            Observation(day, "control", "reply_rate", 100, 5),
            Observation(day, "pilot", "reply_rate", 100, 6),
        ]
        observations += [
            Observation(day, "control", "unsubscribe_rate", *guard),
            Observation(day, "pilot", "unsubscribe_rate", *guard),
        ]
    return evaluate_pilot(spec, criteria, observations)


@pytest.mark.parametrize(
    ("kind", "relative", "value", "level", "text"),
    [
        ("proportion", False, 0.002, False, "0.2 pts"),  # a difference of rates: percentage points
        ("proportion", False, 0.0025, False, "0.25 pts"),  # as typed, not rounded to 0.3
        ("proportion", False, 0.01, False, "1.0 pts"),
        ("proportion", True, 0.1, False, "10%"),  # a lift: percent
        ("proportion", False, 0.08, True, "8%"),  # a rate as a target: percent
        ("mean", False, 2.5, False, "2.5"),
        ("mean", False, 1500.0, False, "1,500"),
        ("count", True, 0.125, False, "12.5%"),
    ],
)
def test_a_threshold_is_written_one_way(kind, relative, value, level, text):
    assert fmt.threshold(kind, relative, value, level=level) == text


def test_a_guardrail_tolerance_reads_the_same_in_the_criteria_the_verdict_and_the_warning():
    """Was "0.2%" in the criteria list and "0.2 pts" in the verdict."""
    guard = CriterionSpec("unsubscribe_rate", "proportion", "guardrail", "vs_control", 0.002, direction="decrease")
    primary = CriterionSpec("reply_rate", "proportion", "primary", "vs_control", 0.005, expected=0.015)
    tolerance = fmt.threshold("proportion", False, 0.002)
    assert tolerance == "0.2 pts"
    assert f"by no more than {tolerance} vs control" in describe(guard)
    assert "%" not in describe(guard) and "%" not in describe(primary)
    assert describe(primary) == "Reply rate up by 0.5 pts or more vs control — expected 1.5 pts"
    evaluation = _evaluation([primary, guard])
    verdict = evaluation.verdicts[1]
    assert f"the {tolerance} tolerated" in verdict.sentence
    assert f"the {tolerance} tolerated" in (wording.scale_warning(evaluation.verdicts) or "")
    assert "by at least 0.5 pts" in evaluation.verdicts[0].sentence


@pytest.mark.parametrize(
    ("scale", "lift", "difference", "pilot_value", "interval", "unit"),
    [
        ("difference", 0.47, 0.016, 0.067, (-0.005, 0.039), "pts"),  # was "+47.0%" beside "−0.5 to +3.9 pts"
        ("lift", 0.12, 0.01, 0.09, (-0.03, 0.25), "%"),
        ("value", None, 0.004, 0.084, (0.07, 0.1), "%"),
    ],
)
def test_a_measured_effect_and_its_interval_share_a_unit(scale, lift, difference, pilot_value, interval, unit):
    learning = Learning(
        pilot_id=1,
        pilot="Question-style subject lines",
        hypothesis="",
        goal=None,
        channel="email",
        design="ab",
        team="",
        outcome="scale",
        recommendation="scale",
        decided_on=START,
        decided_by="Lea",
        rationale="",
        metric="reply_rate",
        kind="proportion",
        lift=lift,
        difference=difference,
        interval=interval,
        interval_scale=scale,
        sentence="",
        pilot_value=pilot_value,
    )
    effect = fmt.effect(learning.kind, scale, learning.effect)
    bounds = fmt.effect_range(learning.kind, scale, *learning.interval)
    assert effect.endswith(unit) and bounds.endswith(unit), (effect, bounds)
    if scale == "difference":
        assert effect == "+1.6 pts" and bounds == "−0.5 to +3.9 pts"


def test_about_a_count_is_rounded_one_way_on_the_card_and_in_the_sentence():
    """Was "about 4,358" on the card beside "about 4,400 more contacts" in the sentence."""
    primary = CriterionSpec("reply_rate", "proportion", "primary", "vs_control", 0.0)
    evaluation = _evaluation([primary], days=3, planned=8058)
    verdict = evaluation.verdicts[0]
    assert verdict.more_needed and verdict.more_needed > 1000
    rough = fmt.about(verdict.more_needed)
    assert rough.endswith("00") and rough != fmt.number(verdict.more_needed)
    assert f"about {rough} more" in verdict.sentence
    assert f"about {rough} more" in card(verdict, 8058, 28).progress_text
    assert fmt.number(verdict.more_needed) not in card(verdict, 8058, 28).progress_text
