"""The package's one Pearson correlation of many columns against one target.

Example
-------
>>> import numpy as np
>>> column_correlations(np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]]), np.arange(3.0))
array([1., 0.])
"""

from __future__ import annotations

import numpy as np


def column_correlations(values: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column of ``values`` (N, U) with ``target`` (N,).

    A constant column (no variation) correlates 0.
    """
    v = values - values.mean(axis=0)
    t = target - target.mean()
    denom = np.sqrt((v**2).sum(axis=0) * (t**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (v * t[:, None]).sum(axis=0) / denom
    return np.where(denom > 0, r, 0.0)


__all__ = ["column_correlations"]
