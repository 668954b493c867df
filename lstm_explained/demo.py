"""The one-command demo: both seed forecasts, the baseline, pictures and a table of errors.

``lstm-explained demo`` calls :func:`run_demo`. For each dataset it loads the pretrained
model (or retrains it, with Keras' progress bars), makes the point-by-point,
multi-sequence and full-sequence forecasts of the test set, makes the same with a linear
autoregression fitted to the training windows (:func:`lstm_explained.forecast.linear_ar`),
scores both next to the persistence baseline in normalised and in price units, and writes
PNG figures (the AR's line beside the model's) and ``errors.csv`` (a row per model) into
the output folder (the table's code: :mod:`lstm_explained._demo_table`).

The AR's order is the window length (50): it reads exactly the values the LSTM reads, so
the two are compared on the same information. On the S&P 500 prices that makes it score
about what persistence scores (the last value carries nearly all it can learn), far
below the LSTM's error; on the sine wave it is exact to rounding error, fed back or not,
since a sine is a linear recurrence.

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

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from lstm_explained._demo_table import (  # noqa: F401  (re-exported: the table's API)
    DATASETS,
    TABLE,
    Score,
    earlier_scores,
    format_scores,
    merge_scores,
    read_scores,
    score_rows,
    write_scores,
)
from lstm_explained._files import atomic_write, check_target, write_text
from lstm_explained.errors import DataError, OutputError

MARKER = ".lstm-explained-demo"
PREDICTION_LEN = 50
#: The figures written for each dataset, as ``{dataset}_{figure}.png``.
FIGURES = ("point_by_point", "multi_sequence", "full_sequence", "point_vs_persistence",
           "multi_vs_persistence")


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


def demo_dataset(
    name: str,
    out: Path,
    retrain: bool = False,
    log: Callable = print,
    inspector_frames: int = 150,
) -> tuple[list[Path], list[Score]]:
    """Run the demo for one dataset; return the files written and the scores.

    The scores: a row for the LSTM and one for the linear AR (order: the window length,
    see the module docstring) per forecast and units, each beside persistence.
    """
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
    # The AR reads the whole window, the same values the LSTM sees: a fair baseline (on
    # prices it scores about what persistence scores; a sine it continues to rounding error).
    ar = lx.forecast.linear_ar(windows.x_train, windows.y_train, order=info["seq_len"])
    log(f"[{name}] forecasting {len(windows.x_test)} test windows (point, multi, full) with "
        f"the model and a linear AR of order {ar.order} ...")
    x, y = windows.x_test, windows.y_test
    L = PREDICTION_LEN
    models = {"lstm": model, "linear_ar": ar}
    point = {k: lx.forecast.point_by_point(m, x) for k, m in models.items()}
    multi = {k: lx.forecast.multi_sequence(m, x, L) for k, m in models.items()}
    full = {k: lx.forecast.full_sequence(m, x) for k, m in models.items()}
    n = multi["lstm"].size
    starts = np.repeat(np.arange(0, n, L), L)
    normalised = windows.normalise
    scores = score_rows(
        name,
        "point-by-point",
        point,
        lx.forecast.persistence(x),
        y,
        windows.denormalise if normalised else None,
    )
    # each run's predictions, baseline and targets all in the units of its start window
    scores += score_rows(
        name,
        "multi-sequence",
        {k: v.reshape(-1) for k, v in multi.items()},
        lx.forecast.persistence(x, L).reshape(-1),
        windows.to_window_units(y[:n], window=starts),
        (lambda v: windows.denormalise(v, window=starts)) if normalised else None,
    )
    scores += score_rows(
        name,
        "full-sequence",
        full,
        np.full(len(y), x[0, -1, 0]),
        windows.to_window_units(y, window=0),
        (lambda v: windows.denormalise(v, window=0)) if normalised else None,
    )
    title = "sine wave" if name == "sine" else "S&P 500"
    units = " (normalised)" if windows.normalise else ""
    figures = {
        "point_by_point": lx.plots.plot_results(
            point["lstm"], y, title=f"{title}: point-by-point{units}", ar=point["linear_ar"]
        ),
        "multi_sequence": lx.plots.plot_results_multiple(
            multi["lstm"], y, L, title=f"{title}: {L}-step multi-sequence{units}",
            ar=multi["linear_ar"],
        ),
        "full_sequence": lx.plots.plot_results(
            full["lstm"], y, title=f"{title}: full sequence from the first window{units}",
            ar=full["linear_ar"],
        ),
        "point_vs_persistence": lx.plots.plot_forecast_prices(
            windows, point["lstm"], "point", title=f"{title}: point-by-point vs persistence",
            ar=point["linear_ar"],
        ),
        "multi_vs_persistence": lx.plots.plot_forecast_prices(
            windows, multi["lstm"], "multi", L, title=f"{title}: multi-sequence vs persistence",
            ar=multi["linear_ar"],
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
