"""Benchmark: trace the whole S&P 500 test set through the seed model, LSTM and GRU.

Traces every window of the S&P 500 test set (~412 windows of 50 x 1, normalised p/p0 - 1)
through the pretrained [1, 50, 100, 1] model (LSTM(50, return_sequences) -> Dropout ->
LSTM(100) -> Dropout -> Dense(1)) with :func:`lstm_explained.trace_gates`' default
settings (self-check on), and prints the time as a ratio to the fastest Keras forward pass
over the same windows, all measured in this run as medians of several repeats: a warm
``model.predict`` with its default batches of 32, ``model.predict`` on one batch of all
windows, and ``model.predict_on_batch`` (no callbacks, no batching loop: the fastest).
Goals: the LSTM at most 1.0x the fastest (issue 10), the GRU at most 1.0x a warm
``model.predict`` (issue 14). Both sides run warm, as in a session that traces again (the
gate lab, the widget): Keras from its compiled graph and its allocator's kept memory, the
tracer from its compiled check and the memory of the traces it freed
(:mod:`lstm_explained._recycle`).

Then the same for a GRU stack of the seed's shape (GRU(50, return_sequences) -> Dropout
-> GRU(100) -> Dropout -> Dense(1), Keras' default reset_after=True), freshly built with
seeded weights (no GRU is shipped pretrained), on the same S&P 500 test windows.

Usage::

    .venv/bin/python benchmarks/bench_trace.py [--repeats 15] [--untrained] [--kinds lstm,gru]

``--untrained`` uses a freshly built LSTM model of the same architecture and random
windows of the same shape (for machines without the pretrained model or data).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

import lstm_explained as lx
from lstm_explained._keras import keras


def _interleaved_medians(fns: dict[str, Callable[[], object]], repeats: int) -> dict:
    """Median time of each function, measured in turns (one call of each per round), so
    that a slow spell of the machine falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def _seed_stack(layer: str, seed: int = 0) -> object:
    """The seed's [1, 50, 100, 1] architecture with ``layer`` ("LSTM" or "GRU") layers,
    freshly built with seeded weights."""
    k = keras()
    k.utils.set_random_seed(seed)
    rnn = getattr(k.layers, layer)
    return k.Sequential([
        k.Input((50, 1)), rnn(50, return_sequences=True), k.layers.Dropout(0.2),
        rnn(100), k.layers.Dropout(0.2), k.layers.Dense(1),
    ])


def _untrained() -> tuple[object, np.ndarray]:
    x = np.random.default_rng(0).normal(0.0, 0.05, size=(412, 50, 1)).astype(np.float32)
    return _seed_stack("LSTM"), x


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the benchmark; return the ratio trace time / fastest predict time, by kind."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--untrained", action="store_true")
    parser.add_argument("--kinds", default="lstm,gru")
    args = parser.parse_args(argv)
    kinds = args.kinds.split(",")
    if args.untrained:
        model, x = _untrained()
        source = "untrained seed architecture, random windows"
    else:
        model = lx.model.load_pretrained("sp500")
        x = lx.data.make_windows(lx.data.load_sp500(), 50, normalise=True).x_test
        source = "pretrained sp500 model, S&P 500 test windows"
    ratios = {}
    if "lstm" in kinds:
        ratios["lstm"] = _measure(model, x, source, args.repeats)
    if "gru" in kinds:
        print()
        ratios["gru"] = _measure(_seed_stack("GRU"), x, "GRU stack of the seed's shape, "
                                 "seeded fresh weights, " + source.split(", ", 1)[1],
                                 args.repeats, goal="model.predict (batches of 32)")
    return ratios


def _measure(model: object, x: np.ndarray, source: str, repeats: int,
             goal: str | None = None) -> float:
    """Print the ratio of ``trace_gates`` to every warm Keras pass; return it against
    ``goal`` (one of them; None: the fastest), whose ratio the goal bounds by 1.0x."""
    x32 = np.asarray(x, dtype=np.float32)
    alternatives = {
        "model.predict (batches of 32)": lambda: model.predict(x32, verbose=0),
        "model.predict (one batch)": lambda: model.predict(x32, batch_size=len(x32), verbose=0),
        "model.predict_on_batch": lambda: model.predict_on_batch(x32),
    }
    for fn in alternatives.values():  # warm up (graph tracing, first-call costs)
        fn()
    trace = lx.trace_gates(model, x)  # warm up: the first call runs the check's Keras eagerly,
    lx.trace_gates(model, x)  # the second builds its compiled tf.function (_tracer_plan)
    times = _interleaved_medians(
        alternatives | {"trace_gates": lambda: lx.trace_gates(model, x)}, repeats)
    t_trace = times.pop("trace_gates")
    fastest = min(times, key=times.get)
    ratio = t_trace / times[fastest]
    print(f"{source}: {x.shape[0]} windows of {x.shape[1]}x{x.shape[2]}")
    print(f"layers traced: {', '.join(trace.layer_names)}; verified={trace.verified} "
          f"(on {trace.info['checked_samples']} windows)")
    for name, t in times.items():
        print(f"{name:31} (warm, median of {repeats}): {t * 1000:7.1f} ms; "
              f"trace / this = {t_trace / t:.2f}x")
    print(f"{'trace_gates':31} (warm, median of {repeats}): {t_trace * 1000:7.1f} ms")
    if goal is None:
        print(f"ratio trace / fastest ({fastest}): {ratio:.2f}x (goal <= 1.0x)")
        return ratio
    print(f"ratio trace / fastest ({fastest}): {ratio:.2f}x")
    print(f"ratio trace / {goal}: {t_trace / times[goal]:.2f}x (goal <= 1.0x)")
    return t_trace / times[goal]


if __name__ == "__main__":
    main()
