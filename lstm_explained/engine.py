"""The fast engine: the LSTM cell of :mod:`lstm_explained.cell`, batched and in place.

The tracer and the forecasts run this; tutorial 01 reads :mod:`lstm_explained.cell`, and a
test checks the two agree to 1e-12 in float64. Same arithmetic, written for speed:

* a step's pre-activations ``W x_t + U h_{t-1} + b`` are one small matrix product,
  ``[h_{t-1}, x_t, 1] · [U; W; b]``, on one BLAS thread (:func:`single_threaded_blas`),
  written straight into time-major, gate-major result buffers ``(T, gate, window,
  unit)``, where the activations then overwrite them in place: every gate of a step is
  one contiguous block, so each element-wise operation runs over contiguous memory;
* the windows are independent, so a big enough batch is split over two threads, one
  part of the buffers each (:func:`default_threads`);
* the gate blocks are kept in the order i, f, o, C̃ (:data:`ORDER`: Keras' i, f, c, o with
  the candidate moved last), so the three sigmoid gates are one contiguous block;
* for the usual pair (sigmoid gates, tanh candidate) the four gates take one numpy
  ``tanh`` call together: the weights of the sigmoid gates are scaled once by 1/2,
  exactly (a power of two), so that ``tanh`` of the step's pre-activations is
  ``tanh(z / 2)`` for i, f, o, which ``(1 + t) / 2`` turns into ``sigmoid(z)``, and
  ``tanh(z)`` for the candidate (:func:`activate_fused`): three calls for all four gates,
  two for ``h_t = o_t ⊙ tanh(C_t)``. numpy's float32 and float64 ``tanh`` are vectorised
  (SIMD on AVX2, AVX-512 and ARM's NEON).

Weights use Keras' layout, the four blocks in the order i, f, c, o
(:data:`lstm_explained.kinds.LSTM.keras_blocks`).

Example
-------
>>> import numpy as np
>>> w = LSTMWeights.random(features=1, units=3, seed=0)
>>> run = run_lstm(np.ones((2, 5, 1)), w)
>>> run["hidden"].shape
(2, 5, 3)
>>> bool(np.allclose(run["cell"][:, 1], run["forget"][:, 1] * run["cell"][:, 0]
...                  + run["input"][:, 1] * run["candidate"][:, 1]))
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from lstm_explained._buffers import Buffers
from lstm_explained._recycle import empty
from lstm_explained._threads import default_threads, run_parts, split
from lstm_explained._weights import WeightsBase, check_weights
from lstm_explained.activations import ROW_WISE, apply_inplace, sigmoid_from_half_tanh
from lstm_explained.errors import DataError
from lstm_explained.kinds import LSTM

#: A step's hook: called with the four gates (views) after their activations.
Hook = Callable[[dict[str, np.ndarray]], None]

#: The gate blocks of the engine's buffers and of :func:`by_gate`: Keras' i, f, c, o with
#: the candidate last, so that the three sigmoid gates are one contiguous block.
ORDER: tuple[str, ...] = ("input", "forget", "output", "candidate")
_FROM_KERAS = [LSTM.keras_blocks.index(gate) for gate in ORDER]


@dataclass(frozen=True)
class LSTMWeights(WeightsBase):
    """The weights of one LSTM layer, in Keras' layout (gate blocks i, f, c, o).

    Parameters
    ----------
    kernel : ndarray
        (features, 4·units) input weights ``W``.
    recurrent_kernel : ndarray
        (units, 4·units) recurrent weights ``U``.
    bias : ndarray or None
        (4·units,) bias ``b``, or None for a layer with ``use_bias=False``.
    activation : str
        Name of the candidate / output squashing (Keras ``activation``).
    recurrent_activation : str
        Name of the gates' activation (Keras ``recurrent_activation``).

    float32 weights stay float32 (Keras' own precision, and twice as fast); anything
    else becomes float64.

    Example
    -------
    >>> LSTMWeights.random(features=2, units=4).kernel.shape
    (2, 16)
    """

    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray | None = None
    activation: str = "tanh"
    recurrent_activation: str = "sigmoid"

    def __post_init__(self) -> None:
        check_weights(self, 4, "LSTM")

    @classmethod
    def random(
        cls, features: int, units: int, seed: int = 0, scale: float = 0.5, **kwargs: str
    ) -> LSTMWeights:
        """Random weights, for examples and tests (normal, standard deviation ``scale``)."""
        rng = np.random.default_rng(seed)
        return cls(
            kernel=rng.normal(0, scale, (features, 4 * units)),
            recurrent_kernel=rng.normal(0, scale, (units, 4 * units)),
            bias=rng.normal(0, scale, 4 * units),
            **kwargs,
        )


# ----------------------------------------------------------------------------------
# The step and the loop
# ----------------------------------------------------------------------------------
def step_inplace(
    z: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, weights: LSTMWeights,
    recurrent: np.ndarray, c_t: np.ndarray, h_t: np.ndarray, scratch: np.ndarray,
    hook: Hook | None = None,
) -> None:
    """One batched step, in place: :func:`lstm_explained.cell.lstm_step`, for speed.

    ``z`` (4, batch, units) holds ``W x_t + b`` gate by gate (:data:`ORDER`: i, f, o, c)
    and receives the four gate activations; ``recurrent`` is ``U`` as (4, units, units),
    gate by gate (:func:`by_gate`); ``c_t`` and ``h_t`` receive the new states (they may
    be ``c_prev`` and ``h_prev``: the update is element-wise); ``scratch`` is a (4, batch,
    units) buffer.
    """
    np.matmul(h_prev, recurrent, out=scratch)  # U h_{t-1}, gate by gate
    z += scratch  # z = W x_t + U h_{t-1} + b
    activate_inplace(z, c_prev, weights, c_t, h_t, scratch[0], hook)


def activate_inplace(
    z: np.ndarray, c_prev: np.ndarray, weights: LSTMWeights, c_t: np.ndarray,
    h_t: np.ndarray, written: np.ndarray, hook: Hook | None = None,
) -> None:
    """The rest of a step once ``z`` (4, batch, units) holds the pre-activations ``W x_t +
    U h_{t-1} + b`` (:data:`ORDER`): the gates in place, then ``C_t`` and ``h_t``;
    ``written`` is a (batch, units) buffer."""
    i_t, f_t, o_t, c_tilde_t = z
    sigma, act = weights.recurrent_activation, weights.activation
    if sigma in ROW_WISE:  # e.g. softmax: each gate's block on its own, as Keras does
        for gate in (i_t, f_t, o_t):
            apply_inplace(sigma, gate)
    else:
        apply_inplace(sigma, z[:3])  # i_t, f_t and o_t, one block
    apply_inplace(act, c_tilde_t)
    if hook is not None:  # e.g. the gate lab's clamps, before the gates act
        hook({"input": i_t, "forget": f_t, "candidate": c_tilde_t, "output": o_t})
    np.multiply(i_t, c_tilde_t, out=written)  # i_t ⊙ C̃_t
    np.multiply(f_t, c_prev, out=c_t)  # f_t ⊙ C_{t-1}
    c_t += written  # C_t
    np.copyto(h_t, c_t)
    apply_inplace(act, h_t)
    h_t *= o_t  # h_t = o_t ⊙ tanh(C_t)


def gate_blocks(weights: LSTMWeights) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``W``, ``U`` and ``b`` gate by gate in :data:`ORDER`: (4, features, units),
    (4, units, units) and (4, 1, units), or None for a layer without bias.

    Example
    -------
    >>> [a.shape for a in gate_blocks(LSTMWeights.random(features=2, units=3))]
    [(4, 2, 3), (4, 3, 3), (4, 1, 3)]
    """
    u = weights.units
    bias = None if weights.bias is None else by_gate(weights.bias[None], u)
    return by_gate(weights.kernel, u), by_gate(weights.recurrent_kernel, u), bias


def _fused_scales(weights: LSTMWeights) -> np.ndarray | None:
    """(4, 1, 1) gate scales for :func:`activate_fused`, in :data:`ORDER` (1/2 for the sigmoid
    gates i, f, o, 1 for the tanh candidate), or None for other activations."""
    if (weights.recurrent_activation, weights.activation) != ("sigmoid", "tanh"):
        return None
    return np.array([0.5, 0.5, 0.5, 1.0], weights.dtype).reshape(4, 1, 1)


def by_gate(a: np.ndarray, units: int) -> np.ndarray:
    """Keras' (rows, 4·units) blocks i, f, c, o as (4, rows, units), gate by gate, in the
    engine's :data:`ORDER` (i, f, o, c).

    Example
    -------
    >>> by_gate(np.arange(8.0).reshape(1, 8), units=2)[:, 0]
    array([[0., 1.],
           [2., 3.],
           [6., 7.],
           [4., 5.]])
    """
    return np.ascontiguousarray(a.reshape(-1, 4, units)[:, _FROM_KERAS].transpose(1, 0, 2))


def activate_fused(
    z: np.ndarray, c_prev: np.ndarray, c_t: np.ndarray, h_t: np.ndarray,
    written: np.ndarray, hook: Hook | None = None,
) -> None:
    """:func:`activate_inplace` for sigmoid gates and a tanh candidate, from scaled
    pre-activations.

    ``z`` (4, batch, units) holds ``s ⊙ (W x_t + U h_{t-1} + b)`` with ``s`` = (1/2, 1/2,
    1/2, 1) per gate (i, f, o, c: :data:`ORDER`; the weights are scaled, exactly): one
    ``tanh`` gives ``tanh(z / 2)`` for i, f, o, which ``(1 + t) / 2`` turns into
    ``sigmoid(z)``, and the candidate's ``tanh(z)``.
    """
    np.tanh(z, out=z)  # tanh(z / 2) for i, f, o; the candidate's tanh(z)
    sigmoid_from_half_tanh(z[:3])
    i_t, f_t, o_t, c_tilde_t = z
    if hook is not None:  # e.g. the gate lab's clamps, before the gates act
        hook({"input": i_t, "forget": f_t, "candidate": c_tilde_t, "output": o_t})
    np.multiply(i_t, c_tilde_t, out=written)  # i_t ⊙ C̃_t
    np.multiply(f_t, c_prev, out=c_t)  # f_t ⊙ C_{t-1}
    c_t += written  # C_t
    np.tanh(c_t, out=h_t)
    h_t *= o_t  # h_t = o_t ⊙ tanh(C_t)


def _parts_at(hook_rows: slice, n: int) -> list[tuple[int, int]]:
    """The batch cut at the edges of ``hook_rows``: hooked windows and the others never
    share a numpy call, so each computes bit for bit what it would alone."""
    start, stop, _ = hook_rows.indices(n)
    edges = sorted({0, start, stop, n})
    return [(lo, hi) for lo, hi in zip(edges, edges[1:], strict=False) if hi > lo]


def run_lstm(
    x: np.ndarray,
    weights: LSTMWeights,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    mask: np.ndarray | None = None,
    dtype: type | np.dtype = np.float64,
    threads: int | None = None,
    hook: Callable[[int, dict[str, np.ndarray]], None] | None = None,
    hook_rows: slice | None = None,
    out: Buffers | None = None,
) -> dict[str, np.ndarray]:
    """Run the cell over whole sequences and keep every gate and state at every step.

    Parameters
    ----------
    x : ndarray
        (batch, timesteps, features) input sequences, in processing order.
    weights : LSTMWeights
        The layer's weights.
    h0, c0 : ndarray, optional
        (batch, units) initial states; zeros (as in Keras) when None.
    mask : ndarray, optional
        (batch, timesteps) booleans; where False the step is skipped as Keras skips it:
        h and C are carried over unchanged. The gates are still reported for masked
        steps (what the cell would have computed); use the mask to hide them.
    dtype : float64 or float32
        Precision (float32 is what Keras computes in, and about twice as fast).
    threads : int, optional
        Split the batch over this many threads (each window's recurrence is independent
        of the others'; numpy releases the GIL in its loops, so the parts run on separate
        cores). None picks :func:`default_threads` for the batch. The result depends on
        it only in the last bits (BLAS and numpy's SIMD loops treat block edges apart).
    hook : callable, optional
        ``hook(t, gates)`` at every step t, after the activations and before the gates
        act: ``gates`` maps "input", "forget", "candidate", "output" to (windows, units)
        views it may change in place (the gate lab's clamps, :mod:`lstm_explained.lab`).
        It may be called for a part of the windows at a time, from several threads.
    hook_rows : slice, optional
        Call the hook on windows ``hook_rows`` only (a ``start:stop`` range of the batch);
        the others run untouched. The batch is then cut at that range's edges rather than
        split evenly, each part on a thread of its own when ``threads`` (or the default)
        allows two: the windows inside and outside compute bit for bit what they would
        as a batch of their own. The gate lab runs a model and its clamped copy as one
        batch this way (:func:`lstm_explained.lab.intervene`).
    out : Buffers, optional
        Write into these (:func:`lstm_buffers` for this batch, or rows of bigger ones)
        instead of allocating; the returned arrays are views of them.

    Returns
    -------
    dict
        ``{quantity: (batch, timesteps, units)}`` for every quantity of
        :data:`lstm_explained.kinds.LSTM` (f, i, C̃, o, C, h).
    """
    weights = weights.astype(dtype)
    dtype = weights.dtype
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[2] != weights.features:
        raise DataError(
            f"x must have shape (batch, timesteps, {weights.features}); got {x.shape}."
        )
    n, steps, _ = x.shape
    if hook_rows is not None and not (isinstance(hook_rows, slice) and hook_rows.step in (None, 1)):
        raise DataError(f"hook_rows must be a slice start:stop; got {hook_rows!r}.")
    u = weights.units
    if out is None:
        out = lstm_buffers(n, steps, u, dtype)
    out.fits(n, steps, u, dtype, "run_lstm")
    gates, cells, hiddens = (out.arrays[a] for a in ("gates", "cells", "hiddens"))
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2), dtype=dtype)
    h = np.zeros((n, u), dtype) if h0 is None else np.asarray(h0, dtype=dtype)
    c = np.zeros((n, u), dtype) if c0 is None else np.asarray(c0, dtype=dtype)
    skip = None
    if mask is not None:
        keep = np.asarray(mask, dtype=bool)
        if keep.shape != (n, steps):
            raise DataError(f"mask must have shape {(n, steps)}; got {keep.shape}.")
        skip = np.ascontiguousarray(~keep.T)[:, :, None]  # (T, N, 1): True where skipped
    # Every gate's pre-activation in one product: [h_{t-1}, x_t, 1] · [U; W; b], gate by
    # gate; for the fused activations the sigmoid gates' columns are scaled (exactly: by
    # 1/2) in the weights, not in the result.
    kernel, recurrent, bias = gate_blocks(weights)
    blocks = [recurrent, kernel] if bias is None else [recurrent, kernel, bias]
    stacked = np.concatenate(blocks, axis=1)  # (4, units + features [+ 1], units)
    fused = _fused_scales(weights)
    if fused is not None:
        stacked *= fused
    features = weights.features

    def run_part(lo: int, hi: int) -> None:
        """Windows lo:hi, every step: their slices of the time-major buffers are
        contiguous blocks, and no other part reads or writes them."""
        hx = np.empty((hi - lo, stacked.shape[1]), dtype)  # [h_{t-1}, x_t, 1]
        h_prev = hx[:, :u]
        h_prev[:] = h[lo:hi]
        hx[:, u + features :] = 1.0
        written = np.empty((hi - lo, u), dtype)
        c_t = c[lo:hi]
        # with hook_rows the parts are cut at its edges: a part is all in it or all out
        hooked = hook is not None and (hook_rows is None or lo in range(*hook_rows.indices(n)))
        with np.errstate(over="ignore"):  # an in-place sigmoid's exp may overflow to inf
            for t in range(steps):
                z, c_out, h_out = gates[t, :, lo:hi], cells[t, lo:hi], hiddens[t, lo:hi]
                np.copyto(hx[:, u : u + features], x_tm[t, lo:hi])
                np.matmul(hx, stacked, out=z)  # W x_t + U h_{t-1} + b, gate by gate
                at_t = partial(hook, t) if hooked else None
                if fused is None:
                    activate_inplace(z, c_t, weights, c_out, h_out, written, at_t)
                else:
                    activate_fused(z, c_t, c_out, h_out, written, at_t)
                if skip is not None and skip[t, lo:hi].any():  # carry the states over
                    np.copyto(c_out, c_t, where=skip[t, lo:hi])
                    np.copyto(h_out, h_prev, where=skip[t, lo:hi])
                np.copyto(h_prev, h_out)
                c_t = c_out

    workers = default_threads(n, u) if threads is None else threads
    parts = split(n, workers) if hook_rows is None else _parts_at(hook_rows, n)
    run_parts(run_part, parts, workers)
    return out.quantities()


