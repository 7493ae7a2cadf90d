"""Freed memory is kept for reuse while a file is read, and handed back after (lib/importer/heap.py).

Each check runs in a fresh interpreter: the allocator's state is the process's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from lib.importer import heap

ROOT = Path(__file__).resolve().parents[2]

CHURN = """
import json, resource
import numpy as np
from lib.importer.heap import freed_memory_kept

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20

def churn():
    # what a chunked read does: several arrays of a few MB alive at once, then all freed, again and again
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(30):
        arrays = [np.ones(300_000) for _ in range(6)]  # 6 x 2.4 MB
        del arrays
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

plain = churn()
with freed_memory_kept():
    kept = churn()
    held = [np.ones(300_000) for _ in range(20)]  # 48 MB, freed inside the block: kept while reading
    del held
    inside = rss_mb()
after = rss_mb()
print(json.dumps({"plain": plain, "kept": kept, "inside": inside, "after": after}))
"""


@pytest.mark.skipif(heap._GLIBC is None, reason="glibc's allocator only; nothing changes elsewhere")
def test_a_chunked_read_stops_faulting_pages_in_again_and_the_memory_is_given_back_after() -> None:
    out = subprocess.run([sys.executable, "-c", CHURN], cwd=ROOT, capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout)
    # 30 rounds of 14 MB: by default the freed top of the heap goes back to the kernel each round
    assert seen["plain"] > 30 * 1000, seen
    assert seen["kept"] < seen["plain"] / 5, seen
    assert seen["after"] < seen["inside"] - 30, seen  # the 48 MB freed inside are handed back at the end


@pytest.mark.skipif(heap._GLIBC is None, reason="glibc's allocator only; nothing changes elsewhere")
def test_reads_on_several_threads_share_the_setting_until_the_last_one_ends() -> None:
    entered, release = threading.Barrier(3), threading.Event()

    def read() -> None:
        with heap.freed_memory_kept():
            entered.wait()
            release.wait()

    threads = [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    entered.wait()
    assert heap._readers == 2
    release.set()
    for thread in threads:
        thread.join()
    assert heap._readers == 0
