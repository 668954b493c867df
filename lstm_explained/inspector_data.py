"""The browser inspector's data: a trace as JSON metadata and compact binary arrays.

:func:`inspector_payload` turns a trace into what the front end
(``lstm_explained/front/inspector.js``) draws from, for the exported HTML file and the
course site alike: a JSON-ready dict (labels, the cell kind's names, symbols, colours and
colour maps, shapes, where each array sits) and one gzip-compressed buffer of arrays.

Every value the inspector prints is stored at the precision it prints, as a fixed-point
integer: ``round(v * 1000)`` (:data:`SCALE`) in int16 or int32, rounded exactly as Python's
``f"{v:+.3f}"`` rounds (the page prints ``"-0.000"``, ``"+nan"`` and ``"+inf"`` where
Python does, through reserved codes, :func:`fixed_point`). Every timestep of every sample
exported is held; a trace too big for ``max_bytes`` is refused with an error naming the
selection arguments (``samples=``, ``layers=``, ``units=``), never thinned.

Only numpy (and matplotlib's colour maps, sampled once); no TensorFlow.

Example
-------
>>> import numpy as np
>>> from lstm_explained.engine import LSTMWeights, run_lstm
>>> from lstm_explained.trace import LayerTrace, Trace
>>> x = np.sin(np.linspace(0, 6, 20)).reshape(1, 20, 1)
>>> run = run_lstm(x, LSTMWeights.random(features=1, units=4, seed=0))
>>> tr = Trace([LayerTrace(name="lstm", layer_name="lstm", inputs=x, arrays=run)])
>>> meta, blob = inspector_payload(tr)
>>> meta["holds"]
'every step (20) of 1 sample; layer lstm: all 4 units'
>>> values = decode(meta, blob)[("lstm", "forget")]
>>> values.shape == (1, 20, 4)
True
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from typing import Any

import numpy as np

from lstm_explained._inspector_labels import (
    _features,
    _forecast,
    _holds,
    _time_labels,
    default_title,
)
from lstm_explained.activations import get_activation
from lstm_explained.errors import DataError
from lstm_explained.labels import display_text
from lstm_explained.trace import LayerTrace, Trace
from lstm_explained.viewmodel import (
    check_index,
    forecast_info,
    layer_trace,
    sample_label,
)

#: Fixed-point scale: every printed value is ``round(v * SCALE)`` (three decimals).
SCALE = 1000
#: Largest payload (compressed bytes of arrays) a page embeds unless told otherwise.
DEFAULT_MAX_BYTES = 40_000_000
#: Reserved codes at the bottom / top of each integer type: -0.000, -inf, +inf, nan.
_RESERVED = 4
#: The front end's module: these files of ``lstm_explained/front``, joined in this order
#: (the gate lab's arithmetic and panel, then the inspector with ``export default``).
FRONT_MODULE = ("lab.js", "lab_panel.js", "inspector.js")
#: Colour-map stops sent to the page for each quantity.
_CMAP_STOPS = 32


def fixed_point(values: Any) -> tuple[np.ndarray, str]:
    """``values`` as integers ``k`` with ``f"{k / 1000:+.3f}" == f"{v:+.3f}"``, and the
    dtype's name (``"int16"`` when every value fits, else ``"int32"``).

    Codes ``min``, ``min + 1``, ``max - 1``, ``max`` of the type mean ``-0.000`` (a
    negative value that rounds to zero), ``-inf``, ``+inf`` and ``nan``.

    Raises
    ------
    DataError
        A finite value too large for int32 (|v| > 2e6).

    Example
    -------
    >>> k, dtype = fixed_point([0.0005, 0.0015, -0.0001, 1.2345, float("nan")])
    >>> k.tolist()[:4], dtype, int(k[4]) == np.iinfo(np.int16).max
    ([1, 2, -32768, 1234], 'int16', True)
    """
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    scaled = np.where(finite, v, 0.0) * SCALE
    k = np.rint(scaled)
    # Where v * 1000 lies within a hair of .5, the product's rounding error could decide:
    # ask Python's own formatting of the exact double (these values are rare).
    near = finite & (np.abs(np.abs(scaled - np.trunc(scaled)) - 0.5) < 1e-6)
    for i in np.flatnonzero(near):
        flat = v.reshape(-1)[i]
        k.reshape(-1)[i] = int(f"{flat:+.3f}".replace(".", ""))
    top = float(np.max(np.abs(k[finite]))) if finite.any() else 0.0
    dtype = "int16" if top <= np.iinfo(np.int16).max - _RESERVED else "int32"
    info = np.iinfo(dtype)
    if top > info.max - _RESERVED:
        raise DataError(f"a value of {top / SCALE:.3g} is too large to show (at most 2e6).")
    out = k.astype(dtype)
    out[finite & (k == 0) & np.signbit(v)] = info.min
    out[np.isneginf(v)] = info.min + 1
    out[np.isposinf(v)] = info.max - 1
    out[np.isnan(v)] = info.max
    return out, dtype


def inspector_payload(
    trace: Trace | LayerTrace,
    *,
    samples: int | Iterable[int] | None = None,
    layers: str | Iterable[str] | None = None,
    units: int | Iterable[int] | None = None,
    title: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[dict[str, Any], bytes]:
    """The inspector's data for ``trace``: ``(meta, blob)``.

    Parameters
    ----------
    trace : Trace or LayerTrace
    samples : int or list of int, optional
        Samples (forecast steps) to hold; all by default.
    layers : str or list of str, optional
        Layers to hold; all by default.
    units : int or list of int, optional
        Units to hold in every layer (each must exist in every chosen layer); all by
        default.
    title : str, optional
        The page's title; by default the trace's own label.
    max_bytes : int
        Largest compressed size of the arrays; beyond it a clear error asks for a
        smaller selection.

    Returns
    -------
    meta : dict
        JSON-ready: labels, the kind's spec, shapes, and for each array its place in the
        decompressed buffer (``offset``, ``dtype``, ``shape``).
    blob : bytes
        The arrays, gzip-compressed (the page inflates them with ``DecompressionStream``).

    Raises
    ------
    DataError
        Unknown layer, samples or units out of range, or a selection over ``max_bytes``.
    """
    if isinstance(trace, LayerTrace):
        trace = Trace([trace])
    if not isinstance(trace, Trace):
        layer_trace(trace)  # the view model's clear error
    if len(trace) == 0:
        raise DataError("the trace holds no layer to show.")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, np.integer)) \
            or max_bytes < 1:
        raise DataError(f"max_bytes must be a whole number of bytes, not {max_bytes!r}.")
    names = _choose_layers(trace, layers)
    s_list = _choose(samples, trace.n_samples, "sample")
    parts: list[bytes] = []
    offset = 0

    def put(arr: np.ndarray) -> dict[str, Any]:
        nonlocal offset
        pad = (-offset) % 8
        parts.append(b"\0" * pad)
        offset += pad
        entry = {"offset": offset, "dtype": arr.dtype.name, "shape": list(arr.shape)}
        raw = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
        parts.append(raw)
        offset += len(raw)
        return entry

    layer_meta = []
    for name in names:
        lt = trace[name]
        u_list = _choose(units, lt.units, "unit", f"layer {name!r}")
        layer_meta.append(_layer(lt, s_list, u_list, put))
    first = trace[names[0]]
    x = np.asarray(first.in_input_order("inputs"), dtype=np.float32)[s_list]
    inputs = put(x)
    blob = gzip.compress(b"".join(parts), compresslevel=6, mtime=0)
    if len(blob) > max_bytes:
        raise DataError(
            f"this selection needs {len(blob) / 1e6:.1f} MB, more than max_bytes={max_bytes}; "
            f"hold less of the trace: samples=[...] ({len(s_list)} now), layers=[...] "
            f"({len(names)} now: {', '.join(map(repr, names))}), units=[...], or raise "
            "max_bytes. Nothing is left out silently."
        )
    meta = {
        "version": 1,
        "title": display_text(title) if title is not None else default_title(trace),
        "kind": _kind(first),
        "scale": SCALE,
        "samples": s_list,
        "sampleName": "forecast step" if forecast_info(trace) else "sample",
        "sampleLabels": [sample_label(trace, s) for s in s_list],
        "layers": layer_meta,
        "inputs": inputs,
        "features": _features(trace, first.n_features),
        "time": _time_labels(trace, s_list, first.n_timesteps),
        "forecast": _forecast(trace, s_list),
        "holds": _holds(trace, s_list, layer_meta, first.n_timesteps),
        "bytes": len(blob),
    }
    return meta, blob


def decode(meta: dict[str, Any], blob: bytes) -> dict[tuple[str, str], np.ndarray]:
    """The arrays of a payload as the page reads them: ``{(layer, key): values}``, each
    (samples, T, units) float64, ``previous`` included (``nan``/``inf`` where coded;
    ``-0.0`` for ``-0.000``). What ``inspector.js`` does, in numpy, for the tests."""
    raw = gzip.decompress(blob)
    out = {}
    for layer in meta["layers"]:
        dt = np.dtype(layer["dtype"])
        ints: dict[str, np.ndarray] = {}
        entries = layer["arrays"]
        for key, entry in entries.items():
            n = int(np.prod(entry["shape"]))
            b = np.frombuffer(raw, np.uint8, n * dt.itemsize, entry["offset"])
            k = b.reshape(dt.itemsize, n).T.copy().view(dt.newbyteorder("<")).reshape(
                entry["shape"]).astype(dt)
            ints[key] = k
        belt = meta["kind"]["belt"]
        with np.errstate(over="ignore"):
            for key, entry in entries.items():
                if entry["enc"] == "delta":
                    ints[key] = np.cumsum(ints[key], axis=1, dtype=dt)
            ints["previous"] = np.concatenate([ints["initial"][:, None], ints[belt][:, :-1]],
                                              axis=1)
            for key, entry in entries.items():
                if isinstance(entry["enc"], dict):
                    plus, minus = entry["enc"]["resid"]
                    ints[key] = (ints[key] + (ints[plus] - ints[minus])).astype(dt)
        info = np.iinfo(dt)
        for key, k in ints.items():
            v = k.astype(np.float64) / meta["scale"]
            v[k == info.min] = -0.0
            v[k == info.min + 1] = -np.inf
            v[k == info.max - 1] = np.inf
            v[k == info.max] = np.nan
            out[(layer["name"], key)] = v
    return out


# -- the parts ---------------------------------------------------------------------------
def _choose(value: Any, n: int, what: str, owner: str = "this trace") -> list[int]:
    if value is None:
        return list(range(n))
    items = [value] if np.ndim(value) == 0 else list(value)
    if not items:
        raise DataError(f"choose at least one {what} ({what}s=[...]).")
    out: list[int] = []
    for v in items:
        v = check_index(v, n, what, owner)
        if v not in out:
            out.append(v)
    return out


def _choose_layers(trace: Trace, layers: Any) -> list[str]:
    if layers is None:
        return list(trace.layer_names)
    names = [layers] if isinstance(layers, str) else list(layers)
    if not names:
        raise DataError("choose at least one layer (layers=[...]).")
    for name in names:
        layer_trace(trace, name)
    return list(dict.fromkeys(names))


def _layer(lt: LayerTrace, s_list: list[int], u_list: list[int], put: Any) -> dict[str, Any]:
    """One layer's arrays, fixed-point, coded to compress well and decoded exactly:

    * every quantity, ``kept`` and ``squashed``: along time, each step as its difference
      from the step before (``"delta"``, in the integer type's wrap-around arithmetic);
    * ``forgotten`` and ``written``: as their difference from what the belt's books say
      they are (``previous - kept``, ``belt - kept``), mostly 0 or +-1 (``"resid"``);
    * ``previous``: not stored; the belt one step back, ``initial`` at t = 0.
    """
    spec = lt.spec
    one = lt.select(np.asarray(s_list))
    values = {q: np.asarray(a, np.float64)[..., u_list] for q, a in one.arrays.items()}
    led = one.ledger()
    for key in ("kept", "forgotten", "written"):
        values[key] = np.asarray(getattr(led, key), np.float64)[..., u_list]
    values["squashed"] = np.asarray(get_activation(lt.activation)(values[spec.belt]), np.float64)
    initial = np.asarray(led.previous, np.float64)[:, 0, u_list]
    coded = {key: fixed_point(v) for key, v in values.items()}
    coded["initial"] = fixed_point(initial)
    dtype = "int32" if any(d == "int32" for _, d in coded.values()) else "int16"
    ints = {key: k.astype(dtype) for key, (k, _) in coded.items()}
    for key, (k, d) in coded.items():
        if d != dtype:  # widen the reserved codes too
            small, big = np.iinfo(d), np.iinfo(dtype)
            for c in range(_RESERVED // 2):
                ints[key][k == small.min + c] = big.min + c
                ints[key][k == small.max - c] = big.max - c
    previous = np.concatenate([ints["initial"][:, None], ints[spec.belt][:, :-1]], axis=1)
    books = {"forgotten": (previous, "kept"), "written": (ints[spec.belt], "kept")}
    entries = {}
    with np.errstate(over="ignore"):
        for key, k in ints.items():
            if key in books:
                base, minus = books[key]
                stored = k - (base - ints[minus])
                enc: Any = {"resid": [spec.belt if key == "written" else "previous", minus]}
            elif key == "initial":
                stored, enc = k, "raw"
            else:
                stored = np.diff(k, axis=1, prepend=np.zeros_like(k[:, :1]))
                enc = "delta"
            entries[key] = {**put(_shuffled(stored.astype(dtype))), "dtype": dtype,
                            "shape": list(k.shape), "enc": enc}
    ranges = {}
    for key, v in values.items():
        finite = v[np.isfinite(v)]
        ranges[key] = [float(finite.min()), float(finite.max())] if finite.size else [0.0, 0.0]
    mask = None if one.mask is None else put(np.asarray(one.mask, np.uint8))
    return {
        "name": display_text(lt.name),
        "units": u_list,
        "nUnits": int(lt.units),
        "T": int(lt.n_timesteps),
        "goBackwards": bool(lt.go_backwards),
        "activation": display_text(lt.activation),
        "dtype": dtype,
        "arrays": entries,
        "ranges": ranges,
        "mask": mask,
    }


def _shuffled(k: np.ndarray) -> np.ndarray:
    """The array's bytes grouped by significance (all low bytes, then all high bytes):
    slowly changing values compress far better so. Returned as uint8 (keeps ``shape``
    of the values in the entry: see ``put``)."""
    b = np.ascontiguousarray(k).astype(k.dtype.newbyteorder("<")).view(np.uint8)
    return b.reshape(-1, k.dtype.itemsize).T.copy().reshape(-1)


def _kind(lt: LayerTrace) -> dict[str, Any]:
    """The kind's declaration, with each quantity's colour map sampled as hex colours."""
    import matplotlib

    spec = lt.spec
    desc = spec.describe()
    for q in desc["quantities"]:
        cmap = matplotlib.colormaps[spec[q["name"]].cmap]
        q["cmap"] = [matplotlib.colors.to_hex(cmap(i / (_CMAP_STOPS - 1)))
                     for i in range(_CMAP_STOPS)]
    desc["heatmaps"] = [*spec.gates, spec.belt]
    return desc


__all__ = ["DEFAULT_MAX_BYTES", "FRONT_MODULE", "SCALE", "decode", "default_title", "fixed_point",
           "inspector_payload"]
