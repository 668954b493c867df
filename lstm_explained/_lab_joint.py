"""The gate lab's joint run: each layer and its clamped copy in one batch of the engine.

:func:`lstm_explained.lab.intervene` needs the model's trace, checked against Keras, and
the same model rerun with some gates clamped. Run one after the other, the rerun costs
a second pass of the engine. Run together, the original windows and their clamped copies
are one batch of twice the windows: the engine's loop, its per-step calls and its
threads are shared, and on two cores the two halves run side by side (the engine splits a
big enough batch over threads; each layer's clamps act on the second half only, through
the engine's ``hook_rows``).

:class:`JointRun` is handed to :func:`lstm_explained.trace_gates` (its internal
``_runner``): the tracer gets the first half of every layer, exactly what the engine
computes for the windows alone, and checks it against Keras as always; the second half,
the clamped copy, stays on the runner (:attr:`JointRun.runs`). Layers before the first
clamped one run once: their clamped copy is the trace itself.

Example
-------
>>> import numpy as np
>>> from lstm_explained.engine import LSTMWeights
>>> from lstm_explained.kinds import LSTM
>>> from lstm_explained.lab import Clamp
>>> w = LSTMWeights.random(features=1, units=2)
>>> joint = JointRun((Clamp("forget", 0.0, 0, None, None),), layers=1)
>>> arrays = joint(0, LSTM, np.ones((3, 4, 1)), None, w, [slice(0, 3)], np.float64, None)
>>> float(np.abs(joint.runs[0][1]["forget"]).max()), bool(arrays["forget"].min() > 0)
(0.0, True)
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from lstm_explained.engine import run_lstm
from lstm_explained.errors import ModelError
from lstm_explained.kinds import LSTM
from lstm_explained.lab import apply_clamps


class JointRun:
    """Runs each LSTM layer of a trace together with its clamped copy (see the module).

    Parameters
    ----------
    clamps : tuple of lstm_explained.lab.Clamp
        The clamps, each naming its layer (index among the LSTM layers).
    layers : int
        Number of LSTM layers of the model.

    Attributes
    ----------
    runs : list
        Per layer, the clamped copy's ``(input, {quantity: (N, T, units)})``, filled as
        the tracer goes through the layers.
    """

    def __init__(self, clamps: tuple[Any, ...], layers: int) -> None:
        self.clamps = clamps
        self.first = min((c.layer for c in clamps), default=layers)
        self.runs: list[tuple[np.ndarray, dict[str, np.ndarray]]] = []

    def __call__(self, i: int, kind: Any, x: np.ndarray, mask: np.ndarray | None, w: Any,
                 chunks: list[slice], dtype: np.dtype, bar: Any) -> dict[str, np.ndarray]:
        """The tracer's run of layer ``i`` on ``x`` (see ``trace_gates``' ``_runner``)."""
        if kind is not LSTM or mask is not None or i != len(self.runs):
            raise ModelError("the gate lab replays forward, unmasked LSTM layers only.")
        if i < self.first:  # nothing clamped yet: the copy is the trace itself
            arrays = run_lstm(x, w, dtype=dtype)
            self.runs.append((x, arrays))
        else:
            n = len(x)
            copy_in = x if i == 0 else self.runs[-1][1]["hidden"]
            both = np.concatenate([x, np.asarray(copy_in, dtype=x.dtype)])
            mine = [c for c in self.clamps if c.layer == i]
            hook = partial(apply_clamps, mine) if mine else None
            run = run_lstm(both, w, dtype=dtype, hook=hook, hook_rows=slice(n, 2 * n))
            arrays = {q: a[:n] for q, a in run.items()}
            self.runs.append((both[n:], {q: a[n:] for q, a in run.items()}))
        if bar is not None:
            bar.update(len(chunks))
        return arrays


__all__ = ["JointRun"]
