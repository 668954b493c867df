"""The LSTM's vocabulary as plain dicts, read from its one declaration.

Everything here is derived from :data:`lstm_explained.kinds.LSTM` (nothing is typed
twice): handy in a notebook (``lx.gates.COLORS["forget"]``). Code that must work for every
cell kind reads the kind of its trace instead (``layer_trace.spec``).

Example
-------
>>> GATES
('forget', 'input', 'candidate', 'output')
>>> SYMBOLS["candidate"], COLORS["forget"]
('$\\\\tilde{C}_t$', '#D55E00')
"""

from __future__ import annotations

from lstm_explained.kinds import LSTM

#: The four gate activations, in the order of Olah's walk through the cell.
GATES: tuple[str, ...] = LSTM.gates
#: The two states the cell carries from step to step.
STATES: tuple[str, ...] = LSTM.states
#: Everything a layer trace holds per timestep, gates first.
QUANTITIES: tuple[str, ...] = LSTM.names
#: Olah's notation, as matplotlib mathtext.
SYMBOLS: dict[str, str] = LSTM.symbols()
#: Olah's notation as plain text (widgets, HTML, terminals).
TEXT_SYMBOLS: dict[str, str] = LSTM.symbols(plain=True)
#: What each part does, in the conveyor-belt story.
ROLES: dict[str, str] = {q.name: q.role for q in LSTM.quantities}
#: One colour per part (colour-blind-safe Okabe-Ito palette).
COLORS: dict[str, str] = LSTM.colors()
#: Matplotlib colour maps of the heatmaps.
CMAPS: dict[str, str] = {q.name: q.cmap for q in LSTM.quantities}
