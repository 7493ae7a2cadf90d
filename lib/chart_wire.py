"""Chart specs in the form the browser receives them: each inline dataset as Arrow bytes, made once.

``st.vega_lite_chart`` turns every inline dataset of a spec (a list of rows) into a
pandas DataFrame and then Arrow IPC bytes on every run, even when nothing changed:
on Review that was a fifth of a warm run (py-spy), for seven charts whose data
had not moved. A dataset that is already bytes is passed on as it is, so the
cached specs carry bytes made the way Streamlit makes them (rows → pandas →
``pyarrow.Table.from_pandas`` → IPC stream) and the browser receives the same
message. The PNG export needs rows, not bytes: ``with_rows`` reads them back.
"""

from __future__ import annotations

from typing import Any


def for_screen(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with each inline dataset as Arrow IPC bytes (a new dict; ``spec`` is left as it is)."""
    datasets = spec.get("datasets")
    if not isinstance(datasets, dict):
        return spec
    return {**spec, "datasets": {name: _arrow_bytes(rows) for name, rows in datasets.items()}}


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
