"""A univariate time series with optional dates: what every loader returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Series:
    """A univariate time series with optional dates.

    Parameters
    ----------
    values
        (n,) float64 values.
    dates
        (n,) ``datetime64[D]`` dates, or None for an undated series.
    name
        a short label for plots and tables.

    ``np.asarray(series)`` and ``len(series)`` work as for ``values``.
    """

    values: np.ndarray
    dates: np.ndarray | None = None
    name: str = "series"

    def __len__(self) -> int:
        return len(self.values)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return self.values if dtype is None else self.values.astype(dtype)


__all__ = ["Series"]
