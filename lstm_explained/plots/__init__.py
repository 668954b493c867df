"""Static pictures: forecasts (the seed's plots) and, from a trace, the gates.

Every function takes ``ax=None`` (draw into a new figure, or into the given axes) and
returns the matplotlib Figure; nothing here calls ``plt.show()``. Nothing here imports
TensorFlow: plots are drawn from arrays, windows and traces.
"""

from lstm_explained.plots.forecast import (
    plot_forecast_prices,
    plot_results,
    plot_results_multiple,
)

__all__ = ["plot_forecast_prices", "plot_results", "plot_results_multiple"]
