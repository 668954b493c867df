"""Tests for lstm_explained.baselines: the linear autoregression beside persistence.

The AR is checked against what it must do, not against its own code: it recovers the
coefficients of a noiseless AR(p) series, continues a sine wave to rounding error (a sine
is an exact AR(2)), feeds its predictions back exactly like the seed's loop, and on the
S&P 500 scores about what persistence scores, far below the LSTM (issue 13).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lstm_explained as lx
from lstm_explained.baselines import LinearAR, linear_ar
from lstm_explained.errors import DataError


def ar_series(coef: np.ndarray, intercept: float, start: np.ndarray, n: int) -> np.ndarray:
    """``n`` values of the noiseless AR(p) ``v[t] = coef @ v[t-p:t] + intercept``."""
    v = list(start)
    for _ in range(n - len(start)):
        v.append(float(np.dot(coef, v[-len(coef) :]) + intercept))
    return np.asarray(v)


@st.composite
def stable_ar(draw):
    """A stable AR(p): its characteristic roots drawn inside the unit circle."""
    p = draw(st.integers(1, 5))
    # |root| >= 0.3 and roots apart: every mode lasts long enough to be seen in the windows
    roots = sorted(draw(st.sampled_from([-1, 1])) * draw(st.floats(0.3, 0.95)) for _ in range(p))
    if np.any(np.diff(roots) < 0.1):
        roots = [0.9, -0.7, 0.5, -0.4, 0.3][:p]
    poly = np.poly(roots)  # z^p + a1 z^(p-1) + ... : v[t] = -a1 v[t-1] - ... - ap v[t-p]
    coef = -poly[1:][::-1]  # oldest lag first
    intercept = draw(st.floats(-1.0, 1.0))
    fixed_point = intercept / (1.0 - coef.sum())
    kick = [1.0 + k * k + draw(st.floats(0.0, 1.0)) for k in range(p)]  # off the fixed point
    return coef, intercept, fixed_point + np.asarray(kick)


@given(stable_ar(), st.integers(0, 3))
def test_property_a_noiseless_ar_recovers_its_coefficients(case, extra):
    coef, intercept, start = case
    p = len(coef)
    v = ar_series(coef, intercept, start, 80)
    w = lx.data.make_windows(v, seq_len=p + extra, train_fraction=0.9)
    ar = linear_ar(w.x_train, w.y_train, order=p)
    assert ar.order == p and ar.coef.shape == (p,)
    np.testing.assert_allclose(ar.coef, coef, atol=1e-6)
    assert ar.intercept == pytest.approx(intercept, abs=1e-6)
    np.testing.assert_allclose(ar.predict(w.x_test), w.y_test, atol=1e-8)


@pytest.fixture(scope="module")
def sine():
    w = lx.data.make_windows(lx.data.sine_wave(), 50)
    return w, linear_ar(w.x_train, w.y_train, order=2)


def test_two_coefficients_continue_the_sine_one_step_and_fed_back(sine):
    w, ar = sine
    # sin(a + h) = 2 cos(h) sin(a) - sin(a - h), h = 2 pi / 100
    np.testing.assert_allclose(ar.coef, [-1.0, 2 * np.cos(2 * np.pi / 100)], atol=1e-9)
    point = lx.forecast.point_by_point(ar, w.x_test)
    multi = lx.forecast.multi_sequence(ar, w.x_test, prediction_len=50)
    full = lx.forecast.full_sequence(ar, w.x_test)
    assert point.shape == (495,) and multi.shape == (9, 50) and full.shape == (495,)
    assert np.mean((point - w.y_test) ** 2) < 1e-20
    assert np.mean((multi.reshape(-1) - w.y_test[: multi.size]) ** 2) < 1e-20
    assert np.mean((full - w.y_test) ** 2) < 1e-20


def seed_loop(ar: LinearAR, x: np.ndarray, steps: int) -> np.ndarray:
    """The seed's feedback loop (shift the window, append the prediction), one at a time."""
    out = []
    for frame in x:
        frame, run = frame.copy(), []
        for _ in range(steps):
            run.append(float(ar.predict(frame[None])[0]))
            frame = np.insert(frame[1:], [len(frame) - 1], run[-1], axis=0)
        out.append(run)
    return np.asarray(out)


def test_fed_back_runs_are_the_seeds_loop():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 8, 1))
    ar = LinearAR(3, np.array([0.2, -0.3, 0.9]), 0.1)
    np.testing.assert_allclose(
        lx.forecast.multi_sequence(ar, x, 20), seed_loop(ar, x[::20], 20), atol=1e-12
    )
    np.testing.assert_allclose(lx.forecast.full_sequence(ar, x), seed_loop(ar, x[:1], 120)[0],
                               atol=1e-12)
    np.testing.assert_allclose(lx.forecast.rollout(ar, x[:2], 5), seed_loop(ar, x[:2], 5))


