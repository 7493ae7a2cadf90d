"""scripts/serve_team.sh on PostgreSQL: two replicas behind HAProxy, seen through Chromium.

A tab stays on its replica (HAProxy's cookie); a write made through one replica shows on the other at
its next rerun; when a replica is killed (kill -9) the open page reconnects through the proxy to the
other and keeps working, the proxy's health still answers ok, and the script starts the killed replica
again, which HAProxy lets back in.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.bench_load import AppWrites, KillReport, Target, app_writer, count_ideas, kill_one, load
from lib.demo.loader import load_demo
from lib.infra.db import make_engine, transaction, upgrade
from tests.browser.pages import decide_on, pilot_being_decided, settled
from tests.conftest import IN_CI, create_pg_schema, drop_pg_schema, need_postgres
from tests.servers import Team, running_team
from tests.test_server_security import http_status, websocket_status

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture(scope="module")
def team_db() -> Iterator[str]:
    """A fresh PostgreSQL schema holding the demo workspace; its URL."""
    base = need_postgres()
    schema, url = create_pg_schema(base)
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        load_demo(s)
    engine.dispose()
    yield url
    drop_pg_schema(base, schema)


@pytest.fixture(scope="module")
def team(tmp_path_factory, team_db) -> Iterator[Team]:
    if os.geteuid() != 0 and not shutil.which("haproxy", path="/usr/sbin:/usr/bin:/sbin:/bin"):
        if IN_CI:
            pytest.fail("HAProxy not found: under CI the team tests must run (scripts/test.sh installs it).")
        pytest.skip("needs Debian's haproxy (serve_team.sh installs it when run as root)")
    with running_team(tmp_path_factory.mktemp("team"), team_db, replicas=2) as team:
        yield team


def _open_on(browser: Browser, team: Team, replica: str, path: str) -> Page:
    """A tab pinned to one replica by HAProxy's sticky cookie, as a returning browser would be."""
    context = browser.new_context()
    context.add_cookies([{"name": "greenlight_replica", "value": replica, "url": team.url}])
    page = context.new_page()
    page.goto(f"{team.url}{path}")
    expect(page.locator('[data-testid="stApp"]')).to_be_visible(timeout=30_000)
    return page


def _health(team: Team) -> bytes:
    return urllib.request.urlopen(f"{team.url}/_stcore/health", timeout=5).read()


def test_the_proxy_passes_the_host_through_and_the_replicas_still_check_it(team):
    port = team.proxy.port
    assert http_status(team.proxy, "/", f"evil.example:{port}") == 403
    assert websocket_status(team.proxy, f"evil.example:{port}") == 403
    assert http_status(team.proxy, "/", f"localhost:{port}") == 200
    assert websocket_status(team.proxy, f"localhost:{port}") == 101
    assert _health(team) == b"ok"
    assert "app_test" in team.proxy.log_text() and ":app@" not in team.proxy.log_text()  # no password printed


def test_a_write_on_one_replica_shows_on_the_other_at_its_next_rerun(browser: Browser, team):
    on_r2 = _open_on(browser, team, "r2", "/review")
    expect(on_r2.get_by_role("button", name="Record decision")).to_be_visible(timeout=30_000)
    on_r1 = _open_on(browser, team, "r1", "/review")
    expect(on_r1.get_by_role("button", name="Record decision")).to_be_visible(timeout=30_000)
    settled(on_r1)
    decided = pilot_being_decided(on_r1)
    on_r1.get_by_label("Rationale").fill("Recorded through replica r1 behind the proxy.")
    on_r1.get_by_label("Your name", exact=True).fill(
        "Rita on r1"
    )  # the one name, in the sidebar: the form asks no more
    on_r1.get_by_label("Your name", exact=True).press("Enter")
    settled(on_r1)
    on_r1.get_by_role("button", name="Record decision").click()
    expect(on_r1.get_by_text("Decision recorded")).to_be_visible(timeout=30_000)
    assert {c["value"] for c in on_r2.context.cookies() if c["name"] == "greenlight_replica"} == {"r2"}
    # r2's tab was open before the write; its next run (to Home and back, same session) shows it
    settled(on_r2)
    on_r2.get_by_role("link", name="Home").first.click()
    settled(on_r2)
    on_r2.get_by_role("link", name="Review").first.click()
    decide_on(on_r2, decided)  # r1's pilot has left the queue: Review opens on the next one
    expect(on_r2.get_by_text("Recorded through replica r1 behind the proxy.").first).to_be_visible(timeout=30_000)
    expect(on_r2.get_by_text("by Rita on r1").first).to_be_visible()


def test_a_page_keeps_working_when_its_replica_is_killed_and_the_replica_rejoins(browser: Browser, team):
    page = _open_on(browser, team, "r1", "/pilots")
    expect(page.get_by_text("Details for")).to_be_visible(timeout=30_000)
    settled(page)
    killed = next(r for r in team.replicas() if r.name == "r1")
    os.kill(killed.pid, signal.SIGKILL)
    team.wait_for({"r1": "DOWN", "r2": "UP"}, seconds=5)  # out within 5 s
    assert _health(team) == b"ok"  # one replica up is enough
    # the tab reconnects through the proxy to r2 and runs pages there
    page.get_by_role("link", name="Review").first.click()
    expect(page.get_by_role("button", name="Record decision").or_(page.get_by_text("Decision recorded"))).to_be_visible(
        timeout=30_000
    )
    page.get_by_role("link", name="Pilots").first.click()
    expect(page.get_by_text("Details for")).to_be_visible(timeout=30_000)
    # the script starts r1 again on its port and HAProxy lets it back in (the next test has it serve pages)
    team.wait_for({"r1": "UP", "r2": "UP"}, seconds=90)
    restarted = next(r for r in team.replicas() if r.name == "r1")
    assert restarted.pid != killed.pid and restarted.port == killed.port


def test_under_load_a_killed_replica_s_sessions_reconnect_and_no_write_is_lost_or_doubled(team, team_db):
    """bench_load's --kill-one, small: six people and one writer through the proxy while r1 is killed."""
    team.wait_for({"r1": "UP", "r2": "UP"}, seconds=90)  # after the test above, r1 is back
    target = Target(team.proxy.stream, lambda: [r.pid for r in team.replicas()])
    writes, kill = AppWrites(), KillReport()
    extras = [app_writer(target, writes, 0.3, 30), kill_one(team, 3, kill)]

    async def beside(until: float) -> None:
        await asyncio.gather(*(extra(until) for extra in extras))

    tally = load(target, sessions=6, seconds=10, timeout=30, think=0.1, extra=beside)
    count_ideas(team_db, writes)
    assert kill.out_after <= 5 and kill.back_after == kill.back_after  # out within 5 s, and back in
    broken = [e for e in tally.errors if "websocket broke" in e]
    # r1's sessions saw their websocket cut (or, reconnecting at that instant, a refused connect): no page failed
    assert broken and all(e in broken or e.startswith("connect:") for e in tally.errors), tally.errors
    assert tally.reconnects >= 1 and tally.by_replica["r2"] > 0
    assert tally.by_replica["r1"] > 0  # the replica restarted after the previous test serves pages again
    assert len(writes.acknowledged) >= 5 and writes.lost == [] and writes.doubled == []
    assert all(writes.in_database[n] <= 1 for n in writes.unknown)
