"""The GRU's fast engine: the cell of :mod:`lstm_explained.gru_cell`, batched and in place.

The tracer runs this for ``keras.layers.GRU`` layers; a test checks it agrees with the
readable cell to 1e-12 in float64. It is built like the LSTM's
(:mod:`lstm_explained.engine`), but keeps the two halves of a step apart, since the reset
gate multiplies only the candidate's recurrent half: the input half of every gate,
``W x_t + b``, is one product for all steps into time-major buffers; the loop does the
small recurrent products on one BLAS thread each and writes the activations in place;
a big enough batch is split over two threads; for the usual pair (sigmoid gates, tanh
candidate) the gates' columns of the weights are scaled by 1/2 (exactly) so that one numpy
``tanh`` call gives both gates, ``sigmoid(a) = (1 + tanh(a / 2)) / 2``, and one more the
candidate.

Weights use Keras' layout: the blocks in the order z, r, h
(:data:`lstm_explained.kinds.GRU.keras_blocks`), the bias (2, 3·units) with
``reset_after=True`` (input row, recurrent row) and (3·units,) without.

Example
-------
>>> import numpy as np
>>> w = GRUWeights.random(features=1, units=3, seed=0)
>>> run = run_gru(np.ones((2, 5, 1)), w)
>>> run["hidden"].shape
(2, 5, 3)
>>> z, h = run["update"][:, 1], run["hidden"]
>>> bool(np.allclose(h[:, 1], z * h[:, 0] + (1 - z) * run["candidate"][:, 1]))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_explained._buffers import Buffers
from lstm_explained._recycle import empty
from lstm_explained._threads import default_threads, run_parts, split
from lstm_explained._weights import WeightsBase, check_weights
from lstm_explained.activations import ROW_WISE, apply_inplace, sigmoid_from_half_tanh
from lstm_explained.errors import DataError
from lstm_explained.kinds import GRU


@dataclass(frozen=True)
class GRUWeights(WeightsBase):
    """The weights of one GRU layer, in Keras' layout (blocks z, r, h).

    Parameters
    ----------
    kernel : ndarray
        (features, 3·units) input weights ``W``.
    recurrent_kernel : ndarray
        (units, 3·units) recurrent weights ``U``.
    bias : ndarray or None
        (2, 3·units) with ``reset_after=True`` (row 0 for ``W x``, row 1 for ``U h``),
        (3·units,) with ``reset_after=False``, or None for ``use_bias=False``.
    activation : str
        Name of the candidate's squashing (Keras ``activation``).
    recurrent_activation : str
        Name of the gates' activation (Keras ``recurrent_activation``).
    reset_after : bool
        Keras' convention: apply the reset gate after the recurrent product (the default).

    float32 weights stay float32; anything else becomes float64.

    Example
    -------
    >>> GRUWeights.random(features=2, units=4).bias.shape
    (2, 12)
    """

    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray | None = None
    activation: str = "tanh"
    recurrent_activation: str = "sigmoid"
    reset_after: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.reset_after, (bool, np.bool_)):
            raise DataError(f"reset_after must be True or False; got {self.reset_after!r}.")
        units = check_weights(self, 3, "GRU", bias=False)
        object.__setattr__(self, "reset_after", bool(self.reset_after))
        if self.bias is not None:
            b = np.asarray(self.bias, dtype=self.dtype)
            want = (2, 3 * units) if self.reset_after else (3 * units,)
            if b.shape != want:
                raise DataError(
                    f"GRU bias has shape {b.shape}; with reset_after={self.reset_after} Keras "
                    f"stores it as {want}. Pass reset_after as the layer was built with."
                )
            object.__setattr__(self, "bias", b)

    @property
    def input_bias(self) -> np.ndarray:
        """(3·units,) bias added to ``W x_t`` (zeros without a bias)."""
        if self.bias is None:
            return np.zeros(3 * self.units, self.dtype)
        return self.bias[0] if self.reset_after else self.bias

    @property
    def recurrent_bias(self) -> np.ndarray:
        """(3·units,) bias added to ``U h_{t-1}`` (zeros without one: ``reset_after=False``
        or no bias)."""
        if self.bias is None or not self.reset_after:
            return np.zeros(3 * self.units, self.dtype)
        return self.bias[1]

    @classmethod
    def random(
        cls, features: int, units: int, seed: int = 0, scale: float = 0.5,
        reset_after: bool = True, **kwargs: str,
    ) -> GRUWeights:
        """Random weights, for examples and tests (normal, standard deviation ``scale``)."""
        rng = np.random.default_rng(seed)
        bias_shape = (2, 3 * units) if reset_after else (3 * units,)
        return cls(
            kernel=rng.normal(0, scale, (features, 3 * units)),
            recurrent_kernel=rng.normal(0, scale, (units, 3 * units)),
            bias=rng.normal(0, scale, bias_shape),
            reset_after=reset_after,
            **kwargs,
        )


def _fused_scales(w: GRUWeights) -> np.ndarray | None:
    """(3·units,) column scales for the fused step: 1/2 for the sigmoid gates z and r, 1
    for the tanh candidate (exact: powers of two), or None for other activations."""
    if (w.recurrent_activation, w.activation) != ("sigmoid", "tanh"):
        return None
    return np.repeat(np.array([0.5, 0.5, 1.0], w.dtype), w.units)


def _step(
    g: np.ndarray, h_prev: np.ndarray, w: GRUWeights, mats: tuple, b_h: np.ndarray | None,
    h_t: np.ndarray, scratch: np.ndarray, fused: bool,
) -> None:
    """One batched step in place: ``g`` (batch, 3·units) holds ``W x_t + b`` and receives
    z, r and h̃; ``h_t`` receives the new state; ``scratch`` is (batch, 3·units).

    ``mats`` is ``(U, U_zr, U_h)``. ``fused``: the columns of z and r in the weights (and
    so in ``g``) are scaled by 1/2, so that one ``tanh`` gives both sigmoids, and the
    candidate takes numpy's ``tanh`` as it is.
    """
    u = h_t.shape[1]
    u_all, u_zr, u_h = mats
    zr, cand = g[:, : 2 * u], g[:, 2 * u :]
    if w.reset_after:  # U h_{t-1} + b', all three blocks at once, as Keras does
        np.matmul(h_prev, u_all, out=scratch)
        if b_h is not None:
            scratch += b_h
    else:
        np.matmul(h_prev, u_zr, out=scratch[:, : 2 * u])
    zr += scratch[:, : 2 * u]
    if fused:  # zr holds z / 2: sigmoid from its tanh
        np.tanh(zr, out=zr)
        sigmoid_from_half_tanh(zr)
    elif w.recurrent_activation in ROW_WISE:  # e.g. softmax: each gate's block on its own
        apply_inplace(w.recurrent_activation, zr[:, :u])
        apply_inplace(w.recurrent_activation, zr[:, u:])
    else:
        apply_inplace(w.recurrent_activation, zr)
    z_t, r_t = zr[:, :u], zr[:, u:]
    rec_h = scratch[:, 2 * u :]
    if w.reset_after:
        rec_h *= r_t  # r ⊙ (U_h h_{t-1} + b'_h)
    else:
        np.multiply(r_t, h_prev, out=scratch[:, :u])
        np.matmul(scratch[:, :u], u_h, out=rec_h)  # U_h (r ⊙ h_{t-1})
    cand += rec_h
    if fused:
        np.tanh(cand, out=cand)
    else:
        apply_inplace(w.activation, cand)
    written = scratch[:, :u]
    np.subtract(1.0, z_t, out=written)
    written *= cand  # (1 - z) ⊙ h̃
    np.multiply(z_t, h_prev, out=h_t)  # z ⊙ h_{t-1}
    h_t += written


def run_gru(
    x: np.ndarray,
    weights: GRUWeights,
    h0: np.ndarray | None = None,
    mask: np.ndarray | None = None,
    dtype: type | np.dtype = np.float64,
    threads: int | None = None,
    out: Buffers | None = None,
) -> dict[str, np.ndarray]:
    """Run the GRU over whole sequences and keep every gate and state at every step.

    Parameters
    ----------
    x : ndarray
        (batch, timesteps, features) input sequences, in processing order.
    weights : GRUWeights
        The layer's weights.
    h0 : ndarray, optional
        (batch, units) initial state; zeros (as in Keras) when None.
    mask : ndarray, optional
        (batch, timesteps) booleans; where False the step is skipped as Keras skips it:
        h is carried over unchanged (the gates are still reported).
    dtype : float64 or float32
        Precision (float32 is what Keras computes in).
    threads : int, optional
        Split the batch over this many threads; None picks :func:`default_threads`.
    out : Buffers, optional
        Write into these (:func:`gru_buffers` for this batch, or rows of bigger ones)
        instead of allocating; the returned arrays are views of them.

    Returns
    -------
    dict
        ``{quantity: (batch, timesteps, units)}`` for every quantity of
        :data:`lstm_explained.kinds.GRU` (z, r, h̃, h).
    """
    w = weights.astype(dtype)
    dtype = w.dtype
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[2] != w.features:
        raise DataError(f"x must have shape (batch, timesteps, {w.features}); got {x.shape}.")
    n, steps, _ = x.shape
    u = w.units
    if out is None:
        out = gru_buffers(n, steps, u, dtype)
    out.fits(n, steps, u, dtype, "run_gru")
    gates, hiddens = out.arrays["gates"], out.arrays["hiddens"]
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2), dtype=dtype)
    h = np.zeros((n, u), dtype) if h0 is None else np.asarray(h0, dtype=dtype)
    skip = None
    if mask is not None:
        keep = np.asarray(mask, dtype=bool)
        if keep.shape != (n, steps):
            raise DataError(f"mask must have shape {(n, steps)}; got {keep.shape}.")
        skip = np.ascontiguousarray(~keep.T)[:, :, None]  # (T, N, 1): True where skipped
    # For the fused step the gates' columns are scaled (exactly: by 1/2) in the weights.
    scales = _fused_scales(w)
    s = 1.0 if scales is None else scales
    kernel, u_all = w.kernel * s, w.recurrent_kernel * s
    mats = (u_all, np.ascontiguousarray(u_all[:, : 2 * u]), np.ascontiguousarray(u_all[:, 2 * u :]))
    b_x = None if w.bias is None else w.input_bias * s
    b_h = None if w.bias is None or not w.reset_after else w.recurrent_bias * s

    def run_part(lo: int, hi: int) -> None:
        part = gates[:, lo:hi]
        if w.features == 1:  # a broadcast beats BLAS for one feature
            np.multiply(x_tm[:, lo:hi], kernel, out=part)
        else:
            np.matmul(x_tm[:, lo:hi], kernel, out=part)
        if b_x is not None:
            part += b_x
        scratch = np.empty((hi - lo, 3 * u), dtype)
        h_t = h[lo:hi]
        with np.errstate(over="ignore"):  # an in-place sigmoid's exp may overflow to inf
            for t in range(steps):
                h_out = hiddens[t, lo:hi]
                _step(gates[t, lo:hi], h_t, w, mats, b_h, h_out, scratch, scales is not None)
                if skip is not None and skip[t, lo:hi].any():  # carry the state over
                    np.copyto(h_out, h_t, where=skip[t, lo:hi])
                h_t = h_out

    workers = default_threads(n, u) if threads is None else threads
    parts = split(n, workers)
    run_parts(run_part, parts, workers)
    return out.quantities()


def _views(a: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The (N, T, units) quantities of :func:`gru_buffers`' time-major arrays."""
    g, h = a["gates"].transpose(1, 0, 2), a["hiddens"].transpose(1, 0, 2)
    u = h.shape[2]
    blocks = {name: g[:, :, k * u : (k + 1) * u] for k, name in enumerate(GRU.keras_blocks)}
    return {name: (blocks | {GRU.output: h})[name] for name in GRU.names}


def gru_buffers(n: int, steps: int, units: int, dtype: type | np.dtype) -> Buffers:
    """Empty result arrays for :func:`run_gru` (its ``out``): the gates time-major,
    ``(T, window, 3·unit)`` in Keras' block order (W x_t + b, then the activations), the
    state ``(T, window, unit)``; big ones in memory recycled from freed traces
    (:mod:`lstm_explained._recycle`).

    Example
    -------
    >>> gru_buffers(n=3, steps=5, units=2, dtype=np.float32).quantities()["reset"].shape
    (3, 5, 2)
    """
    return Buffers({"gates": (empty((steps, n, 3 * units), dtype), 1),
                    "hiddens": (empty((steps, n, units), dtype), 1)}, _views)


__all__ = ["GRUWeights", "gru_buffers", "run_gru"]
