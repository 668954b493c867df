"""The linear autoregression beside persistence in a forecast trace: fitted on the
training windows, run exactly as :mod:`lstm_explained.forecast` runs it for the same
forecast (point by point, or its own predictions fed back), so the inspector can show it
beside the model's prediction. Plain numpy, no TensorFlow.

Example
-------
>>> import lstm_explained as lx
>>> w = lx.data.make_windows(lx.data.sine_wave(), 50)
>>> ar = fit_ar(w, w.x_test)
>>> run = ar_baseline(ar, w.x_test, "multi", 50, 0)
>>> bool(np.max(np.abs(run - w.y_test[:50])) < 1e-6)
True
"""

from __future__ import annotations

import numpy as np

from lstm_explained.baselines import LinearAR, linear_ar
from lstm_explained.windows import Windows


def fit_ar(windows: Windows | None, x: np.ndarray) -> LinearAR | None:
    """The AR baseline of a forecast trace: :func:`~lstm_explained.forecast.linear_ar`
    fitted on the training windows, as many lags as ``x``'s windows are long; or None
    when there are no training windows fit for it.

    Parameters
    ----------
    windows : Windows or None
        Where the training windows come from (``windows.x_train``, ``windows.y_train``).
    x : ndarray
        (N, T, F) the test windows the forecast runs on.

    Returns
    -------
    LinearAR or None
        None without ``windows``, for several features, training windows of another
        length than T, or fewer than T + 1 of them (too few to fit T lags and an
        intercept).

    Example
    -------
    >>> import lstm_explained as lx
    >>> w = lx.data.make_windows(lx.data.sine_wave(), 50)
    >>> fit_ar(w, w.x_test).order, fit_ar(None, w.x_test)
    (50, None)
    """
    if windows is None:
        return None
    train = np.asarray(windows.x_train)
    width = x.shape[1]
    if x.shape[2] != 1 or train.ndim != 3 or train.shape[1:] != (width, 1) \
            or len(train) < width + 1:
        return None
    return linear_ar(train, windows.y_train, order=width)


def ar_baseline(ar: LinearAR, x: np.ndarray, mode: str, prediction_len: int,
                run: int | None) -> np.ndarray:
    """The AR's forecast of every step of a traced forecast, fed back as the model's is.

    Exactly :mod:`lstm_explained.forecast` on the :class:`~lstm_explained.forecast.LinearAR`:
    ``point_by_point`` (one step from every window, true values only), run ``run`` of
    ``multi_sequence`` or ``full_sequence`` (its own predictions fed back).

    Parameters
    ----------
    ar : LinearAR
        The fitted autoregression (:func:`fit_ar`).
    x : ndarray
        (N, T, 1) test windows.
    mode : {"point", "multi", "full"}
        The forecast's mode.
    prediction_len : int
        Run length (multi).
    run : int or None
        Which multi-sequence run (multi).

    Returns
    -------
    ndarray
        (n_steps,) one value per forecast step, in the units the model's forecast is in.

    Example
    -------
    >>> ar = LinearAR(order=1, coef=np.array([1.0]), intercept=1.0)
    >>> ar_baseline(ar, np.zeros((4, 3, 1)), "multi", 2, 1).tolist()
    [1.0, 2.0]
    """
    from lstm_explained import forecast as fc

    if mode == "point":
        return fc.point_by_point(ar, x)
    if mode == "multi":
        return fc.multi_sequence(ar, x, prediction_len)[run]
    return fc.full_sequence(ar, x)


__all__ = ["ar_baseline", "fit_ar"]
