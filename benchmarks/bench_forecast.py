"""Benchmark: the batched multi-sequence forecast against the seed's per-point loop.

Times ``lx.forecast.multi_sequence`` on the whole S&P 500 test set (412 windows, runs of
50 steps) with the pretrained model, and the seed's loop (one ``model.predict`` per
predicted point) on the first run(s), scaled to the same number of runs; checks that both
give the same numbers (<= 1e-5) and prints the speed-up. Goal: >= 200x.

Run from anywhere::

    python3 benchmarks/bench_forecast.py [--seed-runs 2] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-runs", type=int, default=2, help="runs of the seed loop to time")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the batched forecast")
    args = parser.parse_args()

    import lstm_explained as lx

    model = lx.model.load_pretrained("sp500")
    w = lx.data.make_windows(lx.data.load_sp500(), seq_len=50, normalise=True)
    x = w.x_test
    L = 50
    n_runs = len(x) // L

    lx.forecast.multi_sequence(model, x, L)  # warm-up (weights to numpy, caches)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        fast = lx.forecast.multi_sequence(model, x, L)
        times.append(time.perf_counter() - start)
    t_fast = statistics.median(times)

    model.predict(x[:1].astype("float32"), verbose=0)  # warm the seed's path too
    seed_runs = min(args.seed_runs, n_runs)
    start = time.perf_counter()
    ref = lx.forecast.seed_multi_sequence(model, x[: seed_runs * L], L)
    t_seed_part = time.perf_counter() - start
    t_seed = t_seed_part * n_runs / seed_runs
    err = float(np.max(np.abs(fast[:seed_runs] - ref)))

    print(f"S&P 500 test set: {len(x)} windows, {n_runs} runs of {L} steps")
    print(
        f"seed loop (model.predict per point): {t_seed_part:.2f} s for {seed_runs} run(s), "
        f"{t_seed_part / (seed_runs * L) * 1e3:.1f} ms a call -> {t_seed:.2f} s for {n_runs} runs"
    )
    print(f"batched multi_sequence: {t_fast * 1e3:.1f} ms (median of {args.repeats})")
    print(f"max |batched - seed| = {err:.2e} (must be <= 1e-5)")
    speedup = t_seed / t_fast
    print(f"speed-up: {speedup:.0f}x (goal >= 200x)")
    return 0 if err <= 1e-5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
