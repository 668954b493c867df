"""What the tracer's tests of every cell kind share (tests/test_tracer.py for the LSTM,
tests/test_kinds_gru.py for the GRU): the tolerance, the activations the property tests
draw from, the error measure, and each layer's outputs rebuilt from its traces.

All of it is written apart from the tracer's own check (lstm_explained._tracer_check), so
that the tests do not take the check's word for what Keras outputs.
"""

from __future__ import annotations

import numpy as np

from lstm_explained._keras import keras
from lstm_explained.activations import ACTIVATIONS

#: The package's promise: every value within 1e-5 of Keras, relative to max(1, |value|).
TOL = 1e-5

# Activations the property tests draw from. `activation` may be any built-in one (the
# unbounded ones get small weights); `recurrent_activation` is drawn from those whose
# values lie in [0, 1], as a gate's should. With gates outside [0, 1] (or an expansive
# recurrent kernel) the recurrence amplifies Keras' own float32 rounding: a float64
# recompute from Keras' exact inputs then differs from Keras by more than 1e-5, and no
# implementation can be "exact". Recurrent kernels are scaled like Keras' orthogonal
# initialiser (spectral radius ~ scale); saturation comes from input weights and biases.
GATE_LIKE = ["sigmoid", "hard_sigmoid", "sparse_sigmoid", "softmax"]
BOUNDED = GATE_LIKE + ["tanh", "softsign", "hard_tanh"]
UNBOUNDED = sorted(set(ACTIVATIONS) - set(BOUNDED))


def error(ours, theirs) -> float:
    """Largest ``|ours - theirs| / max(1, |theirs|)``, in float64 (0 for empty arrays)."""
    ours = np.asarray(ours, np.float64)
    theirs = np.asarray(theirs, np.float64)
    if theirs.size == 0:
        return 0.0
    return float((np.abs(ours - theirs) / np.maximum(1.0, np.abs(theirs))).max())


def expected_outputs(layer, traces) -> list[np.ndarray]:
    """The outputs of Keras layer ``layer`` (an LSTM, a GRU or a Bidirectional of one) as
    Keras forms them, rebuilt from its layer traces: the sequence (zeroed at masked steps
    when the layer does that) or the last output, the Bidirectional merge, and with
    ``return_state`` each direction's final states (an LSTM's h and C, a GRU's h)."""
    bi = isinstance(layer, keras().layers.Bidirectional)
    seqs, states = [], []
    for lt in traces:
        backward_role = bi and lt.name.endswith("/backward")
        sub = (layer.backward_layer if backward_role else layer.forward_layer) if bi else layer
        if layer.return_sequences:
            y = lt.hidden
            if sub.zero_output_for_mask and lt.mask is not None:
                y = y * lt.mask[..., None]
            if backward_role:  # Bidirectional flips its backward layer's output
                y = y[:, ::-1]
        else:
            y = lt.hidden[:, -1]
        seqs.append(y)
        states += [lt.hidden[:, -1]] + ([lt.cell[:, -1]] if lt.kind == "lstm" else [])
    if not bi:
        out = seqs
    else:
        merge = {"concat": lambda a, b: [np.concatenate([a, b], -1)], "sum": lambda a, b: [a + b],
                 "mul": lambda a, b: [a * b], "ave": lambda a, b: [(a + b) / 2],
                 None: lambda a, b: [a, b]}
        out = merge[layer.merge_mode](*seqs)
    return out + (states if layer.return_state else [])
