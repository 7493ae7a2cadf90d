"""One pilot's page: where it stands, each criterion as a card, the warnings that qualify it.

Everything the Pilot page shows is decided here, so the page only lays it out
and a link pasted in chat (``?pilot=ID``) shows the same thing to everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from lib import formatting as fmt
from lib.decide import CriterionVerdict, wording
from lib.infra.models import Pilot
from lib.report import caveats
from lib.report.pilot_report import bounds_text, estimate_text
from lib.services import audit, designer, settings
from lib.services.evaluation import evaluate
from lib.services.headline import Headline, headline_for, state_of
from lib.services.pilots import criteria_for, find_pilot, pilot_spec
from lib.services.reporting import PilotBundle, pilot_bundle
from lib.vocabulary import metric_label, verdict_status_label


@dataclass(frozen=True)
class CriterionCard:
    title: str  # "Reply rate · primary"
    status: str  # words
    met: bool | None
    estimate: str  # "6.1% vs 5.0% (+1.1 pts)"
    interval: str  # "+0.2 to +2.0 pts (95% bounds)"
    confidence: str  # "93% that it is met (needs 95%)"
    progress: float | None  # 0..1 of the planned sample
    progress_text: str
    plan_text: str | None  # what the plan can do for this criterion
    sentence: str
    logged: bool = True  # False: no value to read yet (the card says so instead of "— vs — (—)")


@dataclass(frozen=True)
class PilotPage:
    pilot: Pilot
    state: str  # running / ended — awaiting a decision / decided / planned / idea
    bundle: PilotBundle | None  # None before the pilot has started (nothing to evaluate or draw)
    cards: list[CriterionCard]
    warnings: list[str]
    changes: list[audit.CriteriaChange]
    headline: Headline  # the one headline lib.cli evaluate prints too


def _estimate(v: CriterionVerdict) -> str:
    if v.pilot_value is None and v.control_value is None:
        return "nothing logged yet"
    rate = v.kind == "proportion"
    value = fmt.pct if rate else fmt.quantity
    if v.comparison == "vs_target":
        return f"{value(v.pilot_value)} against a target of {value(v.threshold)}"
    if v.comparison == "vs_baseline":
        diff = fmt.signed_pct_points(v.difference) if rate else fmt.signed_quantity(v.difference)
        return (
            f"{value(v.pilot_value)} during vs {value(v.control_value)} before ({diff} once the trend is allowed for)"
        )
    diff = fmt.signed_pct_points(v.difference) if rate else fmt.signed_quantity(v.difference)
    return f"{value(v.pilot_value)} vs {value(v.control_value)} ({diff})"


def short_result(v: CriterionVerdict | None, currency: str = "") -> str:
    """One criterion's figure in a table cell that fits: "Reply rate +1.1 pts", "Reply rate 9.2% (target 8.0%)",
    a money criterion's price in the workspace's ``currency``: "Reply rate €38 per extra reply".

    The full sentence (``v.sentence``) is for the pilot page and Review; a table cuts it off."""
    if v is None:
        return "—"
    name = metric_label(v.metric)
    if v.interval_scale == "cost":
        return f"{name} {estimate_text(v, currency)}"
    if v.pilot_value is None and v.control_value is None:
        return f"{name}: nothing logged yet"
    if v.comparison == "vs_target":
        return (
            f"{name} {fmt.effect(v.kind, 'value', v.pilot_value)} (target {fmt.effect(v.kind, 'value', v.threshold)})"
        )
    change = v.relative_lift if v.interval_scale == "lift" else v.difference
    return f"{name} {fmt.effect(v.kind, v.interval_scale, change)}"


def _plan_text(v: CriterionVerdict, planned: int | None, looks: int) -> str | None:
    """What the planned sample can do for this criterion, judged with today's baseline."""
    if v.expected is None or planned is None or v.role == "guardrail" or v.kind != "proportion":
        return None
    baseline = v.control_value if v.comparison != "vs_target" else None
    if v.comparison != "vs_target" and (baseline is None or not 0 < baseline < 1):
        return None
    try:
        summary = designer.summarize(
            designer.PlanInputs(
                kind=v.kind,
                comparison=v.comparison,
                threshold=v.threshold,
                expected=v.expected,
                baseline=baseline,
                threshold_type=v.threshold_type,
                direction=v.direction,
                confidence=v.required_confidence,
                looks=max(looks, 1),
            )
        )
    except ValueError:
        return None
    needed = summary.plan.n
    verdict = "enough" if planned >= needed else "short of it"
    return (
        f"To catch {designer.effect_words(summary_inputs(v), v.expected)} with 80% power under daily looks this "
        f"criterion needs about {fmt.about(needed)} per arm; the plan has {fmt.number(planned)} ({verdict}). "
        + summary.characteristics
    )


