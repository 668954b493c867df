"""One batch's gradient of a model's summed output with respect to its input, per backend.

:func:`lstm_explained.gradients.input_gradients` validates, batches and takes absolute
values; this module only asks the active Keras backend's own automatic differentiation
for ``d (sum over the batch of y[:, output]) / d x``. Since the model treats every window
on its own (inference: no dropout, batch statistics frozen), that gradient is, row by row,
each window's own ``d y_n / d x_n``.

* TensorFlow: :class:`tf.GradientTape` watching the input.
* JAX: :func:`jax.grad` of the model's ``stateless_call`` (Keras' pure function of its
  variables and input).
* torch: :func:`torch.autograd.grad` on an input tensor that requires grad.

Keras is imported through :func:`lstm_explained._keras.keras`, and each backend only
inside the function that uses it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lstm_explained._keras import keras

#: Picks the scalar per window from the model's output: (N, k) or (N, T', k) -> (N,).
Select = Callable[[Any], Any]


def batch_gradient(model: Any, x: np.ndarray, select: Select) -> np.ndarray:
    """``d sum_n select(model(x))_n / d x`` for one batch, as a numpy array shaped like x.

    Parameters
    ----------
    model : keras.Model
        A built model with one input.
    x : ndarray
        (n, T, F) one batch, already in the model's input dtype.
    select : callable
        Maps the model's output tensor to one value per window, with backend ops.

    Returns
    -------
    ndarray
        (n, T, F) the gradient, signed.

    Example
    -------
    >>> K = keras()
    >>> m = K.Sequential([K.Input((3, 1)), K.layers.Flatten(), K.layers.Dense(1)])
    >>> m.layers[-1].set_weights([np.array([[1.0], [2.0], [3.0]]), np.zeros(1)])
    >>> g = batch_gradient(m, np.ones((2, 3, 1), "float32"), lambda y: y[:, 0])
    >>> g[:, :, 0].tolist()
    [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    """
    backend = keras().backend.backend()
    return np.asarray(_BACKENDS[backend](model, x, select))


def _tensorflow(model: Any, x: np.ndarray, select: Select) -> Any:
    import tensorflow as tf

    xt = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        total = tf.reduce_sum(select(model(xt, training=False)))
    return tape.gradient(total, xt).numpy()


def _jax(model: Any, x: np.ndarray, select: Select) -> Any:
    import jax
    import jax.numpy as jnp

    trainable = [v.value for v in model.trainable_variables]
    frozen = [v.value for v in model.non_trainable_variables]

    def total(xs: Any) -> Any:
        y, _ = model.stateless_call(trainable, frozen, xs, training=False)
        return jnp.sum(select(y))

    return jax.device_get(jax.grad(total)(jnp.asarray(x)))


def _torch(model: Any, x: np.ndarray, select: Select) -> Any:
    import torch

    xt = keras().ops.convert_to_tensor(x).detach().requires_grad_(True)
    total = torch.sum(select(model(xt, training=False)))
    (grad,) = torch.autograd.grad(total, xt)
    return grad.detach().cpu().numpy()


_BACKENDS: dict[str, Callable[[Any, np.ndarray, Select], Any]] = {
    "tensorflow": _tensorflow,
    "jax": _jax,
    "torch": _torch,
}
