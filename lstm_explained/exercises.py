"""Exercises for the tutorials, with checkers that compute the right answer themselves.

Tutorials end with a few exercises: a cell with ``answer = None`` and a call to :func:`check`,
then the solution, folded away (a collapsed cell in JupyterLab, a dropdown on the course
site; see ``tutorials/README.md``). A student computes an answer and hands it
to :func:`check` together with the *context* it was computed from (gate values, weights, a
trace, windows, forecasts). The checker works out the right answer from that same context,
never from a stored number, so the exercises stay true when a model is retrained. A wrong
answer gets a hint, and the most common mistakes (Keras' i, f, c, o weight order, forgetting
the forget gate, de-normalising with the wrong window's p0, ...) are recognised and named.

This module uses numpy only: it imports neither TensorFlow nor Keras, so it loads in a
process that never pays for them.

Exercises
---------
======================== ==============================================================
``"01.cell_state"``      C_t = f_t * C_{t-1} + i_t * C~_t for given gate values
``"01.hidden_state"``    h_t = o_t * tanh(C_t)
``"01.forget_block"``    the forget gate's block W_f of a Keras kernel (order i, f, c, o)
``"02.slope_unit"``      the unit whose last hidden state tracks the input's slope
``"02.persistence_mse"`` the persistence baseline's mean squared error
``"03.denormalise_run"`` one step of a fed-back run, back in prices
``"03.lag"``             the lag at which the forecast's moves best echo the truth's
``"03.saturation"``      the fraction of a gate's values that are saturated (Karpathy et al.)
======================== ==============================================================

Example
-------
>>> import lstm_explained.exercises as ex
>>> r = ex.check("01.cell_state", 0.5 * 2.0 + 1.0 * 0.25,
...              forget=0.5, input=1.0, candidate=0.25, previous=2.0)
>>> r.correct, str(r)
(True, '✓ 01.cell_state: Right: C_t = f_t·C_{t-1} + i_t·C̃_t = 1.25.')
>>> r = ex.check("01.cell_state", 0.25, forget=0.5, input=1.0, candidate=0.25, previous=2.0)
>>> r.correct
False
>>> print(r.message)  # doctest: +ELLIPSIS
Not yet: You wrote the new part but dropped the old belt: ...
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lstm_explained.errors import DataError

#: Result statuses.
CORRECT, WRONG, UNANSWERED = "correct", "wrong", "unanswered"

_MARKS = {CORRECT: "✓", WRONG: "✗", UNANSWERED: "…"}
_EMPHASIS = re.compile(r"\*([^*\s][^*]*)\*")  # *word* in a hint: emphasis
_COLOURS = {CORRECT: "#009E73", WRONG: "#D55E00", UNANSWERED: "#999999"}


@dataclass(frozen=True)
class Result:
    """The verdict on one answer: ``correct`` and a ``message`` (a hint when wrong).

    Truthy when correct. Shown as a coloured ✓ / ✗ line in a notebook, as text elsewhere.
    """

    exercise: str
    status: str
    message: str

    @property
    def correct(self) -> bool:
        """True when the answer is right."""
        return self.status == CORRECT

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        plain = _EMPHASIS.sub(r"\1", self.message)  # *kept* -> kept
        return f"{_MARKS[self.status]} {self.exercise}: {plain}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.status]
        message = _EMPHASIS.sub(r"<em>\1</em>", html.escape(self.message))
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 10px;margin:4px 0">'
            f'<b style="color:{colour}">{_MARKS[self.status]} {html.escape(self.exercise)}</b>'
            f" {message}</div>"
        )


@dataclass(frozen=True)
class Exercise:
    """One exercise: its id, title, question, and how to solve and judge it."""

    id: str
    title: str
    question: str
    needs: tuple[str, ...]
    solve: Callable[..., Any]
    judge: Callable[..., Result]


_REGISTRY: dict[str, Exercise] = {}


def _register(
    id: str, title: str, question: str, needs: tuple[str, ...]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a solver; the judge with the same id is attached by :func:`_judge`."""

    def deco(solve: Callable[..., Any]) -> Callable[..., Any]:
        _REGISTRY[id] = Exercise(id, title, question, needs, solve, judge=_no_judge)
        return solve

    return deco


