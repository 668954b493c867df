"""Kernel-free inspectors: one self-contained HTML file, or a GIF / MP4 animation.

* :func:`inspector_html` writes ONE HTML file that steps through the timesteps (and the
  samples, i.e. forecast steps) of a trace with a Play button and sliders, with no kernel
  and no network: the pictures are inline ``data:`` PNGs, the player is a few lines of
  inline JavaScript and CSS. It opens by double-click, from a course site or an e-mail.
  Per sample it stores the static part of the inspector figure once and, per step, only a
  transparent overlay with what changed (cursors, dots, the belt's boxes and numbers), so
  150 steps weigh a few MB.
* :func:`animation` writes the same frames as a GIF (Pillow) or an MP4 (needs ``ffmpeg``).

Both draw with :class:`lstm_explained.plots.inspector.InspectorFigure`, exactly what the
:class:`~lstm_explained.widgets.GateInspector` widget shows, import no TensorFlow, never
overwrite an existing file unless asked to (``overwrite=True``), never write through a
symbolic link, and write atomically (:mod:`lstm_explained._files`): a failed or killed
export leaves the earlier file as it was.

Example
-------
>>> import lstm_explained as lx
>>> from lstm_explained.export import inspector_html, animation
>>> trace = lx.load_trace("sine_multi.npz")                     # doctest: +SKIP
>>> inspector_html(trace, "sine_inspector.html")                # doctest: +SKIP
>>> animation(trace, "sine_step.gif", samples=[0], fps=5)       # doctest: +SKIP
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from lstm_explained._files import atomic_write, check_target
from lstm_explained._progress import progress_bar
from lstm_explained.errors import DataError, ExportError, OutputError
from lstm_explained.labels import display_text, inline_label
from lstm_explained.plots.inspector import InspectorFigure
from lstm_explained.trace import LayerTrace, Trace
from lstm_explained.viewmodel import (
    SampleData,
    check_index,
    check_timestep,
    check_units,
    encode_png,
    forecast_info,
    layer_trace,
    sample_label,
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


def _caption(fig: InspectorFigure) -> str:
    """The line under the picture, plain text (the page sets it with ``textContent``)."""
    data, t = fig.data, fig.timestep
    u = fig.units[0]
    vals = ", ".join(f"{q.text} = {data[q.name][t, u]:+.3f}" for q in fig.layer.spec.quantities)
    last = fig.layer.n_timesteps - 1
    return f"layer {inline_label(fig.layer.name)}, step t = {t} of {last} · unit {u}: {vals}"


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@contextlib.contextmanager
def _atomic(target: Path, overwrite: bool) -> Iterator[Path]:
    """A temporary file beside ``target`` that becomes it only if the block succeeds."""
    with _export_errors(), atomic_write(target, overwrite=overwrite, what="export file") as tmp:
        yield tmp


def _write_atomic(target: Path, data: bytes, overwrite: bool) -> None:
    with _atomic(target, overwrite) as tmp:
        tmp.write_bytes(data)


# ----------------------------------------------------------------------------------
# HTML
# ----------------------------------------------------------------------------------
#: What ``<``, ``>``, ``&`` and the JavaScript line breaks become inside the page's JSON.
_JSON_IN_HTML = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
     "\u2029": "\\u2029"}
)


def _script_json(data: Any) -> str:
    """``data`` as JSON that can sit inside ``<script type="application/json">`` unchanged.

    Every ``<``, ``>`` and ``&`` (which can only occur inside JSON strings) is written as a
    ``\\u`` escape, so no label can close the script (``</script>``), open a comment that
    swallows the rest of the page (``<!--<script>``) or read as an entity; non-ASCII text
    is escaped too (``ensure_ascii``), lone surrogates included.

    Example
    -------
    >>> print(_script_json({"label": "</script><!--&"}))
    {"label":"\\u003c/script\\u003e\\u003c!--\\u0026"}
    """
    return json.dumps(data, separators=(",", ":")).translate(_JSON_IN_HTML)


def _front(name: str) -> str:
    """A front-end file shipped in ``lstm_explained/front`` (CSS, JavaScript), as text."""
    return (resources.files("lstm_explained") / "front" / name).read_text(encoding="utf-8")


def inspector_html(
    trace: Trace | LayerTrace,
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    units: Iterable[int] | int | str | None = None,
    samples: int | Iterable[int] | None = None,
    timesteps: Iterable[int] | None = None,
    max_frames: int = MAX_FRAMES,
    title: str | None = None,
    interval: int = 300,
    dpi: float = 72.0,
    heatmap_scale: str = "fixed",
    overwrite: bool = False,
    progress: bool | str = "auto",
) -> Path:
    """Write a self-contained HTML inspector of a trace that needs no kernel and no network.

    Parameters
    ----------
    trace : Trace or LayerTrace
        E.g. from :func:`lstm_explained.forecast_trace.trace_forecast` or ``load_trace``.
    path : str or PathLike
        The ``.html`` file to write.
    layer : str, optional
        Layer to show; the first one by default.
    units : list of int or "active", optional
        Units on the belt (at most 8). By default the four units the belt moved most over
        the first exported sample.
    samples : int or list of int, optional
        Samples (forecast steps) to export; spread evenly by default.
    timesteps : list of int, optional
        Steps to export; spread evenly by default.
    max_frames : int
        Largest number of (sample, timestep) frames; with the defaults, e.g. 5 samples x
        30 steps. Each frame adds roughly 15-30 kB.
    title : str, optional
        Page title, shown as text; built from the trace by default.
    interval : int
        Milliseconds per step when playing.
    dpi : float
        Pixels per inch of the pictures.
    heatmap_scale : {"fixed", "data"}
        Heatmap colours over natural ranges, or stretched per row (see the widget).
    overwrite : bool
        Replace ``path`` if it exists; by default an existing file is never touched.
    progress : bool or "auto"
        tqdm progress bar; "auto" shows it for 20 frames or more on a terminal or in a
        notebook (not when output goes to a log file), never under pytest.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ExportError
        ``path`` exists (and not ``overwrite``), is a folder, or does not end in ``.html``.
    DataError
        Unknown layer, samples / timesteps / units out of range, too many frames.

    Example
    -------
    >>> inspector_html(trace, "inspector.html", samples=[0, 10, 20])   # doctest: +SKIP
    """
    target = _target(path, overwrite, (".html", ".htm"))
    trace, fig, s_list, t_list = _prepare(
        trace, layer, units, samples, timesteps, max_frames, dpi, heatmap_scale
    )
    fi = forecast_info(trace)
    backgrounds: list[str] = []
    frames: list[list[str]] = [[] for _ in s_list]
    captions: list[list[str]] = [[] for _ in s_list]
    bar = _progress(progress, len(s_list) * len(t_list), "exporting inspector")
    try:
        for s, _t in _frames(fig, s_list, t_list, bar):
            k = s_list.index(s)
            if len(backgrounds) <= k:
                backgrounds.append(_data_uri(encode_png(fig.background_rgba(), 6)))
            frames[k].append(_data_uri(encode_png(fig.overlay_rgba(), 6, alpha=True)))
            captions[k].append(_caption(fig))
    finally:
        bar.close()
    w, h = fig.canvas.get_width_height()
    title = display_text(_default_title(trace, fig) if title is None else title)
    data = {
        "samples": [int(s) for s in s_list],
        "timesteps": [int(t) for t in t_list],
        "sampleLabels": [sample_label(trace, s) for s in s_list],
        "backgrounds": backgrounds,
        "frames": frames,
        "captions": captions,
        "interval": int(interval),
    }
    payload = _script_json(data)
    sample_name = "forecast step" if fi else "sample"
    legend = "".join(
        f'<span style="color:{html.escape(q.color)}">{html.escape(q.text)} '
        f"{html.escape(q.name)}</span>"
        for q in fig.layer.spec.quantities
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{_front("player.css")}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<div class="controls">
  <button id="play" type="button">&#9654; Play</button>
  <label>step t <input id="step" type="range" min="0" max="{len(t_list) - 1}" value="0"
    aria-label="timestep"></label><output id="step-value"></output>
  <label>{sample_name} <input id="sample" type="range" min="0" max="{len(s_list) - 1}"
    value="0" aria-label="{sample_name}"></label><output id="sample-value"></output>
</div>
<div class="caption sample" id="sample-label"></div>
<div class="caption" id="caption"></div>
<div class="stage" style="width:{w}px">
  <img id="bg" alt="" width="{w}" height="{h}">
  <img id="fg" alt="gates and conveyor belt at the chosen step" width="{w}" height="{h}">
</div>
<div class="legend">{legend}</div>
<footer>Made with lstm-explained. Keys: &larr; &rarr; step, space play/pause.
{len(s_list)} {sample_name}(s) x {len(t_list)} steps; no kernel, no network needed.</footer>
<script type="application/json" id="inspector-data">{payload}</script>
<script>{_front("player.js")}</script>
</body>
</html>
"""
    _write_atomic(target, page.encode("utf-8"), overwrite)
    return target


