"""Reading a series from a CSV file: fast on ordinary files, exact errors on every file.

This is the engine of :func:`lstm_explained.data.load_csv` (read its docstring for what
a file may hold). A ten-million-line price file is read without one Python object per
line: the bytes are cut into blocks of whole lines, and each block is parsed with numpy
alone (:mod:`lstm_explained.data_csv_fast`). A block that holds anything the fast
parser does not read exactly (quotes, blank lines, non-ASCII text, a number numpy
cannot read, a NaN) is parsed line by line instead, by the reference parser here, which
raises the exact error: the line number and what is wrong with it. So the two never
disagree: the fast parser either gives the reference parser's numbers, bit for bit, or
hands the block over. The header is read first, the dates are checked last.

Example
-------
>>> import tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "prices.csv")
>>> _ = open(p, "w").write("date,close\\n2020-01-02,10.5\\n2020-01-03,11\\n")
>>> values, dates, label = read_csv(p)
>>> values.tolist(), dates.astype(str).tolist(), label
([10.5, 11.0], ['2020-01-02', '2020-01-03'], 'close')
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lstm_explained._files import as_path
from lstm_explained.data_csv_fast import parse_block
from lstm_explained.errors import DataError, OutputError

#: The default budget of :func:`read_csv`: files above it are refused before reading.
MAX_BYTES = 1 << 30

_BLOCK = 1 << 24  # bytes of whole lines parsed at once
_BOM = b"\xef\xbb\xbf"
_DATE = re.compile(r"[0-9]{4,5}(-[0-9]{2}){0,2}")


@dataclass(frozen=True)
class _Layout:
    """Where the values (and dates) are in each data row."""

    ncols: int
    value_col: int
    date_col: int | None
    label: str | None  # the value column's name; None without a header


@dataclass(frozen=True)
class _FirstRow:
    """The first non-blank row and the bytes of the line-break chunk it sits in."""

    row: list[str]
    line: int
    chunk_start: int
    chunk_end: int
    chunk_line: int
    alone: bool  # the chunk holds this row alone (no lone CR or other break inside)


@dataclass
class _Rows:
    """Parsed data rows, block by block: values, dates and line numbers."""

    values: list[np.ndarray] = field(default_factory=list)
    dates: list[np.ndarray] = field(default_factory=list)
    lines: list[np.ndarray] = field(default_factory=list)

    def add(self, values, dates, lines) -> None:
        self.values.append(np.asarray(values, dtype=np.float64))
        if dates is not None:
            self.dates.append(np.asarray(dates, dtype="datetime64[D]"))
        self.lines.append(np.asarray(lines, dtype=np.int64))

    def arrays(self, dated: bool) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        values = np.concatenate(self.values) if self.values else np.zeros(0)
        lines = np.concatenate(self.lines) if self.lines else np.zeros(0, np.int64)
        if not dated:
            return values, None, lines
        dates = np.concatenate(self.dates) if self.dates else np.zeros(0, "datetime64[D]")
        return values, dates, lines


def read_csv(
    path: object,
    column: str | None = None,
    sort: bool = False,
    max_bytes: int | None = MAX_BYTES,
) -> tuple[np.ndarray, np.ndarray | None, str | None]:
    """The values, dates (or None) and value column name (None without a header) of a CSV.

    See :func:`lstm_explained.data.load_csv` for the arguments and the errors.
    """
    path = _input_path(path)
    if column is not None and not isinstance(column, str):
        raise DataError(f"column must be a column name (str), not {column!r}.")
    if not isinstance(sort, (bool, np.bool_)):
        raise DataError(f"sort must be True or False, not {sort!r}.")
    data, start = _read_bytes(path, max_bytes)
    first = _first_row(data, start, path)
    if first is None:
        raise DataError(
            f"{path}: the file is empty (or holds only blank lines); expected numbers, "
            "one per line, or a table with a header row."
        )
    layout = _layout(first, column, path)
    if sort and layout.date_col is None:
        raise DataError(f"{path}: sort=True sorts by date, but the file has no Date column.")
    values, dates, lines = _body(data, first, layout, path).arrays(layout.date_col is not None)
    if not len(values):
        raise DataError(f"{path}: the file has a header but no data rows.")
    if dates is not None:
        values, dates = _in_date_order(values, dates, lines, sort, path)
    return values, dates, layout.label


# ---------------------------------------------------------------- the file and its header


def _input_path(path: object) -> Path:
    try:
        p = as_path(path, "CSV file")
    except OutputError as exc:
        raise DataError(str(exc)) from None
    if p.is_dir():
        raise DataError(f"{p} is a folder; give the path of a CSV file.")
    if not p.is_file():
        raise DataError(f"{p}: no such file. Check the path (it is relative to {Path.cwd()}).")
    return p


def _read_bytes(path: Path, max_bytes: int | None) -> tuple[bytes, int]:
    """The file's bytes, refused before reading if above ``max_bytes``; and where text starts."""
    if max_bytes is not None and (
        isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, np.integer)) or max_bytes < 1
    ):
        raise DataError(
            f"max_bytes must be a whole number of bytes >= 1, or None; not {max_bytes!r}."
        )
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise DataError(_too_big(path, size, max_bytes))
        with open(path, "rb") as f:
            data = f.read(size + 1)  # one byte more, to notice a file that grew since
            if len(data) > size:  # ... and then never more than the budget
                data += f.read(-1 if max_bytes is None else int(max_bytes) + 1 - len(data))
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise DataError(_too_big(path, len(data), max_bytes))
    return data, len(_BOM) if data.startswith(_BOM) else 0


