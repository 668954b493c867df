r"""Two of the LSTM's variants from the end of Olah's post, one readable numpy step each.

**Peephole connections** (Gers & Schmidhuber 2000): the gates also look at the belt, the
forget and input gates at :math:`C_{t-1}`, the output gate at the new :math:`C_t`, each
through a vector of peephole weights acting element-wise (a diagonal matrix)::

    f_t = σ(W_f x_t + U_f h_{t-1} + p_f ⊙ C_{t-1} + b_f)
    i_t = σ(W_i x_t + U_i h_{t-1} + p_i ⊙ C_{t-1} + b_i)
    C̃_t = tanh(W_c x_t + U_c h_{t-1} + b_c)
    C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t
    o_t = σ(W_o x_t + U_o h_{t-1} + p_o ⊙ C_t + b_o)
    h_t = o_t ⊙ tanh(C_t)

**Coupled forget and input gates**: one decision instead of two, the belt forgets
exactly as much as it writes, so the forget gate has no weights of its own::

    i_t = σ(W_i x_t + U_i h_{t-1} + b_i)
    f_t = 1 - i_t
    C̃_t = tanh(W_c x_t + U_c h_{t-1} + b_c)
    o_t = σ(W_o x_t + U_o h_{t-1} + b_o)
    C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t
    h_t = o_t ⊙ tanh(C_t)

Both return the LSTM's six quantities f, i, C̃, o, C, h, like
:func:`lstm_explained.cell.lstm_step`, so their runs (:func:`run_variant`) draw in the
LSTM's views. Their weights (:mod:`lstm_explained.variant_weights`) keep Keras' layout:
blocks i, f, c, o for the peephole LSTM, i, c, o for the coupled one.

>>> import numpy as np
>>> from lstm_explained.variant_weights import CoupledWeights
>>> w = CoupledWeights.random(features=1, units=2)
>>> f, i, c_tilde, o, c, h = coupled_step(np.ones((1, 1)), np.zeros((1, 2)),
...                                       np.zeros((1, 2)), w)
>>> bool(np.all(f == 1 - i))
True
"""

from __future__ import annotations

import numpy as np

from lstm_explained.activations import get_activation
from lstm_explained.cell import lstm_step
from lstm_explained.engine import LSTMWeights
from lstm_explained.errors import DataError
from lstm_explained.kinds import LSTM
from lstm_explained.variant_weights import CoupledWeights, PeepholeWeights


def _preactivations(x_t, h_prev, weights, blocks):
    """W x_t + U h_{t-1} + b, cut into Keras' ``blocks`` gate blocks."""
    z = x_t @ weights.kernel + h_prev @ weights.recurrent_kernel
    if weights.bias is not None:
        z = z + weights.bias
    return np.split(z, blocks, axis=-1)


def peephole_step(x_t, h_prev, c_prev, weights):
    r"""One step of the peephole LSTM for a batch.

    .. math::
        f_t = \sigma(W_f x_t + U_f h_{t-1} + p_f \odot C_{t-1} + b_f), \quad
        i_t = \sigma(W_i x_t + U_i h_{t-1} + p_i \odot C_{t-1} + b_i), \quad
        o_t = \sigma(W_o x_t + U_o h_{t-1} + p_o \odot C_t + b_o)

    Parameters
    ----------
    x_t : ndarray
        (batch, features) the input at step t.
    h_prev, c_prev : ndarray
        (batch, units) the hidden state and the belt after step t - 1.
    weights : PeepholeWeights
        W, U, b in Keras' layout (i, f, c, o) and the peephole vectors p_f, p_i, p_o.

    Returns
    -------
    tuple of ndarray
        f_t, i_t, C̃_t, o_t, C_t, h_t, each (batch, units).

    Example
    -------
    >>> from lstm_explained.variant_weights import PeepholeWeights
    >>> w = PeepholeWeights.random(features=1, units=2)
    >>> out = peephole_step(np.ones((1, 1)), np.zeros((1, 2)), np.ones((1, 2)), w)
    >>> [a.shape for a in out] == [(1, 2)] * 6
    True
    """
    sigma = get_activation(weights.recurrent_activation)
    squash = get_activation(weights.activation)
    z_i, z_f, z_c, z_o = _preactivations(x_t, h_prev, weights, 4)  # Keras' order

    f_t = sigma(z_f + weights.p_f * c_prev)  # the forget gate sees the old belt
    i_t = sigma(z_i + weights.p_i * c_prev)  # so does the input gate
    c_tilde_t = squash(z_c)  # candidate
    c_t = f_t * c_prev + i_t * c_tilde_t  # the conveyor belt
    o_t = sigma(z_o + weights.p_o * c_t)  # the output gate sees the new belt
    h_t = o_t * squash(c_t)  # what the cell shows
    return f_t, i_t, c_tilde_t, o_t, c_t, h_t


