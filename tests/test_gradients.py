"""Tests of lstm_explained.gradients: input gradients through Keras' autodiff (checked
against finite differences and across backends), their reach, and the belt's derivative
(checked against perturbing the belt in the numpy cell)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from lstm_explained._keras import keras
from lstm_explained.analysis import (
    belt_gradient,
    input_gradients,
    memory_reach,
    time_constant,
)
from lstm_explained.cell import lstm_step
from lstm_explained.engine import LSTMWeights, run_lstm
from lstm_explained.errors import DataError, ModelError
from lstm_explained.trace import LayerTrace

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------------
# input_gradients
# ----------------------------------------------------------------------------------
def _model(layer: str, steps=5, features=2, outputs=2, dtype="float64", sequences=False):
    K = keras()
    K.utils.set_random_seed(1)
    rnn = getattr(K.layers, layer)(3, dtype=dtype, return_sequences=sequences)
    return K.Sequential([K.Input((steps, features), dtype=dtype), rnn,
                         K.layers.Dense(outputs, dtype=dtype)])


def _finite_differences(model, x, output, eps=1e-6, sequences=False):
    """Central differences of y[:, output] (last step for sequences) for every (t, f)."""
    n, steps, features = x.shape
    batch = []
    for t in range(steps):
        for f in range(features):
            for sign in (1, -1):
                moved = x.copy()
                moved[:, t, f] += sign * eps
                batch.append(moved)
    y = keras().ops.convert_to_numpy(model(np.concatenate(batch)))
    y = (y[:, -1] if sequences else y)[:, output].reshape(steps, features, 2, n)
    return np.abs((y[:, :, 0] - y[:, :, 1]) / (2 * eps)).transpose(2, 0, 1)


@pytest.mark.parametrize("layer", ["SimpleRNN", "LSTM", "GRU"])
def test_input_gradients_match_central_finite_differences(layer):
    model = _model(layer)
    x = np.random.default_rng(0).normal(size=(3, 5, 2))
    for output in (0, 1):
        grads = input_gradients(model, x, output=output)
        assert grads.shape == x.shape and grads.dtype == np.float64
        fd = _finite_differences(model, x, output)
        np.testing.assert_allclose(grads, fd, rtol=1e-6, atol=1e-8)
        assert grads.min() > 0  # every step moves the output: the check is not trivial


def test_a_model_returning_sequences_is_differentiated_at_its_last_step():
    model = _model("LSTM", sequences=True)
    x = np.random.default_rng(1).normal(size=(2, 5, 2))
    fd = _finite_differences(model, x, output=1, sequences=True)
    np.testing.assert_allclose(input_gradients(model, x, output=1), fd, rtol=1e-6, atol=1e-8)


def test_batches_and_float32_models_give_the_same_gradients():
    model = _model("LSTM", steps=4, dtype="float32")
    x = np.random.default_rng(2).normal(size=(7, 4, 2))
    whole = input_gradients(model, x)
    np.testing.assert_allclose(input_gradients(model, x, batch_size=3), whole, rtol=1e-6)
    np.testing.assert_allclose(input_gradients(model, x[2:3]), whole[2:3], rtol=1e-6)


def test_input_gradients_refuse_bad_inputs_before_any_work():
    model = _model("SimpleRNN", outputs=1)
    good = np.zeros((2, 5, 2))
    bad_x = {
        "shape": np.zeros((2, 5)),
        "model takes": np.zeros((2, 6, 2)),
        r"takes \(N, 5, 2\)": np.zeros((2, 5, 3)),
        "no windows": np.zeros((0, 5, 2)),
        "NaN": np.full((2, 5, 2), np.nan),
        "numeric": [["a"]],
    }
    for what, x in bad_x.items():
        with pytest.raises(DataError, match=what):
            input_gradients(model, x)
    for output in (1, -1, True, 0.0):
        with pytest.raises(ModelError, match="output"):
            input_gradients(model, good, output=output)
    for size in (0, -1, 2.5, True):
        with pytest.raises(DataError, match="batch_size"):
            input_gradients(model, good, batch_size=size)
    K = keras()
    for not_built in (object(), K.Sequential([K.layers.LSTM(3), K.layers.Dense(1)])):
        with pytest.raises(ModelError, match="built Keras model"):
            input_gradients(not_built, good)
    a, b = K.Input((5, 2)), K.Input((5, 2))
    two = K.Model([a, b], K.layers.Dense(1)(K.layers.LSTM(2)(a + b)))
    with pytest.raises(ModelError, match="one input and one output"):
        input_gradients(two, good)
    flat = K.Sequential([K.Input((4,)), K.layers.Dense(1)])
    with pytest.raises(ModelError, match=r"\(batch, T, F\)"):
        input_gradients(flat, good)


def test_importing_analysis_and_gradients_does_not_import_tensorflow():
    code = ("import lstm_explained.analysis, lstm_explained.gradients, lstm_explained.plots, sys;"
            " print([m for m in ('tensorflow', 'keras', 'jax', 'torch') if m in sys.modules])")
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_every_keras_backend_gives_the_same_gradients(backend, other_backend):
    """Seeded SimpleRNN, LSTM and GRU models (tests/_backend_checks.py): the backend's
    gradients equal TensorFlow's, computed here."""
    from _backend_checks import GRADIENTS

    here: dict = {}
    exec(GRADIENTS, here)  # this process runs TensorFlow (tests/conftest.py)
    assert keras().backend.backend() == "tensorflow"
    theirs = other_backend(backend)["gradients"]
    assert sorted(theirs) == ["GRU", "LSTM", "SimpleRNN"]
    for name, grads in theirs.items():
        np.testing.assert_allclose(grads, here["RESULT"][name], rtol=1e-4, atol=1e-6,
                                   err_msg=name)


