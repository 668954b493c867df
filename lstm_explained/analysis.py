"""Analyses of a layer trace, in numpy only: gate saturation and the conveyor-belt ledger.

Both follow the trace's cell kind (:mod:`lstm_explained.kinds`): which gates saturate, and
how its belt's books are kept. For an LSTM:


* :func:`saturation` follows Karpathy, Johnson & Fei-Fei (2015), "Visualizing and
  Understanding Recurrent Networks": for every gate and unit, the fraction of timesteps
  at which the gate is *left-saturated* (value < 0.1, nearly closed) or
  *right-saturated* (value > 0.9, nearly open). Masked steps are not counted.
* :func:`ledger` splits each step of the cell state into what the forget gate kept,
  what it dropped and what the input gate wrote:
  ``C_t = kept + written`` and ``C_{t-1} = kept + forgotten``, with
  ``kept = f_t * C_{t-1}``, ``forgotten = (1 - f_t) * C_{t-1}``, ``written = i_t * C~_t``.

For the adding problem, :func:`find_memory_units` (from
:mod:`lstm_explained.memory_units`, re-exported here) finds the units that write the marked
values onto the belt and hold their sum.

All accept a :class:`~lstm_explained.trace.LayerTrace` (or anything with the same
attributes) and import neither TensorFlow nor Keras.

How far back the inputs still move the output lives in :mod:`lstm_explained.gradients`
and is re-exported here: :func:`~lstm_explained.gradients.input_gradients` (through Keras'
autodiff, which it imports only when called), :func:`~lstm_explained.gradients.memory_reach`,
and from a trace :func:`~lstm_explained.gradients.belt_gradient` (the belt's own derivative,
a product of forget gates) and :func:`~lstm_explained.gradients.time_constant`.

How far training moved each gate's weights from their initial values, the control for
"the trained model set its gates", lives in :mod:`lstm_explained.weight_change` and is
re-exported here: :func:`~lstm_explained.weight_change.weight_change` (it takes Keras
models, and imports Keras only when called).

Example
-------
>>> import numpy as np
>>> from lstm_explained.engine import LSTMWeights, run_lstm
>>> from lstm_explained.trace import LayerTrace
>>> run = run_lstm(np.ones((2, 6, 1)), LSTMWeights.random(features=1, units=3))
>>> lt = LayerTrace(name="l", layer_name="l", inputs=np.ones((2, 6, 1)), arrays=run)
>>> sat = saturation(lt)
>>> sat.left.shape  # (gates, units)
(3, 3)
>>> led = ledger(lt)
>>> bool(np.allclose(led.kept + led.written, lt.cell)), led.belt is lt.cell
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lstm_explained.errors import DataError
from lstm_explained.gradients import (
    Reach,
    belt_gradient,
    input_gradients,
    memory_reach,
    time_constant,
)
from lstm_explained.kinds import LSTM, get_kind
from lstm_explained.memory_units import MemoryUnits, find_memory_units
from lstm_explained.weight_change import WeightChange, weight_change

#: The gates Karpathy et al. measure in an LSTM: the three sigmoid gates (the candidate
#: is signed). Other kinds declare their own (``CellKind.saturation_gates``).
SATURATION_GATES: tuple[str, ...] = LSTM.saturation_gates


@dataclass
class Saturation:
    """Per gate and unit, the fraction of (sample, timestep) pairs that are saturated.

    Attributes
    ----------
    gates : tuple of str
        The gates, in the order of the rows of ``left`` and ``right``.
    left : ndarray
        (gates, units) fraction of counted steps with value < ``low``.
    right : ndarray
        (gates, units) fraction of counted steps with value > ``high``.
    low, high : float
        The thresholds used.
    n_steps : int
        How many (sample, timestep) pairs were counted (unmasked ones).
    """

    gates: tuple[str, ...]
    left: np.ndarray
    right: np.ndarray
    low: float
    high: float
    n_steps: int

    def __getitem__(self, gate: str) -> tuple[np.ndarray, np.ndarray]:
        """``(left, right)`` fractions of one gate, each (units,)."""
        if gate not in self.gates:
            raise KeyError(f"no saturation for {gate!r}; measured gates: {self.gates}")
        g = self.gates.index(gate)
        return self.left[g], self.right[g]

    @property
    def unsaturated(self) -> np.ndarray:
        """(gates, units) fraction of counted steps in neither regime."""
        return 1.0 - self.left - self.right


def saturation(
    trace: Any,
    low: float = 0.1,
    high: float = 0.9,
    gates: tuple[str, ...] | None = None,
) -> Saturation:
    """Fraction of timesteps at which each gate unit is left- or right-saturated.

    After Karpathy, Johnson & Fei-Fei (2015): a gate value below ``low`` counts as
    left-saturated (the gate is nearly closed), above ``high`` as right-saturated (nearly
    open). Fractions are over all samples and timesteps of the trace; masked steps (the
    trace's ``mask`` is False) are left out, since the cell skipped them.

    Parameters
    ----------
    trace : LayerTrace
        A layer trace (anything with the gate arrays (N, T, units) and ``mask``).
    low, high : float
        Thresholds; Karpathy et al. use 0.1 and 0.9.
    gates : tuple of str, optional
        Which gates to measure; by default those the trace's cell kind declares
        (an LSTM's forget, input and output gates).

    Returns
    -------
    Saturation
        ``left`` and ``right`` fractions, each (len(gates), units).

    Example
    -------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> f = np.array([[[0.05], [0.5], [0.95], [0.99]]])
    >>> s = saturation(SimpleNamespace(forget=f, mask=None), gates=("forget",))
    >>> s.left.tolist(), s.right.tolist()
    ([[0.25]], [[0.5]])
    """
    if not low < high:
        raise DataError(f"saturation thresholds must satisfy low < high; got {low}, {high}.")
    if gates is None:
        gates = get_kind(getattr(trace, "kind", "lstm")).saturation_gates
    mask = getattr(trace, "mask", None)
    lefts, rights = [], []
    n_steps = 0
    for gate in gates:
        values = np.asarray(getattr(trace, gate))
        if values.ndim != 3:
            raise DataError(f"{gate} must be (N, T, units); got shape {values.shape}.")
        if mask is None:
            flat = values.reshape(-1, values.shape[-1])
        else:
            flat = values[np.asarray(mask, dtype=bool)]
        n_steps = int(flat.shape[0])
        if n_steps == 0:
            lefts.append(np.full(values.shape[-1], np.nan))
            rights.append(np.full(values.shape[-1], np.nan))
            continue
        lefts.append(np.mean(flat < low, axis=0))
        rights.append(np.mean(flat > high, axis=0))
    return Saturation(
        gates=tuple(gates),
        left=np.array(lefts),
        right=np.array(rights),
        low=float(low),
        high=float(high),
        n_steps=n_steps,
    )


@dataclass
class Ledger:
    """The conveyor belt's books for every step, each array (N, T, units).

    ``previous`` is the belt before the step (an LSTM's C_{t-1}); ``kept`` and
    ``forgotten`` split it (``previous = kept + forgotten``); ``written`` is what the step
    added (``belt = kept + written``); ``belt`` is the belt after the step (C_t). At a
    masked step the belt did not move: everything was kept, nothing forgotten or written.
    For an LSTM: ``kept = f_t C_{t-1}``, ``forgotten = (1 - f_t) C_{t-1}``,
    ``written = i_t C~_t``.
    """

    previous: np.ndarray
    kept: np.ndarray
    forgotten: np.ndarray
    written: np.ndarray
    belt: np.ndarray

    @property
    def net_change(self) -> np.ndarray:
        """belt - previous = written - forgotten."""
        return self.written - self.forgotten


def ledger(trace: Any) -> Ledger:
    """Split every update of the belt into kept, forgotten and written parts.

    The belt starts from its initial state (zeros when None, as in Keras), so at t = 0
    nothing is kept or forgotten unless the layer had an initial state. How the books are
    kept is the trace's cell kind's own (``CellKind.ledger``).

    Parameters
    ----------
    trace : LayerTrace
        A layer trace (processing order, so the previous belt is index t - 1).

    Returns
    -------
    Ledger
        ``previous``, ``kept``, ``forgotten``, ``written`` and ``belt``, each (N, T, units).

    Example
    -------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> one = np.ones((1, 2, 1))
    >>> lt = SimpleNamespace(forget=0.5 * one, input=one, candidate=one,
    ...                      cell=np.array([[[1.0], [1.5]]]), mask=None, initial_cell=None)
    >>> led = ledger(lt)
    >>> led.kept[0, :, 0].tolist(), led.forgotten[0, :, 0].tolist()
    ([0.0, 0.5], [0.0, 0.5])
    """
    spec = get_kind(getattr(trace, "kind", "lstm"))
    books = spec.ledger(trace)
    return Ledger(belt=np.asarray(getattr(trace, spec.belt)), **books)


__all__ = [
    "SATURATION_GATES",
    "Ledger",
    "MemoryUnits",
    "Reach",
    "Saturation",
    "WeightChange",
    "belt_gradient",
    "find_memory_units",
    "input_gradients",
    "ledger",
    "memory_reach",
    "saturation",
    "time_constant",
    "weight_change",
]
