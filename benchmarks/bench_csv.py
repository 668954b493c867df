"""Benchmark: ``lx.data.load_csv`` on a ten-million-line OHLCV file, time and peak memory.

Writes ``Date,Open,High,Low,Close,Adj Close,Volume`` rows (prices with six decimals, as
in the shipped S&P 500 file) into a temporary folder, then reads the file with
``load_csv`` in a fresh Python process (so nothing else is in its memory) and reports:

* the wall time of ``load_csv``: goal under 15 s (on the project's two cores);
* its peak memory, as a multiple of the file size: goal under 10x. Two figures: the
  peak of the allocations Python and numpy make (``tracemalloc``, a second read) and the
  peak resident size of the whole process (``resource.getrusage``, interpreter and
  numpy included).

Ten million distinct days run past the year 9999, so the dates go on into five-digit
years (10000-01-01 ...), which ``load_csv`` reads like any ISO date. The file sits in the
page cache when it is read. Times depend on what else the machine runs: say so with the
figures.

Run from anywhere::

    python3 benchmarks/bench_csv.py [--lines 10000000] [--keep]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

GOAL_SECONDS = 15.0
GOAL_MEMORY = 10.0
_CHUNK = 1_000_000

_CHILD = """
import gc, json, resource, sys, time, tracemalloc
import lstm_explained as lx
path = sys.argv[1]
start = time.perf_counter()
series = lx.data.load_csv(path)
seconds = time.perf_counter() - start
n, last = len(series), str(series.dates[-1])
del series
gc.collect()
tracemalloc.start()
lx.data.load_csv(path)
traced = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(dict(seconds=seconds, traced=traced, rss=rss, rows=n, last=last)))
"""


def _digits(numbers: np.ndarray, width: int) -> np.ndarray:
    """Whole numbers as (n, width) ASCII digits, zero-padded on the left."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((numbers[:, None] // powers) % 10 + 48).astype(np.uint8)


def _price(values: np.ndarray) -> np.ndarray:
    """Prices in [1000, 10000) as 'dddd.dddddd': (n, 11) ASCII."""
    micro = np.round(values * 1e6).astype(np.int64)
    whole, frac = _digits(micro // 10**6, 4), _digits(micro % 10**6, 6)
    return np.hstack([whole, np.full((len(values), 1), ord("."), np.uint8), frac])


def _rows(first: int, n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Rows first .. first + n as byte matrices (one per date width), ending in newlines."""
    k = np.arange(first, first + n)
    close = 5000 + 3000 * np.sin(k / 2000.0) + rng.normal(0, 20, n)
    days = np.datetime64("1900-01-01") + k
    text = np.char.encode(np.datetime_as_string(days, unit="D"), "ascii")
    comma = np.full((n, 1), ord(","), np.uint8)
    columns = [_price(close * f) for f in (0.999, 1.004, 0.995, 1.0, 1.0)]
    volume = _digits(rng.integers(10**8, 10**9, n), 9)
    body = np.hstack([x for col in columns for x in (comma, col)] + [comma, volume])
    body = np.hstack([body, np.full((n, 1), ord("\n"), np.uint8)])
    lengths = np.char.str_len(text)
    out = []
    for width in np.unique(lengths):
        rows = np.flatnonzero(lengths == width)
        date = text[rows].astype(f"S{width}").view(np.uint8).reshape(len(rows), width)
        out.append(np.hstack([date, body[rows]]))
    return out


def write_ohlcv(path: Path, lines: int, seed: int = 0) -> int:
    """Write ``lines`` OHLCV rows (and a header) to ``path``; return its size in bytes."""
    rng = np.random.default_rng(seed)
    with open(path, "wb") as f:
        f.write(b"Date,Open,High,Low,Close,Adj Close,Volume\n")
        for first in range(0, lines, _CHUNK):
            for block in _rows(first, min(_CHUNK, lines - first), rng):
                f.write(block.tobytes())
    return path.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000, help="data rows to write")
    parser.add_argument("--keep", action="store_true", help="keep the file (prints its path)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench_csv_"))
    path = folder / "ohlcv.csv"
    try:
        size = write_ohlcv(path, args.lines)
        print(f"{path.name}: {args.lines:,} rows, {size / 1e6:.0f} MB")
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True
        )
        if done.returncode:
            print(done.stderr[-3000:], file=sys.stderr)
            return 1
        got = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if args.keep:
            print(f"kept {path}")
        else:
            path.unlink(missing_ok=True)
            folder.rmdir()
    assert got["rows"] == args.lines, got
    seconds, traced, rss = got["seconds"], got["traced"] / size, got["rss"] / size
    print(f"load_csv: {seconds:.1f} s (goal < {GOAL_SECONDS:.0f} s), last date {got['last']}")
    print(f"peak memory: {traced:.2f}x the file size traced by tracemalloc, "
          f"{rss:.2f}x as peak resident size of the process (goal < {GOAL_MEMORY:.0f}x)")
    print("(a shared machine: other work running at the same time slows the figures down)")
    ok = seconds < GOAL_SECONDS and max(traced, rss) < GOAL_MEMORY
    print("goals met" if ok else "goals NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
