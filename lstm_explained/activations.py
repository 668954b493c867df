"""Keras 3's built-in activations, in numpy, with Keras 3's definitions.

The tracer recomputes an LSTM's gates outside Keras, so it must apply exactly the
activation the layer applies. The classic trap is ``hard_sigmoid``: Keras 3 defines it
as ``relu6(x + 3) / 6`` (saturating at +-3), while Keras 1/2 used
``clip(0.2 x + 0.5, 0, 1)`` (saturating at +-2.5). Here every function is the Keras 3
one; an activation that is not listed is refused with a clear error rather than
silently replaced by tanh or sigmoid.

Example
-------
>>> import numpy as np
>>> from lstm_explained.activations import get_activation
>>> float(get_activation("hard_sigmoid")(np.array(1.5)))
0.75
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lstm_explained.errors import UnsupportedLayerError

Activation = Callable[[np.ndarray], np.ndarray]


def _f(x: np.ndarray) -> np.ndarray:
    """``x`` as a float array: float32 and float64 stay as they are, anything else is float64.

    Keeping float32 lets the tracer compute in the precision Keras itself uses.
    """
    x = np.asarray(x)
    if x.dtype in (np.float32, np.float64):
        return x
    return x.astype(np.float64)

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid ``1 / (1 + exp(-x))``.

    Computed as ``(1 + tanh(x / 2)) / 2``: the same function, free of overflow, and about
    ten times faster in numpy than the exp-and-divide form (it is the tracer's hot loop).
    """
    x = _f(x)
    return 0.5 + 0.5 * np.tanh(0.5 * x)


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent."""
    return np.tanh(x)


def hard_sigmoid(x: np.ndarray) -> np.ndarray:
    """Keras 3's ``hard_sigmoid``: ``relu6(x + 3) / 6`` = ``clip(x / 6 + 0.5, 0, 1)``."""
    return np.clip(_f(x) + 3.0, 0.0, 6.0) / 6.0


def softplus(x: np.ndarray) -> np.ndarray:
    """``log(1 + exp(x))``, computed without overflow."""
    x = _f(x)
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0.0)


def _erf(x: np.ndarray) -> np.ndarray:
    """Error function (Abramowitz & Stegun 7.1.26, absolute error below 1.5e-7)."""
    x = _f(x)
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    y = 1.0 - poly * np.exp(-a * a)
    return sign * y


def gelu(x: np.ndarray) -> np.ndarray:
    """Gaussian error linear unit, exact form ``0.5 x (1 + erf(x / sqrt 2))`` (Keras default)."""
    x = _f(x)
    return 0.5 * x * (1.0 + _erf(x / 2.0**0.5))


