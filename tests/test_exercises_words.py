"""Tests of tutorial 01's checked predictions and design questions
(lstm_explained.exercises.words): the right answer passes, each named wrong answer gets its
hint, and every check runs the cell itself."""

from __future__ import annotations

import numpy as np
import pytest

import lstm_explained.exercises as ex
from lstm_explained.cell import lstm_step
from lstm_explained.engine import LSTMWeights
from lstm_explained.errors import DataError
from lstm_explained.exercises.words import run_words

WORDS = ["Alice", "met", "Tom", "and", "she", "smiled", ".", "Then", "Bob", "called",
         "Carol", "and", "he", "laughed"]
NAMES = {"Alice": 1.0, "Tom": -1.0, "Bob": -1.0, "Carol": 1.0}
SUBJECTS, OTHERS = ["Alice", "Bob"], ["Tom", "Carol"]
X = np.array([[float(w in SUBJECTS), NAMES.get(w, 0.0), float(w in ("she", "he"))]
              for w in WORDS])


def _weights(k: float = 4.0) -> LSTMWeights:
    kernel = np.array([[2 * k, -2 * k, 0, 0], [0, 0, 2, 0], [0, 0, 0, 2 * k]])
    return LSTMWeights(kernel, np.zeros((1, 4)), np.array([-k, k, 0, -k]))


CTX = dict(words=WORDS, inputs=X, weights=_weights())


def test_run_words_is_the_cell_and_clamps_before_the_gate_acts():
    w = LSTMWeights.random(features=3, units=1, seed=2, scale=1.0)
    run = run_words(w, X)
    h = c = np.zeros((1, 1))
    for t in range(len(X)):
        f, i, ct, o, c, h = lstm_step(X[None, t], h, c, w)
        assert np.allclose([run["forget"][t], run["input"][t], run["candidate"][t],
                            run["output"][t], run["cell"][t], run["hidden"][t]],
                           [f.item(), i.item(), ct.item(), o.item(), c.item(), h.item()])
    assert np.allclose(1 / (1 + np.exp(-run["z"][:, 1])), run["forget"])  # z in i, f, c, o
    t = WORDS.index("Tom")
    shut = run_words(w, X, clamp={t: {"forget": 0.0, "input": 0.0}})
    assert shut["cell"][t] == 0.0 and shut["forget"][t] == 0.0
    assert np.allclose(shut["cell"][:t], run["cell"][:t])
    biased = run_words(w, X, bias={"input": -50.0})
    assert np.all(biased["input"] < 1e-10) and biased["forget"][0] == run["forget"][0]
    assert np.all(np.abs(biased["cell"]) < 1e-12)  # nothing written, ever
    with pytest.raises(DataError, match="inputs must be"):
        run_words(w, X[:, :2])


@pytest.mark.parametrize("gate, side, right", [
    ("input", "open", ["Alice", "Bob"]),
    ("output", "open", ["she", "he"]),
    ("forget", "shut", ["Alice", "Bob"]),
])
def test_open_words_right_answers(gate, side, right):
    assert ex.solution("01.open_words", gate=gate, side=side, **CTX) == right
    assert ex.check("01.open_words", right[::-1], gate=gate, side=side, **CTX)


@pytest.mark.parametrize("gate, answer, words", [
    ("input", ["Alice", "Bob", "Tom", "Carol"], "at *Tom* the input gate's pre-activation"),
    ("input", ["Alice"], "at *Bob* the input gate's pre-activation is W·x_t + U·h_{t-1} + b"
                         " = +4.00, so σ = 0.982: open"),
    ("output", ["and"], "at *and* the output gate"),  # the look-ahead mistake
    ("output", ["She"], "not a word of the sentence"),
    ("output", 3, "a list of words"),
])
def test_open_words_wrong_answers_say_why(gate, answer, words):
    r = ex.check("01.open_words", answer, gate=gate, **CTX)
    assert not r.correct and words in r.message, r.message


def test_open_words_refuses_a_bad_context():
    with pytest.raises(DataError, match="gate must be one of"):
        ex.check("01.open_words", ["x"], gate="candidate", **CTX)
    with pytest.raises(DataError, match="side 'open' or 'shut'"):
        ex.check("01.open_words", ["x"], gate="input", side="half", **CTX)
    with pytest.raises(DataError, match="13 words for 14 input rows"):
        ex.check("01.open_words", ["x"], gate="input", inputs=X, weights=_weights(),
                 words=WORDS[:-1])


