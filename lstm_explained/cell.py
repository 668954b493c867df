r"""The LSTM cell in numpy, written in Olah's notation.

This is both the explanation and the engine: the first tutorial reads this code, and the
tracer runs it to recover every gate of a trained Keras layer. One step of the cell::

    f_t  = σ(W_f x_t + U_f h_{t-1} + b_f)     forget gate: how much of C_{t-1} to keep
    i_t  = σ(W_i x_t + U_i h_{t-1} + b_i)     input gate: how much of the candidate to write
    C̃_t  = tanh(W_c x_t + U_c h_{t-1} + b_c)  candidate: what could be written
    o_t  = σ(W_o x_t + U_o h_{t-1} + b_o)     output gate: how much of the cell to show
    C_t  = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t           the conveyor belt moves on
    h_t  = o_t ⊙ tanh(C_t)                     what the cell shows

``σ`` is the layer's ``recurrent_activation`` and ``tanh`` its ``activation``; Keras
lets both be chosen, so they are looked up by name in :mod:`lstm_explained.activations`.

Weights use Keras' layout: ``kernel`` (features, 4·units), ``recurrent_kernel``
(units, 4·units) and ``bias`` (4·units,), the four blocks in the order i, f, c, o.

Example
-------
>>> import numpy as np
>>> from lstm_explained.cell import LSTMWeights, run_lstm
>>> w = LSTMWeights.random(features=1, units=3, seed=0)
>>> run = run_lstm(np.ones((2, 5, 1)), w)
>>> run.hidden.shape
(2, 5, 3)
>>> bool(np.allclose(run.cell[:, 1], run.forget[:, 1] * run.cell[:, 0]
...                  + run.input[:, 1] * run.candidate[:, 1]))
True
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from lstm_explained.activations import ROW_WISE, apply_inplace, get_activation
from lstm_explained.errors import DataError


@dataclass(frozen=True)
class LSTMWeights:
    """The weights of one LSTM layer, in Keras' layout (gate blocks i, f, c, o).

    Args:
        kernel: (features, 4·units) input weights ``W``.
        recurrent_kernel: (units, 4·units) recurrent weights ``U``.
        bias: (4·units,) bias ``b``, or None for a layer with ``use_bias=False``.
        activation: name of the candidate / output squashing (Keras ``activation``).
        recurrent_activation: name of the gates' activation (Keras ``recurrent_activation``).
    """

    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray | None = None
    activation: str = "tanh"
    recurrent_activation: str = "sigmoid"

    def __post_init__(self) -> None:
        # float32 weights stay float32 (Keras' own precision, and twice as fast); anything
        # else becomes float64.
        dtype = np.float32 if np.asarray(self.kernel).dtype == np.float32 else np.float64
        k = np.asarray(self.kernel, dtype=dtype)
        r = np.asarray(self.recurrent_kernel, dtype=dtype)
        units = r.shape[0]
        if k.ndim != 2 or r.shape != (units, 4 * units) or k.shape[1] != 4 * units:
            raise DataError(
                f"LSTM weights have inconsistent shapes: kernel {k.shape}, recurrent_kernel "
                f"{r.shape}; expected (features, 4*units) and (units, 4*units)."
            )
        object.__setattr__(self, "kernel", k)
        object.__setattr__(self, "recurrent_kernel", r)
        if self.bias is not None:
            b = np.asarray(self.bias, dtype=dtype).reshape(-1)
            if b.shape != (4 * units,):
                raise DataError(f"LSTM bias has shape {b.shape}; expected ({4 * units},).")
            object.__setattr__(self, "bias", b)
        # Resolve the activations now so that a bad name fails at construction.
        get_activation(self.activation)
        get_activation(self.recurrent_activation)

    @property
    def dtype(self) -> np.dtype:
        """The weights' float type (float32 or float64); the cell computes in it."""
        return self.kernel.dtype

    def astype(self, dtype: type | np.dtype) -> LSTMWeights:
        """The same weights in another float type (float32 or float64).

        Example
        -------
        >>> LSTMWeights.random(features=1, units=2).astype(np.float32).dtype
        dtype('float32')
        """
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise DataError(f"dtype must be float32 or float64; got {dtype}.")
        if dtype == self.dtype:
            return self
        return LSTMWeights(
            kernel=self.kernel.astype(dtype),
            recurrent_kernel=self.recurrent_kernel.astype(dtype),
            bias=None if self.bias is None else self.bias.astype(dtype),
            activation=self.activation,
            recurrent_activation=self.recurrent_activation,
        )

    @property
    def units(self) -> int:
        """Number of units (the size of h_t and C_t)."""
        return self.recurrent_kernel.shape[0]

    @property
    def features(self) -> int:
        """Number of input features (the size of x_t)."""
        return self.kernel.shape[0]

    @classmethod
    def random(
        cls, features: int, units: int, seed: int = 0, scale: float = 0.5, **kwargs: str
    ) -> LSTMWeights:
        """Random weights, for examples and tests.

        Example
        -------
        >>> LSTMWeights.random(features=2, units=4).kernel.shape
        (2, 16)
        """
        rng = np.random.default_rng(seed)
        return cls(
            kernel=rng.normal(0, scale, (features, 4 * units)),
            recurrent_kernel=rng.normal(0, scale, (units, 4 * units)),
            bias=rng.normal(0, scale, 4 * units),
            **kwargs,
        )


