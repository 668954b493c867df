"""Kernel-free inspectors: one self-contained HTML file, or a GIF / MP4 animation.

* :func:`inspector_html` writes ONE HTML file holding the whole inspector: the front end
  (``lstm_explained/front/inspector.js`` and ``inspector.css``, the very module a notebook
  widget runs) inlined, and the trace's data embedded compactly (fixed-point integers,
  gzip, base64; :mod:`lstm_explained.inspector_data`). The browser draws everything as
  SVG: every timestep of every sample the file holds, crisp at any zoom, with no kernel
  and no network. It opens by double-click, from a course site or an e-mail.
* :func:`animation` writes frames as a GIF (Pillow) or an MP4 (needs ``ffmpeg``), drawn
  with :class:`lstm_explained.plots.inspector.InspectorFigure` (matplotlib).

Both import no TensorFlow, never overwrite an existing file unless asked to
(``overwrite=True``), never write through a symbolic link, and write atomically
(:mod:`lstm_explained._files`): a failed or killed export leaves the earlier file as it was.

Example
-------
>>> import os, tempfile
>>> import lstm_explained as lx
>>> from lstm_explained.export import inspector_html, animation
>>> trace = lx.trace.toy_trace()            # or lx.load_trace("sine_multi.npz")
>>> out = tempfile.mkdtemp()
>>> inspector_html(trace, os.path.join(out, "inspector.html")).name
'inspector.html'
>>> animation(trace, os.path.join(out, "step.gif"), samples=[0], fps=5, progress=False).name
'step.gif'
"""

from __future__ import annotations

import base64
import html
import json
import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from lstm_explained._export_frames import _target, _write_atomic
from lstm_explained._export_video import animation
from lstm_explained.errors import DataError, ExportError
from lstm_explained.inspector_data import (
    DEFAULT_MAX_BYTES,
    FRONT_MODULE,
    decode,
    inspector_payload,
)
from lstm_explained.lab_payload import MAX_LAB_PARAMETERS, check_stack, trace_lab
from lstm_explained.trace import LayerTrace, Trace

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
    return json.dumps(data, separators=(",", ":"), allow_nan=False).translate(_JSON_IN_HTML)


def front_file(name: str) -> str:
    """A front-end file shipped in ``lstm_explained/front`` (CSS, JavaScript), as text."""
    return (resources.files("lstm_explained") / "front" / name).read_text(encoding="utf-8")


def _module_source() -> str:
    """The front end's module (:data:`~lstm_explained.inspector_data.FRONT_MODULE`)
    followed by the stand-alone glue, checked to be safe inline."""
    source = "\n".join(front_file(name) for name in (*FRONT_MODULE, "standalone.js"))
    low = source.lower()
    if "</script" in low or "<!--" in low:  # would end the inline script early
        raise ExportError("the front end holds '</script' or '<!--'; it cannot be inlined.")
    return source


def initial_state(trace: Trace, meta: dict[str, Any], layer: str | None,
                  units: Iterable[int] | int | None, sample: int, timestep: int,
                  blob: bytes) -> dict[str, Any]:
    """What the inspector first shows: a layer (the first held), its units (given, or the
    four the belt moved most over the first sample held), a sample and a step."""
    names = [lm["name"] for lm in meta["layers"]]
    raw_names = list(trace.layer_names)
    shown = names[0] if layer is None else layer
    if layer is not None and layer not in raw_names:
        raise DataError(f"unknown layer {layer!r}; this trace has layers {raw_names}.")
    lm = next((m for m in meta["layers"] if m["name"] == shown), meta["layers"][0])
    if not 0 <= sample < len(meta["samples"]) or not 0 <= timestep < lm["T"]:
        raise DataError(f"sample {sample} / timestep {timestep} is not held by this file.")
    if layer is not None and layer not in names:
        raise DataError(f"layer {layer!r} is not among the layers held ({names}).")
    if units is None:
        arrays = decode({**meta, "layers": [lm]}, blob)
        activity = np.nan_to_num(np.abs(arrays[(lm["name"], "written")][0])
                                 + np.abs(arrays[(lm["name"], "forgotten")][0])).mean(axis=0)
        order = np.argsort(-activity, kind="stable")[: min(4, len(lm["units"]))]
        chosen = [lm["units"][int(k)] for k in order]
    else:
        chosen = list(dict.fromkeys(int(u) for u in units))
    return {"layer": lm["name"], "units": chosen, "sample": int(sample),
            "timestep": int(timestep)}


