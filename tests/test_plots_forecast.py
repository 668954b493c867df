"""Tests for lstm_explained.plots.forecast: the forecast plots, with the AR beside persistence."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import same_color
from matplotlib.figure import Figure

import lstm_explained as lx
from lstm_explained.errors import DataError
from lstm_explained.plots.forecast import (
    plot_forecast_prices,
    plot_results,
    plot_results_multiple,
)
from lstm_explained.plots.views import AR_COLOR, BASELINE_COLOR

L = 50


@pytest.fixture(scope="module")
def sp500():
    """Normalised S&P 500 windows, the AR fitted on them, its point and multi forecasts."""
    w = lx.data.make_windows(lx.data.load_sp500(), L, normalise=True)
    ar = lx.forecast.linear_ar(w.x_train, w.y_train)
    return w, lx.forecast.point_by_point(ar, w.x_test), lx.forecast.multi_sequence(ar, w.x_test, L)


def lines(fig: Figure, label_start: str) -> list:
    """The lines of the figure's first axes drawn in the colour of the first labelled one."""
    ax = fig.axes[0]
    first = [ln for ln in ax.lines if str(ln.get_label()).startswith(label_start)]
    assert len(first) == 1, [ln.get_label() for ln in ax.lines]
    return [ln for ln in ax.lines if same_color(ln.get_color(), first[0].get_color())]


def test_point_prices_draw_the_ar_in_prices_beside_persistence(sp500):
    w, point, _ = sp500
    fig = plot_forecast_prices(w, point, "point", ar=point)  # the AR as "the model" too
    (ar_line,) = lines(fig, "Linear AR")
    assert same_color(ar_line.get_color(), AR_COLOR) and ar_line.get_linestyle() == "-."
    np.testing.assert_allclose(ar_line.get_ydata(), w.denormalise(point))
    (base,) = lines(fig, "Persistence")
    assert same_color(base.get_color(), BASELINE_COLOR)
    without = plot_forecast_prices(w, point).axes[0].lines
    assert "Linear AR" not in [ln.get_label() for ln in without]


def test_multi_prices_draw_each_ar_run_in_its_start_windows_prices(sp500):
    w, _, multi = sp500
    fig = plot_forecast_prices(w, np.zeros_like(multi), "multi", L, ar=multi)
    ar_lines = lines(fig, "Linear AR (fed back)")
    assert len(ar_lines) == len(multi)
    for k, line in enumerate(ar_lines):
        np.testing.assert_allclose(line.get_ydata(), w.denormalise(multi[k], window=k * L))


def test_the_seeds_plots_take_the_ar_too():
    true = np.sin(np.arange(100) / 5)
    fig = plot_results(true + 0.1, true, ar=true - 0.1)
    (line,) = lines(fig, "Linear AR")
    np.testing.assert_allclose(line.get_ydata(), true - 0.1)
    runs = np.arange(100.0).reshape(2, 50)
    fig = plot_results_multiple(runs, true, 50, ar=-runs)
    ar_lines = lines(fig, "Linear AR")
    assert [list(ln.get_xdata()[[0, -1]]) for ln in ar_lines] == [[0, 49], [50, 99]]
    np.testing.assert_allclose(ar_lines[1].get_ydata(), -runs[1])
    assert len(plot_results_multiple(runs, true, 50).axes[0].lines) == 3  # none without ar


def test_an_ar_of_another_shape_is_refused_before_drawing(sp500):
    w, point, multi = sp500
    for call in (
        lambda: plot_forecast_prices(w, point, "point", ar=multi),
        lambda: plot_forecast_prices(w, multi, "multi", L, ar=point),
        lambda: plot_results(point, point, ar=point[:-1]),
        lambda: plot_results_multiple(multi, point, L, ar=multi[:1]),
    ):
        with pytest.raises(DataError, match=r"ar must have the shape of the model's predictions"):
            call()
    with pytest.raises(DataError, match="ar must be the linear AR's predictions as numbers"):
        plot_results(point, point, ar=["a"] * len(point))
