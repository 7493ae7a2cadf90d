"""Goals that roll up: each goal with its KPI, the pilots serving it and their verdicts, and what
the scaled ones are projected to add to the KPI.

A projection is the measured effect at the decision (the primary criterion's
difference, or its lift on the control's level) times the volume the team plans
to run it at once scaled — with the range the interval gives. It is labelled a
projection everywhere: the pilot measured a sample, not the scaled future.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from lib.decide.frozen import frozen_primary
from lib.infra.models import Criterion, Decision, Pilot
from lib.services.goals import GoalNode, goal_tree
from lib.services.headline import decided_title
from lib.services.portfolio import Portfolio, overview
from lib.vocabulary import PILOT_STATUS_LABELS, recommendation_label

if TYPE_CHECKING:
    from lib.services.spend_view import PilotSpend


@dataclass(frozen=True)
class Projection:
    per_month: float
    low: float | None
    high: float | None
    unit: str  # "conversions", "orders"...


@dataclass(frozen=True)
class ServingPilot:
    pilot: Pilot
    verdict: str  # "Running: keep running", "Decided: scale"
    projection: Projection | None
    contribution: Contribution | None = None  # the projection in the goal's unit, or why it cannot be added


@dataclass(frozen=True)
class GoalRollup:
    node: GoalNode
    pilots: list[ServingPilot]

    @property
    def projected(self) -> float:
        """What the scaled pilots add per goal period, in the goal's unit: only what the goal can add."""
        return sum(p.contribution.value or 0.0 for p in self.pilots if p.contribution and p.contribution.adds)


def projection(primary: dict, volume: float | None, kind: str | None = None) -> Projection | None:
    """Measured effect × planned monthly volume, with its range; None when either is missing."""
    if not volume or not primary:
        return None
    scale = primary.get("interval_scale", "difference")
    control = primary.get("control_value")
    low, high = primary.get("ci_low"), primary.get("ci_high")
    if scale == "lift":
        lift = primary.get("relative_lift")
        if lift is None or control is None:
            return None
        base = control * volume
        return Projection(
            lift * base, None if low is None else low * base, None if high is None else high * base, _unit(kind)
        )
    diff = primary.get("difference")
    if diff is None or scale == "value":
        return None
    return Projection(
        diff * volume, None if low is None else low * volume, None if high is None else high * volume, _unit(kind)
    )


def _unit(kind: str | None) -> str:
    return {"proportion": "conversions", "mean": "in value", "count": "a month"}.get(kind or "", "")


#: a goal's period in months, from the words its unit uses ("leads/month", "SQLs a quarter", "EUR per year")
PERIOD_MONTHS = {"day": 12 / 365, "week": 12 / 52, "month": 1.0, "quarter": 3.0, "year": 12.0}
_PERIOD_WORDS = {
    "day": "day",
    "daily": "day",
    "week": "week",
    "weekly": "week",
    "wk": "week",
    "month": "month",
    "monthly": "month",
    "mo": "month",
    "quarter": "quarter",
    "quarterly": "quarter",
    "qtr": "quarter",
    "q": "quarter",
    "year": "year",
    "yearly": "year",
    "annual": "year",
    "yr": "year",
}


@dataclass(frozen=True)
class KpiUnit:
    """A goal's unit read as what it counts and over which period: "SQLs/quarter" → ("sqls", "quarter")."""

    thing: str  # normalised: lower case, no plural s ("sql", "lead", "eur"); "" when the unit names nothing
    period: str | None  # day / week / month / quarter / year, or None when the unit names no period
    words: str  # as the goal's owner typed it


def _thing(text: str) -> str:
    words = [w for w in text.lower().replace("-", " ").split() if w not in ("a", "an", "per", "each", "every", "new")]
    joined = " ".join(words).strip(" .")
    return joined[:-1] if joined.endswith("s") and len(joined) > 1 else joined


def kpi_unit(unit: str) -> KpiUnit:
    """Read a KPI unit as people write it: "leads/month", "SQLs a quarter", "EUR per year", "visits"."""
    text = unit.strip()
    head, _, tail = text.replace(" per ", "/").rpartition("/") if "/" in text or " per " in text else ("", "", text)
    period = _PERIOD_WORDS.get(_thing(tail)) if head else None
    if head:
        return KpiUnit(_thing(head), period, text)
    words = text.split()
    if len(words) >= 2 and _PERIOD_WORDS.get(_thing(words[-1])) and words[-2].lower() in ("a", "an", "per", "each"):
        return KpiUnit(_thing(" ".join(words[:-2])), _PERIOD_WORDS[_thing(words[-1])], text)
    return KpiUnit(_thing(text), None, text)