def inspector_page(
    trace: Trace | LayerTrace,
    *,
    layer: str | None = None,
    units: Iterable[int] | int | None = None,
    samples: int | Iterable[int] | None = None,
    layers: str | Iterable[str] | None = None,
    title: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    lab: Any = None,
    lab_max_parameters: int = MAX_LAB_PARAMETERS,
) -> str:
    """The self-contained inspector page of ``trace``, as text (see :func:`inspector_html`)."""
    if isinstance(trace, LayerTrace):
        trace = Trace([trace])
    if lab is not None:
        check_stack(lab)
    meta, blob = inspector_payload(trace, samples=samples, layers=layers, units=units,
                                   title=title, max_bytes=max_bytes)
    if lab is not None:
        meta["lab"] = trace_lab(lab, trace, meta["samples"], max_parameters=lab_max_parameters)
    belt = None if units is None or np.ndim(units) == 0 or len(list(units)) > 8 else units
    meta["initial"] = initial_state(trace, meta, layer, belt, 0, 0, blob)
    return payload_page(meta, blob)


def payload_page(meta: dict[str, Any], blob: bytes) -> str:
    """The self-contained page of a payload from :func:`inspector_payload` whose
    ``meta["initial"]`` says what it shows first (the widget's kernel-free fallback)."""
    page_title = html.escape(meta["title"])
    data = base64.b64encode(blob).decode("ascii")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{page_title}</title>
<style>body {{ margin: 8px 12px; }}
{front_file("inspector.css")}</style>
</head>
<body>
<main id="lx-inspector" class="lxi"><p>The inspector is loading (it needs JavaScript).</p></main>
<script type="application/json" id="lx-meta">{_script_json(meta)}</script>
<script type="application/octet-stream;base64" id="lx-data">{data}</script>
<script type="module">
{_module_source()}
</script>
</body>
</html>
"""


def inspector_html(
    trace: Trace | LayerTrace,
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    units: Iterable[int] | int | None = None,
    samples: int | Iterable[int] | None = None,
    layers: str | Iterable[str] | None = None,
    title: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    overwrite: bool = False,
    lab: Any = None,
    lab_max_parameters: int = MAX_LAB_PARAMETERS,
) -> Path:
    """Write a self-contained HTML inspector of a trace that needs no kernel and no network.

    The file holds every timestep of every sample (forecast step) it exports, and says
    what it holds; a trace too big for ``max_bytes`` is refused, never thinned: choose
    less with ``samples=``, ``layers=`` or ``units=``.

    Parameters
    ----------
    trace : Trace or LayerTrace
        E.g. from :func:`lstm_explained.forecast_trace.trace_forecast` or ``load_trace``.
    path : str or PathLike
        The ``.html`` file to write.
    layer : str, optional
        The layer shown first; the first one held by default.
    units : int or list of int, optional
        The units to hold in every layer held (all by default); up to 8 of them start on
        the belt, else the four the belt moved most over the first sample.
    samples : int or list of int, optional
        Samples (forecast steps) to hold; all by default.
    layers : str or list of str, optional
        Layers to hold; all by default.
    title : str, optional
        Page title, shown as text; the trace's own label by default (``info["title"]``,
        else its dataset or model and forecast mode).
    max_bytes : int
        Largest compressed size of the embedded arrays (the file is about 4/3 of it).
    overwrite : bool
        Replace ``path`` if it exists; by default an existing file is never touched.
    lab : lstm_explained.lab.Stack, optional
        The trace's model as numpy (``Stack.from_model(model)``): the page gets a gate lab
        that reruns it with a chosen gate set or scaled (:mod:`lstm_explained.lab_payload`;
        a model over ``lab_max_parameters`` is left out, and the page says so).
    lab_max_parameters : int
        Largest model whose weights the page embeds for the gate lab.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ExportError
        ``path`` exists (and not ``overwrite``), is a folder, or does not end in ``.html``.
    DataError
        Unknown layer, samples / units out of range, over ``max_bytes``, or a ``lab``
        that is not the trace's model.

    Example
    -------
    >>> import os, tempfile
    >>> from lstm_explained.trace import toy_trace
    >>> path = os.path.join(tempfile.mkdtemp(), "inspector.html")
    >>> inspector_html(toy_trace(), path, samples=[0, 2]).stat().st_size > 0
    True
    """
    target = _target(path, overwrite, (".html", ".htm"))
    page = inspector_page(trace, layer=layer, units=units, samples=samples, layers=layers,
                          title=title, max_bytes=max_bytes, lab=lab,
                          lab_max_parameters=lab_max_parameters)
    _write_atomic(target, page.encode("utf-8"), overwrite)
    return target


__all__ = ["ExportError", "animation", "front_file", "inspector_html", "inspector_page",
           "payload_page"]
