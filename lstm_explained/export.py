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

import html
import json
import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from lstm_explained._export_frames import (
    MAX_FRAMES,
    _caption,
    _data_uri,
    _default_title,
    _frames,
    _prepare,
    _progress,
    _target,
    _write_atomic,
)
from lstm_explained._export_video import animation
from lstm_explained.errors import ExportError
from lstm_explained.labels import display_text
from lstm_explained.trace import LayerTrace, Trace
from lstm_explained.viewmodel import (
    encode_png,
    forecast_info,
    sample_label,
)

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



__all__ = ["MAX_FRAMES", "ExportError", "animation", "inspector_html"]