@dataclass(frozen=True)
class Contribution:
    """A scaled pilot's projection in its goal's unit and period, or the plain reason it cannot be added."""

    pilot: str
    value: float | None  # per goal period, in the goal's unit; None when it cannot be added
    low: float | None
    high: float | None
    why_not: str = ""  # set exactly when value is None

    @property
    def adds(self) -> bool:
        return self.value is not None


def contribution(pilot: str, proj: Projection, counts: str, goal_unit: str) -> Contribution:
    """``proj`` (per month) in the goal's unit, when the pilot counts what the goal counts.

    ``counts`` is what one of the pilot's outcomes is, as its primary criterion's unit says ("SQLs", "EUR");
    a pilot may only add to a goal in a unit the goal can add: the same thing, over a period both name.
    """
    goal = kpi_unit(goal_unit)
    theirs = _thing(counts)
    if not goal.thing:
        return Contribution(pilot, None, None, None, "the goal's KPI has no unit, so nothing can be added to it")
    if not theirs:
        return Contribution(
            pilot,
            None,
            None,
            None,
            f"it projects {proj.unit or 'its metric'} a month, and the goal counts {goal.words}; set the primary "
            f"criterion's unit (e.g. “{goal.words.split('/')[0].strip()}”) when each outcome is one",
        )
    if theirs != goal.thing:
        return Contribution(
            pilot, None, None, None, f"it projects {counts.strip()} a month, and the goal counts {goal.words}"
        )
    if goal.period is None:
        return Contribution(
            pilot, None, None, None, f"the goal's unit ({goal.words}) names no period (a month, a quarter…)"
        )
    months = PERIOD_MONTHS[goal.period]
    scale = lambda x: None if x is None else x * months  # noqa: E731
    return Contribution(pilot, proj.per_month * months, scale(proj.low), scale(proj.high))


def _scaled_primaries(session: Session) -> dict[int, dict]:
    """Each scaled pilot's primary verdict as frozen at its latest decision."""
    stmt = select(Decision).where(Decision.outcome == "scale").order_by(col(Decision.decided_at), col(Decision.id))
    out: dict[int, dict] = {}
    for d in session.exec(stmt):
        try:
            verdicts = json.loads(d.snapshot_json or "{}").get("evaluation", {}).get("verdicts", [])
        except (ValueError, AttributeError):
            continue
        primary = frozen_primary(verdicts)
        if primary:
            out[d.pilot_id] = primary
    return out


def primary_units(session: Session) -> dict[int, str]:
    """What one outcome of each pilot's primary criterion is, as its unit says ("SQLs", "EUR"; "" when unsaid)."""
    stmt = select(Criterion.pilot_id, Criterion.unit).where(Criterion.role == "primary")
    return {pid: unit or "" for pid, unit in session.exec(stmt)}


def rollup(session: Session, portfolio: Portfolio | None = None) -> list[GoalRollup]:
    """Company → marketing → team, depth-first, each goal with the pilots serving it
    (``portfolio``: the overview a page already has, so it is not read twice)."""
    rows = {r.pilot.id: r for r in (portfolio or overview(session)).rows}
    scaled = _scaled_primaries(session)
    tree = goal_tree(session)
    goals_by_id = {n.goal.id: n.goal for n in tree}
    units = primary_units(session)
    by_goal: dict[int, list[ServingPilot]] = {}
    for pid, r in rows.items():
        p = r.pilot
        if p.goal_id is None:
            continue
        if p.status == "decided":
            verdict = decided_title(r.latest_outcome) if r.latest_outcome else "Decided"
        elif p.status == "running":
            verdict = f"Running: {recommendation_label(r.evaluation.recommendation).lower()}"
        else:
            verdict = PILOT_STATUS_LABELS.get(p.status, p.status)
        primary = scaled.get(pid or 0) if r.latest_outcome == "scale" else None
        proj = projection(primary or {}, p.scale_volume, (primary or {}).get("kind"))
        goal = goals_by_id.get(p.goal_id)
        share = contribution(p.name, proj, units.get(pid or 0, ""), goal.kpi_unit) if proj and goal else None
        by_goal.setdefault(p.goal_id, []).append(ServingPilot(p, verdict, proj, share))
    return [GoalRollup(node, by_goal.get(node.goal.id or 0, [])) for node in tree]