def _default_title(trace: Trace, fig: InspectorFigure) -> str:
    """The page title: dataset (or model), forecast mode and layer, each an inline label."""
    fi = forecast_info(trace)
    label = (fi or {}).get("dataset") or trace.info.get("dataset") or trace.info.get("model")
    kind = f" {inline_label(fi.get('mode_name', fi.get('mode')))} forecast" if fi else ""
    name = inline_label(label) if label else "trace"
    return f"LSTM gate inspector: {name}{kind}, layer {inline_label(fig.layer.name)}"


# ----------------------------------------------------------------------------------
# GIF / MP4
# ----------------------------------------------------------------------------------
def animation(
    trace: Trace | LayerTrace,
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    units: Iterable[int] | int | str | None = None,
    samples: int | Iterable[int] | None = None,
    timesteps: Iterable[int] | None = None,
    max_frames: int = MAX_FRAMES,
    fps: float = 4.0,
    dpi: float = 72.0,
    heatmap_scale: str = "fixed",
    overwrite: bool = False,
    progress: bool | str = "auto",
) -> Path:
    """Write the inspector stepping through a trace as a GIF (Pillow) or an MP4 (ffmpeg).

    The format follows the suffix: ``.gif`` always works; ``.mp4`` needs the ``ffmpeg``
    program on PATH. Frames run through the timesteps of each chosen sample in turn.

    Parameters
    ----------
    trace, path
        The trace, and a ``.gif`` or ``.mp4`` file name.
    layer, units, samples, timesteps, max_frames, dpi, heatmap_scale, overwrite, progress
        As for :func:`inspector_html`.
    fps : float
        Frames per second.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ExportError
        ``path`` exists (and not ``overwrite``), has another suffix, is a folder or a
        symbolic link, its folder is read-only, the disk is full, or an MP4 is asked for
        and ffmpeg is not installed or fails.

    Example
    -------
    >>> animation(trace, "belt.gif", samples=[0], timesteps=range(0, 50, 2))   # doctest: +SKIP
    """
    target = _target(path, overwrite, (".gif", ".mp4"))
    if not fps or fps <= 0:
        raise DataError(f"fps must be positive, not {fps!r}.")
    ffmpeg = None
    if target.suffix.lower() == ".mp4":
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg is None:
            raise ExportError(
                "writing an MP4 needs the ffmpeg program, which was not found on PATH; "
                "install it (e.g. `apt-get install ffmpeg` or `conda install ffmpeg`), "
                "or write a .gif instead."
            )
    trace, fig, s_list, t_list = _prepare(
        trace, layer, units, samples, timesteps, max_frames, dpi, heatmap_scale
    )
    bar = _progress(progress, len(s_list) * len(t_list), f"writing {target.suffix[1:]}")
    try:
        if ffmpeg is None:
            _write_gif(fig, s_list, t_list, bar, target, fps, overwrite)
        else:
            _write_mp4(fig, s_list, t_list, bar, target, fps, overwrite, ffmpeg)
    finally:
        bar.close()
    return target


