"""One vocabulary for the LSTM's parts: names, Olah's symbols and colours.

Code, plots, widgets, the HTML export and the docs all use these, so that the forget
gate is called ``forget``, written :math:`f_t` and drawn in the same red everywhere.

Example
-------
>>> from lstm_explained.gates import GATES, SYMBOLS, COLORS
>>> GATES
('forget', 'input', 'candidate', 'output')
>>> SYMBOLS["candidate"]
'$\\\\tilde{C}_t$'
"""

from __future__ import annotations

#: The four gate activations, in the order of Olah's walk through the cell.
GATES: tuple[str, ...] = ("forget", "input", "candidate", "output")

#: The two states the cell carries from step to step.
STATES: tuple[str, ...] = ("cell", "hidden")

#: Everything a layer trace holds per timestep, gates first.
QUANTITIES: tuple[str, ...] = GATES + STATES

#: Olah's notation, as matplotlib mathtext.
SYMBOLS: dict[str, str] = {
    "forget": r"$f_t$",
    "input": r"$i_t$",
    "candidate": r"$\tilde{C}_t$",
    "output": r"$o_t$",
    "cell": r"$C_t$",
    "hidden": r"$h_t$",
}

#: Olah's notation as plain text (widgets, HTML, terminals).
TEXT_SYMBOLS: dict[str, str] = {
    "forget": "f_t",
    "input": "i_t",
    "candidate": "C̃_t",
    "output": "o_t",
    "cell": "C_t",
    "hidden": "h_t",
}

#: What each part does, in the conveyor-belt story.
ROLES: dict[str, str] = {
    "forget": "how much of the old cell state to keep",
    "input": "how much of the candidate to write",
    "candidate": "the new values that could be written",
    "output": "how much of the squashed cell state to show",
    "cell": "the conveyor belt: the memory carried along",
    "hidden": "what the cell shows to the next layer and the next step",
}

#: One colour per part (colour-blind-safe Okabe-Ito palette).
COLORS: dict[str, str] = {
    "forget": "#D55E00",  # vermillion
    "input": "#0072B2",  # blue
    "candidate": "#009E73",  # bluish green
    "output": "#E69F00",  # orange
    "cell": "#CC79A7",  # reddish purple
    "hidden": "#000000",  # black
}

#: Matplotlib colormaps for heatmaps: gates live in [0, 1] (sequential), the candidate,
#: cell and hidden state are signed (diverging, centred on 0).
CMAPS: dict[str, str] = {
    "forget": "Reds",
    "input": "Blues",
    "candidate": "PiYG",
    "output": "Oranges",
    "cell": "PuOr",
    "hidden": "RdBu_r",
}
