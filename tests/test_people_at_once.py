"""Several people on one real server while a colleague writes: no page run fails (issue 12).

A small, short version of ``bench/bench_load.py`` (which measures thirty people for
two minutes): the same websocket sessions and the same writer, so the benchmark's
error counting is itself tested, on both back ends. The broken-database case shows
that a failing page is counted as a failure, so the first test can fail.
"""

from __future__ import annotations

import pytest

from bench.bench_load import demo_database, load, writer
from tests.conftest import need_postgres
from tests.servers import running_server


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_people_reading_home_and_review_while_a_colleague_writes_see_no_error(tmp_path, backend):
    postgres = need_postgres() if backend == "postgresql" else None
    with (
        demo_database(backend, tmp_path, postgres) as url,
        running_server(tmp_path, database_url=url) as server,
        writer(url, every=0.25) as writes,
    ):
        # at least 6 s and 20 page runs while the colleague writes: an amount of load, not a pace (the bench measures pace)
        tally = load(server, sessions=4, seconds=6, think=0.05, min_runs=20, max_seconds=90)
    assert tally.errors == [] and writes.failures == []
    assert len(tally.seconds) >= 20 and writes.writes >= 10
    assert tally.peak_rss > 50 * 2**20  # the server's memory was read while the load ran


def test_a_page_that_shows_an_error_counts_as_a_failed_run(tmp_path):
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database" * 100)
    with running_server(tmp_path, database_url=f"sqlite:///{broken}") as server:
        tally = load(server, sessions=2, seconds=2, think=0.05)
    assert tally.seconds == [] and tally.errors
    assert all("error box" in e or "exception" in e for e in tally.errors), tally.errors[:3]
