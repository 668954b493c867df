"""The picture of :func:`lstm_explained.weight_change.weight_change`: how far training moved
each gate's weights from their initial values, beside how far apart two initialisations are.

Example
-------
>>> import numpy as np
>>> from lstm_explained.weight_change import BLOCKS, WeightChange
>>> gates = ("input", "forget", "candidate", "output")
>>> c = WeightChange(("lstm_1",), gates, BLOCKS, np.full((1, 3, 4), 0.1), np.ones((1, 3, 4)))
>>> fig = plot_weight_change(c)
>>> len(fig.axes[0].patches)
12
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from lstm_explained.kinds import LSTM
from lstm_explained.plots._figure import axes


def plot_weight_change(change: Any, ax: Axes | None = None) -> Figure:
    """Bars of each gate's weight change, one group per layer and weight array.

    Parameters
    ----------
    change : WeightChange
        From :func:`lstm_explained.weight_change.weight_change`.
    ax : matplotlib.axes.Axes, optional
        Draw here; by default into a new Figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn into. A hatched bar is an absolute distance (its initial block
        was all zeros); with ``change.between_inits``, a grey line marks, for each group,
        how far apart two initialisations are.

    Example
    -------
    >>> import numpy as np
    >>> from lstm_explained.weight_change import BLOCKS, WeightChange
    >>> gates = ("input", "forget", "candidate", "output")
    >>> c = WeightChange(("l",), gates, BLOCKS, np.ones((1, 3, 4)), np.ones((1, 3, 4)),
    ...                  between_inits=np.full((1, 3, 4), 1.4))
    >>> fig = plot_weight_change(c)
    >>> fig.axes[0].get_xlabel()
    'distance from the initial weights'
    """
    groups = [(li, bi) for li in range(len(change.layers)) for bi in range(len(change.blocks))]
    fig, ax = axes(ax, (8, 0.6 + 0.55 * len(groups)))
    n = len(change.gates)
    height = 0.8 / n
    colors = LSTM.colors()
    for row, (li, bi) in enumerate(groups):
        for gi, gate in enumerate(change.gates):
            relative = bool(change.is_relative[li, bi, gi])
            ax.barh(row + (gi - (n - 1) / 2) * height, change.change[li, bi, gi], height,
                    color=colors[gate], hatch=None if relative else "///",
                    edgecolor="white" if relative else "#333333",
                    label=gate if row == 0 else None)
        if change.between_inits is not None:
            apart = float(np.median(change.between_inits[li, bi]))
            ax.plot([apart, apart], [row - 0.45, row + 0.45], color="#777777", lw=2,
                    label="two initialisations apart" if row == 0 else None)
    ax.set_yticks(range(len(groups)),
                  [f"{change.layers[li]} {change.blocks[bi]}" for li, bi in groups])
    ax.invert_yaxis()
    ax.set_xlabel("distance from the initial weights")
    ax.set_title("||W − W0|| / ||W0|| per gate (hatched: ||W − W0||, the block started at 0)",
                 fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig


__all__ = ["plot_weight_change"]
