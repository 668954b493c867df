"""Keras copies of a traced layer that show every state at every step, for the self-check.

A Keras recurrent layer returns its output at every step but its other states (an
LSTM's C) only at the last one. The self-check (:mod:`lstm_explained._tracer_check`)
compares every state at every step, so it runs a *checking copy* of each traced direction:
a ``keras.layers.RNN`` around Keras' own cell of the layer's kind, with the layer's
weights, whose output at step t is every state of the kind side by side, in Keras' state
order (:attr:`~lstm_explained.kinds.base.CellKind.keras_states`: an LSTM's ``[h_t,
C_t]``, a GRU's ``h_t``, which is its whole state). :func:`keras_float64` runs a float64
copy, the oracle that tells float32 rounding drift from a wrong recompute.

Keras is imported only when one of these functions runs.

Example
-------
>>> import numpy as np, keras
>>> gru = keras.layers.GRU(2, go_backwards=True)
>>> _ = gru(np.zeros((1, 3, 1)))
>>> copy = checking_copy(gru, "copy")
>>> tuple(copy(np.zeros((1, 3, 1))).shape), copy.go_backwards
((1, 3, 2), True)
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from lstm_explained._keras import keras, to_numpy
from lstm_explained.keras_layers import cell_kind
from lstm_explained.layer_trace import LayerTrace


@cache
def _cell_showing_c() -> type:
    """Keras' ``LSTMCell``, its arithmetic unchanged, carrying and outputting ``[h_t, C_t]``.

    The state is the one tensor ``[h, C]`` (and so is the output) rather than Keras'
    ``[h], [C]``: Keras' loops carry "the previous output" over a masked step, and JAX's
    takes it from the first state, so output and first state must be the same thing.
    """
    k = keras()

    class CellShowingC(k.layers.LSTMCell):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.state_size = [2 * self.units]
            self.output_size = 2 * self.units

        def call(self, inputs: Any, states: Any, training: bool = False) -> Any:
            state = states[0] if isinstance(states, (list, tuple)) else states
            h_prev, c_prev = k.ops.split(state, 2, axis=-1)
            h, (_, c) = super().call(inputs, [h_prev, c_prev], training=training)
            both = k.ops.concatenate([h, c], axis=-1)
            return both, [both]

    return CellShowingC


def _checking_cell(sub: Any, cfg: dict[str, Any]) -> Any:
    """A Keras cell computing what ``sub``'s cell computes, every state as its output."""
    k = keras()
    kind = cell_kind(sub)
    if kind is not None and kind.name == "lstm":
        return _cell_showing_c()(implementation=sub.cell.implementation, **cfg)
    # a kind whose output is its whole state (a GRU's h): Keras' own cell as it is
    cell_cls = getattr(k.layers, kind.keras_cell) if kind is not None else type(sub.cell)
    return cell_cls(implementation=sub.cell.implementation, **cfg)


#: The cell options that only choose a layer's first weights.
_INITIALIZERS = ("kernel_initializer", "recurrent_initializer", "bias_initializer")


def checking_copy(sub: Any, name: str, dtype: Any = None) -> Any:
    """A Keras RNN that computes what recurrent layer ``sub`` (an LSTM or a GRU) computes,
    returning every state at every step (:attr:`CellKind.keras_states`, side by side), in
    ``sub``'s processing order (weights: copy them with ``set_weights``); in ``sub``'s
    dtype policy, or ``dtype``."""
    k = keras()
    cfg = sub.cell.get_config()
    cfg.update(name=f"{name}_cell", dropout=0.0, recurrent_dropout=0.0)
    # Its weights are always the layer's (set_weights): zeros to start with spare the
    # initialisers' work (an orthogonal matrix; on JAX, each op compiled); and it has no
    # dropout to seed. So making it draws no random numbers: unseeded, Keras would draw
    # them from the generators a user seeds (Python's for a cell, its own for weights).
    cfg.update({key: "zeros" for key in _INITIALIZERS if key in cfg})
    if "seed" in cfg:
        cfg["seed"] = 0
    if dtype is not None:
        cfg["dtype"] = dtype
    return k.layers.RNN(
        _checking_cell(sub, cfg),
        return_sequences=True,
        go_backwards=sub.go_backwards,
        zero_output_for_mask=False,
        name=name,
        dtype=sub.dtype_policy if dtype is None else dtype,
    )


def split_states(seq: np.ndarray, lt: LayerTrace) -> dict[str, np.ndarray]:
    """A checking copy's output, (N, T, states·units), as ``{state: (N, T, units)}``.

    Example
    -------
    >>> from types import SimpleNamespace
    >>> from lstm_explained.kinds import LSTM
    >>> both = split_states(np.zeros((1, 2, 6)), SimpleNamespace(spec=LSTM, units=3))
    >>> {s: a.shape for s, a in both.items()}
    {'hidden': (1, 2, 3), 'cell': (1, 2, 3)}
    """
    u = lt.units
    return {s: seq[..., j * u : (j + 1) * u] for j, s in enumerate(lt.spec.keras_states)}


def keras_float64(sub: Any, lt: LayerTrace, idx: np.ndarray) -> dict[str, np.ndarray]:
    """Every state at every step (processing order) from a float64 copy of Keras layer
    ``sub`` on windows ``idx`` of the layer trace ``lt``: ``{state: (n, T, units)}``."""
    copy = checking_copy(sub, "lx_check_float64", dtype="float64")
    x = np.asarray(lt.in_input_order("inputs")[idx], dtype=np.float64)
    mask = None if lt.mask is None else lt.in_input_order("mask")[idx]
    copy.build(x.shape)  # its weights, without running it
    copy.set_weights([np.asarray(v, dtype=np.float64) for v in sub.get_weights()])
    seq = np.asarray(to_numpy(_long_run(copy, x.shape[1])(x, mask=mask)), dtype=np.float64)
    return split_states(seq, lt)


def _long_run(copy: Any, steps: int) -> Any:
    """``copy``, or on TensorFlow a ``tf.function`` of it when that is worth building for a
    run of ``steps`` steps, by the policy of the self-check's own Keras runs
    (:func:`lstm_explained._tracer_plan.worth_compiling`; this copy runs once)."""
    from lstm_explained._tracer_plan import worth_compiling  # it imports this module

    if keras().backend.backend() != "tensorflow" or not worth_compiling(steps, True):
        return copy
    import tensorflow as tf

    return tf.function(lambda x, mask: copy(x, mask=mask))


__all__ = ["checking_copy", "keras_float64", "split_states"]
