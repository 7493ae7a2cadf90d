"""Parsing ahead on a second thread: same items and errors as reading in turn, and no thread left behind."""

import io
import threading
from collections.abc import Iterator

import pytest

from lib.importer import ImportFileError, analyze
from lib.importer.csv_table import CsvTable
from lib.importer.prefetch import prefetched
from lib.importer.reading import open_table

from .helpers import csv_bytes, pair_mapping


class Counted:
    """An iterator over 0..n-1 that records how far it was read, whether it was closed, and from which thread."""

    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.n, self.fail_at = n, fail_at
        self.produced = 0
        self.closed = False
        self.threads: set[str] = set()

    def __iter__(self) -> Iterator[int]:
        return self

    def __next__(self) -> int:
        self.threads.add(threading.current_thread().name)
        if self.produced == self.fail_at:
            raise KeyError(f"item {self.produced}")
        if self.produced == self.n:
            raise StopIteration
        self.produced += 1
        return self.produced - 1

    def close(self) -> None:
        self.closed = True


def test_items_come_in_order_from_another_thread() -> None:
    before = threading.active_count()
    source = Counted(500)
    assert list(prefetched(source)) == list(range(500))
    assert source.threads == {"prefetch"} and source.closed
    assert threading.active_count() == before


def test_an_error_comes_out_with_its_own_type_after_the_items_before_it() -> None:
    before = threading.active_count()
    source = Counted(10, fail_at=4)
    got: list[int] = []
    with pytest.raises(KeyError, match="item 4"):
        for item in prefetched(source):
            got.append(item)
    assert got == [0, 1, 2, 3] and source.closed
    assert threading.active_count() == before


def test_closing_early_ends_the_producer_which_stays_at_most_a_few_items_ahead() -> None:
    before = threading.active_count()
    source = Counted(10_000)
    items = prefetched(source, ahead=2)
    assert [next(items) for _ in range(3)] == [0, 1, 2]
    items.close()
    assert threading.active_count() == before  # close() waits for the producer
    assert source.closed
    assert source.produced <= 3 + 2 + 1  # the items read, the queue, the one being made when it stopped


def test_a_consumer_that_raises_ends_the_producer() -> None:
    before = threading.active_count()
    source = Counted(10_000)

    def consume() -> None:
        for item in prefetched(source):
            if item == 5:
                raise ValueError("stop here")

    with pytest.raises(ValueError, match="stop here"):
        consume()
    assert threading.active_count() == before and source.closed and source.produced < 10


def _events(count: int) -> bytes:
    rows = [["date", "arm", "visitors", "conversions"]]
    rows += [[f"2024-03-{1 + i % 5:02d}", ("control", "pilot")[i % 2], 10 + i % 7, i % 3] for i in range(count)]
    return csv_bytes(rows)


def test_a_file_of_several_chunks_reads_the_same_with_and_without_the_thread() -> None:
    data = _events(3_000)
    with open_table(data, "r.csv") as table:
        assert isinstance(table, CsvTable)
        chunks = list(table.frames([0, 1, 2, 3], 400))
        plain = list(table._chunks(400))
    assert [(first, done) for first, _, done in chunks] == [(first, done) for first, _, done in plain]
    assert [first for first, _, _ in chunks] == list(range(2, 3002, 400))
    assert all(a.equals(b) for (_, a, _), (_, b, _) in zip(chunks, plain, strict=True))


def test_a_small_file_is_read_without_a_thread() -> None:
    with open_table(_events(20), "r.csv") as table:
        assert isinstance(table, CsvTable)
        frames = table.frames([0], None)
        next(frames)
        assert frames.gi_code.co_name == "_chunks"  # type: ignore[attr-defined]
        frames.close()


def test_the_file_is_not_read_after_an_early_stop() -> None:
    before = threading.active_count()
    reads_after_close: list[int] = []
    closed = threading.Event()

    class Watched(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if closed.is_set():
                reads_after_close.append(self.tell())
            return super().read(size)

    upload = Watched(_events(20_000))
    upload.name = "r.csv"  # type: ignore[attr-defined]
    with open_table(upload) as table:
        frames = table.frames([0, 1, 2, 3], 500)
        next(frames)
        frames.close()
        closed.set()
        position = upload.tell()
    assert reads_after_close == [] and position < len(upload.getvalue())
    assert threading.active_count() == before


def test_analyze_gives_the_same_answer_and_row_numbers_in_chunks_on_a_thread() -> None:
    rows = [["date", "arm", "visitors", "conversions"]]
    rows += [["2024-03-01", "control", 10, 1], ["2024-03-01", "pilot", 10, 2]] * 2_000
    rows[1_234] = ["2024-03-01", "pilot", 5, 9]  # more conversions than visitors, on line 1,235 (header is 1)
    data = csv_bytes(rows)
    before = threading.active_count()
    threaded = analyze(data, pair_mapping(), name="r.csv", chunk_rows=300)
    whole = analyze(data, pair_mapping(), name="r.csv")
    assert threading.active_count() == before
    assert [(p.row, p.code) for p in threaded.problems] == [(1_235, "conversions_over_exposures")]
    assert threaded.problems == whole.problems
    assert threaded.observations == whole.observations


def test_a_ragged_row_found_on_the_thread_is_named_as_before() -> None:
    data = _events(3_000) + b"2024-03-02,control,1,000,5\n"
    before = threading.active_count()
    with pytest.raises(ImportFileError, match="Row 3002 of 'r.csv' has 5 values but the header has 4 columns"):
        analyze(data, pair_mapping(), name="r.csv", chunk_rows=250)
    assert threading.active_count() == before
