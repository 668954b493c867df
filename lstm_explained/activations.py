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

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid ``1 / (1 + exp(-x))``.

    Computed as ``(1 + tanh(x / 2)) / 2``: the same function, free of overflow, and about
    ten times faster in numpy than the exp-and-divide form (it is the tracer's hot loop).
    """
    x = np.asarray(x, dtype=np.float64)
    return 0.5 + 0.5 * np.tanh(0.5 * x)


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent."""
    return np.tanh(x)


def hard_sigmoid(x: np.ndarray) -> np.ndarray:
    """Keras 3's ``hard_sigmoid``: ``relu6(x + 3) / 6`` = ``clip(x / 6 + 0.5, 0, 1)``."""
    return np.clip(np.asarray(x, dtype=np.float64) + 3.0, 0.0, 6.0) / 6.0


def softplus(x: np.ndarray) -> np.ndarray:
    """``log(1 + exp(x))``, computed without overflow."""
    x = np.asarray(x, dtype=np.float64)
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0.0)


def _erf(x: np.ndarray) -> np.ndarray:
    """Error function (Abramowitz & Stegun 7.1.26 refined to ~1e-7 by one Newton step)."""
    x = np.asarray(x, dtype=np.float64)
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    y = 1.0 - poly * np.exp(-a * a)
    return sign * y


def gelu(x: np.ndarray) -> np.ndarray:
    """Gaussian error linear unit, exact form ``0.5 x (1 + erf(x / sqrt 2))`` (Keras default)."""
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))


def _softmax(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    z = np.exp(x - x.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    s = x - x.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def _elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _shrink(x: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > threshold, x - threshold, np.where(x < -threshold, x + threshold, 0.0))


#: name -> numpy function, for every element-wise (or last-axis) Keras 3 activation.
ACTIVATIONS: dict[str, Activation] = {
    "linear": lambda x: np.asarray(x, dtype=np.float64),
    "tanh": tanh,
    "sigmoid": sigmoid,
    "hard_sigmoid": hard_sigmoid,
    "relu": lambda x: np.maximum(np.asarray(x, dtype=np.float64), 0.0),
    "relu6": lambda x: np.clip(np.asarray(x, dtype=np.float64), 0.0, 6.0),
    "leaky_relu": lambda x: np.where(np.asarray(x) > 0, x, 0.2 * np.asarray(x, dtype=np.float64)),
    "elu": _elu,
    "celu": _elu,  # celu with its default alpha = 1 is elu
    "selu": lambda x: _SELU_SCALE * _elu(x, _SELU_ALPHA),
    "softplus": softplus,
    "softsign": lambda x: np.asarray(x, dtype=np.float64) / (1.0 + np.abs(x)),
    "soft_shrink": _shrink,
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, np.asarray(x, dtype=np.float64), 0.0),
    "sparse_plus": lambda x: np.where(
        np.asarray(x) <= -1.0, 0.0, np.where(np.asarray(x) >= 1.0, x, (np.asarray(x) + 1.0) ** 2 / 4.0)
    ),
    "sparse_sigmoid": lambda x: np.clip(0.5 * (np.asarray(x, dtype=np.float64) + 1.0), 0.0, 1.0),
    "silu": lambda x: np.asarray(x, dtype=np.float64) * sigmoid(x),
    "swish": lambda x: np.asarray(x, dtype=np.float64) * sigmoid(x),
    "hard_silu": lambda x: np.asarray(x, dtype=np.float64) * hard_sigmoid(x),
    "hard_swish": lambda x: np.asarray(x, dtype=np.float64) * hard_sigmoid(x),
    "hard_tanh": lambda x: np.clip(np.asarray(x, dtype=np.float64), -1.0, 1.0),
    "squareplus": lambda x: 0.5 * (np.asarray(x, dtype=np.float64) + np.sqrt(np.square(x) + 4.0)),
    "gelu": gelu,
    "tanh_shrink": lambda x: np.asarray(x, dtype=np.float64) - np.tanh(x),
    "exponential": lambda x: np.exp(np.asarray(x, dtype=np.float64)),
    "mish": lambda x: np.asarray(x, dtype=np.float64) * np.tanh(softplus(x)),
    "log_sigmoid": lambda x: -softplus(-np.asarray(x, dtype=np.float64)),
    "softmax": _softmax,
    "log_softmax": _log_softmax,
}

#: Keras activations that the LSTM cannot use as they are (they change the shape or
#: need arguments a layer config does not carry).
UNSUPPORTED = {"glu", "threshold", "sparsemax"}


def get_activation(name: str) -> Activation:
    """Return the numpy version of the Keras 3 activation called ``name``.

    Parameters
    ----------
    name : str
        A Keras activation name, e.g. ``"tanh"``, ``"sigmoid"``, ``"hard_sigmoid"``.

    Returns
    -------
    callable
        A function of one numpy array that returns a float64 array of the same shape.

    Raises
    ------
    UnsupportedLayerError
        If ``name`` is not one of Keras 3's built-in element-wise activations.

    Example
    -------
    >>> get_activation("relu6")([-1.0, 3.0, 9.0]).tolist()
    [0.0, 3.0, 6.0]
    """
    if name not in ACTIVATIONS:
        known = ", ".join(sorted(ACTIVATIONS))
        raise UnsupportedLayerError(
            f"activation {name!r} is not supported: lstm-explained reproduces only Keras 3's "
            f"built-in element-wise activations ({known}). Use one of them in the layer."
        )
    return ACTIVATIONS[name]
