"""Tests of lstm_explained.activations against Keras 3's own functions."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained._keras import keras
from lstm_explained.activations import (
    ACTIVATIONS,
    INPLACE,
    UNSUPPORTED,
    apply_inplace,
    get_activation,
)
from lstm_explained.errors import UnsupportedLayerError

K = keras()
X = np.concatenate([np.linspace(-8, 8, 161), [-3.0, 3.0, -2.5, 2.5, -1.0, 1.0, 0.0]])


def test_every_keras_activation_is_covered_or_refused():
    names = {n for n in dir(K.activations) if not n.startswith("_")
             and callable(getattr(K.activations, n)) and n not in ("get", "serialize",
                                                                  "deserialize")}
    assert names == set(ACTIVATIONS) | set(UNSUPPORTED)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_matches_keras(name):
    x = X.reshape(1, -1).astype(np.float32)
    theirs = np.asarray(getattr(K.activations, name)(x), dtype=np.float64)
    ours = get_activation(name)(x.astype(np.float64))
    scale = np.maximum(1.0, np.abs(theirs))
    assert (np.abs(ours - theirs) / scale).max() < 1e-6, name


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_in_place_equals_functional_and_keeps_float32(name):
    z = X.reshape(3, -1).astype(np.float32).copy()
    expected = get_activation(name)(z)
    assert expected.dtype == np.float32
    apply_inplace(name, z)
    np.testing.assert_allclose(z, expected, rtol=1e-6, atol=1e-6)


def test_hard_sigmoid_is_keras3_not_keras2():
    f = get_activation("hard_sigmoid")
    assert f(np.array(2.5)) == pytest.approx(2.5 / 6 + 0.5)  # Keras 2 gave 1.0
    assert f(np.array(3.0)) == 1.0 and f(np.array(-3.0)) == 0.0


@pytest.mark.parametrize("name", ["glu", "threshold", "no_such_thing"])
def test_unknown_is_refused(name):
    with pytest.raises(UnsupportedLayerError, match=name):
        get_activation(name)


def test_sparsemax_is_keras3s_own_formula():
    """Short rows like an LSTM gate's, many with a support of several values, where
    Keras 3's threshold (a sum of cumulative sums) is not the textbook one."""
    x = np.random.default_rng(0).normal(0, 0.5, (300, 5)).astype(np.float32)
    theirs = np.asarray(K.activations.sparsemax(x), dtype=np.float64)
    assert ((theirs > 0).sum(axis=1) > 1).sum() > 50
    for dtype in (np.float32, np.float64):
        ours = get_activation("sparsemax")(x.astype(dtype))
        assert ours.dtype == dtype
        assert np.abs(ours - theirs).max() < 1e-6


@pytest.mark.parametrize("name", ["glu", "threshold"])
def test_builtins_an_lstm_cannot_use_are_called_built_ins(name):
    with pytest.raises(UnsupportedLayerError, match=f"{name}.* a Keras 3 built-in, but an LSTM"):
        get_activation(name)


@pytest.mark.parametrize("name", sorted(INPLACE))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cols", [slice(0, 2), slice(2, 3), slice(3, 4), slice(1, 4)])
def test_inplace_kernels_on_strided_views_equal_the_functions(name, dtype, cols):
    """The engine applies them to blocks of columns (a gate's units) in place: every
    kernel must read and write exactly those elements (numpy 2.4's in-place
    ``np.negative`` on a float32 (n, 1) column view does not)."""
    z = (np.random.default_rng(0).normal(size=(5, 4)) * 3).astype(dtype)
    want = z.copy()
    want[:, cols] = ACTIVATIONS[name](z[:, cols])
    with np.errstate(over="ignore"):
        apply_inplace(name, z[:, cols])
    tol = 2e-7 if dtype == np.float32 else 1e-15
    np.testing.assert_allclose(z, want, rtol=0, atol=tol)