def test_order_none_reads_the_whole_window_and_y_may_be_a_column(sine):
    w, _ = sine
    ar = linear_ar(w.x_train[:200], w.y_train[:200, None])
    assert ar.order == 50 and ar.coef.shape == (50,) and isinstance(ar.intercept, float)
    with pytest.raises(AttributeError):  # frozen
        ar.order = 3  # type: ignore[misc]


def rmse(a, b) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


def test_sp500_ar_scores_like_persistence_and_well_below_the_lstm(sp500_model, sp500_windows):
    """Issue 13's figures in prices, recomputed: AR ~ persistence << LSTM point-by-point."""
    w, L = sp500_windows, 50
    ar = linear_ar(w.x_train, w.y_train, order=50)
    x, true = w.x_test, w.denormalise(w.y_test)
    point = {
        "ar": lx.forecast.point_by_point(ar, x),
        "persistence": lx.forecast.persistence(x),
        "lstm": lx.forecast.point_by_point(sp500_model, x),
    }
    score = {k: rmse(w.denormalise(v), true) for k, v in point.items()}
    assert abs(score["ar"] - score["persistence"]) < 0.1 * score["persistence"], score
    assert score["lstm"] > 1.5 * max(score["ar"], score["persistence"]), score
    runs = {
        "ar": lx.forecast.multi_sequence(ar, x, L),
        "persistence": lx.forecast.persistence(x, L),
        "lstm": lx.forecast.multi_sequence(sp500_model, x, L),
    }
    n = runs["ar"].size
    starts = np.repeat(np.arange(0, n, L), L)
    multi = {k: rmse(w.denormalise(v.reshape(-1), window=starts), true[:n])
             for k, v in runs.items()}
    assert multi["ar"] < multi["persistence"] < multi["lstm"], multi  # fed back, AR leads


X, Y = np.zeros((10, 5, 1)), np.zeros(10)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((X, Y, 0), r"order must be between 1 and the window length 5, not 0"),
        ((X, Y, 6), r"between 1 and the window length 5, not 6"),
        ((X, Y, 2.0), r"order must be a whole number of lags \(1 \.\. 5\)"),
        ((X, Y, True), r"whole number of lags"),
        ((X[:3], Y[:3], None), r"order 5 has 6 unknowns .* at least 6 training windows; got 3"),
        ((np.zeros((10, 5, 2)), Y, 1), r"windows of one feature shaped \(N, T, 1\)"),
        ((np.zeros((10, 0, 1)), Y, 1), r"got shape \(10, 0, 1\)"),
        ((Y, Y, 1), r"got shape \(10,\)"),
        ((X, Y[:9], 1), r"one next value per window, shape \(10,\)"),
        ((X, np.zeros((10, 2)), 1), r"got shape \(10, 2\)"),
        (([[1, 2], [3]], np.zeros(2), 1), r"x_train must be windows of numbers"),
        ((X, ["a"] * 10, 1), r"y_train must be numbers"),
        ((X + np.inf, Y, 1), r"x_train holds inf at index \(0, 0, 0\)"),
        ((X, np.r_[Y[:9], np.nan], 1), r"y_train holds nan at index \(9,\)"),
    ],
)
def test_bad_inputs_get_one_clear_error(args, match):
    with pytest.raises(DataError, match=match):
        linear_ar(*args)


def test_bad_windows_to_predict_and_rollout():
    ar = LinearAR(4, np.ones(4), 0.0)
    with pytest.raises(DataError, match=r"last 4 values .* only 3 timesteps"):
        ar.predict(np.zeros((2, 3, 1)))
    with pytest.raises(DataError, match=r"last 4 values .* only 3 timesteps"):
        lx.forecast.multi_sequence(ar, np.zeros((5, 3, 1)), 5)
    with pytest.raises(DataError, match=r"steps must be a whole number >= 1, not 0"):
        ar.rollout(np.zeros((2, 4, 1)), 0)
    with pytest.raises(DataError, match=r"window 1 of x holds NaN"):
        lx.forecast.point_by_point(ar, np.r_[np.zeros((1, 4, 1)), np.full((1, 4, 1), np.nan)])


def test_fitting_and_forecasting_never_import_tensorflow():
    code = (
        "import sys, lstm_explained as lx\n"
        "w = lx.data.make_windows(lx.data.sine_wave(), 50)\n"
        "ar = lx.forecast.linear_ar(w.x_train, w.y_train)\n"
        "lx.forecast.point_by_point(ar, w.x_test); lx.forecast.multi_sequence(ar, w.x_test)\n"
        "lx.forecast.full_sequence(ar, w.x_test)\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'jax', 'torch') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
