"""Evidence.updated: the engine's fast copy must be what dataclasses.replace would give."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lib.decide.evidence import Evidence
from lib.stats.contrasts import LinearContrast


def _evidence() -> Evidence:
    return Evidence(
        contrast=LinearContrast(1.5, 0.5, 30.0),
        scale="difference",
        fraction=None,
        mixture_n=60.0,
        mixture_tuning=30.0,
        sample_n=30.0,
        units="days",
        per_arm=False,
        date_based=True,
        method="welch_days",
        warnings=("first",),
    )


def test_updated_equals_replace_and_leaves_the_original_alone():
    ev = _evidence()
    changes = {"fraction": 0.4, "progress": 0.4, "ended": True, "more_needed": 12, "more_unit": "days"}
    copy = ev.updated(**changes)
    assert copy == replace(ev, **changes)
    assert hash(copy) == hash(replace(ev, **changes))
    assert (ev.fraction, ev.ended, ev.more_needed) == (None, False, None)
    assert ev.with_warning("second").warnings == ("first", "second")
    assert ev.warnings == ("first",)


def test_updated_refuses_a_field_evidence_does_not_have():
    with pytest.raises(TypeError, match="no field 'fractoin'"):
        _evidence().updated(fractoin=0.4)
