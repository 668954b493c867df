"""The demo's table of errors (``errors.csv``): its rows, scored, written, read back, merged.

One row per dataset, forecast, units and model: the LSTM (``lstm``) and the linear
autoregression (``linear_ar``, :func:`lstm_explained.forecast.linear_ar`), each scored on
the same targets as the persistence baseline beside it. :mod:`lstm_explained.demo`, which
writes the table, re-exports everything here.

Example
-------
>>> rows = score_rows("sine", "point-by-point", {"lstm": [1.0], "linear_ar": [0.0]},
...                   [0.5], [0.0], None)
>>> print(format_scores(rows))   # doctest: +NORMALIZE_WHITESPACE
dataset  forecast        units      model      MSE model MSE persist.   MAE model MAE persist.
sine     point-by-point  series     lstm               1         0.25           1          0.5
sine     point-by-point  series     linear_ar          0         0.25           0          0.5
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lstm_explained._files import write_text
from lstm_explained.errors import DataError

#: The demo's datasets, in the order of its table.
DATASETS = ("sine", "sp500")
TABLE = "errors.csv"
#: Larger than any table of errors the demo writes: such an errors.csv is not ours.
_TABLE_MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class Score:
    """Errors of one model's forecast and of the persistence baseline on the same targets.

    ``model`` is ``"lstm"`` (the Keras model) or ``"linear_ar"`` (the AR baseline).
    """

    dataset: str
    forecast: str
    units: str
    model: str
    model_mse: float
    baseline_mse: float
    model_mae: float
    baseline_mae: float


_FIELDS = list(Score.__dataclass_fields__)
#: The header of tables written before the AR baseline: their rows are the LSTM's.
_FIELDS_WITHOUT_MODEL = [f for f in _FIELDS if f != "model"]


def score_rows(
    name: str,
    kind: str,
    predictions: Mapping[str, Any],
    base: Any,
    true: Any,
    to_price: Callable | None,
) -> list[Score]:
    """Score each model's predictions and the baseline against ``true``: rows of the table.

    Parameters
    ----------
    name, kind
        the dataset and the forecast (``"point-by-point"``, ...).
    predictions
        model name -> predictions, each shaped like ``true``.
    base
        the persistence baseline's predictions for the same targets.
    true
        the targets.
    to_price
        None for a raw series (units ``series``); else the function that turns these
        normalised values into prices: rows in ``normalised`` and in ``price`` units.

    Returns
    -------
    list of Score
        For each units, one row per model, in the order of ``predictions``.
    """
    identity: Callable = lambda v: np.asarray(v, dtype=np.float64)  # noqa: E731
    conversions = (("normalised", identity), ("price", to_price)) if to_price else (
        ("series", identity),  # a raw series has one kind of units
    )
    rows = []
    for units, conv in conversions:
        b, t = conv(base), conv(true)
        for model, pred in predictions.items():
            p = conv(pred)
            rows.append(
                Score(
                    dataset=name,
                    forecast=kind,
                    units=units,
                    model=model,
                    model_mse=float(np.mean((p - t) ** 2)),
                    baseline_mse=float(np.mean((b - t) ** 2)),
                    model_mae=float(np.mean(np.abs(p - t))),
                    baseline_mae=float(np.mean(np.abs(b - t))),
                )
            )
    return rows


def write_scores(scores: Iterable[Score], path: Path) -> Path:
    """Write the table of errors as CSV, atomically, replacing an earlier one."""
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(_FIELDS)
    for s in scores:
        w.writerow(
            [
                getattr(s, k) if isinstance(getattr(s, k), str) else f"{getattr(s, k):.6g}"
                for k in _FIELDS
            ]
        )
    return write_text(path, text.getvalue(), overwrite=True, what="table of errors")


def read_scores(path: Path) -> list[Score]:
    """The rows of a table written by :func:`write_scores`, or a clear :class:`DataError`.

    A table written before the AR baseline (no ``model`` column) is read as the LSTM's.
    """
    try:
        if not path.is_file():  # e.g. a named pipe, which would never end
            raise ValueError("it is not a regular file")
        if path.stat().st_size > _TABLE_MAX_BYTES:
            raise ValueError(f"it is larger than {_TABLE_MAX_BYTES} bytes")
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        if rows and rows[0] == _FIELDS_WITHOUT_MODEL:
            rows = [_FIELDS] + [row[:3] + ["lstm"] + row[3:] for row in rows[1:]]
        if not rows or rows[0] != _FIELDS:
            raise ValueError(f"its first line is not {','.join(_FIELDS)}")
        return [_score(row) for row in rows[1:]]
    except (ValueError, csv.Error) as exc:  # UnicodeDecodeError is a ValueError
        raise DataError(
            f"{path} is not a table of errors written by the demo ({exc}); nothing was "
            "written. Move it away, or add --force to replace it."
        ) from None


def _score(row: list[str]) -> Score:
    if len(row) != len(_FIELDS):
        raise ValueError(f"a row has {len(row)} fields instead of {len(_FIELDS)}")
    return Score(*row[:4], *(float(v) for v in row[4:]))  # type: ignore[arg-type]


def merge_scores(
    earlier: Iterable[Score], new: Iterable[Score], datasets: Iterable[str]
) -> list[Score]:
    """``new`` in place of ``earlier``'s rows of ``datasets``; other datasets' rows kept.

    Example
    -------
    >>> old = [Score("sine", "point", "series", "lstm", 1, 1, 1, 1),
    ...        Score("sp500", "point", "price", "lstm", 2, 2, 2, 2)]
    >>> new = [Score("sine", "point", "series", "lstm", 3, 3, 3, 3)]
    >>> [(s.dataset, s.model_mse) for s in merge_scores(old, new, ["sine"])]
    [('sine', 3), ('sp500', 2)]
    """
    replaced = set(datasets)
    rows = [s for s in earlier if s.dataset not in replaced] + list(new)
    order = {name: i for i, name in enumerate(DATASETS)}
    return sorted(rows, key=lambda s: order.get(s.dataset, len(order)))  # stable


def earlier_scores(out: Path, force: bool = False) -> list[Score]:
    """The rows of ``out``'s errors.csv, to keep; none if it is absent (or, with ``force``,
    not the demo's table)."""
    path = out / TABLE
    if not path.exists():
        return []
    try:
        return read_scores(path)
    except DataError:
        if force:
            return []
        raise


def format_scores(scores: Iterable[Score]) -> str:
    """The table of errors as aligned text (what the command prints)."""
    lines = [
        f"{'dataset':8} {'forecast':15} {'units':10} {'model':9} {'MSE model':>12}"
        f" {'MSE persist.':>12} {'MAE model':>11} {'MAE persist.':>12}"
    ]
    for s in scores:
        lines.append(
            f"{s.dataset:8} {s.forecast:15} {s.units:10} {s.model:9} {s.model_mse:12.5g} "
            f"{s.baseline_mse:12.5g} {s.model_mae:11.5g} {s.baseline_mae:12.5g}"
        )
    return "\n".join(lines)
