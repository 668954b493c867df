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
        k = np.asarray(self.kernel, dtype=np.float64)
        r = np.asarray(self.recurrent_kernel, dtype=np.float64)
        units = r.shape[0]
        if k.ndim != 2 or r.shape != (units, 4 * units) or k.shape[1] != 4 * units:
            raise DataError(
                f"LSTM weights have inconsistent shapes: kernel {k.shape}, recurrent_kernel "
                f"{r.shape}; expected (features, 4*units) and (units, 4*units)."
            )
        object.__setattr__(self, "kernel", k)
        object.__setattr__(self, "recurrent_kernel", r)
        if self.bias is not None:
            b = np.asarray(self.bias, dtype=np.float64).reshape(-1)
            if b.shape != (4 * units,):
                raise DataError(f"LSTM bias has shape {b.shape}; expected ({4 * units},).")
            object.__setattr__(self, "bias", b)
        # Resolve the activations now so that a bad name fails at construction.
        get_activation(self.activation)
        get_activation(self.recurrent_activation)

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
    z = np.asarray(x, dtype=np.float64) @ weights.kernel
    if weights.bias is not None:
        z = z + weights.bias
    return z


def lstm_step(
    x_proj_t: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    weights: LSTMWeights,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One step of the cell, batched.

    Args:
        x_proj_t: (batch, 4·units) the projected input ``W x_t + b`` (see :func:`project_inputs`).
        h_prev: (batch, units) the previous hidden state h_{t-1}.
        c_prev: (batch, units) the previous cell state C_{t-1}.
        weights: the layer's weights.

    Returns:
        ``(f_t, i_t, C̃_t, o_t, C_t, h_t)``, each (batch, units).
    """
    sigma = get_activation(weights.recurrent_activation)
    act = get_activation(weights.activation)
    u = weights.units
    z = x_proj_t + h_prev @ weights.recurrent_kernel
    i_t = sigma(z[:, 0 * u : 1 * u])
    f_t = sigma(z[:, 1 * u : 2 * u])
    c_tilde_t = act(z[:, 2 * u : 3 * u])
    o_t = sigma(z[:, 3 * u : 4 * u])
    c_t = f_t * c_prev + i_t * c_tilde_t  # the conveyor belt: keep some, write some
    h_t = o_t * act(c_t)  # show a squashed, gated view of the belt
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
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise DataError(f"dtype must be float32 or float64; got {dtype}.")
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[2] != weights.features:
        raise DataError(
            f"x must have shape (batch, timesteps, {weights.features}); got {x.shape}."
        )
    n, steps, _ = x.shape
    u = weights.units
    # Reorder the gate blocks from Keras' (i, f, c, o) to (i, f, o, c) so that the three
    # gates that share recurrent_activation are one contiguous block of 3u columns.
    order = np.r_[0 : 2 * u, 3 * u : 4 * u, 2 * u : 3 * u]
    kernel = weights.kernel[:, order].astype(dtype)
    rec = weights.recurrent_kernel[:, order].astype(dtype)
    # Time-major buffers: every step writes contiguous (batch, ...) blocks.
    gates = np.empty((steps, n, 4 * u), dtype=dtype)  # activations, columns i f o c~
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
    written = np.empty((n, u), dtype=dtype)
    rec_act, act = weights.recurrent_activation, weights.activation
    with single_threaded_blas():
        # W x_t + b for every t at once, as one 2-D product (a stacked 3-D matmul is
        # many small BLAS calls, and far slower on a busy machine).
        np.matmul(x_tm.reshape(steps * n, -1), kernel, out=gates.reshape(steps * n, 4 * u))
        if weights.bias is not None:
            gates += weights.bias[order].astype(dtype)
        _loop(gates, cells, hiddens, written, h, c, rec, skip, rec_act, act, u)
    g = gates.transpose(1, 0, 2)
    return LSTMRun(
        forget=g[:, :, u : 2 * u],
        input=g[:, :, 0:u],
        candidate=g[:, :, 3 * u :],
        output=g[:, :, 2 * u : 3 * u],
        cell=cells.transpose(1, 0, 2),
        hidden=hiddens.transpose(1, 0, 2),
    )


def _loop(
    gates: np.ndarray,
    cells: np.ndarray,
    hiddens: np.ndarray,
    written: np.ndarray,
    h: np.ndarray,
    c: np.ndarray,
    rec: np.ndarray,
    skip: np.ndarray | None,
    rec_act: str,
    act: str,
    u: int,
) -> None:
    """The recurrence of :func:`run_lstm`, in place on time-major buffers."""
    recurrent = np.empty_like(gates[0])
    for t in range(gates.shape[0]):
        z = gates[t]
        np.matmul(h, rec, out=recurrent)
        z += recurrent  # z = W x_t + U h_{t-1} + b
        if rec_act in ROW_WISE:  # e.g. softmax: each gate's block on its own, as Keras
            for k in range(3):
                apply_inplace(rec_act, z[:, k * u : (k + 1) * u])
        else:
            apply_inplace(rec_act, z[:, : 3 * u])  # i_t, f_t, o_t in one go
        apply_inplace(act, z[:, 3 * u :])  # C̃_t
        i_t, f_t, o_t, c_tilde_t = (z[:, k * u : (k + 1) * u] for k in range(4))
        c_t, h_t = cells[t], hiddens[t]
        np.multiply(f_t, c, out=c_t)  # keep some of the belt ...
        np.multiply(i_t, c_tilde_t, out=written)
        c_t += written  # ... and write some: C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t
        h_t[...] = c_t
        apply_inplace(act, h_t)
        h_t *= o_t  # h_t = o_t ⊙ act(C_t)
        if skip is not None and skip[t].any():
            np.copyto(c_t, c, where=skip[t])  # a masked step carries the states over
            np.copyto(h_t, h, where=skip[t])
        h, c = h_t, c_t
