r"""The LSTM, declared once: its quantities, Keras' weight layout, its code and its belt.

Olah's walk through the cell: the forget gate decides what to keep of the belt
:math:`C_{t-1}`, the input gate how much of the candidate :math:`\tilde{C}_t` to write, the
output gate how much of the squashed belt to show as :math:`h_t`. Keras concatenates the
four pre-activations in the order i, f, c, o (``keras_blocks``).

Example
-------
>>> LSTM.keras_blocks
('input', 'forget', 'candidate', 'output')
>>> [c.key for c in LSTM.belt_columns][:4]
['previous', 'forget', 'kept', 'forgotten']
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
    """The belt's books: ``kept = f C_{t-1}``, ``forgotten = (1 - f) C_{t-1}``,
    ``written = i C~``; at a masked step everything is kept, nothing forgotten or written."""
    previous = previous_state(lt, "cell")
    f = np.asarray(lt.forget)
    books = {
        "previous": previous,
        "kept": f * previous,
        "forgotten": (1.0 - f) * previous,
        "written": np.asarray(lt.input) * np.asarray(lt.candidate),
    }
    return hold_masked(books, lt)


#: The inspector's cell diagram: the belt C_{t-1} -> x f_t -> + i_t C~_t -> C_t, then the
#: output h_t = o_t tanh(C_t) below it.
_DIAGRAM = (
    *belt_row("forget"),
    Mark("op", (300, 117), "input", "\u00d7"), Mark("line", (289, 117, 262, 117), "input"),
    Mark("line", (311, 117, 338, 117), "candidate"),
    Mark("node", (360, 76), "written", anchor="start"),
    Mark("node", (230, 162), "input"), Mark("node", (370, 162), "candidate"),
    Mark("node", (440, 12), "cell"),
    Mark("line", (500, 48, 500, 96)), Mark("node", (500, 108), "squashed"),
    Mark("line", (500, 138, 500, 178), "hidden"),
    Mark("op", (500, 189), "output", "\u00d7"), Mark("node", (440, 196), "output"),
    Mark("line", (511, 189, 545, 189), "hidden"), Mark("node", (568, 174), "hidden"),
)


LSTM = CellKind(
    name="lstm",
    title="LSTM",
    quantities=(
        Quantity("forget", r"$f_t$", "f_t", "#D55E00", "Reds", "unit",
                 "how much of the old cell state to keep", "gate"),
        Quantity("input", r"$i_t$", "i_t", "#0072B2", "Blues", "unit",
                 "how much of the candidate to write", "gate"),
        Quantity("candidate", r"$\tilde{C}_t$", "C̃_t", "#009E73", "PiYG", "signed",
                 "the new values that could be written", "candidate"),
        Quantity("output", r"$o_t$", "o_t", "#E69F00", "Oranges", "unit",
                 "how much of the squashed cell state to show", "gate"),
        Quantity("cell", r"$C_t$", "C_t", "#CC79A7", "PuOr", "signed",
                 "the conveyor belt: the memory carried along", "state"),
        Quantity("hidden", r"$h_t$", "h_t", "#000000", "RdBu_r", "signed",
                 "what the cell shows to the next layer and the next step", "state"),
    ),
    belt="cell",
    output="hidden",
    states=("cell", "hidden"),
    keras_layer="LSTM",
    keras_cell="LSTMCell",
    keras_blocks=("input", "forget", "candidate", "output"),
    ledger=_ledger,
    keep_gate="forget",
    write_gate="input",
    step="lstm_explained.cell:lstm_step",
    runner="lstm_explained.engine:run_lstm",
    weights="lstm_explained.engine:LSTMWeights",
    buffers="lstm_explained.engine:lstm_buffers",
    belt_columns=(
        BeltColumn("previous", r"$C_{t-1}$", "C_{t-1}", "cell", "old belt"),
        BeltColumn("forget", r"$f_t$", "f_t", "forget", "forget: keep or drop"),
        BeltColumn("kept", r"$f_t\odot C_{t-1}$", "f_t⊙C_{t-1}", "forget",
                   "forget: keep or drop"),
        BeltColumn("forgotten", r"$(1-f_t)\odot C_{t-1}$", "(1−f_t)⊙C_{t-1}", "forget",
                   "forget: keep or drop"),
        BeltColumn("input", r"$i_t$", "i_t", "input", "input: write"),
        BeltColumn("candidate", r"$\tilde{C}_t$", "C̃_t", "candidate", "input: write"),
        BeltColumn("written", r"$i_t\odot\tilde{C}_t$", "i_t⊙C̃_t", "input", "input: write"),
        BeltColumn("cell", r"$C_t$", "C_t", "cell", "new belt", op="="),
        BeltColumn("squashed", r"$\tanh(C_t)$", "tanh(C_t)", "cell", "output: show", op="→"),
        BeltColumn("output", r"$o_t$", "o_t", "output", "output: show"),
        BeltColumn("hidden", r"$h_t$", "h_t", "hidden", "output: show", op="="),
    ),
    saturation_gates=("forget", "input", "output"),
    equations=(
        r"f_t = \sigma(W_f x_t + U_f h_{t-1} + b_f)",
        r"i_t = \sigma(W_i x_t + U_i h_{t-1} + b_i)",
        r"\tilde{C}_t = \tanh(W_c x_t + U_c h_{t-1} + b_c)",
        r"o_t = \sigma(W_o x_t + U_o h_{t-1} + b_o)",
        r"C_t = f_t \odot C_{t-1} + i_t \odot \tilde{C}_t",
        r"h_t = o_t \odot \tanh(C_t)",
    ),
    diagram=_DIAGRAM,
)
