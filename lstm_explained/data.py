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
from importlib import resources
from pathlib import Path

import numpy as np

from lstm_explained.adding import adding_problem, marked_steps, running_sum
from lstm_explained.data_checks import is_real
from lstm_explained.data_csv import MAX_BYTES, read_csv
from lstm_explained.errors import DataError
from lstm_explained.series import Series
from lstm_explained.windows import Windows, denormalise, make_windows, renormalise

#: The span of the seed notebook's S&P 500 file.
SEED_SP500_SPAN = ("2000-01-03", "2016-08-01")


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


__all__ = [
    "SEED_SP500_SPAN",
    "Series",
    "Windows",
    "adding_problem",
    "denormalise",
    "load_csv",
    "load_sp500",
    "make_windows",
    "marked_steps",
    "renormalise",
    "running_sum",
    "sine_wave",
]
