"""What pages send, kept in the form the browser receives it: charts and tables must reach the browser exactly as
when Streamlit converted them itself on every run, and the PNG export must still draw the same picture."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lib.adapter import wire
from lib.adapter.wire import chart_spec, for_screen, with_rows
from lib.infra.db import reading
from lib.report import chart_png
from lib.services.reporting import pilot_bundle


def _demo_specs(engine) -> list[dict]:
    with reading(engine) as session:
        return [chart.to_dict(validate=False) for pid in range(1, 9) for _, chart in pilot_bundle(session, pid).charts]


def _draw(specs: list[dict]) -> None:
    import streamlit as st

    for spec in specs:
        st.vega_lite_chart(spec, theme=None, width="content")


def _messages(specs: list[dict]) -> list[bytes]:
    at = AppTest.from_function(_draw, args=(specs,), default_timeout=60).run()
    assert not at.exception
    return [chart.proto.SerializeToString(deterministic=True) for chart in at.get("vega_lite_chart")]


def test_every_demo_chart_reaches_the_browser_byte_for_byte_as_before(app_demo_engine):
    specs = _demo_specs(app_demo_engine)
    screen = [for_screen(spec) for spec in specs]
    assert any(isinstance(d, bytes) for s in screen for d in s.get("datasets", {}).values())
    before = _messages(specs)
    assert len(before) == len(specs) == 24
    assert _messages(screen) == before
    assert all(isinstance(d, list) for s in specs for d in s.get("datasets", {}).values()), "spec left as it was"


def _draw_both(charts: list, specs: list[dict]) -> None:
    import streamlit as st

    for chart in charts:
        st.altair_chart(chart, theme=None, width="content")
    for spec in specs:
        st.vega_lite_chart(spec, theme=None, width="content")


def test_a_kept_chart_spec_is_the_message_st_altair_chart_sends_byte_for_byte(app_demo_engine):
    """Pages keep ``chart_spec(chart)`` and send it with st.vega_lite_chart instead of handing st.altair_chart
    the chart on every run: each chart of a demo pilot of every design, and each goal's progress chart, must
    reach the browser exactly as before."""
    from lib.services import goal_progress, portfolio

    with reading(app_demo_engine) as session:
        # every design and state the demo has: A/B decided and running, before/after, target, stores, a market test
        charts = [chart for pid in (1, 2, 3, 4, 5, 6, 15, 16) for _, chart in pilot_bundle(session, pid).charts]
        goals = goal_progress.goal_progress(session, portfolio.overview(session), str)
        charts += [goal_progress.chart_for(g) for g in goals if g.actuals]  # the Goals page keeps these too
    at = AppTest.from_function(_draw_both, args=(charts, [chart_spec(c) for c in charts]), default_timeout=120).run()
    assert not at.exception
    sent = [element.proto.SerializeToString(deterministic=True) for element in at.get("vega_lite_chart")]
    assert len(charts) > 24 and len(sent) == 2 * len(charts)
    assert sent[len(charts) :] == sent[: len(charts)]
    assert all("config" not in chart_spec(c) for c in charts), "the default theme's view size is left out"


def test_the_png_export_draws_the_same_picture_from_bytes(app_demo_engine):
    spec = _demo_specs(app_demo_engine)[0]
    assert with_rows(for_screen(spec)) == spec
    assert chart_png(with_rows(for_screen(spec)), scale=1) == chart_png(spec, scale=1)


def test_rows_arrow_cannot_take_are_left_for_streamlit_to_fix():
    mixed = {"mark": "point", "datasets": {"d": [{"a": 1}, {"a": "two"}]}, "data": {"name": "d"}}
    assert for_screen(mixed) == mixed
    assert for_screen({"mark": "point"}) == {"mark": "point"}
    assert with_rows("not a spec") == "not a spec"


def _tables(frames: list) -> None:
    import streamlit as st

    for frame in frames:
        st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            column_config={"Decided": st.column_config.DateColumn(format="D MMM YYYY")},
        )


def _table_messages(frames: list) -> list[bytes]:
    at = AppTest.from_function(_tables, args=(frames,), default_timeout=60).run()
    assert not at.exception
    return [t.proto.SerializeToString(deterministic=True) for t in at.dataframe]


def test_a_table_sent_as_arrow_reaches_the_browser_byte_for_byte_as_before():
    import datetime as dt

    import pandas as pd

    frame = pd.DataFrame(
        [
            {"Decided": dt.date(2026, 11, 3), "Pilot": "Subject line «A»", "Per arm": 1200, "Lift": 0.031},
            {"Decided": dt.date(2026, 11, 4), "Pilot": "=HYPERLINK(x)", "Per arm": None, "Lift": None},
        ]
    )
    assert _table_messages([wire.arrow_of(frame)]) == _table_messages([frame])


def test_a_frame_is_converted_once_while_it_lives_and_one_arrow_refuses_is_left_to_streamlit():
    import pandas as pd

    frame = pd.DataFrame({"a": [1, 2]})
    assert wire.arrow_of(frame) is wire.arrow_of(frame)
    assert wire.arrow_of(pd.DataFrame({"a": [1, 2]})) is not wire.arrow_of(frame)
    mixed = pd.DataFrame({"a": [1, "two"]})
    assert wire.arrow_of(mixed) is mixed


def test_kept_builds_once_per_key_and_drops_the_least_recently_used():
    wire.forget()
    built: list[int] = []

    def build(n: int):
        return lambda: built.append(n) or n

    assert wire.kept(("t", 0), build(0)) == 0 and wire.kept(("t", 0), build(99)) == 0
    for n in range(1, 300):
        wire.kept(("t", n), build(n))
    assert wire.kept(("t", 299), build(-1)) == 299 and built.count(299) == 1
    assert wire.kept(("t", 0), build(7)) == 7, "the oldest key was dropped and built again"
    wire.forget()
    assert wire.kept(("t", 299), build(8)) == 8
