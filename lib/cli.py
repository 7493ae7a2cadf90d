"""Command line for analysts and scheduled jobs: ``python -m lib.cli --help``.

Uses the same database as the app (GREENLIGHT_DATABASE_URL or data/greenlight.db)
and the same functions as the pages: no second implementation of anything.
Exit 0 on success; otherwise a one-line error on stderr and a non-zero code.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from lib import pilots
from lib.config import current_actor
from lib.db import make_engine, reading, transaction, upgrade
from lib.vocabulary import (
    CHANNELS,
    COMPARISONS,
    DESIGN_COMPARISON,
    DESIGNS,
    DIRECTIONS,
    IMPORT_LAYOUTS,
    METRIC_KINDS,
    PILOT_STATUSES,
    STARTED_STATUSES,
)

if TYPE_CHECKING:  # the heavy modules load only in the commands that use them: a cron import starts fast
    from sqlalchemy.engine import Engine

    from lib.importer import ImportPreview, MetricMapping

EXIT_USAGE, EXIT_INVALID, EXIT_ERROR = 2, 3, 1

# Terminal escape sequences (colours, cursor moves, window titles, hyperlinks), 7- and 8-bit forms
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, ended by BEL or ST
    r"|\x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # 8-bit OSC and strings
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # every control character but tab and newline


def terminal_safe(text: str) -> str:
    """What a terminal may show: stored names can hold escape codes that recolour, retitle or hide text."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def say(*values: object, file: TextIO | None = None) -> None:
    """Print, without terminal escape codes: everything the CLI prints passes here."""
    print(terminal_safe(" ".join(str(v) for v in values)), file=file)


