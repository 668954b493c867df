"""Tests of lstm_explained.variant_weights: the peephole and coupled weights, validated,
in Keras' layout, built from an LSTM's."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lstm_explained.engine import LSTMWeights
from lstm_explained.errors import DataError, LSTMExplainedError
from lstm_explained.variant_weights import CoupledWeights, PeepholeWeights


def test_from_lstm_keeps_the_blocks_in_keras_order():
    lstm = LSTMWeights.random(2, 3, seed=5, activation="relu")
    peep = PeepholeWeights.from_lstm(lstm)
    assert np.array_equal(peep.kernel, lstm.kernel) and np.array_equal(peep.bias, lstm.bias)
    assert all(np.array_equal(getattr(peep, p), np.zeros(3)) for p in ("p_f", "p_i", "p_o"))
    assert peep.activation == "relu" and (peep.features, peep.units) == (2, 3)
    coupled = CoupledWeights.from_lstm(lstm)
    u = 3
    for name in ("kernel", "recurrent_kernel"):
        a, b = getattr(coupled, name), getattr(lstm, name)
        assert np.array_equal(a, np.concatenate([b[:, :u], b[:, 2 * u :]], axis=1))  # no f
    assert np.array_equal(coupled.bias, np.r_[lstm.bias[:u], lstm.bias[2 * u :]])
    assert CoupledWeights.from_lstm(LSTMWeights(lstm.kernel, lstm.recurrent_kernel)).bias is None


def test_float32_stays_float32_and_peepholes_follow():
    lstm = LSTMWeights.random(1, 2).astype(np.float32)
    peep = PeepholeWeights.from_lstm(lstm, p_f=[1.0, 2.0])
    assert peep.dtype == np.float32 and peep.p_f.dtype == np.float32
    assert CoupledWeights.from_lstm(lstm).dtype == np.float32
    assert PeepholeWeights.random(1, 2).dtype == np.float64


def test_random_weights_are_reproducible_and_frozen():
    a, b = PeepholeWeights.random(2, 3, seed=7), PeepholeWeights.random(2, 3, seed=7)
    assert np.array_equal(a.p_o, b.p_o) and np.any(a.p_o != 0)
    assert not np.array_equal(a.p_o, PeepholeWeights.random(2, 3, seed=8).p_o)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.p_f = np.zeros(3)


@pytest.mark.parametrize("build, message", [
    (lambda: CoupledWeights(np.zeros((2, 16)), np.zeros((4, 16))),  # an LSTM's 4 blocks
     r"expected \(features, 3\*units\)"),
    (lambda: CoupledWeights(np.zeros((2, 9)), np.zeros((3, 9)), np.zeros(12)), r"bias has shape"),
    (lambda: PeepholeWeights(np.zeros((2, 9)), np.zeros((3, 9)), None, *[np.zeros(3)] * 3),
     r"expected \(features, 4\*units\)"),
    (lambda: PeepholeWeights.from_lstm(LSTMWeights.random(1, 3), p_i=np.zeros((3, 3))),
     r"p_i have shape \(3, 3\); expected \(3,\)"),
    (lambda: CoupledWeights(np.zeros((1, 3)), np.zeros((1, 3)), activation="nope"), r"nope"),
])
def test_bad_weights_give_one_clear_error(build, message):
    with pytest.raises(LSTMExplainedError, match=message) as err:
        build()
    assert "\n" not in str(err.value)
    assert isinstance(err.value, DataError) or "activation 'nope'" in str(err.value)
