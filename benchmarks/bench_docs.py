"""Benchmark: the one-command build of the course site against its 5-minute goal.

Runs ``python3 -m sphinx -E -W --keep-going docs OUT`` (the README's command: every
tutorial is executed) into a temporary folder, and prints the wall time, the time spent
executing each notebook (from myst-nb's log) and the verdict against the goal of
300 s on two cores. Exits non-zero only when the build itself fails.

Run from anywhere::

    python3 benchmarks/bench_docs.py [--keep OUT]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 300.0
EXECUTED = re.compile(r"([^/\s]+\.(?:md|ipynb)): Executed notebook in ([\d.]+) seconds")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="build into this folder and keep it")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp) / "html"
        cmd = [sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "docs", str(out)]
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-6000:], sep="\n", file=sys.stderr)
        print(f"docs build FAILED after {elapsed:.0f} s", file=sys.stderr)
        return 1
    notebooks = EXECUTED.findall(proc.stdout + proc.stderr)
    for name, seconds in notebooks:
        print(f"  executed {name:<32} {float(seconds):6.1f} s")
    executing = sum(float(s) for _, s in notebooks)
    print(
        f"docs build: {elapsed:.0f} s ({executing:.0f} s executing {len(notebooks)} notebooks); "
        f"goal <= {GOAL_S:.0f} s: {'OK' if elapsed <= GOAL_S else 'OVER'} "
        f"({elapsed / GOAL_S:.0%} of the budget)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
