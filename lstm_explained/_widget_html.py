"""The widget's HTML fragments (its status line and colour legend) and menu entries.

Everything from a trace (layer names, sample labels, symbols, colours) is escaped here:
``ipywidgets.HTML`` sets ``innerHTML``, so an unescaped label would be markup.

Example
-------
>>> from lstm_explained.kinds import get_kind
>>> legend_html(get_kind("lstm")).count("<span")
6
"""

from __future__ import annotations

from html import escape
from typing import Any

from lstm_explained.labels import inline_label


def legend_html(spec: Any) -> str:
    """Each quantity's symbol in its colour, in the cell kind's order."""
    return " ".join(
        f'<span style="color:{escape(q.color)};font-weight:bold">{escape(q.text)}</span>'
        for q in spec.quantities
    )


def status_html(sample: str, lt: Any, t: int, u: int, readout: list[tuple[Any, float]]) -> str:
    """The status line: the sample, the layer and step, and unit ``u``'s values at step t
    (``readout``: pairs of quantity and value, see ``SampleData.readout``)."""
    values = ", ".join(
        f'<span style="color:{escape(q.color)}">{escape(q.text)} = {v:+.3f}</span>'
        for q, v in readout
    )
    parts = [
        f"<b>{escape(sample)}</b>",
        f"layer <code>{escape(inline_label(lt.name))}</code> "
        f"step t = {t} of {lt.n_timesteps - 1}",
        f"unit {u}: {values}",
    ]
    return '<div style="overflow-wrap:anywhere">' + " &nbsp;·&nbsp; ".join(parts) + "</div>"


def unit_options(n_units: int) -> list[tuple[str, int]]:
    """The unit picker's entries: ``("unit 0", 0), ...``."""
    return [(f"unit {u}", u) for u in range(n_units)]
