"""Market tests: each criterion read as its test markets against a synthetic control of untreated markets.

The maths (weights fitted before the start, the interval, the sequential rule under
daily looks) lives in :mod:`lib.stats.market_test`; this module turns its reading into
the engine's verdict, using the reading's ``outcome`` as it is: "effect" meets a primary,
"harm" misses it (a guardrail: harmed), "futile" stops it, None keeps it running. A fit
too poor to read withholds the verdict and names the markets that tracked badly.
Each verdict carries the reading as plain data (``CriterionVerdict.market``): what
``evaluate --format json``, the chart, Review and the report read, fresh or frozen.

Several criteria split the error budget as every other design does (:func:`lib.decide.engine._levels`):
"met" (or a guardrail's "safe") is read at the criterion's own level, since scaling needs every primary
met; the calls that stop the pilot on any one of ``k`` criteria (a primary missed or futile, a guardrail
harmed) at ``alpha / k``, with the interval's far end read at that level too (:func:`split_reading`).
One criterion reads exactly as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, cast

from lib import formatting as fmt
from lib.decide import rules, wording
from lib.decide.verdicts import REASON_CODES, CriterionVerdict, PilotEvaluation, ReasonCode, ReasonKey
from lib.specs import CriterionSpec, PilotSpec, UnitObservation
from lib.stats.distributions import norm_ppf, norm_sf
from lib.vocabulary import metric_label

Said = tuple[ReasonKey, str]

READ_AS = (
    "Read as a market test: the test markets against a synthetic control, a weighted mix of untreated markets "
    "fitted on the {pre} days before the start. It is not a before/after: a change that hits every market "
    "(season, prices) moves the control too; only something that hit the test markets alone from the start "
    "would be mixed into the gap."
)
WITHHELD = (
    "Verdict withheld on {label}: before the start the synthetic control did not track {markets} closely enough "
    "to read the gap after it ({detail}). Exclude markets that had their own campaigns, or pick test markets "
    "the other markets can track."
)
WITHHELD_NOTHING = "Verdict withheld on {label}: the market data cannot be read yet ({error})."
MET = "{label} is up {lift} against the synthetic control ({interval}): about {extra} over {days}."
DOWN = "{label} is down {lift} against the synthetic control ({interval}): about {extra} over {days}."
GAP = "{label}: {lift} against the synthetic control so far ({interval}), about {extra} over {days}; not clear yet."
FUTILE = (
    "{label}: {lift} against the synthetic control ({interval}) over {days}: it can no longer show the lift "
    "worth scaling ({threshold})."
)
LEFT_OUT = "Left out of the controls: {which}."


def sequential_p(p_value: float, look_alpha: float, alpha: float) -> float:
    """The look's p-value on the plan's own scale: at most ``alpha`` exactly when it is at most ``look_alpha``.

    The maths calls a market test at a look when its p-value is below that look's level (stricter early on:
    daily looks); the verdict's p-value and "confidence it is met" must agree with that call against the
    confidence the team asked for, so the z-score is scaled by the nominal over the look's boundary.
    """
    if not (0.0 < p_value < 1.0) or not (0.0 < look_alpha < 1.0) or not (0.0 < alpha < 1.0):
        return min(max(p_value, 0.0), 1.0)
    z = -norm_ppf(p_value)
    return norm_sf(z * -norm_ppf(alpha) / -norm_ppf(look_alpha))


def _and(names: Sequence[str]) -> str:
    """Chicago, Portland and Miami."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _days(n: int) -> str:
    return f"{fmt.number(n)} test day{'s' if n != 1 else ''}"


def panel_rows(rows: Sequence[UnitObservation], kind: str) -> list[tuple[str, date, float]]:
    """(market, day, value): a count's total; a rate's or an average's total over its n."""
    if kind == "count":
        return [(u.unit, u.day, u.total) for u in rows]
    return [(u.unit, u.day, u.total / u.n) for u in rows if u.n]


