r"""One step of the GRU cell in numpy, in Olah's notation, as Keras computes it.

    z_t = σ(W_z x_t + U_z h_{t-1} + b_z)                update gate: how much of h_{t-1} to keep
    r_t = σ(W_r x_t + U_r h_{t-1} + b_r)                reset gate: what the candidate may see
    h̃_t = tanh(W_h x_t + b_h + r_t ⊙ (U_h h_{t-1} + b'_h))    reset_after=True (Keras' default)
    h̃_t = tanh(W_h x_t + U_h (r_t ⊙ h_{t-1}) + b_h)           reset_after=False
    h_t = z_t ⊙ h_{t-1} + (1 − z_t) ⊙ h̃_t              the belt: in Keras, z keeps

σ and tanh are the layer's ``recurrent_activation`` and ``activation``. Keras keeps W (and
U) side by side in one matrix, in the order z, r, h. The bias is the trap: with
``reset_after=True`` it is (2, 3·units), row 0 added to the input product W x_t and row 1
to the recurrent product U h_{t-1} (so z and r get b + b', and the candidate's b'_h is
reset with U_h h_{t-1}); with ``reset_after=False`` it is one (3·units,) row. Olah's post
writes h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t: his z is Keras' 1 − z. The tracer runs the
same arithmetic, batched, in :mod:`lstm_explained.gru_engine`; a test checks the two agree
to 1e-12.

>>> import numpy as np
>>> from lstm_explained.gru_engine import GRUWeights
>>> w = GRUWeights.random(features=1, units=2)
>>> h = np.zeros((1, 2))
>>> z, r, h_tilde, h_new = gru_step(np.ones((1, 1)), h, w)
>>> bool(np.allclose(h_new, z * h + (1 - z) * h_tilde))
True
"""

import numpy as np

from lstm_explained.activations import get_activation


def gru_step(x_t, h_prev, weights):
    """One step for a batch: x_t (batch, features), h_prev (batch, units).

    ``weights`` (a :class:`~lstm_explained.gru_engine.GRUWeights`) holds Keras' ``kernel``
    W, ``recurrent_kernel`` U, ``bias`` (or None), ``reset_after`` and the names of its two
    activations. Returns z_t, r_t, h̃_t, h_t.
    """
    sigma = get_activation(weights.recurrent_activation)
    squash = get_activation(weights.activation)
    u = h_prev.shape[-1]
    b_x, b_h = weights.input_bias, weights.recurrent_bias  # zeros where the layer has none
    x_z, x_r, x_h = np.split(x_t @ weights.kernel + b_x, 3, axis=-1)  # Keras' order: z, r, h
    U_zr, U_h = weights.recurrent_kernel[:, : 2 * u], weights.recurrent_kernel[:, 2 * u :]

    h_zr = h_prev @ U_zr + b_h[: 2 * u]
    z_t = sigma(x_z + h_zr[:, :u])  # update gate
    r_t = sigma(x_r + h_zr[:, u:])  # reset gate
    if weights.reset_after:
        h_tilde_t = squash(x_h + r_t * (h_prev @ U_h + b_h[2 * u :]))  # candidate
    else:
        h_tilde_t = squash(x_h + (r_t * h_prev) @ U_h)  # candidate
    h_t = z_t * h_prev + (1 - z_t) * h_tilde_t  # the belt: z keeps, 1 - z writes
    return z_t, r_t, h_tilde_t, h_t
