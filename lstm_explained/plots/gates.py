"""Static pictures of a trace: the conveyor belt, gate heatmaps, unit traces, saturation.

Every picture is drawn from a :class:`~lstm_explained.trace.Trace` (or one
:class:`~lstm_explained.trace.LayerTrace`) with matplotlib only, into a
:class:`matplotlib.figure.Figure` that uses no pyplot state; nothing calls ``plt.show()``
and nothing imports TensorFlow. Names, Olah's symbols and colours come from
:mod:`lstm_explained.gates`, so a gate looks the same here, in the widget and in the HTML
export.

* :func:`plot_window`: (a) the model's input window with step ``t`` marked; for a forecast
  trace also the fed-back predictions, the target, the prediction and the persistence
  baseline (and prices on a second axis when they are known).
* :func:`plot_conveyor_belt`: (b) the cell-state update at step ``t`` for a few units,
  ``C_{t-1} -> kept f*C_{t-1} / forgotten (1-f)*C_{t-1} -> + written i*C~ -> C_t ->
  tanh(C_t) -> x o -> h_t``, with the numbers.
* :func:`plot_gate_heatmaps`: (c) units x time heatmaps of f, i, C~, o and C, cursor at ``t``.
* :func:`plot_unit_traces`: (d) one unit's f, i, C~, o, C and h over time.
* :func:`plot_saturation`: Karpathy et al.'s left/right saturation scatter per gate.
* :func:`~lstm_explained.plots.inspector.plot_inspector`: (a)-(d) in one figure.

The views themselves live in :mod:`lstm_explained.plots.views`; what they show (checks,
one sample's arrays, a forecast's story) in :mod:`lstm_explained.viewmodel`.

Example
-------
>>> import numpy as np
>>> from lstm_explained.engine import LSTMWeights, run_lstm
>>> from lstm_explained.trace import LayerTrace, Trace
>>> x = np.sin(np.linspace(0, 6, 20)).reshape(1, 20, 1)
>>> run = run_lstm(x, LSTMWeights.random(features=1, units=4, seed=0))
>>> tr = Trace([LayerTrace(name="lstm", layer_name="lstm", inputs=x, arrays=run)])
>>> fig = plot_conveyor_belt(tr, timestep=5, units=[0, 1])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from lstm_explained.labels import PLAIN_TEXT, plain_label
from lstm_explained.plots._figure import axes as figure_axes
from lstm_explained.plots.views import BeltView, HeatmapView, UnitTracesView, View, WindowView
from lstm_explained.trace import LayerTrace, Trace
from lstm_explained.viewmodel import (
    SampleData,
    check_index,
    check_timestep,
    check_units,
    heatmap_quantities,
    layer_trace,
    sample_label,
)


def plot_window(
    trace: Trace | LayerTrace,
    sample: int = 0,
    timestep: int = 0,
    layer: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """(a) The model's input window with step ``timestep`` marked (forecasts: their story).

    Parameters
    ----------
    trace : Trace or LayerTrace
        A trace; a forecast trace (:func:`lstm_explained.forecast_trace.trace_forecast`)
        adds fed-back predictions, target, prediction and persistence baseline.
    sample : int
        Which sample (forecast step) to show.
    timestep : int
        Step of ``layer`` to mark (a backward layer's step t is input timestep T-1-t).
    layer : str, optional
        Layer whose step is marked; the first one by default.
    ax : Axes, optional
        Axes to draw into; a new figure when None.

    Returns
    -------
    Figure

    Example
    -------
    >>> from lstm_explained.trace import toy_trace
    >>> fig = plot_window(toy_trace(), sample=0, timestep=3)
    >>> type(fig).__name__
    'Figure'
    """
    lt = layer_trace(trace, layer)
    sample = check_index(sample, lt.n_samples, "sample")
    timestep = check_timestep(lt, timestep)
    fig, ax = figure_axes(ax, (6, 2.6))
    _static(WindowView(ax, trace, lt, sample, timestep))
    return fig


def plot_conveyor_belt(
    trace: Trace | LayerTrace,
    sample: int = 0,
    timestep: int = 0,
    units: Iterable[int] | int | None = None,
    layer: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """(b) The conveyor belt at one step: what was kept, forgotten, written and shown.

    For each chosen unit: ``C_{t-1}``; ``f_t``, kept ``f_t*C_{t-1}`` and forgotten
    ``(1-f_t)*C_{t-1}``; ``i_t``, ``C~_t`` and written ``i_t*C~_t``; ``C_t``;
    ``tanh(C_t)``, ``o_t`` and ``h_t``, with their values.

    Parameters
    ----------
    trace : Trace or LayerTrace
    sample, timestep : int
        Which sample and step.
    units : int or list of int, optional
        Up to :data:`MAX_BELT_UNITS` units; the first four by default.
    layer : str, optional
        Layer of a Trace; the first one by default.
    ax : Axes, optional

    Returns
    -------
    Figure

    Example
    -------
    >>> from lstm_explained.trace import toy_trace
    >>> fig = plot_conveyor_belt(toy_trace(), timestep=5, units=[0, 2])
    >>> type(fig).__name__
    'Figure'
    """
    lt = layer_trace(trace, layer)
    data = SampleData(lt, sample)
    timestep = check_timestep(lt, timestep)
    chosen = check_units(units, lt)
    fig, ax = figure_axes(ax, (8, 0.9 + 0.32 * len(chosen)))
    _static(BeltView(ax, data, chosen, timestep))
    return fig


def plot_gate_heatmaps(
    trace: Trace | LayerTrace,
    sample: int = 0,
    timestep: int | None = None,
    units: Iterable[int] | int | None = None,
    layer: str | None = None,
    quantities: Sequence[str] | None = None,
    scale: str = "fixed",
    fig: Figure | None = None,
) -> Figure:
    """(c) Units x time heatmaps of the gates and the belt, one row per quantity.

    Parameters
    ----------
    trace : Trace or LayerTrace
    sample : int
    timestep : int, optional
        Where to draw the cursor; no cursor when None.
    units : int or list of int, optional
        Units to tick on the y axis.
    layer : str, optional
    quantities : sequence of str, optional
        Rows: quantities of the trace's cell kind or the belt's books (``kept``, ...);
        by default the kind's gates, then its belt.
    scale : {"fixed", "data"}
        Natural colour ranges, or each row stretched over its range in this sample.
    fig : Figure, optional
        Figure to draw into (cleared first); a new one when None.

    Returns
    -------
    Figure

    Example
    -------
    >>> from lstm_explained.trace import toy_trace
    >>> fig = plot_gate_heatmaps(toy_trace(), timestep=5)
    >>> type(fig).__name__
    'Figure'
    """
    lt = layer_trace(trace, layer)
    data = SampleData(lt, sample)
    chosen = [] if units is None else check_units(units, lt)
    quantities = heatmap_quantities(lt) if quantities is None else tuple(quantities)
    if fig is None:
        fig = Figure(figsize=(7, 0.9 * len(quantities) + 0.4), layout="constrained")
    else:
        fig.clear()
    axes = fig.subplots(len(quantities), 1, sharex=True, squeeze=False)[:, 0]
    t = 0 if timestep is None else check_timestep(lt, timestep)
    view = HeatmapView(list(axes), data, chosen, t, quantities, scale=scale)
    if timestep is None:
        for c in view.cursors:
            c.remove()
    else:
        _static(view)
    fig.suptitle(plain_label(f"{lt.name}: {sample_label(trace, data.sample)}", 150),
                 fontsize=8, **PLAIN_TEXT)
    return fig


def plot_unit_traces(
    trace: Trace | LayerTrace,
    sample: int = 0,
    unit: int = 0,
    timestep: int | None = None,
    layer: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """(d) One unit's f, i, C~, o (solid) and C, h (dashed) over the steps of a sample.

    Example
    -------
    >>> from lstm_explained.trace import toy_trace
    >>> fig = plot_unit_traces(toy_trace(), unit=1, timestep=4)
    >>> type(fig).__name__
    'Figure'
    """
    lt = layer_trace(trace, layer)
    data = SampleData(lt, sample)
    unit = check_index(unit, lt.units, "unit", f"layer {lt.name!r}")
    fig, ax = figure_axes(ax, (6, 2.6))
    t = 0 if timestep is None else check_timestep(lt, timestep)
    view = UnitTracesView(ax, data, unit, t)
    if timestep is None:
        for a in view.animated:
            a.remove()
    else:
        _static(view)
    return fig


def plot_saturation(
    trace: Trace | LayerTrace,
    layer: str | None = None,
    low: float = 0.1,
    high: float = 0.9,
    fig: Figure | None = None,
) -> Figure:
    """Karpathy et al.'s saturation plot: per gate, each unit's time spent nearly closed
    (x, value < ``low``) against nearly open (y, value > ``high``).

    Units on the diagonal's far corners are switches; units near the origin work in the
    gate's linear middle range. Masked steps are not counted.

    Example
    -------
    >>> from lstm_explained.trace import toy_trace
    >>> fig = plot_saturation(toy_trace())
    >>> type(fig).__name__
    'Figure'
    """
    lt = layer_trace(trace, layer)
    sat = lt.saturation(low=low, high=high)
    if fig is None:
        fig = Figure(figsize=(2.6 * len(sat.gates), 2.8), layout="constrained")
    else:
        fig.clear()
    axes = fig.subplots(1, len(sat.gates), sharex=True, sharey=True, squeeze=False)[0]
    for ax, gate, left, right in zip(axes, sat.gates, sat.left, sat.right, strict=True):
        ax.plot([0, 1], [1, 0], color="#cccccc", lw=0.8)
        q = lt.spec[gate]
        ax.scatter(left, right, s=12, color=q.color, alpha=0.75, edgecolors="none")
        ax.set_title(f"{q.text} ({gate} gate)", color=q.color, fontsize=9)
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel(f"fraction < {low:g} (closed)", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel(f"fraction > {high:g} (open)", fontsize=8)
    fig.suptitle(
        f"gate saturation of {plain_label(lt.name)} ({sat.n_steps} steps, {lt.units} units)",
        fontsize=9, **PLAIN_TEXT,
    )
    return fig


def _static(view: View) -> None:
    """Make a view's animated artists ordinary ones (for a picture saved once)."""
    for a in view.animated:
        a.set_animated(False)


__all__ = [
    "plot_conveyor_belt",
    "plot_gate_heatmaps",
    "plot_saturation",
    "plot_unit_traces",
    "plot_window",
]
