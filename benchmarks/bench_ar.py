"""Benchmark: the linear AR baseline (issue 13) beside persistence and the LSTM.

Prints what the issue quotes, recomputed: the sine wave continued by a 2-coefficient AR
(and by one reading the whole window), one step and fed back, as MSE; the S&P 500
point-by-point and multi-sequence RMSE in prices for a 50-lag AR, persistence and the
pretrained LSTM (normalised predictions turned back into prices with each window's p0,
a run's with its start window's, as ``Windows.denormalise`` does); and the time to fit
the AR and to make its forecasts, as a ratio to the LSTM's multi-sequence forecast.

Run from anywhere::

    python3 benchmarks/bench_ar.py
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def mse(p, t) -> float:
    return float(np.mean((np.asarray(p) - t) ** 2))


def main() -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()

    import lstm_explained as lx

    F, L = lx.forecast, 50
    w = lx.data.make_windows(lx.data.sine_wave(), L)
    for order in (2, L):
        ar = F.linear_ar(w.x_train, w.y_train, order=order)
        runs = F.multi_sequence(ar, w.x_test, L).reshape(-1)
        print(
            f"sine, AR({order}) MSE: one step {mse(F.point_by_point(ar, w.x_test), w.y_test):.3g}, "
            f"fed back ({L} steps) {mse(runs, w.y_test[: runs.size]):.3g}, "
            f"full sequence ({len(w.y_test)} steps) "
            f"{mse(F.full_sequence(ar, w.x_test), w.y_test):.3g}"
        )

    w = lx.data.make_windows(lx.data.load_sp500(), L, normalise=True)
    x, true = w.x_test, w.denormalise(w.y_test)
    t0 = time.perf_counter()
    ar = F.linear_ar(w.x_train, w.y_train)
    t_fit = time.perf_counter() - t0
    lstm = lx.model.load_pretrained("sp500")
    F.multi_sequence(lstm, x, L)  # warm up
    t0 = time.perf_counter()
    runs = {"LSTM": F.multi_sequence(lstm, x, L)}
    t_lstm = time.perf_counter() - t0
    t0 = time.perf_counter()
    runs["AR(50)"] = F.multi_sequence(ar, x, L)
    t_ar = time.perf_counter() - t0
    runs["persistence"] = F.persistence(x, L)
    runs = {k: runs[k] for k in ("AR(50)", "persistence", "LSTM")}
    point = {"AR(50)": F.point_by_point(ar, x), "persistence": F.persistence(x),
             "LSTM": F.point_by_point(lstm, x)}
    n = runs["LSTM"].size
    starts = np.repeat(np.arange(0, n, L), L)
    for title, preds, prices in (
        ("point-by-point", point, lambda v: w.denormalise(v)),
        (f"multi-sequence ({L} steps fed back)", runs,
         lambda v: w.denormalise(v.reshape(-1), window=starts)),
    ):
        size = len(prices(preds["persistence"]))
        scores = ", ".join(f"{k} {np.sqrt(mse(prices(v), true[:size])):.1f}"
                           for k, v in preds.items())
        print(f"S&P 500 {title}, RMSE in index points: {scores}")
    print(f"AR fit on {len(w.x_train)} windows: {t_fit * 1e3:.1f} ms; its multi-sequence "
          f"forecast {t_ar * 1e3:.2f} ms, {t_lstm / t_ar:.0f}x faster than the LSTM's")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
