"""Argument checks of :mod:`lstm_explained.data`: one clear error for each bad input.

Example
-------
>>> one_series([1, 2, 3]).dtype
dtype('float64')
>>> one_series(["a", "b"])
Traceback (most recent call last):
...
lstm_explained.errors.DataError: values must be a Series or a 1-D array of numbers, not list.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from lstm_explained.errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    from lstm_explained.data import Windows


def is_real(x: object) -> bool:
    """A real number (numpy's too), not a bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def in_units(convert: Callable[..., np.ndarray], values: np.ndarray, *p0: np.ndarray) -> np.ndarray:
    """``convert(values, *p0)``, or a clear error when the shapes do not match."""
    try:
        np.broadcast_shapes(values.shape, *(p.shape for p in p0))
    except ValueError:
        raise DataError(
            f"values of shape {values.shape} do not match their windows, shape "
            f"{' and '.join(str(p.shape) for p in p0)}: give one window per value."
        ) from None
    return convert(values, *p0)


def check_windows(w: Windows) -> None:
    """A :class:`Windows` built by hand must hold what make_windows would give it."""

    def bad(why: str) -> DataError:
        return DataError(f"these Windows cannot be used: {why}. Build them with make_windows.")

    if isinstance(w.seq_len, bool) or not isinstance(w.seq_len, (int, np.integer)) or w.seq_len < 1:
        raise bad(f"seq_len is {w.seq_len!r}, not a whole number >= 1")
    from lstm_explained.data import Series

    if not isinstance(w.series, Series):
        raise bad(f"series is a {type(w.series).__name__}, not a Series")
    for split in ("train", "test"):
        x, y = (np.asarray(getattr(w, f"{a}_{split}")) for a in "xy")
        n = x.shape[0] if x.ndim == 3 else -1
        if x.ndim != 3 or x.shape[1] != w.seq_len or n < 1:
            raise bad(f"x_{split} has shape {x.shape}, not (N >= 1, seq_len={w.seq_len}, features)")
        for name in (f"y_{split}", f"p0_{split}", f"{split}_index"):
            if np.shape(getattr(w, name)) != (n,):
                shape = np.shape(getattr(w, name))
                raise bad(f"{name} has shape {shape}, not ({n},) like x_{split}")
        numeric = x.dtype.kind in "iuf" and y.dtype.kind in "iuf"
        if not (numeric and np.isfinite(x).all() and np.isfinite(y).all()):
            raise bad(f"x_{split} or y_{split} holds NaN, infinite or non-numeric values")


def one_series(values: object) -> np.ndarray:
    """The values of a Series or 1-D array of numbers as float64, or a clear error."""
    from lstm_explained.data import Series

    raw = values.values if isinstance(values, Series) else values
    try:
        v = np.asarray(raw)
    except (ValueError, TypeError):  # ragged lists and the like
        v = np.asarray(None)
    if v.dtype.kind not in "iuf":
        raise DataError(
            f"values must be a Series or a 1-D array of numbers, not {type(raw).__name__}"
            f"{f' of {v.dtype}' if isinstance(raw, np.ndarray) else ''}."
        )
    if v.ndim != 1:
        raise DataError(f"values must be one series (1-D); got shape {v.shape}.")
    return v.astype(np.float64)


__all__ = ["check_windows", "in_units", "is_real", "one_series"]