@pytest.mark.parametrize("answer, words", [
    ("input", "Right: at *Tom* the candidate is -0.964, but i_t = 0.018"),
    ("Input gate", "Right"),
    ("i_t", "answer with a gate's name"),
    ("forget", "must stay *open*"),
    ("output", "cannot stop a write"),
    ("candidate", "the candidate is not a gate"),
    ("hidden", "answer with a gate's name"),
    (1, "answer with a gate's name"),
])
def test_guard_gate(answer, words):
    r = ex.check("01.guard_gate", answer, name="Tom", **CTX)
    assert words in r.message and r.correct == words.startswith("Right"), r.message


def test_guard_gate_computes_what_it_says():
    t = WORDS.index("Tom")
    opened = run_words(_weights(), X, clamp={t: {"input": 1.0}})["cell"][t]
    assert opened < 0 < run_words(_weights(), X)["cell"][t]  # Alice's sign lost
    r = ex.check("01.guard_gate", "input", name="Tom", **CTX)
    assert f"{opened:+.3f}: the subject's gender overwritten" in r.message
    forgot = run_words(_weights(), X, clamp={t: {"forget": 0.0}})["cell"][t]
    assert f"{forgot:+.3f} after" in ex.check("01.guard_gate", "forget", name="Tom", **CTX).message
    with pytest.raises(DataError, match="'Eve' is not one of the words"):
        ex.check("01.guard_gate", "input", name="Eve", **CTX)


@pytest.mark.parametrize("word, right", [("Alice", 1), ("Tom", 1), ("Bob", -1),
                                         ("Carol", -1), ("laughed", -1)])
def test_belt_sign_right_answers(word, right):
    assert ex.solution("01.belt_sign", word=word, **CTX) == right
    r = ex.check("01.belt_sign", right, word=word, **CTX)
    assert r.correct and f"after *{word}* the belt is" in r.message, r.message


@pytest.mark.parametrize("word, answer, words", [
    ("Tom", -1, "the last word that opened the input gate, *Alice*, wrote +0.947; every later "
                "word wrote through an input gate of at most 0.018"),
    ("Carol", 1.0, "*Bob*, wrote -0.947"),
    ("Tom", 0, "answer +1 (positive) or -1 (negative)"),
    ("Tom", "plus", "answer +1"),
])
def test_belt_sign_wrong_answers(word, answer, words):
    r = ex.check("01.belt_sign", answer, word=word, **CTX)
    assert not r.correct and words in r.message, r.message


def test_belt_sign_before_any_write_and_unknown_words():
    quiet = LSTMWeights(_weights().kernel, np.zeros((1, 4)), np.array([-50.0, 4, 0, -4]))
    r = ex.check("01.belt_sign", -1, word="Tom", words=WORDS, inputs=X, weights=quiet)
    assert "no word so far opened the input gate" in r.message, r.message
    with pytest.raises(DataError, match="'Eve' is not one of the words"):
        ex.check("01.belt_sign", 1, word="Eve", **CTX)


BIAS = dict(subjects=SUBJECTS, others=OTHERS, **CTX)


def test_input_bias_right_answers_and_the_range():
    lo, hi = -8.0, np.log(0.01 / 0.99)  # kernel[0, 0] + b > 0; sigma(b) < 0.01
    assert ex.solution("01.input_bias", **BIAS) == pytest.approx((lo + hi) / 2)
    for b in (lo + 0.01, -6.0, hi - 0.01):
        r = ex.check("01.input_bias", b, **BIAS)
        assert r.correct and f"between {lo:.2f} and {hi:.2f}" in r.message, r.message
    assert not ex.check("01.input_bias", hi + 0.01, **BIAS)
    assert not ex.check("01.input_bias", lo - 0.01, **BIAS)
    # a stricter leak moves the upper end
    assert ex.check("01.input_bias", -7.0, leak=0.001, **BIAS)
    assert not ex.check("01.input_bias", -6.0, leak=0.001, **BIAS)


@pytest.mark.parametrize("answer, words", [
    (-4.0, "i_t at *Tom* is 0.0180: 1.8% of its candidate is written"),
    (-9.0, "stays shut at the subject's name too: i_t at *Alice*"),
    (0.01, "is a gate *value*"),
    ("low", "one number"),
    ([1.0, 2.0], "one number"),
])
def test_input_bias_wrong_answers(answer, words):
    r = ex.check("01.input_bias", answer, **BIAS)
    assert not r.correct and words in r.message, r.message


def test_input_bias_impossible_design_is_a_clear_error():
    weak = _weights(k=1.0)  # kernel[0, 0] = 2: no bias is below -4.6 and above -2
    with pytest.raises(DataError, match="no input-gate bias does it"):
        ex.solution("01.input_bias", **{**BIAS, "weights": weak})
