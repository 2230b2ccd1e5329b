"""The garbage collector during a heavy job in this process (a long PDF, a big export).

CPython starts a young-generation collection every 700 new container objects (lists,
dicts, tuples, instances) and an older one every ten of those. WeasyPrint's box tree and
an export's row tuples make millions of them, so a 1,000-row subsidy PDF ran the collector
thousands of times — a fifth of its CPU — and a list export a tenth, although nearly
everything they make is freed by reference counting or lives until the job ends. Inside
`fewer_collections()` a collection starts every 100,000 new objects instead: nothing is
switched off (cycles are still collected, only in bigger batches; a 1,000-row PDF peaks
≈ 4 MB higher). The setting is the process's, so overlapping jobs in threads share one
raised threshold, put back when the last of them ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

HEAVY_THRESHOLD = 100_000

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the young-generation threshold to HEAVY_THRESHOLD for the duration."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            if _saved[0]:  # 0 means automatic collection is off: leave it off
                gc.set_threshold(max(HEAVY_THRESHOLD, _saved[0]), *_saved[1:])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
