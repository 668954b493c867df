"""The seed's forecast plots, and the same in price units next to the persistence baseline.

Each takes ``ar=``, the predictions of the linear autoregression
(:func:`lstm_explained.forecast.linear_ar`) in the layout of ``predicted``, and draws them
beside the model's and persistence's, dash-dotted.

Example
-------
>>> import numpy as np
>>> from lstm_explained.plots import plot_results_multiple
>>> fig = plot_results_multiple(np.zeros((2, 5)), np.arange(10.0), prediction_len=5)
>>> len(fig.axes[0].lines)
3
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from lstm_explained.data import Windows
from lstm_explained.errors import DataError
from lstm_explained.labels import PLAIN_TEXT, plain_label
from lstm_explained.plots._figure import axes as figure_axes
from lstm_explained.plots.views import AR_COLOR, BASELINE_COLOR, MODEL_COLOR, TRUE_COLOR

#: How the AR's line is drawn beside persistence's (``color=BASELINE_COLOR, lw=1.0, ls="--"``).
AR_STYLE = {"color": AR_COLOR, "lw": 1.0, "ls": "-."}
AR_LABEL = "Linear AR"


def _check_ar(ar: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    """``ar`` as float64 predictions shaped like the model's, None if not given."""
    if ar is None:
        return None
    try:
        ar = np.asarray(ar, dtype=np.float64)
    except (ValueError, TypeError):
        raise DataError(
            "ar must be the linear AR's predictions as numbers, e.g. "
            "lx.forecast.point_by_point(lx.forecast.linear_ar(w.x_train, w.y_train), w.x_test)."
        ) from None
    if ar.shape != shape:
        raise DataError(
            f"ar must have the shape of the model's predictions, {shape}; got {ar.shape}. "
            "Make it with the same forecast function on the same windows."
        )
    return ar


def plot_results(
    predicted: np.ndarray,
    true: np.ndarray,
    ax: Axes | None = None,
    title: str | None = None,
    ar: np.ndarray | None = None,
) -> Figure:
    """The seed's point-by-point plot: true data and predictions on one axis.

    Parameters
    ----------
    predicted
        (N,) predictions.
    true
        (N,) true values.
    ax
        axes to draw into; a new figure if None.
    title
        optional title, drawn as plain text (a ``$`` is a dollar sign).
    ar
        optional (N,) predictions of the linear AR, drawn beside the model's.

    Returns
    -------
    matplotlib.figure.Figure
        The matplotlib Figure.
    """
    predicted = np.asarray(predicted)
    ar = _check_ar(ar, predicted.shape)
    fig, ax = figure_axes(ax, (10, 4))
    ax.plot(np.asarray(true), color=TRUE_COLOR, lw=1.2, label="True data")
    ax.plot(predicted, color=MODEL_COLOR, lw=1.2, label="Prediction")
    if ar is not None:
        ax.plot(ar, **AR_STYLE, label=AR_LABEL)
    ax.set_xlabel("test window")
    ax.legend(loc="best")
    if title:
        ax.set_title(plain_label(title, 150), **PLAIN_TEXT)
    return fig


def plot_results_multiple(
    predicted: np.ndarray,
    true: np.ndarray,
    prediction_len: int,
    ax: Axes | None = None,
    title: str | None = None,
    ar: np.ndarray | None = None,
) -> Figure:
    """The seed's multi-sequence plot: each run drawn from where it starts.

    Parameters
    ----------
    predicted
        (n_runs, prediction_len) runs from
        :func:`lstm_explained.forecast.multi_sequence`.
    true
        (N,) true values.
    prediction_len
        length of each run.
    ar
        optional runs of the linear AR, shaped like ``predicted``, drawn beside them.

    Returns
    -------
    matplotlib.figure.Figure
        The matplotlib Figure.
    """
    predicted = np.asarray(predicted)
    ar = _check_ar(ar, predicted.shape)
    fig, ax = figure_axes(ax, (10, 4))
    ax.plot(np.asarray(true), color=TRUE_COLOR, lw=1.2, label="True data")
    for k, run in enumerate(predicted):
        start = k * prediction_len
        steps = np.arange(start, start + len(run))
        ax.plot(steps, run, color=MODEL_COLOR, lw=1.4, label="Prediction" if k == 0 else None)
        if ar is not None:
            ax.plot(steps, ar[k], **AR_STYLE, label=AR_LABEL if k == 0 else None)
    ax.set_xlabel("test window")
    ax.legend(loc="best")
    if title:
        ax.set_title(plain_label(title, 150), **PLAIN_TEXT)
    return fig


