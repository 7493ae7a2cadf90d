"""Reading the next chunk in a thread while the caller sums up the current one."""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from contextlib import suppress

from .table import Chunk


def prefetched(chunks: Iterator[Chunk], depth: int = 1) -> Generator[Chunk, None, None]:
    """The same chunks, read ahead by one thread.

    pandas' C parser tokenizes without holding the GIL, so this overlaps most of
    the reading with the aggregation; at most ``depth`` + 2 chunks are alive. The
    caller's thread does everything else (Streamlit calls must stay in it), and
    errors from the reader are raised there.
    """
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    finished = object()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
            put(finished)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread and raised there
            put(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=produce, name="importer-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = handoff.get()
            if item is finished:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while reader.is_alive():
            with suppress(queue.Empty):
                handoff.get(timeout=0.05)
        reader.join()
