"""Where an engine writes a run: its time-major result arrays, allocated once.

An engine (:func:`lstm_explained.engine.run_lstm`, :func:`lstm_explained.gru_engine.run_gru`)
computes into time-major arrays (every step's gates one contiguous block) and hands back
(N, T, units) views of them. Given a :class:`Buffers` (``out=``), it writes there instead
of allocating: the tracer allocates each layer's buffers for all windows once and lets
several threads run parts of the windows through the whole stack of layers, each into its
own rows (:meth:`Buffers.rows`), with no copy to assemble afterwards
(:mod:`lstm_explained._tracer_stack`).

Example
-------
>>> import numpy as np
>>> b = Buffers({"hidden": (np.zeros((5, 4, 3)), 1)}, lambda a: {"h": a["hidden"]})
>>> part = b.rows(1, 3)
>>> part.arrays["hidden"].shape
(5, 2, 3)
>>> part.arrays["hidden"][...] = 1.0
>>> float(b.quantities()["h"].sum())
30.0
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lstm_explained.errors import DataError


class Buffers:
    """Time-major arrays of one run, each with the axis that indexes the windows.

    Parameters
    ----------
    arrays : dict
        ``{name: (array, window_axis)}``, the engine's own names (``"gates"``, ...).
    views : callable
        ``views(arrays) -> {quantity: (N, T, units) view}``: the engine's reading of its
        arrays as the kind's quantities.
    """

    def __init__(
        self, arrays: dict[str, tuple[np.ndarray, int]],
        views: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]],
    ) -> None:
        self._axes = {name: axis for name, (_, axis) in arrays.items()}
        self.arrays = {name: a for name, (a, _) in arrays.items()}
        self._views = views

    def rows(self, lo: int, hi: int) -> Buffers:
        """Windows ``lo:hi``: views into the same memory."""
        cut = {}
        for name, a in self.arrays.items():
            index = [slice(None)] * a.ndim
            index[self._axes[name]] = slice(lo, hi)
            cut[name] = (a[tuple(index)], self._axes[name])
        return Buffers(cut, self._views)

    def quantities(self) -> dict[str, np.ndarray]:
        """``{quantity: (N, T, units)}`` views of the arrays."""
        return self._views(self.arrays)

    def fits(self, n: int, steps: int, units: int, dtype: np.dtype, what: str) -> None:
        """Raise DataError unless these are buffers for ``n`` windows of ``steps`` steps,
        ``units`` units in ``dtype``."""
        for q, a in self.quantities().items():
            if a.shape != (n, steps, units) or a.dtype != dtype:
                raise DataError(
                    f"{what}: out's {q} is {a.shape} {a.dtype}; this run needs "
                    f"{(n, steps, units)} {np.dtype(dtype)}."
                )


__all__ = ["Buffers"]
