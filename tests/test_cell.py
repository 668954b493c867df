"""Tests of lstm_explained.cell: the one readable step, in Olah's notation."""

from __future__ import annotations

import inspect

import numpy as np

from lstm_explained import cell
from lstm_explained.cell import lstm_step
from lstm_explained.engine import LSTMWeights


def test_the_cell_is_short_and_plain():
    """What tutorial 01 prints: the six equations, one step, under 80 lines."""
    source = inspect.getsource(cell)
    assert len(source.splitlines()) < 80
    assert "out=" not in inspect.getsource(lstm_step)  # no output buffers


def test_the_step_is_olahs_equations():
    w = LSTMWeights.random(features=2, units=3, seed=4)
    rng = np.random.default_rng(0)
    x, h, c = rng.normal(size=(5, 2)), rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    f, i, c_tilde, o, c_new, h_new = lstm_step(x, h, c, w)
    z = x @ w.kernel + h @ w.recurrent_kernel + w.bias
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    u = 3
    np.testing.assert_allclose(i, sig(z[:, :u]), atol=1e-14)  # Keras' order: i, f, c, o
    np.testing.assert_allclose(f, sig(z[:, u : 2 * u]), atol=1e-14)
    np.testing.assert_allclose(c_tilde, np.tanh(z[:, 2 * u : 3 * u]), atol=1e-14)
    np.testing.assert_allclose(o, sig(z[:, 3 * u :]), atol=1e-14)
    np.testing.assert_allclose(c_new, f * c + i * c_tilde, atol=1e-14)
    np.testing.assert_allclose(h_new, o * np.tanh(c_new), atol=1e-14)


def test_no_bias_and_other_activations():
    w = LSTMWeights.random(features=1, units=2, activation="relu",
                           recurrent_activation="hard_sigmoid")
    w0 = LSTMWeights(w.kernel, w.recurrent_kernel, None, "relu", "hard_sigmoid")
    f, i, c_tilde, o, c_new, h_new = lstm_step(np.zeros((1, 1)), np.zeros((1, 2)),
                                               np.zeros((1, 2)), w0)
    np.testing.assert_allclose(i, 0.5)  # hard_sigmoid(0)
    np.testing.assert_allclose(c_tilde, 0.0)  # relu(0)
