"""Tests of lstm_explained.lab: the gate lab reruns the model with gates overridden."""

from __future__ import annotations

import numpy as np
import pytest

import lstm_explained as lx
from lstm_explained.errors import DataError, ModelError
from lstm_explained.lab import Stack, make_clamps, scale


@pytest.fixture(scope="module")
def sine():
    model = lx.model.load_pretrained("sine")
    x = lx.data.make_windows(lx.data.sine_wave(), 50).x_test[::40]
    return model, x


@pytest.fixture(scope="module")
def sp500():
    model = lx.model.load_pretrained("sp500")
    x = lx.data.make_windows(lx.data.load_sp500(), 50, normalise=True).x_test[::50]
    return model, x


def _close(a, b, tol=1e-5):
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b)))) <= tol


@pytest.mark.parametrize("which", ["sine", "sp500"])
def test_without_clamps_the_replay_is_keras(which, request):
    model, x = request.getfixturevalue(which)
    lab = lx.intervene(model, x, {})
    keras_out = model.predict(x.astype(np.float32), verbose=0)
    assert _close(lab.outputs, keras_out) and _close(lab.original_outputs, keras_out)
    assert np.array_equal(lab.effect, np.zeros_like(lab.effect))
    # every replayed gate and state is the traced (Keras-checked) one
    for name in lab.original.layer_names:
        for q in lx.kinds.LSTM.names:
            assert _close(lab.trace[name].arrays[q], lab.original[name].arrays[q]), (name, q)


def test_forget_one_makes_the_belt_add_up(sine):
    model, x = sine
    lab = lx.intervene(model, x, {"forget": 1.0}, layer=0)
    lt = lab.trace[lab.trace.layer_names[0]]
    assert np.all(lt.forget == 1.0)
    # with f = 1 the belt only accumulates: C_t = C_{t-1} + i_t C~_t
    written = lt.input * lt.candidate
    np.testing.assert_allclose(lt.cell, np.cumsum(written, axis=1), atol=1e-12)
    # the second layer was not clamped, but it sees a different input
    second = lab.trace.layer_names[1]
    assert np.all(lab.trace[second].forget < 1.0)
    assert not np.allclose(lab.trace[second].inputs, lab.original[second].inputs, atol=1e-3)
    assert np.abs(lab.effect).max() > 1e-3


def test_input_zero_keeps_the_belt_empty_and_the_output_constant(sine):
    model, x = sine
    lab = lx.intervene(model, x, {"input": 0.0}, layer=0)
    lt = lab.trace[lab.trace.layer_names[0]]
    assert np.all(lt.cell == 0.0) and np.all(lt.hidden == 0.0)
    # nothing reaches layer 2, so every window gives the same output
    assert np.ptp(lab.outputs) < 1e-6  # float32, as Keras


def test_a_clamp_acts_only_from_its_steps_on_and_only_on_its_units(sp500):
    model, x = sp500
    lab = lx.intervene(model, x, {"output": scale(0.0)}, layer="lstm_1", units=[3, 7],
                       steps=slice(30, None))
    name = lab.trace.layer_names[0]
    new, old = lab.trace[name], lab.original[name]
    assert _close(new.hidden[:, :30], old.hidden[:, :30])  # before the clamp: unchanged
    assert np.all(new.output[:, 30:, [3, 7]] == 0.0)
    assert np.all(new.hidden[:, 30:, [3, 7]] == 0.0)
    others = np.setdiff1d(np.arange(new.units), [3, 7])
    assert _close(new.output[:, 30, others], old.output[:, 30, others])  # same step, others
    assert not _close(new.output[:, 31:, others], old.output[:, 31:, others], 1e-4)  # later


def test_a_function_clamp_of_identity_changes_nothing_and_describes_itself(sine):
    model, x = sine

    def same(g):
        return g

    lab = lx.intervene(model, x[:3], {"candidate": same, "forget": scale(1.0)})
    assert np.abs(lab.effect).max() == 0.0
    modes = sorted(c.describe()["mode"] for c in lab.clamps)
    assert modes == ["function", "function", "scale", "scale"]  # two layers each
    assert "largest effect on the output 0" in repr(lab)
    assert lab.trace.info["counterfactual"] is True


