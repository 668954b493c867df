"""The recurrent cell kinds lstm-explained knows, each declared once (see :mod:`.base`).

Everything downstream (tracer, trace files, analyses, plots, widget, exports) loops over
these declarations. To add a kind: write ``kinds/<name>.py`` declaring a
:class:`~lstm_explained.kinds.base.CellKind`, and list it in :data:`KINDS` below.

Example
-------
>>> sorted(KINDS)
['gru', 'lstm']
>>> get_kind("lstm").title
'LSTM'
"""

from __future__ import annotations

from lstm_explained.errors import DataError
from lstm_explained.kinds.base import BeltColumn, CellKind, Mark, Quantity
from lstm_explained.kinds.gru import GRU
from lstm_explained.kinds.lstm import LSTM

#: Every known kind, by name.
KINDS: dict[str, CellKind] = {k.name: k for k in (LSTM, GRU)}


def get_kind(name: str | CellKind) -> CellKind:
    """The kind called ``name`` (a kind is returned as it is), or a clear error."""
    if isinstance(name, CellKind):
        return name
    try:
        return KINDS[name]
    except (KeyError, TypeError):
        raise DataError(
            f"unknown cell kind {name!r}; lstm-explained knows {', '.join(sorted(KINDS))}."
        ) from None


__all__ = ["GRU", "KINDS", "LSTM", "BeltColumn", "CellKind", "Mark", "Quantity", "get_kind"]
