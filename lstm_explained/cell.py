r"""One step of the LSTM cell in numpy, in Olah's notation: the code tutorial 01 reads.

    f_t = σ(W_f x_t + U_f h_{t-1} + b_f)       forget gate: how much of C_{t-1} to keep
    i_t = σ(W_i x_t + U_i h_{t-1} + b_i)       input gate: how much of the candidate to write
    C̃_t = tanh(W_c x_t + U_c h_{t-1} + b_c)    candidate: what could be written
    o_t = σ(W_o x_t + U_o h_{t-1} + b_o)       output gate: how much of the belt to show
    C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t            the conveyor belt moves on
    h_t = o_t ⊙ tanh(C_t)                      what the cell shows

σ and tanh are the layer's ``recurrent_activation`` and ``activation``. Keras keeps the
four W (and U, and b) side by side in one matrix, in the order i, f, c, o. The tracer runs
the same arithmetic, batched and in place, in :mod:`lstm_explained.engine`; a test checks
the two agree to 1e-12.

>>> import numpy as np
>>> from lstm_explained.engine import LSTMWeights
>>> w = LSTMWeights.random(features=1, units=2)
>>> h = c = np.zeros((1, 2))
>>> f, i, c_tilde, o, c_new, h_new = lstm_step(np.ones((1, 1)), h, c, w)
>>> bool(np.allclose(c_new, f * c + i * c_tilde))
True
"""

import numpy as np

from lstm_explained.activations import get_activation


def lstm_step(x_t, h_prev, c_prev, weights):
    """One step for a batch: x_t (batch, features), h_prev and c_prev (batch, units).

    ``weights`` holds Keras' ``kernel`` W, ``recurrent_kernel`` U and ``bias`` b (or None)
    and the names of its two activations. Returns f_t, i_t, C̃_t, o_t, C_t, h_t.
    """
    sigma = get_activation(weights.recurrent_activation)
    squash = get_activation(weights.activation)
    z = x_t @ weights.kernel + h_prev @ weights.recurrent_kernel
    if weights.bias is not None:
        z = z + weights.bias
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)  # Keras' order: i, f, c, o

    f_t = sigma(z_f)  # forget gate
    i_t = sigma(z_i)  # input gate
    c_tilde_t = squash(z_c)  # candidate
    o_t = sigma(z_o)  # output gate
    c_t = f_t * c_prev + i_t * c_tilde_t  # the conveyor belt
    h_t = o_t * squash(c_t)  # what the cell shows
    return f_t, i_t, c_tilde_t, o_t, c_t, h_t
