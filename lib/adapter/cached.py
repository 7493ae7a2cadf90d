"""What pages read, built once per version and shared by every session: a warm rerun re-sends, it does not re-make."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace
from datetime import date
from functools import partial
from typing import Any, TypeVar

import streamlit as st
from sqlmodel import Session

from lib.adapter import this_run, wire
from lib.adapter.session import read

T = TypeVar("T")
_BUILT: OrderedDict[tuple[str, Hashable], Any] = OrderedDict()  # (name, workspace version) → what was built
_VERSIONS_KEPT = 2  # per name: the newest, and the one a run that started before the last write still shows
_BUILT_MAX = 64  # in all: names carry the day, so yesterday's go too
_BUILDING: dict[Hashable, threading.Lock] = {}
_LOCK = threading.Lock()


def _forget_built() -> None:
    with _LOCK:
        _BUILT.clear()


wire.also_forget(_forget_built)  # a new engine (another database) or a restore: nothing built from before


def forget_caches() -> None:
    """After a restore, whose rows may repeat the versions caches are keyed by: drop everything drawn."""
    st.cache_data.clear()
    wire.forget()


def workspace_version(session: Session | None = None) -> tuple[int, int, int]:
    """The workspace version, asked once per page run (any write, on any replica, changes it); in
    ``session`` when the page has one open for its own reads, so the run opens one session, not two."""
    from lib.services import portfolio

    def ask() -> tuple[int, int, int]:
        if session is not None:
            return portfolio.workspace_version(session)
        with read() as own:
            return portfolio.workspace_version(own)

    return this_run.once("workspace version", ask)


def per_workspace(name: str, build: Callable[[Session], T]) -> T:
    """``build(session)`` once per workspace version (any write, on any replica, changes it), shared
    read-only by every session: what a page lists from 2,000 pilots is not rebuilt on every rerun.

    Sessions asking for the same value while it is built wait for it rather than build it again (after
    a write, thirty people on Home would otherwise each rebuild the portfolio). A plain dictionary, not
    ``st.cache_resource``: hashing the key there cost more than the look-up it guards.
    """
    key = (name, workspace_version())
    with _LOCK:
        if key in _BUILT:
            _BUILT.move_to_end(key)
            return _BUILT[key]
        building = _BUILDING.setdefault(key, threading.Lock())
    with building:
        with _LOCK:
            if key in _BUILT:
                return _BUILT[key]
        with read() as session:
            value = build(session)
        with _LOCK:
            _BUILT[key] = value
            _BUILDING.pop(key, None)
            older = [k for k in _BUILT if k[0] == name][:-_VERSIONS_KEPT]
            for k in older:  # at 2,000 pilots a portfolio is megabytes: two of each, not one per write
                del _BUILT[k]
            while len(_BUILT) > _BUILT_MAX:
                _BUILT.popitem(last=False)
    return value


def portfolio_overview():
    """The portfolio, shared by every session until the workspace changes: ten people on Home hold one copy."""
    from lib.services import portfolio

    today = date.today()
    return per_workspace(f"portfolio {today}", partial(portfolio.overview, today=today))


def data_versions() -> dict[int, int]:
    """Each pilot's data version, read once per workspace version: every bump is a write, which changes the
    workspace version each run asks anyway (a build may read a newer state than its key, never an older one)."""
    from lib.services import data_versions as versions

    return per_workspace("data versions", versions.data_versions)


def loggable_pilots():
    """The pilots results can be logged against, read once per workspace version (adding a criterion or
    renaming a pilot is a write): the Log results picker reran a query of every pilot's row on each click."""
    from lib.services import pilots

    return per_workspace("loggable pilots", pilots.loggable)


def informed_reading(pilot, evaluation, peers):
    """A pilot's reading with the team's past pilots: other pilots' decisions count too, so it is read once per
    change to the workspace, per peer filter and day (Review and the Pilot page)."""
    from lib.services import past_pilots

    return per_workspace(
        f"informed {pilot.id} {peers.same_channel} {peers.same_metric} {date.today()}",
        lambda session: past_pilots.informed_for(session, pilot, evaluation, peers),
    )


def main_chart_spec(pilot_id: int, data_version: int) -> dict:
    """A pilot's main chart as a Vega-Lite spec, drawn once per data version (a write to the pilot bumps it)
    and shared read-only: no copy per run (``st.vega_lite_chart`` copies the top level it changes)."""
    from lib.services.evaluation import evaluate
    from lib.services.pilots import get_pilot
    from lib.services.reporting import main_chart_for

    def build() -> dict:
        with read() as session:
            chart = main_chart_for(session, get_pilot(session, pilot_id), evaluate(session, pilot_id))
        return wire.chart_spec(chart)  # what st.altair_chart would send, made once

    return wire.kept(("main chart", pilot_id, data_version), build)


def pilot_view_cached(pilot_id: int, data_version: int):
    """One pilot's evaluation (frozen) and its three chart specs, computed once per change to the pilot, shared."""
    from lib.services.reporting import pilot_bundle

    def build():
        with read() as session:
            bundle = pilot_bundle(session, pilot_id)
        return bundle.evaluation, [(c, wire.chart_spec(chart)) for c, chart in bundle.charts]

    return wire.kept(("pilot view", pilot_id, data_version, date.today()), build)  # the bundle reads today


def pilot_page_cached(pilot_id: int, data_version: int, currency: str):
    """The Pilot page's view (frozen dataclasses) and its charts as specs, made once per change to the pilot,
    per day and per workspace currency (its money sentences name it), and shared read-only by every session.

    Made on every run, the page spent about 230 ms of CPU on a warm rerun (opening an expander, a toggle):
    the evaluation, three Altair charts and their validation. ``None`` for the charts of a pilot with none.
    """
    from lib.services import pilot_view

    def build():
        with read() as session:
            view = pilot_view.pilot_page(session, pilot_id)
        if view.bundle is None:
            return view, None
        drawn = [(c, wire.chart_spec(chart)) for c, chart in view.bundle.charts]
        return replace(view, bundle=replace(view.bundle, charts=[])), drawn  # the specs are what is kept

    return wire.kept(("pilot page", pilot_id, data_version, currency, date.today()), build)