class CliError(Exception):
    """A problem to report in one line, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_INVALID):
        super().__init__(message)
        self.code = code


def _engine() -> Engine:
    engine = make_engine()
    upgrade(engine)
    return engine


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
    from lib.report import compose

    with reading(_engine()) as session:
        if args.pilot:
            html = compose.pilot_html(session, pilots.find_pilot(session, args.pilot).id or 0)
        elif args.goal is not None:
            html = compose.goal_html(session, args.goal)
        else:
            html = compose.pack_html(session)
    out = Path(args.out)
    try:
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}.", EXIT_ERROR) from None
    say(f"Report written to {out} ({len(html.encode('utf-8')):,} bytes; opens offline in any browser).")
    return 0


def cmd_share(args) -> int:
    """Read-only share links: create (prints the link's path last), list, revoke."""
    from lib import share
    from lib.formatting import fmt_date

    engine = _engine()
    if args.share_command == "create":
        with transaction(engine) as session:
            pilot_id = pilots.find_pilot(session, args.pilot).id if args.pilot else None
            link, token = share.create_link(
                session,
                actor=current_actor(),
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
            link = share.revoke(session, args.id, current_actor())
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
    from lib.designer import summarize
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
    summary = summarize(inputs, units=args.units, daily_volume=args.per_day)
    if args.format == "json":
        plan = summary.plan
        say(
            json.dumps(
                {
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
    return 0


def cmd_demo(args) -> int:
    from lib import demo

    with transaction(_engine()) as session:
        try:
            summary = demo.load_demo(session)
        except demo.WorkspaceNotEmpty as exc:
            raise CliError(str(exc)) from None
    say(
        f"Demo workspace loaded: {summary.goals} goals, {summary.pilots} pilots, "
        f"{summary.entries:,} result rows, {summary.decisions} decisions."
    )
    return 0


def cmd_pilots(args) -> int:
    with reading(_engine()) as session:
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


def cmd_create_pilot(args) -> int:
    criteria = [parse_criterion(c, args.design) for c in args.criterion]
    values = dict(
        name=args.name,
        design=args.design,
        goal_id=args.goal,
        status=args.status,
        hypothesis=args.hypothesis or "",
        owner=args.owner or current_actor(),
        channel=args.channel,
        start_date=args.start,
        end_date=args.end,
        baseline_start=args.baseline_start,
        baseline_end=args.baseline_end,
        planned_n_per_arm=args.planned_n,
        arms=args.arms,
    )
    with transaction(_engine()) as session:
        pilot = pilots.create_pilot(session, current_actor(), criteria=criteria, **values)
    say(f"Created pilot {pilot.id}: {pilot.name} ({pilot.design}, {len(criteria)} criteria).")
    return 0


def cmd_evaluate(args) -> int:
    from lib.evaluation import evaluate

    with reading(_engine()) as session:
        targets = (
            [pilots.find_pilot(session, args.pilot)]
            if args.pilot
            else [r.pilot for r in pilots.list_pilots(session) if r.pilot.status in STARTED_STATUSES]
        )
        evaluations = [(p, evaluate(session, p.id or 0)) for p in targets]
    if args.format == "json":
        out = []
        for p, ev in evaluations:
            d = ev.to_dict()
            out.append(
                {
                    "pilot": p.name,
                    "pilot_id": p.id,
                    "status": p.status,
                    "recommendation": d["recommendation"],
                    "reasons": d["reasons"],
                    "criteria": [
                        {
                            k: v.get(k)
                            for k in (
                                "metric",
                                "role",
                                "control_value",
                                "pilot_value",
                                "difference",
                                "ci_low",
                                "ci_high",
                                "relative_lift",
                                "p_value",
                                "p_value_tests",
                                "met",
                                "sentence",
                            )
                        }
                        for v in d["verdicts"]
                    ],
                }
            )
        say(json.dumps(out, indent=2, allow_nan=False))
        return 0
    if not evaluations:
        say("No running or decided pilots to evaluate.")
    for p, ev in evaluations:
        started = p.status in STARTED_STATUSES
        verdict = ev.recommendation.replace("_", " ").upper() if started else "NOT STARTED"
        say(f"{p.name} [{p.status}] -> {verdict}")
        for reason in ev.reasons:
            say(f"  * {reason}")
        for v in ev.verdicts:
            say(f"  - {v.role}: {v.sentence}")
        say()
    return 0


def parse_metric(text: str, layout: str, kinds: dict[str, str]) -> MetricMapping:
    """NAME=COLUMN[:KIND]; aggregated rates NAME=CONVERSIONS/EXPOSURES, means NAME=N/SUM[/SUM_SQ]."""
    from lib.importer import MetricMapping

    name, sep, rest = text.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise CliError(f"--metric '{text}': expected NAME=COLUMN[:KIND].", EXIT_USAGE)
    columns, _, kind = rest.rpartition(":") if ":" in rest else (rest, "", "")
    kind = kind.strip() or kinds.get(name.strip(), "proportion")
    if kind not in METRIC_KINDS:
        known = f"{', '.join(METRIC_KINDS[:-1])} or {METRIC_KINDS[-1]}"
        raise CliError(f"--metric '{text}': kind '{kind}' is not {known}.", EXIT_USAGE)
    parts = [c.strip() for c in columns.split("/")]
    m = MetricMapping(name=name.strip(), kind=kind)  # type: ignore[arg-type]
    if layout == "events":
        m.column = columns.strip()
    elif kind == "proportion":
        if len(parts) != 2:
            raise CliError(f"--metric '{text}': an aggregated rate needs CONVERSIONS/EXPOSURES columns.", EXIT_USAGE)
        m.conversions_column, m.exposures_column = parts
    elif kind == "mean":
        if len(parts) not in (2, 3):
            raise CliError(f"--metric '{text}': an aggregated mean needs N/SUM[/SUM_SQ] columns.", EXIT_USAGE)
        m.n_column, m.sum_column = parts[:2]
        m.sum_sq_column = parts[2] if len(parts) == 3 else None
    else:
        m.column = parts[0]
    return m


def _print_preview(preview: ImportPreview) -> None:
    say(
        f"File: {preview.file_name} ({preview.size_bytes:,} bytes), layout {preview.layout} "
        f"(detected: {preview.detected_layout}), {preview.row_count:,} rows read, {preview.rows_used:,} used."
    )
    if preview.first_day:
        say(f"Days: {preview.first_day} to {preview.last_day} ({preview.period or 'day'} rows).")
    for t in preview.arm_totals:
        value = f"{t.value:.2%}" if t.kind == "proportion" and t.value is not None else f"{t.value or 0:,.4g}"
        say(
            f"  {t.metric} · {t.arm}: n={t.n:,.0f} total={t.total:,.6g} ({value}) over {t.days} day(s), {t.rows:,} rows"
        )
    for note in preview.notes:
        say(f"Note: {note}")
    if preview.ok:
        say(f"OK: {len(preview.observations):,} day x arm x metric values would be stored.")
    else:
        say(f"{preview.problem_count:,} problem(s):")
        for p in preview.problems:
            say(f"  {p}" + (f" [{p.column}]" if p.column else ""))
        if preview.more_problems:
            say(f"  … and {preview.more_problems:,} more.")


def cmd_import(args) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from lib import imports
    from lib.importer import ImportMapping, file_checksum, read_sample

    engine = _engine()
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"{args.file}: no such file.")
    with reading(engine) as session, ThreadPoolExecutor(1) as pool:
        hashing = pool.submit(file_checksum, path)  # hashlib runs beside the mapping work, outside the GIL
        pilot = pilots.find_pilot(session, args.pilot)
        kinds = pilots.metric_kinds(session, pilot.id or 0)
        if args.layout and args.metric and args.date_column and (args.arm_column or args.layout == "aggregated"):
            mapping = ImportMapping(layout=args.layout, arm_column=args.arm_column, date_column=args.date_column)
        else:  # start from last time's mapping or a suggestion; what the command line says wins
            mapping = imports.mapping_for(session, pilot.id or 0, read_sample(path))
        if args.layout:
            mapping.layout = args.layout
        for option in ("arm_column", "date_column"):
            if getattr(args, option):
                setattr(mapping, option, getattr(args, option))
        if args.control:
            mapping.control_value = args.control
        if args.metric:
            mapping.metrics = [parse_metric(m, mapping.layout, kinds) for m in args.metric]
        left_out = imports.unmapped_metrics(session, pilot.id or 0, mapping)
        if left_out:
            say(f"Note: not in this file's mapping, so not imported: {', '.join(left_out)}.")
        checksum = hashing.result()
        replacing = imports.check_duplicate(session, pilot.id or 0, checksum, args.replace)
        preview = imports.preview_for_pilot(session, pilot.id or 0, path, mapping, replacing=replacing)
    _print_preview(preview)
    if args.dry_run:
        say("Dry run: nothing was saved.")
        return 0 if preview.ok else EXIT_INVALID
    if not preview.ok:
        raise CliError(f"{preview.problem_count:,} problem(s) in {path.name}; nothing was saved.")
    with transaction(engine) as session:
        outcome = imports.commit_import(
            session,
            pilot.id or 0,
            preview,
            checksum=checksum,
            actor=current_actor(),
            source="cli",
            replace=args.replace,
        )
    replaced = f" (replaced batch #{outcome.replaced_batch_id})" if outcome.replaced_batch_id else ""
    say(f"Imported {outcome.entries:,} values into “{pilot.name}” as batch #{outcome.batch.id}{replaced}.")
    return 0


def cmd_export(args) -> int:
    from lib import backup

    data = backup.export_workspace(_engine())
    Path(args.out).write_text(backup.dumps(data), encoding="utf-8")
    rows = sum(len(v) for v in data["tables"].values())
    say(f"Exported {rows:,} rows from {len(data['tables'])} tables to {args.out}.")
    return 0


def cmd_restore(args) -> int:
    from datetime import UTC, datetime

    from lib import backup

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
    restored = backup.restore_workspace(_engine(), backup.loads(text), replace=args.replace, previous_to=previous)
    if previous is not None:
        say(f"Saved the workspace as it was to {previous} (restore it with --replace to go back).")
    say(f"Restored {sum(restored.values()):,} rows into {len(restored)} tables.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lib.cli", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    add("demo", cmd_demo, "Load the demo workspace into an empty database.")
    p = add("pilots", cmd_pilots, "List pilots: id, name, design, status.")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add("create-pilot", cmd_create_pilot, "Create a pilot with its success criteria.")
    p.add_argument("--name", required=True)
    p.add_argument("--design", required=True, choices=DESIGNS)
    p.add_argument("--goal", type=int, help="id of the goal it serves")
    p.add_argument(
        "--criterion",
        action="append",
        default=[],
        metavar="METRIC:KIND:ROLE:COMPARISON:THRESHOLD[:EXPECTED]",
        help="repeatable; THRESHOLD is the minimum worth scaling, EXPECTED the effect you expect; "
        "e.g. reply_rate:proportion:primary:vs_target:8%%:11%%",
    )
    p.add_argument("--status", default="planned", choices=PILOT_STATUSES)
    p.add_argument("--hypothesis")
    p.add_argument("--owner")
    p.add_argument("--channel", default="other", choices=CHANNELS)
    p.add_argument("--start", type=date.fromisoformat, metavar="YYYY-MM-DD")
    p.add_argument("--end", type=date.fromisoformat, metavar="YYYY-MM-DD")
    p.add_argument("--baseline-start", type=date.fromisoformat, metavar="YYYY-MM-DD")
    p.add_argument("--baseline-end", type=date.fromisoformat, metavar="YYYY-MM-DD")
    p.add_argument("--planned-n", type=int, help="planned people per arm")
    p.add_argument(
        "--arms",
        metavar="CONTROL,PILOT",
        help="A/B arms as your export names them, control first (default: control,pilot), e.g. gate_30,gate_40",
    )

    p = add("plan", cmd_plan, "Plan a criterion's sample for daily looks, and say what the plan does.")
    p.add_argument("--kind", default="proportion", choices=METRIC_KINDS)
    p.add_argument("--comparison", default="vs_control", choices=COMPARISONS)
    p.add_argument("--threshold", required=True, help="minimum worth scaling: 0, 1%%, 10%%rel, or a target 8%%")
    p.add_argument("--expected", required=True, help="the effect (or target value) you expect, same units")
    p.add_argument("--baseline", help="today's rate (5%%) or average (control arm or baseline period)")
    p.add_argument("--sd", type=float, help="spread of one unit (averages) or of one day (counts, before/after)")
    p.add_argument("--direction", default="increase", choices=DIRECTIONS)
    p.add_argument("--confidence", type=float, default=0.95)
    p.add_argument("--power", type=float, default=0.8)
    p.add_argument("--days", type=int, default=28, help="pilot length in days: one look a day")
    p.add_argument("--baseline-days", type=int, help="before/after: days in the baseline period")
    p.add_argument("--per-day", type=float, help="people per arm per day: adds duration and what it can detect")
    p.add_argument("--units", default="people")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add(
        "report",
        cmd_report,
        "Write the stakeholder report (self-contained HTML) for a pilot, a goal, or every pilot awaiting a decision.",
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--pilot", metavar="ID_OR_NAME")
    which.add_argument("--goal", type=int, metavar="ID")
    which.add_argument("--pending", action="store_true", help="the review-meeting pack")
    p.add_argument("--out", required=True, metavar="FILE.html")

    p = add("share", cmd_share, "Read-only share links for stakeholders: create, list, revoke.")
    share_sub = p.add_subparsers(dest="share_command", required=True, metavar="ACTION")
    c = share_sub.add_parser(
        "create",
        help="Create a link to a pilot's report or a goal's; prints its path last.",
        description="Create a read-only link; its path (/?share=TOKEN) is the last line.",
    )
    target = c.add_mutually_exclusive_group(required=True)
    target.add_argument("--pilot", metavar="ID_OR_NAME")
    target.add_argument("--goal", type=int, metavar="ID")
    c.add_argument("--expires", type=int, metavar="DAYS", help="stops working after DAYS days (1 to 3650)")
    c.add_argument("--label", metavar="TEXT", help="who it is for, e.g. 'Sales leadership'")
    c.add_argument(
        "--decision",
        type=int,
        metavar="ID",
        help="pin a pilot's link to that recorded decision's frozen numbers instead of today's",
    )
    c = share_sub.add_parser(
        "list",
        help="List links: id, target, created, expires, revoked, opens.",
        description="List links: id, target, created, expires, revoked, opens.",
    )
    c.add_argument("--format", choices=("text", "json"), default="text")
    c = share_sub.add_parser(
        "revoke",
        help="Revoke a link: it opens nothing from now on.",
        description="Revoke a link: it opens nothing from now on.",
    )
    c.add_argument("id", type=int, metavar="ID")

    p = add("evaluate", cmd_evaluate, "Verdicts of the decision engine for one or all running/decided pilots.")
    p.add_argument("--pilot", metavar="ID_OR_NAME")
    p.add_argument("--format", choices=("json", "text"), default="text")

    p = add("import", cmd_import, "Import an export file (CSV or .xlsx) into a pilot, all rows or none.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--pilot", required=True, metavar="ID_OR_NAME")
    p.add_argument(
        "--layout",
        choices=IMPORT_LAYOUTS,
        help="aggregated: one row per day and arm; events: one row per person/order",
    )
    p.add_argument("--arm-column", metavar="COL")
    p.add_argument("--control", metavar="VALUE", help="the arm column's value for the control group")
    p.add_argument("--date-column", metavar="COL")
    p.add_argument(
        "--metric",
        action="append",
        default=[],
        metavar="NAME=COLUMN[:KIND]",
        help="repeatable; aggregated rates NAME=CONVERSIONS/EXPOSURES, means NAME=N/SUM[/SUM_SQ]; "
        "without --metric the pilot's remembered or a suggested mapping is used",
    )
    p.add_argument("--dry-run", action="store_true", help="print the preview, save nothing")
    p.add_argument("--replace", action="store_true", help="replace an earlier import of the same file")

    p = add("export", cmd_export, "Write a complete, versioned backup of the workspace (JSON).")
    p.add_argument("--out", required=True, metavar="FILE")
    p = add(
        "restore",
        cmd_restore,
        "Restore a backup into an empty workspace, all rows or none; every row is checked first.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--replace",
        action="store_true",
        help="replace a workspace that has rows; it is saved to a file first (see --previous-out)",
    )
    p.add_argument(
        "--previous-out",
        metavar="FILE",
        help="with --replace: where to save the current workspace "
        "(default: greenlight-before-restore-<UTC time>.json beside FILE)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CliError as exc:
        say(f"error: {exc}", file=sys.stderr)
        return exc.code
    except ValueError as exc:  # InvalidInput, ImportFileError, BackupError, WorkspaceNotEmpty: messages for people
        say(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:  # `... | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
