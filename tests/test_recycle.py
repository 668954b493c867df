"""Tests of lstm_explained._recycle: freed result arrays' memory is reused, never while in use."""

from __future__ import annotations

import gc
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_explained import _recycle
from lstm_explained._recycle import MIN_BYTES, empty, kept_bytes

BIG = (MIN_BYTES // 4 + 1000,)  # float32 values: just over the recycling threshold


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def _span(a: np.ndarray) -> tuple[int, int]:
    lo = _address(a)
    return lo, lo + a.nbytes


@pytest.fixture(autouse=True)
def _empty_pool(monkeypatch):
    """Each test starts with an empty pool of its own."""
    monkeypatch.setattr(_recycle, "_free", [])


def test_a_freed_array_gives_its_memory_to_the_next_of_about_its_size():
    a = empty(BIG, np.float32)
    address, block = _address(a), a.base.base.obj
    del a
    assert _pooled(block)
    b = empty(BIG, np.float32)
    assert _address(b) == address and not _pooled(block)
    b[...] = 1.0  # an ordinary writable array
    assert b.flags.writeable and b.flags.c_contiguous and float(b.sum()) == BIG[0]
    del b
    much_smaller = empty((BIG[0] // 3,), np.float32)  # under half the block: new memory
    assert _address(much_smaller) != address


def _pooled(block) -> bool:
    return any(b is block for _, b in _recycle._free)


def test_a_view_keeps_the_memory_of_a_freed_array():
    a = empty(BIG, np.float32)
    block = a.base.base.obj  # the array's memory block (numpy holds a memoryview of it)
    a[...] = 7.0
    view = a[10:20]
    del a
    gc.collect()
    assert not _pooled(block)  # the view still uses it
    b = empty(BIG, np.float32)
    b[...] = -1.0
    assert not np.shares_memory(b, view)
    assert (view == 7.0).all()
    del view
    assert _pooled(block)


def test_small_arrays_are_numpys_and_the_pool_keeps_at_most_keep_bytes(monkeypatch):
    assert empty((10, 3), np.float64).flags.owndata
    monkeypatch.setattr(_recycle, "KEEP_BYTES", 3 * MIN_BYTES)
    arrays = [empty((MIN_BYTES // 8 + i,), np.float64) for i in range(6)]
    del arrays
    assert 0 < kept_bytes() <= 3 * MIN_BYTES


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 5)), min_size=1, max_size=40))
def test_no_two_arrays_in_use_ever_share_memory(ops):
    """Any sequence of allocations (sizes 1-5 x the threshold) and frees, from two threads."""
    live: list[np.ndarray] = []

    def step(op):
        free, size = op
        if free and live:
            live.pop(0)
        else:
            a = empty((size * MIN_BYTES // 4,), np.float32)
            a[...] = 0.0
            live.append(a)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(step, ops))
    spans = sorted(_span(a) for a in live)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start
