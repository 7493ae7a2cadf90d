"""Downloads that leave the app: CSV safe to open in a spreadsheet, charts as PNG.

No streamlit here: the pages only hand the bytes to ``st.download_button``
and the CLI writes them to a file.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

#: a text cell starting with one of these is read as a formula by Excel,
#: LibreOffice or Google Sheets (OWASP "CSV injection"); the full-width forms
#: are converted to ASCII by some spreadsheet locales, so they count too
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: what a neutralised cell starts with: the spreadsheet shows the text as typed
NEUTRALISER = "'"

#: the Vega-Lite version altair 5/6 writes, as vl-convert names it ("v6_4")
_SCHEMA_VERSION = re.compile(r"/vega-lite/v(\d+)\.(\d+)")


def neutralise(value: Any) -> Any:
    """``"=1+1"`` -> ``"'=1+1"``; anything that is not text is returned as is.

    Leading spaces do not hide a trigger (``" =1+1"`` is neutralised too):
    some spreadsheets strip them before parsing.
    """
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_TRIGGERS):
        return NEUTRALISER + value
    return value


def _is_text_column(series: pd.Series) -> bool:
    return (
        pd.api.types.is_object_dtype(series.dtype)
        or pd.api.types.is_string_dtype(series.dtype)
        or isinstance(series.dtype, pd.CategoricalDtype)
    )


def safe_csv(df: pd.DataFrame, *, index: bool = False) -> bytes:
    """The frame as UTF-8 CSV (with a BOM, so Excel reads accents right), formulas neutralised.

    Every text cell (and column name) that a spreadsheet would evaluate — one
    starting with ``=``, ``+``, ``-``, ``@``, tab or CR — gets a leading
    ``'``. Numbers stay numbers: ``-3.5`` in a numeric column, or a float in
    a mixed column, is written as ``-3.5``. Rows end in CRLF (RFC 4180).
    """
    out = df.copy()
    for name in out.columns:
        column = out[name]
        if _is_text_column(column):
            if isinstance(column.dtype, pd.CategoricalDtype):
                column = column.astype(object)
            out[name] = column.map(neutralise, na_action="ignore")
    out.columns = [neutralise(c) for c in out.columns]
    if index:
        out.index = out.index.map(neutralise)
    text = out.to_csv(index=index, lineterminator="\r\n")
    return ("\ufeff" + text).encode("utf-8")


def vega_lite_spec(chart: Any) -> dict[str, Any]:
    """An altair chart or a Vega-Lite dict, as a dict.

    Not validated again here: the schema check was half of ``to_dict`` and every kind of chart
    :mod:`lib.charts` draws is validated by the tests (tests/charts, on the demo), as for the pages.
    """
    if isinstance(chart, dict):
        return chart
    to_dict = getattr(chart, "to_dict", None)
    if to_dict is None:
        raise TypeError(f"Expected an altair chart or a Vega-Lite dict; got {type(chart).__name__}.")
    return to_dict(validate=False)


def vl_version(spec: dict[str, Any] | None = None) -> str:
    """The Vega-Lite version to compile with, in vl-convert's spelling ("v6_4").

    The spec's own ``$schema`` when vl-convert ships that version, else the
    one the installed altair writes.
    """
    import altair as alt
    import vl_convert as vlc

    supported = set(vlc.get_vegalite_versions())
    for source in ((spec or {}).get("$schema", ""), f"/vega-lite/{alt.SCHEMA_VERSION}"):
        match = _SCHEMA_VERSION.search(str(source))
        if match and f"{match[1]}.{match[2]}" in supported:
            return f"v{match[1]}_{match[2]}"
    return "v" + max(supported, key=lambda v: tuple(int(p) for p in v.split("."))).replace(".", "_")


def chart_png(chart: Any, scale: float = 2) -> bytes:
    """The chart as PNG, rendered offline by vl-convert (``scale`` 2 = sharp on screens and paper).

    External data is refused (``allowed_base_urls=[]``): a chart must carry
    its data inline, so an export never touches the network.
    """
    import vl_convert as vlc

    spec = vega_lite_spec(chart)
    return vlc.vegalite_to_png(spec, vl_version=vl_version(spec), scale=scale, allowed_base_urls=[])


RESULT_COLUMNS = (
    "metric",
    "role",
    "status",
    "control_value",
    "pilot_value",
    "difference",
    "relative_lift",
    "ci_low",
    "ci_high",
    "interval_scale",
    "required_confidence",
    "p_value",
    "p_value_tests",
    "sample_n",
    "progress",
    "sentence",
)


def results_frame(evaluation: Any, *, pilot: str | None = None) -> pd.DataFrame:
    """One row per criterion of a ``lib.decide.PilotEvaluation``, raw numbers (for :func:`safe_csv`).

    ``ci_low``/``ci_high`` are on ``interval_scale``; the recommendation is
    repeated on every row so the file stands on its own.
    """
    rows = []
    for v in evaluation.verdicts:
        row = {"pilot": pilot or evaluation.pilot, "recommendation": evaluation.recommendation}
        row.update({name: getattr(v, name) for name in RESULT_COLUMNS})
        rows.append(row)
    return pd.DataFrame(rows, columns=["pilot", "recommendation", *RESULT_COLUMNS])
