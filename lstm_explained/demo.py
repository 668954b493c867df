"""The one-command demo: both seed forecasts, the baseline, pictures and a table of errors.

``lstm-explained demo`` calls :func:`run_demo`. For each dataset it loads the pretrained
model (or retrains it, with Keras' progress bars), makes the point-by-point,
multi-sequence and full-sequence forecasts of the test set, scores them next to the
persistence baseline in normalised and in price units, and writes PNG figures and
``errors.csv`` into the output folder.

Every option is checked before any work, and every file goes through the atomic helper
(:mod:`lstm_explained._files`): a run killed half-way leaves each file as it was or
complete, never empty or truncated; a symbolic link in the folder is never written
through; a rerun for one dataset keeps the other dataset's rows of ``errors.csv``.

Example
-------
>>> from lstm_explained.demo import run_demo
>>> written = run_demo("demo-out", datasets=("sine",))   # doctest: +SKIP
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lstm_explained._files import atomic_write, check_target, write_text
from lstm_explained.errors import DataError, OutputError

DATASETS = ("sine", "sp500")
MARKER = ".lstm-explained-demo"
TABLE = "errors.csv"
PREDICTION_LEN = 50
#: The figures written for each dataset, as ``{dataset}_{figure}.png``.
FIGURES = ("point_by_point", "multi_sequence", "full_sequence", "point_vs_persistence",
           "multi_vs_persistence")
#: Larger than any table of errors the demo writes: such an errors.csv is not ours.
_TABLE_MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class Score:
    """Errors of one forecast and of the persistence baseline on the same targets."""

    dataset: str
    forecast: str
    units: str
    model_mse: float
    baseline_mse: float
    model_mae: float
    baseline_mae: float


def output_names(datasets: Iterable[str]) -> list[str]:
    """The names of every file a run for ``datasets`` writes into its folder, in order.

    Example
    -------
    >>> output_names(["sine"])[:3]
    ['.lstm-explained-demo', 'sine_point_by_point.png', 'sine_multi_sequence.png']
    """
    names = [MARKER]
    for name in datasets:
        names += [f"{name}_{kind}.png" for kind in FIGURES] + [f"{name}_inspector.html"]
    return names + [TABLE]


def check_datasets(datasets: Iterable[str]) -> tuple[str, ...]:
    """``datasets`` as a tuple of known names, without repeats, or a clear error.

    Example
    -------
    >>> check_datasets(["sp500", "sine", "sp500"])
    ('sp500', 'sine')
    >>> check_datasets(["gold"])
    Traceback (most recent call last):
    ...
    lstm_explained.errors.DataError: unknown dataset 'gold'; choose one of ... or 'both'.
    """
    if isinstance(datasets, str):
        datasets = (datasets,)
    chosen = tuple(dict.fromkeys(datasets))
    for name in chosen:
        if name not in DATASETS:
            raise DataError(f"unknown dataset {name!r}; choose one of {list(DATASETS)} or 'both'.")
    if not chosen:
        raise DataError(f"choose at least one dataset of {list(DATASETS)}.")
    return chosen


def check_frames(inspector_frames: Any) -> int:
    """How many forecast steps each HTML inspector holds: a whole number, at least 1.

    Example
    -------
    >>> check_frames(0)
    Traceback (most recent call last):
    ...
    lstm_explained.errors.DataError: inspector_frames must be at least 1, not 0.
    """
    if isinstance(inspector_frames, bool) or not isinstance(inspector_frames, (int, np.integer)):
        raise DataError(f"inspector_frames must be a whole number, not {inspector_frames!r}.")
    if inspector_frames < 1:
        raise DataError(f"inspector_frames must be at least 1, not {inspector_frames}.")
    return int(inspector_frames)


def check_out(out: Any, datasets: Iterable[str] = DATASETS, force: bool = False) -> Path:
    """Check that the demo may write into ``out``, before any work; return it as a Path.

    A folder is used if it does not exist (it is created), is empty, was made by an earlier
    demo (it holds the marker file), or ``force`` is set. Refused: a file, a symbolic link
    (to a folder or dangling), a folder that cannot be written, and a link or a folder
    planted under the name of a file the demo writes. The folder is created if need be;
    no file is written.
    """
    path = _folder(out)
    try:
        _check_folder(path, force)
        for name in output_names(datasets):
            check_target(path / name, overwrite=True)
    except OSError as exc:  # e.g. a name too long for the file system
        raise OutputError(f"cannot use --out {path}: {exc.strerror or exc}.") from None
    return path


def _folder(out: Any) -> Path:
    """``out`` as a Path (``"."`` is the current folder), or a clear error."""
    if not isinstance(out, (str, os.PathLike)) or isinstance(out, bytes):
        raise OutputError(f"--out must be a folder name (str or pathlib.Path), not {out!r}.")
    if os.fspath(out) == "":
        raise OutputError("--out is empty; give a folder name (\".\" for the current one).")
    return Path(out)


def _check_folder(out: Path, force: bool) -> None:
    if out.is_symlink():
        raise OutputError(
            f"--out {out} is a symbolic link (to {os.readlink(out)!r}); the demo never writes "
            "through a link. Give the folder itself, or another --out folder."
        )
    if out.exists() and not out.is_dir():
        raise OutputError(
            f"--out {out} is a file; give a folder for the demo's pictures and table."
        )
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file() and not force:
        raise OutputError(
            f"{out} is not empty and was not made by lstm-explained demo; nothing was written. "
            "Choose another --out folder, or add --force to write into it anyway."
        )


def _scores(
    name: str, kind: str, pred, base, true, to_price: Callable, normalised: bool
) -> list[Score]:
    rows = []
    conversions = (("normalised", lambda v: v), ("price", to_price)) if normalised else (
        ("series", lambda v: v),  # a raw series has one kind of units
    )
    for units, conv in conversions:
        p, b, t = conv(pred), conv(base), conv(true)
        rows.append(
            Score(
                dataset=name,
                forecast=kind,
                units=units,
                model_mse=float(np.mean((p - t) ** 2)),
                baseline_mse=float(np.mean((b - t) ** 2)),
                model_mae=float(np.mean(np.abs(p - t))),
                baseline_mae=float(np.mean(np.abs(b - t))),
            )
        )
    return rows


def demo_dataset(
    name: str,
    out: Path,
    retrain: bool = False,
    log: Callable = print,
    inspector_frames: int = 150,
) -> tuple[list[Path], list[Score]]:
    """Run the demo for one dataset; return the files written and the scores."""
    import lstm_explained as lx

    if name not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; choose one of {list(DATASETS)} or 'both'.")
    info = lx.model.pretrained_info()[name]
    series = lx.data.sine_wave() if name == "sine" else lx.data.load_sp500()
    windows = lx.data.make_windows(series, seq_len=info["seq_len"], normalise=info["normalise"])
    if retrain:
        log(f"[{name}] training the seed model for {info['epochs']} epoch(s) ...")
        model = lx.model.train_recipe(name, windows, verbose=1)
    else:
        log(f"[{name}] loading the pretrained model")
        model = lx.model.load_pretrained(name)
    log(f"[{name}] forecasting {len(windows.x_test)} test windows (point, multi, full) ...")
    x, y = windows.x_test, windows.y_test
    L = PREDICTION_LEN
    point = lx.forecast.point_by_point(model, x)
    multi = lx.forecast.multi_sequence(model, x, L)
    full = lx.forecast.full_sequence(model, x)
    n = multi.size
    starts = np.repeat(np.arange(0, n, L), L)
    scores = []
    scores += _scores(
        name,
        "point-by-point",
        point,
        lx.forecast.persistence(x),
        y,
        windows.denormalise,
        windows.normalise,
    )
    # each run's predictions, baseline and targets all in the units of its start window
    scores += _scores(
        name,
        "multi-sequence",
        multi.reshape(-1),
        lx.forecast.persistence(x, L).reshape(-1),
        windows.to_window_units(y[:n], window=starts),
        lambda v: windows.denormalise(v, window=starts),
        windows.normalise,
    )
    scores += _scores(
        name,
        "full-sequence",
        full,
        np.full(len(full), x[0, -1, 0]),
        windows.to_window_units(y, window=0),
        lambda v: windows.denormalise(v, window=0),
        windows.normalise,
    )
    title = "sine wave" if name == "sine" else "S&P 500"
    units = " (normalised)" if windows.normalise else ""
    figures = {
        "point_by_point": lx.plots.plot_results(
            point, y, title=f"{title}: point-by-point{units}"
        ),
        "multi_sequence": lx.plots.plot_results_multiple(
            multi, y, L, title=f"{title}: {L}-step multi-sequence{units}"
        ),
        "full_sequence": lx.plots.plot_results(
            full, y, title=f"{title}: full sequence from the first window{units}"
        ),
        "point_vs_persistence": lx.plots.plot_forecast_prices(
            windows, point, "point", title=f"{title}: point-by-point vs persistence"
        ),
        "multi_vs_persistence": lx.plots.plot_forecast_prices(
            windows, multi, "multi", L, title=f"{title}: multi-sequence vs persistence"
        ),
    }
    written = [save_png(figures[kind], out / f"{name}_{kind}.png") for kind in FIGURES]
    log(f"[{name}] tracing the gates of the first {L}-step run for the HTML inspector ...")
    trace = lx.trace_forecast(model, mode="multi", windows=windows, run=0, dataset=title)
    written.append(
        lx.export.inspector_html(
            trace,
            out / f"{name}_inspector.html",
            samples=range(min(inspector_frames, trace.n_samples)),  # each with every step
            title=f"{title}: the gates through a {L}-step forecast",
            overwrite=True,  # prepare_out() has already guarded the folder
            lab=lx.lab.Stack.from_model(model),  # the gate lab: rerun with a gate changed
        )
    )
    return written, scores


def save_png(fig: Any, path: Path) -> Path:
    """Save a matplotlib figure as a PNG, atomically, replacing an earlier one."""
    with atomic_write(path, overwrite=True, what="figure") as tmp:
        fig.savefig(tmp, format="png", dpi=110)  # tmp ends in .part: name the format
    return path


_FIELDS = list(Score.__dataclass_fields__)


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
    """The rows of a table written by :func:`write_scores`, or a clear :class:`DataError`."""
    try:
        if not path.is_file():  # e.g. a named pipe, which would never end
            raise ValueError("it is not a regular file")
        if path.stat().st_size > _TABLE_MAX_BYTES:
            raise ValueError(f"it is larger than {_TABLE_MAX_BYTES} bytes")
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
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
    return Score(*row[:3], *(float(v) for v in row[3:]))  # type: ignore[arg-type]


def merge_scores(
    earlier: Iterable[Score], new: Iterable[Score], datasets: Iterable[str]
) -> list[Score]:
    """``new`` in place of ``earlier``'s rows of ``datasets``; other datasets' rows kept.

    Example
    -------
    >>> old = [Score("sine", "point", "series", 1, 1, 1, 1),
    ...        Score("sp500", "point", "price", 2, 2, 2, 2)]
    >>> new = [Score("sine", "point", "series", 3, 3, 3, 3)]
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
        f"{'dataset':8} {'forecast':15} {'units':10} {'MSE model':>12} {'MSE persist.':>12}"
        f" {'MAE model':>11} {'MAE persist.':>12}"
    ]
    for s in scores:
        lines.append(
            f"{s.dataset:8} {s.forecast:15} {s.units:10} {s.model_mse:12.5g} "
            f"{s.baseline_mse:12.5g} {s.model_mae:11.5g} {s.baseline_mae:12.5g}"
        )
    return "\n".join(lines)


def run_demo(
    out: str | Path = "lstm-explained-demo",
    datasets: Iterable[str] = DATASETS,
    retrain: bool = False,
    force: bool = False,
    log: Callable = print,
    inspector_frames: int = 150,
) -> list[Path]:
    """Run the demo and return the paths it wrote (see the module docstring).

    Every option is checked before any work; an error raises an
    :class:`~lstm_explained.errors.LSTMExplainedError` and leaves the folder untouched.
    """
    datasets = check_datasets(datasets)
    inspector_frames = check_frames(inspector_frames)
    out = check_out(out, datasets, force)
    earlier = earlier_scores(out, force)
    write_text(out / MARKER, "made by lstm-explained demo\n", overwrite=True)
    written: list[Path] = []
    scores: list[Score] = []
    for name in datasets:
        files, rows = demo_dataset(
            name, out, retrain=retrain, log=log, inspector_frames=inspector_frames
        )
        written += files
        scores += rows
    written.append(write_scores(merge_scores(earlier, scores, datasets), out / TABLE))
    log(format_scores(scores))
    return written
