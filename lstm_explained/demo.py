"""The one-command demo: both seed forecasts, the baseline, pictures and a table of errors.

``lstm-explained demo`` calls :func:`run_demo`. For each dataset it loads the pretrained
model (or retrains it, with Keras' progress bars), makes the point-by-point,
multi-sequence and full-sequence forecasts of the test set, scores them next to the
persistence baseline in normalised and in price units, and writes PNG figures and
``errors.csv`` into the output folder.

Example
-------
>>> from lstm_explained.demo import run_demo
>>> written = run_demo("demo-out", datasets=("sine",))   # doctest: +SKIP
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_explained.errors import DataError

DATASETS = ("sine", "sp500")
MARKER = ".lstm-explained-demo"
PREDICTION_LEN = 50


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


def prepare_out(out: str | Path, force: bool = False) -> Path:
    """Make ``out`` ready to write into, refusing to clobber what the user wrote.

    A folder is used if it does not exist (it is created), is empty, was made by an earlier
    demo (it holds the marker file), or ``force`` is set. A path to a file is refused.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DataError(f"--out {out} is a file; give a folder for the demo's pictures and table.")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists() and not force:
        raise DataError(
            f"{out} is not empty and was not made by lstm-explained demo; nothing was written. "
            "Choose another --out folder, or add --force to write into it anyway."
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("made by lstm-explained demo\n")
    return out


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
        f"{name}_point_by_point.png": lx.plots.plot_results(
            point, y, title=f"{title}: point-by-point{units}"
        ),
        f"{name}_multi_sequence.png": lx.plots.plot_results_multiple(
            multi, y, L, title=f"{title}: {L}-step multi-sequence{units}"
        ),
        f"{name}_full_sequence.png": lx.plots.plot_results(
            full, y, title=f"{title}: full sequence from the first window{units}"
        ),
        f"{name}_point_vs_persistence.png": lx.plots.plot_forecast_prices(
            windows, point, "point", title=f"{title}: point-by-point vs persistence"
        ),
        f"{name}_multi_vs_persistence.png": lx.plots.plot_forecast_prices(
            windows, multi, "multi", L, title=f"{title}: multi-sequence vs persistence"
        ),
    }
    written = []
    for fname, fig in figures.items():
        path = out / fname
        fig.savefig(path, dpi=110)
        written.append(path)
    log(f"[{name}] tracing the gates of the first {L}-step run for the HTML inspector ...")
    trace = lx.trace_forecast(model, mode="multi", windows=windows, run=0, dataset=title)
    written.append(
        lx.export.inspector_html(
            trace,
            out / f"{name}_inspector.html",
            max_frames=inspector_frames,
            title=f"{title}: the gates through a {L}-step forecast",
            heatmap_scale="data",  # the trained gates move little: stretch to show how
            overwrite=True,  # prepare_out() has already guarded the folder
        )
    )
    return written, scores


def write_scores(scores: Iterable[Score], path: Path) -> Path:
    """Write the table of errors as CSV."""
    fields = list(Score.__dataclass_fields__)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(fields)
        for s in scores:
            w.writerow(
                [
                    getattr(s, k) if isinstance(getattr(s, k), str) else f"{getattr(s, k):.6g}"
                    for k in fields
                ]
            )
    return path


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
    """Run the demo and return the paths it wrote (see the module docstring)."""
    datasets = tuple(datasets)
    for name in datasets:
        if name not in DATASETS:
            raise DataError(f"unknown dataset {name!r}; choose one of {list(DATASETS)} or 'both'.")
    out = prepare_out(out, force=force)
    written: list[Path] = []
    scores: list[Score] = []
    for name in datasets:
        files, rows = demo_dataset(
            name, out, retrain=retrain, log=log, inspector_frames=inspector_frames
        )
        written += files
        scores += rows
    written.append(write_scores(scores, out / "errors.csv"))
    log(format_scores(scores))
    return written
