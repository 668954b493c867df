"""Tests of lstm_explained.plots.memory: the reach of several models and the belt's derivative."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.figure import Figure

from lstm_explained.errors import DataError
from lstm_explained.gradients import belt_gradient, memory_reach, time_constant
from lstm_explained.plots import memory as pm


def _fall(tau: float, steps: int = 30) -> np.ndarray:
    return np.exp(-np.arange(steps, dtype=float)[::-1] / tau).reshape(1, steps, 1)


def _legend(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_both_plots_return_a_figure_and_draw_into_given_axes(toy_trace):
    for fn, arg in ((pm.plot_memory_reach, {"a": _fall(4.0)}), (pm.plot_belt_gradient, toy_trace)):
        fig = fn(arg)
        assert isinstance(fig, Figure)
        fig.savefig(io.BytesIO(), format="png")
        target = Figure()
        ax = target.add_subplot()
        assert fn(arg, ax=ax) is target
        assert ax.get_yscale() == "log"


def test_reach_draws_one_line_per_model_with_its_computed_e_folding_distance():
    grads = {"RNN $x^$": _fall(2.5), "LSTM": np.ones((2, 30, 1)),
             "given": memory_reach(_fall(7.25))}
    fig = pm.plot_memory_reach(grads)
    fig.savefig(io.BytesIO(), format="png")  # a label with $ is text, not mathtext
    labels = _legend(fig)
    assert labels == ["RNN $x^$: e-folding 2.5 steps", "LSTM: never below 1/e in 30 steps",
                      "given: e-folding 7.2 steps"]
    ax = fig.axes[0]
    rnn = next(line for line in ax.get_lines() if line.get_label().startswith("RNN"))
    np.testing.assert_allclose(rnn.get_ydata(), memory_reach(_fall(2.5)).relative)
    marks = [line.get_xdata()[0] for line in ax.get_lines() if line.get_marker() == "o"]
    assert marks == pytest.approx([2.5, 7.25])
    short = pm.plot_memory_reach(grads, max_distance=5).axes[0]
    drawn = [line for line in short.get_lines() if not line.get_label().startswith("_")]
    assert len(drawn) == 3 and all(len(line.get_xdata()) == 6 for line in drawn)


def test_belt_plot_shows_the_product_and_the_time_constants(toy_trace):
    lt = toy_trace["lstm_1"]
    tau = time_constant(lt)
    fig = pm.plot_belt_gradient(toy_trace, layer="lstm_1", units=[4, 1], sample=2)
    for u, text in zip([4, 1], _legend(fig), strict=True):
        assert text == f"unit {u}: f̄ = {1 - 1 / tau[u]:.2f}, 1/(1−f̄) = {tau[u]:.1f} steps"
    product = belt_gradient(lt)[2]
    solid = [line for line in fig.axes[0].get_lines() if line.get_linestyle() == "-"]
    np.testing.assert_allclose(solid[0].get_ydata(), product[::-1, 4])
    np.testing.assert_allclose(solid[1].get_ydata(), product[::-1, 1])
    default = pm.plot_belt_gradient(lt)  # the four longest memories, over all windows
    longest = np.argsort(-tau)[:4]
    assert [int(t.split()[1][:-1]) for t in _legend(default)] == longest.tolist()


def test_memory_plots_refuse_what_they_cannot_draw(toy_trace):
    for bad in ({}, [np.ones((1, 3, 1))], {"x": np.ones((3, 2))}):
        with pytest.raises(DataError):
            pm.plot_memory_reach(bad)
    with pytest.raises(DataError, match="max_distance"):
        pm.plot_memory_reach({"a": _fall(2.0)}, max_distance=-1)
    with pytest.raises(DataError, match="sample"):
        pm.plot_belt_gradient(toy_trace, sample=99)
    with pytest.raises(DataError, match="unit"):
        pm.plot_belt_gradient(toy_trace, units=[99])
    with pytest.raises(DataError, match="layer"):
        pm.plot_belt_gradient(toy_trace, layer="nope")
