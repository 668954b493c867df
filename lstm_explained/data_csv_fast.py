"""The fast CSV parser: a block of whole lines parsed with numpy alone, or handed back.

:func:`parse_block` finds the line breaks and commas of a block as arrays, gathers the
wanted fields into byte matrices (one row a line, one column a byte) and decodes them
there: numbers from their digits, dates by numpy. It reads only what it can read
exactly as the reference parser of :mod:`lstm_explained.data_csv` does (``float`` of
the stripped field; ISO dates) and returns None for anything else, so the caller parses
that block line by line, which gives the numbers or the exact error.

A plain decimal (``-12.25``: a sign, up to 15 digits, at most one point) is decoded
exactly: its digits make an integer below 2**53 and its power of ten is exact, so one
division gives the correctly rounded double, the very number ``float(text)`` gives.
Other numbers (``1e5``, ``1_000``, `` 3 ``) are converted by numpy's own parser.

Example
-------
>>> values, dates, n = parse_block(b"2020-01-02,1.5\\n2020-01-03,-2\\n", 2, 1, 0)
>>> values.tolist(), dates.astype(str).tolist(), n
([1.5, -2.0], ['2020-01-02', '2020-01-03'], 2)
>>> parse_block(b'2020-01-02,"1.5"\\n', 2, 1, 0) is None   # quotes: line by line
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_MAX_FIELD = 40  # longer fields go to the reference parser
# The bytes read here: ASCII but quotes, NUL and the line breaks that str.splitlines
# knows and a split on b"\n" does not (CR is read only as part of CRLF).
_ORDINARY = bytes(sorted(set(range(128)) - set(b'"\x00\x0b\x0c\x1c\x1d\x1e\r')))
_POW10 = 10.0 ** np.arange(_MAX_FIELD + 1)
_EXACT = 2.0**53
_NL, _CR, _COMMA, _DOT, _MINUS, _PLUS, _ZERO = 10, 13, 44, 46, 45, 43, 48

Bounds = Callable[[int], "tuple[np.ndarray, np.ndarray]"]


def parse_block(
    chunk: bytes, ncols: int, value_col: int, date_col: int | None
) -> tuple[np.ndarray, np.ndarray | None, int] | None:
    """(values, dates or None, number of lines) of a block of whole lines, or None.

    Every line must hold ``ncols`` comma-separated fields; the values are in field
    ``value_col`` and the dates (if not None) in ``date_col``.
    """
    lines = _lines(chunk)
    if lines is None:
        return None
    starts, ends = lines
    bounds = _field_bounds(chunk, starts, ends, ncols - 1)
    if bounds is None:
        return None
    values = _numbers(chunk, *bounds(value_col))
    if values is None:
        return None
    dates = None
    if date_col is not None:
        dates = _dates(chunk, *bounds(date_col))
        if dates is None:
            return None
    return values, dates, len(starts)


def _lines(chunk: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """Start and end (without CRLF) of every line, if the block is regular and has no blank."""
    odd = chunk.translate(None, _ORDINARY)
    if odd.replace(b"\r", b""):  # quotes, NUL, other line breaks, non-ASCII
        return None
    blk = np.frombuffer(chunk, np.uint8)
    breaks = np.flatnonzero(blk == _NL)
    ends = breaks
    if not ends.size or ends[-1] != len(blk) - 1:  # the last line, without a line break
        ends = np.append(ends, len(blk))
    starts = np.concatenate(([0], ends[:-1] + 1))
    if odd:  # CRs: only as CRLF, which ends its line one byte earlier
        crlf = blk[np.maximum(breaks - 1, 0)] == _CR
        if int(crlf.sum()) != len(odd):
            return None
        ends = ends - np.append(crlf, False)[: len(ends)]
    if np.any(ends <= starts):  # a blank line: the reference parser skips it
        return None
    return starts, ends


def _field_bounds(chunk: bytes, starts: np.ndarray, ends: np.ndarray, k: int) -> Bounds | None:
    """A function giving (start, end) of field c of every line, if each has ``k`` commas."""
    blk = np.frombuffer(chunk, np.uint8)
    commas = np.flatnonzero(blk == _COMMA) if k else np.zeros(0, np.int64)
    if commas.size != k * len(starts):
        return None
    c = commas.reshape(len(starts), k)
    # sorted commas, k a line in order: if each line's k lie inside it, it holds exactly k
    if k and (np.any(c[:, 0] < starts) or np.any(c[:, -1] >= ends)):
        return None

    def bounds(col: int) -> tuple[np.ndarray, np.ndarray]:
        return (starts if col == 0 else c[:, col - 1] + 1), (ends if col == k else c[:, col])

    return bounds


def _gather(chunk: bytes, pos: np.ndarray, width: int) -> np.ndarray:
    """(n, width) uint8: ``chunk[pos[i] : pos[i] + width]``, each inside the chunk."""
    item = np.dtype((np.void, width))
    # every byte as the start of a width-byte item: one copy per row, no index matrix
    # (fancy indexing, not np.take, which would first copy this overlapping view whole)
    view = np.ndarray((len(chunk) - width + 1,), dtype=item, buffer=chunk, strides=(1,))
    return view[pos].view(np.uint8).reshape(len(pos), width)


def _groups(lengths: np.ndarray):
    """(length, rows) for each field length present; rows is a slice when there is one."""
    counts = np.bincount(lengths)
    present = np.flatnonzero(counts)
    if len(present) == 1:
        yield int(present[0]), slice(None)
        return
    for length in present:
        yield int(length), np.flatnonzero(lengths == length)


def _numbers(chunk: bytes, lo: np.ndarray, hi: np.ndarray) -> np.ndarray | None:
    """The fields as float64, as ``float(field.strip())`` gives them; None if any is not."""
    lengths = hi - lo
    if not 0 < lengths.min() <= lengths.max() <= _MAX_FIELD:
        return None
    values = np.empty(len(lo))
    for length, rows in _groups(lengths):
        m = _gather(chunk, lo[rows], length)
        got = _decimals(m)
        if got is None:  # exponents, long mantissas, spaces...: numpy's own conversion
            try:
                got = m.view(f"S{length}").ravel().astype(np.float64)
            except ValueError:
                return None
        values[rows] = got
    return values if np.isfinite(values).all() else None


def _decimals(m: np.ndarray) -> np.ndarray | None:
    """Rows of ``m`` (all one length) as exact doubles, if all are plain decimals alike.

    Alike: the point (if any) in the same column of every row, so one weight vector of
    powers of ten turns the digits into the integer mantissa.
    """
    n, length = m.shape
    dots = np.flatnonzero(m[0] == _DOT)
    point = int(dots[0]) if dots.size else None
    sign = (m[:, 0] == _MINUS) | (m[:, 0] == _PLUS)
    digits = m - _ZERO
    if point is not None:
        if point == 0 and sign.any():
            return None
        digits[:, point] = np.where(m[:, point] == _DOT, 0, 255)  # 255: not a digit
    digits[:, 0] = np.where(sign, 0, digits[:, 0])
    if not (digits <= 9).all() or length - (point is not None) - sign.max() < 1:
        return None
    right = length - 1 - np.arange(length)  # columns to the right of each
    if point is not None:
        right -= np.arange(length) < point  # the point is not a digit
    mantissa = np.einsum("ij,j->i", digits, _POW10[np.maximum(right, 0)])
    if mantissa.max() >= _EXACT:
        return None
    values = mantissa / _POW10[0 if point is None else length - 1 - point]
    return np.where(m[:, 0] == _MINUS, -values, values)


def _dates(chunk: bytes, lo: np.ndarray, hi: np.ndarray) -> np.ndarray | None:
    """YYYY-MM-DD fields (4 or 5 digit years) as datetime64[D]; None for anything else."""
    lengths = hi - lo
    if not 10 <= lengths.min() <= lengths.max() <= 11:
        return None  # with a time, or not a full date: line by line
    dates = np.empty(len(lo), dtype="datetime64[D]")
    for length, rows in _groups(lengths):
        m = _gather(chunk, lo[rows], length)
        digit = (m - _ZERO) <= 9
        dash = np.zeros(length, bool)
        dash[[length - 6, length - 3]] = True
        if not ((m[:, dash] == _MINUS).all() and digit[:, ~dash].all()):
            return None
        try:
            dates[rows] = m.view(f"S{length}").ravel().astype("datetime64[D]")
        except ValueError:  # 2021-02-30 and the like
            return None
    return dates


__all__ = ["parse_block"]
