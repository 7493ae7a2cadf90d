"""Each pilot's spend against what it bought, read from its logged values: the figures, the sentences, the JSON.

Spend is stored as values of the reserved metric ``SPEND_METRIC`` (per day and arm, ``total`` = money,
``n`` = units behind it), so corrections keep history like any value. This module hands those and the
outcome's values to :func:`lib.stats.spend.read_spend`, and words the reading with the workspace's
currency (:func:`lib.decide.money.reading_sentence`). The pilot page, Review, the report, Home and the CLI all read here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, col, select

from lib import formatting as fmt
from lib.decide import PilotEvaluation
from lib.decide.money import price_range, reading_sentence, scaling_sentence
from lib.infra.models import Criterion, Pilot, ResultEntry
from lib.services import settings
from lib.services.pilots import criteria_for, pilot_spec
from lib.services.results import CURRENT_ORDER, observations
from lib.services.spend_outcome import Outcome, outcome_criterion, outcome_is_money, outcome_words, takes_spend
from lib.specs import Observation
from lib.stats.spend import MoneySpan, ScalingProjection, SpendReading, project_scaling, read_spend
from lib.vocabulary import CHANNEL_LABELS, CHANNEL_UNITS, SPEND_METRIC, MetricKind

#: beside a money criterion's verdict on the same price, why the two intervals differ (issue 28): "Does it pay?"
#: reads today's figures once; the verdict's bounds stay valid under a look every day (wider until the plan is in)
ONE_LOOK_NOTE = (
    "These intervals read today's figures as one look; the verdict on {what} allows for a look every day "
    "({level} bounds {bounds})."
)


@dataclass(frozen=True)
class PilotSpend:
    """One pilot's spend reading, worded: what the pages lead with when spend is logged."""

    reading: SpendReading
    outcome: Outcome
    symbol: str
    currency: str
    sentence: str
    projection: ScalingProjection | None = None
    scaling: str | None = None  # the projection in words, labelled a projection

    def beside(self, evaluation: PilotEvaluation | None) -> PilotSpend:
        """This reading as shown beside ``evaluation``: when a money criterion's verdict bounds the same price
        otherwise (sequential bounds against today's one-look interval), the sentence says which is which."""
        note = one_look_note(self, evaluation)
        return self if note is None else replace(self, sentence=f"{self.sentence} {note}")

    def to_json(self) -> dict[str, Any]:
        """The ``spend`` block of ``evaluate --format json``: each figure ``{estimate, low, high}``, None unbounded."""
        r = self.reading
        nothing = MoneySpan(None, None, None)
        return {
            "currency": self.currency,
            "outcome_metric": r.outcome_metric,
            "outcome_is_money": r.outcome_is_money,
            "days": r.days,
            "confidence": r.confidence,
            "total": _span(r.total),
            "extra_outcome": _span(r.extra_outcome),
            "extra_spend": _span(r.extra_spend),
            "cost_per_extra": _span(r.cost_per_extra),
            "return_on_spend": _span(r.return_on_spend or nothing),
            "sentence": self.sentence,
            "projection": self.scaling,
        }


def one_look_note(spend: PilotSpend, evaluation: PilotEvaluation | None) -> str | None:
    """Why "Does it pay?" and a money criterion's verdict give one price two intervals; None when they agree.

    Both are kept as they are: the verdict's bounds are what it was judged by; "Does it pay?" is the
    best reading of today's figures. Before the plan is in, the verdict's are wider (the price of daily looks).
    """
    r = spend.reading
    for v in evaluation.verdicts if evaluation is not None else ():
        if v.metric != r.outcome_metric or v.interval_scale not in ("cost", "return"):
            continue
        if v.ci_low is None and v.ci_high is None:  # its sentence says in words why it cannot bound the price
            return None
        level = fmt.level(v.required_confidence)
        if v.interval_scale == "return":
            if r.return_on_spend is None:
                return None
            shown = fmt.multiple_range(r.return_on_spend.low, r.return_on_spend.high)
            verdict, what = fmt.multiple_range(v.ci_low, v.ci_high), "the return on spend"
        else:
            c = r.cost_per_extra
            shown = price_range(c.low, c.high, spend.symbol, fmt.money_digits(c.estimate, c.low, c.high))
            digits = fmt.money_digits(v.difference, v.ci_low, v.ci_high)  # as the verdict's sentence writes them
            verdict = price_range(v.ci_low, v.ci_high, spend.symbol, digits)
            what = f"the cost per extra {spend.outcome.one}"
        return None if verdict == shown else ONE_LOOK_NOTE.format(what=what, level=level, bounds=verdict)
    return None


