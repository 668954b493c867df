"""The inspector as a GIF (Pillow) or an MP4 (``ffmpeg``): :func:`animation`."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from lstm_explained._export_frames import (
    MAX_FRAMES,
    _atomic,
    _frames,
    _prepare,
    _progress,
    _target,
)
from lstm_explained.errors import DataError, ExportError
from lstm_explained.plots.inspector import InspectorFigure
from lstm_explained.trace import LayerTrace, Trace


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
    layer : str, optional
        The layer drawn; the first by default.
    units : list of int, int or "active", optional
        Units on the belt (up to 8); by default (or "active") the most active ones of the
        first sample.
    samples, timesteps : optional
        Which samples (forecast steps) and timesteps become frames; all by default, thinned
        evenly to at most ``max_frames`` frames in all.
    max_frames : int
        Largest number of frames (sample x timestep pairs).
    dpi : float
        Pixels per inch of the frames.
    heatmap_scale : {"fixed", "data"}
        Heatmap colours over each quantity's natural range, or stretched over the sample's.
    overwrite : bool
        Replace ``path`` if it exists; by default an existing file is never touched.
    progress : bool or "auto"
        A progress bar while drawing ("auto": for 20 frames or more).
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
    >>> import os, tempfile
    >>> from lstm_explained.trace import toy_trace
    >>> path = os.path.join(tempfile.mkdtemp(), "belt.gif")
    >>> animation(toy_trace(), path, samples=[0], timesteps=range(0, 12, 2), progress=False).name
    'belt.gif'
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


