"""Command line for analysts and scheduled jobs: ``python -m lib.cli --help``.

Uses the same database as the app (GREENLIGHT_DATABASE_URL or data/greenlight.db)
and the same functions as the pages: no second implementation of anything.
Exit 0 on success; otherwise a one-line error on stderr and a non-zero code.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from lib import formatting as fmt
from lib.cli.common import EXIT_ERROR, EXIT_USAGE, CliError, cli_actor, open_engine, say
from lib.infra.db import reading, transaction
from lib.services import pilots
from lib.vocabulary import (
    DESIGN_COMPARISON,
    STARTED_STATUSES,
)

if TYPE_CHECKING:  # the heavy modules load only in the commands that use them: a cron import starts fast
    pass


def _number(text: str, raw: str, what: str) -> float:
    """``8%`` -> 0.08, ``0.08`` -> 0.08."""
    try:
        return float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise CliError(f"--criterion '{text}': {what} '{raw}' is not a number.", EXIT_USAGE) from None


def parse_criterion(text: str, design: str) -> dict:
    """METRIC:KIND:ROLE:COMPARISON:THRESHOLD[:EXPECTED], e.g. ``reply_rate:proportion:primary:vs_target:8%:11%``.

    THRESHOLD (the minimum worth scaling) may be written ``8%`` (a rate or lift) or ``+10%rel``
    for a relative lift; EXPECTED, optional, is the effect (or target value) the team expects,
    in the same units; COMPARISON may be left empty to take the design's own.
    """
    parts = text.split(":")
    if len(parts) not in (5, 6):
        raise CliError(
            f"--criterion '{text}': expected METRIC:KIND:ROLE:COMPARISON:THRESHOLD[:EXPECTED] "
            "(e.g. reply_rate:proportion:primary:vs_target:8%:11%).",
            EXIT_USAGE,
        )
    metric, kind, role, comparison, raw = (p.strip() for p in parts[:5])
    ttype = "absolute"
    if raw.endswith("rel"):
        ttype, raw = "relative", raw[:-3]
    threshold = _number(text, raw, "threshold")
    expected = None
    if len(parts) == 6 and parts[5].strip():
        expected = _number(text, parts[5].strip().removesuffix("rel"), "expected")
    direction = "decrease" if role == "guardrail" else "increase"
    return dict(
        metric=metric,
        kind=kind,
        role=role,
        comparison=comparison or DESIGN_COMPARISON.get(design, ""),
        threshold=threshold,
        threshold_type=ttype,
        direction=direction,
        expected=expected,
    )


def _fraction(text: str, what: str) -> float:
    try:
        return float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise CliError(f"--{what} '{text}' is not a number (e.g. 8% or 0.08).", EXIT_USAGE) from None


def cmd_report(args) -> int:
    """The stakeholder report as one offline HTML file: a pilot, a goal, or the review-meeting pack."""
    from lib.services import reporting

    with reading(open_engine()) as session:
        if args.pilot:
            html = reporting.pilot_html(session, pilots.find_pilot(session, args.pilot).id or 0)
        elif args.goal is not None:
            html = reporting.goal_html(session, args.goal)
        else:  # the pack holds Review's queue: say which pilots, and why
            waiting = reporting.pending(session)
            html = reporting.pack_html(session, waiting=waiting)
            say(f"Review's queue: {len(waiting):,} pilot(s) awaiting a decision.")
            for item in waiting:
                say(f"  {item.row.pilot.name}: {item.why}")
    out = Path(args.out)
    try:
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}.", EXIT_ERROR) from None
    say(f"Report written to {out} ({len(html.encode('utf-8')):,} bytes; opens offline in any browser).")
    return 0


def cmd_share(args) -> int:
    """Read-only share links: create (prints the link's path last), list, revoke."""
    from lib.formatting import fmt_date
    from lib.services import share

    engine = open_engine()
    if args.share_command == "create":
        with transaction(engine) as session:
            pilot_id = pilots.find_pilot(session, args.pilot).id if args.pilot else None
            link, token = share.create_link(
                session,
                actor=cli_actor(),
                pilot_id=pilot_id,
                goal_id=args.goal,
                expires_days=args.expires,
                label=args.label or "",
                decision_id=args.decision,
            )
            what = share.target_text(session, link)
        say(
            f"Share link {link.id} to {what}, expires {share.expiry_text(link)}. "
            "The token is shown only now; only its hash is stored."
        )
        say(share.share_path(token))
        return 0
    if args.share_command == "revoke":
        with transaction(engine) as session:
            link = share.revoke(session, args.id, cli_actor())
        say(f"Share link {link.id} revoked: it no longer opens anything.")
        return 0
    with reading(engine) as session:
        rows = share.list_links(session)
    if args.format == "json":
        say(
            json.dumps(
                [
                    {
                        "id": r.link.id,
                        "target": r.target,
                        "scope": r.link.scope,
                        "pilot_id": r.link.pilot_id,
                        "goal_id": r.link.goal_id,
                        "decision_id": r.link.decision_id,
                        "label": r.link.label,
                        "created": r.link.created_at.isoformat(),
                        "created_by": r.link.created_by,
                        "expires": r.link.expires_at.isoformat() if r.link.expires_at else None,
                        "revoked": r.link.revoked_at.isoformat() if r.link.revoked_at else None,
                        "status": r.status,
                        "opens": r.opens,
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
        return 0
    if not rows:
        say("No share links yet. Create one with `share create --pilot ID_OR_NAME` or `--goal ID`.")
        return 0
    width = max(len(r.target) for r in rows)
    say(f"{'id':>4}  {'target':<{width}}  {'created':<11}  {'expires':<11}  {'revoked':<11}  {'opens':>5}  label")
    for r in rows:
        lk = r.link
        expires = fmt_date(lk.expires_at.date()) if lk.expires_at else "never"
        revoked = fmt_date(lk.revoked_at.date()) if lk.revoked_at else "—"
        say(
            f"{lk.id:>4}  {r.target:<{width}}  {fmt_date(lk.created_at.date()):<11}  {expires:<11}  "
            f"{revoked:<11}  {r.opens:>5}  {lk.label}"
        )
    return 0


def cmd_plan(args) -> int:
    """The designer's planner: sample size and what the plan does under daily looks."""
    from lib.services.designer import summarize
    from lib.stats.planning import PlanInputs

    ttype = "relative" if args.threshold.endswith("rel") or args.expected.endswith("rel") else "absolute"
    inputs = PlanInputs(
        kind=args.kind,
        comparison=args.comparison,
        threshold=_fraction(args.threshold.removesuffix("rel"), "threshold"),
        expected=_fraction(args.expected.removesuffix("rel"), "expected"),
        baseline=None if args.baseline is None else _fraction(args.baseline, "baseline"),
        sd=args.sd,
        threshold_type=ttype,
        direction=args.direction,
        confidence=args.confidence,
        power=args.power,
        looks=args.days,
        baseline_days=args.baseline_days,
    )
    found = _before_file(args)
    from_file = found is not None and inputs.sd is None and inputs.kind != "proportion"
    if from_file:
        assert found is not None
        inputs = replace(inputs, sd=found.sd)  # the spread of one unit, as the file has it
    summary = summarize(inputs, units=args.units, daily_volume=args.per_day)
    adjusted = _adjusted(inputs, found, args.units)
    if args.format == "json":
        plan = summary.plan
        say(
            json.dumps(
                {
                    **adjusted,
                    "n": plan.n,
                    "fixed_n": plan.fixed_n,
                    "unit_is_day": plan.unit_is_day,
                    "looks": plan.looks,
                    "wrong_scale": plan.at_threshold.scale,
                    "power": plan.at_expected.scale,
                    "wrong_abort": plan.at_expected.abort,
                    "mean_decision_day": plan.mean_decision_look,
                    "days_needed": summary.days_needed,
                    "detectable": summary.detectable,
                    "sentence": summary.characteristics,
                },
                indent=2,
            )
        )
        return 0
    say(f"Planned sample: {summary.headline}")
    say(summary.looks_cost)
    say(summary.characteristics)
    for line in (summary.detectable_text, summary.warning):
        if line:
            say(line)
    if from_file:
        say(f"Spread of one of the {args.units} from {args.before_file}: {fmt.quantity(inputs.sd)}.")
    if adjusted.get("adjusted_sentence"):
        say(adjusted["adjusted_sentence"])
    return 0


def _before_file(args):
    """``--before-file`` read as the import reads a file; its three column options checked together."""
    from lib.services.before_file import read_or_refuse

    if args.before_file is None:
        if args.unit_column or args.before_column or args.strata_column:
            raise CliError("--unit-column, --before-column and --strata-column go with --before-file FILE.", EXIT_USAGE)
        return None
    if not args.unit_column or not args.before_column:
        raise CliError("--before-file needs --unit-column COL and --before-column COL.", EXIT_USAGE)
    if args.kind == "proportion":
        raise CliError(
            "--before-file plans averages and counts per unit (sales per store); a rate is planned from its baseline.",
            EXIT_USAGE,
        )
    try:
        return read_or_refuse(args.before_file, args.unit_column, args.before_column, args.strata_column)
    except (OSError, ValueError) as exc:
        raise CliError(f"--before-file: {exc}", EXIT_USAGE) from None


def _adjusted(inputs, found, units: str) -> dict:
    """The adjusted plan beside the unadjusted one: units per arm each way, and the sentence that says so."""
    from lib.services.before_file import adjusted_sizes

    if found is None:
        return {}
    plain_n, n = adjusted_sizes(inputs, found)
    if not found.adjusted_for:
        sentence = f"Nothing in the before-file explains the spread between {units}: plan with {fmt.number(plain_n)}."
        if found.note:
            sentence += f" ({found.note}.)"
    elif n >= plain_n:
        sentence = (
            f"Adjusting for {found.what} takes away {fmt.pct(1 - found.variance_left, 0)} of the variance between "
            f"{units} in the before-file: too little to plan with fewer {units}; plan with {fmt.number(plain_n)}."
        )
    else:
        sentence = (
            f"Adjusted for {found.what}: about {fmt.number(n)} {units} per arm instead of {fmt.number(plain_n)} "
            f"unadjusted ({fmt.pct(1 - n / plain_n, 0)} fewer); the before-file's {fmt.number(found.units)} {units} "
            f"show {fmt.pct(1 - found.variance_left, 0)} of the variance between them taken away."
        )
    return {
        "unadjusted_n": plain_n,
        "adjusted_n": n,
        "adjusted_for": list(found.adjusted_for),
        "variance_left": found.variance_left,
        "before_units": found.units,
        "adjusted_sentence": sentence,
    }


def cmd_demo(args) -> int:
    from lib.demo import loader

    with transaction(open_engine()) as session:
        try:
            summary = loader.load_demo(session)
        except loader.WorkspaceNotEmpty as exc:
            raise CliError(str(exc)) from None
    say(
        f"Demo workspace loaded: {summary.goals} goals, {summary.pilots} pilots, "
        f"{summary.entries:,} result rows, {summary.decisions} decisions."
    )
    return 0


def cmd_pilots(args) -> int:
    with reading(open_engine()) as session:
        rows = pilots.list_pilots(session)
    if args.format == "json":
        say(
            json.dumps(
                [
                    {"id": r.pilot.id, "name": r.pilot.name, "design": r.pilot.design, "status": r.pilot.status}
                    for r in rows
                ],
                indent=2,
            )
        )
        return 0
    if not rows:
        say("No pilots yet. Create one with `create-pilot` or load the demo with `demo`.")
        return 0
    width = max(len(r.pilot.name) for r in rows)
    say(f"{'id':>4}  {'name':<{width}}  {'design':<12}  status")
    for r in rows:
        say(f"{r.pilot.id:>4}  {r.pilot.name:<{width}}  {r.pilot.design:<12}  {r.pilot.status}")
    return 0


def count_labels(given: list[str], flag: str, metrics: list[str]) -> dict[str, str]:
    """``--denominator-label Sent`` (every criterion) or ``reply_rate=Sent`` (one metric's), repeatable."""
    out: dict[str, str] = {}
    for text in given:
        metric, sep, name = text.partition("=")
        if not sep:
            out.update(dict.fromkeys(metrics, text.strip()))
        elif metric.strip() not in metrics:
            known = ", ".join(dict.fromkeys(metrics)) or "none: add a --criterion first"
            raise CliError(f"--{flag} '{text}': '{metric.strip()}' is not a criterion's metric ({known}).", EXIT_USAGE)
        else:
            out[metric.strip()] = name.strip()
    return out


def cmd_create_pilot(args) -> int:
    criteria = [parse_criterion(c, args.design) for c in args.criterion]
    metrics = [c["metric"] for c in criteria]
    named = {
        "denominator_label": count_labels(args.denominator_label, "denominator-label", metrics),
        "numerator_label": count_labels(args.numerator_label, "numerator-label", metrics),
    }
    for c in criteria:
        c.update({field: names[c["metric"]] for field, names in named.items() if c["metric"] in names})
    values = dict(
        name=args.name,
        design=args.design,
        goal_id=args.goal,
        status=args.status,
        hypothesis=args.hypothesis or "",
        owner=args.owner or cli_actor(),
        channel=args.channel,
        start_date=args.start,
        end_date=args.end,
        baseline_start=args.baseline_start,
        baseline_end=args.baseline_end,
        planned_n_per_arm=args.planned_n,
        arms=args.arms,
        unit=args.unit,
        unit_summary=args.unit_summary,
        test_markets=args.test_markets,
        excluded_markets=args.excluded_markets,
    )
    with transaction(open_engine()) as session:
        pilot = pilots.create_pilot(session, cli_actor(), criteria=criteria, **values)
    say(f"Created pilot {pilot.id}: {pilot.name} ({pilot.design}, {len(criteria)} criteria).")
    return 0


VERDICT_KEYS: tuple[str, ...] = ("metric", "role", "control_value", "pilot_value", "difference", "ci_low", "ci_high")
VERDICT_KEYS += ("relative_lift", "p_value", "p_value_tests", "met", "sentence")
# pilots that split units: per-unit counts, what was adjusted for, and the unadjusted interval beside the verdict's
VERDICT_KEYS += ("unit", "n_units", "adjusted_for", "standard_error", "adjustment_note")
VERDICT_KEYS += ("unadjusted_difference", "unadjusted_ci_low", "unadjusted_ci_high")


def cmd_evaluate(args) -> int:
    """The engine's verdicts under each pilot's headline (``lib.services.headline``: the pilot page's too)."""
    from lib.decide.market import json_view
    from lib.services.evaluation import evaluate
    from lib.services.headline import headline_for
    from lib.services.spend_view import spend_many
    from lib.stats.result_types import plain

    with reading(open_engine()) as session:
        targets = (
            [pilots.find_pilot(session, args.pilot)]
            if args.pilot
            else [r.pilot for r in pilots.list_pilots(session) if r.pilot.status in STARTED_STATUSES]
        )
        evaluations = [(p, evaluate(session, p.id or 0)) for p in targets]
        headlines = [headline_for(session, p, ev) for p, ev in evaluations]
        spends = spend_many(session, targets)
    if args.format == "json":
        out = []
        for (p, ev), h in zip(evaluations, headlines, strict=True):
            d = ev.to_dict()
            out.append(
                {
                    "pilot": p.name,
                    "pilot_id": p.id,
                    "status": p.status,
                    "recommendation": d["recommendation"],
                    "reasons": d["reasons"],
                    "headline": {"code": h.code, "title": h.title, "reasons": h.reasons},
                    "criteria": [{k: v.get(k) for k in VERDICT_KEYS} for v in d["verdicts"]],
                    # total, extra outcome, cost per extra, return on spend: each {estimate, low, high}; None unbounded
                    "spend": spends[p.id or 0].beside(ev).to_json() if (p.id or 0) in spends else None,
                }
            )
            if p.design == "market":  # the reading against the synthetic control, per criterion and the primary's
                views = [plain(json_view(v)) for v in ev.verdicts]
                for row, view in zip(out[-1]["criteria"], views, strict=True):
                    row["market"] = view
                out[-1]["market"] = plain(json_view(ev.primary)) if ev.primary else None
        say(json.dumps(out, indent=2, allow_nan=False))
        return 0
    if not evaluations:
        say("No running or decided pilots to evaluate.")
    for (p, ev), h in zip(evaluations, headlines, strict=True):
        say(f"{p.name} [{h.state}] -> {h.title.upper()}")
        if (p.id or 0) in spends:  # the money sentence leads, as on the pilot page
            say(f"  Money: {spends[p.id or 0].beside(ev).sentence}")
            if spends[p.id or 0].scaling:
                say(f"  {spends[p.id or 0].scaling}")
        for reason in h.reasons:
            say(f"  * {reason}")
        for v in ev.verdicts if h.judged else ():  # before the start no criterion is judged
            say(f"  - {v.role}: {v.sentence}")
            if v.adjustment_note:  # stores split between arms: what adjusting did, and the plain reading
                say(
                    f"    {v.adjustment_note} Unadjusted: {fmt.signed_number_range(v.unadjusted_ci_low, v.unadjusted_ci_high)}."
                )
            if v.market is not None:  # a market test: what its synthetic control is made of, and how it fit
                from lib.charts.market import fit_text, left_out_text, weights_sentence

                for line in (weights_sentence(v.market) + ".", fit_text(v.market), left_out_text(v.market)):
                    if line:
                        say(f"    {line}")
        say()
    return 0


def cmd_export(args) -> int:
    from lib.services import backup

    data = backup.export_workspace(open_engine())
    Path(args.out).write_text(backup.dumps(data), encoding="utf-8")
    rows = sum(len(v) for v in data["tables"].values())
    say(f"Exported {rows:,} rows from {len(data['tables'])} tables to {args.out}.")
    return 0


def cmd_restore(args) -> int:
    from datetime import UTC, datetime

    from lib.services import backup

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"{args.file}: no such file.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CliError(f"{args.file}: not UTF-8 text, so not a Greenlight backup.") from None
    except OSError as exc:
        raise CliError(f"{args.file}: {exc.strerror or exc}.") from None
    previous = None
    if args.replace:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        previous = Path(args.previous_out or path.resolve().parent / f"greenlight-before-restore-{stamp}.json")
    restored = backup.restore_workspace(open_engine(), backup.loads(text), replace=args.replace, previous_to=previous)
    if previous is not None:
        say(f"Saved the workspace as it was to {previous} (restore it with --replace to go back).")
    say(f"Restored {sum(restored.values()):,} rows into {len(restored)} tables.")
    return 0
