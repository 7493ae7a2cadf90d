"""Evaluations read back from JSON — a decision's frozen snapshot or a stored evaluation — without recomputing.

The statistics' raw results (``result``) are not rebuilt: the report, the charts
and the pages read only the verdict's own fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from lib.decide.verdicts import CriterionVerdict, PilotEvaluation, primary_index
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


def frozen_primary(verdicts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The frozen verdict (plain data) that stands for its pilot, by :attr:`PilotEvaluation.primary`'s rule; {} without one."""
    i = primary_index([v.get("role") for v in verdicts])
    return {} if i is None else dict(verdicts[i])


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


def evaluation_from_snapshot(snapshot: Mapping[str, Any]) -> PilotEvaluation:
    """The evaluation a decision froze (``Decision.snapshot_json``: ``{"evaluation": …, "method_version": …}``)."""
    data = snapshot.get("evaluation") or {}
    as_of = data.get("as_of")
    return PilotEvaluation(
        pilot=str(data.get("pilot") or ""),
        recommendation=str(data.get("recommendation") or "keep_running"),
        reasons=[str(r) for r in data.get("reasons") or []],
        verdicts=[_frozen_verdict(v) for v in data.get("verdicts") or []],
        srm_p_value=data.get("srm_p_value"),
        srm_flag=bool(data.get("srm_flag")),
        design=str(data.get("design") or "ab"),
        as_of=date.fromisoformat(str(as_of)[:10]) if as_of else None,
        sequential=bool(data.get("sequential", True)),
        multiple_testing=str(data.get("multiple_testing") or "holm"),
        method_version=str(snapshot.get("method_version") or data.get("method_version") or ""),
    )
