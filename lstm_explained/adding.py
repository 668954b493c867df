"""The adding problem: a task that an LSTM solves with its conveyor belt and a plain RNN does not.

Hochreiter & Schmidhuber (1997), "Long Short-Term Memory", experiment 4. Each step of a
sequence carries two numbers: a value drawn uniformly from [0, 1) and a marker, 0 or 1.
Exactly two steps are marked; the target is the sum of their two values. Everything
between and after the marks is noise to ignore, so a network must write the marked values
onto a memory at the marked steps and hold them, unchanged, for up to the whole sequence:
an LSTM's input gate opens at a mark, its forget gate stays at 1 between the marks, and
its cell state holds the running sum. This module makes the sequences the way Le, Jaitly &
Hinton (2015), "A Simple Way to Initialize Recurrent Networks of Rectified Linear Units",
and later benchmarks do: one mark uniformly in the first half of the sequence and one in
the second half (the 1997 paper put the first mark among the first ten steps).

Predicting the mean target, 1, scores a mean squared error of :data:`MEAN_PREDICTOR_MSE`
(in the example below): the variance of a sum of two uniform values. The shipped pretrained models
(``lx.model.load_pretrained("adding")``, ``"adding-rnn"`` and ``"adding-gru"``) were
trained on these sequences by ``data/train_adding.py``.

Example
-------
>>> import numpy as np
>>> x, y = adding_problem(4, length=10, seed=0)
>>> x.shape, x.dtype, y.shape
((4, 10, 2), dtype('float32'), (4,))
>>> x[..., 1].sum(axis=1).tolist()
[2.0, 2.0, 2.0, 2.0]
>>> bool(np.allclose(y, (x[..., 0] * x[..., 1]).sum(axis=1)))
True
>>> round(MEAN_PREDICTOR_MSE, 3)
0.167
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstm_explained.errors import DataError

#: The mean squared error of always predicting the mean target: Var(u1 + u2) = 2 / 12.
MEAN_PREDICTOR_MSE = 1.0 / 6.0


def _whole(value: Any, name: str, minimum: int, what: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise DataError(f"{name} must be a whole number >= {minimum} ({what}), not {value!r}.")
    if value < minimum:
        raise DataError(f"{name} must be a whole number >= {minimum} ({what}), not {value!r}.")
    return int(value)


def adding_problem(n: int, length: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sequences of the adding problem and their targets.

    Channel 0 of each step is a value uniform in [0, 1); channel 1 is a marker, 1 at
    exactly two steps: one uniformly among the first ``length // 2`` steps and one among
    the rest. The target is the sum of the two marked values. The same ``n``, ``length``
    and ``seed`` always give the same sequences (``numpy.random.default_rng(seed)``).

    Parameters
    ----------
    n : int
        How many sequences, >= 1.
    length : int
        Steps per sequence, >= 2 (so that each half holds a step).
    seed : int
        Seed of the generator, >= 0.

    Returns
    -------
    x : ndarray
        (n, length, 2) float32: ``x[..., 0]`` the values, ``x[..., 1]`` the markers.
    y : ndarray
        (n,) float32, the sum of the two marked values of each sequence.

    Raises
    ------
    DataError
        When ``n``, ``length`` or ``seed`` is not a whole number in range.

    Example
    -------
    >>> x, y = adding_problem(2, length=6, seed=1)
    >>> marked_steps(x).tolist()
    [[0, 3], [2, 4]]
    >>> adding_problem(2, length=1)
    Traceback (most recent call last):
    ...
    lstm_explained.errors.DataError: length must be a whole number >= 2 (one step in ...
    """
    n = _whole(n, "n", 1, "how many sequences")
    length = _whole(length, "length", 2, "one step in each half")
    seed = _whole(seed, "seed", 0, "the generator's seed")
    rng = np.random.default_rng(seed)
    values = rng.random((n, length), dtype=np.float32)
    half = length // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, length, size=n)
    rows = np.arange(n)
    markers = np.zeros((n, length), dtype=np.float32)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    y = values[rows, first] + values[rows, second]
    return np.stack([values, markers], axis=-1), y.astype(np.float32)


def marked_steps(x: Any) -> np.ndarray:
    """The two marked steps of each adding-problem sequence, in order.

    Parameters
    ----------
    x : array_like
        (n, length, 2) sequences from :func:`adding_problem` (channel 1 the markers).

    Returns
    -------
    ndarray
        (n, 2) int64: the first and the second marked step of each sequence.

    Raises
    ------
    DataError
        When ``x`` is not (n, length, 2) or a sequence does not have exactly two marks.

    Example
    -------
    >>> x, _ = adding_problem(3, length=8, seed=2)
    >>> marked_steps(x).tolist()
    [[2, 6], [1, 7], [2, 5]]
    """
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[-1] != 2:
        raise DataError(
            f"x must be adding-problem sequences shaped (n, length, 2), not {x.shape}; "
            "make them with lx.data.adding_problem(n)."
        )
    marks = x[..., 1] == 1
    count = marks.sum(axis=1)
    bad = np.flatnonzero(count != 2)
    if bad.size:
        raise DataError(
            f"sequence {int(bad[0])} has {int(count[bad[0]])} marked steps (channel 1 == 1), "
            "not 2; every adding-problem sequence marks exactly two steps."
        )
    return np.nonzero(marks)[1].reshape(-1, 2).astype(np.int64)


def running_sum(x: Any) -> np.ndarray:
    """The sum of the marked values seen so far at every step: what the belt should hold.

    Parameters
    ----------
    x : array_like
        (n, length, 2) sequences from :func:`adding_problem`.

    Returns
    -------
    ndarray
        (n, length) float64, ``cumsum(value * marker)`` along the steps; its last step
        is the target.

    Example
    -------
    >>> x, y = adding_problem(1, length=4, seed=0)
    >>> bool(np.isclose(running_sum(x)[0, -1], y[0]))
    True
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[-1] != 2:
        raise DataError(f"x must be adding-problem sequences shaped (n, length, 2), not {x.shape}.")
    return np.cumsum(x[..., 0] * x[..., 1], axis=1)


__all__ = ["MEAN_PREDICTOR_MSE", "adding_problem", "marked_steps", "running_sum"]
