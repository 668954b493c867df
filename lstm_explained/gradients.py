r"""How far back the input still moves the output: input gradients and the belt's derivative.

Why LSTMs exist, measured two ways:

* :func:`input_gradients` asks Keras' automatic differentiation (on TensorFlow, JAX or
  torch) for ``|d y / d x_t|``: how much each past input step moves a model's output.
  In a plain RNN the gradient is a product of one Jacobian per step, and it shrinks
  (vanishes) with distance; :func:`memory_reach` summarises how fast, as an e-folding
  distance. This works for any Keras model with one (N, T, F) input (SimpleRNN, LSTM,
  GRU, stacks) and does not need the tracer.
* :func:`belt_gradient` reads a trace: along the conveyor belt alone,
  ``C_t = f_t C_{t-1} + i_t C~_t`` gives ``dC_t / dC_{t-1} = f_t``, so
  ``dC_{T-1} / dC_t = f_{t+1} f_{t+2} ... f_{T-1}``: no squashing, no weight matrix, just
  the forget gates. With f near 1 this product stays near 1 for many steps: the additive
  update is the reason an LSTM can remember. :func:`time_constant` turns the mean
  forget gate into the memory it implies, ``1 / (1 - mean f)`` steps (``f^d = e^{-1}``
  at ``d = -1/ln f``, about ``1/(1-f)`` for f near 1).

Importing this module imports neither TensorFlow nor Keras: :func:`input_gradients`
imports Keras (through :func:`lstm_explained._keras.keras`) when called.

Example
-------
>>> import numpy as np
>>> from types import SimpleNamespace
>>> lt = SimpleNamespace(forget=np.full((1, 4, 1), 0.5), mask=None)
>>> belt_gradient(lt)[0, :, 0].tolist()
[0.125, 0.25, 0.5, 1.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lstm_explained.errors import DataError, ModelError


def input_gradients(model: Any, x: Any, *, output: int = 0, batch_size: int = 512) -> np.ndarray:
    """``|d y_output / d x[:, t, f]|`` for every window, step and feature.

    Computed by the active Keras backend's own automatic differentiation (TensorFlow's
    GradientTape, ``jax.grad``, torch autograd), in inference mode (no dropout).

    Parameters
    ----------
    model : keras.Model
        A built Keras model with one input shaped (batch, T, F) and one output shaped
        (batch, k) or, returning sequences, (batch, T', k) (then its last step is used).
    x : array_like
        (N, T, F) windows fitting the model's input.
    output : int
        Which of the k outputs to differentiate.
    batch_size : int
        Windows per backward pass. Each pass has a fixed cost, whatever its size (0.5-0.7 s
        for the seed's model on TensorFlow), and memory that grows with it (about 0.7 MB a
        window for the seed's model). 512 takes either test set of the seed's model in one
        pass.

    Returns
    -------
    ndarray
        (N, T, F) float64, the absolute gradient of each window's output with respect to
        each of its inputs; ``[:, -1]`` is the last (most recent) step.

    Raises
    ------
    ModelError
        The model is not a built Keras model with one (T, F) input and one output, or
        ``output`` is not one of its outputs.
    DataError
        ``x`` is not (N, T, F), does not fit the model, is empty or not finite, or
        ``batch_size`` is not a positive whole number.

    Example
    -------
    >>> from lstm_explained._keras import keras
    >>> K = keras()
    >>> m = K.Sequential([K.Input((3, 1)), K.layers.Flatten(), K.layers.Dense(1)])
    >>> m.layers[-1].set_weights([np.array([[1.0], [-2.0], [3.0]]), np.zeros(1)])
    >>> input_gradients(m, np.ones((2, 3, 1)))[0, :, 0].tolist()
    [1.0, 2.0, 3.0]
    """
    steps, features, n_out, sequence_out = _model_shapes(model)
    xs = _check_windows(x, steps, features)
    if isinstance(output, bool) or not isinstance(output, (int, np.integer)):
        raise ModelError(f"output must be a whole number, not {output!r}.")
    if not 0 <= int(output) < n_out:
        raise ModelError(f"output {output} is out of range: the model has {n_out} outputs "
                         f"(0 to {n_out - 1}).")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise DataError(f"batch_size must be a positive whole number, not {batch_size!r}.")
    from lstm_explained._autodiff import batch_gradient

    k = int(output)

    def select(y: Any) -> Any:
        return y[:, -1, k] if sequence_out else y[:, k]

    dtype = _input_dtype(model)
    parts = [
        np.abs(batch_gradient(model, xs[s:s + batch_size].astype(dtype), select))
        for s in range(0, len(xs), int(batch_size))
    ]
    return np.concatenate(parts).astype(np.float64)


def _model_shapes(model: Any) -> tuple[int | None, int, int, bool]:
    """(T or None, F, outputs k, whether the output has a time axis), or a ModelError."""
    inputs = getattr(model, "inputs", None)
    outputs = getattr(model, "outputs", None)
    if not callable(model) or inputs is None or outputs is None:
        raise ModelError(
            f"expected a built Keras model (e.g. Sequential starting with keras.Input((T, F)));"
            f" got {type(model).__name__}. Build it (call it once, or start it with an Input)."
        )
    if len(inputs) != 1 or len(outputs) != 1:
        raise ModelError(f"input_gradients needs a model with one input and one output; this "
                         f"one has {len(inputs)} inputs and {len(outputs)} outputs.")
    shape_in, shape_out = tuple(inputs[0].shape), tuple(outputs[0].shape)
    if len(shape_in) != 3 or shape_in[2] is None:
        raise ModelError(f"the model's input must be shaped (batch, T, F); it is {shape_in}.")
    if len(shape_out) not in (2, 3) or shape_out[-1] is None:
        raise ModelError(f"the model's output must be (batch, k) or (batch, T, k); it is "
                         f"{shape_out}.")
    return shape_in[1], int(shape_in[2]), int(shape_out[-1]), len(shape_out) == 3


def _input_dtype(model: Any) -> str:
    dtype = getattr(model.inputs[0], "dtype", None) or "float32"
    return dtype if "float" in str(dtype) else "float32"


def _check_windows(x: Any, steps: int | None, features: int) -> np.ndarray:
    try:
        xs = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"x must be a numeric (N, T, F) array; got {type(x).__name__}.") from None
    if xs.ndim != 3:
        raise DataError(f"x must be (N, T, F) windows; got shape {xs.shape}.")
    if (steps is not None and xs.shape[1] != steps) or xs.shape[2] != features:
        raise DataError(
            f"x is shaped {xs.shape} but the model takes (N, {steps}, {features}): "
            "pass windows of the length and features the model was built for."
        )
    if xs.shape[0] == 0 or xs.shape[1] == 0:
        raise DataError(f"x holds no windows or no steps (shape {xs.shape}).")
    if not np.isfinite(xs).all():
        raise DataError("x holds NaN or infinite values; clean or drop those windows first.")
    return xs


@dataclass
class Reach:
    """How the output's sensitivity falls with distance back from the last input step.

    Attributes
    ----------
    distance : ndarray
        (T,) steps back from the last step: 0, 1, ..., T-1.
    mean : ndarray
        (T,) mean over windows of the absolute gradient summed over features, at each distance.
    relative : ndarray
        (T,) ``mean`` divided by its value at distance 0 (the last step is 1).
    e_folding : float
        Steps back until ``relative`` first falls below 1/e, interpolated on a log scale
        between the two steps around the crossing; ``inf`` if it never does in the window.
    """

    distance: np.ndarray
    mean: np.ndarray
    relative: np.ndarray
    e_folding: float


def memory_reach(grads: Any) -> Reach:
    """Summarise input gradients by distance back from the last step: the model's reach.

    It measures how strongly, on average over the windows, an input ``d`` steps before
    the end still moves the output, relative to the last step itself, and the distance
    at which that falls to 1/e (for an exponential fall ``e^{-d/tau}``, ``tau``). A
    trained model can lean on older steps more than on the last one (a stack of layers
    delays its response; an LSTM solving the adding problem weighs every marked step
    alike): the curve then rises above 1 first, and the crossing is still counted from
    the last step.

    Parameters
    ----------
    grads : array_like
        (N, T, F) absolute gradients, as :func:`input_gradients` returns them.

    Returns
    -------
    Reach

    Raises
    ------
    DataError
        ``grads`` is not a finite (N, T, F) array, or the last step does not move the
        output at all (nothing to measure the others against).

    Example
    -------
    >>> g = np.exp(-np.arange(10.0)[::-1] / 4).reshape(1, 10, 1)
    >>> r = memory_reach(g)
    >>> r.relative[:2].round(3).tolist(), round(r.e_folding, 6)
    ([1.0, 0.779], 4.0)
    """
    g = np.abs(np.asarray(grads, dtype=np.float64))
    if g.ndim != 3 or 0 in g.shape:
        raise DataError(f"grads must be (N, T, F) gradients; got shape {g.shape}.")
    if not np.isfinite(g).all():
        raise DataError("grads holds NaN or infinite values.")
    mean = g.sum(axis=2).mean(axis=0)[::-1]
    if mean[0] == 0:
        raise DataError("the last step does not move the output (its gradient is 0), so the "
                        "reach cannot be measured relative to it.")
    relative = mean / mean[0]
    return Reach(np.arange(len(mean)), mean, relative, _e_folding(relative))


def _e_folding(relative: np.ndarray) -> float:
    """First distance where ``relative`` < 1/e, interpolated linearly in log."""
    below = np.flatnonzero(relative < np.exp(-1.0))
    if below.size == 0:
        return float("inf")
    d = int(below[0])
    hi, lo = relative[d - 1], relative[d]
    if lo <= 0:
        return float(d)
    return float(d - 1 + (np.log(hi) + 1.0) / (np.log(hi) - np.log(lo)))


def belt_gradient(layer_trace: Any) -> np.ndarray:
    """``dC_{T-1} / dC_t`` along the belt alone, for every window, step and unit.

    An LSTM's belt moves on by ``C_t = f_t * C_{t-1} + i_t * C~_t``: an additive update,
    so, holding the gates fixed, ``dC_t / dC_{t-1} = f_t`` and
    ``dC_{T-1} / dC_t = f_{t+1} * f_{t+2} * ... * f_{T-1}`` (1 at ``t = T-1``). Unlike a
    plain RNN's chain of ``W * tanh'`` factors, nothing here squashes or multiplies by a
    weight matrix: with forget gates near 1 the product stays near 1 over many steps,
    and what was written long ago still reaches the end. That is the reason for the LSTM's
    long memory. (The full derivative adds paths through h and the gates; this is the
    direct one, Hochreiter and Schmidhuber's constant error carousel when f = 1.) A
    masked step carries the belt unchanged, so it contributes a factor 1.

    Parameters
    ----------
    layer_trace : LayerTrace
        An LSTM layer's trace (anything with ``forget`` (N, T, units), processing order,
        and ``mask``).

    Returns
    -------
    ndarray
        (N, T, units) the product of the forget gates after each step.

    Example
    -------
    >>> from types import SimpleNamespace
    >>> f = np.array([[[0.9], [0.8], [0.5]]])
    >>> belt_gradient(SimpleNamespace(forget=f, mask=None))[0, :, 0].tolist()
    [0.4, 0.5, 1.0]
    """
    f = _forget(layer_trace)
    factors = f[:, :0:-1]  # f_{T-1}, f_{T-2}, ..., f_1
    tail = np.cumprod(factors, axis=1)[:, ::-1]  # t = 0 .. T-2: f_{t+1} ... f_{T-1}
    return np.concatenate([tail, np.ones_like(f[:, :1])], axis=1)


def time_constant(layer_trace: Any, per_unit: bool = True) -> np.ndarray | float:
    """The memory the mean forget gate implies: ``1 / (1 - mean f)`` steps.

    A belt value kept by a constant forget gate f fades as ``f^d`` after d steps, to 1/e
    after ``-1 / ln f``, about ``1 / (1 - f)`` steps for f near 1 (f = 0.75: 4 steps).

    Parameters
    ----------
    layer_trace : LayerTrace
        An LSTM layer's trace; masked steps are left out of the mean.
    per_unit : bool
        True: one time constant per unit, from its own mean f; False: one number for the
        layer, from the mean f over all units.

    Returns
    -------
    ndarray or float
        (units,) or a float, in steps; ``inf`` where the mean f is 1.

    Example
    -------
    >>> from types import SimpleNamespace
    >>> f = np.array([[[0.5, 0.75], [0.5, 0.75]]])
    >>> lt = SimpleNamespace(forget=f, mask=None)
    >>> time_constant(lt).tolist(), time_constant(lt, per_unit=False)
    ([2.0, 4.0], 2.6666666666666665)
    """
    f = _forget(layer_trace, masked_as=np.nan)
    mean = np.nanmean(f, axis=(0, 1)) if per_unit else float(np.nanmean(f))
    with np.errstate(divide="ignore"):
        tau = 1.0 / (1.0 - np.asarray(mean, dtype=np.float64))
    return tau if per_unit else float(tau)


def _forget(layer_trace: Any, masked_as: float = 1.0) -> np.ndarray:
    """The trace's forget gates (N, T, units), masked steps set to ``masked_as``."""
    kind = getattr(layer_trace, "kind", "lstm")
    if kind != "lstm" or not hasattr(layer_trace, "forget"):
        raise DataError(f"the belt's derivative reads an LSTM's forget gate; this trace's cell "
                        f"kind is {kind!r}. Pass an LSTM layer's trace (trace['lstm']).")
    f = np.asarray(layer_trace.forget, dtype=np.float64)
    if f.ndim != 3 or 0 in f.shape:
        raise DataError(f"forget must be (N, T, units); got shape {f.shape}.")
    mask = getattr(layer_trace, "mask", None)
    if mask is not None:
        f = np.where(np.asarray(mask, dtype=bool)[:, :, None], f, masked_as)
    return f


__all__ = ["Reach", "belt_gradient", "input_gradients", "memory_reach", "time_constant"]