@dataclass
class LSTMRun:
    """Everything one LSTM layer computed, each array (batch, timesteps, units).

    ``forget``, ``input``, ``candidate`` and ``output`` are f_t, i_t, C̃_t and o_t;
    ``cell`` and ``hidden`` are C_t and h_t after step t.
    """

    forget: np.ndarray
    input: np.ndarray
    candidate: np.ndarray
    output: np.ndarray
    cell: np.ndarray
    hidden: np.ndarray


def project_inputs(x: np.ndarray, weights: LSTMWeights) -> np.ndarray:
    """``W x_t + b`` for every timestep at once: (batch, timesteps, 4·units).

    The input half of each gate does not depend on the recurrence, so it is computed
    for the whole sequence in one matrix product; only ``U h_{t-1}`` is left to the loop.
    """
    z = np.asarray(x, dtype=weights.dtype) @ weights.kernel
    if weights.bias is not None:
        z += weights.bias
    return z


def lstm_step(
    x_proj_t: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    weights: LSTMWeights,
    out: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One step of the cell, batched: the equations at the top of this module.

    This is the only implementation of the step: :func:`run_lstm` (and so the tracer)
    and the forecasts' feedback loop call it with preallocated ``out`` buffers, the
    tutorial calls it without.

    Args:
        x_proj_t: (batch, 4·units) the projected input ``W x_t + b`` (see :func:`project_inputs`).
        h_prev: (batch, units) the previous hidden state h_{t-1}.
        c_prev: (batch, units) the previous cell state C_{t-1}.
        weights: the layer's weights.
        out: optional ``(z, c_t, h_t)`` buffers to write into instead of allocating:
            ``z`` (batch, 4·units) receives the four gate activations (it may be
            ``x_proj_t`` itself), ``c_t`` and ``h_t`` (batch, units) the new states
            (they may be ``c_prev`` and ``h_prev``: the update is element-wise).

    Returns:
        ``(f_t, i_t, C̃_t, o_t, C_t, h_t)``, each (batch, units); the gates are views of ``z``.

    Example
    -------
    >>> w = LSTMWeights.random(features=1, units=2)
    >>> h = c = np.zeros((1, 2))
    >>> f_t, i_t, c_tilde_t, o_t, c_t, h_t = lstm_step(project_inputs([[1.0]], w), h, c, w)
    >>> bool(np.allclose(c_t, f_t * c + i_t * c_tilde_t))
    True
    """
    u = weights.units
    if out is None:
        z = np.empty(np.shape(x_proj_t), dtype=weights.dtype)
        c_t = np.empty(np.shape(c_prev), dtype=weights.dtype)
        h_t = np.empty(np.shape(h_prev), dtype=weights.dtype)
    else:
        z, c_t, h_t = out
    recurrent = h_prev @ weights.recurrent_kernel  # U h_{t-1}
    np.add(x_proj_t, recurrent, out=z)  # z = W x_t + U h_{t-1} + b, blocks i, f, c, o
    i_t, f_t, c_tilde_t, o_t = (z[:, k * u : (k + 1) * u] for k in range(4))
    sigma, act = weights.recurrent_activation, weights.activation
    if sigma in ROW_WISE:  # e.g. softmax: each gate's block on its own, as Keras does
        for gate in (i_t, f_t, o_t):
            apply_inplace(sigma, gate)
    else:
        apply_inplace(sigma, z[:, : 2 * u])  # i_t and f_t, side by side
        apply_inplace(sigma, o_t)
    apply_inplace(act, c_tilde_t)
    np.multiply(i_t, c_tilde_t, out=recurrent[:, :u])  # what is written: i_t ⊙ C̃_t
    np.multiply(f_t, c_prev, out=c_t)  # what is kept: f_t ⊙ C_{t-1}
    c_t += recurrent[:, :u]  # the conveyor belt moves on: C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t
    np.copyto(h_t, c_t)
    apply_inplace(act, h_t)
    h_t *= o_t  # what the cell shows: h_t = o_t ⊙ tanh(C_t)
    return f_t, i_t, c_tilde_t, o_t, c_t, h_t


_BLAS_THREADS: tuple | None = None  # (get, set) of numpy's OpenBLAS, found once


def _openblas_controls() -> tuple:
    """numpy's OpenBLAS thread getter/setter, or ``(None, None)`` where not found."""
    global _BLAS_THREADS
    if _BLAS_THREADS is None:
        _BLAS_THREADS = (None, None)
        if sys.platform.startswith("linux"):
            try:
                with open("/proc/self/maps") as maps:
                    libs = {ln.split()[-1] for ln in maps if "openblas" in ln.lower()}
                for path in sorted(libs):
                    lib = ctypes.CDLL(path)
                    for prefix in ("scipy_openblas", "openblas"):
                        for suffix in ("64_", ""):
                            get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                            put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                            if get is not None and put is not None:
                                put.argtypes = [ctypes.c_int]
                                _BLAS_THREADS = (get, put)
                                return _BLAS_THREADS
            except OSError:  # pragma: no cover - no /proc or an unloadable library
                pass
    return _BLAS_THREADS


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run numpy's small per-step matrix products on one thread.

    The cell's loop does T small products (batch x units by units x 4 units). OpenBLAS
    splits each over all cores, and on a busy 2-core machine (TensorFlow's own threads,
    a test runner) the threads wait for each other: the loop becomes ~15x slower. One
    thread is as fast when the machine is idle and immune to that. Linux with numpy's
    bundled OpenBLAS only; elsewhere a no-op.
    """
    get, put = _openblas_controls()
    if get is None:
        yield
        return
    before = get()
    put(1)
    try:
        yield
    finally:
        put(before)


def run_lstm(
    x: np.ndarray,
    weights: LSTMWeights,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    mask: np.ndarray | None = None,
    dtype: type | np.dtype = np.float64,
) -> LSTMRun:
    """Run the cell over whole sequences and keep every gate at every step.

    This is :func:`lstm_step` applied T times, written for speed: the input half of
    every gate is projected for the whole sequence at once (:func:`project_inputs`),
    and each step then needs one matrix product ``h_{t-1} U`` and in-place activations
    written straight into the result arrays.

    Args:
        x: (batch, timesteps, features) input sequences, in processing order.
        weights: the layer's weights.
        h0, c0: (batch, units) initial states; zeros (as in Keras) when None.
        mask: optional (batch, timesteps) booleans; where False the step is skipped as
            Keras skips it: h and C are carried over unchanged. The gates are still
            reported for masked steps (what the cell would have computed) so that arrays
            stay rectangular; use the mask to hide them.
        dtype: float64 (default, the most exact) or float32 (the precision Keras
            computes in; about twice as fast).

    Returns:
        An :class:`LSTMRun` with arrays of shape (batch, timesteps, units).

    Example
    -------
    >>> import numpy as np
    >>> w = LSTMWeights.random(features=2, units=4, seed=1)
    >>> x = np.random.default_rng(0).normal(size=(3, 7, 2))
    >>> a, b = run_lstm(x, w), run_lstm(x, w, dtype=np.float32)
    >>> b.hidden.dtype, bool(np.abs(a.hidden - b.hidden).max() < 1e-5)
    (dtype('float32'), True)
    """
    weights = weights.astype(dtype)
    dtype = weights.dtype
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[2] != weights.features:
        raise DataError(
            f"x must have shape (batch, timesteps, {weights.features}); got {x.shape}."
        )
    n, steps, _ = x.shape
    u = weights.units
    # Time-major buffers: every step reads and writes contiguous (batch, ...) blocks.
    gates = np.empty((steps, n, 4 * u), dtype=dtype)  # W x_t + b, then the activations
    cells = np.empty((steps, n, u), dtype=dtype)
    hiddens = np.empty((steps, n, u), dtype=dtype)
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2), dtype=dtype)
    h = np.zeros((n, u), dtype) if h0 is None else np.asarray(h0, dtype=dtype)
    c = np.zeros((n, u), dtype) if c0 is None else np.asarray(c0, dtype=dtype)
    skip = None
    if mask is not None:
        keep = np.asarray(mask, dtype=bool)
        if keep.shape != (n, steps):
            raise DataError(f"mask must have shape {(n, steps)}; got {keep.shape}.")
        skip = np.ascontiguousarray(~keep.T)[:, :, None]  # (T, N, 1): True where skipped
    # W x_t + b for every t at once, as one 2-D product (a stacked 3-D matmul is many
    # small BLAS calls, and far slower on a busy machine). One big product uses all cores.
    np.matmul(x_tm.reshape(steps * n, -1), weights.kernel, out=gates.reshape(steps * n, 4 * u))
    if weights.bias is not None:
        gates += weights.bias
    with single_threaded_blas():  # the T small products of the recurrence: one thread
        for t in range(steps):
            lstm_step(gates[t], h, c, weights, out=(gates[t], cells[t], hiddens[t]))
            if skip is not None and skip[t].any():
                np.copyto(cells[t], c, where=skip[t])  # a masked step carries the states over
                np.copyto(hiddens[t], h, where=skip[t])
            h, c = hiddens[t], cells[t]
    g = gates.transpose(1, 0, 2)
    return LSTMRun(
        forget=g[:, :, u : 2 * u],
        input=g[:, :, 0:u],
        candidate=g[:, :, 2 * u : 3 * u],
        output=g[:, :, 3 * u :],
        cell=cells.transpose(1, 0, 2),
        hidden=hiddens.transpose(1, 0, 2),
    )
