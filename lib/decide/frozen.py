"""Evaluations read back from JSON — a decision's frozen snapshot or a stored evaluation — without recomputing.

The statistics' raw results (``result``) are not rebuilt: the report, the charts
and the pages read only the verdict's own fields.

Snapshots frozen before the pace and the reasons' codes were kept as data (format 1,
see :data:`lib.decide.verdicts.EVALUATION_FORMAT`) are brought up to date here, when
read: decisions are records and never rewritten, and a backup of an earlier
Greenlight restores its rows as they were written. This is the one place that reads
the engine's earlier words back (:func:`_earlier_pace`, :func:`_earlier_keys`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, cast

from lib import formatting as fmt
from lib.decide import wording
from lib.decide.verdicts import (
    REASON_CODES,
    CriterionVerdict,
    Pace,
    PilotEvaluation,
    ReasonCode,
    ReasonKey,
    primary_index,
)
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
_READ_APART = ("result", "counterfactual", "warnings", "pace", "pace_note_at")


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _kept_pace(raw: Mapping[str, Any], warnings: list[str]) -> tuple[Pace | None, int | None]:
    """The pace as kept (format 2); anything malformed reads as no pace, and the words stay as they are."""
    kept, at = raw.get("pace"), raw.get("pace_note_at")
    if not isinstance(kept, Mapping):
        return None, None
    try:
        pace = Pace(
            so_far=float(kept["so_far"]),
            plan=None if kept.get("plan") is None else int(kept["plan"]),
            units=str(kept["units"]),
            end=_day(kept.get("end")),
            projected=_number(kept.get("projected")),
            last_day=_day(kept.get("last_day")),
            per_day=_number(kept.get("per_day")),
        )
    except (KeyError, TypeError, ValueError):
        return None, None
    return pace, at if type(at) is int and 0 <= at < len(warnings) else None


def frozen_primary(verdicts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The frozen verdict (plain data) that stands for its pilot, by :attr:`PilotEvaluation.primary`'s rule; {} without one."""
    i = primary_index([v.get("role") for v in verdicts])
    return {} if i is None else dict(verdicts[i])


def _frozen_verdict(raw: Mapping[str, Any]) -> CriterionVerdict:
    values: dict[str, Any] = {}
    for f in dataclasses.fields(CriterionVerdict):
        if f.name in _READ_APART:
            continue
        if f.name in raw:
            values[f.name] = raw[f.name]
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            values[f.name] = _VERDICT_FALLBACKS.get(f.name)
    warnings = [str(w) for w in raw.get("warnings") or []]
    values["warnings"] = warnings
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
    kept = _kept_pace(raw, warnings) if "pace" in raw else _earlier_pace(warnings, values.get("sample_n"))
    values["pace"], values["pace_note_at"] = kept
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


# --- format 1: the pace note and the reasons were words only ---------------------------------------------------

#: the pace note as the engine wrote it then: "At today's pace it reaches about 6,800 clicks per arm by 13 Dec 2026, …"
_EARLIER_PACE = re.compile(
    r"At today's pace it reaches about (?P<projected>[\d,]+) (?P<units>.+?) per arm by "
    r"(?P<day>\d{1,2}) (?P<month>[A-Z][a-z]{2}) (?P<year>\d{4}), short of the planned (?P<plan>[\d,]+):"
)


def _earlier_pace(warnings: list[str], sample_n: Any) -> tuple[Pace | None, int | None]:
    """The pace a format-1 note said, and where it stands: what it held (the verdict's sample), the plan and
    units, the end date and the rounded projection. When and how fast it was measured went unsaid."""
    for at, note in enumerate(warnings):
        said = _EARLIER_PACE.match(note)
        if said is None or said["month"] not in fmt.MONTHS:
            continue
        try:
            end = date(int(said["year"]), fmt.MONTHS.index(said["month"]) + 1, int(said["day"]))
            so_far = float(sample_n or 0.0)
        except (TypeError, ValueError):
            continue
        plan, projected = (int(said[k].replace(",", "")) for k in ("plan", "projected"))
        return Pace(so_far, plan, said["units"], end, float(projected)), at
    return None, None


def _earlier_keys(reasons: list[str], verdicts: Sequence[CriterionVerdict]) -> list[ReasonKey]:
    """Keys for format-1 reasons: a primary's pace reason was its label and its pace note; the rest are unknown."""
    pace = {
        wording.REASON_PACE.format(label=v.label, note=v.warnings[v.pace_note_at]): v.metric
        for v in verdicts
        if v.pace_note_at is not None
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


def frozen_money(snapshot: Mapping[str, Any]) -> list[str]:
    """ "Does it pay?" as the decision froze it: the money sentence, then the projection (labelled one).

    [] for a snapshot frozen before spend was kept with the evaluation, or without spend logged: such a
    decision's report and pinned link simply have no money block.
    """
    spend = snapshot.get("spend")
    if not isinstance(spend, Mapping) or not isinstance(spend.get("sentence"), str) or not spend["sentence"]:
        return []
    projection = spend.get("projection")
    return [spend["sentence"], *([projection] if isinstance(projection, str) and projection else [])]