def split_reading(reading: Any, failing: Any, direction: str) -> Any:
    """One criterion's reading when its stopping calls share their error budget with other criteria.

    ``reading`` is read at the criterion's own level, ``failing`` at ``alpha / k``: "effect" comes from
    the first; harm and futility from the second (its bar is higher, so it never finds an effect the first
    misses). The interval keeps the pass side's end (the near end for a lift worth scaling) and takes the
    far end from ``failing``, as other designs' bounds do, so the interval and the call never disagree.
    """
    from lib.stats.market_test import Span

    up = direction != "decrease"

    def ends(passing: Any, stopping: Any) -> Any:
        return Span(passing.estimate, passing.low if up else stopping.low, stopping.high if up else passing.high)

    return replace(
        reading,
        outcome=reading.outcome if reading.outcome == "effect" else failing.outcome,
        relative_lift=ends(reading.relative_lift, failing.relative_lift),
        incremental=ends(reading.incremental, failing.incremental),
        per_market_per_day=ends(reading.per_market_per_day, failing.per_market_per_day),
        cumulative_low=reading.cumulative_low if up else failing.cumulative_low,  # the band the chart draws
        cumulative_high=failing.cumulative_high if up else reading.cumulative_high,
    )


def _span(span: Any) -> dict[str, float | None]:
    return {"estimate": span.estimate, "low": span.low, "high": span.high}


def summary(reading: Any, start: date) -> dict[str, Any]:
    """The reading as plain data (JSON-safe once through ``plain``): what is shown and what is frozen."""
    pre = reading.pre_days
    test_days = reading.days[pre:]
    return {
        "start": start,
        "test_markets": list(reading.test_markets),
        "controls": list(reading.controls),
        "left_out": [{"market": m, "reason": why} for m, why in reading.left_out],
        "weights": [{"market": m, "weight": w} for m, w in reading.weights],
        "pre_days": pre,
        "test_days": reading.test_days,
        "relative_lift": _span(reading.relative_lift),
        "incremental": _span(reading.incremental),
        "per_market_per_day": _span(reading.per_market_per_day),
        "p_value": reading.p_value,
        "look_alpha": reading.look_alpha,
        "outcome": reading.outcome,
        "fit": {
            "pre_rmse": reading.pre_rmse,
            "average_rmse": reading.average_rmse,
            "improvement": reading.improvement,
            "fit_ok": reading.fit_ok,
            "poorly_tracked": list(reading.poorly_tracked),
            "message": reading.fit_message,
        },
        "series": [
            {"day": d, "observed": o, "synthetic": s, "low": lo, "high": hi}
            for d, o, s, lo, hi in zip(
                reading.days, reading.observed, reading.synthetic, reading.band_low, reading.band_high, strict=True
            )
        ],
        "cumulative": [
            {"day": d, "estimate": c, "low": lo, "high": hi}
            for d, c, lo, hi in zip(
                test_days, reading.cumulative, reading.cumulative_low, reading.cumulative_high, strict=False
            )
        ],
    }


def _status(crit: CriterionSpec, outcome: str | None, fit_ok: bool, ended: bool) -> str:
    if not fit_ok:
        return "inconclusive"
    if crit.role == "guardrail":
        return {"harm": "harmed", "effect": "safe"}.get(outcome or "", "too_early" if not ended else "inconclusive")
    return {"effect": "met", "harm": "missed", "futile": "futile"}.get(
        outcome or "", "too_early" if not ended else "inconclusive"
    )


def _sentence(label: str, crit: CriterionSpec, reading: Any, status: str) -> str:
    lift, inc = reading.relative_lift, reading.incremental
    interval = f"{fmt.level(crit.confidence)} interval {fmt.signed_pct_range(lift.low, lift.high)}"
    words = dict(
        label=label,
        lift=fmt.signed_pct(lift.estimate),
        interval=interval,
        extra=f"{fmt.quantity(abs(inc.estimate))} {'extra' if inc.estimate >= 0 else 'fewer'} "
        f"{metric_label(crit.metric, in_sentence=True)}",
        days=_days(reading.test_days),
    )
    if status in ("met", "safe") and lift.estimate >= 0:
        return MET.format(**words)
    if status == "futile":
        return FUTILE.format(**words, threshold=fmt.signed_pct(crit.threshold) if crit.threshold else "any lift")
    if status in ("missed", "harmed"):
        return DOWN.format(**words) if lift.estimate < 0 else GAP.format(**words)
    return GAP.format(**words)


