"""Tests for lstm_explained.forecast: batched forecasts equal the seed's loops."""

from __future__ import annotations

import numpy as np
import pytest

import lstm_explained as lx
from lstm_explained.errors import DataError
from lstm_explained.forecast import (
    _rollout_keras,
    full_sequence,
    multi_sequence,
    numpy_stack,
    persistence,
    point_by_point,
    rollout,
    seed_multi_sequence,
)


class PerBatch:
    """``model`` whose ``predict`` is its ``predict_on_batch``, for the seed's loops below.

    Both run the model's one compiled predict function on the same batch, so they give
    the same numbers (:func:`test_predict_on_batch_is_predict_on_one_frame`); ``predict``
    adds about 0.1 s of data pipeline to every call, which the seed's loops make 125 times.
    """

    def __init__(self, model):
        self.model, self.inputs = model, model.inputs

    def predict(self, x, verbose=0):
        return self.model.predict_on_batch(x)


def seed_full_sequence(model, data, steps):
    """The seed's predict_sequence_full, one predict per point (reference)."""
    frame = data[0].astype(np.float32)
    out = []
    for _ in range(steps):
        out.append(float(model.predict(frame[np.newaxis], verbose=0)[0, 0]))
        frame = np.insert(frame[1:], [data.shape[1] - 1], out[-1], axis=0)
    return np.array(out)


@pytest.mark.parametrize("name", ["sine", "sp500"])
def test_predict_on_batch_is_predict_on_one_frame(name, request):
    model = request.getfixturevalue(f"{name}_model")
    frames = np.random.default_rng(0).normal(size=(3, 1, 50, 1)).astype(np.float32) * 0.3
    for frame in frames:
        assert np.array_equal(model.predict(frame, verbose=0), PerBatch(model).predict(frame))


