"""Downloads: CSV safe against formula injection, charts as real PNGs, results as a frame."""

from __future__ import annotations

import csv
import io

import pandas as pd

from lib.report import chart_png, neutralise, results_frame, safe_csv
from tests.report.helpers import ab_evaluation, bar_chart

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

HOSTILE = ['=HYPERLINK("http://x","y")', "+cmd", "@SUM(A1)", "-2+3", "\tTAB", "\rCR", " =1+1", "\uff1dSUM(A1)"]


def read_back(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM so Excel reads accents right"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_formula_cells_are_neutralised_with_a_quote():
    frame = pd.DataFrame({"note": HOSTILE})
    rows = read_back(safe_csv(frame))
    assert rows[0] == ["note"]
    assert [r[0] for r in rows[1:]] == ["'" + text for text in HOSTILE]


def test_numbers_stay_numbers_and_plain_text_is_untouched():
    frame = pd.DataFrame(
        {
            "metric": ["Signup rate", "Café visits", "-2+3"],
            "lift": [-3.5, 0.25, -0.0],
            "n": [-12, 0, 7],
            "mixed": [-1.5, "-x", None],
        }
    )
    rows = read_back(safe_csv(frame))
    assert rows[1] == ["Signup rate", "-3.5", "-12", "-1.5"]
    assert rows[2] == ["Café visits", "0.25", "0", "'-x"]
    assert rows[3] == ["'-2+3", "-0.0", "7", ""]
    assert pd.read_csv(io.BytesIO(safe_csv(frame)), encoding="utf-8-sig")["lift"].tolist() == [-3.5, 0.25, -0.0]


def test_string_and_category_dtypes_and_headers_are_covered():
    frame = pd.DataFrame(
        {"=cmd()": pd.Series(["=1", "ok"], dtype="string"), "cat": pd.Series(["@x", "fine"], dtype="category")}
    )
    rows = read_back(safe_csv(frame))
    assert rows == [["'=cmd()", "cat"], ["'=1", "'@x"], ["ok", "fine"]]
    assert neutralise(3) == 3 and neutralise(None) is None and neutralise("") == ""


def test_chart_png_is_a_real_png_of_plausible_size():
    png = chart_png(bar_chart(), scale=2)
    assert png.startswith(PNG_SIGNATURE)
    assert len(png) > 5_000
    width = int.from_bytes(png[16:20], "big")
    assert width > 2 * 60  # scale 2 doubles the pixels


def test_chart_png_takes_a_vega_lite_dict_and_refuses_remote_data():
    spec = bar_chart().to_dict()
    assert chart_png(spec, scale=1).startswith(PNG_SIGNATURE)
    remote = {
        "data": {"url": "http://example.invalid/data.csv"},
        "mark": "bar",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    try:
        chart_png(remote)
    except ValueError as exc:
        assert "not allowed" in str(exc)
    else:
        raise AssertionError("a chart with remote data must not be rendered (no network)")


def test_results_frame_goes_through_safe_csv():
    evaluation = ab_evaluation()
    frame = results_frame(evaluation, pilot="=evil()")
    assert list(frame["metric"]) == ["signup_rate", "unsubscribe_rate"]
    rows = read_back(safe_csv(frame))
    assert rows[1][0] == "'=evil()" and rows[1][2] == "signup_rate"
