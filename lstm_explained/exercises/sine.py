"""Exercises of tutorial 02: which unit tracks the slope; the persistence baseline; and
three that ask for a prediction or a design choice, checked against a control: does an
untrained copy track the wave too, which gate did training move most, and which linear
recurrence continues a sine exactly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from lstm_explained.errors import DataError
from lstm_explained.exercises._base import (
    CONCEPT,
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
from lstm_explained.kinds import LSTM


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

    Returns
    -------
    dict
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
    a = None if isinstance(answer, (bool, np.bool_)) else _number(answer)
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




# -- 02: checked predictions and a design choice -------------------------------------------
def _tight(trace: Any, layer: str | None, x: Any, threshold: float) -> tuple[int, int]:
    """(units whose h_T has |r| > threshold with the input's last value, units)."""
    r = unit_correlations(trace, layer, "hidden", x)["value"]
    return int(np.sum(np.abs(r) > threshold)), len(r)


def _yes_no(answer: Any) -> bool | None:
    if isinstance(answer, (bool, np.bool_)):
        return bool(answer)
    if isinstance(answer, str) and answer.strip().lower() in ("yes", "no"):
        return answer.strip().lower() == "yes"
    return None


@_register(
    "02.untrained_units",
    "Predict first: does an untrained copy track the wave?",
    "Before training, with its initial weights, will some units of the same LSTM have a last "
    "hidden state that follows the input's value with |r| > 0.9 over the windows? Answer "
    "True or False.",
    ("untrained",),
    kind=CONCEPT,
)
def _solve_untrained_units(*, untrained: Any, layer: str | None = None, x: Any = None,
                            threshold: float = 0.9, trained: Any = None) -> bool:
    return _tight(untrained, layer, x, threshold)[0] > 0


@_judge("02.untrained_units")
def _judge_untrained_units(answer: Any, right: bool, *, untrained: Any,
                            layer: str | None = None, x: Any = None, threshold: float = 0.9,
                            trained: Any = None) -> Result:
    id = "02.untrained_units"
    a = _yes_no(answer)
    if a is None:
        return _wrong(id, "answer True (they will) or False (they will not).")
    n, units = _tight(untrained, layer, x, threshold)
    seen = f"{n} of the untrained copy's {units} units have |r| > {threshold:g} with the value"
    if trained is not None:
        seen += f" (the trained model: {_tight(trained, layer, x, threshold)[0]})"
    if a == right and right:
        return _ok(id, f"{seen}. A recurrence fed a smooth wave carries its value along "
                       "without any training: a unit that tracks the value is no evidence "
                       "of learning. Compare every reading with this control.")
    if a == right:
        return _ok(id, f"{seen}: here the initial weights do not track the value.")
    if right:
        return _wrong(id, f"{seen}. Untrained units are not noise: each h_T is a smooth "
                          "function of the last inputs, and on a sine any such (nearly "
                          "linear) function is a mix of the value and the slope.")
    return _wrong(id, f"{seen}: whether initial weights track the input depends on their "
                      "scale; these do not.")


def _ar_mse(x: np.ndarray, y: np.ndarray, order: int) -> float:
    """Training MSE of a least-squares AR(order) with intercept on the windows' last values."""
    design = np.column_stack([x[:, x.shape[1] - order:], np.ones(len(x))])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(np.mean((design @ coef - y) ** 2))


def _windows(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if x.ndim != 3 or x.shape[2] != 1 or x.shape[0] != y.shape[0]:
        raise DataError(f"x must be (N, T, 1) windows and y (N,) next values; got {x.shape}, "
                        f"{y.shape}.")
    return x[..., 0], y


@_register(
    "02.ar_order",
    "Design: the smallest linear recurrence that continues the wave",
    "A linear autoregression predicts the next value from the last p values, "
    "a_1 x_{t-p+1} + ... + a_p x_t + c. What is the smallest order p that continues these "
    "windows exactly (no error at all, one step and so fed back)? Answer with p.",
    ("x", "y"),
    kind=CONCEPT,
)
def _solve_ar_order(*, x: Any, y: Any, rtol: float = 1e-12) -> int:
    xs, ys = _windows(x, y)
    scale = float(np.mean((ys - ys.mean()) ** 2)) or 1.0
    for order in range(1, xs.shape[1] + 1):
        if _ar_mse(xs, ys, order) <= rtol * scale:
            return order
    raise DataError("no autoregression up to the window's length continues these windows "
                    "exactly: the series is not a sum of a few sines (noise, or a trend).")


@_judge("02.ar_order")
def _judge_ar_order(answer: Any, right: int, *, x: Any, y: Any, rtol: float = 1e-12) -> Result:
    id = "02.ar_order"
    xs, ys = _windows(x, y)
    a = None if isinstance(answer, (bool, np.bool_)) else _number(answer)
    if a is None or a.size != 1 or float(a) != int(a) or not 0 <= int(a) <= xs.shape[1]:
        return _wrong(id, f"answer with one whole number p from 0 to the window length, "
                          f"{xs.shape[1]}.")
    a = int(a)
    if a == right:
        return _ok(id, f"an AR({right}) fitted to these windows leaves an MSE of "
                       f"{_ar_mse(xs, ys, right):.1e}. A sine obeys "
                       "sin(t+1) = 2cos(ω)·sin(t) − sin(t−1): two past values and one "
                       "coefficient set continue it for ever.")
    if a == 0:
        return _wrong(id, "order 0 predicts a constant (the mean); a wave needs its past.")
    if a < right:
        return _wrong(id, f"with p = {a} the fit still misses (MSE {_ar_mse(xs, ys, a):.2g}). "
                          "One value cannot say whether the wave is rising or falling: at the "
                          "same x_t it goes up on one side of a peak and down on the other.")
    return _wrong(id, f"p = {a} continues it exactly too, but is not the smallest: the extra "
                      "coefficients are redundant. How many past values fix where a sine goes "
                      "next (think of its value and its slope)?")


@_register(
    "02.most_moved",
    "Predict first: which gate did training move most?",
    "From the model's initial weights to its trained ones, which gate's block of a weight "
    "array (by default the first layer's recurrent kernel) moved furthest, relative to its "
    "initial size, ||W − W0|| / ||W0||? Answer with the gate's name.",
    ("change",),
    kind=CONCEPT,
)
def _solve_most_moved(*, change: Any, layer: str | None = None,
                      block: str = "recurrent_kernel") -> str:
    return change.most_moved(layer or change.layers[0], block)


@_judge("02.most_moved")
def _judge_most_moved(answer: Any, right: str, *, change: Any, layer: str | None = None,
                      block: str = "recurrent_kernel") -> Result:
    id = "02.most_moved"
    layer = layer or change.layers[0]
    if not isinstance(answer, str) or answer not in change.gates:
        return _wrong(id, f"answer with a gate's name: one of {', '.join(change.gates)}.")
    li, bi = change.layers.index(layer), change.blocks.index(block)
    moved = dict(zip(change.gates, change.change[li, bi], strict=True))
    seen = ", ".join(f"{g} {v:.3f}" for g, v in moved.items())
    if answer == right:
        return _ok(id, f"in {layer}'s {block}: {seen}. The gates that moved least still do "
                       "mostly what their initialisation made them do.")
    if LSTM.gates.index(answer) == change.gates.index(right):
        return _wrong(id, f"{answer} sits at the place of {right} in the order forget, input, "
                          "candidate, output; Keras' weight blocks are in the order input, "
                          "forget, candidate, output.")
    absolute = change.distance[li, bi]
    if answer == change.gates[int(np.argmax(absolute))]:
        return _wrong(id, f"{answer} moved furthest in absolute terms, but its block started "
                          "larger: divide by ||W0|| to compare.")
    return _wrong(id, f"{answer} moved {moved[answer]:.3f} of its initial size; another gate "
                      "moved more. Which weights does a smooth wave's forecast need changed?")