def summary_inputs(v: CriterionVerdict) -> designer.PlanInputs:
    return designer.PlanInputs(
        kind=v.kind,
        comparison=v.comparison,
        threshold=v.threshold,
        expected=v.expected or 0.0,
        threshold_type=v.threshold_type,
        direction=v.direction,
    )


def card(v: CriterionVerdict, planned: int | None, looks: int, currency: str = "") -> CriterionCard:
    """One criterion's card; ``currency`` the workspace's symbol, which a money criterion's price is written with."""
    if v.interval_scale in ("cost", "return"):  # a price ("€38 per extra reply", "€23–€121") or a return, as the report
        estimate, interval = estimate_text(v, currency), bounds_text(v, currency)
    else:
        estimate = _estimate(v)
        interval = f"{fmt.effect_range(v.kind, v.interval_scale, v.ci_low, v.ci_high)} ({fmt.level(v.required_confidence)} bounds)"
    progress_text = "no planned sample" if v.progress is None else f"{fmt.pct(min(v.progress, 1.0), 0)} of the plan"
    if v.more_needed:
        progress_text += f" · about {fmt.about(v.more_needed)} more {v.more_needed_unit or 'per arm'} needed"
    return CriterionCard(
        title=f"{metric_label(v.metric)} · {v.role}",
        status=verdict_status_label(v.status).lower(),
        met=v.met,
        estimate=estimate,
        interval=interval,
        confidence="—"
        if v.confidence is None
        else f"{fmt.confidence(v.confidence)} that it is {'safe' if v.role == 'guardrail' else 'met'} "
        f"(needs {fmt.level(v.required_confidence)})",
        progress=None if v.progress is None else min(max(v.progress, 0.0), 1.0),
        progress_text=progress_text,
        plan_text=_plan_text(v, planned, looks),
        sentence=v.sentence,
        # a money criterion compares no two values: its figure is the price (or return) of what spend bought
        logged=v.pilot_value is not None or v.control_value is not None or v.extra_outcome is not None,
    )


def pilot_page(session: Session, pilot_ref: int | str, today: date | None = None) -> PilotPage:
    """``pilot_ref`` is an id or an exact name (what a link or a person gives)."""
    today = today or date.today()
    pilot = find_pilot(session, pilot_ref)
    pid = pilot.id or 0
    changes = audit.criteria_changes(session, pid, settings.currency(session).symbol)
    if pilot.status in ("idea", "planned") or not criteria_for(session, pid):
        started = pilot.status not in ("idea", "planned")
        said = headline_for(session, pilot, evaluate(session, pid) if started else None, today)
        return PilotPage(pilot, state_of(pilot, today), None, [], [], changes, said)
    bundle = pilot_bundle(session, pid)
    ev = bundle.evaluation
    looks = pilot_spec(pilot).planned_days or 28
    cards = [card(v, pilot.planned_n_per_arm, looks, bundle.currency) for v in ev.verdicts]
    # the cards show each criterion's progress, so a small sample is not repeated as a warning
    qualified = [c for c in caveats.caveats_for(ev, bundle.changes) if not isinstance(c, caveats.SmallSample)]
    warnings = [caveats.text(c) for c in qualified]
    shown = {wording.OBSERVATIONAL} if caveats.Observational() in qualified else set()
    for v in ev.verdicts:
        warnings.extend(w for w in v.warnings if w not in warnings and w not in shown)
    return PilotPage(
        pilot, state_of(pilot, today), bundle, cards, warnings, changes, headline_for(session, pilot, ev, today)
    )
