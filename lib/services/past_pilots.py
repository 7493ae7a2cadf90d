"""Past pilots like this one: what the team's decided pilots measured, and a pilot read in their light.

Every decided pilot keeps the evaluation it was decided on (``Decision.snapshot_json``);
its primary criterion's effect and standard error are what this module pools. Which
past pilots count is a visible, changeable :class:`PeerFilter`; always the same
metric kind, effect scale and direction (a lift is never pooled with a
difference), never the pilot itself, and only pilots whose decision closed them
(an "extend" is not an outcome yet). The informed reading sits beside the
sequential verdict and never replaces it: the verdict decides, this reading says
what the past suggests. Its central figure, interval and chance of clearing all come
from one posterior (:mod:`lib.stats.priors`), so the chance is at least 50 % exactly
when the central figure clears; where the past pilots cast doubt on the normal
shape the chance leans on, the interval is shown alone and the sentence says why
(``bench/priors_calibration.py`` measures both).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from lib import formatting as fmt
from lib.decide import CriterionVerdict, PilotEvaluation
from lib.infra.models import Decision, Pilot
from lib.services.decisions import latest_primaries
from lib.stats.priors import MIN_PILOTS, TOO_FEW, PriorFit, Reading, fit_prior, shrink
from lib.vocabulary import metric_label

KIND_WORDS = {"proportion": "rate", "mean": "average", "count": "count"}
SCALE_WORDS = {"difference": "differences", "lift": "relative lifts", "value": "values against a target"}


@dataclass(frozen=True)
class PeerFilter:
    """Which earlier pilots count as "like this one", beyond kind, scale and direction."""

    same_channel: bool = True
    same_metric: bool = True


@dataclass(frozen=True)
class PastEffect:
    pilot_id: int
    pilot: str
    channel: str
    metric: str
    effect: float
    standard_error: float
    decided_on: date
    outcome: str


@dataclass(frozen=True)
class Peers:
    """The earlier pilots a reading pools, and how they were chosen."""

    kind: str
    scale: str
    direction: str
    channel: str
    metric: str
    peer_filter: PeerFilter
    effects: list[PastEffect] = field(default_factory=list)
    without_error: int = 0  # decided like this one, but frozen before standard errors were kept
    #: earlier pilots on the same channel and metric that a rule kept out, by the rule in words
    set_apart: dict[str, int] = field(default_factory=dict)

    def words(self, n: int | None = None) -> str:
        """ "14 earlier email pilots on sign-up rate" (count included; ``n`` another count than the pooled)."""
        n = len(self.effects) if n is None else n
        channel = f"{self.channel} " if self.peer_filter.same_channel else ""
        metric = (
            metric_label(self.metric, in_sentence=True)
            if self.peer_filter.same_metric
            else f"any {KIND_WORDS.get(self.kind, 'metric')}"
        )
        return f"{fmt.number(n)} earlier {channel}pilot{'s' if n != 1 else ''} on {metric}"

    def rule(self) -> str:
        """Which pilots count, in words: shown beside the filter."""
        parts = [
            "decided pilots (not this one)",
            f"primary {KIND_WORDS.get(self.kind, 'metric')}s read as {SCALE_WORDS.get(self.scale, self.scale)}",
            f"aiming to {self.direction} it",
        ]
        if self.peer_filter.same_channel:
            parts.append(f"channel {self.channel}")
        if self.peer_filter.same_metric:
            parts.append(f"metric {metric_label(self.metric, in_sentence=True)}")
        return "Counted: " + ", ".join(parts) + "."

    def set_apart_words(self) -> str:
        """ "6 earlier email pilots on reply rate were left out: target-design pilots, read as values …":
        the pilots a rule kept out, so "none yet" never stands beside a workspace that holds six."""
        parts = []
        for why, n in self.set_apart.items():
            parts.append(f"{self.words(n)} {'was' if n == 1 else 'were'} {why}.")
        return " ".join(parts)


@dataclass(frozen=True)
class InformedReading:
    """What the page shows beside the verdict: a reading, or why there is none (``sentence`` either way)."""

    sentence: str
    peers: Peers
    reading: Reading | None = None
    fit: PriorFit | None = None


def _key(metric: str) -> str:
    """Metric names as typed and as stored compare alike: "Reply rate" is reply_rate."""
    return "_".join(metric.lower().replace("-", " ").split())


def effect_on_scale(v: dict[str, Any]) -> float | None:
    """The effect a verdict measured on its own scale: a lift, a difference (adjusted where modelled) or a value."""
    scale = v.get("interval_scale", "difference")
    if scale == "lift":
        x = v.get("relative_lift")
    elif scale == "value":
        x = v.get("pilot_value")
    else:
        x = v.get("adjusted_difference") if v.get("adjusted_difference") is not None else v.get("difference")
    return float(x) if isinstance(x, (int, float)) and math.isfinite(x) else None


def _set_apart_by(v: dict[str, Any], *, kind: str, scale: str, direction: str) -> str | None:
    """Which rule keeps an earlier pilot's primary out of the pool, in words (None: it is like this one)."""
    theirs = v.get("interval_scale", "difference")
    if v.get("kind") != kind:
        return f"left out: {KIND_WORDS.get(str(v.get('kind')), 'other metric')}s, not {KIND_WORDS.get(kind, 'metric')}s"
    if theirs != scale:
        design = "target-design pilots, " if theirs == "value" else ""
        return (
            f"left out: {design}read as {SCALE_WORDS.get(theirs, theirs)}, "
            f"which are never pooled with {SCALE_WORDS.get(scale, scale)}"
        )
    if v.get("direction", "increase") != direction:
        return f"left out: they aim to {v.get('direction')} it, not to {direction} it"
    return None


