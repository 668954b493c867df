"""Pictures of memory: how far back the inputs move the output, and the belt's own derivative.

Both are drawn from arrays and traces only (no Keras model, no TensorFlow), into a
:class:`matplotlib.figure.Figure` that uses no pyplot state:

* :func:`plot_memory_reach`: for several models side by side, the mean
  ``|d output / d x|`` against the steps back from the last input (log scale, the last
  step is 1), each model's e-folding distance marked. Feed it
  :func:`lstm_explained.gradients.input_gradients` of each model, as a dict
  ``label -> gradients``.
* :func:`plot_belt_gradient`: for chosen units of an LSTM layer's trace, the product of
  forget gates ``dC_last / dC_t`` against the steps back, beside the fall ``f̄^d`` that
  the unit's mean forget gate f̄ implies and its time constant ``1 / (1 - f̄)``.

Example
-------
>>> import numpy as np
>>> g = np.exp(-np.arange(20.0)[::-1] / 5).reshape(1, 20, 1)
>>> fig = plot_memory_reach({"a model": g})
>>> type(fig).__name__
'Figure'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from lstm_explained.errors import DataError
from lstm_explained.gradients import Reach, belt_gradient, memory_reach, time_constant
from lstm_explained.labels import PLAIN_TEXT, plain_label
from lstm_explained.plots._figure import axes as figure_axes
from lstm_explained.trace import LayerTrace, Trace
from lstm_explained.viewmodel import check_index, check_units, layer_trace

_ONE_OVER_E = float(np.exp(-1.0))


def plot_memory_reach(
    grads: Mapping[str, Any],
    max_distance: int | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Mean absolute gradient against steps back from the last input, one line per model.

    Parameters
    ----------
    grads : dict
        ``{label: (N, T, F) absolute gradients}`` (from
        :func:`~lstm_explained.gradients.input_gradients`) or ``{label: Reach}`` (from
        :func:`~lstm_explained.gradients.memory_reach`).
    max_distance : int, optional
        Show distances 0 to ``max_distance``; all by default.
    ax : Axes, optional
        Axes to draw into; a new figure when None.

    Returns
    -------
    Figure

    Raises
    ------
    DataError
        ``grads`` is not a non-empty dict, or one of its values is not gradients.

    Example
    -------
    >>> from lstm_explained.gradients import memory_reach
    >>> g = np.exp(-np.arange(30.0)[::-1] / 3).reshape(1, 30, 1)
    >>> fig = plot_memory_reach({"fast": g, "slow": memory_reach(g ** 0.2)}, max_distance=20)
    >>> fig.axes[0].get_yscale()
    'log'
    """
    if not isinstance(grads, Mapping) or not grads:
        raise DataError("grads must be a non-empty dict {label: gradients (N, T, F)}, e.g. "
                        "{'LSTM': input_gradients(model, x)}.")
    if max_distance is not None:
        max_distance = check_index(max_distance, 10**9, "max_distance")
    reaches = {str(k): v if isinstance(v, Reach) else memory_reach(v) for k, v in grads.items()}
    fig, ax = figure_axes(ax, (6, 3.4))
    ax.axhline(_ONE_OVER_E, color="#999999", lw=0.8, ls=":")
    ax.annotate("1/e", (1.0, _ONE_OVER_E), xycoords=("axes fraction", "data"), xytext=(2, 0),
                textcoords="offset points", va="center", fontsize=7, color="#777777")
    for label, reach in reaches.items():
        end = len(reach.distance) if max_distance is None else max_distance + 1
        shown = np.where(reach.relative[:end] > 0, reach.relative[:end], np.nan)
        if np.isfinite(reach.e_folding):
            what = f"e-folding {reach.e_folding:.1f} steps"
        else:
            what = f"never below 1/e in {len(reach.distance)} steps"
        (line,) = ax.plot(reach.distance[:end], shown, lw=1.4,
                          label=f"{plain_label(label, 40)}: {what}")
        if np.isfinite(reach.e_folding) and reach.e_folding <= reach.distance[:end][-1]:
            ax.plot([reach.e_folding], [_ONE_OVER_E], "o", ms=5, color=line.get_color())
            ax.axvline(reach.e_folding, color=line.get_color(), lw=0.8, ls="--")
    ax.set_yscale("log")
    ax.set_xlabel("steps back from the last input (0 = the last step)", fontsize=8)
    ax.set_ylabel("mean |d output / d input|\nrelative to the last step", fontsize=8)
    ax.set_title("how far back the inputs still move the output", fontsize=9)
    ax.tick_params(labelsize=7)
    _plain_legend(ax)
    return fig


