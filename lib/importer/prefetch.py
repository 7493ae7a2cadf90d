"""Read the next items of an iterable on a background thread while the caller works on the current one.

Why: pandas' C parser releases the GIL while it tokenizes, so a CSV import can
parse its next chunk while the main thread adds up the current one (issue 29;
figures in bench/bench_import_events.py). The producer is held to ``ahead``
items in the queue, so memory grows by at most ``ahead + 1`` chunks, and it
stops, closes its iterable and ends before the generator returns: after that
nothing reads the file any more.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_ITEM, _END, _ERROR = range(3)


def prefetched(iterable: Iterable[T], ahead: int = 2) -> Generator[T, None, None]:
    """The items of ``iterable`` in order, produced on a thread; its errors come out here as they were."""
    items: queue.Queue[tuple[int, object]] = queue.Queue(maxsize=ahead)
    stop = threading.Event()
    producer = threading.Thread(target=_produce, args=(iter(iterable), items, stop), name="prefetch", daemon=True)
    producer.start()
    try:
        while True:
            kind, value = items.get()
            if kind == _END:
                return
            if kind == _ERROR:
                raise value  # type: ignore[misc]
            yield value  # type: ignore[misc]
    finally:
        stop.set()
        _drain(items)  # a producer blocked on a full queue puts once more, sees ``stop`` and ends
        producer.join()


def _produce(source: Iterator[T], items: queue.Queue[tuple[int, object]], stop: threading.Event) -> None:
    try:
        for item in source:
            items.put((_ITEM, item))
            if stop.is_set():
                return
        items.put((_END, None))
    except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
        items.put((_ERROR, exc))
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


def _drain(items: queue.Queue[tuple[int, object]]) -> None:
    while True:
        try:
            items.get_nowait()
        except queue.Empty:
            return