def coupled_step(x_t, h_prev, c_prev, weights):
    r"""One step of the LSTM with coupled forget and input gates, for a batch.

    .. math::
        i_t = \sigma(W_i x_t + U_i h_{t-1} + b_i), \qquad f_t = 1 - i_t

    Parameters
    ----------
    x_t : ndarray
        (batch, features) the input at step t.
    h_prev, c_prev : ndarray
        (batch, units) the hidden state and the belt after step t - 1.
    weights : CoupledWeights
        W, U, b in Keras' layout without the forget block (i, c, o).

    Returns
    -------
    tuple of ndarray
        f_t, i_t, C̃_t, o_t, C_t, h_t, each (batch, units); f_t is 1 - i_t.

    Example
    -------
    >>> from lstm_explained.variant_weights import CoupledWeights
    >>> w = CoupledWeights.random(features=1, units=2)
    >>> f, i, c_tilde, o, c, h = coupled_step(np.ones((1, 1)), np.zeros((1, 2)),
    ...                                       np.ones((1, 2)), w)
    >>> bool(np.allclose(c, (1 - i) * 1.0 + i * c_tilde))
    True
    """
    sigma = get_activation(weights.recurrent_activation)
    squash = get_activation(weights.activation)
    z_i, z_c, z_o = _preactivations(x_t, h_prev, weights, 3)  # no forget block

    i_t = sigma(z_i)  # input gate
    f_t = 1.0 - i_t  # forget exactly as much as is written
    c_tilde_t = squash(z_c)  # candidate
    o_t = sigma(z_o)  # output gate
    c_t = f_t * c_prev + i_t * c_tilde_t  # the conveyor belt
    h_t = o_t * squash(c_t)  # what the cell shows
    return f_t, i_t, c_tilde_t, o_t, c_t, h_t


#: Each variant's one step and weights container, by name ("lstm" for comparison).
STEPS = {
    "lstm": (lstm_step, LSTMWeights),
    "peephole": (peephole_step, PeepholeWeights),
    "coupled": (coupled_step, CoupledWeights),
}


def run_variant(kind, x, weights, h0=None, c0=None):
    """Run one variant's step over whole sequences and keep every quantity at every step.

    Parameters
    ----------
    kind : {"peephole", "coupled", "lstm"}
        The variant (``"lstm"``: :func:`lstm_explained.cell.lstm_step`, to compare).
    x : ndarray
        (batch, timesteps, features) input sequences.
    weights : PeepholeWeights, CoupledWeights or LSTMWeights
        The weights of that variant.
    h0, c0 : ndarray, optional
        (batch, units) initial states; zeros (as in Keras) when None.

    Returns
    -------
    dict
        ``{quantity: (batch, timesteps, units)}`` named as the LSTM's quantities
        (forget, input, candidate, output, cell, hidden), so that
        ``LayerTrace(name, name, inputs=x, arrays=run)`` draws in the LSTM's views.

    Example
    -------
    >>> run = run_variant("coupled", np.ones((2, 5, 1)), CoupledWeights.random(1, 3))
    >>> run["hidden"].shape, bool(np.all(run["forget"] == 1 - run["input"]))
    ((2, 5, 3), True)
    """
    if kind not in STEPS:
        raise DataError(f"unknown variant {kind!r}; choose one of {', '.join(STEPS)}.")
    step, container = STEPS[kind]
    if not isinstance(weights, container):
        raise DataError(
            f"run_variant({kind!r}) needs {container.__name__}; got "
            f"{type(weights).__name__} (build it with {container.__name__}.from_lstm or .random)."
        )
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[2] != weights.features or x.shape[1] == 0:
        raise DataError(f"x must have shape (batch, timesteps >= 1, {weights.features}); "
                        f"got {x.shape}.")
    if x.dtype.kind not in "biuf":
        raise DataError(f"x must hold numbers; got an array of {x.dtype}.")
    x = x.astype(weights.dtype)
    states = []
    for name, given in (("h0", h0), ("c0", c0)):
        state = np.zeros((x.shape[0], weights.units), weights.dtype) if given is None else given
        if np.shape(state) != (x.shape[0], weights.units):
            raise DataError(f"{name} must have shape {(x.shape[0], weights.units)}; "
                            f"got {np.shape(state)}.")
        states.append(np.asarray(state, dtype=weights.dtype))
    h, c = states
    steps = []
    for t in range(x.shape[1]):
        out = step(x[:, t], h, c, weights)
        steps.append(out)
        c, h = out[4], out[5]
    return {name: np.stack([s[q] for s in steps], axis=1) for q, name in enumerate(LSTM.names)}