def _positive(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and math.isfinite(x) and x > 0 else None


def past_effects(
    session: Session,
    *,
    kind: str,
    scale: str,
    direction: str,
    channel: str,
    metric: str,
    peer_filter: PeerFilter = PeerFilter(),
    exclude_pilot_id: int | None = None,
) -> Peers:
    """The effects earlier decided pilots like this one measured, from their latest closing decision."""
    stmt = (
        select(Decision, Pilot)
        .join(Pilot, col(Pilot.id) == Decision.pilot_id)
        .where(Pilot.status == "decided", Decision.outcome != "extend")
        .order_by(col(Decision.decided_at).desc(), col(Decision.id).desc())
    )
    if peer_filter.same_channel:
        stmt = stmt.where(Pilot.channel == channel)
    if exclude_pilot_id is not None:
        stmt = stmt.where(Pilot.id != exclude_pilot_id)
    found: list[PastEffect] = []
    without_error = 0
    set_apart: dict[str, int] = {}
    for decision, pilot, v in latest_primaries(session.exec(stmt)):
        if peer_filter.same_metric and _key(str(v.get("metric") or "")) != _key(metric):
            continue
        rule = _set_apart_by(v, kind=kind, scale=scale, direction=direction)
        if rule is not None:
            set_apart[rule] = set_apart.get(rule, 0) + 1
            continue
        effect = effect_on_scale(v)
        if effect is None:
            continue
        se = _positive(v.get("standard_error"))
        if se is None:
            without_error += 1
            continue
        found.append(
            PastEffect(
                pilot.id or 0,
                pilot.name,
                pilot.channel,
                str(v.get("metric")),
                effect,
                se,
                decision.decided_at.date(),
                decision.outcome,
            )
        )
    return Peers(kind, scale, direction, channel, metric, peer_filter, found, without_error, set_apart)


def pass_point(v: CriterionVerdict) -> float:
    """Where the criterion is met, on the verdict's scale (the engine's rule, from the verdict's own fields)."""
    good = 1 if v.direction == "increase" else -1
    if v.comparison == "vs_target":
        return v.threshold
    margin = v.threshold
    if v.comparison == "vs_baseline" and v.threshold_type == "relative" and v.control_value:
        margin *= v.control_value
    return good * margin


def chance_words(chance: float, beats: str, threshold: str) -> str:
    """ "64% chance it clears +0.5 pts": the posterior chance, to the nearest percent.

    Rounding never crosses one half, so the words agree with the central figure (which clears exactly when
    the chance is at least 50 %): 49.6 % reads 49 %, not 50 %. Beyond 1 % and 99 % the sentence says "under"
    and "over" instead of claiming certainty."""
    whole = round(chance * 100)
    whole = max(whole, 50) if chance >= 0.5 else min(whole, 49)
    if whole >= 100:
        return f"over 99% chance it {beats} {threshold}"
    if whole < 1:
        return f"under 1% chance it {beats} {threshold}"
    return f"{whole}% chance it {beats} {threshold}"


def no_chance_words(caution: str, beats: str, threshold: str) -> str:
    """What stands where the chance would, when it is withheld: the reason, in the reading's own terms."""
    verb = "clearing" if beats == "clears" else "staying below"
    return f"no chance of {verb} {threshold} is given: {caution}"


def why_not(peers: Peers, fit: PriorFit) -> str:
    """The sentence shown instead of a reading."""
    extra = ""
    if peers.without_error:
        extra = f" ({fmt.number(peers.without_error)} more were decided before Greenlight kept standard errors)"
    if fit.reason == TOO_FEW:
        apart = peers.set_apart_words()
        like = f" read as {SCALE_WORDS.get(peers.scale, peers.scale)}" if apart else ""
        found = f"only {peers.words()}{like}" if peers.effects else f"no {peers.words().removeprefix('0 ')}{like} yet"
        return (
            f"No informed reading: {found}{extra}; an informed reading needs {MIN_PILOTS}. "
            f"{apart + ' ' if apart else ''}Widen which past pilots count, or read the verdict alone."
        )
    effects = [p.effect for p in peers.effects]
    spread = fmt.effect_range(peers.kind, peers.scale, min(effects), max(effects))
    return (
        f"No informed reading: {peers.words()} moved it too differently ({spread}) to inform this pilot; "
        f"their spread would carry only {fmt.pct(fit.weight or 0.0, 0)} of the reading."
    )


def read_verdict(
    session: Session, pilot: Pilot, v: CriterionVerdict, peer_filter: PeerFilter = PeerFilter()
) -> InformedReading:
    """One pilot's criterion read with the earlier pilots like it, or why not."""
    peers = past_effects(
        session,
        kind=v.kind,
        scale=v.interval_scale,
        direction=v.direction,
        channel=pilot.channel,
        metric=v.metric,
        peer_filter=peer_filter,
        exclude_pilot_id=pilot.id,
    )
    estimate = effect_on_scale(v.to_dict())
    if estimate is None or not v.standard_error or not math.isfinite(v.standard_error):
        return InformedReading("No informed reading yet: this pilot has no estimate with an error to read.", peers)
    fit = fit_prior(
        [p.effect for p in peers.effects], [p.standard_error for p in peers.effects], typical_se=v.standard_error
    )
    if fit.prior is None:
        return InformedReading(why_not(peers, fit), peers, fit=fit)
    threshold = pass_point(v)
    reading = shrink(estimate, v.standard_error, fit.prior, threshold, direction=v.direction)
    beats = "clears" if v.direction == "increase" else "stays below"
    line = fmt.effect(v.kind, v.interval_scale, threshold)
    chance = chance_words(reading.chance, beats, line)
    sentence = (
        f"Read with {peers.words()}: likely {fmt.effect(v.kind, v.interval_scale, reading.median)} "
        f"({fmt.effect_range(v.kind, v.interval_scale, reading.low, reading.high)}); "
        f"{no_chance_words(reading.caution, beats, line) if reading.caution else chance}."
    )
    return InformedReading(sentence, peers, reading, fit)


def informed_for(
    session: Session, pilot: Pilot, evaluation: PilotEvaluation, peer_filter: PeerFilter = PeerFilter()
) -> InformedReading | None:
    """The pilot page's and Review's reading of the primary criterion (``None`` without one)."""
    v = evaluation.primary
    return None if v is None else read_verdict(session, pilot, v, peer_filter)


@dataclass(frozen=True)
class DesignerHint:
    """What history says to the designer, and the expected effect it proposes in the form's units (or None)."""

    sentence: str
    expected: float | None = None
    peers: Peers | None = None


def plan_scale(comparison: str, threshold_type: str) -> str | None:
    """The scale a planned criterion's verdict will read on (None: before/after relative, read as differences)."""
    if comparison == "vs_target":
        return "value"
    if comparison == "vs_control":
        return "lift" if threshold_type == "relative" else "difference"
    return "difference" if threshold_type == "absolute" else None


def designer_hint(
    session: Session,
    *,
    channel: str | None,
    metric: str,
    kind: str,
    comparison: str,
    threshold_type: str,
    direction: str = "increase",
) -> DesignerHint | None:
    """ "Past pilots like this one moved the metric by …", proposing the expected effect from history.

    ``channel`` None counts every channel; an empty ``metric`` every metric of the kind. The
    proposal is the prior's mean: the effect an average pilot like this one had, in the form's
    units (percent for rates and lifts), signed the way the criterion counts it.
    """
    scale = plan_scale(comparison, threshold_type)
    if scale is None:
        return None
    peer_filter = PeerFilter(same_channel=channel is not None, same_metric=bool(metric.strip()))
    peers = past_effects(
        session,
        kind=kind,
        scale=scale,
        direction=direction,
        channel=channel or "",
        metric=metric.strip(),
        peer_filter=peer_filter,
    )
    fit = fit_prior([p.effect for p in peers.effects], [p.standard_error for p in peers.effects])
    if fit.prior is None:
        return DesignerHint(why_not(peers, fit).replace("No informed reading", "No proposal from history"), None, peers)
    prior = fit.prior
    low, high = prior.mean - 1.645 * prior.sd, prior.mean + 1.645 * prior.sd
    sentence = (
        f"Past pilots like this one ({peers.words()}) moved the metric by "
        f"{fmt.effect(kind, scale, prior.mean)} on average; nine in ten pilots like them would fall within "
        f"{fmt.effect_range(kind, scale, low, high)}."
    )
    good = 1 if direction == "increase" or scale == "value" else -1
    in_percent = kind == "proportion" or scale == "lift"
    return DesignerHint(sentence, good * prior.mean * (100.0 if in_percent else 1.0), peers)
