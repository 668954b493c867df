r"""The GRU, declared once: its quantities, Keras' weight layout, its code and its belt.

A GRU (Cho et al. 2014) has no separate cell state: its hidden state :math:`h_t` is both
the conveyor belt and what it shows. The update gate :math:`z_t` decides how much of the
old belt to keep, the reset gate :math:`r_t` how much of the old belt the candidate
:math:`\tilde{h}_t` may look at, and the rest of the belt is written from the candidate.

Sign convention: Keras computes ``h = z * h_tm1 + (1 - z) * hh``
(``keras/src/layers/rnn/gru.py``, ``GRUCell.call``), so in Keras **z keeps** and
``1 - z`` writes. That is the convention of Cho et al. (2014), the paper that introduced
the GRU; Olah's post and Chung et al. (2014) write the opposite,
:math:`h_t = (1 - z_t) h_{t-1} + z_t \tilde{h}_t`, where z writes. The trace keeps
Keras' z (the gate the weights compute); the ledger says which part it keeps.

Keras concatenates the three pre-activations in the order z, r, h (``keras_blocks``).

Example
-------
>>> GRU.keras_blocks
('update', 'reset', 'candidate')
>>> GRU.belt, GRU.output, GRU.states
('hidden', 'hidden', ('hidden',))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstm_explained.kinds.base import (
    BeltColumn,
    CellKind,
    Mark,
    Quantity,
    belt_row,
    hold_masked,
    previous_state,
)


def _ledger(lt: Any) -> dict[str, np.ndarray]:
    """The belt's books in Keras' convention: ``kept = z h_{t-1}``,
    ``forgotten = (1 - z) h_{t-1}``, ``written = (1 - z) h~``; at a masked step
    everything is kept, nothing forgotten or written.

    Example
    -------
    >>> from types import SimpleNamespace
    >>> one = np.ones((1, 2, 1))
    >>> lt = SimpleNamespace(update=0.25 * one, candidate=one, mask=None,
    ...                      hidden=np.array([[[0.75], [0.9375]]]), initial_hidden=None)
    >>> books = _ledger(lt)
    >>> books["kept"][0, :, 0].tolist(), books["written"][0, :, 0].tolist()
    ([0.0, 0.1875], [0.75, 0.75])
    """
    previous = previous_state(lt, "hidden")
    z = np.asarray(lt.update)
    books = {
        "previous": previous,
        "kept": z * previous,
        "forgotten": (1.0 - z) * previous,
        "written": (1.0 - z) * np.asarray(lt.candidate),
    }
    return hold_masked(books, lt)


#: The inspector's cell diagram: the belt h_{t-1} -> x z_t -> + (1 - z_t) h~_t -> h_t, and
#: the reset gate r_t feeding the candidate h~_t below it (h_t is also the output).
_DIAGRAM = (
    *belt_row("update"),
    Mark("op", (300, 117), "update", "\u00d7"), Mark("line", (172, 150, 289, 117), "update"),
    Mark("line", (311, 117, 338, 150), "candidate"),
    Mark("node", (360, 76), "written", anchor="start"),
    Mark("node", (370, 162), "candidate"), Mark("line", (455, 156, 400, 156), "reset"),
    Mark("node", (480, 162), "reset"),
    Mark("node", (440, 12), "hidden"),
)


GRU = CellKind(
    name="gru",
    title="GRU",
    quantities=(
        Quantity("update", r"$z_t$", "z_t", "#D55E00", "Reds", "unit",
                 "how much of the old hidden state to keep (Keras: z keeps, 1 − z writes)",
                 "gate"),
        Quantity("reset", r"$r_t$", "r_t", "#56B4E9", "Blues", "unit",
                 "how much of the old hidden state the candidate may see", "gate"),
        Quantity("candidate", r"$\tilde{h}_t$", "h̃_t", "#009E73", "PiYG", "signed",
                 "the new values that could be written", "candidate"),
        Quantity("hidden", r"$h_t$", "h_t", "#000000", "RdBu_r", "signed",
                 "the conveyor belt and what the cell shows: a GRU has no separate cell",
                 "state"),
    ),
    belt="hidden",
    output="hidden",
    states=("hidden",),
    keras_layer="GRU",
    keras_cell="GRUCell",
    keras_blocks=("update", "reset", "candidate"),
    ledger=_ledger,
    keep_gate="update",
    step="lstm_explained.gru_cell:gru_step",
    runner="lstm_explained.gru_engine:run_gru",
    weights="lstm_explained.gru_engine:GRUWeights",
    buffers="lstm_explained.gru_engine:gru_buffers",
    belt_columns=(
        BeltColumn("previous", r"$h_{t-1}$", "h_{t-1}", "hidden", "old belt"),
        BeltColumn("update", r"$z_t$", "z_t", "update", "update: keep"),
        BeltColumn("kept", r"$z_t\odot h_{t-1}$", "z_t⊙h_{t-1}", "update", "update: keep"),
        BeltColumn("forgotten", r"$(1-z_t)\odot h_{t-1}$", "(1−z_t)⊙h_{t-1}", "update",
                   "update: keep"),
        BeltColumn("reset", r"$r_t$", "r_t", "reset", "candidate: write"),
        BeltColumn("candidate", r"$\tilde{h}_t$", "h̃_t", "candidate", "candidate: write"),
        BeltColumn("written", r"$(1-z_t)\odot\tilde{h}_t$", "(1−z_t)⊙h̃_t", "candidate",
                   "candidate: write"),
        BeltColumn("hidden", r"$h_t$", "h_t", "hidden", "new belt", op="="),
    ),
    saturation_gates=("update", "reset"),
    equations=(
        r"z_t = \sigma(W_z x_t + U_z h_{t-1} + b_z)",
        r"r_t = \sigma(W_r x_t + U_r h_{t-1} + b_r)",
        r"\tilde{h}_t = \tanh(W_h x_t + b_h + r_t \odot (U_h h_{t-1} + b'_h))",
        r"h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde{h}_t",
    ),
    keras_options=("reset_after",),
    keras_config=frozenset({
        "activation", "activity_regularizer", "bias_constraint", "bias_initializer",
        "bias_regularizer", "dropout", "dtype", "go_backwards", "kernel_constraint",
        "kernel_initializer", "kernel_regularizer", "name", "recurrent_activation",
        "recurrent_constraint", "recurrent_dropout", "recurrent_initializer",
        "recurrent_regularizer", "reset_after", "return_sequences", "return_state", "seed",
        "stateful", "trainable", "units", "unroll", "use_bias", "zero_output_for_mask",
    }),
    diagram=_DIAGRAM,
)
