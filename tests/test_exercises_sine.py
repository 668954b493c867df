"""The checked predictions and the design choice of tutorial 02: right answers pass, each
named wrong answer gets its hint, ``None`` / ``...`` are unanswered."""

from __future__ import annotations

import numpy as np
import pytest

import lstm_explained.exercises as ex
from lstm_explained.engine import LSTMWeights, run_lstm
from lstm_explained.errors import DataError
from lstm_explained.kinds import LSTM
from lstm_explained.trace import LayerTrace, Trace
from lstm_explained.weight_change import BLOCKS, WeightChange


def _windows(n: int = 150, t: int = 20, periods=(25.0,)) -> tuple[np.ndarray, np.ndarray]:
    k = np.arange(n)[:, None] + np.arange(t + 1)[None, :]
    series = sum(np.sin(2 * np.pi * k / p + p) for p in periods)
    return series[:, :t, None], series[:, t]


def _lt(x: np.ndarray, hidden: np.ndarray) -> LayerTrace:
    h = hidden
    return LayerTrace(name="lstm_1", layer_name="lstm_1", forget=h, input=h, candidate=h,
                      output=h, cell=h, hidden=h, inputs=x)


@pytest.mark.parametrize("exercise, context", [
    ("02.untrained_units", {"untrained": _lt(_windows()[0], _windows()[0])}),
    ("02.ar_order", dict(zip(("x", "y"), _windows(), strict=True))),
    ("02.most_moved", {"change": None}),
])
@pytest.mark.parametrize("answer", [None, ...])
def test_unanswered(exercise, context, answer):
    r = ex.check(exercise, answer, **context)
    assert r.status == ex.UNANSWERED and "no answer yet" in r.message


# -- 02.untrained_units -------------------------------------------------------------------
def test_an_untrained_lstm_on_a_sine_tracks_its_value():
    x, _ = _windows()
    run = run_lstm(x, LSTMWeights.random(features=1, units=8, seed=1))
    trace = Trace([LayerTrace(name="lstm_1", layer_name="lstm_1", inputs=x, arrays=run)])
    assert ex.solution("02.untrained_units", untrained=trace) is True
    for yes in (True, np.bool_(True), "yes", " Yes "):
        r = ex.check("02.untrained_units", yes, untrained=trace, trained=trace)
        assert r and "no evidence of learning" in r.message and "trained model:" in r.message
    r = ex.check("02.untrained_units", False, untrained=trace)
    assert not r and "Untrained units are not noise" in r.message
    assert "answer True" in ex.check("02.untrained_units", 0.9, untrained=trace).message


def test_units_that_do_not_track_make_false_right():
    x, _ = _windows()
    noise = np.random.default_rng(0).normal(size=(len(x), x.shape[1], 3))
    lt = _lt(x, noise)
    assert ex.solution("02.untrained_units", untrained=lt) is False
    assert ex.check("02.untrained_units", "no", untrained=lt)
    r = ex.check("02.untrained_units", True, untrained=lt)
    assert not r and "these do not" in r.message
    # the threshold is the context's: a noise unit passes |r| > -1
    assert ex.solution("02.untrained_units", untrained=lt, threshold=-1.0) is True


# -- 02.ar_order ------------------------------------------------------------------------------
def test_a_sine_needs_order_two():
    x, y = _windows()
    assert ex.solution("02.ar_order", x=x, y=y) == 2
    r = ex.check("02.ar_order", 2, x=x, y=y)
    assert r and "2cos(ω)" in r.message
    assert ex.check("02.ar_order", np.int64(2), x=x, y=y) and ex.check("02.ar_order", 2.0, x=x,
                                                                        y=y)
    hints = {1: "One value cannot say whether the wave is rising or falling",
             0: "order 0 predicts a constant", 3: "not the smallest", 20: "not the smallest",
             21: "from 0 to the window length", -1: "from 0 to the window length",
             1.5: "one whole number", "two": "one whole number"}
    for answer, hint in hints.items():
        r = ex.check("02.ar_order", answer, x=x, y=y)
        assert not r and hint in r.message, (answer, r)
    assert "one whole number" in ex.check("02.ar_order", True, x=x, y=y).message


def test_two_sines_need_order_four_and_noise_has_no_exact_order():
    x, y = _windows(periods=(25.0, 7.0))
    assert ex.solution("02.ar_order", x=x, y=y) == 4
    assert not ex.check("02.ar_order", 2, x=x, y=y)
    decay = 0.9 ** (np.arange(40)[:, None] + np.arange(9)[None, :])  # x_{t+1} = 0.9 x_t
    assert ex.solution("02.ar_order", x=decay[:, :8, None], y=decay[:, 8]) == 1
    rng = np.random.default_rng(1)
    with pytest.raises(DataError, match="not a sum of a few sines"):
        ex.solution("02.ar_order", x=rng.normal(size=(60, 8, 1)), y=rng.normal(size=60))
    with pytest.raises(DataError, match=r"x must be \(N, T, 1\) windows"):
        ex.check("02.ar_order", 2, x=x[..., 0], y=y)


# -- 02.most_moved -------------------------------------------------------------------------
def _change() -> WeightChange:
    distance = np.zeros((2, 3, 4))
    norm = np.ones((2, 3, 4))
    #                            input forget candidate output (Keras' order)
    distance[0, 1] = np.array([0.02, 0.30, 0.10, 0.01])  # relative: forget moved most
    norm[0, 1] = np.array([1.0, 1.0, 10.0, 1.0])  # candidate: furthest in absolute terms
    distance[0, 1, 2] = 2.0
    distance[1, 0] = np.array([0.5, 0.1, 0.1, 0.1])
    return WeightChange(("lstm_1", "lstm_2"), LSTM.keras_blocks, BLOCKS, distance, norm)


def test_the_gate_that_moved_most_relative_to_its_start():
    c = _change()
    assert ex.solution("02.most_moved", change=c) == "forget"
    r = ex.check("02.most_moved", "forget", change=c)
    assert r and "forget 0.300" in r.message
    assert ex.check("02.most_moved", "input", change=c, layer="lstm_2", block="kernel")
    hints = {
        "input": "Keras' weight blocks are in the order input, forget",  # f, i, c, o slicing
        "candidate": "furthest in absolute terms",
        "output": "another gate moved more",
        "f": "answer with a gate's name",
        1: "answer with a gate's name",
    }
    for answer, hint in hints.items():
        r = ex.check("02.most_moved", answer, change=c)
        assert not r and hint in r.message, (answer, r)
