"""Series and windows: the data end of ``data -> model -> forecast``.

Two series ship with the package, so nothing is downloaded: the seed notebook's sine wave
(computed) and its S&P 500 closes (a CSV copied from the ``arch`` package, see
``data/README.md``). :func:`make_windows` cuts a series into the seed's training windows:
``seq_len`` inputs and the value after them as target, a chronological train/test split,
and optionally the seed's window normalisation ``p / p0 - 1`` with each window's own p0.

Example
-------
>>> import lstm_explained as lx
>>> sp = lx.data.load_sp500()
>>> len(sp), str(sp.dates[0]), float(sp.values[-1])
(4171, '2000-01-03', 2170.840088)
>>> w = lx.data.make_windows(sp, seq_len=50, normalise=True)
>>> w.x_train.shape, w.x_test.shape
((3709, 50, 1), (412, 50, 1))
>>> bool(abs(w.denormalise(w.y_test)[-1] - 2170.840088) < 1e-6)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from lstm_explained.data_checks import check_windows, in_units, is_real, one_series
from lstm_explained.data_csv import MAX_BYTES, read_csv
from lstm_explained.errors import DataError

#: The span of the seed notebook's S&P 500 file.
SEED_SP500_SPAN = ("2000-01-03", "2016-08-01")


@dataclass(frozen=True)
class Series:
    """A univariate time series with optional dates.

    Parameters
    ----------
    values
        (n,) float64 values.
    dates
        (n,) ``datetime64[D]`` dates, or None for an undated series.
    name
        a short label for plots and tables.

    ``np.asarray(series)`` and ``len(series)`` work as for ``values``.
    """

    values: np.ndarray
    dates: np.ndarray | None = None
    name: str = "series"

    def __len__(self) -> int:
        return len(self.values)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return self.values if dtype is None else self.values.astype(dtype)


def sine_wave(n: int = 5001, period: float = 100.0, phase: float = 1.0) -> Series:
    """The seed's sine wave: value ``k`` is ``sin(phase + 2*pi*k/period)``.

    Defaults give the seed's ``sinwave.csv`` exactly: 5001 points, a period of 100 samples.

    Example
    -------
    >>> s = sine_wave()
    >>> len(s), round(float(s.values[0]), 6)
    (5001, 0.841471)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise DataError(f"n must be a whole number of points >= 1, not {n!r}.")
    for name, x in (("period", period), ("phase", phase)):
        if not is_real(x) or not math.isfinite(x) or (name == "period" and x <= 0):
            rule = " > 0" if name == "period" else ""
            raise DataError(f"{name} must be a finite number{rule}, not {x!r}.")
    k = np.arange(n, dtype=np.float64)
    return Series(values=np.sin(phase + 2.0 * np.pi * k / period), name="sine")


def _resource(name: str) -> Path:
    return Path(str(resources.files("lstm_explained") / "resources" / name))


def load_sp500(
    start: str | None = SEED_SP500_SPAN[0],
    end: str | None = SEED_SP500_SPAN[1],
    column: str = "Close",
) -> Series:
    """Daily S&P 500 values shipped with the package (1999-01-04 .. 2018-12-31).

    By default, the seed notebook's 4171 closes from 2000-01-03 to 2016-08-01.

    Parameters
    ----------
    start, end
        inclusive ISO dates (``"YYYY-MM-DD"``); None for the shipped data's
        first or last day.
    column
        one of Open, High, Low, Close, Adj Close, Volume.

    Returns
    -------
    Series
        A :class:`Series` with dates.

    Example
    -------
    >>> load_sp500(start="2008-09-01", end="2008-09-30").values.shape
    (21,)
    """
    for name, day in (("start", start), ("end", end)):
        if day is not None and not isinstance(day, (str, np.datetime64)):
            raise DataError(f"{name} must be an ISO date like '2000-01-03' or None, not {day!r}.")
    full = load_csv(_resource("sp500.csv"), column=column)
    assert full.dates is not None
    keep = np.ones(len(full), dtype=bool)
    try:
        if start is not None:
            keep &= full.dates >= np.datetime64(start, "D")
        if end is not None:
            keep &= full.dates <= np.datetime64(end, "D")
    except ValueError as exc:
        raise DataError(f"start/end must be ISO dates like '2000-01-03': {exc}") from None
    if not keep.any():
        raise DataError(
            f"no S&P 500 data between {start} and {end}: the shipped data covers "
            f"{full.dates[0]} .. {full.dates[-1]}."
        )
    return Series(values=full.values[keep], dates=full.dates[keep], name=f"S&P 500 {column}")


def load_csv(
    path: str | Path,
    column: str | None = None,
    *,
    sort: bool = False,
    max_bytes: int | None = MAX_BYTES,
) -> Series:
    """Read a univariate series from a CSV file.

    Two layouts are understood:

    * the seed's: one number per line, no header;
    * a table with a header and a ``Date`` column (e.g. OHLCV downloads): ``column``
      chooses the values, ``Close`` by default.

    Column names are matched after stripping spaces: the ``Date`` column in any case
    (``date``, `` DATE ``), the value column exactly, or else in any case if just one
    column matches. Dates are ISO (``YYYY-MM-DD``; a time after them is ignored) and must
    run oldest first, each once: a newest-first file would make the chronological split
    train on the future. Blank lines are skipped. Ordinary files are read at numpy speed
    (about a second per million lines) in about twice their size of memory.

    Parameters
    ----------
    path
        the CSV file (UTF-8 or ASCII).
    column
        the column to read from a table with a header.
    sort
        sort the rows by date instead of refusing dates out of order (repeated
        dates are refused even then).
    max_bytes
        refuse a larger file before reading it (None: no limit); 1 GiB by
        default, about ten million OHLCV lines.

    Returns
    -------
    Series
        A :class:`Series` (with dates when the file has a ``Date`` column).

    Raises
    ------
    DataError
        a missing, unreadable, too big or empty file; an unknown, ambiguous or
        repeated column; a non-numeric, NaN or infinite value, a bad date, a wrong
        number of fields (the message names the line); dates out of order or
        repeated (it names both lines and dates).

    Example
    -------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "s.csv")
    >>> _ = open(p, "w").write("1.0\\n2.5\\n3\\n")
    >>> load_csv(p).values.tolist()
    [1.0, 2.5, 3.0]
    >>> _ = open(p, "w").write("Date,Close\\n2020-01-03,2\\n2020-01-02,1\\n")
    >>> load_csv(p, sort=True).values.tolist()
    [1.0, 2.0]
    """
    values, dates, label = read_csv(path, column=column, sort=sort, max_bytes=max_bytes)
    stem = Path(path).stem
    return Series(values=values, dates=dates, name=stem if label is None else f"{stem} {label}")


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
    >>> w = make_windows(sine_wave(), seq_len=50)
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
