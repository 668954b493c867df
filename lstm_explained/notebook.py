"""A kernel-free inspector inside a notebook's output: what ends every tutorial.

:func:`static_inspector` makes the page that :func:`lstm_explained.export.inspector_html`
writes for a trace (the browser-drawn inspector, every step of every sample it holds)
and returns it as a :class:`StaticInspector`, which a notebook shows as
that page inside an ``<iframe srcdoc>``, with a link that downloads it as a file. The page
needs no kernel and no network, and the output needs no file beside the notebook: the
same cell shows a working inspector in JupyterLab, on the course site (which only runs the
notebook), in the downloaded ``.ipynb`` and in any notebook viewer.

Example
-------
>>> import lstm_explained as lx
>>> from lstm_explained.notebook import static_inspector
>>> trace = lx.trace.toy_trace()            # or lx.load_trace("sine_multi.npz")
>>> frame = static_inspector(trace, samples=[0, 2])
>>> "<iframe" in frame._repr_html_()
True
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from lstm_explained._files import write_text
from lstm_explained.labels import display_text

#: Sizes the frame to its page once loaded (a srcdoc frame has the notebook's origin).
_RESIZE = (
    "try{var d=this.contentWindow.document;this.style.height='50px';"
    "this.style.height=(d.documentElement.scrollHeight+4)+'px';}"
    "catch(e){this.style.height='';}"
)
#: Hands the frame's page to the browser as a file, when the link is clicked (window.URL:
#: in an inline handler, a bare URL is the document's address).
_DOWNLOAD = (
    "var f=this.closest('.lx-inspector').querySelector('iframe');"
    "this.href=window.URL.createObjectURL(new Blob([f.srcdoc],{type:'text/html'}));"
)


class StaticInspector:
    """A self-contained inspector page, shown by a notebook in a frame.

    Parameters
    ----------
    page : str
        The HTML document (from :func:`lstm_explained.export.inspector_html`).
    title : str
        The frame's accessible title.
    filename : str
        The name the *Download* link offers.
    """

    def __init__(self, page: str, title: str = "Gate inspector",
                 filename: str = "inspector.html") -> None:
        self.page, self.title, self.filename = page, title, filename

    def _repr_html_(self) -> str:
        return frame_html(self.page, self.title, self.filename)

    def __repr__(self) -> str:
        return f"<StaticInspector {self.title!r}: {len(self.page) / 1e6:.1f} MB of HTML>"

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the page to ``path`` (``.html``); an existing file only with ``overwrite``.

        Raises
        ------
        OutputError
            ``path`` exists (and not ``overwrite``), is a folder or a link, or does not end
            in ``.html``.
        """
        return write_text(path, self.page, overwrite=overwrite, suffixes=(".html", ".htm"),
                          what="inspector file")


def frame_html(page: str, title: str, filename: str = "inspector.html") -> str:
    """An ``<iframe srcdoc>`` showing ``page``, sized to it, and a link that downloads it.

    ``page``, ``title`` and ``filename`` all end up in attribute values: each is escaped,
    and its control characters and lone surrogates (which no notebook file can hold) are
    shown as U+FFFD.

    Example
    -------
    >>> frame = frame_html("<p>a & b</p>", 'a "title"')
    >>> print(frame[frame.index("title="):frame.index(" onload")])
    title="a &quot;title&quot;" srcdoc="&lt;p&gt;a &amp; b&lt;/p&gt;"
    """
    def esc(text: str) -> str:
        return html.escape(display_text(text), quote=True)

    return (
        '<div class="lx-inspector">'
        f'<iframe class="lx-inspector-frame" title="{esc(title)}" '
        f'srcdoc="{esc(page)}" onload="{_RESIZE}" '
        'style="display:block;width:100%;height:900px;border:1px solid #ddd"></iframe>'
        '<p class="lx-inspector-links">'
        f'<a class="lx-inspector-download" href="#" download="{esc(filename)}" '
        f'onclick="{_DOWNLOAD}">Download this inspector</a> '
        "(one self-contained HTML file: hand it out, put it on any web host or in your LMS)."
        "</p></div>"
    )


def static_inspector(trace: Any, *, title: str | None = None,
                     filename: str = "inspector.html", **options: Any) -> StaticInspector:
    """The kernel-free inspector of ``trace``, for a notebook to show (last line of a cell).

    Parameters
    ----------
    trace : Trace or LayerTrace
        E.g. from :func:`lstm_explained.forecast_trace.trace_forecast`.
    title : str, optional
        The page's title; the trace's own label by default.
    filename : str
        The name the *Download this inspector* link offers.
    **options
        Passed on to :func:`lstm_explained.export.inspector_page` (``layer``, ``units``,
        ``samples``, ``layers``, ``max_bytes``; ``lab`` adds the gate lab).

    Returns
    -------
    StaticInspector
        Shown as the page in a frame; ``.page`` is the HTML, ``.save(path)`` writes it.

    Raises
    ------
    DataError
        Unknown layer, samples / units out of range, a selection over ``max_bytes``.
    """
    from lstm_explained.export import inspector_page

    page = inspector_page(trace, title=title, **options)
    return StaticInspector(page, "Gate inspector" if title is None else f"Gate inspector: {title}",
                           filename)


__all__ = ["StaticInspector", "frame_html", "static_inspector"]
