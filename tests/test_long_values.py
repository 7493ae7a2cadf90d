"""A message that quotes a value quotes at most about 60 characters, then says how long the value was.

A CSV whose cell holds 20,000,000 digits once made ``lib.cli import --dry-run`` print an error 20 million
characters long, and the Log results page would have sent the same text to the browser.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lib.cli.main import main
from lib.formatting import quoted
from lib.infra.db import transaction
from lib.infra.models import ResultEntry
from tests import factories
from tests.pages_helpers import count, errors, page

DIGITS = 20_000_000
SHOWN = "'" + "9" * 60 + "…' (20,000,000 characters) in 'replies' is not a number."


def _hostile_csv() -> bytes:
    day = date.today().isoformat()
    return f"date,variant,sent,replies\n{day},control,400,21\n{day},pilot,410,{'9' * DIGITS}\n".encode()


@pytest.fixture
def pilot_engine(app_engine):
    with transaction(app_engine) as s:
        factories.ab_pilot(s, start_date=date.today() - timedelta(days=10), end_date=date.today() + timedelta(days=10))
    return app_engine


def test_quoted_keeps_short_values_whole_and_cuts_long_ones():
    assert quoted("12,5 €") == "'12,5 €'"
    assert quoted("x" * 60) == "'" + "x" * 60 + "'"
    assert quoted("x" * 61) == "'" + "x" * 60 + "…' (61 characters)"
    assert quoted(None) == "'None'"


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "import"])
def test_the_cli_quotes_a_20_mb_cell_in_a_short_line_and_saves_nothing(pilot_engine, tmp_path, capsys, dry_run):
    path = tmp_path / "hostile.csv"
    path.write_bytes(_hostile_csv())
    argv = ["import", str(path), "--pilot", "1", *(["--dry-run"] if dry_run else [])]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code != 0
    assert SHOWN in out, out[:500]
    assert len(out) + len(err) < 2_000, (len(out), len(err))
    assert count(pilot_engine, ResultEntry) == 0


def test_the_page_quotes_a_20_mb_cell_in_a_short_message_and_saves_nothing(pilot_engine):
    at = page("pages/log_results.py").run()
    at.file_uploader[0].set_value(("hostile.csv", _hostile_csv(), "text/csv")).run()
    next(b for b in at.button if b.label == "Preview import").click().run()
    assert any("1 problem(s)" in e for e in errors(at)), errors(at)
    problems = next(d.value for d in at.dataframe if "Problem" in d.value.columns)
    assert list(problems["Problem"]) == [SHOWN]
    everything = " ".join([*errors(at), *(m.value for m in at.markdown), *(c.value for c in at.caption)])
    assert len(everything) < 20_000 and "9" * 61 not in everything
    assert not [b for b in at.button if b.label.startswith("Import ")]
    assert count(pilot_engine, ResultEntry) == 0
