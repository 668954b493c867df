"""How the engine uses the cores: one BLAS thread per loop, and the batch split over threads.

The engine's loop (:func:`lstm_explained.engine.run_lstm`) does many small steps. Two
things make it fast on a small machine, measured on two cores:

* each step's matrix product runs on one BLAS thread (:func:`single_threaded_blas`):
  OpenBLAS splits even a small product over every core, and on a busy machine
  (TensorFlow's threads, a test runner) its threads wait for each other;
* the windows are independent, so a big enough batch is split into parts that run in
  Python threads (:func:`default_threads`, :func:`split`): numpy releases the GIL while
  it loops, so the parts run on separate cores.

Example
-------
>>> split(10, 3)
[(0, 3), (3, 7), (7, 10)]
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_BLAS_LIBRARIES: list[Any] | None = None


def _blas_libraries() -> list[Any]:
    """threadpoolctl's controllers of the BLAS libraries loaded (scanned once: ~50 ms)."""
    global _BLAS_LIBRARIES
    if _BLAS_LIBRARIES is None:
        from threadpoolctl import ThreadpoolController

        _BLAS_LIBRARIES = ThreadpoolController().select(user_api="blas").lib_controllers
    return _BLAS_LIBRARIES


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run numpy's small per-step matrix products on one thread (threadpoolctl).

    The loop does T small products (batch x units by units x 4 units). OpenBLAS splits
    each over all cores, and on a busy 2-core machine (TensorFlow's own threads, a test
    runner) the threads wait for each other: the loop becomes many times slower. One
    thread is as fast when the machine is idle and immune to that. (threadpoolctl's own
    ``limit`` context re-reads every library's state, which costs more than a short run.)
    """
    libraries = _blas_libraries()
    before = [lib.num_threads for lib in libraries]
    for lib in libraries:
        lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, n in zip(libraries, before, strict=True):
            lib.set_num_threads(n)


#: Fewest gate values (windows x 4·units) a thread must compute per step to be worth
#: starting. Each numpy call releases the GIL only while it loops, and taking it back
#: from another thread costs tens of microseconds on a virtual machine: with smaller
#: steps the threads wait for each other and two are no faster than one (measured on
#: 2 cores: 206 windows x 200 gate values, no gain; 206 x 400, 1.5x faster).
MIN_GATES_PER_THREAD = 65_536


def default_threads(n: int, units: int) -> int:
    """Threads :func:`run_lstm` uses for ``n`` windows of ``units`` units: one per core
    this process may use, at most 2 (more was slower on the 2-core machines where this
    was measured), and none with fewer than :data:`MIN_GATES_PER_THREAD` values a step.

    Example
    -------
    >>> default_threads(n=8, units=50)
    1
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 2, (n * 4 * units) // MIN_GATES_PER_THREAD))


def split(n: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` near-equal (lo, hi) ranges covering 0..n (fewer if n is smaller)."""
    parts = max(1, min(int(parts), n))
    edges = [round(k * n / parts) for k in range(parts + 1)]
    return [(lo, hi) for lo, hi in zip(edges, edges[1:], strict=False) if hi > lo]


def run_parts(
    run_part: Callable[[int, int], None], parts: list[tuple[int, int]], workers: int
) -> None:
    """``run_part(lo, hi)`` for every part, on up to ``workers`` threads (in this one when
    there is one part or one worker), each product on one BLAS thread; a part's error is
    raised here."""
    with single_threaded_blas():
        if len(parts) == 1 or workers < 2:
            for lo, hi in parts:
                run_part(lo, hi)
            return
        with ThreadPoolExecutor(min(len(parts), workers)) as pool:
            for f in [pool.submit(run_part, lo, hi) for lo, hi in parts]:
                f.result()


__all__ = ["MIN_GATES_PER_THREAD", "default_threads", "run_parts", "single_threaded_blas",
           "split"]