def goal_lines(
    g: GoalRollup, plain: Callable[[object], str], spending: Mapping[int, PilotSpend] | None = None
) -> list[str]:
    """A goal and the pilots serving it as Markdown lines; ``plain`` escapes what people typed.

    ``spending``: each pilot's spend reading, when spend is logged: the goal rolls up in money too
    (spend so far, and what each scaled pilot's projection would cost a month)."""
    from lib import formatting as fmt

    goal = g.node.goal
    target = (
        f"{fmt.number(goal.target_value)} {plain(goal.kpi_unit)}".strip()
        if goal.target_value is not None
        else "no target set"
    )
    # an entity, not the character: Markdown drops whitespace that opens a block, so the goal's own
    # line lost its indent while its pilots kept theirs
    indent = "&emsp;" * 2 * g.node.depth
    lines = [f"{indent}**{plain(goal.name)}** · {goal.level} · KPI {plain(goal.kpi_name)}: {target}"]
    spent = []
    for sp in g.pilots:
        line = f"{indent}&emsp;– {plain(sp.pilot.name)}: {plain(sp.verdict)}"
        if sp.contribution:
            line += " — " + contribution_words(sp.contribution, goal.kpi_unit, plain)
        money = (spending or {}).get(sp.pilot.id or 0)
        if money is not None:
            spent.append(money)
            line += " · " + plain(money_words(money, scaled=sp.projection is not None))
        lines.append(line)
    if spent:
        total = sum(m.reading.total.estimate or 0.0 for m in spent)
        lines.insert(
            1,
            f"{indent}\u2003Money: {fmt.money(total, spent[0].symbol)} spent so far across {len(spent)} of its pilots.",
        )
    if not g.pilots:
        lines.append(f"{indent}&emsp;– *no pilot serves it yet*")
    return lines


def money_words(spend: PilotSpend, *, scaled: bool) -> str:
    """ "spent €8,400, €38 per extra lead" and, once scaled, "projected €72,000 a month" (labelled a projection)."""
    from lib import formatting as fmt
    from lib.decide.money import price

    r = spend.reading
    text = f"spent {fmt.money(r.total.estimate, spend.symbol)}"
    cost = r.cost_per_extra.estimate
    if cost is not None and (r.extra_outcome.estimate or 0) > 0 and not spend.outcome.money:
        text += f", {price(cost, spend.outcome.one, spend.symbol)}"  # "saves €5 per extra lead" below zero
        if r.cost_per_extra.low is None and r.cost_per_extra.high is None:  # the extra leads could be zero
            text += f" ({fmt.UNBOUNDED})"
    monthly = spend.projection.spend_per_month.estimate if spend.projection else None
    if scaled and monthly is not None and monthly < 0:
        text += f"; projected to save {fmt.projected_money(-monthly, spend.symbol)} a month scaled (a projection)"
    elif scaled and monthly is not None:
        text += f"; projected to cost {fmt.projected_money(monthly, spend.symbol)} a month scaled (a projection)"
    return text


def contribution_words(c: Contribution, goal_unit: str, plain: Callable[[object], str]) -> str:
    """ "projected +12 SQLs/quarter (range +4 to +20)", or "no projection in SQLs/quarter: <why>"."""
    from lib import formatting as fmt

    if c.value is None:
        return f"no projection in {plain(goal_unit) or 'the goal’s unit'}: {plain(c.why_not)}"
    span = (
        f" (range {fmt.signed_number(c.low, 0)} to {fmt.signed_number(c.high, 0)})"
        if c.low is not None and c.high is not None
        else ""
    )
    return f"projected {fmt.signed_number(c.value, 0)} {plain(goal_unit)}{span}"


def goal_texts(
    session: Session,
    portfolio: Portfolio,
    plain: Callable[[object], str],
    spending: Mapping[int, PilotSpend] | None = None,
) -> list[tuple[bool, str]]:
    """Every goal as one Markdown block, with whether any pilot serves it: plain strings that a page can
    keep and share between sessions (no row objects). ``spending``: every pilot's spend reading, when the
    caller has it already (read here otherwise)."""
    from lib.services.spend_view import spend_many

    if spending is None:
        spending = spend_many(session, [r.pilot for r in portfolio.rows])
    return [(bool(g.pilots), "  \n".join(goal_lines(g, plain, spending))) for g in rollup(session, portfolio)]