def test_multi_sequence_equals_the_seeds_loop(sp500_model, sp500_windows):
    x = sp500_windows.x_test
    fast = multi_sequence(sp500_model, x, prediction_len=50)
    assert fast.shape == (412 // 50, 50)
    # the first two runs
    ref = seed_multi_sequence(PerBatch(sp500_model), x[:100], prediction_len=50)
    np.testing.assert_allclose(fast[:2], ref, rtol=0, atol=1e-5)


def test_full_sequence_equals_the_seeds_loop(sine_model):
    w = lx.data.make_windows(lx.data.sine_wave(), 50)
    full = full_sequence(sine_model, w.x_test[:60])
    assert full.shape == (60,)
    ref = seed_full_sequence(PerBatch(sine_model), w.x_test, 25)
    np.testing.assert_allclose(full[:25], ref, atol=1e-5)


def test_point_by_point_is_predict(sp500_model, sp500_windows):
    x = sp500_windows.x_test
    pred = point_by_point(sp500_model, x)
    ref = sp500_model.predict(x.astype("float32"), verbose=0)[:, 0]
    assert pred.shape == (412,)
    np.testing.assert_allclose(pred, ref, atol=1e-6)


def _seq_model(k, units, act="tanh", rec="sigmoid", dense_act="linear", use_bias=True):
    layers = [k.Input((None, 1))]
    for n, u in enumerate(units):
        layers.append(
            k.layers.LSTM(
                u,
                return_sequences=n < len(units) - 1,
                activation=act,
                recurrent_activation=rec,
                use_bias=use_bias,
            )
        )
        layers.append(k.layers.Dropout(0.3))
    layers.append(k.layers.Dense(1, activation=dense_act))
    return k.Sequential(layers)


@pytest.mark.parametrize(
    "config",
    [
        dict(units=(3,)),
        dict(units=(5, 7, 4), act="relu", rec="hard_sigmoid", dense_act="tanh"),
        dict(units=(6, 2), act="softsign", rec="sigmoid", use_bias=False),
    ],
)
def test_numpy_rollout_equals_keras_rollout(config):
    k = lx._keras.keras()
    k.utils.set_random_seed(1)
    model = _seq_model(k, **config)
    assert numpy_stack(model) is not None
    x = np.random.default_rng(0).normal(0, 0.5, (4, 9, 1))
    fast = rollout(model, x, 13)
    slow = _rollout_keras(model, x, 13)[..., 0]
    np.testing.assert_allclose(fast, slow, atol=1e-5)
    # one step ahead, in the numpy cell, 3 windows at a time (the last part holds one)
    np.testing.assert_allclose(point_by_point(model, x, batch_size=3),
                               model.predict(x.astype("float32"), verbose=0)[:, 0], atol=1e-6)


def test_other_models_fall_back_to_keras():
    k = lx._keras.keras()
    k.utils.set_random_seed(2)
    inp = k.Input((8, 2))
    h = k.layers.GRU(4)(inp)
    model = k.Model(inp, k.layers.Dense(2)(h))
    assert numpy_stack(model) is None
    x = np.random.default_rng(1).normal(size=(3, 8, 2))
    out = rollout(model, x, 5)
    assert out.shape == (3, 5, 2)
    np.testing.assert_allclose(point_by_point(model, x, batch_size=2),
                               model.predict(x.astype("float32"), verbose=0), atol=1e-6)
    # step 1 of the fed-back forecast is the model's own prediction on the first window
    np.testing.assert_allclose(out[:, 0], model.predict(x.astype("float32"), verbose=0), atol=1e-6)
    # the second step sees the window shifted by one with the prediction appended
    shifted = np.concatenate([x[:, 1:], out[:, :1]], axis=1).astype("float32")
    np.testing.assert_allclose(out[:, 1], model.predict(shifted, verbose=0), atol=1e-5)


def test_persistence():
    x = np.arange(24.0).reshape(4, 6, 1)
    assert persistence(x).tolist() == [5.0, 11.0, 17.0, 23.0]
    assert persistence(x, prediction_len=2).tolist() == [[5.0, 5.0], [17.0, 17.0]]


def test_forecast_bad_input(sp500_model):
    with pytest.raises(DataError, match="windows shaped"):
        point_by_point(sp500_model, np.zeros(10))
    with pytest.raises(DataError, match="feature"):
        point_by_point(sp500_model, np.zeros((2, 50, 3)))
    with pytest.raises(DataError, match="needs at least"):
        multi_sequence(sp500_model, np.zeros((10, 50, 1)), prediction_len=50)
    with pytest.raises(DataError, match="NaN"):
        full_sequence(sp500_model, np.full((2, 50, 1), np.nan))
    with pytest.raises(DataError, match="whole number"):
        rollout(sp500_model, np.zeros((2, 50, 1)), 0)
    with pytest.raises(DataError, match="needs at least"):
        persistence(np.zeros((3, 5, 1)), prediction_len=4)


def test_multi_feature_feedback_needs_matching_output():
    k = lx._keras.keras()
    model = k.Sequential([k.Input((5, 3)), k.layers.LSTM(4), k.layers.Dense(1)])
    with pytest.raises(DataError, match="feeds each prediction back"):
        rollout(model, np.zeros((2, 5, 3)), 3)


def test_custom_activation_is_left_to_keras():
    """The numpy path takes only Keras' own activations (the tracer's rule), not look-alikes."""
    k = lx._keras.keras()

    def tanh(z):  # a custom function that merely shares the built-in's name
        return k.ops.tanh(z) * 0.5

    model = k.Sequential([k.Input((6, 1)), k.layers.LSTM(3, activation=tanh), k.layers.Dense(1)])
    assert numpy_stack(model) is None
    x = np.random.default_rng(2).normal(size=(2, 6, 1))
    out = rollout(model, x, 3)
    np.testing.assert_allclose(out[:, 0], model.predict(x.astype("float32"), verbose=0)[:, 0],
                               atol=1e-6)


# ---------------------------------------------------------------- issue 9: bad input, clear errors

from lstm_explained.errors import ModelError  # noqa: E402

FORECASTS = {
    "point_by_point": lambda m, x: point_by_point(m, x),
    "multi_sequence": lambda m, x: multi_sequence(m, x, prediction_len=2),
    "full_sequence": lambda m, x: full_sequence(m, x),
    "rollout": lambda m, x: rollout(m, x, 3),
    "persistence": lambda m, x: persistence(x),
    "seed_multi_sequence": lambda m, x: seed_multi_sequence(m, x, prediction_len=2),
}


@pytest.mark.parametrize("name", FORECASTS)
@pytest.mark.parametrize(
    ("shape", "match"),
    [((0, 50, 1), r"x holds no windows \(shape \(0, 50, 1\)\)"),
     ((4, 0, 1), "x holds no timesteps"),
     ((4, 50, 0), "x holds no features")],
)
def test_empty_input_is_refused_clearly(sine_model, name, shape, match):
    with pytest.raises(DataError, match=match):
        FORECASTS[name](sine_model, np.zeros(shape))


@pytest.mark.parametrize("name", FORECASTS)
@pytest.mark.parametrize(("bad", "shown"), [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "-inf")])
def test_non_finite_input_names_the_first_bad_window(sine_model, name, bad, shown):
    x = np.zeros((6, 50, 1))
    x[3, 7, 0] = bad
    x[5, 0, 0] = bad
    message = rf"window 3 of x holds {shown} at timestep 7 \(feature 0\)"
    with pytest.raises(DataError, match=message):
        FORECASTS[name](sine_model, x)


@pytest.mark.parametrize("length", [0, -2, 2.5, True, "50"])
def test_prediction_len_must_be_a_whole_number(sine_model, length):
    x = np.zeros((6, 50, 1))
    for run in (multi_sequence, seed_multi_sequence):
        with pytest.raises(DataError, match="prediction_len must be a whole number >= 1"):
            run(sine_model, x, prediction_len=length)
    with pytest.raises(DataError, match="prediction_len must be a whole number >= 1"):
        persistence(x, prediction_len=length)


def test_forecast_arguments_and_models_that_do_not_fit(sine_model):
    x = np.zeros((4, 50, 1))
    with pytest.raises(DataError, match="batch_size must be a whole number"):
        point_by_point(sine_model, x, batch_size=0)
    with pytest.raises(DataError, match="the number of steps must be"):
        rollout(sine_model, x, 2.0)
    with pytest.raises(ModelError, match="model must be a built Keras model"):
        point_by_point("sine", x)
    with pytest.raises(DataError, match="x must be windows of numbers"):
        point_by_point(sine_model, [[[1.0], [2.0]], [[1.0]]])
    with pytest.raises(DataError, match="x must be windows of numbers"):
        full_sequence(sine_model, np.array([["a", "b"]]))
    k = lx._keras.keras()
    fixed = k.Sequential([k.Input((20, 1)), k.layers.LSTM(2), k.layers.Dense(1)])
    with pytest.raises(DataError, match="takes windows of 20 timesteps; x's have 50"):
        multi_sequence(fixed, np.zeros((4, 50, 1)), prediction_len=2)
