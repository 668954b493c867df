"""Exercises of tutorials 05 and 06: predict a forgetting; design an intervention in the lab.

Both are checked by rerunning the model's numpy replay (:class:`lstm_explained.lab.Stack`,
numpy only) with the student's choice, never against a stored number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstm_explained.adding import marked_steps
from lstm_explained.errors import DataError
from lstm_explained.exercises._base import (
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


def ignore_second(stack: Any, x: Any, gate: str, unit: int, first_step: int) -> dict:
    """Rerun ``stack`` on ``x`` with ``gate`` of ``unit`` (first layer) set to 0 from
    ``first_step`` on; how the outputs correlate with the first and second marked values."""
    from lstm_explained.lab import make_clamps

    x = np.asarray(x, dtype=np.float64)
    clamps = make_clamps({gate: 0.0}, stack, 0, [unit], slice(int(first_step), None),
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
        got = ignore_second(stack, x, gate, unit, step)
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


__all__ = ["ignore_second"]