@pytest.mark.parametrize("clamp, kwargs, words", [
    ({"hidden": 1.0}, {}, "cannot clamp 'hidden'"),
    ({"forget": "open"}, {}, "must be a number"),
    ({"forget": float("nan")}, {}, "must be finite"),
    ({"forget": 1.0}, {"units": [99]}, "out of range"),
    ({"forget": 1.0}, {"steps": [50]}, "out of range"),
    ({"forget": 1.0}, {"layer": "nope"}, "no LSTM layer named 'nope'"),
    ({"forget": 1.0}, {"units": [0.5]}, "must be an int"),
    ([("forget", 1.0)], {}, "clamp must be a dict"),
    ({"forget": 1.5}, {}, "outside what sigmoid can produce"),
    ({"candidate": -2.0}, {}, "outside what tanh can produce"),
])
def test_bad_clamps_are_refused_before_anything_runs(sine, clamp, kwargs, words):
    model, x = sine
    with pytest.raises(DataError, match=words):
        make_clamps(clamp, Stack.from_model(model), timesteps=x.shape[1], **kwargs)


def test_a_clamp_function_must_keep_the_shape(sine):
    model, x = sine
    with pytest.raises(DataError, match="must return its input's shape"):
        lx.intervene(model, x[:2], {"forget": lambda g: g[:, :1]})


def test_other_models_get_one_clear_error():
    keras = lx._keras.keras()
    model = keras.Sequential([keras.Input((5, 1)),
                              keras.layers.Bidirectional(keras.layers.LSTM(3)),
                              keras.layers.Dense(1)])
    with pytest.raises(ModelError, match="not of the kind the gate lab replays"):
        lx.intervene(model, np.zeros((2, 5, 1)), {"forget": 1.0})


@pytest.mark.parametrize("mode", ["point", "multi"])
def test_trace_forecast_with_an_empty_clamp_is_the_forecast(mode):
    model = lx.model.load_pretrained("sine")
    w = lx.data.make_windows(lx.data.sine_wave(), 50)
    plain = lx.trace_forecast(model, mode=mode, windows=w, run=1, steps=slice(0, 20, 4))
    lab = lx.trace_forecast(model, mode=mode, windows=w, run=1, steps=slice(0, 20, 4),
                            clamp={})
    assert _close(lab.extras["prediction"], plain.extras["prediction"])
    assert np.array_equal(lab.extras["original_prediction"], plain.extras["prediction"])
    name = plain.layer_names[-1]
    assert _close(lab[name].cell, plain[name].cell)
    assert lab.info["counterfactual"] and not lab.verified


def test_trace_forecast_feeds_the_clamped_predictions_back():
    model = lx.model.load_pretrained("sine")
    w = lx.data.make_windows(lx.data.sine_wave(), 50)
    tr = lx.trace_forecast(model, mode="multi", windows=w, run=0, clamp={"forget": 0.0},
                           clamp_layer=1, clamp_units=slice(0, 50))
    pred, window = tr.extras["prediction"], tr.extras["window"]
    assert np.abs(pred - tr.extras["original_prediction"]).max() > 1e-3
    # step j + 1's window ends with the clamped prediction of step j
    np.testing.assert_allclose(window[1:, -1], pred[:-1], atol=1e-12)
    second = tr[tr.layer_names[1]]
    assert np.all(second.forget[:, :, :50] == 0.0) and np.all(second.forget[:, :, 50:] > 0.0)
    # and the clamped model's own prediction from each window is what the trace says
    stack = Stack.from_model(model)
    clamps = make_clamps({"forget": 0.0}, stack, 1, slice(0, 50), None, timesteps=50)
    again = stack.run(np.asarray(window[:, :, None], dtype=np.float64), clamps)[0][:, 0]
    np.testing.assert_allclose(again, pred, atol=1e-12)


def test_a_value_outside_the_gate_is_allowed_when_asked(sine):
    model, x = sine
    lab = lx.intervene(model, x[:2], {"forget": 1.5}, layer=0, allow_outside=True)
    assert np.all(lab.trace[lab.trace.layer_names[0]].forget == 1.5)
    with pytest.raises(DataError, match="allow_outside=True"):
        lx.trace_forecast(model, x, mode="point", clamp={"output": -0.1})
    tr = lx.trace_forecast(model, x, mode="point", clamp={"output": -0.1},
                           clamp_allow_outside=True, steps=slice(0, 2))
    assert np.all(tr[tr.layer_names[0]].output == -0.1)


def test_a_replay_that_misses_keras_outputs_is_refused(sine, monkeypatch):
    # The head check compares the replayed outputs with Keras' own: shift the head's bias
    # a little and the lab must refuse to vouch for its counterfactuals.
    model, x = sine
    real = Stack.from_model

    def shifted(m):
        stack = real(m)
        stack.head.bias = stack.head.bias + 1e-3
        return stack

    monkeypatch.setattr(Stack, "from_model", staticmethod(shifted))
    with pytest.raises(lx.errors.TraceMismatchError, match="differs from Keras' outputs"):
        lx.intervene(model, x, {"forget": 1.0})
