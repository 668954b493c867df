"""Exercises of tutorial 01: one step of the cell by hand, and Keras' weight layout.

What the tutorial's hand-set cell does with its words is in
:mod:`lstm_explained.exercises.words`."""

from __future__ import annotations

from typing import Any

import numpy as np

from lstm_explained.errors import DataError
from lstm_explained.exercises._base import (
    Result,
    _close,
    _fmt,
    _judge,
    _number,
    _ok,
    _register,
    _wrong,
)
from lstm_explained.kinds.lstm import LSTM


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


#: "input gate i_t (block 0)", ...: the kernel's blocks in Keras' order (from the LSTM spec).
_BLOCK_NAMES = tuple(
    f"{name} {'gate ' if LSTM[name].kind == 'gate' else ''}{LSTM[name].text} (block {b})"
    for b, name in enumerate(LSTM.keras_blocks)
)


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
