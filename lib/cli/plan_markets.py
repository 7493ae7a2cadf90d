"""``python -m lib.cli plan-markets``: which markets to test, and for how long, from a per-market history file."""

from __future__ import annotations

import json

from lib.cli.common import EXIT_USAGE, CliError, say


def _table(rows: list[dict[str, str]]) -> list[str]:
    """A plain aligned table: text left, figures right."""
    if not rows:
        return []
    columns = list(rows[0])
    left = {"Test markets", "Fit"}
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in columns}

    def line(cells: dict[str, str]) -> str:
        return "  ".join(cells[c].ljust(widths[c]) if c in left else cells[c].rjust(widths[c]) for c in columns)

    return [line({c: c for c in columns}), *(line(r) for r in rows)]


def cmd_plan_markets(args) -> int:
    from lib.importer.values import parse_number
    from lib.services import market_plan

    try:
        effect = market_plan.parse_effect(args.effect)
        days = market_plan.parse_days(args.days)
        sizes = market_plan.parse_days(args.sizes)
        cost = None if args.cost_per_extra is None else parse_number(args.cost_per_extra)
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    if args.top < 1:
        raise CliError("--top must be 1 or more.", EXIT_USAGE)
    try:
        plan = market_plan.plan_markets(
            args.file,
            market_column=args.market_column,
            date_column=args.date_column,
            metric_column=args.metric,
            effect=effect,
            days=days,
            test_markets=market_plan.parse_markets(args.test_markets),
            excluded=market_plan.parse_markets(args.exclude),
            cost_per_extra=cost,
            top=args.top,
            sizes=sizes,
            until=args.until,
        )
    except (ValueError, OSError) as exc:  # ImportFileError, unknown market, too few days, unreadable file
        raise CliError(str(exc)) from None
    if args.format == "json":
        say(json.dumps(market_plan.plan_json(plan), indent=2))
        return 0
    lines = market_plan.summary_lines(plan)
    say(lines[0])
    say("")
    for row in _table(market_plan.table_rows(plan)):
        say(row)
    say("")
    for text in lines[1:]:
        say(text)
    return 0
