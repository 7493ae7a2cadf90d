"""What pages read, built once per version and shared by every session: a warm rerun re-sends, it does not re-make."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import TypeVar

import streamlit as st
from sqlmodel import Session

from lib.adapter import wire
from lib.adapter.session import read

T = TypeVar("T")


def forget_caches() -> None:
    """After a restore, whose rows may repeat the versions caches are keyed by: drop everything drawn."""
    st.cache_data.clear()
    _per_workspace.clear()
    wire.forget()


@st.cache_resource(max_entries=16, show_spinner=False)
def _per_workspace(name: str, version: tuple[int, int, int], _build: Callable[[Session], T]) -> T:
    with read() as session:
        return _build(session)


def per_workspace(name: str, build: Callable[[Session], T]) -> T:
    """``build(session)`` once per workspace version (any write, on any replica, changes it), shared
    read-only by every session: what a page lists from 2,000 pilots is not rebuilt on every rerun."""
    from lib.services import portfolio

    with read() as session:
        version = portfolio.workspace_version(session)
    return _per_workspace(name, version, build)


def portfolio_overview():
    """The portfolio, shared by every session until the workspace changes: ten people on Home hold one copy."""
    from lib.services import portfolio

    today = date.today()
    return per_workspace(f"portfolio {today}", partial(portfolio.overview, today=today))


def main_chart_spec(pilot_id: int, data_version: int) -> dict:
    """A pilot's main chart as a Vega-Lite spec, drawn once per data version (a write to the pilot bumps it)
    and shared read-only: no copy per run (``st.vega_lite_chart`` copies the top level it changes)."""
    from lib.services.evaluation import evaluate
    from lib.services.pilots import get_pilot
    from lib.services.reporting import main_chart_for

    def build() -> dict:
        with read() as session:
            chart = main_chart_for(session, get_pilot(session, pilot_id), evaluate(session, pilot_id))
        return wire.for_screen(chart.to_dict(validate=False))  # tests validate every chart kind; data as Arrow bytes

    return wire.kept(("main chart", pilot_id, data_version), build)


def pilot_view_cached(pilot_id: int, data_version: int):
    """One pilot's evaluation (frozen) and its three chart specs, computed once per change to the pilot, shared."""
    from lib.services.reporting import pilot_bundle

    def build():
        with read() as session:
            bundle = pilot_bundle(session, pilot_id)
        return bundle.evaluation, [(c, wire.for_screen(chart.to_dict(validate=False))) for c, chart in bundle.charts]

    return wire.kept(("pilot view", pilot_id, data_version, date.today()), build)  # the bundle reads today
