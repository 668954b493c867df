"""Exercises of tutorial 04, the instructor tour: what training made (against an untrained
copy), which gate to clamp at a market fall, when the belt is busiest, what a forget gate
of 0 does to the adding model.

Each asks for a prediction or a design choice, and is checked from its context: traces,
forecasts, the model's numpy replay (:class:`lstm_explained.lab.Stack`, numpy only) or an
:class:`lstm_explained.lab.Intervention`, never a stored number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstm_explained.errors import DataError
from lstm_explained.exercises._base import (
    CONCEPT,
    Result,
    _int_answer,
    _judge,
    _layer,
    _ok,
    _register,
    _wrong,
)
from lstm_explained.exercises.sine import unit_correlations

# -- Stop 1: what did training make? -------------------------------------------------------
_MADE = {
    "a": "a unit of the first layer whose h_T tracks the wave's value",
    "b": "forget gates near σ(1) that never switch",
    "c": "an accurate forecast (a small error)",
}


def training_made(trace: Any, control: Any, y: Any, predicted: Any, control_predicted: Any,
                  layer: str | None = None) -> dict[str, tuple[float, float, bool]]:
    """For each claim of ``04.control``: (trained, untrained, training made it).

    ``a``: the best value unit's |r|; ``b``: the mean forget gate; ``c``: the forecast's
    mean squared error. Training made a claim when the trained model differs from the
    untrained ``control`` clearly: |r| by more than 0.05, f̄ by more than 0.02, the error
    by a factor over 10.

    Example
    -------
    >>> from types import SimpleNamespace
    >>> x = np.sin(np.arange(60.0) / 3).reshape(6, 10, 1)
    >>> lt = SimpleNamespace(hidden=x, forget=0.73 + 0 * x, n_samples=6,
    ...                      in_input_order=lambda q: x)
    >>> made = training_made(lt, lt, x[:, -1, 0], x[:, -1, 0], 0 * x[:, -1, 0])
    >>> [made[k][2] for k in "abc"]
    [False, False, True]
    """
    trained, untrained = _layer(trace, layer), _layer(control, layer)
    r = [float(np.max(np.abs(unit_correlations(t, layer)["value"]))) for t in (trace, control)]
    f = [float(np.mean(lt.forget)) for lt in (trained, untrained)]
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    mse = [float(np.mean((np.asarray(p, dtype=np.float64).reshape(-1) - y) ** 2))
           for p in (predicted, control_predicted)]
    return {
        "a": (r[0], r[1], r[0] - r[1] > 0.05),
        "b": (f[0], f[1], abs(f[0] - f[1]) > 0.02),
        "c": (mse[0], mse[1], mse[1] > 10 * mse[0]),
    }


@_register(
    "04.control",
    "What did training make?",
    "An untrained copy of the model (same layers, Keras' initial weights) is the control. "
    "Which of these did training produce, i.e. which does the untrained copy not show? "
    + "; ".join(f"({k}) {v}" for k, v in _MADE.items())
    + ". Answer with the letters, e.g. 'ab'.",
    ("trace", "control", "y", "predicted", "control_predicted"),
    kind=CONCEPT,
)
def _solve_made(**context: Any) -> str:
    made = training_made(**context)
    return "".join(k for k in "abc" if made[k][2])


@_judge("04.control")
def _judge_made(answer: Any, right: str, **context: Any) -> Result:
    id = "04.control"
    if not isinstance(answer, str) or not set(answer.lower()) <= set("abc ,"):
        return _wrong(id, "answer with the letters of the claims training made, e.g. 'ab'.")
    chosen = {c for c in answer.lower() if c in "abc"}
    made = training_made(**context)
    facts = (f"the best value unit tracks the wave with |r| = {made['a'][0]:.3f} trained, "
             f"{made['a'][1]:.3f} untrained; the mean forget gate is {made['b'][0]:.3f} "
             f"trained, {made['b'][1]:.3f} untrained; the forecast's squared error "
             f"{made['c'][0]:.2g} trained, {made['c'][1]:.2g} untrained.")
    if chosen == set(right):
        return _ok(id, facts + " Whatever the untrained copy shows too, training did not "
                               "make.")
    extra, missed = sorted(chosen - set(right)), sorted(set(right) - chosen)
    if extra:
        k = extra[0]
        return _wrong(id, f"({k}) shows in the untrained copy too: {facts} Compare every "
                          "claim with the control before crediting training with it.")
    return _wrong(id, f"training did make ({missed[0]}): {facts}")


# -- Stop 2: a sharp market fall -------------------------------------------------------------
def clamp_effect(stack: Any, window: Any, gate: str, layer: int = 0,
                 step: int = -1) -> float:
    """How much the forecast (normalised) changes when ``gate`` of every unit of ``layer``
    is set to 0 at ``step`` of ``window`` alone, rerun in the model's numpy replay.

    Example
    -------
    >>> from lstm_explained.engine import LSTMWeights
    >>> from lstm_explained.forecast import _Dense
    >>> from lstm_explained.lab import Stack, StackLayer
    >>> w = LSTMWeights.random(features=1, units=3, seed=0)
    >>> stack = Stack([StackLayer("lstm", w)], _Dense(np.ones((3, 1)), None, "linear"))
    >>> window = np.full((1, 5, 1), 0.5)
    >>> shut = stack.run(window.copy(), [])[0][0, 0]  # with o = 0 at the last step, h_T = 0
    >>> bool(np.isclose(clamp_effect(stack, window, "output"), -shut))
    True
    """
    from lstm_explained.lab import make_clamps

    x = np.asarray(window, dtype=np.float64)
    if x.ndim == 2:
        x = x[None]
    t = x.shape[1] + step if step < 0 else step
    clamps = make_clamps({gate: 0.0}, stack, layer, None, [t], timesteps=x.shape[1])
    clamped, base = stack.run(x, clamps)[0], stack.run(x, [])[0]
    return float(clamped[0, 0] - base[0, 0])


@_register(
    "04.clamp_fall",
    "Make the forecast ignore the fall",
    "The window ends with the day of the fall. Which gate of the first layer would you set "
    "to 0, at the window's last step only, so that the fall is not written onto the belt? "
    "And which way will the next day's forecast move: answer (gate, sign), e.g. "
    "('output', -1).",
    ("stack", "window"),
    kind=CONCEPT,
)
def _solve_clamp_fall(*, stack: Any, window: Any, layer: int = 0, step: int = -1,
                      p0: float | None = None) -> tuple[str, int]:
    return "input", int(np.sign(clamp_effect(stack, window, "input", layer, step)))


def _sign(value: Any) -> int | None:
    if isinstance(value, str):
        return {"+": 1, "up": 1, "-": -1, "−": -1, "down": -1}.get(value.strip().lower())
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return int(np.sign(value)) or None
    return None


@_judge("04.clamp_fall")
def _judge_clamp_fall(answer: Any, right: tuple[str, int], *, stack: Any, window: Any,
                      layer: int = 0, step: int = -1, p0: float | None = None) -> Result:
    id = "04.clamp_fall"
    if not isinstance(answer, (tuple, list)) or len(answer) != 2 or not isinstance(
            answer[0], str) or _sign(answer[1]) is None:
        return _wrong(id, "answer with a pair (gate, sign), e.g. ('output', -1): the sign is "
                          "+1 if the forecast goes up, -1 if down.")
    gate, sign = answer[0].strip().lower(), _sign(answer[1])
    if gate not in ("forget", "input", "candidate", "output"):
        return _wrong(id, f"{gate!r} is not a gate: forget, input, candidate or output.")
    effect = clamp_effect(stack, window, gate, layer, step)
    unit = "" if p0 is None else f" ({effect * float(p0):+.0f} index points)"
    moved = f"the forecast moves by {effect:+.4f}{unit}"
    if gate == "forget":
        return _wrong(id, f"forget = 0 throws away what the belt held *before* the fall and "
                          f"keeps the fall's write ({moved}). Which gate decides what is "
                          "*written*?")
    if gate == "output":
        return _wrong(id, f"the output gate hides the whole belt from h at that step, the "
                          f"weeks before the fall included ({moved}); the fall is still "
                          "written onto the belt.")
    if sign != int(np.sign(effect)):
        return _wrong(id, f"{gate} = 0 is the right clamp, but {moved}: the fall had pushed "
                          "the forecast down; taking its write away lets it rise.")
    x = np.asarray(window, dtype=np.float64).reshape(1, -1, 1).copy()
    base = stack.run(x, [])[0][0, 0]
    x[0, step] = x[0, step - 1]  # the same window without the fall: the day before repeated
    own = float(stack.run(x, [])[0][0, 0] - base)
    own_text = "" if p0 is None else f" ({own * float(p0):+.0f} points)"
    return _ok(id, f"with {gate} = 0 on the fall day nothing is written that day: {moved}. "
                   f"The fall's own share (the same window with the fall day replaced by the "
                   f"day before) is {own:+.4f}{own_text}: a clamp is not surgical, it drops "
                   "everything written that day, not only the fall.")


@_register(
    "04.busiest_window",
    "When is the belt busiest?",
    "Predict first: among the traced windows around the fall, at the last step of which one "
    "does the belt of the layer change hands most, |i·C̃| + |(1 − f)·C_{t−1}| summed over its "
    "units (the inspector's 'most active units' measure)? Answer with the sample index.",
    ("trace",),
    kind=CONCEPT,
)
def _solve_busiest(*, trace: Any, layer: str | None = None, fall: int | None = None) -> int:
    return int(np.argmax(_activity(trace, layer)))


def _activity(trace: Any, layer: str | None) -> np.ndarray:
    lt = _layer(trace, layer)
    if not hasattr(lt, "ledger"):
        raise DataError("this exercise reads the belt's books: pass a Trace or LayerTrace.")
    books = lt.ledger()
    return (np.abs(books.written[:, -1, :]) + np.abs(books.forgotten[:, -1, :])).sum(axis=1)


@_judge("04.busiest_window")
def _judge_busiest(answer: Any, right: int, *, trace: Any, layer: str | None = None,
                   fall: int | None = None) -> Result:
    id = "04.busiest_window"
    act = _activity(trace, layer)
    a, bad = _int_answer(id, answer, len(act), "window (sample)")
    if bad is not None:
        return bad
    last = np.asarray(_layer(trace, layer).inputs, dtype=np.float64)[:, -1, 0]
    if a == right:
        return _ok(id, f"window {a}: activity {act[a]:.3f}, against a median of "
                       f"{np.median(act):.3f}. Its last input is n = {last[a]:+.3f}: the belt "
                       "writes what the window's value is (how far from its first day it "
                       "ends), not the size of that day's move.")
    if fall is not None and a == fall:
        return _wrong(id, f"window {a} ends with the fall, but its belt activity is "
                          f"{act[a]:.3f}, less than another's. The candidate C̃ reads the "
                          f"input n = p/p0 − 1, the level relative to the window's first day "
                          f"(n = {last[a]:+.3f} here), not the day's move: which window ends "
                          "furthest below its start?")
    return _wrong(id, f"window {a}'s belt activity at its last step is {act[a]:.3f}; "
                      "another's is larger. Compare the windows' last inputs: the candidate "
                      "reads the level n = p/p0 − 1.")


# -- Stop 3: the adding model without its memory ---------------------------------------------
_OUTCOMES = ("unchanged", "mean", "worse")


@_register(
    "04.forget_zero",
    "What if the memory unit forgot?",
    "Predict before running the lab: with the memory unit's forget gate set to 0 at every "
    "step, the adding model's test error becomes: 'unchanged', 'mean' (about the error of "
    "always answering the average), or 'worse' (clearly worse than that).",
    ("lab", "y"),
    kind=CONCEPT,
)
def _solve_forget_zero(*, lab: Any, y: Any) -> str:
    before, after, mean = _errors(lab, y)
    if after > 2 * mean:
        return "worse"
    return min({"unchanged": before, "mean": mean}.items(),
               key=lambda kv: abs(np.log(after / kv[1])))[0]


def _errors(lab: Any, y: Any) -> tuple[float, float, float]:
    """The adding model's test error without and with the clamp, and the error of always
    answering the average."""
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    before = float(np.mean((np.asarray(lab.original_outputs)[:, 0] - y) ** 2))
    after = float(np.mean((np.asarray(lab.outputs)[:, 0] - y) ** 2))
    return before, after, float(np.mean((y - y.mean()) ** 2))


@_judge("04.forget_zero")
def _judge_forget_zero(answer: Any, right: str, *, lab: Any, y: Any) -> Result:
    id = "04.forget_zero"
    if not isinstance(answer, str) or answer.strip().lower() not in _OUTCOMES:
        return _wrong(id, f"answer with one of {', '.join(map(repr, _OUTCOMES))}.")
    before, after, mean = _errors(lab, y)
    facts = (f"the error goes from {before:.4f} to {after:.3f}; always answering the "
             f"average scores {mean:.3f}.")
    if answer.strip().lower() == right:
        return _ok(id, facts + " A belt that is emptied at every step holds neither marked "
                               "value: the model is left guessing.")
    if answer.strip().lower() == "unchanged":
        return _wrong(id, f"{facts} The sum lives on that unit's belt between the marks; a "
                          "forget gate of 0 empties it at every step.")
    return _wrong(id, facts)


__all__ = ["clamp_effect", "training_made"]
