"""Tests of the exercises of tutorial 04, the instructor tour (lstm_explained.exercises.tour):
what training made against an untrained control, the clamp at the fall, the busiest window,
the adding model without its memory."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import lstm_explained.exercises as ex
from lstm_explained.engine import LSTMWeights, run_lstm
from lstm_explained.exercises.tour import clamp_effect, training_made
from lstm_explained.forecast import _Dense
from lstm_explained.lab import Stack, StackLayer
from lstm_explained.trace import LayerTrace, Trace


# -- 04.control -------------------------------------------------------------------------------
def _layer(hidden: np.ndarray, forget: float, x: np.ndarray) -> SimpleNamespace:
    return SimpleNamespace(hidden=hidden, forget=np.full(hidden.shape, forget), n_samples=len(x),
                           in_input_order=lambda q: x if q == "inputs" else hidden)


@pytest.fixture
def control_context():
    rng = np.random.default_rng(1)
    x = np.sin(np.arange(200.0) / 4).reshape(20, 10, 1)
    y = x[:, -1, 0]
    tracks = np.repeat(x, 3, axis=2)                       # every unit follows the value
    noise = rng.normal(size=tracks.shape)                  # no unit does
    return {"trace": _layer(tracks, 0.73, x), "control": _layer(noise, 0.73, x), "y": y,
            "predicted": y + 0.01, "control_predicted": y + 1.0}


def test_training_made_compares_each_claim_with_the_control(control_context):
    made = training_made(**control_context)
    assert made["a"][0] == pytest.approx(1.0) and made["a"][2]
    assert made["b"] == (pytest.approx(0.73), pytest.approx(0.73), False)
    assert made["c"][0] == pytest.approx(1e-4) and made["c"][1] == pytest.approx(1.0)
    assert made["c"][2]


@pytest.mark.parametrize("answer", ["ac", "ca", "a, c", "AC"])
def test_control_right_answers(control_context, answer):
    assert ex.solution("04.control", **control_context) == "ac"
    r = ex.check("04.control", answer, **control_context)
    assert r.correct and "Whatever the untrained copy shows too" in r.message


@pytest.mark.parametrize("answer, hint", [
    ("abc", "(b) shows in the untrained copy too"),
    ("c", "training did make (a)"),
    ("", "training did make (a)"),
    ("xyz", "answer with the letters"),
    (3, "answer with the letters"),
])
def test_control_wrong_answers_get_their_hint(control_context, answer, hint):
    r = ex.check("04.control", answer, **control_context)
    assert not r.correct and hint in r.message, r.message


def test_control_when_the_copy_tracks_the_value_too(control_context):
    """The tour's case: an untrained copy has value units too; only the forecast is made."""
    context = {**control_context, "control": control_context["trace"]}
    assert ex.solution("04.control", **context) == "c"
    assert "(a) shows in the untrained copy too" in ex.check("04.control", "ac", **context).message


# -- 04.clamp_fall ----------------------------------------------------------------------------
@pytest.fixture
def fall():
    w = LSTMWeights.random(features=1, units=4, seed=2, scale=0.8)
    stack = Stack([StackLayer("lstm_1", w)], _Dense(np.ones((4, 1)), np.zeros(1), "linear"))
    window = np.r_[np.linspace(0, 0.05, 19), -0.1].reshape(20, 1)  # a rise, then a fall
    return {"stack": stack, "window": window}


def test_clamp_fall_effect_is_the_replays(fall):
    x = fall["window"][None]
    base = fall["stack"].run(x, [])[0][0, 0]
    for gate in ("input", "forget", "output"):
        effect = clamp_effect(fall["stack"], fall["window"], gate)
        assert effect != 0
        assert clamp_effect(fall["stack"], x, gate, step=19) == pytest.approx(effect)
    # with the output gate at 0 at the last step, h_T = 0 and the forecast is the bias
    assert clamp_effect(fall["stack"], x, "output") == pytest.approx(-base)


def test_clamp_fall_right_answer(fall):
    gate, sign = ex.solution("04.clamp_fall", **fall)
    assert gate == "input" and sign == int(np.sign(clamp_effect(fall["stack"], fall["window"],
                                                                 "input")))
    for answer in [(gate, sign), ["candidate", sign], ("input", "+" if sign > 0 else "-")]:
        r = ex.check("04.clamp_fall", answer, **fall)
        assert r.correct and "not surgical" in r.message, r.message
    r = ex.check("04.clamp_fall", (gate, sign), p0=2000.0, **fall)
    assert "index points" in r.message and "points)" in r.message