def plot_belt_gradient(
    trace: Trace | LayerTrace,
    units: Iterable[int] | int | None = None,
    sample: int | None = None,
    layer: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """The belt's own derivative ``dC_last / dC_t`` (a product of forget gates) per unit.

    Solid: the product of the unit's forget gates over the steps after ``t``, against the
    steps back from the last one (:func:`~lstm_explained.gradients.belt_gradient`).
    Dashed: ``f̄^d``, the fall its mean forget gate f̄ implies, with a dot at the time
    constant ``1 / (1 - f̄)`` (:func:`~lstm_explained.gradients.time_constant`).

    Parameters
    ----------
    trace : Trace or LayerTrace
        A trace of an LSTM layer.
    units : int or list of int, optional
        Up to four units; by default the four with the longest time constants.
    sample : int, optional
        One window; by default the mean over all windows of the trace.
    layer : str, optional
        Layer of a Trace; the first one by default.
    ax : Axes, optional
        Axes to draw into; a new figure when None.

    Returns
    -------
    Figure

    Example
    -------
    >>> from lstm_explained.trace import toy_trace
    >>> fig = plot_belt_gradient(toy_trace(), units=[0, 3], sample=1)
    >>> len(fig.axes[0].get_lines()) >= 4
    True
    """
    lt = layer_trace(trace, layer)
    tau = np.asarray(time_constant(lt))
    if units is None:
        chosen = [int(u) for u in np.argsort(-np.nan_to_num(tau, nan=-1.0), kind="stable")[:4]]
    else:
        chosen = check_units(units, lt)
    if sample is None:
        product = belt_gradient(lt).mean(axis=0)
        which = f"mean over {lt.n_samples} windows"
    else:
        sample = check_index(sample, lt.n_samples, "sample")
        product = belt_gradient(lt)[sample]
        which = f"window {sample}"
    steps = np.arange(product.shape[0])
    fig, ax = figure_axes(ax, (6, 3.4))
    ax.axhline(_ONE_OVER_E, color="#999999", lw=0.8, ls=":")
    for u in chosen:
        f_mean = 1.0 - 1.0 / tau[u]
        (line,) = ax.plot(steps, product[::-1, u], lw=1.4,
                          label=f"unit {u}: f̄ = {f_mean:.2f}, 1/(1−f̄) = {tau[u]:.1f} steps")
        with np.errstate(divide="ignore", invalid="ignore"):
            ax.plot(steps, f_mean ** steps, lw=0.9, ls="--", color=line.get_color())
        if np.isfinite(tau[u]) and tau[u] <= steps[-1]:
            ax.plot([tau[u]], [f_mean ** tau[u]], "o", ms=4, color=line.get_color())
    ax.set_yscale("log")
    ax.set_xlabel("steps back from the last step (0 = the last step)", fontsize=8)
    ax.set_ylabel("dC_last / dC_t = product of f", fontsize=8)
    ax.set_title(plain_label(f"the belt's own derivative, {lt.name} ({which}); dashed: f̄^d",
                             120), fontsize=9, **PLAIN_TEXT)
    ax.tick_params(labelsize=7)
    _plain_legend(ax)
    return fig


def _plain_legend(ax: Axes) -> None:
    legend = ax.legend(fontsize=7, loc="best")
    for text in legend.get_texts():
        text.set_parse_math(False)
        text.set_usetex(False)




__all__ = ["plot_belt_gradient", "plot_memory_reach"]
