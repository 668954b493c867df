"""Benchmark: each tutorial notebook, top to bottom, against the 60-second goal.

Runs every ``tutorials/NN_*.md`` (MyST notebooks, read with jupytext), or the ones named,
in a fresh ``python3`` kernel with nbclient, as a student's "Run All" would, and prints
its wall time: kernel start, imports, pretrained models, every cell. Kernel start-up is
timed separately. Nothing is asserted; the table says which notebooks meet the goal.
Exported files go to a temporary folder that is removed afterwards.

Run from anywhere::

    python3 benchmarks/bench_tutorials.py [01_lstm_cell ...] [--repeats 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "tutorials"
GOAL_SECONDS = 60.0


def run_notebook(path: Path) -> tuple[float, float]:
    """(kernel start seconds, total seconds) of one top-to-bottom run of ``path``."""
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(path, fmt="md:myst")
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, TMPDIR=tmp)
        client = NotebookClient(nb, kernel_name="python3", timeout=600,
                                resources={"metadata": {"path": tmp}})
        start = time.perf_counter()
        with client.setup_kernel(env=env, cwd=tmp):
            started = time.perf_counter()
            for index, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    client.execute_cell(cell, index)
        end = time.perf_counter()
    return started - start, end - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stems", nargs="*", help="notebooks to run (default: all)")
    parser.add_argument("--repeats", type=int, default=1, help="runs per notebook (best kept)")
    args = parser.parse_args(argv)
    paths = sorted(TUTORIALS.glob("[0-9][0-9]_*.md"))
    if args.stems:
        paths = [p for p in paths if p.stem in args.stems or p.stem[:2] in args.stems]
    if not paths:
        print("no notebooks matched", file=sys.stderr)
        return 1
    print(f"{'notebook':28s} {'kernel start':>13s} {'total':>8s}   goal {GOAL_SECONDS:.0f} s")
    worst = 0.0
    for path in paths:
        runs = [run_notebook(path) for _ in range(max(1, args.repeats))]
        kernel, total = min(runs, key=lambda r: r[1])
        worst = max(worst, total)
        verdict = "ok" if total <= GOAL_SECONDS else "OVER"
        print(f"{path.name:28s} {kernel:11.1f} s {total:6.1f} s   {verdict} "
              f"({total / GOAL_SECONDS:.0%} of the goal)")
    print(f"slowest: {worst:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