def parameter_count(weights):
    """How many weights each gate of a variant has, counted from its arrays.

    Parameters
    ----------
    weights : LSTMWeights, PeepholeWeights or CoupledWeights

    Returns
    -------
    dict
        ``{"forget", "input", "candidate", "output": W, U and b of that gate;
        "peepholes": p_f, p_i, p_o; "total"}``. A coupled cell's forget gate has 0: its
        block of W, U and b is what disappears when f and i are coupled.

    Example
    -------
    >>> lstm = LSTMWeights.random(features=1, units=2)
    >>> parameter_count(lstm)["forget"], parameter_count(CoupledWeights.from_lstm(lstm))["forget"]
    (8, 0)
    """
    blocks = {LSTMWeights: LSTM.keras_blocks, PeepholeWeights: LSTM.keras_blocks,
              CoupledWeights: ("input", "candidate", "output")}.get(type(weights))
    if blocks is None:
        raise DataError(f"parameter_count needs LSTMWeights, PeepholeWeights or CoupledWeights; "
                        f"got {type(weights).__name__}.")
    arrays = [weights.kernel, weights.recurrent_kernel]
    if weights.bias is not None:
        arrays.append(weights.bias[None, :])
    count = {q: 0 for q in LSTM.names if q not in LSTM.states}  # the four gates
    for b, gate in enumerate(blocks):
        cols = slice(b * weights.units, (b + 1) * weights.units)
        count[gate] = sum(a[:, cols].size for a in arrays)
    count["peepholes"] = sum(getattr(weights, p, np.empty(0)).size for p in ("p_f", "p_i", "p_o"))
    count["total"] = sum(count.values())
    return count


# ----------------------------------------------------------------------------------
# Tutorial 01's gender cell, as each variant
# ----------------------------------------------------------------------------------
def gender_sentence():
    """Tutorial 01's sentence and its three features per word (new_subject, gender, pronoun).

    Returns
    -------
    tokens : list of str
        The 14 words.
    inputs : ndarray
        (14, 3): 1 at a name that becomes the subject; +1 feminine, -1 masculine name;
        1 at a pronoun.

    Example
    -------
    >>> tokens, inputs = gender_sentence()
    >>> tokens[0], inputs[0].tolist()
    ('Alice', [1.0, 1.0, 0.0])
    """
    tokens = ["Alice", "met", "Tom", "and", "she", "smiled", ".",
              "Then", "Bob", "called", "Carol", "and", "he", "laughed"]
    names = {"Alice": +1.0, "Tom": -1.0, "Bob": -1.0, "Carol": +1.0}
    subjects, pronouns = ["Alice", "Bob"], {"she", "he"}
    inputs = np.array([[1.0 if w in subjects else 0.0, names.get(w, 0.0),
                        1.0 if w in pronouns else 0.0] for w in tokens])
    return tokens, inputs


def gender_cell(kind="lstm", k=4.0, p_f=0.0, p_i=0.0, p_o=0.0):
    """Tutorial 01's one-unit cell that keeps the subject's gender, built as ``kind``.

    The LSTM's forget block is minus its input block (``f = σ(k - 2k·new_subject)``,
    ``i = σ(2k·new_subject - k)``), so its forget gate is already ``1 - i``: coupling
    drops those weights and changes nothing. A peephole lets the gates see the belt:
    ``p_f`` shifts the forget gate by ``p_f · C_{t-1}``, the belt's signed gender.

    Parameters
    ----------
    kind : {"lstm", "peephole", "coupled"}
    k : float
        How decisive the gates are (tutorial 01 uses 4).
    p_f, p_i, p_o : float
        The peephole weights of the one unit (``kind="peephole"`` only).

    Returns
    -------
    LSTMWeights, PeepholeWeights or CoupledWeights

    Example
    -------
    >>> tokens, x = gender_sentence()
    >>> run = run_variant("peephole", x[None], gender_cell("peephole", p_f=-2.0))
    >>> f = run["forget"][0, :, 0]
    >>> bool(f[tokens.index("met")] < f[tokens.index("called")])  # after Alice; after Bob
    True
    """
    if kind not in STEPS:
        raise DataError(f"unknown variant {kind!r}; choose one of {', '.join(STEPS)}.")
    if kind != "peephole" and (p_f, p_i, p_o) != (0.0, 0.0, 0.0):
        raise DataError(f"p_f, p_i, p_o are peephole weights; use kind='peephole', not {kind!r}.")
    #                    i        f       C~      o          <- Keras' block order
    kernel = np.array([[2 * k, -2 * k, 0.0, 0.0],    # new_subject: write, don't keep
                       [0.0, 0.0, 2.0, 0.0],         # gender: the candidate, ±tanh(2)
                       [0.0, 0.0, 0.0, 2 * k]])      # pronoun: show the belt
    lstm = LSTMWeights(kernel, np.zeros((1, 4)), np.array([-k, +k, 0.0, -k]))
    if kind == "peephole":
        return PeepholeWeights.from_lstm(lstm, p_f=[p_f], p_i=[p_i], p_o=[p_o])
    return CoupledWeights.from_lstm(lstm) if kind == "coupled" else lstm
