"""The kernel-free inspector at the end of every tutorial page of the course site.

``docs/_ext/course.py`` appends a hidden cell to the site's copy of each tutorial that
calls :func:`show` with the notebook's globals. :func:`show` picks the tutorial's
forecast trace (the most recently defined variable the exporter accepts), writes the
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


def _accepted_types() -> tuple[type, ...]:
    import lstm_explained as lx

    types: list[type] = []
    for module, name in (("forecast_trace", "ForecastTrace"), ("trace", "Trace")):
        try:
            mod = __import__(f"lstm_explained.{module}", fromlist=[name])
        except ImportError:
            continue
        obj = getattr(mod, name, None)
        if isinstance(obj, type):
            types.append(obj)
    del lx
    return tuple(types)


def find_trace(namespace: dict[str, Any]) -> tuple[str, Any] | None:
    """The most recently defined public variable holding a trace, as (name, value)."""
    types = _accepted_types()
    for name, value in reversed(list(namespace.items())):
        if name.startswith("_") or not types:
            continue
        if isinstance(value, types[:1]):  # prefer a forecast trace
            return name, value
    for name, value in reversed(list(namespace.items())):
        if not name.startswith("_") and types and isinstance(value, types):
            return name, value
    return None


def default_trace() -> Any:
    """The pretrained sine model's forecast trace (for a tutorial without one)."""
    import lstm_explained as lx

    model = lx.model.load_pretrained("sine")
    windows = lx.data.make_windows(lx.data.sine_wave(), seq_len=50, normalise=False)
    return lx.trace_forecast(model, windows.x_test[:1], steps=50)


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
