"""The kernel-free inspector at the end of every tutorial page of the course site.

``docs/_ext/course.py`` appends a hidden cell to the site's copy of each tutorial that
calls :func:`show` with the notebook's globals. :func:`show` picks the tutorial's
forecast trace (the most recently defined ``Trace`` variable, forecast traces first), writes the
static inspector with the package's own ``lx.export.inspector_html`` and displays it in
an ``<iframe srcdoc>``: self-contained, isolated from the page's CSS and scripts, and
working on any static host or from ``file://``.

A tutorial without a trace of its own gets the inspector of the pretrained sine model's
forecast, with a sentence saying so.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any


def find_trace(namespace: dict[str, Any]) -> tuple[str, Any] | None:
    """The most recently defined public trace variable, as (name, value).

    A forecast trace (``lx.trace_forecast``: a Trace with ``info["forecast"]``) is
    preferred over any other trace.
    """
    from lstm_explained.trace import Trace

    traces = [
        (name, value)
        for name, value in namespace.items()
        if not name.startswith("_") and isinstance(value, Trace)
    ]
    forecasts = [(n, v) for n, v in traces if "forecast" in (v.info or {})]
    for candidates in (forecasts, traces):
        if candidates:
            return candidates[-1]
    return None


def default_trace() -> Any:
    """The pretrained sine model's first multi-sequence forecast (for a tutorial without one)."""
    import lstm_explained as lx
    from lstm_explained.forecast_trace import trace_forecast

    model = lx.model.load_pretrained("sine")
    windows = lx.data.make_windows(lx.data.sine_wave(), 50)
    return trace_forecast(model, mode="multi", windows=windows, dataset="sine", progress=False)


def frame_html(src: str, title: str) -> str:
    """An ``<iframe>`` showing the inspector file, sized to it, plus a link to the file.

    ``src`` and ``title`` are attribute values: both are escaped.
    """
    resize = (
        "try{var d=this.contentWindow.document;this.style.height='50px';"
        "this.style.height=(d.documentElement.scrollHeight+4)+'px';}"
        "catch(e){this.style.height='';}"
    )
    src = html.escape(src, quote=True)
    return (
        '<div class="lx-inspector">'
        f'<iframe class="lx-inspector-frame" src="{src}" title="{html.escape(title, quote=True)}" '
        f'onload="{resize}"></iframe>'
        f'<p class="lx-inspector-links"><a href="{src}" download>Download this inspector</a> '
        "(one self-contained HTML file: hand it out, put it on any web host or in your "
        f'LMS) or <a href="{src}" target="_blank" rel="noopener">open it on its own page</a>.'
        "</p></div>"
    )


def show(namespace: dict[str, Any], name: str, out_dir: str) -> None:
    """Write the inspector of the tutorial whose globals are ``namespace``; display it.

    The file goes to ``out_dir`` (``docs/tutorials/_site_static/inspectors``, which
    ``conf.py`` lists in ``html_static_path``): the page shows it from
    ``../_static/inspectors/<name>_inspector.html``.
    """
    from IPython.display import HTML, Markdown, display

    try:
        import lstm_explained.export as export
    except ImportError:  # before issue 4 lands: say so (the browser test fails on it)
        display(Markdown("*The static inspector (`lx.export`) has not landed yet.*"))
        return

    found = find_trace(namespace)
    if found is None:
        trace = default_trace()
        display(
            Markdown(
                "This tutorial makes no forecast trace of its own: here is the pretrained "
                "sine model's 50-step forecast."
            )
        )
    else:
        trace = found[1]
    filename = f"{name}_inspector.html"
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    export.inspector_html(trace, Path(out_dir) / filename, overwrite=True, progress=False)
    display(HTML(frame_html(f"../_static/inspectors/{filename}", f"Gate inspector: {name}")))
