"""Windows: the seed's training windows cut from a series, and the window normalisation.

:func:`make_windows` cuts a series into ``seq_len`` inputs and the value after them as
target, with a chronological train/test split and optionally the seed's window
normalisation ``p / p0 - 1`` with each window's own p0 (undone by :func:`denormalise`).
Reached as ``lx.data.make_windows`` (and ``lx.data.Windows``, ...), beside the series.

Example
-------
>>> import numpy as np
>>> w = make_windows(np.arange(1.0, 12.0), seq_len=3, normalise=True, train_fraction=0.5)
>>> w.x_train.shape, w.x_test.shape
((4, 3, 1), (4, 3, 1))
>>> w.denormalise(w.y_test).tolist()
[8.0, 9.0, 10.0, 11.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from lstm_explained.data_checks import check_windows, in_units, is_real, one_series
from lstm_explained.errors import DataError
from lstm_explained.series import Series


def denormalise(normalised: np.ndarray, p0: np.ndarray | float) -> np.ndarray:
    """Undo the window normalisation: ``p = p0 * (n + 1)``.

    Example
    -------
    >>> float(denormalise(0.1, 200.0))
    220.00000000000003
    """
    return np.asarray(p0, dtype=np.float64) * (np.asarray(normalised, dtype=np.float64) + 1.0)


def renormalise(
    normalised: np.ndarray, p0_from: np.ndarray | float, p0_to: np.ndarray | float
) -> np.ndarray:
    """Move normalised values from one window's units to another's: ``p / p0_to - 1``.

    A multi-step forecast keeps feeding back values in the units of the window it started
    from, while each target ``y[k]`` is in its own window's units; this puts both on the
    same footing.

    Example
    -------
    >>> float(renormalise(0.1, 200.0, 100.0))
    1.2000000000000002
    """
    return denormalise(normalised, p0_from) / np.asarray(p0_to, dtype=np.float64) - 1.0


@dataclass(frozen=True)
class Windows:
    """Train and test windows cut from one series, as the seed built them.

    Attributes
    ----------
    x_train, x_test
        (N, seq_len, 1) input windows (normalised if ``normalise``).
    y_train, y_test
        (N,) the value right after each window.
    p0_train, p0_test
        (N,) each window's first raw value (ones if not normalised).
    train_index, test_index
        (N,) position in the series of each window's first value;
        the target of window ``k`` sits at ``index[k] + seq_len``.
    series
        the source series.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    p0_train: np.ndarray
    p0_test: np.ndarray
    train_index: np.ndarray
    test_index: np.ndarray
    seq_len: int
    normalise: bool
    train_fraction: float
    series: Series = field(repr=False)

    def __post_init__(self) -> None:
        check_windows(self)

    def _split(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        if split == "train":
            return self.p0_train, self.train_index
        if split == "test":
            return self.p0_test, self.test_index
        raise DataError(f"split must be 'train' or 'test', not {split!r}.")

    def denormalise(
        self, values: np.ndarray, split: str = "test", window: np.ndarray | int | None = None
    ) -> np.ndarray:
        """Turn normalised values back into the series' units.

        Parameters
        ----------
        values
            values in window units. Without ``window``, ``values[k]`` belongs to
            window ``k`` of the split (point-by-point forecasts, targets).
        split
            ``"train"`` or ``"test"``.
        window
            the window(s) whose p0 to use: an int for values that all live in one
            window's units (a multi-step forecast started from that window, whose
            fed-back predictions stay in its units), or an array matching ``values``.

        Returns
        -------
        object
            The values in price units (unchanged if the windows are not normalised).
        """
        values = np.asarray(values, dtype=np.float64)
        if not self.normalise:
            return values.copy()
        if window is None:
            window = np.arange(values.shape[0]) if values.ndim else 0
        return in_units(denormalise, values, self._p0(split, window))

    def to_window_units(
        self,
        values: np.ndarray,
        window: np.ndarray | int,
        split: str = "test",
        own: np.ndarray | None = None,
    ) -> np.ndarray:
        """Move values from their own windows' units into ``window``'s units.

        ``values[k]`` is in the units of window ``own[k]`` (by default window ``k``, as for
        the targets ``y_test``). For comparing a multi-step forecast started from window
        ``s`` with the targets it predicts:
        ``to_window_units(y_test[s:s + L], window=s, own=np.arange(s, s + L))``.
        Unchanged if the windows are not normalised.
        """
        values = np.asarray(values, dtype=np.float64)
        if not self.normalise:
            return values.copy()
        own = (np.arange(values.shape[0]) if values.ndim else 0) if own is None else own
        return in_units(renormalise, values, self._p0(split, own), self._p0(split, window))

    def _p0(self, split: str, window: object) -> np.ndarray:
        """The p0 of window(s) ``window`` of ``split``, or a clear error."""
        p0 = self._split(split)[0]
        idx = np.asarray(window)
        if idx.dtype.kind not in "iu" or (idx.size and not 0 <= idx.min() <= idx.max() < len(p0)):
            raise DataError(
                f"window must be window numbers in 0 .. {len(p0) - 1} of the {split!r} "
                f"split, not {window!r}."
            )
        return p0[idx]

    def target_positions(self, split: str = "test") -> np.ndarray:
        """Position in the series of each window's target."""
        return self._split(split)[1] + self.seq_len

    def target_dates(self, split: str = "test") -> np.ndarray | None:
        """Dates of each window's target, or None for an undated series."""
        if self.series.dates is None:
            return None
        return self.series.dates[self.target_positions(split)]


def make_windows(
    values: Series | np.ndarray,
    seq_len: int = 50,
    normalise: bool = False,
    train_fraction: float = 0.9,
) -> Windows:
    """Cut a series into the seed's windows and split them chronologically.

    Every run of ``seq_len + 1`` consecutive values is one window: the first ``seq_len``
    are the input, the last the target. The first ``round(train_fraction * N)`` windows
    train, the rest test (no shuffling: the test set is the future). With ``normalise``,
    each window is divided by its own first value: ``p / p0 - 1``.

    Parameters
    ----------
    values
        a :class:`Series` or a 1-D array of finite numbers.
    seq_len
        input length (the seed's 50).
    normalise
        apply the seed's window normalisation (needs positive values).
    train_fraction
        share of windows for training, in (0, 1).

    Returns
    -------
    Windows
        A :class:`Windows` with ``x_*`` shaped (N, seq_len, 1) and ``y_*`` (N,).

    Example
    -------
    >>> import lstm_explained as lx
    >>> w = make_windows(lx.data.sine_wave(), seq_len=50)
    >>> w.x_train.shape, w.y_test.shape
    ((4456, 50, 1), (495,))
    """
    v = one_series(values)
    series = values if isinstance(values, Series) else Series(v)
    if isinstance(seq_len, bool) or not isinstance(seq_len, (int, np.integer)) or seq_len < 1:
        raise DataError(f"seq_len must be a whole number >= 1, not {seq_len!r}.")
    if not isinstance(normalise, (bool, np.bool_)):
        raise DataError(f"normalise must be True or False, not {normalise!r}.")
    if not (is_real(train_fraction) and 0.0 < train_fraction < 1.0):
        raise DataError(
            f"train_fraction must lie strictly between 0 and 1, not {train_fraction!r}."
        )
    if not np.all(np.isfinite(v)):
        bad = int(np.flatnonzero(~np.isfinite(v))[0])
        raise DataError(f"values[{bad}] is {v[bad]}: NaN and infinite values cannot be windowed.")
    n_windows = len(v) - seq_len
    n_train = round(train_fraction * n_windows) if n_windows > 0 else 0
    if n_windows < 2 or n_train < 1 or n_train >= n_windows:
        raise DataError(
            f"the series has {len(v)} values: too short for windows of {seq_len} + 1 with "
            f"train_fraction={float(train_fraction)} (needs at least one training and one "
            f"test window). Use a longer series or a smaller seq_len."
        )
    if normalise and np.any(v <= 0):
        bad = int(np.flatnonzero(v <= 0)[0])
        raise DataError(
            f"values[{bad}] is {v[bad]}: window normalisation p/p0 - 1 needs positive values "
            "(prices). Use normalise=False for series that cross zero."
        )
    windows = sliding_window_view(v, seq_len + 1)  # (n_windows, seq_len + 1), a view
    p0 = windows[:, 0].copy() if normalise else np.ones(n_windows)
    data = windows / p0[:, None] - 1.0 if normalise else windows.copy()
    index = np.arange(n_windows)
    return Windows(
        x_train=data[:n_train, :-1, None],
        y_train=data[:n_train, -1],
        x_test=data[n_train:, :-1, None],
        y_test=data[n_train:, -1],
        p0_train=p0[:n_train],
        p0_test=p0[n_train:],
        train_index=index[:n_train],
        test_index=index[n_train:],
        seq_len=int(seq_len),
        normalise=bool(normalise),
        train_fraction=float(train_fraction),
        series=series,
    )


__all__ = ["Windows", "denormalise", "make_windows", "renormalise"]
