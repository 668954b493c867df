"""What the inspector's page says about a trace: its title, what its steps and input
features are, its forecast's window and points, and what the page holds.

Every string from a trace goes through :func:`~lstm_explained.labels.display_text` or
:func:`~lstm_explained.labels.inline_label`; the page sets it as text.
Used by :mod:`lstm_explained.inspector_data`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstm_explained.labels import display_text, inline_label
from lstm_explained.trace import Trace
from lstm_explained.viewmodel import forecast_info, is_whole


def default_title(trace: Trace) -> str:
    """The trace's own label: ``info["title"]``, else dataset (or model), forecast mode."""
    if isinstance(trace.info.get("title"), str):
        return inline_label(trace.info["title"])
    fi = forecast_info(trace)
    label = (fi or {}).get("dataset") or trace.info.get("dataset") or trace.info.get("model")
    kind = f", {inline_label(fi.get('mode_name', fi.get('mode')))} forecast" if fi else ""
    name = inline_label(label) if label else "a trace"
    return f"Inside the LSTM: {name}{kind}"


def _features(trace: Trace, n: int) -> list[str]:
    names = trace.info.get("feature_names")
    if isinstance(names, list) and len(names) == n:
        return [display_text(v) for v in names]
    fi = forecast_info(trace)
    if fi and n == 1:
        return [display_text(fi.get("dataset") or "input")]
    return ["input" if n == 1 else f"input {k}" for k in range(n)]


def _time_labels(trace: Trace, s_list: list[int], width: int) -> dict[str, Any]:
    """What the steps are: words (``info["step_labels"]``), dates, or step numbers."""
    words = trace.info.get("step_labels")
    if isinstance(words, list) and len(words) == width:
        return {"kind": "words", "labels": [display_text(w) for w in words]}
    dates = trace.extras.get("window_dates")
    if dates is not None and dates.shape[:2] == (trace.n_samples, width):
        per = [[str(d)[:10] if str(d) != "NaT" else "" for d in dates[s]] for s in s_list]
        return {"kind": "dates", "perSample": [[display_text(d) for d in row] for row in per]}
    return {"kind": "steps"}


def _forecast(trace: Trace, s_list: list[int]) -> dict[str, Any] | None:
    from lstm_explained.plots.views import AR_COLOR  # the colour the plots give the AR

    fi = forecast_info(trace)
    if fi is None or "window" not in trace.extras:
        return None
    price = "window_price" in trace.extras
    suffix = "_price" if price else ""

    def series(key: str) -> list[Any] | None:
        v = trace.extras.get(key + suffix)
        if v is None:
            return None
        return [_number(x) for x in np.asarray(v, np.float64)[s_list].tolist()]

    window = np.asarray(trace.extras["window" + suffix], np.float64)[s_list]
    fed = trace.extras.get("fed_back")
    n_steps = fi.get("n_steps")
    return {
        "units": "price" if price else display_text(fi.get("value_units") or "value"),
        "window": [[_number(x) for x in row] for row in window.tolist()],
        "fedBack": None if fed is None else np.asarray(fed, bool)[s_list].tolist(),
        "target": series("target"),
        "prediction": series("prediction"),
        "persistence": series("persistence"),
        "ar": series("ar"),  # the linear AR baseline, when the trace holds it
        "arColor": AR_COLOR,
        "nSteps": int(n_steps) if is_whole(n_steps) else None,
    }


def _number(x: float) -> float | None:
    return float(f"{x:.6g}") if np.isfinite(x) else None


def _holds(trace: Trace, s_list: list[int], layers: list[dict[str, Any]], width: int) -> str:
    what = "forecast step" if forecast_info(trace) else "sample"
    n = len(s_list)
    of = "" if n == trace.n_samples else f" (of {trace.n_samples})"
    parts = []
    for layer in layers:
        u = len(layer["units"])
        units = f"all {u} units" if u == layer["nUnits"] else f"{u} of {layer['nUnits']} units"
        parts.append(f"layer {layer['name']}: {units}")
    left = len(trace) - len(layers)
    more = f"; {left} other layer(s) left out" if left else ""
    return (f"every step ({width}) of {n} {what}{'s' if n != 1 else ''}{of}; "
            f"{'; '.join(parts)}{more}")