def _judge(id: str) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    def deco(judge: Callable[..., Result]) -> Callable[..., Result]:
        ex = _REGISTRY[id]
        _REGISTRY[id] = Exercise(ex.id, ex.title, ex.question, ex.needs, ex.solve, judge)
        return judge

    return deco


def _no_judge(*args: Any, **kwargs: Any) -> Result:  # pragma: no cover - replaced below
    raise RuntimeError("this exercise has no checker yet (register one with @_judge)")


# -- helpers -------------------------------------------------------------------------------
def _ok(id: str, message: str) -> Result:
    return Result(id, CORRECT, "Right: " + message)


def _wrong(id: str, hint: str) -> Result:
    return Result(id, WRONG, "Not yet: " + hint)


def _number(answer: Any) -> np.ndarray | None:
    """The answer as a float array, or None when it is not numeric."""
    try:
        a = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return a


def _close(a: np.ndarray | None, b: Any, atol: float, rtol: float = 0.0) -> bool:
    if a is None:
        return False
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape and a.size != 1 and b.size != 1:
        return False
    try:
        return bool(np.all(np.isfinite(a)) and np.allclose(a, b, atol=atol, rtol=rtol))
    except ValueError:
        return False


def _fmt(x: Any) -> str:
    a = np.asarray(x, dtype=np.float64)
    if a.size == 1:
        return f"{float(a):.4g}"
    return np.array2string(a, precision=4, threshold=8)


def _layer(trace: Any, layer: str | None) -> Any:
    """A LayerTrace from a LayerTrace or a Trace (its first layer when ``layer`` is None)."""
    if hasattr(trace, "hidden") and hasattr(trace, "forget"):
        return trace
    if isinstance(trace, Mapping):
        if not trace:
            raise DataError("the trace holds no layers.")
        key = next(iter(trace)) if layer is None else layer
        if key not in trace:
            raise DataError(f"no layer {key!r} in the trace; it has {list(trace)}.")
        return trace[key]
    raise DataError(
        f"trace must be an lstm_explained Trace or LayerTrace, not {type(trace).__name__}."
    )


def _int_answer(id: str, answer: Any, n: int, what: str) -> tuple[int | None, Result | None]:
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, np.integer)):
        a = _number(answer)
        if a is None or a.size != 1 or float(a) != int(a):
            return None, _wrong(id, f"answer with one whole number: the index of the {what}.")
        answer = int(a)
    answer = int(answer)
    if not 0 <= answer < n:
        return None, _wrong(id, f"the {what} is an index from 0 to {n - 1}; got {answer}.")
    return answer, None


