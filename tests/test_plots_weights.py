"""plot_weight_change: one bar per gate and group, hatched where the distance is absolute."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from lstm_explained.kinds import LSTM
from lstm_explained.plots import plot_weight_change
from lstm_explained.weight_change import BLOCKS, WeightChange


def _change(between=None):
    distance = np.arange(24, dtype=float).reshape(2, 3, 4) / 10
    norm = np.ones((2, 3, 4))
    norm[:, 2, [0, 2, 3]] = 0.0  # zero initial biases but the forget gate's
    return WeightChange(("a", "b"), LSTM.keras_blocks, BLOCKS, distance, norm, between)


def test_bars_follow_the_change_and_the_gate_colours():
    fig = plot_weight_change(_change())
    ax = fig.axes[0]
    bars = ax.patches
    assert len(bars) == 24
    widths = [b.get_width() for b in bars]
    assert np.allclose(widths, _change().change.reshape(-1))
    colors = LSTM.colors()
    from matplotlib.colors import to_rgba

    assert [b.get_facecolor() for b in bars[:4]] == [to_rgba(colors[g])
                                                      for g in LSTM.keras_blocks]
    hatched = [bool(b.get_hatch()) for b in bars]
    assert hatched == list(~_change().is_relative.reshape(-1))
    assert [t.get_text() for t in ax.get_yticklabels()][:3] == [
        "a kernel", "a recurrent_kernel", "a bias"]


def test_two_initialisations_apart_is_marked_per_group_and_ax_is_used():
    fig = Figure()
    ax = fig.add_subplot()
    out = plot_weight_change(_change(between=np.full((2, 3, 4), 1.4)), ax=ax)
    assert out is fig
    lines = [line for line in ax.lines if line.get_label() != "_nolegend_"]
    assert len(ax.lines) == 6 and all(np.allclose(ln.get_xdata(), 1.4) for ln in lines)
    assert "two initialisations apart" in [t.get_text() for t in ax.get_legend().get_texts()]
