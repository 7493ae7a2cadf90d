"""A guardrail says what its rule says: "stop only on harm", "shown safe" only when it was (issue 25, item 3).

Each situation runs through the real engine (A/B, unsubscribe rate, 0.3 pts tolerated, 95 % needed), and its
sentence, its status label and Review's warning before "scale" are read against the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from lib.criteria import describe
from lib.decide import evaluate_pilot, wording
from lib.specs import CriterionSpec, Observation, PilotSpec
from lib.vocabulary import GUARDRAIL_RULE, GUARDRAIL_RULE_SHORT, ROLE_HELP, verdict_status_label

START = date(2026, 11, 2)
PRIMARY = CriterionSpec("reply_rate", "proportion", "primary", "vs_control", 0.0)
GUARD = CriterionSpec("unsubscribe_rate", "proportion", "guardrail", "vs_control", 0.003, direction="decrease")


@dataclass(frozen=True)
class Situation:
    name: str
    days: int
    control: tuple[float, float]  # a day's sends and unsubscribes
    pilot: tuple[float, float]
    planned: int
    status: str
    tail: str  # how the sentence ends
    label: str
    warns: str | None  # what Review's warning before "scale" says of it; None: no warning


SITUATIONS = [
    Situation(
        "shown safe",
        28,
        (200, 1),
        (200, 1),
        4000,
        "safe",
        "97% confidence it is no worse than the 0.3 pts tolerated (95% needed) — shown safe: the guardrail holds.",
        "No harm shown",
        None,
    ),
    Situation(
        "harm shown",
        28,
        (200, 1),
        (200, 4),
        4000,
        "harmed",
        "<1% confidence it is no worse than the 0.3 pts tolerated (95% needed) — guardrail breached: harm beyond "
        "the tolerance is shown.",
        "Guardrail breached",
        "Unsubscribe rate shows harm beyond the 0.3 pts tolerated",
    ),
    Situation(
        "early, estimate inside the tolerance",
        3,
        (100, 1),
        (100, 1),
        3000,
        "too_early",
        "8% confidence it is no worse than the 0.3 pts tolerated (95% needed) — not shown safe yet, and no harm "
        "shown so far.",
        "Too early",
        "Unsubscribe rate is not shown safe (8% confidence it stays within the 0.3 pts tolerated; 95% needed)",
    ),
    Situation(
        "early, estimate past the tolerance",
        3,
        (100, 0),
        (100, 2),
        3000,
        "too_early",
        "<1% confidence it is no worse than the 0.3 pts tolerated (95% needed) — the estimate is worse than the "
        "tolerance, though not clearly enough yet to stop the pilot.",
        "Too early",
        "Unsubscribe rate is not shown safe (<1% confidence it stays within the 0.3 pts tolerated; 95% needed)",
    ),
    Situation(  # the demo's guardrail: 94 % where 95 % is needed is not "holds"
        "plan in, 94 % where 95 % is needed",
        28,
        (110, 0.4),
        (110, 0.4),
        3000,
        "safe",
        "94% confidence it is no worse than the 0.3 pts tolerated (95% needed) — not shown safe by the planned "
        "sample, and no harm shown either: it does not stop the pilot (a guardrail stops it only on harm), but it "
        "is not proven safe.",
        "No harm shown",
        "Unsubscribe rate is not shown safe (94% confidence it stays within the 0.3 pts tolerated; 95% needed)",
    ),
]


def _evaluate(s: Situation):
    spec = PilotSpec("Email", "ab", start=START, end=START + timedelta(days=27), planned_n_per_arm=s.planned)
    observations = []
    for i in range(s.days):
        day = START + timedelta(days=i)
        observations += [
            Observation(day, "control", "reply_rate", 100, 5),
            Observation(day, "pilot", "reply_rate", 100, 6),
        ]
        observations += [
            Observation(day, "control", "unsubscribe_rate", *s.control),
            Observation(day, "pilot", "unsubscribe_rate", *s.pilot),
        ]
    return evaluate_pilot(spec, [PRIMARY, GUARD], observations)


@pytest.mark.parametrize("situation", SITUATIONS, ids=lambda s: s.name)
def test_each_guardrail_situation_says_what_the_rule_says(situation):
    evaluation = _evaluate(situation)
    guard = evaluation.verdicts[1]
    assert guard.status == situation.status
    assert guard.sentence.endswith(situation.tail), guard.sentence
    assert verdict_status_label(guard.status) == situation.label
    # "holds" and "safe" are said only of a guardrail shown safe at the confidence needed
    shown_safe = guard.reason == "safe"
    assert ("holds" in guard.sentence) == shown_safe
    assert ("shown safe:" in guard.sentence) == shown_safe
    assert (guard.confidence is not None and guard.confidence >= guard.required_confidence) == shown_safe
    warning = wording.scale_warning(evaluation.verdicts)
    if situation.warns is None:
        assert warning is None
    else:
        assert warning is not None and warning.startswith(f"Before you scale: {situation.warns}.")
        assert "stops the pilot only on harm" in warning


def test_no_guardrail_no_warning_and_every_unproven_one_is_named():
    assert wording.scale_warning([]) is None
    both = [_evaluate(SITUATIONS[2]).verdicts[1], _evaluate(SITUATIONS[4]).verdicts[1]]
    warning = wording.scale_warning(both)
    assert warning is not None and warning.count("Unsubscribe rate is not shown safe") == 2


def test_the_rule_is_said_where_a_guardrail_is_written_and_read():
    assert GUARDRAIL_RULE in ROLE_HELP["guardrail"]  # the pilot form's words for a guardrail criterion
    assert "stop only on harm" in GUARDRAIL_RULE and "does not have to be shown safe" in GUARDRAIL_RULE
    assert describe(GUARD) == (
        f"Unsubscribe rate must not get worse: rises by no more than 0.3 pts vs control ({GUARDRAIL_RULE_SHORT})"
    )