@pytest.mark.parametrize("answer, hint", [
    (("forget", 1), "decides what is *written*"),
    (("output", -1), "hides the whole belt"),
    (("belt", 1), "is not a gate"),
    ("input", "answer with a pair"),
    (("input", 0), "answer with a pair"),
    (("input", "sideways"), "answer with a pair"),
])
def test_clamp_fall_wrong_answers_get_their_hint(fall, answer, hint):
    r = ex.check("04.clamp_fall", answer, **fall)
    assert not r.correct and hint in r.message, r.message


def test_clamp_fall_wrong_sign(fall):
    gate, sign = ex.solution("04.clamp_fall", **fall)
    r = ex.check("04.clamp_fall", (gate, -sign), **fall)
    assert not r.correct and "is the right clamp, but" in r.message


def test_clamp_fall_on_the_sp500_model(sp500_model, sp500_windows):
    """Tutorial 04's solution, ("input", +1), is right on its model at the largest fall."""
    w = sp500_windows
    closes = w.denormalise(w.y_test)
    day = int(np.argmin(closes[1:] / closes[:-1])) + 1
    context = {"stack": Stack.from_model(sp500_model), "window": w.x_test[day + 1]}
    assert ex.solution("04.clamp_fall", **context) == ("input", 1)


# -- 04.busiest_window ------------------------------------------------------------------------
@pytest.fixture
def windows_trace():
    x = np.tile(np.linspace(0, 0.1, 12), (5, 1))[..., None]
    x[3, -1, 0] = -0.9                           # window 3 ends far below its start
    x[1, -1, 0] = x[1, -2, 0] - 0.05             # window 1 ends with a (smaller) fall
    w = LSTMWeights.random(features=1, units=4, seed=5, scale=1.0)
    return Trace([LayerTrace("lstm_1", "lstm_1", inputs=x, arrays=run_lstm(x, w))])


def test_busiest_window(windows_trace):
    right = ex.solution("04.busiest_window", trace=windows_trace)
    books = windows_trace["lstm_1"].ledger()
    activity = (np.abs(books.written[:, -1]) + np.abs(books.forgotten[:, -1])).sum(axis=1)
    assert right == int(np.argmax(activity)) == 3
    r = ex.check("04.busiest_window", 3, trace=windows_trace, fall=1)
    assert r.correct and "not the size of that day's move" in r.message


@pytest.mark.parametrize("answer, hint", [
    (1, "ends with the fall"),
    (0, "another's is larger"),
    (5, "index from 0 to 4"),
    (2.5, "one whole number"),
])
def test_busiest_window_wrong_answers_get_their_hint(windows_trace, answer, hint):
    r = ex.check("04.busiest_window", answer, trace=windows_trace, layer="lstm_1", fall=1)
    assert not r.correct and hint in r.message, r.message


# -- 04.forget_zero ---------------------------------------------------------------------------
def _lab(outputs: np.ndarray, original: np.ndarray) -> SimpleNamespace:
    return SimpleNamespace(outputs=outputs[:, None], original_outputs=original[:, None])


@pytest.fixture
def sums():
    y = np.random.default_rng(3).uniform(0, 2, 300)
    return y, y + 0.01


@pytest.mark.parametrize("outputs, right", [
    (lambda y: np.full_like(y, y.mean()) + 0.05, "mean"),
    (lambda y: y + 0.01, "unchanged"),
    (lambda y: -3 * y, "worse"),
])
def test_forget_zero_solution(sums, outputs, right):
    y, original = sums
    lab = _lab(outputs(y), original)
    assert ex.solution("04.forget_zero", lab=lab, y=y) == right
    r = ex.check("04.forget_zero", right, lab=lab, y=y)
    assert r.correct and "always answering the average scores" in r.message


def test_forget_zero_wrong_answers_get_their_hint(sums):
    y, original = sums
    lab = _lab(np.full_like(y, y.mean()), original)
    r = ex.check("04.forget_zero", "unchanged", lab=lab, y=y)
    assert not r.correct and "empties it at every step" in r.message
    assert not ex.check("04.forget_zero", "worse", lab=lab, y=y)
    assert "answer with one of" in ex.check("04.forget_zero", "half", lab=lab, y=y).message
