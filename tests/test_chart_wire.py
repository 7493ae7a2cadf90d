"""Charts sent as Arrow bytes made once: the browser must receive exactly what it did when Streamlit converted
the rows itself on every run, and the PNG export must still draw the same picture."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lib.chart_wire import for_screen, with_rows
from lib.db import reading
from lib.report import chart_png
from lib.report.compose import pilot_bundle


def _demo_specs(engine) -> list[dict]:
    with reading(engine) as session:
        return [
            chart.to_dict(validate=False) for pid in range(1, 9) for _, chart in pilot_bundle(session, pid).charts
        ]


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


def test_the_png_export_draws_the_same_picture_from_bytes(app_demo_engine):
    spec = _demo_specs(app_demo_engine)[0]
    assert with_rows(for_screen(spec)) == spec
    assert chart_png(with_rows(for_screen(spec)), scale=1) == chart_png(spec, scale=1)


def test_rows_arrow_cannot_take_are_left_for_streamlit_to_fix():
    mixed = {"mark": "point", "datasets": {"d": [{"a": 1}, {"a": "two"}]}, "data": {"name": "d"}}
    assert for_screen(mixed) == mixed
    assert for_screen({"mark": "point"}) == {"mark": "point"}
    assert with_rows("not a spec") == "not a spec"
