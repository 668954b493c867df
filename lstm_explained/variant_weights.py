"""The weights of the two LSTM variants of :mod:`lstm_explained.variants`, in Keras' layout.

:class:`PeepholeWeights` is an LSTM's ``kernel``, ``recurrent_kernel`` and ``bias`` (blocks
i, f, c, o, as :class:`lstm_explained.engine.LSTMWeights`) plus three peephole vectors
p_f, p_i, p_o, one weight per unit each. :class:`CoupledWeights` has three blocks only,
i, c, o: the forget gate is 1 - i_t and has no weights. Each can be built from an LSTM's
weights (``from_lstm``): zero peepholes give the LSTM exactly, coupling drops the forget
block.

Example
-------
>>> from lstm_explained.engine import LSTMWeights
>>> lstm = LSTMWeights.random(features=2, units=3)
>>> PeepholeWeights.from_lstm(lstm).p_f.tolist()
[0.0, 0.0, 0.0]
>>> CoupledWeights.from_lstm(lstm).kernel.shape
(2, 9)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_explained._weights import WeightsBase, check_weights
from lstm_explained.engine import LSTMWeights
from lstm_explained.errors import DataError


@dataclass(frozen=True)
class PeepholeWeights(WeightsBase):
    """The weights of a peephole LSTM: an LSTM's W, U, b (blocks i, f, c, o) and p_f, p_i, p_o.

    Parameters
    ----------
    kernel : ndarray
        (features, 4·units) input weights ``W``, blocks i, f, c, o.
    recurrent_kernel : ndarray
        (units, 4·units) recurrent weights ``U``.
    bias : ndarray or None
        (4·units,) bias ``b``, or None for no bias.
    p_f, p_i, p_o : ndarray
        (units,) peephole weights of the forget, input and output gates.
    activation, recurrent_activation : str
        Keras names of the squashing (tanh) and of the gates' activation (sigmoid).

    Example
    -------
    >>> PeepholeWeights.random(features=2, units=4).p_o.shape
    (4,)
    """

    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray | None
    p_f: np.ndarray
    p_i: np.ndarray
    p_o: np.ndarray
    activation: str = "tanh"
    recurrent_activation: str = "sigmoid"

    def __post_init__(self) -> None:
        units = check_weights(self, 4, "peephole LSTM")
        for name in ("p_f", "p_i", "p_o"):
            p = np.asarray(getattr(self, name), dtype=self.dtype)
            if p.shape != (units,):
                raise DataError(
                    f"peephole weights {name} have shape {p.shape}; expected ({units},), "
                    "one weight per unit (the peephole is element-wise)."
                )
            object.__setattr__(self, name, p)

    @classmethod
    def from_lstm(cls, weights: LSTMWeights, p_f=None, p_i=None, p_o=None) -> PeepholeWeights:
        """An LSTM's weights with peepholes added (zeros where not given: the LSTM exactly).

        Example
        -------
        >>> lstm = LSTMWeights.random(features=1, units=2)
        >>> PeepholeWeights.from_lstm(lstm, p_f=[1.0, -1.0]).p_f.tolist()
        [1.0, -1.0]
        """
        zeros = np.zeros(weights.units, dtype=weights.dtype)
        return cls(
            weights.kernel, weights.recurrent_kernel, weights.bias,
            zeros if p_f is None else p_f, zeros if p_i is None else p_i,
            zeros if p_o is None else p_o, weights.activation, weights.recurrent_activation,
        )

    @classmethod
    def random(cls, features: int, units: int, seed: int = 0, scale: float = 0.5,
               **kwargs: str) -> PeepholeWeights:
        """Random weights, for examples and tests (normal, standard deviation ``scale``)."""
        lstm = LSTMWeights.random(features, units, seed=seed, scale=scale, **kwargs)
        p = np.random.default_rng([seed, 1]).normal(0, scale, (3, units))
        return cls.from_lstm(lstm, p_f=p[0], p_i=p[1], p_o=p[2])


@dataclass(frozen=True)
class CoupledWeights(WeightsBase):
    """The weights of an LSTM with coupled forget and input gates: blocks i, c, o only.

    Parameters
    ----------
    kernel : ndarray
        (features, 3·units) input weights ``W``, blocks i, c, o.
    recurrent_kernel : ndarray
        (units, 3·units) recurrent weights ``U``.
    bias : ndarray or None
        (3·units,) bias ``b``, or None for no bias.
    activation, recurrent_activation : str
        Keras names of the squashing (tanh) and of the gates' activation (sigmoid).

    Example
    -------
    >>> CoupledWeights.random(features=2, units=4).recurrent_kernel.shape
    (4, 12)
    """

    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray | None = None
    activation: str = "tanh"
    recurrent_activation: str = "sigmoid"

    def __post_init__(self) -> None:
        check_weights(self, 3, "coupled LSTM")

    @classmethod
    def from_lstm(cls, weights: LSTMWeights) -> CoupledWeights:
        """An LSTM's weights without the forget block (columns units:2·units of i, f, c, o).

        Example
        -------
        >>> lstm = LSTMWeights.random(features=1, units=2)
        >>> bool((CoupledWeights.from_lstm(lstm).bias[:2] == lstm.bias[:2]).all())
        True
        """
        u = weights.units
        keep = np.r_[0:u, 2 * u : 4 * u]  # i, c, o: the forget block u:2u goes
        return cls(
            weights.kernel[:, keep], weights.recurrent_kernel[:, keep],
            None if weights.bias is None else weights.bias[keep],
            weights.activation, weights.recurrent_activation,
        )

    @classmethod
    def random(cls, features: int, units: int, seed: int = 0, scale: float = 0.5,
               **kwargs: str) -> CoupledWeights:
        """Random weights, for examples and tests (normal, standard deviation ``scale``)."""
        return cls.from_lstm(LSTMWeights.random(features, units, seed=seed, scale=scale,
                                                **kwargs))
