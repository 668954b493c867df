"""Exercises of tutorials 05 and 06: predict a forgetting and how far back a gradient
reaches; predict an intervention's effect and design one in the lab.

The lab's are checked by rerunning the model's numpy replay (:class:`lstm_explained.lab.Stack`,
numpy only, the replay :func:`lstm_explained.lab.intervene` runs) with the student's choice,
the gradient's from the gradients the tutorial computed, never against a stored number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstm_explained.adding import marked_steps
from lstm_explained.errors import DataError
from lstm_explained.exercises._base import (
    CONCEPT,
    Result,
    _close,
    _corr,
    _judge,
    _number,
    _ok,
    _register,
    _wrong,
)


def _marked_values(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    marks = marked_steps(x)
    rows = np.arange(len(x))
    return x[rows, marks[:, 0], 0], x[rows, marks[:, 1], 0]


def clamped_from(stack: Any, x: Any, gate: str, unit: int, first_step: int,
                 value: float = 0.0) -> dict:
    """Rerun a model with one gate of one unit set to a value from a step on, and measure
    what its answer still follows.

    Parameters
    ----------
    stack : lstm_explained.lab.Stack
        The model's numpy replay (``Stack.from_model(model)``).
    x : array_like
        (sequences, steps, 2) adding-problem inputs.
    gate : str
        ``"forget"``, ``"input"``, ``"candidate"`` or ``"output"``.
    unit : int
        The unit of the first LSTM layer.
    first_step : int
        The first step at which the gate is set.
    value : float
        The gate's value from then on.

    Returns
    -------
    dict
        ``first`` and ``second``: the correlation of the answers with the first and the
        second marked value; ``outputs``: the answers.

    Example
    -------
    >>> from lstm_explained.adding import adding_problem
    >>> from lstm_explained.engine import LSTMWeights
    >>> from lstm_explained.lab import Stack, StackLayer
    >>> w = LSTMWeights.random(features=2, units=3, seed=1)
    >>> stack = Stack([StackLayer("lstm", w)], head=lambda h: h[:, :1])  # unit 0's h_T
    >>> x, _ = adding_problem(50, length=20, seed=0)
    >>> got = clamped_from(stack, x, "forget", 0, 0)  # unit 0 forgets at every step
    >>> sorted(got), got["outputs"].shape
    (['first', 'outputs', 'second'], (50,))
    """
    from lstm_explained.lab import make_clamps

    x = np.asarray(x, dtype=np.float64)
    clamps = make_clamps({gate: float(value)}, stack, 0, [unit], slice(int(first_step), None),
                         timesteps=x.shape[1])
    out = stack.run(x, clamps)[0][:, 0]
    first, second = _marked_values(x)
    corr = _corr(out[:, None], first)[0], _corr(out[:, None], second)[0]
    return {"first": float(corr[0]), "second": float(corr[1]), "outputs": out}


# -- 06: the gate lab ------------------------------------------------------------------------
@_register(
    "06.ignore_second",
    "Make the model ignore the second marked value",
    "Answer (gate, first_step): which gate of the memory unit must be shut (set to 0), and "
    "from which step on, so that the model still adds the first marked value but no longer "
    "the second? (The first mark is in the first half of each sequence, the second in the "
    "second half.)",
    ("stack", "x", "unit"),
    kind=CONCEPT,
)
def _solve_ignore_second(*, stack: Any, x: Any, unit: int) -> tuple[str, int]:
    return "input", int(np.asarray(x).shape[1] // 2)


@_judge("06.ignore_second")
def _judge_ignore_second(answer: Any, right: tuple[str, int], *, stack: Any, x: Any,
                         unit: int) -> Result:
    id = "06.ignore_second"
    length = np.asarray(x).shape[1]
    if (not isinstance(answer, (tuple, list)) or len(answer) != 2
            or not isinstance(answer[0], str)):
        return _wrong(id, "answer with a pair (gate, first_step), e.g. ('forget', 10).")
    gate, step = answer
    if gate not in ("forget", "input", "candidate", "output"):
        return _wrong(id, f"{gate!r} is not a gate: forget, input, candidate or output.")
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not (
            0 <= step < length):
        return _wrong(id, f"first_step must be a whole number from 0 to {length - 1}.")
    try:
        got = clamped_from(stack, x, gate, unit, step)  # the gate shut (0) from step on
    except DataError as exc:  # e.g. a unit the layer does not have
        return _wrong(id, str(exc))
    if got["first"] > 0.9 and abs(got["second"]) < 0.2:
        return _ok(id, f"with {gate} = 0 from step {step} on, the outputs follow the first "
                       f"marked value (r = {got['first']:.2f}) and no longer the second "
                       f"(r = {got['second']:.2f}): the belt still carries the first, and "
                       "nothing more is written onto it.")
    if gate == "forget":
        return _wrong(id, "a shut forget gate empties the belt: the first value is lost too "
                          f"(r with it = {got['first']:.2f}). Which gate decides what is "
                          "*written*?")
    if gate == "output":
        return _wrong(id, "the output gate only hides the belt from h_t: the belt still "
                          "holds both values, but the output no longer sees either "
                          f"(r with the first = {got['first']:.2f}).")
    if gate in ("input", "candidate") and step < length // 2:
        return _wrong(id, f"from step {step} you also block first marks that come later "
                          f"(r with the first = {got['first']:.2f}): every first mark lies "
                          f"before step {length // 2}, every second one at or after it.")
    if gate in ("input", "candidate"):
        return _wrong(id, f"from step {step} you miss second marks that come earlier "
                          f"(r with the second = {got['second']:.2f}): the second mark can "
                          f"be anywhere from step {length // 2} on.")
    return _wrong(id, "shut the gate that writes onto the belt, from the start of the "
                      "second half.")  # pragma: no cover


@_register(
    "05.forget_half",
    "A forget gate that keeps half",
    "If the memory unit's forget gate were a constant f, what f keeps exactly half of what "
    "the belt holds after `steps` steps?",
    ("steps",),
    kind=CONCEPT,
)
def _solve_forget_half(*, steps: int) -> float:
    return float(0.5 ** (1.0 / int(steps)))


@_judge("05.forget_half")
def _judge_forget_half(answer: Any, right: float, *, steps: int) -> Result:
    id = "05.forget_half"
    a = _number(answer)
    if a is None or a.size != 1:
        return _wrong(id, "answer with one number, the forget gate's value f.")
    if _close(a, right, 5e-4):
        return _ok(id, f"f^{steps} = 0.5, so f = 0.5^(1/{steps}) = {right:.4f}: even a forget "
                       f"gate that close to 1 halves the belt within {steps} steps.")
    f = float(a.reshape(()))
    if _close(a, 1 - 0.5 / steps, 1e-4):
        return _wrong(id, f"the belt is multiplied by f at every step, so after {steps} steps "
                          f"by f^{steps} = {f ** steps:.3f}, not reduced by {steps}·(1 − f). "
                          "Solve f^steps = 0.5.")
    if _close(a, 0.5, 1e-4):
        return _wrong(id, "f = 0.5 halves the belt at every step; after all the steps "
                          f"{0.5 ** steps:.1e} is left.")
    if 0 <= f <= 1:
        return _wrong(id, f"with f = {f:g}, f^{steps} = {f ** steps:.3f} of the belt survives; "
                          "you want 0.5.")
    return _wrong(id, "a sigmoid gate lies between 0 and 1.")



# -- 06: predict a clamp --------------------------------------------------------------------
_FOLLOWS = ("sum", "first", "second", "neither")


def _follows(got: dict) -> str:
    """What the answers follow: both marked values, one of them, or neither (|r| > 1/2)."""
    first, second = abs(got["first"]) > 0.5, abs(got["second"]) > 0.5
    return _FOLLOWS[0 if first and second else 1 if first else 2 if second else 3]


@_register(
    "06.forget_clamp",
    "Predict a forgetting belt",
    "The memory unit's forget gate is set to 0 from step `step` on, at every step. What does "
    "the model's answer follow then: 'sum' (both marked values), 'first', 'second', or "
    "'neither'?",
    ("stack", "x", "unit", "step"),
    kind=CONCEPT,
)
def _solve_forget_clamp(*, stack: Any, x: Any, unit: int, step: int) -> str:
    return _follows(clamped_from(stack, x, "forget", unit, step))


@_judge("06.forget_clamp")
def _judge_forget_clamp(answer: Any, right: str, *, stack: Any, x: Any, unit: int,
                        step: int) -> Result:
    id = "06.forget_clamp"
    if not isinstance(answer, str) or answer not in _FOLLOWS:
        return _wrong(id, f"answer with one of {', '.join(map(repr, _FOLLOWS))}.")
    got = clamped_from(stack, x, "forget", unit, step)
    r = f"r = {got['first']:.2f} with the first value, {got['second']:.2f} with the second"
    if answer == right:
        out = got["outputs"]
        return _ok(id, f"with f = 0 from step {step} on, the answer follows {right} ({r}; "
                       f"it stays at {out.mean():.2f} ± {out.std():.2f}). A forget gate of 0 "
                       "at every step leaves on the belt only what the current step writes.")
    if answer == "second" and right != "second":
        return _wrong(id, f"f = 0 at *every* step from {step} on, not once: the second value "
                          f"is written at its mark, then wiped at the next step ({r}).")
    if answer == "first" and right != "first":
        return _wrong(id, f"the first value is on the belt before step {step}, and the forget "
                          f"gate of 0 at step {step} wipes it ({r}).")
    if answer == "sum" and right != "sum":
        return _wrong(id, f"both values are wiped: the first by the forget gate of 0 at step "
                          f"{step}, the second one step after its mark ({r}).")
    return _wrong(id, f"the rerun says otherwise: {r}.")


# -- 05: predict a gradient -----------------------------------------------------------------
def marked_gradient(gradients: Any, x: Any, distance: int, window: int = 2) -> float:
    """Mean |dy/d(marked value)| over the marks ``distance`` ± ``window`` steps before the
    last step.

    Parameters
    ----------
    gradients : array_like
        (sequences, steps, features) input gradients of a model's answer
        (:func:`lstm_explained.analysis.input_gradients`); feature 0 is the value.
    x : array_like
        The adding-problem inputs the gradients were taken at.
    distance : int
        How many steps before the last step.
    window : int
        Marks up to this many steps nearer or further count too.

    Returns
    -------
    float
        The mean absolute gradient at those marks.

    Example
    -------
    >>> from lstm_explained.adding import adding_problem
    >>> x, _ = adding_problem(200, length=20, seed=0)
    >>> g = np.zeros_like(x)
    >>> g[:, :, 0] = 0.5 ** np.arange(19, -1, -1)  # halves with every step back
    >>> float(marked_gradient(g, x, distance=10, window=0))
    0.0009765625
    """
    g, x = np.asarray(gradients, dtype=np.float64), np.asarray(x, dtype=np.float64)
    if g.shape[:2] != x.shape[:2] or g.ndim != 3:
        raise DataError(f"gradients {g.shape} do not match the inputs {x.shape}.")
    marks = marked_steps(x)
    back = x.shape[1] - 1 - marks  # (sequences, 2): steps from each mark to the end
    near = np.abs(back - int(distance)) <= int(window)
    if not near.any():
        raise DataError(f"no mark lies {distance} ± {window} steps before the end: widen "
                        "the window or give more sequences.")
    rows = np.broadcast_to(np.arange(len(x))[:, None], marks.shape)
    return float(np.abs(g[rows[near], marks[near], 0]).mean())


@_register(
    "05.gradient_orders",
    "How far back does a gradient reach?",
    "A marked value `distance` steps before the end: which trained model's answer does it "
    "move more, and by how many orders of magnitude (powers of ten)? Answer (model, n), "
    "e.g. ('SimpleRNN', 2).",
    ("lstm", "rnn", "x"),
    kind=CONCEPT,
)
def _solve_gradient_orders(*, lstm: Any, rnn: Any, x: Any, distance: int = 50,
                           window: int = 2) -> tuple[str, float]:
    a, b = (marked_gradient(g, x, distance, window) for g in (lstm, rnn))
    orders = float(np.log10(max(a, 1e-300) / max(b, 1e-300)))
    return ("LSTM", orders) if orders >= 0 else ("SimpleRNN", -orders)


@_judge("05.gradient_orders")
def _judge_gradient_orders(answer: Any, right: tuple[str, float], *, lstm: Any, rnn: Any,
                           x: Any, distance: int = 50, window: int = 2) -> Result:
    id = "05.gradient_orders"
    if (not isinstance(answer, (tuple, list)) or len(answer) != 2
            or answer[0] not in ("LSTM", "SimpleRNN") or _number(answer[1]) is None
            or _number(answer[1]).size != 1):
        return _wrong(id, "answer with a pair (model, n): 'LSTM' or 'SimpleRNN', and a number "
                          "of powers of ten, e.g. ('SimpleRNN', 2).")
    a, b = (marked_gradient(g, x, distance, window) for g in (lstm, rnn))
    name, orders = right
    n = float(_number(answer[1]).reshape(()))
    per_step = 10 ** (-orders / distance)
    sizes = f"|dy/dx| {distance} steps back: LSTM {a:.2g}, SimpleRNN {b:.2g}"
    if answer[0] == name and abs(n - orders) <= 1:
        return _ok(id, f"{sizes}: {orders:.1f} orders of magnitude. The weaker one shrinks by "
                       f"a factor of about {per_step:.2f} per step, and {per_step:.2f}^"
                       f"{distance} = {per_step ** distance:.0e}.")
    if answer[0] != name:
        return _wrong(id, f"the other way round: {sizes}. Which network has a path along "
                          "which the gradient is multiplied by a forget gate near 1?")
    return _wrong(id, f"right model, but {orders:.0f} orders of magnitude, not {n:g}: a "
                      f"factor of {per_step:.2f} per step, {distance} times over, is "
                      f"{per_step ** distance:.0e}. Small shrinking per step compounds.")


__all__ = ["clamped_from", "marked_gradient"]
