"""Orchestration: observations -> evidence -> judgements -> the pilot's recommendation.

The maths lives in :mod:`lib.stats` (contrasts, boundaries, the before/after
model), the policy in :mod:`lib.decide.rules`, the words in
:mod:`lib.decide.wording`; this module only wires them, once per criterion.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import cast

from lib import formatting as fmt
from lib.decide import evidence as evid
from lib.decide import logged, market, money, progress, rules, wording
from lib.decide import units as per_unit
from lib.decide.evidence import Evidence
from lib.decide.verdicts import CriterionVerdict, PilotEvaluation, ReasonCode, ReasonKey, new_verdict, primary_index
from lib.specs import DESIGNS, CriterionSpec, Observation, PilotSpec, UnitObservation
from lib.stats.multiple import ADJUST_METHODS, srm_pvalue
from lib.vocabulary import SPEND_METRIC, metric_label

#: a sample-ratio-mismatch p-value below this flags a broken split
SRM_THRESHOLD = 0.001

#: one reason for the recommendation: what it says, as data, and its words
Said = tuple[ReasonKey, str]


def _say(code: ReasonCode, text: str, metric: str | None = None) -> Said:
    return ReasonKey(code, metric), text


def _evidence(
    crit: CriterionSpec,
    pilot: PilotSpec,
    data: logged.Data,
    last_day: date | None,
    units: Mapping[str, str] | None,
    plan_kind: str | None,
    unit_rows: Mapping[str, list[UnitObservation]] | None = None,
    as_of: date | None = None,
) -> Evidence:
    unit = (units or {}).get(crit.metric) or wording.UNITS_DEFAULT.get(crit.kind, "visitors")
    arms = data.get(crit.metric, {})
    rows = (unit_rows or {}).get(crit.metric)
    if money.is_money(crit):
        spend = data.get(SPEND_METRIC, {})
        return progress.with_progress(
            money.money_evidence(crit, pilot, arms, spend, unit), pilot, last_day, plan_applies=crit.kind == plan_kind
        )
    per_ab = pilot.design == "ab" and crit.comparison == "vs_control" and per_unit.applies(pilot, rows or ())
    per_target = crit.comparison == "vs_target" and bool(pilot.unit)  # units split: a target is held per unit too
    if rows and (per_ab or per_target):
        until = per_unit.covered_until(rows, last_day)  # a weekly row speaks for its week, up to the look
        until = min(until, as_of) if until is not None and as_of is not None else until
        ev = (
            per_unit.unit_target_evidence(crit, pilot, rows)
            if per_target
            else per_unit.unit_evidence(crit, pilot, rows)
        )
        return per_unit.with_unit_progress(ev, pilot, until)
    try:
        if crit.comparison == "vs_target":
            ev = evid.target_evidence(crit, pilot, arms, unit)
        elif crit.comparison == "vs_baseline":
            ev = evid.periods_evidence(crit, pilot, arms, last_day)
        else:
            ev = evid.ab_evidence(crit, pilot, arms, unit)
    except (ValueError, ZeroDivisionError, ArithmeticError) as exc:
        ev = Evidence(
            contrast=None,
            scale="difference",
            fraction=None,
            mixture_n=0,
            mixture_tuning=1000,
            sample_n=0,
            units=unit,
            per_arm=False,
            date_based=False,
            method="error",
            error=str(exc),
            warnings=(wording.REASON_ERROR.format(label=metric_label(crit.metric), error=exc),),
        )
    if not arms:
        ev = ev.with_warning(wording.NO_CRITERION_DATA)
    return progress.with_progress(ev, pilot, last_day, plan_applies=crit.kind == plan_kind)


def _levels(
    evals: list[tuple[CriterionSpec, Evidence]], primaries: set[int], multiple_testing: str
) -> list[rules.Levels]:
    """Split the error budget of each "any one of k stops it" path across its k criteria."""
    plan = tuple((crit.role, crit.confidence) for crit, _ in evals)
    return list(_levels_of(plan, tuple(sorted(primaries)), multiple_testing != "none"))


@lru_cache(maxsize=256)
def _levels_of(
    plan: tuple[tuple[str, float], ...], primaries: tuple[int, ...], split: bool
) -> tuple[rules.Levels, ...]:
    """:func:`_levels` kept per plain plan (each criterion's role and confidence, which are primaries, split or not):
    a portfolio's pilots share a handful of plans."""
    k_primary = max(len(primaries), 1)
    k_guard = max(sum(1 for role, _ in plan if role == "guardrail"), 1)
    out = []
    for i, (role, confidence) in enumerate(plan):
        alpha = 1.0 - confidence if 0.0 < confidence < 1.0 else 0.05
        if role == "guardrail":
            out.append(rules.Levels(alpha, alpha / k_guard if split else alpha, None))
        elif i in primaries:
            k = k_primary if split else 1
            out.append(rules.Levels(alpha, alpha / k, rules.gs.FUTILITY_BETA / k))
        else:
            out.append(rules.Levels(alpha, alpha, rules.gs.FUTILITY_BETA))
    return tuple(out)


def evaluate_pilot(
    pilot: PilotSpec,
    criteria: Sequence[CriterionSpec],
    observations: Sequence[Observation],
    *,
    as_of: date | None = None,
    multiple_testing: str = "holm",
    sequential: bool = True,
    units: Mapping[str, str] | None = None,
    unit_observations: Sequence[UnitObservation] = (),
    currency: str = "",
) -> PilotEvaluation:
    """Judge every criterion and recommend scale, iterate, keep running or abort.

    The defaults are exactly what the app does: sequential bounds valid under
    daily looks, futility against each criterion's ``expected`` effect, and the
    error budget of "any one criterion stops it" paths split between those
    criteria (``multiple_testing="none"`` turns the split off; any other
    accepted value — "holm", "bh", "bonferroni" — splits it). ``as_of``
    ignores observations after that day (to replay a past review).
    ``sequential=False`` judges a single look at the end (fixed-sample) for
    analysts who look once. ``units`` names the unit per metric for the
    sentences (``{"reply_rate": "contacts"}``). ``unit_observations``: for
    pilots that split units (``pilot.unit``), each unit's rows; its A/B
    criteria are then judged per unit, adjusted for what was known before
    (:mod:`lib.decide.units`). ``currency``: the symbol money criteria's
    sentences write (:mod:`lib.decide.money`; the workspace's setting). Never raises on degenerate
    data: a criterion that cannot be evaluated says why in its warnings.
    """
    if multiple_testing not in ADJUST_METHODS:
        raise ValueError(f"multiple_testing must be one of {', '.join(ADJUST_METHODS)}; got {multiple_testing!r}.")
    if pilot.design == "market":  # test markets against a synthetic control: lib.decide.market
        return market.evaluate_market(pilot, criteria, unit_observations, as_of=as_of)
    metrics = {c.metric for c in criteria} | ({SPEND_METRIC} if any(money.is_money(c) for c in criteria) else set())
    data, last_day = logged.aggregate(observations, metrics, as_of)
    unit_rows, last_day = per_unit.by_metric(unit_observations, {c.metric for c in criteria}, as_of, last_day)
    horizon = as_of if as_of is not None else last_day
    # the planned sample is counted in the primary criterion's units
    first = primary_index([c.role for c in criteria])
    plan_kind = None if first is None else criteria[first].kind
    evals = [(c, _evidence(c, pilot, data, horizon, units, plan_kind, unit_rows, as_of)) for c in criteria]
    primary_idx = {i for i, (c, _) in enumerate(evals) if c.role == "primary"}
    reasons: list[Said] = []
    if pilot.design not in DESIGNS:
        reasons.append(_say("unknown_design", wording.UNKNOWN_DESIGN.format(design=pilot.design)))
    if not primary_idx and evals:
        primary_idx = {i for i, (c, _) in enumerate(evals) if c.role == "secondary"}
        if primary_idx:
            reasons.append(_say("no_primary", wording.REASON_NO_PRIMARY))
    levels = _levels(evals, primary_idx, multiple_testing)
    judged = [rules.judge(c, ev, lv, sequential=sequential) for (c, ev), lv in zip(evals, levels, strict=True)]
    verdicts = [
        _verdict(c, ev, j, lv, sequential, currency) for (c, ev), j, lv in zip(evals, judged, levels, strict=True)
    ]

    split = _split_check(pilot, criteria, data)
    by_role = {
        "primary": [judged[i].status for i in sorted(primary_idx)],
        "guardrail": [j.status for (c, _), j in zip(evals, judged, strict=True) if c.role == "guardrail"],
    }
    errors = [(c, ev) for c, ev in evals if ev.error is not None]
    recommendation, code = rules.recommend(
        by_role, has_criteria=bool(evals), has_data=last_day is not None, srm=split.flag, errors=bool(errors)
    )
    primaries = [(evals[i], judged[i], verdicts[i]) for i in sorted(primary_idx)]
    reasons = _reasons(recommendation, code, reasons, evals, judged, verdicts, primaries, split, errors)
    if last_day is not None and evals:
        if sequential:
            alpha = min(lv.alpha_pass for lv in levels)
            reasons.append(_say("sequential", _sequential_reason(alpha)))
        k_any = [
            (len(primary_idx), "a primary missed or futile"),
            (by_role["guardrail"].__len__(), "a guardrail harmed"),
        ]
        for k, which in k_any:
            if k > 1 and multiple_testing != "none":
                reasons.append(_say("corrected", wording.REASON_CORRECTED.format(k=k, which=which)))
    observational = pilot.design == "before_after" or any(c.comparison == "vs_baseline" for c in criteria)
    if observational and last_day is not None:
        reasons.append(_say("observational", wording.REASON_OBSERVATIONAL))
    said: dict[str, ReasonKey] = {}
    for key, text in reasons:  # the same words once, where they first came
        said.setdefault(text, key)
    return PilotEvaluation(
        pilot=pilot.name,
        recommendation=recommendation,
        reasons=list(said),
        reason_keys=list(said.values()),
        verdicts=verdicts,
        srm_p_value=split.p_value,
        srm_flag=split.flag,
        design=pilot.design,
        as_of=as_of,
        sequential=sequential,
        multiple_testing=multiple_testing,
    )


@lru_cache(maxsize=64)
def _sequential_reason(alpha: float) -> str:
    """The words of the "sequential" reason, kept per level (a few levels, said on every evaluation)."""
    return wording.REASON_SEQUENTIAL.format(alpha=fmt.pct(alpha, 0))


def _reasons(recommendation, code, reasons, evals, judged, verdicts, primaries, split, errors) -> list[Said]:
    out: list[Said] = list(reasons)
    if code in ("no_data", "keep_running"):
        out.insert(0, _say(code, wording.REASON[code]))
    elif code in wording.REASON and code != "srm":
        out.append(_say(cast(ReasonCode, code), wording.REASON[code]))
    if recommendation == "abort":
        out = [r for r in out if r[0].code != "abort"]
        for (c, _), j, v in zip(evals, judged, verdicts, strict=True):
            if c.role == "guardrail" and j.status == "harmed":
                out.append(_say("harmed", wording.REASON_HARMED.format(label=v.label), v.metric))
        for _, j, v in primaries:
            if j.status == "missed":
                out.append(_say("missed", wording.REASON_MISSED.format(label=v.label), v.metric))
            elif j.status == "futile":
                out.append(_say("futile", wording.REASON_FUTILE.format(label=v.label), v.metric))
        out.append(_say("abort", wording.REASON["abort"]))
    elif code == "srm":
        text = wording.REASON["srm"].format(
            control=fmt.number(split.control_n), pilot=fmt.number(split.pilot_n), p=fmt.p_phrase(split.p_value)
        )
        out.append(_say("srm", text))
    elif recommendation == "scale":
        out.extend(
            _say("met", wording.REASON_MET.format(label=v.label, confidence=fmt.confidence(v.confidence)), v.metric)
            for _, _, v in primaries
        )
    elif code == "keep_running":
        for (_, ev), j, v in primaries:
            if j.status != "too_early":
                continue
            if v.progress is not None:
                text = wording.REASON_PROGRESS.format(label=v.label, progress=fmt.pct(v.progress, 0))
                out.append(_say("progress", text, v.metric))
            if v.more_needed:
                per_arm = " per arm" if ev.per_arm and v.more_needed_unit != wording.UNITS_DAYS else ""
                text = wording.REASON_MORE.format(
                    label=v.label, more=fmt.about(v.more_needed), units=v.more_needed_unit or ev.units, per_arm=per_arm
                )
                out.append(_say("more_needed", text, v.metric))
    elif recommendation == "iterate":
        met = [v.label for v in verdicts if v.status == "met"]
        unclear = [v.label for _, _, v in primaries if v.status != "met"]
        parts = []
        if met:
            parts.append(f"{', '.join(met)} met")
        if unclear:
            parts.append(f"{', '.join(unclear)} not clear")
        summary = "; ".join(parts) if parts else wording.REASON_ITERATE_NOTHING_MET
        out.insert(0, _say("iterate", wording.REASON_ITERATE.format(summary=summary)))
    for c, ev in errors:
        out.append(_say("error", wording.REASON_ERROR.format(label=metric_label(c.metric), error=ev.error), c.metric))
    for _, _, v in primaries:  # what the meeting must hear about a primary, beside the verdict
        if v.pace_note_at is not None:
            note = v.warnings[v.pace_note_at]
            out.append(_say("pace", wording.REASON_PACE.format(label=v.label, note=note), v.metric))
    return out


def _verdict(
    crit: CriterionSpec, ev: Evidence, j: rules.Judgement, levels: rules.Levels, sequential: bool, currency: str = ""
) -> CriterionVerdict:
    warnings = list(dict.fromkeys(ev.warnings))
    pace_note = wording.pace_note(ev.pace, None) if ev.pace is not None else None  # as of the last day counted
    pace_note_at = None
    if pace_note is not None:
        pace_note_at = len(warnings)
        warnings.append(pace_note)
    if sequential and ev.fraction is None and ev.contrast is not None:
        warnings.append(wording.NO_PLAN)
    if not sequential:
        warnings.append(wording.FIXED_SAMPLE)
    more, more_unit = (ev.more_needed, ev.more_unit) if j.status == "too_early" else (None, None)
    if j.status == "too_early" and ev.fraction is None and ev.contrast is not None:
        point, side = rules.pass_point(crit, ev)
        z = side * ev.contrast.z(point)
        more = rules.more_if_estimate_holds(ev, z, levels.alpha_pass) if sequential else None
        more_unit = ev.units if more else None
    placebo = None
    if j.placebo is not None and j.placebo[1]:
        placebo = wording.PLACEBO_NOTE.format(count=j.placebo[1], as_large=_count_word(j.placebo[0]))
        warnings.append(placebo)
    lift = ev.relative_lift
    rel_low = j.ci_low if ev.scale == "lift" else None
    rel_high = j.ci_high if ev.scale == "lift" else None
    step = ev.step
    verdict = new_verdict(
        metric=crit.metric,
        role=crit.role,
        kind=crit.kind,
        comparison=crit.comparison,
        control_value=ev.control_value,
        pilot_value=ev.pilot_value,
        difference=ev.difference,
        ci_low=j.ci_low,
        ci_high=j.ci_high,
        relative_lift=lift,
        p_value=j.p_value,
        p_value_raw=j.p_value_raw,
        confidence=j.confidence,
        met=j.met,
        status=j.status,
        sample_n=ev.sample_n,
        progress=ev.progress,
        more_needed=more,
        sentence=_sentence(crit, ev, j, more, more_unit, currency),
        warnings=list(dict.fromkeys(warnings)),
        label=metric_label(crit.metric),
        threshold=crit.threshold,
        threshold_type=crit.threshold_type,
        direction=crit.direction,
        required_confidence=crit.confidence,
        more_needed_unit=more_unit,
        relative_ci_low=rel_low,
        relative_ci_high=rel_high,
        adjusted_difference=step.estimate if step is not None else None,
        adjusted_ci_low=j.ci_low if step is not None else None,
        adjusted_ci_high=j.ci_high if step is not None else None,
        method=ev.method,
        interval_scale=ev.scale,
        p_value_tests=money.p_value_tests(crit) if money.is_money(crit) else wording.p_value_tests(crit),
        expected=crit.expected,
        reason=j.reason,
        placebo=placebo,
        counterfactual=ev.counterfactual,
        standard_error=_standard_error(ev),
        pace=ev.pace,
        pace_note_at=pace_note_at,
        extra_outcome=ev.extra[0] if ev.extra is not None else None,
        extra_spend=ev.extra[1] if ev.extra is not None else None,
        outcome_noun=money.noun(crit) if money.is_money(crit) else "",
    )
    if ev.adjustment is None:
        return verdict
    return replace(verdict, **per_unit.verdict_fields(crit, ev, levels, sequential))


def _standard_error(ev: Evidence) -> float | None:
    """Half the width of the effect's ±1 (normal-equivalent) standard-error interval, on the evidence's scale."""
    if ev.contrast is None:
        return None
    low, high = ev.contrast.lower(1.0), ev.contrast.upper(1.0)
    if low is None or high is None or not math.isfinite(high - low) or high <= low:
        return None
    return (high - low) / 2


def _count_word(n: int) -> str:
    return "none" if n == 0 else fmt.number(n)


def _tail(
    crit: CriterionSpec, ev: Evidence, j: rules.Judgement, more: int | None, more_unit: str | None, currency: str = ""
) -> str:
    if j.reason == "futile":
        expected = money.expected_text(crit, currency) if money.is_money(crit) else wording.expected_text(crit)
        return wording.TAIL_FUTILE.format(expected=expected)
    if j.reason == "placebo" and j.placebo is not None:
        return wording.TAIL_PLACEBO.format(as_large=j.placebo[0], count=j.placebo[1])
    if j.reason in ("first_week", "unbounded"):
        return wording.TAIL[j.reason]
    if j.status == "too_early" and crit.role != "guardrail" and more:
        per_arm = " per arm" if ev.per_arm and more_unit != wording.UNITS_DAYS else ""
        template = wording.TAIL_MORE if ev.fraction is not None else wording.TAIL_MORE_IF_HOLDS
        return template.format(more=fmt.about(more), units=more_unit or ev.units, per_arm=per_arm)
    if crit.role == "guardrail":
        past = False
        if ev.contrast is not None:
            point, side = rules.pass_point(crit, ev)
            past = side * ev.contrast.z(point) < 0
        return wording.guardrail_tail(j.reason, past)
    return wording.TAIL.get(j.reason, wording.TAIL["too_early"])


def _sentence(
    crit: CriterionSpec,
    ev: Evidence,
    j: rules.Judgement,
    more: int | None,
    more_unit: str | None,
    currency: str = "",
) -> str:
    name = metric_label(crit.metric)
    if money.is_money(crit):
        tail = _tail(crit, ev, j, more, more_unit, currency)
        return money.sentence(crit, ev, j.ci_low, j.ci_high, j.confidence, tail, currency)
    if ev.error is not None:
        return wording.SENTENCE_ERROR.format(label=name, error=ev.error)
    if ev.pilot_value is None and ev.control_value is None:
        return wording.SENTENCE_NO_DATA.format(label=name)
    bounds = wording.BOUNDS.format(
        level=wording.level_words(crit.confidence), ci=fmt.effect_range(crit.kind, ev.scale, j.ci_low, j.ci_high)
    )
    tail = _tail(crit, ev, j, more, more_unit)
    confidence = wording.confidence_clause(crit, j.confidence)
    if crit.comparison == "vs_target":
        if ev.pilot_value is None:
            return wording.SENTENCE_NO_DATA.format(label=name)
        gap = ev.pilot_value - crit.threshold
        side = wording.SIDE[(gap > 0) - (gap < 0)]
        return wording.SENTENCE_TARGET.format(
            label=name,
            value=wording.value(crit.kind, ev.pilot_value),
            bounds=bounds,
            n=fmt.number(ev.sample_n),
            units=ev.units,
            side=side,
            target=wording.threshold_text(crit, as_target=True),
            confidence=confidence,
            tail=tail,
        )
    effect = fmt.effect(crit.kind, ev.scale, ev.relative_lift if ev.scale == "lift" else ev.difference)
    if crit.comparison == "vs_baseline":
        return wording.SENTENCE_PERIODS.format(
            label=name,
            pilot=wording.value(crit.kind, ev.pilot_value),
            control=wording.value(crit.kind, ev.control_value),
            effect=effect,
            bounds=bounds,
            n=fmt.number(ev.pilot_days),
            confidence=confidence,
            tail=tail,
        )
    return wording.SENTENCE_AB.format(
        label=name,
        pilot=wording.value(crit.kind, ev.pilot_value),
        control=wording.value(crit.kind, ev.control_value),
        effect=effect,
        bounds=bounds,
        sample=wording.arm_sample(ev.arm_n, ev.arm_names, ev.sample_n, ev.units),
        confidence=confidence,
        tail=tail,
    )


@dataclass(frozen=True)
class SplitCheck:
    """The sample-ratio check and the very counts it was computed from."""

    p_value: float | None = None
    flag: bool = False
    control_n: float = 0.0
    pilot_n: float = 0.0


def _split_check(pilot: PilotSpec, criteria: Sequence[CriterionSpec], data: logged.Data) -> SplitCheck:
    if pilot.design != "ab" or pilot.unit:  # units (stores) are few and split by hand: no ratio check on rows
        return SplitCheck()
    candidates = [c for c in criteria if c.comparison == "vs_control" and c.kind == "proportion"]
    candidates += [c for c in criteria if c.comparison == "vs_control" and c.kind == "mean"]
    for crit in candidates:
        arms = data.get(crit.metric, {})
        control, treat = arms.get(pilot.control_arm), arms.get(pilot.pilot_arm)
        if control is None or treat is None:
            continue
        n_control, n_pilot = control.n, treat.n
        if n_control <= 0 or n_pilot <= 0:
            continue
        try:
            p = srm_pvalue([n_control, n_pilot])
        except ValueError:
            continue
        return SplitCheck(p, p < SRM_THRESHOLD, n_control, n_pilot)
    return SplitCheck()
