"""What the animations (GIF, MP4) need: choosing frames, drawing them with the inspector
figure, and writing the file atomically (:mod:`lstm_explained._files`).

Used by :mod:`lstm_explained._export_video`; :mod:`lstm_explained.export` takes its target
checks and atomic writes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lstm_explained._files import atomic_write, check_target
from lstm_explained._progress import progress_bar
from lstm_explained.errors import DataError, ExportError, OutputError
from lstm_explained.plots.inspector import InspectorFigure
from lstm_explained.trace import LayerTrace, Trace
from lstm_explained.viewmodel import (
    SampleData,
    check_index,
    check_timestep,
    check_units,
    layer_trace,
)

#: Default largest number of frames (sample x timestep pairs) an export renders.
MAX_FRAMES = 150


# ----------------------------------------------------------------------------------
# Helpers shared by both exports
# ----------------------------------------------------------------------------------
def _target(path: object, overwrite: bool, suffixes: Sequence[str]) -> Path:
    """``path`` checked before any work (see :func:`lstm_explained._files.check_target`)."""
    with _export_errors():
        return check_target(path, overwrite=overwrite, suffixes=suffixes, what="export file")


@contextlib.contextmanager
def _export_errors() -> Iterator[None]:
    """Raise the file helper's :class:`OutputError` as this module's :class:`ExportError`."""
    try:
        yield
    except ExportError:
        raise
    except OutputError as exc:
        raise ExportError(str(exc)) from None


def _spread(n: int, k: int) -> list[int]:
    """``k`` indices spread evenly over ``range(n)``, first and last included."""
    k = max(1, min(n, k))
    return [int(i) for i in np.unique(np.round(np.linspace(0, n - 1, k)).astype(int))]


def _choose_frames(
    trace: Trace,
    lt: LayerTrace,
    samples: int | Iterable[int] | None,
    timesteps: Iterable[int] | None,
    max_frames: int,
) -> tuple[list[int], list[int]]:
    """The samples and timesteps to render, at most ``max_frames`` pairs."""
    if isinstance(max_frames, bool) or not isinstance(max_frames, (int, np.integer)):
        raise DataError(f"max_frames must be a whole number, not {max_frames!r}.")
    if max_frames < 1:
        raise DataError(f"max_frames must be at least 1, not {max_frames}.")
    n, width = trace.n_samples, lt.n_timesteps
    s_list = (
        None
        if samples is None
        else [check_index(s, n, "sample") for s in ([samples] if np.ndim(samples) == 0
                                                     else samples)]  # type: ignore[union-attr]
    )
    t_list = None if timesteps is None else [check_timestep(lt, t) for t in timesteps]
    if s_list == [] or t_list == []:
        raise DataError("choose at least one sample and one timestep to export.")
    if s_list is None and t_list is None:
        n_t = min(width, 30, max_frames)
        n_s = min(n, max(1, max_frames // n_t))
        n_t = min(width, max(1, max_frames // n_s))
        s_list, t_list = _spread(n, n_s), _spread(width, n_t)
    elif s_list is None:
        s_list = _spread(n, max(1, max_frames // len(t_list)))  # type: ignore[arg-type]
    elif t_list is None:
        t_list = _spread(width, max(1, max_frames // len(s_list)))
    total = len(s_list) * len(t_list)  # type: ignore[arg-type]
    if total > max_frames:
        raise DataError(
            f"{len(s_list)} samples x {len(t_list)} timesteps = {total} frames, more than "  # type: ignore[arg-type]
            f"max_frames={max_frames}; choose fewer, or raise max_frames (bigger file)."
        )
    return s_list, t_list  # type: ignore[return-value]


def _auto_units(lt: LayerTrace, sample: int, k: int = 4) -> list[int]:
    """The ``k`` units the belt moved most over a sample (mean |written| + |forgotten|)."""
    data = SampleData(lt, sample)
    activity = (np.abs(data["written"]) + np.abs(data["forgotten"])).mean(axis=0)
    return [int(u) for u in np.argsort(-activity, kind="stable")[: min(k, lt.units)]]


def _progress(show: bool | str, total: int, desc: str) -> Any:
    return progress_bar(show, total, desc, "frame", big_enough=total >= 20)


def _prepare(
    trace: Trace | LayerTrace,
    layer: str | None,
    units: Iterable[int] | int | str | None,
    samples: int | Iterable[int] | None,
    timesteps: Iterable[int] | None,
    max_frames: int,
    dpi: float,
    heatmap_scale: str = "fixed",
) -> tuple[Trace, InspectorFigure, list[int], list[int]]:
    if isinstance(trace, LayerTrace):
        trace = Trace([trace])
    lt = layer_trace(trace, layer)
    s_list, t_list = _choose_frames(trace, lt, samples, timesteps, max_frames)
    chosen = _auto_units(lt, s_list[0]) if units in (None, "active") else check_units(
        units, lt  # type: ignore[arg-type]
    )
    fig = InspectorFigure(trace, lt.name, s_list[0], t_list[0], chosen, dpi=dpi,
                          heatmap_scale=heatmap_scale)
    return trace, fig, s_list, t_list


def _frames(
    fig: InspectorFigure, s_list: list[int], t_list: list[int], bar: Any
) -> Iterator[tuple[int, int]]:
    """Set up the figure for every (sample, timestep) in turn."""
    for s in s_list:
        if s != fig.sample:
            fig.setup(fig.layer.name, s, fig.units, t_list[0])
        for t in t_list:
            fig.set_timestep(t)
            yield s, t
            bar.update(1)


@contextlib.contextmanager
def _atomic(target: Path, overwrite: bool) -> Iterator[Path]:
    """A temporary file beside ``target`` that becomes it only if the block succeeds."""
    with _export_errors(), atomic_write(target, overwrite=overwrite, what="export file") as tmp:
        yield tmp


def _write_atomic(target: Path, data: bytes, overwrite: bool) -> None:
    with _atomic(target, overwrite) as tmp:
        tmp.write_bytes(data)