def _corr(values: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column of ``values`` (N, U) with ``target`` (N,).

    A constant column (no variation) correlates 0.
    """
    v = values - values.mean(axis=0)
    t = target - target.mean()
    denom = np.sqrt((v**2).sum(axis=0) * (t**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (v * t[:, None]).sum(axis=0) / denom
    return np.where(denom > 0, r, 0.0)


# -- 01: the cell ---------------------------------------------------------------------------
@_register(
    "01.cell_state",
    "The conveyor belt moves on",
    "Given f_t, i_t, C̃_t and C_{t-1} of one unit (or arrays of them), compute the new cell "
    "state C_t.",
    ("forget", "input", "candidate", "previous"),
)
def _solve_cell_state(*, forget: Any, input: Any, candidate: Any, previous: Any) -> np.ndarray:
    f, i, c, p = (np.asarray(v, dtype=np.float64) for v in (forget, input, candidate, previous))
    return f * p + i * c


@_judge("01.cell_state")
def _judge_cell_state(answer: Any, right: np.ndarray, *, forget: Any, input: Any,
                      candidate: Any, previous: Any, tolerance: float = 1e-3) -> Result:
    id = "01.cell_state"
    f, i, c, p = (np.asarray(v, dtype=np.float64) for v in (forget, input, candidate, previous))
    a = _number(answer)
    if _close(a, right, tolerance):
        return _ok(id, f"C_t = f_t·C_{{t-1}} + i_t·C̃_t = {_fmt(right)}.")
    mistakes = [
        (i * c, "You wrote the new part but dropped the old belt: add what the forget gate "
                "keeps, f_t·C_{t-1}."),
        (f * p, "You kept part of the old belt but wrote nothing new: add i_t·C̃_t."),
        (f * p + c, "The candidate is not written whole: the input gate scales it, i_t·C̃_t."),
        (p + i * c, "The old state does not pass untouched: multiply C_{t-1} by the forget "
                    "gate f_t first."),
        ((1 - f) * p + i * c, "f_t is the share that is *kept* (1 = keep everything), not the "
                              "share that is forgotten."),
        (np.tanh(f * p + i * c), "That is tanh(C_t). The belt itself is not squashed; tanh "
                                 "only comes in for h_t."),
    ]
    for value, hint in mistakes:
        if _close(a, value, tolerance):
            return _wrong(id, hint)
    if _close(a, right, 20 * tolerance):
        return _wrong(id, "close: keep more decimals of the gate values.")
    return _wrong(id, "C_t = f_t · C_{t-1} + i_t · C̃_t: multiply what was on the belt by the "
                      "forget gate, the candidate by the input gate, and add the two.")


@_register(
    "01.hidden_state",
    "What the cell shows",
    "Given o_t and the new cell state C_t, compute the hidden state h_t.",
    ("output", "cell"),
)
def _solve_hidden_state(*, output: Any, cell: Any, previous: Any = None) -> np.ndarray:
    o, c = (np.asarray(v, dtype=np.float64) for v in (output, cell))
    return o * np.tanh(c)


@_judge("01.hidden_state")
def _judge_hidden_state(answer: Any, right: np.ndarray, *, output: Any, cell: Any,
                        previous: Any = None, tolerance: float = 1e-3) -> Result:
    id = "01.hidden_state"
    o, c = (np.asarray(v, dtype=np.float64) for v in (output, cell))
    a = _number(answer)
    if _close(a, right, tolerance):
        return _ok(id, f"h_t = o_t·tanh(C_t) = {_fmt(right)}.")
    mistakes = [
        (o * c, "Squash the cell state first: h_t = o_t · tanh(C_t), not o_t · C_t."),
        (np.tanh(c), "That is tanh(C_t) shown in full: the output gate o_t decides how much "
                     "of it is shown; multiply by it."),
        (np.tanh(o * c), "The gate multiplies after the squashing: o_t · tanh(C_t)."),
        (o * (1 / (1 + np.exp(-c))), "The cell state is squashed with tanh (to -1..1), not "
                                     "with the sigmoid."),
    ]
    if previous is not None:
        mistakes.append((o * np.tanh(np.asarray(previous, dtype=np.float64)),
                         "Use the updated cell state C_t, not C_{t-1}: the belt has already "
                         "moved on when the cell decides what to show."))
    for value, hint in mistakes:
        if _close(a, value, tolerance):
            return _wrong(id, hint)
    return _wrong(id, "h_t = o_t · tanh(C_t): squash the new cell state with tanh, then let "
                      "the output gate decide how much of it to show.")


_BLOCK_NAMES = ("input gate i (block 0)", "forget gate f (block 1)",
                "candidate C̃ (block 2)", "output gate o (block 3)")


@_register(
    "01.forget_block",
    "Which weights are the forget gate's?",
    "From a Keras LSTM's kernel (features, 4·units), take the forget gate's input weights "
    "W_f, an array (features, units).",
    ("kernel",),
)
def _solve_forget_block(*, kernel: Any, recurrent_kernel: Any = None) -> np.ndarray:
    k = np.asarray(kernel, dtype=np.float64)
    if k.ndim != 2 or k.shape[1] % 4:
        raise DataError(f"kernel must be (features, 4·units); got shape {k.shape}.")
    u = k.shape[1] // 4
    return k[:, u : 2 * u]


@_judge("01.forget_block")
def _judge_forget_block(answer: Any, right: np.ndarray, *, kernel: Any,
                        recurrent_kernel: Any = None) -> Result:
    id = "01.forget_block"
    k = np.asarray(kernel, dtype=np.float64)
    u = k.shape[1] // 4
    a = _number(answer)
    if a is None:
        return _wrong(id, "answer with an array of weights, e.g. a slice of the kernel.")
    if a.shape == right.shape and np.array_equal(a, right):
        return _ok(id, f"Keras stores the blocks in the order i, f, c, o, so W_f is "
                       f"kernel[:, {u}:{2 * u}].")
    if a.shape == right.T.shape and a.size > 1 and np.array_equal(a, right.T):
        return _wrong(id, f"right weights, transposed: keep the kernel's layout, shape "
                          f"{right.shape} (features, units).")
    if a.shape == right.shape:
        for b in (0, 2, 3):
            if np.array_equal(a, k[:, b * u : (b + 1) * u]):
                return _wrong(id, f"that is the {_BLOCK_NAMES[b]}. Keras concatenates the "
                                  "four blocks in the order i, f, c, o (not f, i, c, o).")
    if recurrent_kernel is not None:
        r = np.asarray(recurrent_kernel, dtype=np.float64)
        if a.shape == (u, u) and np.array_equal(a, r[:, u : 2 * u]):
            return _wrong(id, "that is U_f, the forget gate's *recurrent* weights (applied to "
                              "h_{t-1}); the question asks for W_f, applied to x_t: the "
                              "kernel.")
    return _wrong(id, f"the kernel has 4 blocks of {u} columns, one per gate, in the order "
                      f"i, f, c, o. W_f is one block, shape {right.shape}.")


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


# -- 03: the S&P 500 --------------------------------------------------------------------------
@_register(
    "03.denormalise_run",
    "A fed-back forecast, back in prices",
    "Multi-sequence run number run started from test window run·prediction_len. Turn its "
    "normalised prediction at `step` back into an index level.",
    ("windows", "predictions", "run", "step"),
)
def _solve_denormalise_run(*, windows: Any, predictions: Any, run: int, step: int,
                           prediction_len: int | None = None) -> float:
    pred = np.asarray(predictions, dtype=np.float64)
    if pred.ndim != 2:
        raise DataError(f"predictions must be (runs, prediction_len); got {pred.shape}.")
    length = pred.shape[1] if prediction_len is None else int(prediction_len)
    p0 = np.asarray(windows.p0_test, dtype=np.float64)
    return float(p0[run * length] * (pred[run, step] + 1.0))


@_judge("03.denormalise_run")
def _judge_denormalise_run(answer: Any, right: float, *, windows: Any, predictions: Any,
                           run: int, step: int, prediction_len: int | None = None,
                           rtol: float = 1e-4) -> Result:
    id = "03.denormalise_run"
    pred = np.asarray(predictions, dtype=np.float64)
    length = pred.shape[1] if prediction_len is None else int(prediction_len)
    p0 = np.asarray(windows.p0_test, dtype=np.float64)
    n = pred[run, step]
    a = _number(answer)
    if a is None or a.size != 1:
        return _wrong(id, "answer with one number, an index level.")
    if _close(a, right, 1e-9, rtol):
        return _ok(id, f"p = p0 · (n + 1) = {p0[run * length]:.2f} · ({n:.4f} + 1) = "
                       f"{right:.2f}, with p0 of the run's start window {run * length}.")
    start = run * length
    mistakes = []
    if start + step < len(p0) and step:
        mistakes.append((p0[start + step] * (n + 1), "a fed-back run stays in the units of the "
                         f"window it started from: use p0 of window {run}·{length}, for every "
                         "step of the run, not the p0 of the window at that step."))
    if run < len(p0) and run != start:
        mistakes.append((p0[run] * (n + 1), f"run {run} does not start at window {run}: runs "
                         f"start every {length} windows, at window run·{length}."))
    mistakes += [
        (p0[start] * n, "the windows hold p/p0 − 1, so p = p0 · (n + 1): you left out the + 1."),
        (n + 1, "n + 1 is the ratio p/p0: multiply by the start window's p0."),
        (p0[start] * (n - 1), "undo p/p0 − 1 with p = p0 · (n + 1), not (n − 1)."),
        (p0[start] / (n + 1), "multiply by (n + 1), don't divide."),
    ]
    for value, hint in mistakes:
        if _close(a, value, 1e-9, rtol):
            return _wrong(id, hint)
    return _wrong(id, "invert n = p/p0 − 1 with the p0 of the window the run started from "
                      "(windows.p0_test[run · prediction_len]).")


def lag_correlations(predicted: Any, true: Any, max_lag: int = 10) -> np.ndarray:
    """Correlation of the forecast's moves with the truth's moves L steps earlier.

    For L = 0..max_lag, the Pearson r between ``Δpredicted[t]`` and ``Δtrue[t − L]``, where
    ``Δv[t] = v[t] − v[t − 1]``. Moves, not levels: a constant bias of the forecast does not
    matter. A forecast that repeats the last value it saw has r = 1 at L = 1: its move today
    is the market's move yesterday.

    Example
    -------
    >>> import numpy as np
    >>> true = np.random.default_rng(0).normal(size=200).cumsum()
    >>> persistence = np.r_[true[0], true[:-1]]          # predicted[t] = true[t - 1]
    >>> int(np.argmax(lag_correlations(persistence, true, 5)))
    1
    """
    p = np.asarray(predicted, dtype=np.float64).reshape(-1)
    t = np.asarray(true, dtype=np.float64).reshape(-1)
    if p.shape != t.shape:
        raise DataError(f"predicted and true must have the same length; got {p.shape}, "
                        f"{t.shape}.")
    if not isinstance(max_lag, (int, np.integer)) or not 0 <= max_lag < len(p) - 3:
        raise DataError(f"max_lag must be a whole number from 0 to {len(p) - 4}; got {max_lag}.")
    dp, dt = np.diff(p), np.diff(t)
    return np.array(
        [float(_corr(dp[lag:, None], dt[: len(dt) - lag])[0]) for lag in range(max_lag + 1)]
    )


@_register(
    "03.lag",
    "Does the forecast lag?",
    "At which lag L (0..max_lag) do the forecast's day-to-day moves correlate best with the "
    "truth's moves L days earlier, corr(Δpredicted[t], Δtrue[t − L])?",
    ("predicted", "true"),
)
def _solve_lag(*, predicted: Any, true: Any, max_lag: int = 10) -> int:
    return int(np.argmax(lag_correlations(predicted, true, max_lag)))


@_judge("03.lag")
def _judge_lag(answer: Any, right: int, *, predicted: Any, true: Any,
               max_lag: int = 10, tie: float = 0.01) -> Result:
    id = "03.lag"
    r = lag_correlations(predicted, true, max_lag)
    if isinstance(answer, (int, np.integer)) and not isinstance(answer, bool) and answer < 0:
        return _wrong(id, "a negative lag would mean the forecast moves before the market: "
                          "compare Δpredicted[t] with Δtrue[t − L] for L ≥ 0.")
    a, bad = _int_answer(id, answer, max_lag + 1, "lag")
    if bad is not None:
        return bad
    if a == right or r[a] >= r[right] - tie:
        return _ok(id, f"at lag {a} the moves correlate with r = {r[a]:.3f}, against "
                       f"{r[0]:.3f} at lag 0: the forecast's moves echo the market's moves "
                       f"of {a} day(s) before, rather than anticipating today's.")
    if a == 0:
        return _wrong(id, f"at lag 0 (today's forecast move against today's market move) "
                          f"r = {r[0]:.3f}. Shift the truth: compare Δpredicted[L:] with "
                          "Δtrue[:-L] for several L.")
    return _wrong(id, f"at lag {a}, r = {r[a]:.3f}; another lag correlates better. Compute r "
                      "for every L from 0 to max_lag (np.diff gives the moves).")


@_register(
    "03.saturation",
    "How often is a gate saturated?",
    "Over all windows, timesteps and units of a layer, what fraction of a gate's values are "
    "right-saturated (> high, nearly open) or left-saturated (< low, nearly closed)? Answer "
    "as a fraction between 0 and 1.",
    ("trace",),
)
def _solve_saturation(*, trace: Any, layer: str | None = None, gate: str = "forget",
                      side: str = "right", low: float = 0.1, high: float = 0.9) -> float:
    lt = _layer(trace, layer)
    if side not in ("left", "right"):
        raise DataError(f"side must be 'left' (< low) or 'right' (> high), not {side!r}.")
    values = np.asarray(getattr(lt, gate), dtype=np.float64)
    mask = getattr(lt, "mask", None)
    flat = values if mask is None else values[np.asarray(mask, dtype=bool)]
    return float(np.mean(flat > high) if side == "right" else np.mean(flat < low))


@_judge("03.saturation")
def _judge_saturation(answer: Any, right: float, *, trace: Any, layer: str | None = None,
                      gate: str = "forget", side: str = "right", low: float = 0.1,
                      high: float = 0.9, atol: float = 1e-3) -> Result:
    id = "03.saturation"
    a = _number(answer)
    if a is None or a.size != 1:
        return _wrong(id, "answer with one fraction between 0 and 1.")
    word = f"right-saturated (> {high:g})" if side == "right" else f"left-saturated (< {low:g})"
    if _close(a, right, atol):
        return _ok(id, f"{right:.1%} of the {gate} gate's values are {word}.")
    other = _solve_saturation(trace=trace, layer=layer, gate=gate,
                              side="left" if side == "right" else "right", low=low, high=high)
    if right > 0 and _close(a, 100 * right, 100 * atol):
        return _wrong(id, "that looks like a percentage: answer as a fraction between 0 and 1.")
    if _close(a, other, atol) and abs(other - right) > atol:
        return _wrong(id, f"that is the other side: the question asks for {word}.")
    if _close(a, 1 - right, atol):
        return _wrong(id, f"that is the share that is *not* {word}.")
    return _wrong(id, f"count the values that are {word} over every window, timestep and unit "
                      "of the layer, and divide by how many values there are (np.mean of a "
                      "boolean array does both).")


# -- the public API ---------------------------------------------------------------------------
def exercises() -> list[str]:
    """The ids of every exercise, in tutorial order.

    Example
    -------
    >>> exercises()[:2]
    ['01.cell_state', '01.hidden_state']
    """
    return list(_REGISTRY)


def _get(exercise: str) -> Exercise:
    try:
        return _REGISTRY[exercise]
    except KeyError:
        raise DataError(
            f"no exercise {exercise!r}; the exercises are {', '.join(_REGISTRY)}."
        ) from None


def question(exercise: str) -> str:
    """The question of an exercise, with what :func:`check` needs to know.

    Example
    -------
    >>> print(question("01.hidden_state"))  # doctest: +ELLIPSIS
    What the cell shows: Given o_t and ... (check needs: output, cell)
    """
    ex = _get(exercise)
    return f"{ex.title}: {ex.question} (check needs: {', '.join(ex.needs)})"


def _context(ex: Exercise, context: dict[str, Any]) -> None:
    missing = [k for k in ex.needs if k not in context]
    if missing:
        raise DataError(
            f"exercise {ex.id!r} needs {', '.join(ex.needs)} to check an answer; "
            f"missing: {', '.join(missing)}."
        )


_JUDGE_ONLY = {"tolerance", "rtol", "atol", "tie"}


def solution(exercise: str, **context: Any) -> Any:
    """The right answer, computed from ``context`` (for instructors and tests).

    Example
    -------
    >>> float(solution("01.hidden_state", output=1.0, cell=0.0))
    0.0
    """
    ex = _get(exercise)
    _context(ex, context)
    return ex.solve(**{k: v for k, v in context.items() if k not in _JUDGE_ONLY})


def check(exercise: str, answer: Any, **context: Any) -> Result:
    """Check an answer to an exercise against the right answer computed from ``context``.

    Args:
        exercise: the exercise id, e.g. ``"01.cell_state"`` (see :func:`exercises`).
        answer: the student's answer; ``None`` or ``...`` means "not answered yet".
        **context: what the answer was computed from (see :func:`question`), plus optional
            tolerances (``tolerance``, ``rtol``, ``atol``).

    Returns:
        A :class:`Result`: truthy when right; its message is a hint when wrong.

    Raises:
        DataError: for an unknown exercise or missing context.
    """
    ex = _get(exercise)
    _context(ex, context)
    if answer is None or answer is Ellipsis:
        return Result(ex.id, UNANSWERED, f"no answer yet. {ex.title}: {ex.question}")
    right = solution(exercise, **context)
    return ex.judge(answer, right, **context)


__all__ = [
    "CORRECT",
    "UNANSWERED",
    "WRONG",
    "Exercise",
    "Result",
    "check",
    "exercises",
    "lag_correlations",
    "question",
    "solution",
    "unit_correlations",
]
