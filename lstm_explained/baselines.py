"""A strong baseline beside persistence: a linear autoregression fitted by least squares.

Persistence ("tomorrow equals today") is the baseline any price forecast must beat. A
linear autoregression is the next one up: the next value as a weighted sum of the last
``order`` values of the window plus a constant, the weights found by ordinary least squares
on the training windows (:func:`numpy.linalg.lstsq` on ``[lags, 1]``). It sees exactly what
the LSTM sees, costs a millisecond to fit, and tells a class how much of a forecast a
straight line through the past already explains: a sine wave is an exact AR(2)
(``sin(a + w) = 2 cos(w) sin(a) - sin(a - w)``), so two coefficients continue it to
rounding error, fed back or not.

Plain numpy: fitting or forecasting never imports TensorFlow.
:mod:`lstm_explained.forecast` re-exports :func:`linear_ar` and :class:`LinearAR`, and its
point-by-point, multi-sequence and full-sequence forecasts take a :class:`LinearAR` in
place of the Keras model.

Example
-------
>>> import lstm_explained as lx
>>> w = lx.data.make_windows(lx.data.sine_wave(), 50)
>>> ar = linear_ar(w.x_train, w.y_train, order=2)
>>> ar.order, ar.coef.shape
(2, (2,))
>>> bool(np.mean((ar.predict(w.x_test) - w.y_test) ** 2) < 1e-20)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lstm_explained.errors import DataError


@dataclass(frozen=True)
class LinearAR:
    """An autoregression with intercept: ``next = coef @ last_order_values + intercept``.

    Parameters
    ----------
    order
        how many of the latest values of a window it reads.
    coef
        (order,) weights, oldest lag first (``coef[-1]`` weighs the window's last value).
    intercept
        the constant term.

    Example
    -------
    >>> ar = LinearAR(order=1, coef=np.array([1.0]), intercept=0.5)
    >>> ar.predict(np.arange(6.0).reshape(2, 3, 1)).tolist()
    [2.5, 5.5]
    """

    order: int
    coef: np.ndarray
    intercept: float

    def predict(self, x: Any) -> np.ndarray:
        """One step ahead from every window (true values only).

        Parameters
        ----------
        x
            (N, T, 1) windows (or (N, T)), ``T >= order``.

        Returns
        -------
        ndarray
            (N,) predictions.

        Example
        -------
        >>> LinearAR(2, np.array([-1.0, 2.0]), 0.0).predict([[[1.0], [2.0]]]).tolist()
        [3.0]
        """
        lags = self._lags(_windows(x, "x"))
        return lags @ self.coef + self.intercept

    def rollout(self, x: Any, steps: int) -> np.ndarray:
        """Feed predictions back: from each window, predict ``steps`` values.

        Step ``j`` from window ``s`` sees the window shifted by ``j`` with its own first
        ``j`` predictions appended, as :func:`lstm_explained.forecast.rollout` does for a
        Keras model.

        Parameters
        ----------
        x
            (S, T, 1) start windows.
        steps
            how many values to predict from each window, a whole number >= 1.

        Returns
        -------
        ndarray
            (S, steps) predictions.

        Example
        -------
        >>> LinearAR(1, np.array([1.0]), 1.0).rollout(np.zeros((1, 3, 1)), 4).tolist()
        [[1.0, 2.0, 3.0, 4.0]]
        """
        lags = self._lags(_windows(x, "x"))
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
            raise DataError(f"the number of steps must be a whole number >= 1, not {steps!r}.")
        buffer = np.concatenate([lags, np.zeros((len(lags), int(steps)))], axis=1)
        for j in range(int(steps)):  # a tiny loop: one dot product per window and step
            buffer[:, self.order + j] = buffer[:, j : self.order + j] @ self.coef + self.intercept
        return buffer[:, self.order :]

    def _lags(self, x: np.ndarray) -> np.ndarray:
        if x.shape[1] < self.order:
            raise DataError(
                f"this AR reads the last {self.order} values of a window; x's windows have "
                f"only {x.shape[1]} timesteps. Give windows of at least {self.order} steps."
            )
        return x[:, x.shape[1] - self.order :, 0]


def linear_ar(x_train: Any, y_train: Any, order: int | None = None) -> LinearAR:
    """Fit an autoregression with intercept to training windows by least squares.

    Parameters
    ----------
    x_train
        (N, T, 1) windows, as ``lx.data.make_windows(...).x_train``.
    y_train
        (N,) or (N, 1) next values, as ``Windows.y_train``.
    order
        how many of the latest values of each window to regress on, 1 .. T; None for the
        whole window. There must be at least ``order + 1`` windows (one per unknown).

    Returns
    -------
    LinearAR
        The fitted model: ``.coef`` oldest lag first, ``.intercept``, ``.predict(x)``.

    Raises
    ------
    DataError
        For windows or targets of the wrong shape, non-finite numbers, an order that is
        not a whole number in 1 .. T, or fewer than ``order + 1`` windows; before any work.

    Example
    -------
    >>> x = np.arange(30.0).reshape(10, 3, 1)       # windows of a straight line
    >>> ar = linear_ar(x, x[:, -1, 0] + 1, order=1)
    >>> round(float(ar.coef[0]), 6), round(float(ar.intercept), 6)
    (1.0, 1.0)
    """
    x = _windows(x_train, "x_train")
    y = _targets(y_train, len(x))
    n, width = x.shape[:2]
    if order is None:
        order = width
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)):
        raise DataError(
            f"order must be a whole number of lags (1 .. {width}) or None, not {order!r}."
        )
    if not 1 <= order <= width:
        raise DataError(
            f"order must be between 1 and the window length {width}, not {order}: an AR "
            "reads only the values inside a window."
        )
    order = int(order)
    if n < order + 1:
        raise DataError(
            f"an AR of order {order} has {order + 1} unknowns (the lags and the intercept) and "
            f"needs at least {order + 1} training windows; got {n}. Lower order or give more "
            "windows."
        )
    design = np.concatenate([x[:, width - order :, 0], np.ones((n, 1))], axis=1)
    solution = np.linalg.lstsq(design, y, rcond=None)[0]
    return LinearAR(order=order, coef=solution[:-1], intercept=float(solution[-1]))


def _windows(x: Any, name: str) -> np.ndarray:
    """``x`` as (N, T, 1) float64 windows of finite numbers, or a clear error."""
    try:
        x = np.asarray(x, dtype=np.float64)
    except (ValueError, TypeError):  # ragged lists, strings, None inside
        raise DataError(
            f"{name} must be windows of numbers shaped (N, T, 1), e.g. Windows.x_train; got a "
            f"{type(x).__name__} that is not one array of numbers."
        ) from None
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3 or x.shape[2] != 1 or 0 in x.shape:
        raise DataError(
            f"{name} must be windows of one feature shaped (N, T, 1) with N, T >= 1, e.g. "
            f"Windows.x_train; got shape {x.shape}."
        )
    _check_finite(x, name)
    return x


def _targets(y: Any, n: int) -> np.ndarray:
    """``y`` as (n,) float64 finite targets, or a clear error."""
    try:
        y = np.asarray(y, dtype=np.float64)
    except (ValueError, TypeError):
        raise DataError(
            f"y_train must be numbers shaped (N,) or (N, 1), e.g. Windows.y_train; got a "
            f"{type(y).__name__} that is not one array of numbers."
        ) from None
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape != (n,):
        raise DataError(
            f"y_train must hold one next value per window, shape ({n},) or ({n}, 1) for "
            f"x_train's {n} windows; got shape {y.shape}."
        )
    _check_finite(y, "y_train")
    return y


def _check_finite(a: np.ndarray, name: str) -> None:
    if not np.all(np.isfinite(a)):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise DataError(
            f"{name} holds {a[where]} at index {where}: an AR is fitted and run on finite "
            "numbers only, no NaN or infinite values. Fill or drop that window."
        )


__all__ = ["LinearAR", "linear_ar"]
