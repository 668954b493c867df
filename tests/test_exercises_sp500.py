"""Tests of the conceptual exercises of tutorial 03 (lstm_explained.exercises.sp500): the lag
predicted from the forget gate, and a forget bias that remembers."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import lstm_explained.exercises as ex
from lstm_explained.errors import DataError


def _constant_forget(f: float) -> SimpleNamespace:
    """A layer trace whose forget gate is f at every window, step and unit."""
    forget = np.full((4, 10, 3), f)
    return SimpleNamespace(hidden=forget, forget=forget, mask=None)


def _lagged(lag: int, n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(predicted, true): a random walk and a forecast that repeats it ``lag`` steps late."""
    true = np.random.default_rng(seed).normal(size=n).cumsum()
    return np.r_[np.full(lag, true[0]), true[:-lag]], true


@pytest.fixture
def lag_context():
    predicted, true = _lagged(3)  # measured lag 3
    return {"trace": _constant_forget(0.75), "predicted": predicted, "true": true}  # tau 4


def test_lag_from_forget_solution_is_the_rounded_time_constant(lag_context):
    assert ex.solution("03.lag_from_forget", **lag_context) == 4
    assert ex.solution("03.lag_from_forget", **{**lag_context,
                                                "trace": _constant_forget(0.9)}) == 10


@pytest.mark.parametrize("answer", [4, 3.7, 4.4, 3, 2, 2.0])
def test_lag_from_forget_accepts_the_time_constant_or_the_measured_lag(lag_context, answer):
    r = ex.check("03.lag_from_forget", answer, **lag_context)
    assert r.correct, r.message
    assert "1/(1 − f̄) = 4.0 days" in r.message and "best 3 day(s) later" in r.message
    assert "within the belt's memory" in r.message


def test_lag_from_forget_says_when_the_measured_lag_is_not_a_leaky_averages():
    predicted, true = _lagged(8)
    r = ex.check("03.lag_from_forget", 4, trace=_constant_forget(0.75), predicted=predicted,
                 true=true)
    assert r.correct and "more than a leaky average's" in r.message


@pytest.mark.parametrize("answer, hint", [
    (1, "persistence's echo"),
    (4 / 3, "not 1/f̄"),             # 1/f instead of 1/(1 - f)
    (0, "lag of 0"),
    (50, "does not hold all of it"),  # the window's length
    (7, "time constant of a leaky average is 1/(1 − f̄)"),
    (-2, "negative lag"),
    ("four", "one number of days"),
    ([3, 4], "one number of days"),
])
def test_lag_from_forget_wrong_answers_get_their_hint(lag_context, answer, hint):
    r = ex.check("03.lag_from_forget", answer, **lag_context)
    assert not r.correct and hint in r.message, r.message


def test_lag_from_forget_reads_the_layer_asked_for(lag_context):
    trace = {"lstm_1": _constant_forget(0.5), "lstm_2": _constant_forget(0.75)}
    context = {**lag_context, "trace": trace}
    assert ex.solution("03.lag_from_forget", **context) == 2
    assert ex.solution("03.lag_from_forget", layer="lstm_2", **context) == 4


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def test_forget_bias_solution_keeps_the_fraction():
    b = ex.solution("03.forget_bias", keep=0.9, steps=20)
    f = 1 / (1 + np.exp(-b))
    assert f ** 20 == pytest.approx(0.9)
    r = ex.check("03.forget_bias", b, keep=0.9, steps=20, model_bias=1.0)
    assert r.correct and "b = ln(f/(1 − f)) = 5.24" in r.message
    assert "keeps 1.9e-03 of the belt after 20 steps" in r.message  # sigma(1)^20


def test_forget_bias_accepts_the_linear_approximation():
    assert ex.check("03.forget_bias", _logit(1 - 0.1 / 20), keep=0.9, steps=20)


@pytest.mark.parametrize("answer, hint", [
    (0.9 ** (1 / 20), "the forget gate's value f"),
    (_logit(0.9), "keeps 0.9 for one step"),
    (1.0, "where Keras starts a forget gate"),
    (3.0, "f^20 = 0.378 of the belt survives"),
    ("big", "one number"),
])
def test_forget_bias_wrong_answers_get_their_hint(answer, hint):
    r = ex.check("03.forget_bias", answer, keep=0.9, steps=20)
    assert not r.correct and hint in r.message, r.message


def test_forget_bias_refuses_an_impossible_design():
    with pytest.raises(DataError, match="keep must lie between 0 and 1"):
        ex.solution("03.forget_bias", keep=1.5, steps=20)