def _too_big(path: Path, size: int, max_bytes: int) -> str:
    return (
        f"{path} holds {size:,} bytes, more than max_bytes={max_bytes:,}; nothing was read. "
        "Reading takes about twice the file's size in memory: pass a larger max_bytes "
        "(or max_bytes=None) to read it anyway."
    )


def _decode(chunk: bytes, path: Path, line: int) -> str:
    try:
        return chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = chunk[: exc.start].decode("utf-8")
        at = line + len((before + "x").splitlines()) - 1
        raise DataError(
            f"{path}: line {at} is not UTF-8 text ({exc.reason}). Save the file as a "
            "UTF-8 (or plain ASCII) CSV file."
        ) from None


def _csv_row(text: str, line: int, path: Path) -> list[str]:
    try:
        return next(csv.reader([text]), [])
    except csv.Error as exc:
        raise DataError(f"{path}: line {line} cannot be read as CSV ({exc}).") from None


def _blank(row: list[str]) -> bool:
    return not any(f.strip() for f in row)


def _first_row(data: bytes, start: int, path: Path) -> _FirstRow | None:
    """The first row that is not blank, or None for an empty (or all blank) file."""
    pos, line = start, 1
    while pos < len(data):
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end + 1
        parts = _decode(data[pos:end], path, line).splitlines()
        for j, text in enumerate(parts):
            row = _csv_row(text, line + j, path)
            if not _blank(row):
                return _FirstRow(row, line + j, pos, end, line, len(parts) == 1)
        pos, line = end, line + len(parts)
    return None


def _is_data(first: str) -> bool:
    """A first field that is a number, or a mistyped one (no letters): not a header."""
    text = first.strip()
    try:
        float(text)
        return True
    except ValueError:
        return bool(text) and not any(c.isalpha() for c in text)


def _layout(first: _FirstRow, column: str | None, path: Path) -> _Layout:
    if _is_data(first.row[0]):
        if column is not None:
            raise DataError(
                f"{path}: column={column!r} was given but the file has no header row; "
                "leave column out for a file of one number per line."
            )
        return _Layout(ncols=1, value_col=0, date_col=None, label=None)
    names = [h.strip() for h in first.row]
    _refuse_duplicates(names, first.line, path)
    dates = [i for i, n in enumerate(names) if n.lower() == "date"]
    if len(dates) > 1:
        raise DataError(
            f"{path}: the header (line {first.line}) has {len(dates)} date columns "
            f"{[names[i] for i in dates]}; keep one."
        )
    date_col = dates[0] if dates else None
    value_col = _value_column(names, "Close" if column is None else column, first, path)
    if value_col == date_col:
        raise DataError(
            f"{path}: column {names[value_col]!r} holds the dates; choose a value column."
        )
    return _Layout(len(names), value_col, date_col, names[value_col])


def _refuse_duplicates(names: list[str], line: int, path: Path) -> None:
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name and name in seen:
            raise DataError(
                f"{path}: the header (line {line}) names two columns {name!r} (columns "
                f"{seen[name] + 1} and {i + 1}); rename one so that every column is known."
            )
        seen[name] = i


def _value_column(names: list[str], wanted: str, first: _FirstRow, path: Path) -> int:
    """The column named ``wanted``: exactly, else the one column equal but for case."""
    exact = [i for i, n in enumerate(names) if n == wanted.strip()]
    if exact:
        return exact[0]
    alike = [i for i, n in enumerate(names) if n.lower() == wanted.strip().lower()]
    if len(alike) == 1:
        return alike[0]
    if alike:
        raise DataError(
            f"{path}: several columns match {wanted!r} but for case: "
            f"{[names[i] for i in alike]}. Choose one exactly with column=..."
        )
    hint = ""
    if len(names) == 1:
        hint = (
            f" (Line {first.line}, {first.row[0]!r}, was read as a header because it is not "
            "a number; a file of one number per line must hold only numbers.)"
        )
    raise DataError(
        f"{path}: no column {wanted!r}; the header has {names}. Choose one with column=...{hint}"
    )


# ---------------------------------------------------------------- the body, block by block


