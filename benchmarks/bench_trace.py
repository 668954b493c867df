"""Benchmark: trace the whole S&P 500 test set through the pretrained seed model.

Traces every window of the S&P 500 test set (~412 windows of 50 x 1, normalised p/p0 - 1)
through the pretrained [1, 50, 100, 1] model (LSTM(50, return_sequences) -> Dropout ->
LSTM(100) -> Dropout -> Dense(1)) with :func:`lstm_explained.trace_gates`' default
settings (self-check on), and prints the time as a ratio to a warm ``model.predict`` on
the same windows, both measured in this run as medians of several repeats. Goal: <= 1.0.

Usage::

    .venv/bin/python benchmarks/bench_trace.py [--repeats 7] [--untrained]

``--untrained`` uses a freshly built model of the same architecture and random windows
of the same shape (for machines without the pretrained model or data).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

import lstm_explained as lx
from lstm_explained._keras import keras


def _median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _untrained() -> tuple[object, np.ndarray]:
    k = keras()
    model = k.Sequential([
        k.Input((50, 1)), k.layers.LSTM(50, return_sequences=True), k.layers.Dropout(0.2),
        k.layers.LSTM(100), k.layers.Dropout(0.2), k.layers.Dense(1),
    ])
    x = np.random.default_rng(0).normal(0.0, 0.05, size=(412, 50, 1)).astype(np.float32)
    return model, x


def main(argv: list[str] | None = None) -> float:
    """Run the benchmark; return the ratio trace time / predict time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--untrained", action="store_true")
    args = parser.parse_args(argv)
    if args.untrained:
        model, x = _untrained()
        source = "untrained seed architecture, random windows"
    else:
        model = lx.model.load_pretrained("sp500")
        x = lx.data.make_windows(lx.data.load_sp500(), 50, normalise=True).x_test
        source = "pretrained sp500 model, S&P 500 test windows"

    model.predict(x, verbose=0)  # warm both up (graph tracing, first-call costs)
    trace = lx.trace_gates(model, x)
    t_predict = _median_time(lambda: model.predict(x, verbose=0), args.repeats)
    t_trace = _median_time(lambda: lx.trace_gates(model, x), args.repeats)
    ratio = t_trace / t_predict
    print(f"{source}: {x.shape[0]} windows of {x.shape[1]}x{x.shape[2]}")
    print(f"layers traced: {', '.join(trace.layer_names)}; verified={trace.verified} "
          f"(max error {trace.max_abs_error:.1e} on {trace.info['checked_samples']} windows)")
    print(f"model.predict (warm, median of {args.repeats}): {t_predict * 1000:.1f} ms")
    print(f"trace_gates   (warm, median of {args.repeats}): {t_trace * 1000:.1f} ms")
    print(f"ratio trace / predict: {ratio:.2f}x (goal <= 1.0x)")
    return ratio


if __name__ == "__main__":
    main()
