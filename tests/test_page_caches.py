"""The caches that keep a warm page run cheap: one workspace-version query per run, shared builds per version, the
page list made once. Each must follow writes (on any replica, through the database), never serve a stale value."""

from __future__ import annotations

import threading
import time

import streamlit as st
from streamlit.testing.v1 import AppTest

from lib.adapter import cached, navigation
from lib.infra.db import transaction
from lib.services import audit
from tests.pages_helpers import ROOT


def _audited_write(engine) -> None:
    """A write as any replica makes it: one audit event (what the workspace version counts)."""
    with transaction(engine) as session:
        audit.record(session, entity="settings", entity_id=None, action="update", actor="test")


def _fresh_caches() -> None:
    st.cache_resource.clear()  # the engine opens on this test's database; a new engine drops what was built
    cached.forget_caches()


def test_a_shared_build_follows_the_workspace_version_and_keeps_two_versions(app_engine):
    _fresh_caches()
    built: list[int] = []

    def build(_session) -> int:
        built.append(len(built) + 1)
        return built[-1]

    assert cached.per_workspace("test value", build) == 1
    assert cached.per_workspace("test value", build) == 1  # nothing written: the same value, not built again
    _audited_write(app_engine)
    assert cached.per_workspace("test value", build) == 2  # a write anywhere: built again
    _audited_write(app_engine)
    assert cached.per_workspace("test value", build) == 3
    kept = [key for key in cached._BUILT if key[0] == "test value"]
    assert len(kept) == 2  # the newest and the one before: not one per write


def test_sessions_asking_at_once_wait_for_one_build(app_engine):
    _fresh_caches()
    built: list[str] = []

    def slow(_session) -> str:
        built.append(threading.current_thread().name)
        time.sleep(0.2)
        return "the portfolio"

    got: list[str] = []
    people = [threading.Thread(target=lambda: got.append(cached.per_workspace("slow", slow))) for _ in range(4)]
    for person in people:
        person.start()
    for person in people:
        person.join()
    assert got == ["the portfolio"] * 4 and len(built) == 1


def _asks_the_version(counter: list[int]) -> None:
    """A page run that asks the workspace version twice, writes, and asks again."""
    import streamlit as st

    from lib.adapter.cached import workspace_version
    from lib.adapter.session import write
    from lib.services import audit

    before = len(counter)
    first, second = workspace_version(), workspace_version()
    asked_before_write = len(counter) - before
    with write() as session:
        audit.record(session, entity="settings", entity_id=None, action="update", actor="test")
    third = workspace_version()
    st.write(f"{asked_before_write} {len(counter) - before} {first == second} {third > first}")


def test_a_run_asks_the_workspace_version_once_and_again_after_its_own_write(app_engine, monkeypatch):
    from lib.services import portfolio

    _fresh_caches()
    counter: list[int] = []
    real = portfolio.workspace_version

    def counted(session):
        counter.append(1)
        return real(session)

    monkeypatch.setattr(portfolio, "workspace_version", counted)
    at = AppTest.from_function(_asks_the_version, args=(counter,), default_timeout=30).run()
    assert not at.exception, at.exception
    assert at.markdown[0].value == "1 2 True True"  # once before the write, once after it
    at.run()  # the next run asks again: another replica may have written since
    assert at.markdown[0].value == "1 2 True True" and len(counter) == 4


def test_the_page_list_is_made_once_and_each_run_gets_its_own_copies(app_demo_engine, monkeypatch):
    """st.navigation marks the page it returns (and the default) on the object itself: two sessions running at
    once must not share those marks, so each run hands it copies of the pages made once."""
    navigation._MADE.clear()
    st.cache_resource.clear()
    given: list[list[int]] = []
    real = st.navigation

    def recording(pages, **kwargs):
        given.append([id(p) for section in pages.values() for p in section])
        return real(pages, **kwargs)

    monkeypatch.setattr(st, "navigation", recording)
    for _ in range(2):  # two sessions opening Home, through app.py's navigation (each compiles app.py afresh)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
        assert not at.exception and at.metric  # Home drew its counts
    [made] = navigation._MADE.values()  # made once for both runs
    pages = [p for section in made.values() for p in section]
    assert len(pages) == 9 and {p.title for p in pages} >= {"Home", "Review", "Pilots"}
    assert len(given) == 2 and len(given[0]) == 9
    assert not set(given[0]) & set(given[1]) and not set(given[0] + given[1]) & {id(p) for p in pages}


def test_the_pilot_page_keeps_its_view_until_a_write_to_the_pilot_from_anywhere(app_demo_engine, monkeypatch):
    """The Pilot page is made once per data version: reruns reuse it, and a correction written by another replica
    (straight to the database) is on the next run."""
    from sqlmodel import select

    from lib.adapter.keys import Keys
    from lib.infra.models import ResultEntry
    from lib.services import pilot_view, results
    from tests.pages_helpers import open_expander, page

    made: list[int] = []
    real = pilot_view.pilot_page
    monkeypatch.setattr(pilot_view, "pilot_page", lambda session, ref, *a, **k: made.append(ref) or real(session, ref))
    at = page("pages/pilot.py")
    at.query_params["pilot"] = "1"
    at.run()
    assert not at.exception and made == [1]
    open_expander(at, Keys.opened("pilot_results"))
    logged = next(d.value for d in at.dataframe if "sum_of_squares" in d.value.columns)  # "Results logged so far"
    at.run()
    at.run()
    assert made == [1], "a rerun with nothing written reuses the page made before"

    with transaction(app_demo_engine) as session:
        entry = session.exec(
            select(ResultEntry).where(ResultEntry.pilot_id == 1, ResultEntry.superseded_at.is_(None))  # type: ignore[union-attr]
        ).first()
        assert entry is not None
        fixed = entry.total - 1 if entry.total >= 1 else entry.total + 1  # within 0..n for a rate too
        results.correct_result(session, entry.id or 0, "another replica", "typo", total=fixed)
    at.run()
    assert not at.exception and made == [1, 1], "the write bumped the pilot's data version: made again"
    now = next(d.value for d in at.dataframe if "sum_of_squares" in d.value.columns)
    assert now["total"].sum() != logged["total"].sum(), "the corrected value is shown"
