"""What :func:`lstm_explained.forecast_trace.trace_forecast` is asked for, checked before
any forecasting: the forecast steps to trace, one number per window (targets, p0), dates,
and a run that exists. Each check raises a :class:`~lstm_explained.errors.DataError` saying
what is wrong and what to give instead.

Example
-------
>>> steps_index(slice(0, 50, 10), 50).tolist()
[0, 10, 20, 30, 40]
>>> per_window("p0", [1.0, 2.0], 2).tolist()
[1.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lstm_explained.errors import DataError


def as_dates(dates: Any, n: int) -> np.ndarray | None:
    if dates is None:
        return None
    d = np.asarray(dates)
    if d.shape != (n,):
        raise DataError(f"dates must be one date per target, shape ({n},); got {d.shape}.")
    if d.dtype.kind in "OUSM":
        try:
            return d.astype("datetime64[D]")
        except (ValueError, TypeError):
            if d.dtype.kind == "O":
                return d.astype(str)
            return d
    raise DataError(f"dates must be datetime64 values or date strings; got dtype {d.dtype}.")


def steps_index(steps: Sequence[int] | slice | np.ndarray | None, n: int) -> np.ndarray:
    if steps is None:
        return np.arange(n)
    if isinstance(steps, slice):
        try:
            idx = np.arange(n)[steps]
        except (TypeError, ValueError) as exc:  # a step of 0, bounds that are not ints
            raise DataError(f"steps={steps!r} is not a usable slice ({exc}).") from None
        if not idx.size:
            raise DataError(
                f"steps={steps!r} selects no forecast step: this forecast has {n} steps "
                f"(0 to {n - 1})."
            )
        return idx
    idx = np.asarray(steps)
    if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu":
        raise DataError("steps must be a slice or a non-empty 1-D list of forecast-step indices.")
    if idx.min() < 0 or idx.max() >= n:
        raise DataError(f"steps must lie in 0 .. {n - 1} for this forecast; got {idx.tolist()}.")
    return idx


def per_window(name: str, values: Any, n: int) -> np.ndarray:
    """One number per window (y_true: finite or NaN for unknown; p0: positive), or an error."""
    try:
        a = np.asarray(values, dtype=np.float64)
    except (ValueError, TypeError):
        a = np.asarray(None)
    if a.shape != (n,):
        raise DataError(
            f"{name} must hold one value per window, shape ({n},); got {np.shape(values)}."
        )
    bad = np.isinf(a) if name == "y_true" else ~(np.isfinite(a) & (a > 0))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        rule = "finite numbers (NaN: unknown)" if name == "y_true" else "positive finite numbers"
        raise DataError(f"{name}[{k}] (window {k}) is {a[k]}; {name} must hold {rule}.")
    return a


def check_request(model: Any, x: np.ndarray, mode: str, prediction_len: Any, run: Any) -> int:
    """Check what trace_forecast is asked for before any forecasting; the forecast length."""
    from lstm_explained import forecast as fc

    if tuple(model.outputs[0].shape)[-1] != 1:
        raise DataError("trace_forecast shows one-feature forecasts; this model has several.")
    if mode == "point":
        return len(x)
    if x.shape[2] != 1:
        raise DataError("trace_forecast feeds back one feature; these windows have several.")
    if mode == "full":
        return len(x)
    runs = fc._n_runs(len(x), prediction_len)
    if isinstance(run, bool) or not isinstance(run, (int, np.integer)):
        raise DataError(f"run must be a whole number, not {run!r}.")
    if not 0 <= run < runs:
        raise DataError(
            f"run {run} is out of range: {len(x)} windows give {runs} runs of "
            f"{prediction_len} steps (run 0 to {runs - 1})."
        )
    return int(prediction_len)


__all__ = ["as_dates", "check_request", "per_window", "steps_index"]
