"""Traces of forecasts: the gates inside every window a model saw while it forecast.

:func:`trace_forecast` makes a forecast with :mod:`lstm_explained.forecast` (point by
point, one multi-sequence run, or the full sequence), rebuilds the window the model was
given at each forecast step (true values and, for multi / full forecasts, its own
fed-back predictions) and traces every LSTM layer on those windows with
:func:`lstm_explained.tracer.trace_gates`. The result is an ordinary
:class:`~lstm_explained.trace.Trace` whose *samples are forecast steps*, so the inspector
steps through forecast step x timestep inside the window; the forecast itself travels in
``trace.extras`` and ``trace.info["forecast"]`` and survives ``save`` / ``load_trace``:

``trace.extras`` (first axis = forecast steps traced, S)
    ``forecast_step`` (S,) int: index of the step (point mode: of the test window);
    ``prediction``, ``target``, ``persistence`` (S,): the model's prediction, the true
    value (NaN when unknown) and the persistence baseline, in the model's units (for
    normalised windows: the units of the window the forecast started from);
    ``ar`` (S,): the linear autoregression's forecast of the same step, fed back as the
    model's run is (:mod:`lstm_explained._forecast_ar`); only when the training windows are known
    (``windows=``), see :func:`trace_forecast`;
    ``window`` (S, T): the input window (feature 0) the model saw;
    ``fed_back`` (S, T) bool: where that window holds a fed-back prediction;
    ``p0`` (S,): the p0 of each sample's units (normalised windows with known p0);
    ``prediction_price``, ``target_price``, ``persistence_price``, ``ar_price`` (S,),
    ``window_price`` (S, T): the same in price units, when known;
    ``target_date`` (S,) ``datetime64[D]``: the date of each target, when known;
    ``window_dates`` (S, T) ``datetime64[D]``: the date of every input step, when the
    windows' series has dates (NaT past its end).
``trace.info["forecast"]``
    ``mode``, ``run`` (multi), ``prediction_len``, ``start_window``, ``n_steps``,
    ``dataset``, ``value_units``, ``price_units`` (bool), ``normalised`` (bool),
    ``ar_order`` (the AR's number of lags, None without ``ar``).

This module imports TensorFlow (it runs the model); the views of the trace do not.

Example
-------
>>> import lstm_explained as lx
>>> from lstm_explained.forecast_trace import trace_forecast
>>> w = lx.data.make_windows(lx.data.load_sp500(), 50, normalise=True)
>>> model = lx.model.load_pretrained("sp500")                    # doctest: +SKIP
>>> tr = trace_forecast(model, mode="multi", windows=w, run=2)   # doctest: +SKIP
>>> tr.n_samples, tr.info["forecast"]["mode"]                    # doctest: +SKIP
(50, 'multi')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lstm_explained._forecast_ar import ar_baseline, fit_ar
from lstm_explained._forecast_request import as_dates, check_request, per_window, steps_index
from lstm_explained.data import Windows, denormalise, renormalise
from lstm_explained.errors import DataError
from lstm_explained.trace import Trace

#: The forecast modes and what they are called in pictures.
MODES: dict[str, str] = {
    "point": "point-by-point",
    "multi": "multi-sequence",
    "full": "full-sequence",
}


def trace_forecast(
    model: Any,
    x: np.ndarray | None = None,
    mode: str = "multi",
    *,
    windows: Windows | None = None,
    y_true: np.ndarray | None = None,
    p0: np.ndarray | None = None,
    dates: np.ndarray | None = None,
    prediction_len: int = 50,
    run: int = 0,
    steps: Sequence[int] | slice | np.ndarray | None = None,
    dataset: str | None = None,
    check: bool = True,
    dtype: str = "float32",
    progress: bool | str = "auto",
    clamp: dict[str, Any] | None = None,
    clamp_layer: int | str | None = None,
    clamp_units: Any = None,
    clamp_steps: Any = None,
    clamp_allow_outside: bool = False,
) -> Trace:
    """Trace the gates inside the windows a model saw while forecasting.

    Parameters
    ----------
    model : keras.Model
        A window model, (N, T, F) -> (N, F), e.g. ``lx.model.load_pretrained("sine")``.
    x : ndarray, optional
        (N, T, F) test windows; ``windows.x_test`` when ``windows`` is given.
    mode : {"multi", "full", "point"}
        ``"multi"``: run ``run`` of :func:`lstm_explained.forecast.multi_sequence`, which
        starts at window ``run * prediction_len`` and feeds its predictions back for
        ``prediction_len`` steps. ``"full"``: :func:`~lstm_explained.forecast.full_sequence`
        from ``x[0]``, ``len(x)`` fed-back steps. ``"point"``:
        :func:`~lstm_explained.forecast.point_by_point`, one step from every window.
    windows : Windows, optional
        The :class:`~lstm_explained.data.Windows` the test windows come from: gives ``x``,
        the true values, and (normalised windows) p0 and prices, and dates when the series
        has them. Explicit ``y_true`` / ``p0`` / ``dates`` override it. Its training
        windows fit the AR baseline, ``lx.forecast.linear_ar(windows.x_train,
        windows.y_train, order=T)``, whose forecast of the same steps goes into
        ``extras["ar"]``. Without ``windows`` (or with training windows of several
        features, another length than ``x``'s, or fewer than T + 1 of them, too few to
        fit T lags and an intercept) the trace holds no ``ar``.
    y_true : ndarray, optional
        (N,) the value after each window of ``x`` (``Windows.y_test``), in each window's
        own units. Without it the targets are NaN.
    p0 : ndarray, optional
        (N,) each window's normalisation base (``Windows.p0_test``) for normalised
        windows: enables price units and puts targets into the start window's units.
    dates : ndarray, optional
        (N,) date of each window's target (``Windows.target_dates()``).
    prediction_len : int
        Run length of the multi-sequence forecast (the seed's 50).
    run : int
        Which multi-sequence run to trace.
    steps : slice or list of int, optional
        Forecast steps to trace (point mode: test windows); all of them by default.
    dataset : str, optional
        Label for titles; the series' name by default.
    check, dtype, progress
        Passed to :func:`lstm_explained.tracer.trace_gates`.
    clamp : dict, optional
        Forecast with gates overridden, as :func:`lstm_explained.lab.intervene` does
        (``{"forget": 1.0}``, ``{"input": lx.lab.scale(0.5)}``): the clamped model makes
        the predictions, *including those fed back*, and the trace holds its gates (a
        counterfactual: ``info["counterfactual"]``, not checked against Keras). The
        unclamped forecast stays in ``extras["original_prediction"]``.
    clamp_layer, clamp_units, clamp_steps, clamp_allow_outside
        Where the clamp acts: the LSTM layer (index or name), units and timesteps within
        each window (all when None), and whether a value outside the gate's range is
        accepted: ``layer``, ``units``, ``steps`` and ``allow_outside`` of ``intervene``.

    Returns
    -------
    Trace
        One sample per traced forecast step; the forecast in ``extras`` and
        ``info["forecast"]`` (see the module docstring).

    Raises
    ------
    DataError
        Unknown mode, no windows, a run or step out of range, or arrays that do not
        match ``x``.

    Example
    -------
    >>> w = lx.data.make_windows(lx.data.sine_wave(), 50)                 # doctest: +SKIP
    >>> tr = trace_forecast(lx.model.load_pretrained("sine"), mode="full",
    ...                     windows=w, steps=slice(0, 100, 10))          # doctest: +SKIP
    >>> tr.extras["fed_back"].sum(axis=1)[:3].tolist()                   # doctest: +SKIP
    [0, 10, 20]
    """
    from lstm_explained import forecast as fc
    from lstm_explained.tracer import trace_gates

    if not isinstance(mode, str) or mode not in MODES:
        raise DataError(f"unknown forecast mode {mode!r}; use one of {list(MODES)}.")
    if dataset is not None and not isinstance(dataset, str):
        raise DataError(f"dataset must be a label (str) or None, not {dataset!r}.")
    if windows is not None and not isinstance(windows, Windows):
        raise DataError("windows must come from lstm_explained.data.make_windows(...).")
    if x is None and windows is not None:
        x = windows.x_test
    if x is None:
        raise DataError("give the test windows x, or windows=Windows from make_windows.")
    x = fc._check_windows(x, model)
    n, width, _ = x.shape
    n_steps = check_request(model, x, mode, prediction_len, run)
    idx = steps_index(steps, n_steps)
    normalised = False
    label = dataset
    positions = series_dates = None
    if windows is not None:
        if n == len(windows.x_test):
            y_true = windows.y_test if y_true is None else y_true
            if windows.normalise:
                normalised = True
                p0 = windows.p0_test if p0 is None else p0
            if dates is None and windows.series.dates is not None:
                series_dates = np.asarray(windows.series.dates).astype("datetime64[D]")
                positions = windows.target_positions("test")
            dates = windows.target_dates("test") if dates is None else dates
        label = label or windows.series.name
    normalised = normalised or p0 is not None
    y = np.full(n, np.nan) if y_true is None else per_window("y_true", y_true, n)
    p0a = None if p0 is None else per_window("p0", p0, n)
    d = as_dates(dates, n)
    lab = None
    if clamp is not None:  # checked before any work
        from lstm_explained.lab import Stack, make_clamps

        stack = Stack.from_model(model)
        lab = (stack, make_clamps(clamp, stack, clamp_layer, clamp_units, clamp_steps, width,
                                  allow_outside=clamp_allow_outside))
    ar = fit_ar(windows, x)  # before any forecasting: it checks the training windows

    # 1. The forecast (from lstm_explained.forecast), the step windows and their targets.
    run_index: int | None = None
    if mode == "point":
        prediction = np.asarray(fc.point_by_point(model, x), dtype=np.float64)
        base = np.asarray(fc.persistence(x))
        step_windows = x[idx]
        fed = np.zeros((len(idx), width), dtype=bool)
        window_of = idx  # the window whose units each sample is in
        target_pos = idx
        start = 0
    else:
        if mode == "multi":
            # All runs, as multi_sequence makes them, so the trace shows exactly the numbers
            # the forecast shows (a one-window rollout can differ in float32's last bit).
            runs = fc.multi_sequence(model, x, prediction_len)
            run_index = int(run)
            start = run_index * int(prediction_len)
            prediction = np.asarray(runs[run_index], dtype=np.float64)
        else:
            start = 0
            prediction = np.asarray(fc.full_sequence(model, x), dtype=np.float64)
        base_value = float(fc.persistence(x[start : start + 1])[0])
        base = np.full(n_steps, base_value)
        fed = np.stack([np.arange(width) >= width - j for j in idx])
        window_of = np.full(len(idx), start)
        target_pos = start + idx

    if lab is not None:  # the clamped model forecasts, its own predictions fed back
        original_prediction = prediction
        prediction = clamped_forecast(*lab, x, mode, start, n_steps)
    if mode != "point":
        step_windows = fed_back_windows(x[start, :, 0], prediction, idx)

    # 2. Targets and baseline in the units of each sample's predictions; prices.
    valid = target_pos < n
    tpos = np.where(valid, target_pos, 0)
    target = np.where(valid, y[tpos], np.nan)
    if p0a is not None and mode != "point":
        # y[k] is in window k's units; the fed-back run lives in its start window's units.
        target = np.where(valid, renormalise(target, p0a[tpos], p0a[window_of]), np.nan)
    pred_s = prediction[idx]
    base_s = base[idx]
    ar_s = None if ar is None else ar_baseline(ar, x, mode, prediction_len, run_index)[idx]
    window_vals = step_windows[:, :, 0]
    extras: dict[str, np.ndarray] = {
        "forecast_step": idx.astype(np.int64),
        "prediction": pred_s,
        "target": target,
        "persistence": base_s,
        **({} if ar_s is None else {"ar": ar_s}),
        "window": window_vals,
        "fed_back": fed,
    }
    if p0a is not None:
        scale = p0a[window_of]
        extras["p0"] = scale
        extras["prediction_price"] = denormalise(pred_s, scale)
        extras["target_price"] = denormalise(target, scale)
        extras["persistence_price"] = denormalise(base_s, scale)
        if ar_s is not None:
            extras["ar_price"] = denormalise(ar_s, scale)
        extras["window_price"] = denormalise(window_vals, scale[:, None])
    if d is not None:
        extras["target_date"] = np.where(valid, d[tpos], np.datetime64("NaT")) if (
            d.dtype.kind == "M") else np.where(valid, d[tpos], "")
    if positions is not None:  # the date of every input step (the inspector's time axis)
        where = (positions[0] + target_pos)[:, None] - width + np.arange(width)
        known = (where >= 0) & (where < len(series_dates))
        extras["window_dates"] = np.where(
            known, series_dates[np.clip(where, 0, len(series_dates) - 1)], np.datetime64("NaT"))

    # 3. The gates inside those windows.
    if lab is None:
        trace = trace_gates(
            model, step_windows.astype(np.float32), check=check, dtype=dtype,
            progress=progress,
        )
    else:
        from lstm_explained.lab import counterfactual_trace

        extras["original_prediction"] = original_prediction[idx]
        stack, clamps = lab
        trace = counterfactual_trace(stack, stack.run(step_windows, clamps)[1], clamps,
                                     {"model": model.name})
    info = dict(trace.info)
    info["dataset"] = label
    info["forecast"] = {
        "mode": mode,
        "mode_name": MODES[mode],
        "run": run_index,
        "prediction_len": int(prediction_len) if mode == "multi" else None,
        "start_window": int(start),
        "n_steps": int(n_steps),
        "dataset": label,
        "normalised": bool(normalised),
        "value_units": "normalised (p / p0 - 1)" if normalised else "series units",
        "price_units": p0a is not None,
        "ar_order": None if ar is None else ar.order,
    }
    return Trace(dict(trace.items()), info=info, extras=extras)


def fed_back_windows(window: np.ndarray, predictions: np.ndarray, steps: np.ndarray
                     ) -> np.ndarray:
    """(len(steps), T, 1): the window of each fed-back forecast step. Step j sees
    ``window[j:]`` followed by its first j ``predictions`` (cf. forecast.rollout)."""
    width = len(window)
    extended = np.concatenate([np.asarray(window, np.float64), predictions])
    return np.stack([extended[j : j + width] for j in steps])[:, :, None]


def clamped_forecast(stack: Any, clamps: tuple, x: np.ndarray, mode: str, start: int,
                     n_steps: int) -> np.ndarray:
    """The forecast of a :class:`~lstm_explained.lab.Stack` with ``clamps``: every window
    (point), or window ``start`` fed its own clamped predictions back, one step at a time
    (multi, full)."""
    if mode == "point":
        return stack.run(x, clamps)[0][:, 0]
    window = x[start : start + 1].astype(np.float64)
    out = np.empty(n_steps)
    for j in range(n_steps):
        out[j] = stack.run(window, clamps)[0][0, 0]
        window = np.concatenate([window[:, 1:], np.full((1, 1, 1), out[j])], axis=1)
    return out


__all__ = ["MODES", "clamped_forecast", "fed_back_windows", "trace_forecast"]
