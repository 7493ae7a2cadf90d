"""The CLI import end to end: a 60k-row event file lands as pandas' groupby says it should."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlmodel import Session

from lib.cli.main import main
from lib.infra.db import make_engine, transaction, upgrade
from lib.services.pilots import create_pilot
from lib.services.results import current_entries

START = date(2026, 9, 1)


@pytest.fixture
def cli_engine(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        create_pilot(
            s,
            "t",
            name="Three arms",
            design="ab",
            status="running",
            start_date=START,
            planned_n_per_arm=2000,
            end_date=START + timedelta(days=29),
            arms="control,variant_a,variant_b",
            criteria=[
                dict(metric="visit_rate", kind="proportion", role="secondary"),
                dict(metric="conversion_rate", kind="proportion", role="primary"),
                dict(metric="spend", kind="mean", role="guardrail", direction="decrease"),
            ],
        )
    yield engine
    engine.dispose()


def event_file(path, rows: int = 60_000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "date": [(START + timedelta(days=int(d))).isoformat() for d in rng.integers(0, 28, rows)],
            "group": rng.choice(["control", "variant_a", "variant_b"], rows),
            "visited": rng.integers(0, 2, rows),
            "converted": rng.integers(0, 2, rows),
            "spend": rng.gamma(2.0, 30.0, rows).round(2),
        }
    )
    df.to_csv(path, index=False)
    return df


def test_event_file_import_matches_pandas_groupby(cli_engine, tmp_path, capsys):
    df = event_file(tmp_path / "events.csv")
    code = main(
        [
            "import",
            str(tmp_path / "events.csv"),
            "--pilot",
            "Three arms",
            "--layout",
            "events",
            "--arm-column",
            "group",
            "--control",
            "control",
            "--date-column",
            "date",
            "--metric",
            "visit_rate=visited",
            "--metric",
            "conversion_rate=converted",
            "--metric",
            "spend=spend:mean",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err + out
    assert "Imported" in out
    with Session(cli_engine) as s:
        got = pd.DataFrame(
            [
                dict(day=e.day.isoformat(), arm=e.arm, metric=e.metric, n=e.n, total=e.total, total_sq=e.total_sq)
                for e in current_entries(s, 1)
            ]
        )
    g = df.groupby(["date", "group"])
    for metric, column in (("visit_rate", "visited"), ("conversion_rate", "converted"), ("spend", "spend")):
        mine = got[got.metric == metric].set_index(["day", "arm"]).sort_index()
        assert np.array_equal(mine["n"].to_numpy(), g.size().sort_index().to_numpy())
        assert np.allclose(mine["total"].to_numpy(), g[column].sum().sort_index().to_numpy())
    spend = got[got.metric == "spend"].set_index(["day", "arm"]).sort_index()
    assert np.allclose(
        spend["total_sq"].to_numpy(),
        (df.assign(sq=df.spend**2).groupby(["date", "group"])["sq"].sum().sort_index().to_numpy()),
    )
    per_arm = got[got.metric == "conversion_rate"].groupby("arm")["total"].sum()
    assert per_arm.to_dict() == df.groupby("group")["converted"].sum().astype(float).to_dict()


def test_dry_run_saves_nothing_and_problems_exit_non_zero(cli_engine, tmp_path, capsys):
    path = tmp_path / "agg.csv"
    path.write_text("date,group,sent,conversions\n2026-09-01,control,100,7\n2026-09-01,variant_a,100,170\n")
    code = main(
        [
            "import",
            str(path),
            "--pilot",
            "1",
            "--arm-column",
            "group",
            "--control",
            "control",
            "--date-column",
            "date",
            "--metric",
            "conversion_rate=conversions/sent",
            "--dry-run",
        ]
    )
    out, err = capsys.readouterr()
    assert code != 0 and "Row 3" in out and "Dry run: nothing was saved." in out
    code = main(
        [
            "import",
            str(path),
            "--pilot",
            "1",
            "--arm-column",
            "group",
            "--control",
            "control",
            "--date-column",
            "date",
            "--metric",
            "conversion_rate=conversions/sent",
        ]
    )
    out, err = capsys.readouterr()
    assert code != 0 and err.startswith("error: 1 problem(s)") and err.count("\n") == 1
    with Session(cli_engine) as s:
        assert current_entries(s, 1) == []


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"\x00\x01\x02\x03binary\x00", "not a text (csv) file"),
        (b"1,2,3\n4,5,6\n", "header"),
    ],
)
def test_unreadable_files_get_one_line_errors(cli_engine, tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    code = main(["import", str(path), "--pilot", "1", "--metric", "conversion_rate=c/n"])
    _, err = capsys.readouterr()
    assert code != 0 and message in err.lower() and err.count("\n") == 1


def test_dry_run_checks_what_the_real_import_checks(cli_engine, tmp_path, capsys):
    path = tmp_path / "agg.csv"
    path.write_text(
        "date,group,sent,conversions,unsubscribes\n2026-09-01,control,100,7,1\n2026-09-02,control,100,9,0\n"
    )
    code = main(["import", str(path), "--pilot", "1", "--metric", "unsubscribe_rate=unsubscribes/sent", "--dry-run"])
    _, err = capsys.readouterr()
    assert code != 0 and "'unsubscribe_rate' is not a metric of this pilot" in err
    # --metric alone keeps the file's date column: two days, not everything on today
    code = main(
        [
            "import",
            str(path),
            "--pilot",
            "1",
            "--control",
            "control",
            "--metric",
            "conversion_rate=conversions/sent",
            "--dry-run",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err + out
    assert "2026-09-01 to 2026-09-02" in out and "not imported: visit_rate, spend" in out


AGG = "date,group,sent,conversions\n2026-09-01,control,100,7\n2026-09-01,variant_a,100,9\n2026-09-01,variant_b,100,8\n"
AGG_ARGS = ["--arm-column", "group", "--control", "control", "--date-column", "date"]
AGG_ARGS += ["--metric", "conversion_rate=conversions/sent"]


def test_a_dry_run_reads_while_someone_else_holds_the_write_lock(cli_engine, tmp_path, capsys):
    """Previewing and checking a file take no write lock: a long write elsewhere does not block them."""
    import sqlite3
    import time

    path = tmp_path / "agg.csv"
    path.write_text(AGG)
    writer = sqlite3.connect(cli_engine.url.database, timeout=0)
    writer.execute("BEGIN IMMEDIATE")  # another process writing: holds SQLite's write lock
    try:
        started = time.monotonic()
        code = main(["import", str(path), "--pilot", "1", *AGG_ARGS, "--dry-run"])
        elapsed = time.monotonic() - started
    finally:
        writer.rollback()
        writer.close()
    out, err = capsys.readouterr()
    assert code == 0, err + out
    assert "Dry run: nothing was saved." in out and elapsed < 5


def test_replace_on_the_command_line_keeps_manual_corrections_and_says_so(cli_engine, tmp_path, capsys):
    from lib.services.results import correct_result

    path = tmp_path / "agg.csv"
    path.write_text(AGG)
    assert main(["import", str(path), "--pilot", "1", *AGG_ARGS]) == 0
    with transaction(cli_engine) as s:
        entry = next(e for e in current_entries(s, 1) if e.arm == "variant_a")
        correct_result(s, entry.id, "ana", "CRM counted a test send", total=8)
    capsys.readouterr()
    assert main(["import", str(path), "--pilot", "1", *AGG_ARGS, "--replace", "--dry-run"]) == 0
    assert "1 manual correction(s) made since batch #1 will be re-applied" in capsys.readouterr().out
    assert main(["import", str(path), "--pilot", "1", *AGG_ARGS, "--replace"]) == 0
    out = capsys.readouterr().out
    assert "(replaced batch #1)" in out and "1 manual correction of the earlier import kept" in out
    with Session(cli_engine) as s:
        now = {e.arm: e.total for e in current_entries(s, 1)}
    assert now == {"control": 7, "variant_a": 8, "variant_b": 8}