def _views(a: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The (N, T, units) quantities of :func:`lstm_buffers`' time-major arrays."""
    blocks = {name: a["gates"][:, k].transpose(1, 0, 2) for k, name in enumerate(ORDER)}
    states = {LSTM.belt: a["cells"].transpose(1, 0, 2),
              LSTM.output: a["hiddens"].transpose(1, 0, 2)}
    return {name: (blocks | states)[name] for name in LSTM.names}


def lstm_buffers(n: int, steps: int, units: int, dtype: type | np.dtype) -> Buffers:
    """Empty result arrays for :func:`run_lstm` (its ``out``): the gates time-major and
    gate-major, ``(T, gate, window, unit)`` in :data:`ORDER` (each step's pre-activations,
    then its activations), the states ``(T, window, unit)``; big ones in memory recycled
    from freed traces (:mod:`lstm_explained._recycle`).

    Example
    -------
    >>> b = lstm_buffers(n=3, steps=5, units=2, dtype=np.float32)
    >>> b.quantities()["forget"].shape, b.rows(0, 1).quantities()["cell"].shape
    ((3, 5, 2), (1, 5, 2))
    """
    return Buffers({"gates": (empty((steps, 4, n, units), dtype), 2),
                    "cells": (empty((steps, n, units), dtype), 1),
                    "hiddens": (empty((steps, n, units), dtype), 1)}, _views)


__all__ = ["ORDER", "LSTMWeights", "activate_fused", "activate_inplace", "by_gate",
           "gate_blocks", "lstm_buffers", "run_lstm", "step_inplace"]
