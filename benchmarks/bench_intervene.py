"""Benchmark: the gate lab's rerun (``lx.intervene``) against tracing the same windows.

``lx.intervene(model, x, clamp)`` traces the model (``trace_gates``, self-check included)
with the clamped copy of every layer from the first clamped one in the same batch of the
engine (the two halves side by side on two cores), and checks the unclamped outputs
against Keras. Its cost is measured on the S&P 500 test set (412 windows of 50 steps, the
pretrained [1, 50, 100, 1] model) for two clamps: the forget gate set to 1 everywhere (every
layer, unit and step: the worst case), and the input gate of ten units of the second layer
shut from step 25 on. Goal: at most 2x the time of ``trace_gates`` on the same windows,
measured in turns in this run (medians).

Usage::

    .venv/bin/python benchmarks/bench_intervene.py [--repeats 9]
"""

from __future__ import annotations

import argparse
import statistics
import time

import lstm_explained as lx


def main(argv: list[str] | None = None) -> float:
    """Run the benchmark; return the worst ratio intervene / trace_gates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args(argv)
    model = lx.model.load_pretrained("sp500")
    x = lx.data.make_windows(lx.data.load_sp500(), 50, normalise=True).x_test
    runs = {
        "trace_gates": lambda: lx.trace_gates(model, x),
        "intervene, forget = 1 everywhere": lambda: lx.intervene(model, x, {"forget": 1.0}),
        "intervene, input = 0, 10 units of layer 2 from step 25": lambda: lx.intervene(
            model, x, {"input": 0.0}, layer=1, units=slice(0, 10), steps=slice(25, None)),
    }
    for fn in runs.values():  # warm up
        fn()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, fn in runs.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(ts) for name, ts in times.items()}
    base = median.pop("trace_gates")
    print(f"S&P 500 test set: {x.shape[0]} windows of {x.shape[1]}x{x.shape[2]}; "
          f"medians of {args.repeats}, measured in turns")
    print(f"{'trace_gates':55} {base * 1000:7.1f} ms")
    worst = 0.0
    for name, t in median.items():
        worst = max(worst, t / base)
        print(f"{name:55} {t * 1000:7.1f} ms = {t / base:.2f}x trace_gates")
    print(f"worst ratio: {worst:.2f}x (goal <= 2.0x)")
    return worst


if __name__ == "__main__":
    main()
