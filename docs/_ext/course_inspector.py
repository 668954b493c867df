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
import tempfile
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


def iframe(document: str, title: str) -> str:
    """An ``<iframe srcdoc>`` that grows to the height of its document."""
    return (
        f'<iframe class="lx-inspector-frame" title="{html.escape(title)}" '
        f'srcdoc="{html.escape(document, quote=True)}" '
        'style="width: 100%; height: 720px; border: 1px solid #ddd; border-radius: 4px;" '
        'onload="try{var d=this.contentWindow.document;'
        "this.style.height=(d.documentElement.scrollHeight+8)+'px';}catch(e){}\">"
        "</iframe>"
    )


def show(namespace: dict[str, Any], name: str) -> None:
    """Display the inspector of the tutorial whose globals are ``namespace``."""
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
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}_inspector.html"
        export.inspector_html(trace, path)
        document = path.read_text(encoding="utf-8")
    display(HTML(iframe(document, f"Gate inspector: {name}")))
