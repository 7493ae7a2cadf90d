"""A stale page or a crafted rerun cannot write as a viewer: the refusal comes from lib, nothing is written."""

from __future__ import annotations

import pytest

from lib.adapter import session
from lib.infra.models import Decision, ResultEntry
from lib.services.access import Principal
from tests.pages_helpers import count, errors, page

VIEWER = Principal("Vic Viewer", "viewer", email="vic@example.com")


@pytest.fixture
def demo_engine(app_demo_engine):
    return app_demo_engine


@pytest.fixture
def stale_viewer_page(monkeypatch):
    """The page still shows its write widgets (a stale page), but the person is now a viewer."""
    monkeypatch.setattr(session, "can_write", lambda: True)
    monkeypatch.setattr(session, "actor", lambda: VIEWER)


def test_a_replayed_decision_by_a_viewer_is_refused_in_lib(demo_engine, stale_viewer_page):
    at = page("pages/review.py").run()
    before = count(demo_engine, Decision)
    at.text_area[0].set_value("Scale it, say I.")
    next(b for b in at.button if b.label.startswith("Record decision for ")).click().run()
    assert any("Not allowed: you are signed in as a viewer" in e for e in errors(at)), errors(at)
    assert count(demo_engine, Decision) == before
    assert not at.exception


def test_a_replayed_day_of_results_by_a_viewer_is_refused_in_lib(demo_engine, stale_viewer_page):
    at = page("pages/log_results.py").run()
    before = count(demo_engine, ResultEntry)
    for box in at.number_input[:2]:
        box.set_value(100)
    next(b for b in at.button if b.label == "Save day").click().run()
    assert any("Not allowed" in e for e in errors(at)), errors(at)
    assert count(demo_engine, ResultEntry) == before


def test_a_viewer_gets_read_only_pages(demo_engine, monkeypatch):
    monkeypatch.setattr(session, "actor", lambda: VIEWER)
    for path, button in (("pages/review.py", "Record decision"), ("pages/log_results.py", "Save day")):
        at = page(path).run()
        assert not at.exception
        assert not any(b.label.startswith(button) for b in at.button)
        assert any("read only" in i.value for i in at.info)
