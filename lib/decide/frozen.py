"""Evaluations read back from JSON — a decision's frozen snapshot or a stored evaluation — without recomputing.

The statistics' raw results (``result``) are not rebuilt: the report, the charts
and the pages read only the verdict's own fields.

Snapshots frozen before the reasons carried codes are read as they were written
(:func:`_earlier_keys`): decisions are records, never rewritten, and a backup
of an earlier Greenlight restores its rows as they are.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, cast

from lib.decide.verdicts import REASON_CODES, CriterionVerdict, PilotEvaluation, ReasonCode, ReasonKey
from lib.stats.before_after import CounterfactualDay

# What a verdict frozen before a field existed gets instead (older snapshots lack some fields).
_VERDICT_FALLBACKS: dict[str, Any] = {
    "metric": "",
    "role": "primary",
    "kind": "proportion",
    "comparison": "vs_control",
    "status": "inconclusive",
    "sample_n": 0.0,
    "sentence": "",
}


def _frozen_verdict(raw: Mapping[str, Any]) -> CriterionVerdict:
    values: dict[str, Any] = {}
    for f in dataclasses.fields(CriterionVerdict):
        if f.name in ("result", "counterfactual", "warnings"):
            continue
        if f.name in raw:
            values[f.name] = raw[f.name]
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            values[f.name] = _VERDICT_FALLBACKS.get(f.name)
    values["warnings"] = [str(w) for w in raw.get("warnings") or []]
    values["counterfactual"] = tuple(
        CounterfactualDay(
            day=date.fromisoformat(str(c["day"])[:10]),
            observed=c["observed"],
            expected=c["expected"],
            low=c["low"],
            high=c["high"],
            in_pilot=bool(c["in_pilot"]),
        )
        for c in raw.get("counterfactual") or []
    )
    return CriterionVerdict(**values)


def _key(raw: Any) -> ReasonKey:
    code = raw.get("code") if isinstance(raw, Mapping) else None
    metric = raw.get("metric") if isinstance(raw, Mapping) else None
    known = cast(ReasonCode, code) if code in REASON_CODES else "unknown"
    return ReasonKey(known, str(metric) if metric is not None else None)


def _reason_keys(data: Mapping[str, Any], reasons: list[str], verdicts: Sequence[CriterionVerdict]) -> list[ReasonKey]:
    raw = data.get("reason_keys")
    if isinstance(raw, list) and len(raw) == len(reasons):
        return [_key(k) for k in raw]
    return _earlier_keys(reasons, verdicts)


# --- snapshots frozen before reasons carried codes (their pace note was words only) ----------------------------

#: the pace note as the engine wrote it then: "At today's pace it reaches about 6,800 clicks per arm by 13 Dec 2026, …"
_EARLIER_PACE = re.compile(
    r"At today's pace it reaches about (?P<projected>[\d,]+) (?P<units>.+?) per arm by "
    r"(?P<end>\d{1,2} \w{3} \d{4}), short of the planned (?P<plan>[\d,]+):"
)


def _earlier_keys(reasons: list[str], verdicts: Sequence[CriterionVerdict]) -> list[ReasonKey]:
    """Keys for reasons kept as words only: a primary's pace reason was its label and its pace note, the rest unknown."""
    pace = {
        f"{v.label}: {note}": v.metric for v in verdicts for note in v.warnings if _EARLIER_PACE.match(note) is not None
    }
    return [ReasonKey("pace", pace[r]) if r in pace else ReasonKey("unknown") for r in reasons]


def evaluation_from_snapshot(snapshot: Mapping[str, Any]) -> PilotEvaluation:
    """The evaluation a decision froze (``Decision.snapshot_json``: ``{"evaluation": …, "method_version": …}``)."""
    data = snapshot.get("evaluation") or {}
    as_of = data.get("as_of")
    reasons = [str(r) for r in data.get("reasons") or []]
    verdicts = [_frozen_verdict(v) for v in data.get("verdicts") or []]
    return PilotEvaluation(
        pilot=str(data.get("pilot") or ""),
        recommendation=str(data.get("recommendation") or "keep_running"),
        reasons=reasons,
        reason_keys=_reason_keys(data, reasons, verdicts),
        verdicts=verdicts,
        srm_p_value=data.get("srm_p_value"),
        srm_flag=bool(data.get("srm_flag")),
        design=str(data.get("design") or "ab"),
        as_of=date.fromisoformat(str(as_of)[:10]) if as_of else None,
        sequential=bool(data.get("sequential", True)),
        multiple_testing=str(data.get("multiple_testing") or "holm"),
        method_version=str(snapshot.get("method_version") or data.get("method_version") or ""),
    )
