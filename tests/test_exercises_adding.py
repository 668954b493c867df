"""Tests of tutorials 05 and 06's checked predictions (lstm_explained.exercises.adding):
the right answer passes, each named wrong answer gets its hint, and the helpers measure
what they say."""

from __future__ import annotations

import numpy as np
import pytest

import lstm_explained.exercises as ex
from lstm_explained.adding import adding_problem, marked_steps
from lstm_explained.engine import LSTMWeights
from lstm_explained.errors import DataError
from lstm_explained.exercises.adding import clamped_from, marked_gradient
from lstm_explained.lab import Stack, StackLayer


@pytest.fixture(scope="module")
def adding_lab():
    import lstm_explained as lx

    x, _ = lx.data.adding_problem(200, length=100, seed=1)
    return Stack.from_model(lx.model.load_pretrained("adding")), x


# -- 06.forget_clamp --------------------------------------------------------------------------
@pytest.mark.parametrize("answer, words", [
    ("neither", "Right: with f = 0 from step 50 on, the answer follows neither"),
    ("second", "not once: the second value is written at its mark, then wiped"),
    ("first", "the first value is on the belt before step 50"),
    ("sum", "both values are wiped"),
    ("both", "answer with one of 'sum', 'first', 'second', 'neither'"),
    (np.array(["sum"]), "answer with one of"),
])
def test_forget_clamp_reruns_the_lab(adding_lab, answer, words):
    stack, x = adding_lab
    r = ex.check("06.forget_clamp", answer, stack=stack, x=x, unit=13, step=50)
    assert words in r.message and r.correct == words.startswith("Right"), r.message


def test_forget_clamp_answer_depends_on_the_clamp(adding_lab):
    stack, x = adding_lab
    # f = 0 only at the last step: the other units still carry the sum a little
    last = clamped_from(stack, x, "forget", 13, 99)
    assert ex.solution("06.forget_clamp", stack=stack, x=x, unit=13, step=99) == "sum"
    assert last["first"] > 0.5 and last["second"] > 0.5
    r = ex.check("06.forget_clamp", "neither", stack=stack, x=x, unit=13, step=99)
    assert not r and "the rerun says otherwise" in r.message
    # what the answers follow is told apart: nothing written from the middle on keeps the first
    assert ex.adding._follows(clamped_from(stack, x, "input", 13, 50)) == "first"
    assert ex.adding._follows({"first": 0.1, "second": -0.9}) == "second"


def test_clamped_from_sets_the_gate_from_the_step_on():
    w = LSTMWeights.random(features=2, units=3, seed=1)
    stack = Stack([StackLayer("lstm", w)], head=lambda h: h[:, :1])  # unit 0's last h
    x, _ = adding_problem(40, length=20, seed=0)
    out = clamped_from(stack, x, "output", 0, 19)["outputs"]
    assert np.allclose(out, 0.0)  # o = 0 at the last step hides unit 0
    kept = clamped_from(stack, x, "output", 0, 19, value=1.0)["outputs"]
    assert not np.allclose(kept, 0.0)
    assert np.allclose(clamped_from(stack, x, "output", 1, 19)["outputs"],
                       stack.run(x)[0][:, 0])  # another unit: unit 0 unchanged


# -- 05.gradient_orders -----------------------------------------------------------------------
def _gradients(x: np.ndarray, per_step: float) -> np.ndarray:
    """|dy/dx_t| = per_step ** (steps to the end), on the value feature."""
    g = np.zeros_like(x)
    g[:, :, 0] = per_step ** np.arange(x.shape[1] - 1, -1, -1)
    return g


X, _ = adding_problem(400, length=100, seed=2)
LSTM_G, RNN_G = _gradients(X, 0.999), _gradients(X, 0.1 ** 0.2)  # 10 orders over 50 steps


def test_marked_gradient_reads_the_marks_at_that_distance():
    assert marked_gradient(LSTM_G, X, 50, window=0) == pytest.approx(0.999 ** 50)
    g = LSTM_G.copy()
    rows = np.arange(len(X))
    g[rows, marked_steps(X)[:, 0], 0] = 7.0  # step 49, 50 steps back: only first marks
    assert marked_gradient(g, X, 50, window=0) == pytest.approx(7.0)
    assert marked_gradient(g, X, 49, window=0) == pytest.approx(0.999 ** 49)  # second marks
    with pytest.raises(DataError, match="do not match the inputs"):
        marked_gradient(LSTM_G[:, :50], X, 20)
    with pytest.raises(DataError, match="no mark lies 150"):
        marked_gradient(LSTM_G, X, 150)


@pytest.mark.parametrize("answer, words", [
    (("LSTM", 10), "Right: |dy/dx| 50 steps back"),
    (("LSTM", 10.8), "Right"),
    (["LSTM", 9], "Right"),
    (("LSTM", 2), "right model, but 10 orders of magnitude, not 2"),
    (("SimpleRNN", 10), "the other way round"),
    (("GRU", 10), "answer with a pair (model, n)"),
    ("LSTM", "answer with a pair (model, n)"),
    (("LSTM", "many"), "answer with a pair (model, n)"),
])
def test_gradient_orders(answer, words):
    r = ex.check("05.gradient_orders", answer, lstm=LSTM_G, rnn=RNN_G, x=X, distance=50)
    assert words in r.message and r.correct == words.startswith("Right"), r.message


def test_gradient_orders_the_other_way_round():
    model, orders = ex.solution("05.gradient_orders", lstm=RNN_G, rnn=LSTM_G, x=X, window=0)
    assert model == "SimpleRNN" and orders == pytest.approx(10 - 50 * np.log10(1 / 0.999))
    assert ex.check("05.gradient_orders", ("SimpleRNN", 10), lstm=RNN_G, rnn=LSTM_G, x=X)


def test_the_new_exercises_are_registered_in_order():
    ids = ex.exercises()
    assert ids.index("05.gradient_orders") > ids.index("05.forget_half")
    assert all("check needs" in ex.question(i) for i in ("05.gradient_orders",
                                                         "06.forget_clamp"))
