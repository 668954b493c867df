"""Exercises of tutorial 02: which unit tracks the slope; the persistence baseline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from lstm_explained.errors import DataError
from lstm_explained.exercises._base import (
    Result,
    _close,
    _corr,
    _int_answer,
    _judge,
    _layer,
    _number,
    _ok,
    _register,
    _wrong,
)


# -- 02: the sine wave ------------------------------------------------------------------------
def _model_input(trace: Any, lt: Any, x: Any = None) -> np.ndarray:
    """The model's input windows (N, T) that ``lt`` was traced on, feature 0.

    ``x`` when given; else the inputs of the trace's first layer (for a Trace: the model's
    input in a stack of LSTMs, whose later layers are fed hidden states); else the
    LayerTrace's own inputs.
    """
    if x is not None:
        a = np.asarray(x, dtype=np.float64)
        a = a[..., 0] if a.ndim == 3 else a
    else:
        source = lt
        if isinstance(trace, Mapping) and trace:
            source = next(iter(trace.values()))
        a = np.asarray(source.in_input_order("inputs"), dtype=np.float64)[..., 0]
    if a.ndim != 2 or a.shape[0] != lt.n_samples:
        raise DataError(
            f"the input windows must be (N, T) or (N, T, 1) with N = {lt.n_samples} (one per "
            f"traced window); got shape {a.shape}."
        )
    return a


def unit_correlations(trace: Any, layer: str | None = None, quantity: str = "hidden",
                      x: Any = None) -> dict[str, np.ndarray]:
    """Correlation of each unit's last-step state with the input's last value and slope.

    Over the windows of ``trace``: ``quantity`` (``"hidden"`` or ``"cell"``) of every unit
    of ``layer`` at the last timestep against the model input's value there, x_T, and its
    slope there, x_T − x_{T−1}. The model input is ``x`` when given, else the input of the
    trace's first layer (so a second LSTM layer is compared with the model's input, not
    with the hidden states it is fed).

    Returns:
        ``{"value": r, "slope": r}``, each (units,).

    Example
    -------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> x = np.sin(np.arange(40.0)).reshape(4, 10, 1)
    >>> lt = SimpleNamespace(hidden=x, forget=x, n_samples=4, in_input_order=lambda q: x)
    >>> round(float(unit_correlations(lt)["value"][0]), 6)
    1.0
    """
    lt = _layer(trace, layer)
    xs = _model_input(trace, lt, x)
    if xs.shape[1] < 2:
        raise DataError("the windows need at least two timesteps to have a slope.")
    if quantity not in ("hidden", "cell"):
        raise DataError(f"quantity must be 'hidden' or 'cell', not {quantity!r}.")
    values = np.asarray(lt.in_input_order(quantity), dtype=np.float64)[:, -1, :]
    return {
        "value": _corr(values, xs[:, -1]),
        "slope": _corr(values, xs[:, -1] - xs[:, -2]),
    }


@_register(
    "02.slope_unit",
    "Find the unit that tracks the slope",
    "Over the traced windows, which unit's hidden state at the last timestep is most "
    "correlated (largest |r|, either sign) with the slope of the model's input there, "
    "x_T − x_{T−1}? Answer with the unit's index.",
    ("trace",),
)
def _solve_slope_unit(*, trace: Any, layer: str | None = None, quantity: str = "hidden",
                      x: Any = None) -> int:
    r = unit_correlations(trace, layer, quantity, x)["slope"]
    return int(np.argmax(np.abs(r)))


@_judge("02.slope_unit")
def _judge_slope_unit(answer: Any, right: int, *, trace: Any, layer: str | None = None,
                      quantity: str = "hidden", x: Any = None, tie: float = 0.01) -> Result:
    id = "02.slope_unit"
    corr = unit_correlations(trace, layer, quantity, x)
    r_slope, r_value = np.abs(corr["slope"]), np.abs(corr["value"])
    a, bad = _int_answer(id, answer, len(r_slope), "unit")
    if bad is not None:
        return bad
    best = float(r_slope[right])
    if a == right or r_slope[a] >= best - tie:
        return _ok(id, f"unit {a} has |r| = {r_slope[a]:.3f} with the slope "
                       f"(and {r_value[a]:.3f} with the value).")
    if r_value[a] > r_slope[a] and a == int(np.argmax(r_value)):
        return _wrong(id, f"unit {a} follows the input's value (|r| = {r_value[a]:.3f}), the "
                          f"phase of the wave, more than its slope (|r| = {r_slope[a]:.3f}). "
                          "The slope is x_T − x_{T−1}: np.diff of the window, last step.")
    return _wrong(id, f"unit {a} has |r| = {r_slope[a]:.3f} with the slope; the best unit "
                      f"reaches {best:.3f}. Correlate every unit's h at the last step with "
                      "x_T − x_{T−1} over all windows and take the largest |r|.")


@_register(
    "02.persistence_mse",
    "The baseline to beat",
    "Compute the persistence baseline's mean squared error on the given windows: predict "
    "that the next value equals the last value of each window.",
    ("x", "y"),
)
def _solve_persistence_mse(*, x: Any, y: Any) -> float:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if x.ndim != 3 or x.shape[0] != y.shape[0]:
        raise DataError(f"x must be (N, T, 1) windows and y (N,) targets; got {x.shape}, "
                        f"{y.shape}.")
    return float(np.mean((x[:, -1, 0] - y) ** 2))


@_judge("02.persistence_mse")
def _judge_persistence_mse(answer: Any, right: float, *, x: Any, y: Any,
                           rtol: float = 1e-3) -> Result:
    id = "02.persistence_mse"
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    a = _number(answer)
    if a is None or a.size != 1:
        return _wrong(id, "answer with one number, the mean squared error.")
    if _close(a, right, 1e-12, rtol):
        return _ok(id, f"persistence MSE = {right:.4g}. A model has to beat this to have "
                       "learned more than 'tomorrow equals today'.")
    err = x[:, -1, 0] - y
    mistakes = [
        (np.sqrt(right), "that is the root of the mean squared error (RMSE); the question asks "
                         "for the MSE itself."),
        (np.mean(np.abs(err)), "that is the mean absolute error; square the errors instead."),
        (np.sum(err**2), "that is the sum of squared errors; take the mean."),
        (np.mean((x[:, 0, 0] - y) ** 2), "persistence repeats the *last* value of each window, "
                                         "x[:, -1, 0], not the first."),
        (np.mean((x[:, -2, 0] - y) ** 2), "persistence repeats the last value, x[:, -1, 0]; "
                                          "you used the one before it."),
    ]
    for value, hint in mistakes:
        if _close(a, value, 1e-12, rtol):
            return _wrong(id, hint)
    return _wrong(id, "predict each target y[k] by the last value of its window, x[k, -1, 0], "
                      "and average the squared differences.")