def plot_forecast_prices(
    windows: Windows,
    predicted: np.ndarray,
    kind: str = "point",
    prediction_len: int = 50,
    ax: Axes | None = None,
    title: str | None = None,
    ar: np.ndarray | None = None,
) -> Figure:
    """A test-set forecast in the series' own units, with the persistence baseline beside it.

    Normalised predictions are turned back into prices with the right window's p0: each
    window's own for point-by-point forecasts, the start window's for a whole multi-step
    run (its fed-back predictions stay in that window's units). Dates label the x axis
    when the series has them.

    Parameters
    ----------
    windows
        the windows the forecast was made from.
    predicted
        (N,) for ``kind="point"``; (n_runs, prediction_len) for ``kind="multi"``.
    kind
        ``"point"`` or ``"multi"``.
    prediction_len
        run length for ``kind="multi"``.
    ar
        optional predictions of the linear AR in the layout of ``predicted`` (made by
        the same forecast function), drawn in prices beside persistence.

    Returns
    -------
    matplotlib.figure.Figure
        The matplotlib Figure.
    """
    from lstm_explained.forecast import persistence

    ar = _check_ar(ar, np.shape(predicted))
    fig, ax = figure_axes(ax, (10, 4))
    true = windows.denormalise(windows.y_test)
    dates = windows.target_dates("test")
    xs: Any = dates if dates is not None else np.arange(len(true))
    ax.plot(xs, true, color=TRUE_COLOR, lw=1.2, label="True")
    predicted = np.asarray(predicted, dtype=np.float64)
    x_test = windows.x_test
    if kind == "point":
        if predicted.shape != true.shape:
            raise DataError(
                f"a point forecast must have shape {true.shape}; got {predicted.shape}."
            )
        ax.plot(xs, windows.denormalise(predicted), color=MODEL_COLOR, lw=1.2, label="LSTM")
        base = windows.denormalise(persistence(x_test))
        ax.plot(xs, base, color=BASELINE_COLOR, lw=1.0, ls="--", label="Persistence")
        if ar is not None:
            ax.plot(xs, windows.denormalise(ar), **AR_STYLE, label=AR_LABEL)
    elif kind == "multi":
        if predicted.ndim != 2 or predicted.shape[1] != prediction_len:
            raise DataError(
                f"a multi-sequence forecast must have shape (runs, {prediction_len}); "
                f"got {predicted.shape}."
            )
        base = persistence(x_test, prediction_len)
        for k, (run, flat) in enumerate(zip(predicted, base, strict=True)):
            start = k * prediction_len
            idx = np.arange(start, start + prediction_len)
            ax.plot(
                xs[idx],
                windows.denormalise(run, window=start),
                color=MODEL_COLOR,
                lw=1.4,
                label="LSTM (fed back)" if k == 0 else None,
            )
            ax.plot(
                xs[idx],
                windows.denormalise(flat, window=start),
                color=BASELINE_COLOR,
                lw=1.0,
                ls="--",
                label="Persistence" if k == 0 else None,
            )
            if ar is not None:
                ax.plot(
                    xs[idx],
                    windows.denormalise(ar[k], window=start),
                    **AR_STYLE,
                    label=f"{AR_LABEL} (fed back)" if k == 0 else None,
                )
    else:
        raise DataError(f"kind must be 'point' or 'multi', not {kind!r}.")
    ax.set_ylabel(plain_label(windows.series.name), **PLAIN_TEXT)
    ax.legend(loc="best")
    if title:
        ax.set_title(plain_label(title, 150), **PLAIN_TEXT)
    return fig
