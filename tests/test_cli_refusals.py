"""Every way the command line refuses: one line on stderr that starts with ``error:``, a non-zero exit, nothing on
stdout, and never a traceback — whichever layer raised (the CLI's own checks, input models, the importer, the
backup reader, the database).

Run in process for speed; the one case that once escaped main (``demo`` on a full workspace, run as
``python -m lib.cli``) also runs as a real process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lib.cli.main import main
from tests.pages_helpers import ROOT

PILOT = ["--name", "Outreach", "--design", "target"]
CRITERION = "reply_rate:proportion:primary:vs_target:8%:11%"


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)
    assert main(["create-pilot", *PILOT, "--criterion", CRITERION]) == 0
    return tmp_path


def _files(tmp: Path) -> None:
    (tmp / "latin.json").write_bytes(b"\xff\xfe not utf-8 \xe9")
    (tmp / "backup.json").write_text('{"format": "something else"}')
    (tmp / "bad.csv").write_text("date,arm,sent,replies\n2026-11-02,control,ten,3\n2026-11-02,pilot,100,x\n")
    (tmp / "adir").mkdir()
    (tmp / "before.csv").write_text("store,market,sales\ns1,north,10\ns2,north,twelve\n")


REFUSALS: list[tuple[str, list[str], str]] = [
    ("criterion shape", ["create-pilot", *PILOT, "--criterion", "r:proportion"], "expected METRIC:KIND"),
    ("criterion number", ["create-pilot", *PILOT, "--criterion", "r:proportion:primary::abc"], "is not a number"),
    ("input model", ["create-pilot", "--name", "", "--design", "ab", "--criterion", "r:proportion:primary::0"], "Name"),
    ("plan number", ["plan", "--comparison", "vs_target", "--threshold", "abc", "--expected", "11%"], "not a number"),
    ("plan rule", ["plan", "--threshold", "1%", "--expected", "0.5%", "--baseline", "5%"], "beyond the threshold"),
    ("plan before columns", ["plan", "--kind", "mean", "--threshold", "0", "--expected", "3", "--sd", "9",
                             "--before-file", "before.csv"], "--unit-column COL and --before-column COL"),
    ("plan columns alone", ["plan", "--kind", "mean", "--threshold", "0", "--expected", "3", "--sd", "9",
                            "--unit-column", "store"], "go with --before-file"),
    ("plan before rate", ["plan", "--threshold", "0", "--expected", "1%", "--baseline", "5%", "--before-file",
                          "before.csv", "--unit-column", "store", "--before-column", "sales"], "planned from its baseline"),
    ("plan before missing", [*["plan", "--kind", "mean", "--threshold", "0", "--expected", "3", "--sd", "9"],
                             "--before-file", "none.csv", "--unit-column", "store", "--before-column", "sales"],
     "could not be opened"),
    ("plan before column", [*["plan", "--kind", "mean", "--threshold", "0", "--expected", "3", "--sd", "9"],
                            "--before-file", "before.csv", "--unit-column", "shop", "--before-column", "sales"],
     "no column 'shop'"),
    ("plan before cell", [*["plan", "--kind", "mean", "--threshold", "0", "--expected", "3", "--sd", "9"],
                          "--before-file", "before.csv", "--unit-column", "store", "--before-column", "sales"],
     "sales is not a number, or store is empty, on row 3"),
    ("create-pilot count name", ["create-pilot", *PILOT, "--criterion", CRITERION, "--numerator-label", "x=Y"],
     "'x' is not a criterion's metric"),
    ("unknown pilot", ["evaluate", "--pilot", "nope"], "no pilot is named 'nope'"),
    ("report unwritable", ["report", "--pilot", "Outreach", "--out", "adir"], "cannot write adir"),
    ("report unknown goal", ["report", "--goal", "999", "--out", "x.html"], "999"),
    ("share unknown pilot", ["share", "create", "--pilot", "nope"], "no pilot is named 'nope'"),
    ("share revoke unknown", ["share", "revoke", "999"], "999"),
    ("demo on a full workspace", ["demo"], "already has pilots"),
    ("restore missing", ["restore", "missing.json"], "no such file"),
    ("restore not text", ["restore", "latin.json"], "not UTF-8"),
    ("restore a folder", ["restore", "adir"], "adir"),
    ("restore not a backup", ["restore", "backup.json"], "backup"),
    ("import missing", ["import", "missing.csv", "--pilot", "Outreach"], "no such file"),
    ("import metric shape", ["import", "bad.csv", "--pilot", "Outreach", "--metric", "reply_rate"], "NAME=COLUMN"),
    ("import metric kind", ["import", "bad.csv", "--pilot", "Outreach", "--metric", "r=x:odd"], "kind 'odd'"),
    ("import rate columns", ["import", "bad.csv", "--pilot", "Outreach", "--metric", "reply_rate=x:proportion"], "CONVERSIONS/EXPOSURES"),
    ("import mean columns", ["import", "bad.csv", "--pilot", "Outreach", "--metric", "v=x:mean"], "N/SUM"),
    (
        "import problems",
        ["import", "bad.csv", "--pilot", "Outreach", "--arm-column", "arm", "--control", "control",
         "--date-column", "date", "--metric", "reply_rate=replies/sent"],
        "nothing was saved",
    ),
]  # fmt: skip


@pytest.mark.parametrize("argv, message", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_every_refusal_is_one_line_and_no_traceback(cli_db, capsys, argv, message):
    _files(cli_db)
    code = main(argv)
    out, err = capsys.readouterr()
    assert code != 0
    assert err.startswith("error: ") and "Traceback" not in err, err
    assert message in err, err
    assert err.count("\n") == 1 and len(err) < 400, err
    assert out == "" or argv[0] == "import", out  # an import prints its preview's problems before refusing


def test_an_unreachable_database_is_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "not-a-db").write_text("x" * 4096)
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", f"sqlite:///{tmp_path / 'not-a-db'}")
    code = main(["pilots"])
    err = capsys.readouterr().err
    assert code != 0 and err.startswith("error: ") and "Traceback" not in err and err.count("\n") == 1


def test_demo_twice_as_a_real_process_refuses_in_one_line(cli_db):
    """``python -m lib.cli`` once ran cli.py a second time as __main__, whose main did not catch the other copy's
    CliError: ``demo`` on a full workspace printed a traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "lib.cli", "demo"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr.strip() == "error: The workspace already has pilots; the demo loads only into an empty one."