# ----------------------------------------------------------------------------------
# memory_reach
# ----------------------------------------------------------------------------------
def test_memory_reach_of_an_exponential_fall_is_its_time_constant():
    distance = np.arange(30.0)
    base = np.exp(-distance / 3.3)[::-1]  # [:, -1] is the last step
    # two windows (1x and 2x) and two features (1x and 0.5x): summed, then averaged
    g = np.stack([base, 0.5 * base], axis=-1)[None] * np.array([1.0, 2.0])[:, None, None]
    reach = memory_reach(-g)  # signs do not matter
    assert reach.e_folding == pytest.approx(3.3, rel=1e-9)
    np.testing.assert_allclose(reach.relative, np.exp(-distance / 3.3))
    np.testing.assert_allclose(reach.mean, 1.5 * 1.5 * np.exp(-distance / 3.3))
    assert reach.distance.tolist() == list(range(30))


def test_memory_reach_that_never_fades_and_bad_gradients():
    assert memory_reach(np.ones((2, 8, 1))).e_folding == float("inf")
    with pytest.raises(DataError, match="last step does not move"):
        memory_reach(np.concatenate([np.ones((1, 4, 1)), np.zeros((1, 1, 1))], axis=1))
    for bad in (np.ones((4, 2)), np.ones((0, 3, 1)), np.full((1, 3, 1), np.nan)):
        with pytest.raises(DataError, match="grads"):
            memory_reach(bad)


# ----------------------------------------------------------------------------------
# belt_gradient and time_constant
# ----------------------------------------------------------------------------------
def test_belt_gradient_is_the_product_of_the_forget_gates_after_each_step():
    f = np.array([[[0.9, 0.5], [0.8, 0.5], [0.7, 0.5], [0.6, 0.5]]])
    got = belt_gradient(SimpleNamespace(forget=f, mask=None))
    assert got.shape == f.shape
    np.testing.assert_allclose(got[0, :, 0], [0.8 * 0.7 * 0.6, 0.7 * 0.6, 0.6, 1.0])
    np.testing.assert_allclose(got[0, :, 1], [0.125, 0.25, 0.5, 1.0])
    masked = SimpleNamespace(forget=f, mask=np.array([[True, True, False, True]]))
    np.testing.assert_allclose(belt_gradient(masked)[0, :, 0], [0.8 * 0.6, 0.6, 0.6, 1.0])


def test_belt_gradient_equals_perturbing_the_belt_in_the_numpy_cell():
    """Move C_t by eps, run the readable cell on with h as traced (the gates fixed), and
    watch C at the last step move by belt_gradient * eps."""
    weights = LSTMWeights.random(features=2, units=4, seed=3)
    x = np.random.default_rng(3).normal(size=(2, 7, 2))
    lt = LayerTrace(name="lstm", layer_name="lstm", inputs=x, arrays=run_lstm(x, weights))
    expected = belt_gradient(lt)
    eps = 1e-6
    for t in range(7):
        ends = []
        for sign in (1, -1):
            c = lt.cell[:, t] + sign * eps
            for k in range(t + 1, 7):
                *_, c, _ = lstm_step(x[:, k], lt.hidden[:, k - 1], c, weights)
            ends.append(c)
        np.testing.assert_allclose((ends[0] - ends[1]) / (2 * eps), expected[:, t], rtol=1e-7,
                                   atol=1e-10, err_msg=f"t = {t}")


def test_time_constant_from_the_mean_forget_gate():
    f = np.array([[[0.5, 0.75, 1.0], [0.5, 0.75, 1.0], [0.0, 0.0, 0.0]]])
    lt = SimpleNamespace(forget=f, mask=np.array([[True, True, False]]))
    assert time_constant(lt).tolist() == [2.0, 4.0, float("inf")]
    assert time_constant(lt, per_unit=False) == pytest.approx(1 / (1 - 0.75))


def test_belt_gradient_needs_an_lstm_forget_gate():
    with pytest.raises(DataError, match="forget gate"):
        belt_gradient(SimpleNamespace(kind="gru", update=np.ones((1, 2, 1))))
    with pytest.raises(DataError, match="forget gate"):
        time_constant(SimpleNamespace(hidden=np.ones((1, 2, 1))))
    with pytest.raises(DataError, match=r"\(N, T, units\)"):
        belt_gradient(SimpleNamespace(forget=np.ones((2, 3)), mask=None))
