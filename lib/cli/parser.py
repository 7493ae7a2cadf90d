"""The command line's parser: every command, its options and its help, in one place."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date

from lib.cli import commands
from lib.cli.commands import (
    cmd_create_pilot,
    cmd_demo,
    cmd_evaluate,
    cmd_export,
    cmd_pilots,
    cmd_plan,
    cmd_report,
    cmd_restore,
    cmd_share,
)
from lib.cli.import_command import cmd_import
from lib.cli.plan_markets import cmd_plan_markets
from lib.vocabulary import (
    CHANNELS,
    COMPARISONS,
    DESIGNS,
    DIRECTIONS,
    IMPORT_LAYOUTS,
    METRIC_KINDS,
    PILOT_STATUSES,
    UNIT_SUMMARIES,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lib.cli", description=(commands.__doc__ or "").split("\n\n")[0])
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
    p.add_argument("--planned-n", type=int, help="planned people (or --unit: stores, markets) per arm")
    p.add_argument(
        "--arms",
        metavar="CONTROL,PILOT",
        help="A/B arms as your export names them, control first (default: control,pilot), e.g. gate_30,gate_40",
    )
    p.add_argument(
        "--unit",
        metavar="NAME",
        help="what the arms split when not people, e.g. stores or markets: the verdict is then per unit",
    )
    p.add_argument(
        "--unit-summary",
        choices=UNIT_SUMMARIES,
        help="a unit's value: its mean per row or period (default) or its total for the pilot",
    )
    p.add_argument(
        "--denominator-label",
        action="append",
        default=[],
        metavar="[METRIC=]NAME",
        help="what a rate or average is counted over, as your team says it (e.g. Sent, Orders); repeatable, "
        "METRIC= for one metric; default: from the metric and channel (an email's rate is over Sent)",
    )
    p.add_argument(
        "--numerator-label",
        action="append",
        default=[],
        metavar="[METRIC=]NAME",
        help="what is counted (e.g. reply_rate=Replies), or what an average is of; default: from the metric's name",
    )

    p.add_argument(
        "--test-markets",
        metavar="A,B",
        help="market tests: the markets that get the pilot, as the data names them (e.g. Chicago,Portland)",
    )
    p.add_argument(
        "--excluded-markets",
        metavar="C,D",
        help="market tests: markets kept out of the synthetic control (e.g. ones the campaign spills into)",
    )

    p = add("plan", cmd_plan, "Plan a criterion's sample for daily looks, and say what the plan does.")
    p.add_argument("--kind", default="proportion", choices=METRIC_KINDS)
    p.add_argument(
        "--comparison",
        default="vs_control",
        choices=[c for c in COMPARISONS if c != "vs_synthetic"],  # a market test is planned by its markets' history
        help="a market test (vs a synthetic control) is planned from its markets' history instead",
    )
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
    p.add_argument(
        "--before-file",
        metavar="FILE",
        help="each unit's figures from before the pilot (CSV or xlsx): the plan also quotes the units needed "
        "when the verdict adjusts for them (a unit with several rows: its later rows stand in for the outcome)",
    )
    p.add_argument("--unit-column", metavar="COL", help="with --before-file: the store or market id on each row")
    p.add_argument("--before-column", metavar="COL", help="with --before-file: the value before the pilot (sales)")
    p.add_argument("--strata-column", metavar="COL", help="with --before-file: what each unit belongs to (market)")

    p = add(
        "plan-markets",
        cmd_plan_markets,
        "Pick test markets and a test length from a per-market history (one row per market and day).",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--market-column", required=True, metavar="COL")
    p.add_argument("--date-column", required=True, metavar="COL")
    p.add_argument("--metric", required=True, metavar="COL", help="the KPI column (conversions, sales)")
    p.add_argument("--effect", required=True, help="the lift the test should detect, e.g. 10%%")
    p.add_argument("--days", default="15", help="test length in days, or several: 15,20,30 (default 15)")
    p.add_argument("--test-markets", metavar="A,B", help="check these markets instead of searching")
    p.add_argument("--exclude", metavar="A,B", help="markets that may be neither tested nor used as controls")
    p.add_argument("--cost-per-extra", metavar="X", help="cost of one extra conversion: adds the budget")
    p.add_argument("--sizes", default="1,2,3", metavar="1,2,3", help="how many test markets to try (default 1,2,3)")
    p.add_argument("--top", type=int, default=10, help="designs to show (default 10)")
    p.add_argument("--until", type=date.fromisoformat, metavar="YYYY-MM-DD", help="plan on the days up to this one")
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
    p.add_argument("--date-column", "--day-column", dest="date_column", metavar="COL")
    p.add_argument(
        "--metric",
        action="append",
        default=[],
        metavar="NAME=COLUMN[:KIND]",
        help="repeatable; aggregated rates NAME=CONVERSIONS/EXPOSURES, means NAME=N/SUM[/SUM_SQ]; "
        "without --metric the pilot's remembered or a suggested mapping is used",
    )
    p.add_argument(
        "--spend-column",
        metavar="COL",
        help="money spent, in the workspace's currency: per row (the day's spend per arm in aggregated files, "
        "each person's or order's in event files, summed per day and arm)",
    )
    p.add_argument("--unit-column", metavar="COL", help="the store or market id on each row (pilots split by unit)")
    p.add_argument(
        "--market-column",
        metavar="COL",
        help="market tests: the market on each row (one row per market and day); its arm follows from the plan",
    )
    p.add_argument("--strata-column", metavar="COL", help="what each unit belongs to (market, region): adjusted for")
    p.add_argument(
        "--before-column", metavar="COL", help="each unit's value before the pilot (last month's sales): adjusted for"
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