def _write_gif(
    fig: InspectorFigure, s_list: list[int], t_list: list[int], bar: Any, target: Path,
    fps: float, overwrite: bool,
) -> None:
    from PIL import Image

    images: list[Image.Image] = []
    palette = None
    for _ in _frames(fig, s_list, t_list, bar):
        img = Image.fromarray(np.ascontiguousarray(fig.rgba()[..., :3]))
        if palette is None:
            palette = img.quantize(colors=255, method=Image.Quantize.MEDIANCUT)
            images.append(palette)
        else:
            images.append(img.quantize(palette=palette, dither=Image.Dither.NONE))
    with _atomic(target, overwrite) as tmp:  # tmp ends in .part: name the format
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:],
                       duration=int(round(1000 / fps)), loop=0)


def _write_mp4(
    fig: InspectorFigure, s_list: list[int], t_list: list[int], bar: Any, target: Path,
    fps: float, overwrite: bool, ffmpeg: str,
) -> None:
    w, h = fig.canvas.get_width_height()
    with _atomic(target, overwrite) as tmp:
        cmd = [
            ffmpeg, "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
            "-s", f"{w}x{h}", "-r", f"{fps:g}", "-i", "-",
            "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p", "-c:v", "libx264",
            "-f", "mp4", str(tmp),  # tmp ends in .part: name the format
        ]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            _feed_frames(proc, fig, s_list, t_list, bar)
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            if proc.wait() != 0:
                raise ExportError(f"ffmpeg could not write {target}: {err.strip()[-500:]}")
        except BaseException:
            proc.kill()
            proc.wait()
            raise


def _feed_frames(
    proc: subprocess.Popen, fig: InspectorFigure, s_list: list[int], t_list: list[int],
    bar: Any,
) -> None:
    """Pipe every frame to ffmpeg; if ffmpeg stops early, leave its error to the caller."""
    assert proc.stdin is not None
    try:
        for _ in _frames(fig, s_list, t_list, bar):
            proc.stdin.write(np.ascontiguousarray(fig.rgba()[..., :3]).tobytes())
    except BrokenPipeError:  # ffmpeg exited (e.g. the disk is full): its message says why
        pass
    finally:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()


__all__ = ["MAX_FRAMES", "ExportError", "animation", "inspector_html"]
