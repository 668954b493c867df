"""Memory for the engines' result arrays, recycled from traces that were freed.

A trace is big (six arrays of windows x steps x units per layer: 74 MB for the S&P 500
test set through the seed model) and an engine writes all of it once. Fresh memory from
the operating system costs a page fault for every page on that first write: on the
2-core machines measured, 15-35 ms of system time for that trace, about a sixth of the
work. The gate lab and the widget trace again and again, and the next trace usually has
the size of the last one; so, as TensorFlow's own allocator keeps the memory of freed
tensors, :func:`empty` keeps the memory of freed result arrays (up to
:data:`KEEP_BYTES`) and hands it to the next array of about the same size, its pages
already mapped.

An array from :func:`empty` is an ordinary writable numpy array (its ``base`` is the
memory block). Its block returns to the pool when the array and every view of it are
gone, never before: the pool keeps only blocks no array uses.

Example
-------
>>> import numpy as np
>>> a = empty((1000, 100), np.float32)
>>> address = a.__array_interface__["data"][0]
>>> del a
>>> b = empty((1000, 100), np.float32)  # the same size again: the same memory
>>> b.__array_interface__["data"][0] == address
True
"""

from __future__ import annotations

import mmap
import threading
import weakref
from typing import Any

import numpy as np

#: Most bytes of freed arrays kept for reuse (older blocks are released beyond it).
KEEP_BYTES = 512 * 2**20

#: Arrays smaller than this come from numpy's own allocator (which recycles small
#: blocks itself).
MIN_BYTES = 2**20

_lock = threading.RLock()  # a block may come back from any thread, during a collection
_free: list[tuple[int, mmap.mmap]] = []  # (size, block), oldest first


def empty(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """An uninitialised array like ``np.empty(shape, dtype)``, in a recycled block of
    memory when one of about its size (at most twice) is free."""
    dtype = np.dtype(dtype)
    count = int(np.prod(shape, dtype=np.int64))
    nbytes = count * dtype.itemsize
    if nbytes < MIN_BYTES:
        return np.empty(shape, dtype)
    block = _take(nbytes)
    if block is None:
        block = mmap.mmap(-1, nbytes)
        if hasattr(block, "madvise") and hasattr(mmap, "MADV_HUGEPAGE"):
            block.madvise(mmap.MADV_HUGEPAGE)  # as numpy does for its big arrays
    flat = np.frombuffer(block, dtype=dtype, count=count)
    # every view of the array keeps `flat` alive: when it goes, no array uses the block
    weakref.finalize(flat, _give, len(block), block)
    return flat.reshape(shape)


def _take(nbytes: int) -> mmap.mmap | None:
    """The smallest free block of ``nbytes`` to ``2 * nbytes`` bytes, taken from the pool."""
    with _lock:
        fits = [i for i, (size, _) in enumerate(_free) if nbytes <= size <= 2 * nbytes]
        if not fits:
            return None
        best = min(fits, key=lambda i: _free[i][0])
        return _free.pop(best)[1]


def _give(size: int, block: mmap.mmap) -> None:
    """A block no array uses any more: keep it, releasing the oldest beyond KEEP_BYTES."""
    with _lock:
        _free.append((size, block))
        while kept_bytes() > KEEP_BYTES:
            _free.pop(0)  # dropped: unmapped once nothing refers to it


def kept_bytes() -> int:
    """Bytes of freed arrays the pool holds now."""
    with _lock:
        return sum(s for s, _ in _free)


__all__ = ["KEEP_BYTES", "MIN_BYTES", "empty", "kept_bytes"]
