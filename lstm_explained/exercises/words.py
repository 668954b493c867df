"""Exercises of tutorial 01 that ask for a prediction or a design: what a hand-set cell's
gates do with its words (predicted before it runs), which gate guards the belt, and an
input-gate bias by design, checked by running the cell on the words with
:func:`lstm_explained.cell.lstm_step` (:func:`run_words`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from lstm_explained.activations import get_activation
from lstm_explained.cell import lstm_step
from lstm_explained.errors import DataError
from lstm_explained.exercises._base import (
    CONCEPT,
    Result,
    _close,
    _judge,
    _logit,
    _number,
    _ok,
    _register,
    _wrong,
)
from lstm_explained.kinds.lstm import LSTM

# -- 01: what the hand-set cell does, word by word -------------------------------------------
_GATES = ("forget", "input", "output")


def run_words(weights: Any, inputs: Any, clamp: dict[int, dict[str, float]] | None = None,
              bias: dict[str, float] | None = None) -> dict[str, np.ndarray]:
    """Run a one-sequence cell, step by step, and keep unit 0's gates and states.

    Parameters
    ----------
    weights : LSTMWeights
        The cell's weights (Keras' layout).
    inputs : array_like
        (timesteps, features): one feature vector per word.
    clamp : dict, optional
        ``{step: {gate: value}}``: set a gate of unit 0 to a value at a step, before it acts.
    bias : dict, optional
        ``{gate: value}``: replace unit 0's bias of a gate (``"input"``, ...).

    Returns
    -------
    dict
        ``forget``, ``input``, ``candidate``, ``output``, ``cell``, ``hidden``: unit 0's
        values at each timestep; ``z``: its pre-activations, (timesteps, 4) in Keras'
        order i, f, c, o.

    Example
    -------
    >>> from lstm_explained.engine import LSTMWeights
    >>> w = LSTMWeights(np.array([[4.0, -4.0, 1.0, 4.0]]), np.zeros((1, 4)), np.zeros(4))
    >>> run = run_words(w, [[1.0], [0.0]], clamp={1: {"forget": 0.0}})
    >>> round(float(run["cell"][0]), 3), float(run["cell"][1])
    (0.748, 0.0)
    """
    x = np.asarray(inputs, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != weights.features:
        raise DataError(f"inputs must be (words, {weights.features}); got shape {x.shape}.")
    if bias:
        b = np.zeros(4 * weights.units) if weights.bias is None else np.array(weights.bias)
        for gate, value in bias.items():
            b[LSTM.keras_blocks.index(gate) * weights.units] = value
        weights = type(weights)(weights.kernel, weights.recurrent_kernel, b,
                                weights.activation, weights.recurrent_activation)
    squash = get_activation(weights.activation)
    h = c = np.zeros((1, weights.units))
    out: dict[str, list] = {q: [] for q in (*LSTM.keras_blocks, "cell", "hidden", "z")}
    for t in range(len(x)):
        z = x[t] @ weights.kernel + h[0] @ weights.recurrent_kernel
        out["z"].append((z if weights.bias is None else z + weights.bias)[:: weights.units])
        gates = dict(zip(("forget", "input", "candidate", "output"),
                         lstm_step(x[None, t], h, c, weights)[:4], strict=True))
        for gate, value in (clamp or {}).get(t, {}).items():
            gates[gate] = gates[gate].copy()
            gates[gate][0, 0] = value
        c = gates["forget"] * c + gates["input"] * gates["candidate"]
        h = gates["output"] * squash(c)
        for q, v in [*gates.items(), ("cell", c), ("hidden", h)]:
            out[q].append(float(v[0, 0]))
    return {q: np.asarray(v) for q, v in out.items()}


def _at(words: Any, *chosen: str) -> tuple[list[str], list[int]]:
    """The words as strings, and where each chosen word first comes (or a clear error)."""
    words = [str(w) for w in words]
    for w in chosen:
        if w not in words:
            raise DataError(f"{w!r} is not one of the words {words}.")
    return words, [words.index(w) for w in chosen]


def _why(run: dict, words: list[str], w: str, gate: str, open: bool) -> str:
    """Why ``gate`` is (not) ``open`` at word ``w``: its pre-activation, then the sigmoid."""
    t = next((t for t, v in enumerate(words) if v == w and (run[gate][t] > 0.5) == open),
             words.index(w))
    z, v = float(run["z"][t][LSTM.keras_blocks.index(gate)]), run[gate][t]
    return (f"at *{words[t]}* the {gate} gate's pre-activation is W·x_t + U·h_{{t-1}} + b "
            f"= {z:+.2f}, so σ = {v:.3f}: {'open' if v > 0.5 else 'shut'}")


@_register(
    "01.open_words",
    "Predict where a gate opens",
    "Before you run the cell: at which words will the chosen gate (`gate`) be open (above "
    "one half; with side='shut', below one half)? Answer with a list of words.",
    ("gate", "words", "inputs", "weights"),
    kind=CONCEPT,
)
def _solve_open_words(*, gate: str, words: Any, inputs: Any, weights: Any,
                      side: str = "open") -> list[str]:
    if gate not in _GATES or side not in ("open", "shut"):
        raise DataError(f"gate must be one of {', '.join(_GATES)} and side 'open' or 'shut'; "
                        f"got {gate!r} and {side!r}.")
    words, values = _at(words)[0], run_words(weights, inputs)[gate]
    if len(values) != len(words):
        raise DataError(f"{len(words)} words for {len(values)} input rows: give one each.")
    hit = values > 0.5 if side == "open" else values <= 0.5
    return list(dict.fromkeys(w for w, h in zip(words, hit, strict=True) if h))


@_judge("01.open_words")
def _judge_open_words(answer: Any, right: list[str], *, gate: str, words: Any, inputs: Any,
                      weights: Any, side: str = "open") -> Result:
    id, words = "01.open_words", _at(words)[0]
    answer = [answer] if isinstance(answer, str) else answer
    if not isinstance(answer, (list, tuple, set)) or not all(isinstance(w, str) for w in answer):
        return _wrong(id, "answer with a list of words, e.g. ['Alice', 'and'].")
    for w in (w for w in answer if w not in words):
        return _wrong(id, f"{w!r} is not a word of the sentence (mind the capitals).")
    if set(answer) == set(right):
        return _ok(id, f"the {gate} gate is {side} at {', '.join(right) or 'no word'}.")
    run = run_words(weights, inputs)
    wrong = [w for w in dict.fromkeys(words) if (w in answer) != (w in right)]
    why = "; ".join(_why(run, words, w, gate, (w in right) == (side == "open"))
                    for w in wrong[:2])
    return _wrong(id, f"{why}. Each gate reads the word's features through its own column "
                      "of the kernel, plus its bias: which features reach this gate?")


@_register(
    "01.belt_sign",
    "Predict the belt",
    "Before you run the cell: after the word `word` (its first time), will the belt C_t be "
    "positive or negative? Answer +1 or -1.",
    ("word", "words", "inputs", "weights"),
    kind=CONCEPT,
)
def _solve_belt_sign(*, word: str, words: Any, inputs: Any, weights: Any) -> int:
    return int(np.sign(run_words(weights, inputs)["cell"][_at(words, word)[1][0]]))


@_judge("01.belt_sign")
def _judge_belt_sign(answer: Any, right: int, *, word: str, words: Any, inputs: Any,
                     weights: Any) -> Result:
    (words, (t,)), a, run = _at(words, word), _number(answer), run_words(weights, inputs)
    if a is None or a.size != 1 or abs(float(a.reshape(()))) != 1:
        return _wrong("01.belt_sign", "answer +1 (positive) or -1 (negative).")
    s = max((s for s in range(t + 1) if run["input"][s] > 0.5), default=None)
    wrote, since = run["input"] * run["candidate"], max(run["input"][(s or 0) + 1 : t + 1],
                                                        default=0.0)
    last = ("no word so far opened the input gate" if s is None else "the last word that "
            f"opened the input gate, *{words[s]}*, wrote {wrote[s]:+.3f}")
    if float(a.reshape(())) == right:
        return _ok("01.belt_sign", f"after *{word}* the belt is {run['cell'][t]:+.3f}: {last}, "
                                   "and the forget gate has kept most of it since.")
    return _wrong("01.belt_sign", f"{last}; every later word wrote through an input gate of "
                                  f"at most {since:.3f}.")


@_register(
    "01.guard_gate",
    "Which gate guards the subject?",
    "A name that is not the subject (`name`) proposes its gender as a candidate. Which gate "
    "must stay shut at that name so that it does not overwrite the subject's gender on the "
    "belt? Answer with a gate's name.",
    ("weights", "inputs", "words", "name"),
    kind=CONCEPT,
)
def _solve_guard_gate(*, weights: Any, inputs: Any, words: Any, name: str) -> str:
    return "input"  # the judge shows, by rerunning the cell, what each other gate would do


@_judge("01.guard_gate")
def _judge_guard_gate(answer: Any, right: str, *, weights: Any, inputs: Any, words: Any,
                      name: str) -> Result:
    id, (words, (t,)), run = "01.guard_gate", _at(words, name), run_words(weights, inputs)

    def belt_if(**gates: float) -> float:  # the belt after the name, with gates set there
        return float(run_words(weights, inputs, clamp={t: gates})["cell"][t])

    cand, i = run["candidate"][t], run["input"][t]
    gate = answer.strip().lower().removesuffix(" gate") if isinstance(answer, str) else ""
    if gate == right:
        return _ok(id, f"at *{name}* the candidate is {cand:+.3f}, but i_t = {i:.3f} writes "
                       f"only {i * cand:+.3f} of it, and the belt keeps {run['cell'][t]:+.3f}. "
                       f"Were the input gate open there (i = 1), the belt would hold "
                       f"{belt_if(input=1.0):+.3f}: the subject's gender overwritten.")
    if gate == "forget":
        return _wrong(id, f"the forget gate must stay *open* (near 1) at a name that is not "
                          f"the subject: shut (f = 0) at *{name}*, it would empty the belt, "
                          f"{run['cell'][t - 1] if t else 0.0:+.3f} before, "
                          f"{belt_if(forget=0.0):+.3f} after. Which gate decides how much of "
                          "the candidate is *written*?")
    if gate == "output":
        return _wrong(id, f"the output gate only decides what h_t shows; it cannot stop a "
                          f"write. With the input gate open at *{name}* and the output gate "
                          f"shut, the belt would still become "
                          f"{belt_if(input=1.0, output=0.0):+.3f}.")
    if gate == "candidate":
        return _wrong(id, f"the candidate is not a gate: it is what could be written (tanh, "
                          f"−1..1), and at *{name}* it is {cand:+.3f}, the name's gender. "
                          "Which gate scales it before it reaches the belt?")
    return _wrong(id, "answer with a gate's name: 'forget', 'input' or 'output'.")


@_register(
    "01.input_bias",
    "Design the input gate's bias",
    "Choose the input gate's bias b_i so that at a name that is not the subject (`others`) "
    "less than `leak` of the candidate is written (i_t < leak), while the subject's names "
    "(`subjects`) still open the gate (i_t > 1/2). Answer with one number.",
    ("weights", "inputs", "words", "subjects", "others"),
    kind=CONCEPT,
)
def _solve_input_bias(*, weights: Any, inputs: Any, words: Any, subjects: Any, others: Any,
                      leak: float = 0.01) -> float:
    lo, hi = _bias_range(weights, inputs, words, subjects, others, leak)
    if not lo < hi:
        raise DataError(f"no input-gate bias does it with these weights: it would have to be "
                        f"above {lo:.2f} and below {hi:.2f}.")
    return (lo + hi) / 2


def _bias_range(weights: Any, inputs: Any, words: Any, subjects: Any, others: Any,
                leak: float) -> tuple[float, float]:
    words, run = _at(words, *subjects, *others)[0], run_words(weights, inputs)
    rest = run["z"][:, 0] - (0.0 if weights.bias is None else weights.bias[0])  # z_i - b_i
    return (max(-rest[t] for t, w in enumerate(words) if w in subjects),
            min(_logit(leak) - rest[t] for t, w in enumerate(words) if w in others))


@_judge("01.input_bias")
def _judge_input_bias(answer: Any, right: float, *, weights: Any, inputs: Any, words: Any,
                      subjects: Any, others: Any, leak: float = 0.01) -> Result:
    id, words, a = "01.input_bias", _at(words)[0], _number(answer)
    if a is None or a.size != 1:
        return _wrong(id, "answer with one number, the input gate's bias b_i.")
    b, logit = float(a.reshape(())), _logit(leak)
    i = run_words(weights, inputs, bias={"input": b})["input"]
    other = max((i[t], w) for t, w in enumerate(words) if w in others)
    subject = min((i[t], w) for t, w in enumerate(words) if w in subjects)
    lo, hi = _bias_range(weights, inputs, words, subjects, others, leak)
    if other[0] < leak and subject[0] > 0.5:
        return _ok(id, f"with b_i = {b:g}, i_t is at most {other[0]:.4f} at a name that is "
                       f"not the subject, and at least {subject[0]:.3f} at the subject's "
                       f"names. Any bias between {lo:.2f} and {hi:.2f} does it.")
    if 0 < b < 1 and _close(a, leak, leak / 2):
        return _wrong(id, f"{b:g} is a gate *value*; the bias goes in before the sigmoid, "
                          f"i_t = σ(W_i·x_t + b_i). σ(z) < {leak:g} needs z < "
                          f"ln({leak:g}/(1 − {leak:g})) = {logit:.2f}.")
    if other[0] >= leak:
        return _wrong(id, f"with b_i = {b:g}, i_t at *{other[1]}* is {other[0]:.4f}: "
                          f"{other[0]:.1%} of its candidate is written. Lower the bias: "
                          f"σ(z) < {leak:g} needs z < {logit:.2f}.")
    return _wrong(id, f"with b_i = {b:g} the gate stays shut at the subject's name too: "
                      f"i_t at *{subject[1]}* is {subject[0]:.3f}. There the subject's features "
                      "add to the bias: keep W_i·x_t + b_i above 0 at a subject.")
