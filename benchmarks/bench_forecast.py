"""Benchmark: the batched multi-sequence forecast against the seed's per-point loop.

Times ``lx.forecast.multi_sequence`` on the whole S&P 500 test set (412 windows, runs of
50 steps) with the pretrained model against two alternatives, all in the same run:

* the seed's loop (one ``model.predict`` per predicted point) on the first run(s), scaled
  to the same number of runs: the speed-up over it is the goal (>= 200x);
* the fastest honest Keras alternative: all runs advanced together, one
  ``predict_on_batch`` per step (50 calls; ``forecast._rollout_keras``). This splits the
  speed-up honestly between batching (seed loop -> batched Keras) and the numpy cell
  (batched Keras -> numpy rollout).

Checks that all give the same numbers (<= 1e-5) and prints the ratios.

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

    from lstm_explained.forecast import _rollout_keras

    starts = x[: n_runs * L : L]
    _rollout_keras(model, starts, L)  # warm-up
    keras_times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        batched_keras = _rollout_keras(model, starts, L)
        keras_times.append(time.perf_counter() - start)
    t_keras = statistics.median(keras_times)

    model.predict(x[:1].astype("float32"), verbose=0)  # warm the seed's path too
    seed_runs = min(args.seed_runs, n_runs)
    start = time.perf_counter()
    ref = lx.forecast.seed_multi_sequence(model, x[: seed_runs * L], L)
    t_seed_part = time.perf_counter() - start
    t_seed = t_seed_part * n_runs / seed_runs
    err = max(float(np.max(np.abs(fast[:seed_runs] - ref))),
              float(np.max(np.abs(fast - batched_keras))))

    print(f"S&P 500 test set: {len(x)} windows, {n_runs} runs of {L} steps")
    print(
        f"seed loop (model.predict per point): {t_seed_part:.2f} s for {seed_runs} run(s), "
        f"{t_seed_part / (seed_runs * L) * 1e3:.1f} ms a call -> {t_seed:.2f} s for {n_runs} runs"
    )
    print(f"batched Keras rollout ({L} predict_on_batch calls): {t_keras * 1e3:.1f} ms "
          f"(median of {args.repeats})")
    print(f"batched multi_sequence (numpy cell): {t_fast * 1e3:.1f} ms (median of {args.repeats})")
    print(f"max |difference| between the three = {err:.2e} (must be <= 1e-5)")
    print(f"batching alone (seed loop -> batched Keras): {t_seed / t_keras:.0f}x")
    print(f"numpy cell over batched Keras: {t_keras / t_fast:.1f}x")
    speedup = t_seed / t_fast
    print(f"speed-up over the seed loop: {speedup:.0f}x (goal >= 200x)")
    return 0 if err <= 1e-5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