def _verdict(
    crit: CriterionSpec, pilot: PilotSpec, rows: Sequence[UnitObservation], as_of: date | None, split: int = 1
) -> tuple[CriterionVerdict, list[Said]]:
    """``split``: how many criteria share this one's stopping calls (its primaries, or its guardrails)."""
    from lib.stats.market_test import read_market_test  # the market maths loads only for market tests
    from lib.stats.synthetic_control import panel_from_rows

    label = metric_label(crit.metric)
    base: dict[str, Any] = dict(
        metric=crit.metric,
        role=crit.role,
        kind=crit.kind,
        comparison=crit.comparison,
        label=label,
        threshold=crit.threshold,
        threshold_type="relative",
        direction=crit.direction,
        required_confidence=crit.confidence,
        expected=crit.expected,
        method="synthetic_control",
        interval_scale="lift",
    )
    empty: dict[str, Any] = dict(
        control_value=None,
        pilot_value=None,
        difference=None,
        ci_low=None,
        ci_high=None,
        relative_lift=None,
        p_value=None,
        p_value_raw=None,
        confidence=None,
        met=None,
        sample_n=0.0,
        progress=None,
        more_needed=None,
    )
    if as_of is not None:
        rows = [u for u in rows if u.day <= as_of]
    if not rows or pilot.start is None:
        text = wording.NO_CRITERION_DATA if rows or pilot.start else wording.NO_PILOT_DATES
        return CriterionVerdict(**base, **empty, status="too_early", sentence=text, warnings=[text]), []
    end = max(u.day for u in rows)
    end = min(end, pilot.end) if pilot.end else end
    try:
        panel, start = panel_from_rows(panel_rows(rows, crit.kind)), pilot.start

        def read(confidence: float) -> Any:
            return read_market_test(
                panel,
                pilot.test_markets,
                start,
                end=end,
                excluded=pilot.excluded_markets,
                planned_days=pilot.planned_days,
                confidence=confidence,
                direction=crit.direction,
                min_lift=crit.threshold,
            )

        reading = read(crit.confidence)
        if split > 1:  # stopping on any one of ``split`` criteria: each at alpha / split, as other designs
            failing = read(1.0 - (1.0 - crit.confidence) / split)
            reading = split_reading(reading, failing, crit.direction)
    except ValueError as exc:
        text = WITHHELD_NOTHING.format(label=label, error=str(exc).rstrip("."))
        verdict = CriterionVerdict(**base, **empty, status="too_early", sentence=text, warnings=[text])
        return verdict, [(ReasonKey("withheld", crit.metric), text)] if crit.role == "primary" else []
    ended = pilot.planned_days is not None and reading.test_days >= pilot.planned_days
    status = _status(crit, reading.outcome, reading.fit_ok, ended)
    said: list[Said] = []
    warnings: list[str] = []
    if not reading.fit_ok:
        markets = _and(reading.poorly_tracked) if reading.poorly_tracked else "the test markets"
        detail = reading.fit_message or (
            f"error {fmt.quantity(reading.pre_rmse)} a day, {fmt.pct(reading.improvement, 0)} better than a plain "
            "average of the controls"
        )
        sentence = WITHHELD.format(label=label, markets=markets, detail=detail.rstrip("."))
        said.append((ReasonKey("withheld", crit.metric), sentence))
    else:
        sentence = _sentence(label, crit, reading, status)
    gaps = [(m, why) for m, why in reading.left_out if m not in pilot.excluded_markets]  # not the plan's own
    if gaps:
        warnings.append(LEFT_OUT.format(which="; ".join(f"{m} ({why})" for m, why in gaps)))
    test_obs = reading.observed[reading.pre_days :]
    test_syn = reading.synthetic[reading.pre_days :]
    lift = reading.relative_lift
    control = sum(test_syn) / len(test_syn) if test_syn else None
    observed = sum(test_obs) / len(test_obs) if test_obs else None
    p_look = sequential_p(reading.p_value, reading.look_alpha, 1.0 - crit.confidence)
    verdict = CriterionVerdict(
        **base,
        control_value=control,
        pilot_value=observed,
        difference=observed - control if observed is not None and control is not None else None,
        ci_low=lift.low,
        ci_high=lift.high,
        relative_lift=lift.estimate,
        relative_ci_low=lift.low,
        relative_ci_high=lift.high,
        p_value=p_look,
        p_value_raw=reading.p_value,
        confidence=1.0 - p_look,
        met=True if status == "met" else False if status in ("missed", "futile") else None,
        status=status,
        sample_n=float(reading.test_days),
        progress=min(reading.test_days / pilot.planned_days, 1.0) if pilot.planned_days else None,
        more_needed=max(pilot.planned_days - reading.test_days, 0) if pilot.planned_days and not ended else None,
        more_needed_unit="test days",
        sentence=sentence,
        warnings=warnings,
        p_value_tests=wording.p_value_tests(crit),
        market=summary(reading, pilot.start),
    )
    return verdict, said