def _span(span: MoneySpan) -> dict[str, float | None]:
    return {"estimate": span.estimate, "low": span.low, "high": span.high}


def _read(
    pilot: Pilot,
    criteria: Sequence[Criterion],
    obs: Sequence[Observation],
    money: settings.Currency,
    as_of: date | None,
) -> PilotSpend | None:
    if not takes_spend(criteria):
        return None
    outcome = outcome_criterion(criteria)
    assert outcome is not None  # takes_spend says so
    # a money criterion's confidence is the one its verdict uses; else the outcome's own
    is_money = outcome_is_money(outcome)
    reading = read_spend(
        obs,
        pilot_spec(pilot),
        outcome.metric,
        cast(MetricKind, outcome.kind),
        is_money,
        outcome.confidence,
        direction=outcome.direction,
        as_of=as_of,
    )
    if reading is None:
        return None
    words = outcome_words(
        outcome.metric, money=is_money, kind=outcome.kind, numerator=getattr(outcome, "numerator_label", None)
    )
    said = dict(currency=money.symbol, outcome=words.one, outcomes=words.many)
    sentence = reading_sentence(reading, **said)
    projection = scaling = None
    if pilot.scale_volume and reading.increments is not None and outcome.kind in ("proportion", "mean"):
        projection = project_scaling(reading, per_month_units=float(pilot.scale_volume))
        scaling = (
            scaling_sentence(
                projection,
                audience=f"all {CHANNEL_LABELS.get(pilot.channel, pilot.channel).lower()}",
                units=CHANNEL_UNITS.get(pilot.channel, "people"),
                **said,
            ).rstrip(".")
            + "."
        )
    return PilotSpend(reading, words, money.symbol, money.code, sentence, projection, scaling)


def spend_for(session: Session, pilot: Pilot, as_of: date | None = None) -> PilotSpend | None:
    """The pilot's spend reading; None when it logged no spend (or has no outcome for it)."""
    return _read(
        pilot,
        criteria_for(session, pilot.id or 0),
        observations(session, pilot.id or 0),
        settings.currency(session),
        as_of,
    )


def spend_many(session: Session, pilots: Sequence[Pilot]) -> dict[int, PilotSpend]:
    """Every given pilot that logged spend, in three queries: which spent, their criteria, their values."""
    ids = [p.id or 0 for p in pilots]
    t = sa.inspect(ResultEntry).local_table
    spent: set[int] = set()
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        spent |= set(
            session.execute(
                sa.select(t.c.pilot_id)
                .where(t.c.pilot_id.in_(chunk), t.c.metric == SPEND_METRIC, t.c.superseded_at.is_(None))
                .distinct()
            ).scalars()
        )
    if not spent:
        return {}
    criteria: dict[int, list[Criterion]] = defaultdict(list)
    for c in session.exec(select(Criterion).where(col(Criterion.pilot_id).in_(spent)).order_by(col(Criterion.id))):
        criteria[c.pilot_id].append(c)
    obs: dict[int, list[Observation]] = defaultdict(list)
    rows = session.execute(
        sa.select(t.c.pilot_id, t.c.day, t.c.arm, t.c.metric, t.c.n, t.c.total, t.c.total_sq, t.c.total_cu)
        .where(t.c.pilot_id.in_(spent), t.c.superseded_at.is_(None))
        .order_by(*CURRENT_ORDER)  # as spend_for reads them: the same sums to the last digit
    )
    for pid, day, arm, metric, n, total, total_sq, total_cu in rows:
        obs[pid].append(Observation(day, arm, metric, n, total, total_sq, total_cu))
    money = settings.currency(session)
    out = {}
    for p in pilots:
        if (p.id or 0) in spent and (reading := _read(p, criteria[p.id or 0], obs[p.id or 0], money, None)):
            out[p.id or 0] = reading
    return out
