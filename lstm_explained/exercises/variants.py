"""Exercises of tutorial 07, the variants: what coupling the gates changes in the gender
cell, what a peephole lets the forget gate see, and which way Keras' GRU update gate points.

Each asks for a prediction, and is checked from its context: the variants' weights run on
the sentence (:func:`lstm_explained.variants.run_variant`) or a GRU trace, never a stored
number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstm_explained.errors import DataError
from lstm_explained.exercises._base import CONCEPT, Result, _judge, _layer, _ok, _register, _wrong

# -- Coupled gates: does the gender cell notice? -------------------------------------------
_SAME = ("same", "different")


def coupled_difference(x: Any, lstm: Any, coupled: Any) -> float:
    """The largest difference between the belts of an LSTM and a coupled cell over ``x``.

    Parameters
    ----------
    x : array_like
        (timesteps, features) or (batch, timesteps, features) inputs.
    lstm, coupled : LSTMWeights, CoupledWeights
        The two cells' weights.

    Returns
    -------
    float
        ``max |C_lstm - C_coupled|`` over every sample, step and unit.

    Example
    -------
    >>> from lstm_explained.variant_weights import CoupledWeights
    >>> from lstm_explained.variants import gender_cell, gender_sentence
    >>> _, x = gender_sentence()
    >>> coupled_difference(x, gender_cell("lstm"), gender_cell("coupled")) < 1e-12
    True
    """
    from lstm_explained.variants import run_variant

    x = np.asarray(x, dtype=np.float64)
    x = x[None] if x.ndim == 2 else x
    belts = [run_variant(kind, x, w)["cell"] for kind, w in (("lstm", lstm),
                                                              ("coupled", coupled))]
    return float(np.max(np.abs(belts[0] - belts[1])))


@_register(
    "07.coupled_same",
    "Couple the gender cell's gates",
    "Predict before running it: the gender cell of tutorial 01 rebuilt with coupled gates "
    "(f_t = 1 - i_t, the forget block's weights dropped). Over the sentence, is its belt "
    "the 'same' as the LSTM's, or 'different'?",
    ("x", "lstm", "coupled"),
    kind=CONCEPT,
)
def _solve_coupled(*, x: Any, lstm: Any, coupled: Any) -> str:
    return "same" if coupled_difference(x, lstm, coupled) < 1e-9 else "different"


@_judge("07.coupled_same")
def _judge_coupled(answer: Any, right: str, *, x: Any, lstm: Any, coupled: Any) -> Result:
    id = "07.coupled_same"
    if not isinstance(answer, str) or answer.strip().lower() not in _SAME:
        return _wrong(id, "answer 'same' or 'different'.")
    gap = coupled_difference(x, lstm, coupled)
    facts = f"the two belts differ by at most {gap:.2g}."
    if answer.strip().lower() == right == "same":
        return _ok(id, facts + " The LSTM's forget block was already minus its input block "
                               "with the opposite bias, and σ(−a) = 1 − σ(a): its forget gate "
                               "*was* 1 − i. Coupling drops weights this cell never needed.")
    if answer.strip().lower() == right:
        return _ok(id, facts + " These weights had a forget gate of their own; coupling "
                               "changes the belt.")
    if right == "same":
        return _wrong(id, facts + " Compare the forget and input columns of the cell's "
                                  "kernel and its biases: what is σ(−a)?")
    return _wrong(id, facts + " This LSTM's forget gate is not 1 − i: coupling changes it.")


# -- A peephole on the forget gate ----------------------------------------------------------
def peephole_forget(tokens: Any, x: Any, weights: Any) -> dict[str, float]:
    """The peephole cell's forget gate (unit 0) at each word of the sentence.

    Example
    -------
    >>> from lstm_explained.variants import gender_cell, gender_sentence
    >>> tokens, x = gender_sentence()
    >>> f = peephole_forget(tokens, x, gender_cell("peephole", p_f=-2.0))
    >>> bool(f["met"] < f["called"])
    True
    """
    from lstm_explained.variants import run_variant

    tokens = list(tokens)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or len(tokens) != len(x):
        raise DataError(f"x must hold one row of features per word: {len(tokens)} words, "
                        f"x of shape {x.shape}.")
    forget = run_variant("peephole", x[None], weights)["forget"][0, :, 0]
    return {word: float(f) for word, f in zip(tokens, forget, strict=True)}


@_register(
    "07.peephole_forget",
    "What the forget gate sees through a peephole",
    "Predict before running it: the gender cell with a forget-gate peephole (f_t also sees "
    "p_f · C_{t-1}, with the p_f given). At which of the words given as `words` is the "
    "forget gate lowest? Answer with the word.",
    ("tokens", "x", "weights", "words"),
    kind=CONCEPT,
)
def _solve_peephole(*, tokens: Any, x: Any, weights: Any, words: Any) -> str:
    f = peephole_forget(tokens, x, weights)
    missing = [w for w in words if w not in f]
    if missing:
        raise DataError(f"{missing[0]!r} is not a word of the sentence.")
    return min(words, key=lambda w: f[w])


@_judge("07.peephole_forget")
def _judge_peephole(answer: Any, right: str, *, tokens: Any, x: Any, weights: Any,
                    words: Any) -> Result:
    id = "07.peephole_forget"
    if not isinstance(answer, str) or answer.strip() not in words:
        return _wrong(id, f"answer with one of the words {', '.join(map(repr, words))}.")
    f = peephole_forget(tokens, x, weights)
    facts = "; ".join(f"f = {f[w]:.3f} at {w!r}" for w in words)
    p_f = float(np.ravel(weights.p_f)[0])
    if answer.strip() == right:
        return _ok(id, f"{facts}. With p_f = {p_f:+g} the forget gate reads the belt's sign: "
                       "the same sentence position forgets differently after a feminine and a "
                       "masculine subject. A plain LSTM's gates cannot see C, only h.")
    return _wrong(id, f"{facts}. Which sign has C_{{t-1}} after each word, and what does "
                      f"p_f = {p_f:+g} times it do to the forget gate's pre-activation?")


# -- Keras' GRU: which way does z point? ----------------------------------------------------
_WAYS = ("low", "high")


def update_at_marks(trace: Any, x: Any, unit: int) -> tuple[float, float]:
    """A GRU unit's mean update gate z at the adding problem's marked steps and elsewhere.

    Example
    -------
    >>> import lstm_explained as lx
    >>> from lstm_explained.layer_trace import LayerTrace
    >>> x, _ = lx.data.adding_problem(4, length=10, seed=0)
    >>> z = 1.0 - x[..., 1:]            # writes (z = 0) at the marks only
    >>> lt = LayerTrace(name="gru", layer_name="gru", inputs=x, kind="gru", arrays={
    ...     "update": z, "reset": z, "candidate": z, "hidden": z})
    >>> update_at_marks(lt, x, 0)
    (0.0, 1.0)
    """
    lt = trace if hasattr(trace, "kind") else _layer(trace, None)  # a GRU's has no forget
    if getattr(lt, "kind", None) != "gru":
        raise DataError("this exercise reads a GRU's update gate: pass a GRU layer's trace.")
    z = np.asarray(lt.in_input_order("update"), dtype=np.float64)[..., int(unit)]
    marked = np.asarray(x)[..., 1] == 1
    return float(z[marked].mean()), float(z[~marked].mean())


@_register(
    "07.gru_update",
    "Which way does Keras' update gate point?",
    "Keras' GRU computes h_t = z_t·h_{t-1} + (1 − z_t)·h̃_t. Predict before looking: at the "
    "adding problem's marked steps, is the update gate z of the unit that holds the sum "
    "best 'low' or 'high' (compared with the unmarked steps)?",
    ("trace", "x", "unit"),
    kind=CONCEPT,
)
def _solve_gru_update(*, trace: Any, x: Any, unit: int) -> str:
    marked, elsewhere = update_at_marks(trace, x, unit)
    return "low" if marked < elsewhere else "high"


@_judge("07.gru_update")
def _judge_gru_update(answer: Any, right: str, *, trace: Any, x: Any, unit: int) -> Result:
    id = "07.gru_update"
    if not isinstance(answer, str) or answer.strip().lower() not in _WAYS:
        return _wrong(id, "answer 'low' or 'high'.")
    marked, elsewhere = update_at_marks(trace, x, unit)
    facts = f"unit {unit}'s z is {marked:.3f} at the marks and {elsewhere:.3f} elsewhere."
    if answer.strip().lower() == right:
        return _ok(id, facts + " In Keras (and Cho et al.) z keeps: the belt is written where "
                               "1 − z is large, at the marks, and kept elsewhere.")
    return _wrong(id, facts + " Olah's post writes h_t = (1 − z)·h_{t-1} + z·h̃_t, where z "
                              "writes; Keras uses the opposite roles. Which term writes h̃?")


__all__ = ["coupled_difference", "peephole_forget", "update_at_marks"]
