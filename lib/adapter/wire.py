"""What a page sends, kept in the form the browser receives it: a warm rerun re-sends, it does not re-make.

Charts: ``st.vega_lite_chart`` turns every inline dataset of a spec (a list of
rows) into a pandas DataFrame and then Arrow IPC bytes on every run, even when
nothing changed: on Review that was a fifth of a warm run (py-spy), for seven
charts whose data had not moved. A dataset that is already bytes is passed on as
it is, so cached specs carry bytes made the way Streamlit makes them (rows →
pandas → ``pyarrow.Table.from_pandas`` → IPC stream) and the browser receives the
same message. The PNG export needs rows, not bytes: ``with_rows`` reads them back.

Tables: ``st.dataframe`` converts a DataFrame to Arrow on every run; given an
Arrow table it only writes it out. ``arrow_of`` converts a frame once per frame
object, so a frame that a shared cache holds is converted on its first run only.

``kept``: a value built once per key in this process. The key must name the data
versions the value was built from (as every cache here does), so replicas agree.
Everything kept is dropped when the app makes its engine again (a new process, or
Streamlit's caches cleared, as the page tests do for each fresh database) and after a
restore, whose rows may repeat the versions.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
_KEPT: OrderedDict[Hashable, Any] = OrderedDict()
_KEPT_MAX = 256
_ARROW: dict[int, tuple[weakref.ref, Any]] = {}
_ARROW_MAX = 64
_LOCK = threading.Lock()
_ALSO_FORGET: list[Callable[[], None]] = []  # other process-wide stores keyed by versions (``cached``)


def for_screen(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with each inline dataset as Arrow IPC bytes (a new dict; ``spec`` is left as it is)."""
    datasets = spec.get("datasets")
    if not isinstance(datasets, dict):
        return spec
    return {**spec, "datasets": {name: _arrow_bytes(rows) for name, rows in datasets.items()}}


def chart_spec(chart: Any) -> dict[str, Any]:
    """What ``st.altair_chart(chart)`` sends, as a spec to keep: built once, without validation (the tests
    validate every chart kind), datasets as Arrow bytes (``for_screen``).

    Streamlit draws Altair charts under the "none" theme, so the default theme's 300 px view size is not
    part of what it sends; it is dropped here too, so a kept chart is the same message, byte for byte.
    A spec (a dict: kept already, or written as Vega-Lite) is returned as it is.
    """
    import altair as alt

    if isinstance(chart, dict):
        return chart
    spec = chart.to_dict(validate=False)
    theme = alt.theme.get() if alt.theme.active == "default" else None
    if theme is not None and spec.get("config") == theme().get("config"):
        spec = {key: value for key, value in spec.items() if key != "config"}
    return for_screen(spec)


def with_rows(spec: Any) -> Any:
    """A ``for_screen`` spec with its datasets as rows again (for vl-convert); anything else as it is."""
    datasets = spec.get("datasets") if isinstance(spec, dict) else None
    if not isinstance(datasets, dict) or not any(isinstance(d, bytes) for d in datasets.values()):
        return spec
    import pyarrow as pa

    return {
        **spec,
        "datasets": {
            name: pa.ipc.open_stream(data).read_all().to_pylist() if isinstance(data, bytes) else data
            for name, data in datasets.items()
        },
    }


def _arrow_bytes(rows: Any) -> Any:
    """A list of row dicts as Arrow IPC stream bytes; anything else (or rows Arrow refuses) unchanged,
    for Streamlit to convert as before."""
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return rows
    import pandas as pd
    import pyarrow as pa

    try:
        table = pa.Table.from_pandas(pd.DataFrame(rows))
    except (pa.ArrowException, OverflowError):  # mixed types: Streamlit's own fixes apply
        return rows
    sink = pa.BufferOutputStream()
    with pa.RecordBatchStreamWriter(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def arrow_of(frame: Any) -> Any:
    """``frame`` as the Arrow table ``st.dataframe`` would make of it, made once per frame object (a frame
    is never changed after it is shown); the frame itself when Arrow refuses it (Streamlit then fixes it)."""
    hit = _ARROW.get(id(frame))
    if hit is not None and hit[0]() is frame:
        return hit[1]
    import pyarrow as pa

    try:
        table = pa.Table.from_pandas(frame)
    except (pa.ArrowException, OverflowError):
        return frame
    with _LOCK:
        if len(_ARROW) >= _ARROW_MAX:
            _ARROW.clear()
        _ARROW[id(frame)] = (weakref.ref(frame), table)
    return table


def kept(key: Hashable, build: Callable[[], T]) -> T:
    """``build()`` once per ``key`` (which names the data versions it reads), shared read-only by every
    session of this process; the least recently used of more than 256 are dropped."""
    with _LOCK:
        if key in _KEPT:
            _KEPT.move_to_end(key)
            return _KEPT[key]
    value = build()  # outside the lock: two sessions may build the same value once each, never wait on it
    with _LOCK:
        _KEPT[key] = value
        while len(_KEPT) > _KEPT_MAX:
            _KEPT.popitem(last=False)
    return value


def forget() -> None:
    """Drop everything kept: another database (or a restored one) may repeat the versions keys name."""
    with _LOCK:
        _KEPT.clear()
        _ARROW.clear()
    for drop in _ALSO_FORGET:
        drop()


def also_forget(drop: Callable[[], None]) -> None:
    """``drop()`` whenever ``forget`` runs: a store of its own, keyed by versions, goes with the rest."""
    _ALSO_FORGET.append(drop)
