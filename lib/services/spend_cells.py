"""Spend typed into the Log results grid: in the workspace's currency only, every other one named by its cell.

The grid reads a cell as the importer reads a file's ("€1.200,50" and "1,200.50" are both 1200.5),
and that reader drops currency marks. For spend the mark matters: "$1,200" typed in a euro
workspace is not €1,200. Such a cell is named (day · arm · column) and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from lib.currencies import foreign_currency, other_currency_message
from lib.infra.inputs import FieldError
from lib.services import settings
from lib.services.conflicts import day_month
from lib.services.grid_sheets import Sheet
from lib.vocabulary import SPEND_METRIC


def foreign_cells(session: Session, sheet: Sheet, shown: Sequence[dict], typed: Sequence[dict]) -> list[FieldError]:
    """Every typed spend cell that names another currency than the workspace's, as a problem naming the cell."""
    labels = [c.label for c in sheet.columns if any(metric == SPEND_METRIC for metric, _ in c.feeds)]
    if not labels:
        return []
    code = settings.currency(session).code
    problems = []
    for before, after in zip(shown, typed, strict=True):
        for label in labels:
            value = after.get(label)
            mark = foreign_currency(value, code)
            if mark is not None:
                where = f"{day_month(before['Day'])} · {before['Arm']} · {label}"
                problems.append(FieldError(where, other_currency_message("the cell", value, mark, code)))
    return problems
