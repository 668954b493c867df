"""What every weights container of a cell shares (LSTM, GRU, the LSTM variants).

Each container holds Keras' ``kernel`` (features, blocks·units), ``recurrent_kernel``
(units, blocks·units) and ``bias``, in one float type (float32 stays float32, anything
else becomes float64). :func:`check_weights` validates and converts them once, in the
container's ``__post_init__``; :class:`WeightsBase` gives the sizes and ``astype``.

Example
-------
>>> from lstm_explained.engine import LSTMWeights
>>> w = LSTMWeights.random(features=2, units=3)
>>> w.units, w.features, w.astype(np.float32).dtype
(3, 2, dtype('float32'))
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from lstm_explained.activations import get_activation
from lstm_explained.errors import DataError


def check_weights(obj: Any, blocks: int, what: str, bias: bool = True) -> int:
    """Convert ``obj``'s kernel, recurrent_kernel (and, with ``bias``, its (blocks·units,)
    bias) in place to one float type, check their shapes for ``blocks`` gate blocks and
    the activations' names; return the number of units. With ``bias=False`` the caller
    checks a bias of another layout itself."""
    dtype = np.float32 if np.asarray(obj.kernel).dtype == np.float32 else np.float64
    k = np.asarray(obj.kernel, dtype=dtype)
    r = np.asarray(obj.recurrent_kernel, dtype=dtype)
    units = r.shape[0] if r.ndim == 2 else -1
    if k.ndim != 2 or r.shape != (units, blocks * units) or k.shape[1] != blocks * units:
        raise DataError(
            f"{what} weights have inconsistent shapes: kernel {k.shape}, recurrent_kernel "
            f"{r.shape}; expected (features, {blocks}*units) and (units, {blocks}*units)."
        )
    object.__setattr__(obj, "kernel", k)
    object.__setattr__(obj, "recurrent_kernel", r)
    if bias and obj.bias is not None:
        b = np.asarray(obj.bias, dtype=dtype).reshape(-1)
        if b.shape != (blocks * units,):
            raise DataError(f"{what} bias has shape {b.shape}; expected ({blocks * units},).")
        object.__setattr__(obj, "bias", b)
    get_activation(obj.activation)  # a bad name fails here, not in the loop
    get_activation(obj.recurrent_activation)
    return units


class WeightsBase:
    """Sizes and float type of a frozen weights dataclass (see :func:`check_weights`)."""

    @property
    def dtype(self) -> np.dtype:
        """The weights' float type (float32 or float64); the cell computes in it."""
        return self.kernel.dtype

    @property
    def units(self) -> int:
        """Number of units (the size of the states)."""
        return self.recurrent_kernel.shape[0]

    @property
    def features(self) -> int:
        """Number of input features (the size of x_t)."""
        return self.kernel.shape[0]

    def astype(self, dtype: type | np.dtype) -> Any:
        """The same weights (every array field) in float32 or float64."""
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise DataError(f"dtype must be float32 or float64; got {dtype}.")
        if dtype == self.dtype:
            return self
        arrays = {f.name: value.astype(dtype) for f in dataclasses.fields(self)
                  if isinstance(value := getattr(self, f.name), np.ndarray)}
        return dataclasses.replace(self, **arrays)


__all__ = ["WeightsBase", "check_weights"]
