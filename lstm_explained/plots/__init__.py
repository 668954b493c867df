"""Static pictures: forecasts (the seed's plots) and, from a trace, the gates.

Every function takes ``ax=None`` (or ``fig=None`` for multi-panel pictures), draws into a
new :class:`matplotlib.figure.Figure` or the given one, and returns the Figure; nothing
here calls ``plt.show()``. Nothing here imports TensorFlow: plots are drawn from arrays,
windows and traces.

* :mod:`lstm_explained.plots.forecast`: the seed's forecast plots and the persistence
  baseline in price units.
* :mod:`lstm_explained.plots.gates`: the conveyor belt, gate heatmaps, unit traces and
  saturation; :mod:`lstm_explained.plots.inspector`: the inspector's composed figure;
  :mod:`lstm_explained.plots.views`: the views they are made of.
* :mod:`lstm_explained.plots.memory`: how far back the inputs move the output (input
  gradients of several models) and the belt's own derivative (a product of forget gates).
* :mod:`lstm_explained.plots.weights`: how far training moved each gate's weights from
  their initial values (:func:`lstm_explained.weight_change.weight_change`).

Example
-------
>>> import numpy as np
>>> from lstm_explained.plots import plot_results
>>> fig = plot_results(np.zeros(5), np.arange(5.0))
"""

from lstm_explained.plots.forecast import (
    plot_forecast_prices,
    plot_results,
    plot_results_multiple,
)
from lstm_explained.plots.gates import (
    plot_conveyor_belt,
    plot_gate_heatmaps,
    plot_saturation,
    plot_unit_traces,
    plot_window,
)
from lstm_explained.plots.inspector import InspectorFigure, plot_inspector
from lstm_explained.plots.memory import plot_belt_gradient, plot_memory_reach
from lstm_explained.plots.weights import plot_weight_change

__all__ = [
    "InspectorFigure",
    "plot_belt_gradient",
    "plot_conveyor_belt",
    "plot_forecast_prices",
    "plot_gate_heatmaps",
    "plot_inspector",
    "plot_memory_reach",
    "plot_results",
    "plot_results_multiple",
    "plot_saturation",
    "plot_unit_traces",
    "plot_weight_change",
    "plot_window",
]
