"""Measure: how far back the inputs move the output, and what the forget gates imply.

Two experiments, every number printed is computed here:

* the pretrained S&P 500 model on its 412 test windows: the e-folding distance of its
  input gradients (``lx.analysis.input_gradients`` + ``memory_reach``) and the time
  constant ``1 / (1 - mean f)`` of each LSTM layer (``time_constant`` on a trace);
* a SimpleRNN(32) and an LSTM(32), each + Dense(1), on the adding problem (two marked
  values in a sequence; the target is their sum), untrained and after ``--epochs`` of
  training each (seeded): the reach of their input gradients and, after training, how much the
  marked values move the output by distance (the ideal is 1 at every distance).

With ``--out FOLDER`` the two figures are written there (new files only).

Run from anywhere (about 2 minutes on two cores with the default 20 epochs)::

    python3 benchmarks/measure_memory.py [--length 50] [--epochs 20] [--out FOLDER]
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

import numpy as np


def adding_problem(n: int, length: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Channel 0 values in [0, 1), channel 1 marks one step in each half; y their sum."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, length, 2), "float32")
    x[:, :, 0] = rng.random((n, length))
    first = rng.integers(0, length // 2, n)
    second = rng.integers(length // 2, length, n)
    rows = np.arange(n)
    x[rows, first, 1] = x[rows, second, 1] = 1.0
    return x, (x[rows, first, 0] + x[rows, second, 0])[:, None]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=50, help="adding problem length")
    parser.add_argument("--epochs", type=int, default=20, help="training epochs per model")
    parser.add_argument("--out", type=Path, default=None, help="folder for the figures")
    args = parser.parse_args()

    import lstm_explained as lx
    from lstm_explained._files import write_bytes
    from lstm_explained._keras import keras
    from lstm_explained.analysis import input_gradients, memory_reach, time_constant

    model = lx.model.load_pretrained("sp500")
    x = lx.data.make_windows(lx.data.load_sp500(), 50, normalise=True).x_test
    start = time.perf_counter()
    sp500 = input_gradients(model, x)
    took = time.perf_counter() - start
    reach = memory_reach(sp500)
    peak = int(np.argmax(reach.relative))
    print(f"S&P 500: input gradients of {len(x)} windows in {took:.1f} s; e-folding "
          f"{reach.e_folding:.1f} steps back; peak {reach.relative[peak]:.2f}x the last step "
          f"at {peak} steps back")
    trace = lx.trace_gates(model, x)
    for name, lt in trace.items():
        tau = time_constant(lt)
        print(f"  {name}: mean f {float(np.mean(lt.forget)):.4f}, 1/(1 - mean f) "
              f"{time_constant(lt, per_unit=False):.2f} steps (units {tau.min():.2f} to "
              f"{tau.max():.2f})")

    K = keras()
    L = args.length
    x_train, y_train = adding_problem(4000, L, 0)
    x_test, y_test = adding_problem(500, L, 1)
    print(f"adding problem, length {L}: predicting the mean scores MSE {np.var(y_test):.4f}")
    curves = {}
    for name, layer in (("RNN", K.layers.SimpleRNN), ("LSTM", K.layers.LSTM)):
        K.utils.set_random_seed(0)
        net = K.Sequential([K.Input((L, 2)), layer(32), K.layers.Dense(1)])
        net.compile(K.optimizers.Adam(3e-3), "mse")
        curves[f"{name} untrained"] = input_gradients(net, x_test)
        start = time.perf_counter()
        net.fit(x_train, y_train, batch_size=64, epochs=args.epochs, verbose=0)
        took = time.perf_counter() - start
        mse = float(net.evaluate(x_test, y_test, verbose=0))
        curves[f"{name} trained"] = grads = input_gradients(net, x_test)
        print(f"  {name}: {args.epochs} epochs in {took:.0f} s, test MSE {mse:.4f}")
        for state in ("untrained", "trained"):
            r = memory_reach(curves[f"{name} {state}"])
            shown = ", ".join(f"{d}: {r.relative[d]:.3g}" for d in (0, 5, 10, 25, L - 1))
            print(f"    {state}: e-folding {r.e_folding:.2f} steps; relative by distance {shown}")
        steps_back = L - 1 - np.nonzero(x_test[:, :, 1])[1]
        moved = grads[:, :, 0][x_test[:, :, 1] == 1]
        for lo, hi in ((0, 10), (10, 25), (25, L)):
            sel = (steps_back >= lo) & (steps_back < hi)
            print(f"    trained: a marked value {lo}-{hi - 1} steps back moves the output by "
                  f"{moved[sel].mean():.3f} (ideal 1)")

    if args.out is not None:
        figures = {
            "memory_reach.png": lx.plots.plot_memory_reach({"S&P 500 LSTM": sp500, **curves}),
            "sp500_belt.png": lx.plots.plot_belt_gradient(trace),
        }
        for file, fig in figures.items():
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=110)
            print("wrote", write_bytes(args.out / file, buf.getvalue(), suffixes=[".png"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