def evaluate_market(
    pilot: PilotSpec,
    criteria: Sequence[CriterionSpec],
    unit_observations: Sequence[UnitObservation],
    *,
    as_of: date | None = None,
) -> PilotEvaluation:
    """Every criterion of a market test read against its synthetic control; the recommendation from their statuses."""
    by_metric: Mapping[str, list[UnitObservation]] = {
        c.metric: [u for u in unit_observations if u.metric == c.metric] for c in criteria
    }
    # the paths where any one criterion stops the pilot split their error budget (lib.decide.engine._levels)
    k = {role: sum(1 for c in criteria if c.role == role) for role in ("primary", "guardrail")}
    results = [_verdict(c, pilot, by_metric[c.metric], as_of, k.get(c.role, 1)) for c in criteria]
    verdicts = [v for v, _ in results]
    has_data = any(v.market is not None for v in verdicts)
    by_role = {
        "primary": [v.status for v in verdicts if v.role == "primary"],
        "guardrail": [v.status for v in verdicts if v.role == "guardrail"],
    }
    recommendation, code = rules.recommend(
        by_role, has_criteria=bool(criteria), has_data=has_data, srm=False, errors=False
    )
    reasons: list[Said] = [s for _, said in results for s in said]
    withheld = any(k.code == "withheld" for k, _ in reasons)
    if withheld and recommendation != "abort":
        recommendation = "keep_running"
    elif code in wording.REASON:
        reasons.append((ReasonKey(_code(code)), wording.REASON[code]))
    for v in verdicts:
        if v.role == "primary" and v.market is not None and v.sentence not in {t for _, t in reasons}:
            reasons.insert(0, (ReasonKey("met" if v.status == "met" else "market", v.metric), v.sentence))
    read = next((v.market for v in verdicts if v.market is not None), None)
    if read is not None:
        reasons.append((ReasonKey("market"), READ_AS.format(pre=fmt.number(read["pre_days"]))))
        alpha = min((1.0 - c.confidence for c in criteria), default=0.05)
        reasons.append((ReasonKey("sequential"), wording.REASON_SEQUENTIAL.format(alpha=fmt.pct(alpha, 0))))
        for count, which in ((k["primary"], "a primary missed or futile"), (k["guardrail"], "a guardrail harmed")):
            if count > 1:
                reasons.append((ReasonKey("corrected"), wording.REASON_CORRECTED.format(k=count, which=which)))
    said: dict[str, ReasonKey] = {}
    for key, text in reasons:
        said.setdefault(text, key)
    return PilotEvaluation(
        pilot=pilot.name,
        recommendation=recommendation,
        reasons=list(said),
        reason_keys=list(said.values()),
        verdicts=verdicts,
        srm_p_value=None,
        srm_flag=False,
        design=pilot.design,
        as_of=as_of,
    )


def _code(code: str) -> ReasonCode:
    return cast(ReasonCode, code) if code in REASON_CODES else "unknown"


#: what ``evaluate --format json`` carries per market criterion (the series stay with the chart)
JSON_KEYS: tuple[str, ...] = ("test_markets", "relative_lift", "incremental", "per_market_per_day", "p_value")
JSON_KEYS += ("look_alpha", "outcome", "weights", "fit", "left_out", "pre_days", "test_days")


def json_view(v: CriterionVerdict) -> dict[str, Any] | None:
    """A market criterion's reading for the command line's JSON: lift, extra KPI, interval, p-value, weights, fit."""
    if v.market is None:
        return None
    out = {k: v.market.get(k) for k in JSON_KEYS}
    lift = v.market["relative_lift"]
    out["interval"] = {"confidence": v.required_confidence, "low": lift["low"], "high": lift["high"], "scale": "lift"}
    return out
