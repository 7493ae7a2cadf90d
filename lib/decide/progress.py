"""How far each criterion is through its plan: information fraction, progress, what is still needed."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

from lib.decide import wording
from lib.decide.evidence import Evidence
from lib.decide.logged import elapsed_fraction
from lib.decide.verdicts import Pace, PilotEvaluation, ReasonKey
from lib.specs import PilotSpec
from lib.stats.contrasts import FiellerRatio, LinearContrast, RatioContrast, SkewedContrast


def with_progress(ev: Evidence, pilot: PilotSpec, last_day: date | None, *, plan_applies: bool = True) -> Evidence:
    """Information fraction, progress, what is still needed and whether the plan has ended.

    The planned sample counts the primary criterion's units (people); a
    criterion counted in other units (orders behind an average) measures its
    progress by the calendar instead (``plan_applies`` False).
    """
    plan = pilot.planned_n_per_arm if plan_applies else None
    ended = pilot.end is not None and last_day is not None and last_day >= pilot.end
    if ev.step is not None:
        total = pilot.planned_days
        more = None if total is None else max(total - ev.pilot_days, 0)
        progress = None if total is None else min(ev.pilot_days / total, 1.0)
        return ev.updated(
            progress=progress,
            ended=ended or (ev.fraction or 0) >= 1,
            more_needed=more or None,
            more_unit=wording.UNITS_DAYS if more else None,
        )
    if not ev.date_based and plan:
        if (
            ev.per_arm
            and ev.contrast is not None
            and isinstance(ev.contrast, (LinearContrast, RatioContrast, SkewedContrast, FiellerRatio))
        ):
            fraction = _ab_fraction(ev, plan)
        else:
            fraction = ev.sample_n / plan
        more = int(math.ceil(plan - ev.sample_n)) if ev.sample_n < plan else None
        changes: dict[str, object] = {
            "fraction": fraction if ev.sample_n > 0 else None,
            "progress": ev.sample_n / plan,
            "ended": ended or ev.sample_n >= plan,
            "more_needed": more,
            "more_unit": ev.units if more else None,
        }
        # where today's pace takes the planned sample by the end date (a plan already in is never short of it)
        if pilot.start is not None and last_day is not None:
            changes["pace"] = measure_pace(ev.sample_n, plan, ev.units, pilot.start, last_day, pilot.end)
        return ev.updated(**changes)
    elapsed = elapsed_fraction(pilot, last_day)
    if elapsed is not None:
        total = pilot.planned_days or 0
        more = total - round(elapsed * total)
        return ev.updated(
            fraction=elapsed if elapsed > 0 else None,
            progress=elapsed,
            ended=ended or elapsed >= 1,
            more_needed=more or None,
            more_unit=wording.UNITS_DAYS if more else None,
        )
    return ev.updated(ended=ended)


def _ab_fraction(ev: Evidence, plan: int) -> float:
    """Information so far over planned: ``(2 / N) / (1 / n_c + 1 / n_p)`` for two arms."""
    n_small = ev.sample_n
    n_total = ev.mixture_n
    n_large = n_total - n_small
    if n_small <= 0 or n_large <= 0:
        return 0.0
    return (2.0 / plan) / (1.0 / n_small + 1.0 / n_large)


def measure_pace(
    so_far: float, plan: int | None, units: str, start: date, last_day: date, end: date | None
) -> Pace | None:
    """The average daily pace since ``start``, carried forward in a straight line: the one projection that the
    engine's pace note and the progress chart share. None before the start."""
    if last_day < start:
        return None
    per_day = so_far / ((last_day - start).days + 1)
    projected = None if end is None or last_day >= end else so_far + per_day * (end - last_day).days
    return Pace(so_far, plan, units, end, projected, last_day, per_day)


def past_end(evaluation: PilotEvaluation, end: date | None, today: date) -> PilotEvaluation:
    """Once the end date has passed, a pace note reads as what the pilot holds against its plan.

    The engine does not know today (kept evaluations are reused until the data change), so its
    "reaches about 1,200 … by 1 Dec" may be read after 1 Dec: the reader, who knows today, asks
    for this. Wording only: the recommendation and every status stay as they are. The note is said
    again from the verdict's ``pace``, where ``pace_note_at`` says it stands; its reason is found by key.
    """
    if end is None or end >= today:
        return evaluation
    swaps: dict[ReasonKey, str] = {}
    verdicts = []
    for v in evaluation.verdicts:
        note = wording.pace_note(v.pace, today, end=end) if v.pace is not None else None
        if note is None or v.pace_note_at is None:
            verdicts.append(v)
            continue
        notes = list(v.warnings)
        notes[v.pace_note_at] = note
        swaps[ReasonKey("pace", v.metric)] = wording.REASON_PACE.format(label=v.label, note=note)
        verdicts.append(replace(v, warnings=notes))
    if not swaps:
        return evaluation
    reasons = [swaps.get(key, r) for key, r in zip(evaluation.reason_keys, evaluation.reasons, strict=True)]
    return replace(evaluation, reasons=reasons, verdicts=verdicts)
