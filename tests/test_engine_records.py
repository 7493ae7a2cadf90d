"""The engine's fast record makers give the very objects the frozen dataclasses' own __init__ gives."""

from __future__ import annotations

import pickle
from dataclasses import fields
from datetime import date

import pytest

from lib.decide.evidence import Evidence, new_evidence
from lib.decide.verdicts import CriterionVerdict, new_verdict
from lib.stats.before_after import CounterfactualDay, _counterfactual_day
from lib.stats.contrasts import LinearContrast

VERDICT = {
    "metric": "signup_rate",
    "role": "primary",
    "kind": "proportion",
    "comparison": "vs_control",
    "control_value": 0.1,
    "pilot_value": 0.12,
    "difference": 0.02,
    "ci_low": 0.01,
    "ci_high": 0.03,
    "relative_lift": 0.2,
    "p_value": 0.01,
    "p_value_raw": 0.002,
    "confidence": 0.99,
    "met": True,
    "status": "met",
    "sample_n": 8000.0,
    "progress": 1.0,
    "more_needed": None,
    "sentence": "Signup rate …",
    "warnings": ["a note"],
    "label": "Signup rate",
}
EVIDENCE = {
    "contrast": LinearContrast(0.02, 0.005),
    "scale": "difference",
    "fraction": None,
    "mixture_n": 16000.0,
    "mixture_tuning": 1000.0,
    "sample_n": 8000.0,
    "units": "visitors",
    "per_arm": True,
    "date_based": False,
    "method": "agresti_caffo",
    "warnings": ("a note",),
}


def test_new_verdict_is_the_verdict_init_makes():
    made, fast = CriterionVerdict(**VERDICT), new_verdict(**VERDICT)
    assert fast == made and repr(fast) == repr(made) and fast.to_dict() == made.to_dict()
    assert list(vars(fast)) == [f.name for f in fields(CriterionVerdict)] == list(vars(made))
    assert pickle.loads(pickle.dumps(fast)) == made
    # each verdict gets its own default lists
    assert new_verdict(**VERDICT).adjusted_for is not fast.adjusted_for


def test_new_evidence_is_the_evidence_init_makes():
    made, fast = Evidence(**EVIDENCE), new_evidence(**EVIDENCE)
    assert fast == made and repr(fast) == repr(made)
    assert list(vars(fast)) == [f.name for f in fields(Evidence)] == list(vars(made))
    assert fast.updated(progress=0.5) == made.updated(progress=0.5)


@pytest.mark.parametrize(
    ("maker", "values", "message"),
    [
        (new_verdict, {**VERDICT, "nonsense": 1}, "CriterionVerdict has no field 'nonsense'."),
        (new_verdict, {k: v for k, v in VERDICT.items() if k != "status"}, "CriterionVerdict needs 'status'."),
        (new_evidence, {**EVIDENCE, "nonsense": 1}, "Evidence has no field 'nonsense'."),
        (new_evidence, {k: v for k, v in EVIDENCE.items() if k != "units"}, "Evidence needs 'units'."),
    ],
)
def test_a_wrong_field_is_refused_by_name(maker, values, message):
    with pytest.raises(TypeError) as refused:
        maker(**values)
    assert str(refused.value) == message


def test_a_counterfactual_day_made_fast_is_the_same_day():
    args = (date(2026, 11, 2), 41.0, 39.5, 36.0, 43.0, True)
    assert _counterfactual_day(*args) == CounterfactualDay(*args)
    assert repr(_counterfactual_day(*args)) == repr(CounterfactualDay(*args))
