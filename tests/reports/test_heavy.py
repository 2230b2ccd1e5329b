"""reports.heavy: fewer garbage collections during a heavy job, put back afterwards."""

from __future__ import annotations

import gc
import threading

import pytest

from reports.heavy import HEAVY_THRESHOLD, fewer_collections


@pytest.fixture
def thresholds():
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_the_threshold_is_raised_inside_and_put_back_after(thresholds):
    with fewer_collections():
        assert gc.get_threshold() == (HEAVY_THRESHOLD, 10, 10)
        with fewer_collections():  # nested: still raised
            assert gc.get_threshold()[0] == HEAVY_THRESHOLD
        assert gc.get_threshold()[0] == HEAVY_THRESHOLD
    assert gc.get_threshold() == (700, 10, 10)


def test_an_error_puts_it_back_too(thresholds):
    with pytest.raises(ZeroDivisionError), fewer_collections():
        1 / 0  # noqa: B018
    assert gc.get_threshold() == (700, 10, 10)


def test_overlapping_jobs_in_threads_put_back_the_original(thresholds):
    inside, release = threading.Barrier(3), threading.Event()

    def job():
        with fewer_collections():
            inside.wait()
            release.wait()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for t in threads:
        t.start()
    inside.wait()
    assert gc.get_threshold()[0] == HEAVY_THRESHOLD
    release.set()
    for t in threads:
        t.join()
    assert gc.get_threshold() == (700, 10, 10)


def test_collection_switched_off_by_threshold_zero_stays_off(thresholds):
    gc.set_threshold(0, 10, 10)
    with fewer_collections():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0