def _softmax(x: np.ndarray) -> np.ndarray:
    x = _f(x)
    z = np.exp(x - x.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = _f(x)
    s = x - x.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def _elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    x = _f(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _sparsemax(x: np.ndarray) -> np.ndarray:
    """Keras 3's ``sparsemax`` over the last axis, computed the way Keras computes it.

    Keras 3 (checked with 3.15.1, identical on its three backends) sorts z in descending
    order, takes the support ``z_(j) > (cumsum_j - 1) / j`` of size k, and then the
    threshold ``tau = (sum of cumsum_j over the support - 1) / k``: the sum of the
    cumulative sums, not the textbook ``(cumsum_k - 1) / k``, so its rows need not sum
    to 1. The tracer must apply what the layer applies, so this is Keras' formula as it is.
    """
    x = _f(x)
    z = -np.sort(-x, axis=-1)
    cumsum = np.cumsum(z, axis=-1)
    rank = np.arange(1, x.shape[-1] + 1, dtype=x.dtype)
    support = z - (cumsum - 1) / rank > 0  # always true at rank 1: k >= 1
    k = support.sum(axis=-1, keepdims=True).astype(x.dtype)
    tau = (np.where(support, cumsum, 0).sum(axis=-1, keepdims=True) - 1) / k
    return np.maximum(x - tau, 0)


def _shrink(x: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    x = _f(x)
    return np.where(x > threshold, x - threshold, np.where(x < -threshold, x + threshold, 0.0))


#: name -> numpy function, for every element-wise (or last-axis) Keras 3 activation.
ACTIVATIONS: dict[str, Activation] = {
    "linear": lambda x: _f(x),
    "tanh": tanh,
    "sigmoid": sigmoid,
    "hard_sigmoid": hard_sigmoid,
    "relu": lambda x: np.maximum(_f(x), 0.0),
    "relu6": lambda x: np.clip(_f(x), 0.0, 6.0),
    "leaky_relu": lambda x: np.where(np.asarray(x) > 0, x, 0.2 * _f(x)),
    "elu": _elu,
    "celu": _elu,  # celu with its default alpha = 1 is elu
    "selu": lambda x: _SELU_SCALE * _elu(x, _SELU_ALPHA),
    "softplus": softplus,
    "softsign": lambda x: _f(x) / (1.0 + np.abs(x)),
    "soft_shrink": _shrink,
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, _f(x), 0.0),
    "sparse_plus": lambda x: np.where(
        _f(x) <= -1.0, 0.0, np.where(_f(x) >= 1.0, _f(x), (_f(x) + 1.0) ** 2 / 4.0)
    ),
    "sparse_sigmoid": lambda x: np.clip(0.5 * (_f(x) + 1.0), 0.0, 1.0),
    "silu": lambda x: _f(x) * sigmoid(x),
    "swish": lambda x: _f(x) * sigmoid(x),
    "hard_silu": lambda x: _f(x) * hard_sigmoid(x),
    "hard_swish": lambda x: _f(x) * hard_sigmoid(x),
    "hard_tanh": lambda x: np.clip(_f(x), -1.0, 1.0),
    "squareplus": lambda x: 0.5 * (_f(x) + np.sqrt(np.square(x) + 4.0)),
    "gelu": gelu,
    "tanh_shrink": lambda x: _f(x) - np.tanh(x),
    "exponential": lambda x: np.exp(_f(x)),
    "mish": lambda x: _f(x) * np.tanh(softplus(x)),
    "log_sigmoid": lambda x: -softplus(-_f(x)),
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "sparsemax": _sparsemax,
}

#: Activations that act on a whole vector (the last axis) rather than element-wise: the
#: cell must apply them to each gate's block separately, as Keras does.
ROW_WISE = frozenset({"softmax", "log_softmax", "sparsemax"})

#: Keras 3 built-in activations that an LSTM cannot use, and why: a layer built with one
#: fails in Keras itself as soon as it runs.
UNSUPPORTED = {
    "glu": "it halves the last axis, so the gates would lose half their units",
    "threshold": "it needs `threshold` and `default_value` arguments a layer cannot pass",
}


def _sigmoid_inplace(z: np.ndarray) -> None:
    """1 / (1 + exp(-z)): one exp and three cheap passes (within 1e-7 of the exact value;
    an overflow of exp to inf is intended and gives 0). Run it under
    ``np.errstate(over="ignore")``. The tanh form ``(1 + tanh(z / 2)) / 2`` was 1.2x faster
    in float32 and 1.3x slower in float64 (numpy 2.4, 206 x 150 values); the engine's fused
    step uses it, with the 1/2 folded into the weights
    (:func:`lstm_explained.engine.activate_fused`).

    ``z * -1`` rather than ``np.negative``: numpy 2.4's in-place ``negative`` reads the
    wrong elements of a strided float32 view such as ``z[:, 2:3]`` (a gate's block of
    one unit); ``tests/test_activations.py`` guards every in-place kernel against that.
    """
    np.multiply(z, -1.0, out=z)
    np.exp(z, out=z)
    np.add(z, 1.0, out=z)
    np.reciprocal(z, out=z)


def _tanh_inplace(z: np.ndarray) -> None:
    """numpy's own ``tanh``, vectorised for float32 and float64 (SIMD on AVX2, AVX-512 and
    NEON): measured with numpy 2.4 on 206 x 150 values, 2.4x faster than the exp form
    ``2 / (1 + exp(-2 z)) - 1`` in float32, 1.1x in float64."""
    np.tanh(z, out=z)


def sigmoid_from_half_tanh(t: np.ndarray) -> None:
    """Turn ``t = tanh(z / 2)`` into ``sigmoid(z) = (1 + t) / 2``, in place.

    The engines' fused steps take the sigmoid gates this way: the 1/2 is folded into the
    weights (exactly, a power of two), so one numpy ``tanh`` call serves the gates and the
    tanh candidate together.

    Example
    -------
    >>> t = np.tanh(np.array([0.0, 2.0]) / 2)
    >>> sigmoid_from_half_tanh(t)
    >>> bool(np.allclose(t, 1 / (1 + np.exp(-np.array([0.0, 2.0])))))
    True
    """
    t *= 0.5
    t += 0.5


def _hard_sigmoid_inplace(z: np.ndarray) -> None:
    np.add(z, 3.0, out=z)
    np.clip(z, 0.0, 6.0, out=z)
    np.divide(z, 6.0, out=z)


#: In-place versions of the commonest activations, for the cell's hot loop: each
#: overwrites its float array argument with the activation of it (the values of
#: :data:`ACTIVATIONS`, to within 2e-7 in float32 and 1e-15 in float64).
INPLACE: dict[str, Callable[[np.ndarray], None]] = {
    "sigmoid": _sigmoid_inplace,
    "tanh": _tanh_inplace,
    "hard_sigmoid": _hard_sigmoid_inplace,
    "relu": lambda z: np.maximum(z, 0.0, out=z),
    "linear": lambda z: None,
}


def apply_inplace(name: str, z: np.ndarray) -> None:
    """Overwrite the float array ``z`` with activation ``name`` of it.

    Uses an in-place kernel when there is one, else assigns the result of
    :func:`get_activation`. ``z`` may be a view (e.g. some columns of a larger array).

    Example
    -------
    >>> z = np.array([0.0, 100.0])
    >>> apply_inplace("sigmoid", z)
    >>> z.tolist()
    [0.5, 1.0]
    """
    fn = INPLACE.get(name)
    if fn is not None:
        fn(z)
    else:
        z[...] = get_activation(name)(z)


def get_activation(name: str) -> Activation:
    """Return the numpy version of the Keras 3 activation called ``name``.

    Parameters
    ----------
    name : str
        A Keras activation name, e.g. ``"tanh"``, ``"sigmoid"``, ``"hard_sigmoid"``.

    Returns
    -------
    callable
        A function of one numpy array that returns a float array of the same shape
        (float32 in, float32 out; anything else gives float64).

    Raises
    ------
    UnsupportedLayerError
        If ``name`` is not one of Keras 3's built-in element-wise activations.

    Example
    -------
    >>> get_activation("relu6")([-1.0, 3.0, 9.0]).tolist()
    [0.0, 3.0, 6.0]
    """
    if name in UNSUPPORTED:
        raise UnsupportedLayerError(
            f"activation {name!r} is not supported: it is a Keras 3 built-in, but an LSTM "
            f"cannot use it ({UNSUPPORTED[name]}). Use one of {', '.join(sorted(ACTIVATIONS))}."
        )
    if name not in ACTIVATIONS:
        known = ", ".join(sorted(ACTIVATIONS))
        raise UnsupportedLayerError(
            f"activation {name!r} is not supported: lstm-explained reproduces only Keras 3's "
            f"built-in element-wise activations ({known}). Use one of them in the layer."
        )
    return ACTIVATIONS[name]
