"""The plots' one rule for where to draw: into the axes given, or a new Figure.

Library plots never touch pyplot's global state: a new figure is a plain
``matplotlib.figure.Figure``, which a notebook shows and ``fig.savefig`` writes.

Example
-------
>>> fig, ax = axes(None, (4, 3))
>>> axes(ax, (9, 9))[0] is fig
True
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure


def axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """``(ax.figure, ax)``, or a new constrained-layout Figure of ``figsize`` and its axes."""
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


__all__ = ["axes"]