def _body(data: bytes, first: _FirstRow, layout: _Layout, path: Path) -> _Rows:
    rows = _Rows()
    header = layout.label is not None
    pos, line = first.chunk_start, first.chunk_line
    if not first.alone:  # the first row shares its chunk with other lines: line by line
        skip = first.line if header else first.line - 1
        line = _slow_block(data, pos, first.chunk_end, line, layout, path, rows, skip)
        pos = first.chunk_end
    elif header:
        pos, line = first.chunk_end, first.line + 1
    for lo, hi in _blocks(data, pos):
        parsed = parse_block(data[lo:hi], layout.ncols, layout.value_col, layout.date_col)
        if parsed is None:
            line = _slow_block(data, lo, hi, line, layout, path, rows, 0)
        else:
            values, dates, n = parsed
            rows.add(values, dates, np.arange(line, line + n))
            line += n
    return rows


def _blocks(data: bytes, pos: int):
    """(lo, hi) byte ranges of about ``_BLOCK`` bytes, each ending after a line break."""
    while pos < len(data):
        hi = data.rfind(b"\n", pos, pos + _BLOCK) + 1
        if hi <= pos:  # one line longer than a block
            hi = data.find(b"\n", pos + _BLOCK) + 1 or len(data)
        if len(data) - hi < _BLOCK // 4:  # no small last block
            hi = len(data)
        yield pos, hi
        pos = hi


def _slow_block(
    data: bytes, lo: int, hi: int, line: int, layout: _Layout, path: Path, rows: _Rows, skip: int
) -> int:
    """Parse ``data[lo:hi]`` line by line (the reference parser); return the next line number."""
    texts = _decode(data[lo:hi], path, line).splitlines()
    values, dates, lines = [], [], []
    for n, text in enumerate(texts, start=line):
        if n <= skip:
            continue
        row = _csv_row(text, n, path)
        if _blank(row):
            continue
        if len(row) != layout.ncols:
            raise DataError(_field_count(path, n, len(row), layout))
        values.append(_parse_number(row[layout.value_col].strip(), n, path))
        if layout.date_col is not None:
            dates.append(_parse_date(row[layout.date_col], n, path))
        lines.append(n)
    rows.add(values, dates if layout.date_col is not None else None, lines)
    return line + len(texts)


def _field_count(path: Path, line: int, n: int, layout: _Layout) -> str:
    if layout.label is None:
        return (
            f"{path}: line {line} has {n} fields; a file without a header must hold one "
            "number per line. Add a header row to read a table."
        )
    return f"{path}: line {line} has {n} fields but the header has {layout.ncols}."


def _parse_number(text: str, line: int, path: Path) -> float:
    try:
        value = float(text)
    except ValueError:
        hint = " Write numbers without spaces or thousands separators." if " " in text else ""
        raise DataError(
            f"{path}: line {line} holds {text!r}, which is not a number. Every value must be "
            f"a number (one per line, or in the chosen column).{hint}"
        ) from None
    if not math.isfinite(value):
        raise DataError(
            f"{path}: line {line} holds {text!r}. NaN and infinite values cannot be windowed: "
            "remove or fill them first."
        )
    return value


def _parse_date(text: str, line: int, path: Path) -> np.datetime64:
    """An ISO date (YYYY-MM-DD; YYYY-MM and YYYY too); a time after 'T' or ' ' is ignored."""
    part = re.split(r"[T ]", text.strip(), maxsplit=1)[0]
    if _DATE.fullmatch(part):
        try:
            return np.datetime64(part, "D")
        except ValueError:
            pass
    raise DataError(f"{path}: line {line} has date {text!r}; expected YYYY-MM-DD.")


# ---------------------------------------------------------------- dates in order


def _in_date_order(
    values: np.ndarray, dates: np.ndarray, lines: np.ndarray, sort: bool, path: Path
) -> tuple[np.ndarray, np.ndarray]:
    """The rows oldest first, sorted if ``sort``; unsorted or repeated dates refused."""
    if sort:
        order = np.argsort(dates, kind="stable")
        values, dates, lines = values[order], dates[order], lines[order]
    bad = np.flatnonzero(dates[1:] <= dates[:-1])
    if not bad.size:
        return values, dates
    k = int(bad[0])
    (a, b), (da, db) = lines[k : k + 2].tolist(), dates[k : k + 2].astype(str).tolist()
    if sort or da == db:
        raise DataError(
            f"{path}: lines {min(a, b)} and {max(a, b)} both have the date {da}; each date "
            "must appear once (rows of several values a day: keep one per day first)."
        )
    raise DataError(
        f"{path}: line {b} has the date {db}, before {da} on line {a}: the rows must run "
        "oldest first, or the chronological train/test split would train on the future. "
        "Pass sort=True to sort them by date."
    )


__all__ = ["MAX_BYTES", "read_csv"]
