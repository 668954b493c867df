"""What the views show, apart from how they draw it: one view model for plots, widget, export.

Everything here is plain numpy and text, shared by :mod:`lstm_explained.plots`, the
:class:`~lstm_explained.widgets.GateInspector` and :mod:`lstm_explained.export`: choosing
and checking the layer, sample, step and units to show (:func:`layer_trace`,
:func:`check_units`, ...), one sample's arrays with the belt's books
(:class:`SampleData`), what a forecast trace says about a sample (:func:`sample_label`,
:func:`window_arrays`, :func:`extra`), and image encoding. Names and colours come from the
trace's cell kind (:mod:`lstm_explained.kinds`).

Example
-------
>>> import numpy as np
>>> from lstm_explained.engine import LSTMWeights, run_lstm
>>> from lstm_explained.trace import LayerTrace, Trace
>>> x = np.sin(np.linspace(0, 6, 20)).reshape(1, 20, 1)
>>> run = run_lstm(x, LSTMWeights.random(features=1, units=4, seed=0))
>>> tr = Trace([LayerTrace(name="lstm", layer_name="lstm", inputs=x, arrays=run)])
>>> data = SampleData(layer_trace(tr), 0)
>>> sorted(data.arrays)[:4], len(data.most_active(5, k=2))
(['candidate', 'cell', 'forget', 'forgotten'], 2)
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import numpy as np

from lstm_explained.activations import get_activation
from lstm_explained.errors import DataError
from lstm_explained.labels import inline_label
from lstm_explained.trace import LayerTrace, Trace

#: Largest number of units the conveyor belt shows at once.
MAX_BELT_UNITS = 8

#: Colour scales of the heatmaps: the quantity's natural range, or its range in the sample.
HEATMAP_SCALES: tuple[str, ...] = ("fixed", "data")


def check_scale(scale: str) -> str:
    """``scale`` if it is one of :data:`HEATMAP_SCALES`, else a clear error."""
    if scale not in HEATMAP_SCALES:
        raise DataError(f"heatmap scale must be one of {list(HEATMAP_SCALES)}, not {scale!r}.")
    return scale


def heatmap_quantities(lt: LayerTrace) -> tuple[str, ...]:
    """The rows of the heatmap panel: the kind's gates and candidate, then its belt."""
    return (*lt.spec.gates, lt.spec.belt)


def layer_trace(trace: Trace | LayerTrace, layer: str | None = None) -> LayerTrace:
    """The :class:`LayerTrace` to draw: ``trace[layer]``, the first layer, or ``trace``.

    Raises
    ------
    DataError
        ``layer`` is not a layer of ``trace``, or ``trace`` is neither a Trace nor a
        LayerTrace.
    """
    if isinstance(trace, LayerTrace):
        if layer is not None and layer != trace.name:
            raise DataError(f"this layer trace is {trace.name!r}, not {layer!r}.")
        return trace
    if not isinstance(trace, Trace):
        raise DataError(
            f"expected a Trace (from trace_gates / load_trace) or a LayerTrace; "
            f"got {type(trace).__name__}."
        )
    if len(trace) == 0:
        raise DataError("the trace holds no layer to show.")
    if layer is None:
        return trace[trace.layer_names[0]]
    if layer not in trace:
        raise DataError(f"unknown layer {layer!r}; this trace has layers {trace.layer_names}.")
    return trace[layer]


def check_index(value: Any, n: int, what: str, owner: str = "this trace") -> int:
    """``value`` as an int in ``[0, n)``, or a clear :class:`DataError`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise DataError(f"{what} must be a whole number, not {value!r}.")
    v = int(value)
    if not 0 <= v < n:
        raise DataError(f"{what} {v} is out of range: {owner} has {n} {what}s (0 to {n - 1}).")
    return v


def check_timestep(lt: LayerTrace, t: Any) -> int:
    """``t`` as a valid step of layer trace ``lt``, or a clear :class:`DataError`."""
    return check_index(t, lt.n_timesteps, "timestep", f"layer {lt.name!r}")


def check_units(units: Iterable[int] | int | None, lt: LayerTrace, default: int = 4) -> list[int]:
    """Validate a choice of units (None: the first ``default`` ones)."""
    if units is None:
        return list(range(min(default, lt.units)))
    if isinstance(units, (int, np.integer)) and not isinstance(units, bool):
        units = [int(units)]
    try:
        chosen = list(units)  # type: ignore[arg-type]
    except TypeError:
        raise DataError(f"units must be an int or a list of ints, not {units!r}.") from None
    if not chosen:
        raise DataError("choose at least one unit.")
    out = []
    for u in chosen:
        u = check_index(u, lt.units, "unit", f"layer {lt.name!r}")
        if u not in out:
            out.append(u)
    if len(out) > MAX_BELT_UNITS:
        raise DataError(
            f"{len(out)} units chosen; the conveyor belt shows at most {MAX_BELT_UNITS} at once."
        )
    return out


class SampleData:
    """Every per-step array of one sample of one layer, each (T, units), computed once.

    Holds every quantity of the layer's cell kind (an LSTM's ``forget`` ... ``hidden``),
    the belt's books (``previous``, ``kept``, ``forgotten``, ``written``, see
    :func:`lstm_explained.analysis.ledger`) and ``squashed`` = act(belt) (tanh for the
    default activation), plus ``mask`` (T,) or None.
    """

    def __init__(self, lt: LayerTrace, sample: int) -> None:
        sample = check_index(sample, lt.n_samples, "sample")
        self.layer = lt
        self.spec = lt.spec
        self.sample = sample
        one = lt.select(sample)
        led = one.ledger()
        self.arrays: dict[str, np.ndarray] = {
            q: np.asarray(a[0], dtype=np.float64) for q, a in one.arrays.items()
        }
        for q in ("previous", "kept", "forgotten", "written"):
            self.arrays[q] = np.asarray(getattr(led, q)[0], dtype=np.float64)
        act = get_activation(lt.activation)  # trace files hold known activations only
        self.arrays["squashed"] = np.asarray(act(self.arrays[self.spec.belt]), np.float64)
        self.mask = None if one.mask is None else np.asarray(one.mask[0], dtype=bool)
        self.n_timesteps = lt.n_timesteps

    def __getitem__(self, key: str) -> np.ndarray:
        return self.arrays[key]

    def activity(self, t: int) -> np.ndarray:
        """How much the belt changed hands at step t, per unit: |written| + |forgotten|."""
        return np.abs(self.arrays["written"][t]) + np.abs(self.arrays["forgotten"][t])

    def most_active(self, t: int, k: int = 4) -> list[int]:
        """The ``k`` units whose belt was most written or forgotten at step t."""
        a = self.activity(t)
        order = np.argsort(-a, kind="stable")
        return [int(u) for u in order[: max(1, min(k, len(a)))]]


def input_step(lt: LayerTrace, t: int, width: int) -> int:
    """Input timestep processed at step t of this layer (flipped for a backward one)."""
    i = width - 1 - t if lt.go_backwards else t
    return int(min(max(i, 0), width - 1))


def window_arrays(trace: Trace | LayerTrace, sample: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The model input the view (a) shows, in input order: (T,) values and fed-back mask."""
    if isinstance(trace, Trace) and "window" in trace.extras:
        w = np.asarray(trace.extras["window"][sample], dtype=np.float64)
        fed = trace.extras.get("fed_back")
        return w, None if fed is None else np.asarray(fed[sample], dtype=bool)
    first = trace if isinstance(trace, LayerTrace) else trace[trace.layer_names[0]]
    x = first.in_input_order("inputs")[sample]
    return np.asarray(x[:, 0], dtype=np.float64), None


def forecast_info(trace: Trace | LayerTrace) -> dict[str, Any] | None:
    """The ``info["forecast"]`` dict of a forecast trace, or None."""
    if isinstance(trace, Trace):
        f = trace.info.get("forecast")
        return f if isinstance(f, dict) else None
    return None


def extra(trace: Trace | LayerTrace, key: str, sample: int) -> Any:
    if isinstance(trace, Trace) and key in trace.extras:
        v = trace.extras[key]
        if v.ndim >= 1 and v.shape[0] == trace.n_samples:
            return v[sample]
    return None


def sample_label(trace: Trace | LayerTrace, sample: int) -> str:
    """A one-line description of a sample: forecast mode, step, target date and values.

    The strings it takes from the trace (dataset, run, date) are :func:`inline_label` s:
    plain text for HTML (escape it there) and for figures (through :func:`plain_label`).
    """
    fi = forecast_info(trace)
    if fi is None:
        return f"sample {sample}"
    mode = fi.get("mode")
    step = extra(trace, "forecast_step", sample)
    step = sample if step is None else int(step)
    names = {"multi": "multi-sequence", "full": "full-sequence", "point": "point-by-point"}
    dataset = fi.get("dataset")
    parts = [inline_label(dataset) if dataset else ""]
    # Counted from 0, like the sliders and the timestep t ("step 40 of 49"); where the
    # trace holds only some steps, the sample number (the slider's) is named too.
    which = "" if step == sample else f"sample {sample}: "
    n_steps = fi.get("n_steps")
    of = f" of {int(n_steps) - 1}" if is_whole(n_steps) else ""
    if mode == "multi":
        run = fi.get("run")
        run = run if is_whole(run) else inline_label(run)
        parts.append(f"{names[mode]} run {run}, {which}forecast step {step}{of}")
    elif mode == "full":
        parts.append(f"{names[mode]}, {which}forecast step {step}{of}")
    else:
        parts.append(f"point-by-point, {which}test window {step}")
    date = extra(trace, "target_date", sample)
    if date is not None:
        parts.append(f"target {inline_label(str(date)[:10])}")
    price = extra(trace, "prediction_price", sample) is not None
    suffix = "_price" if price else ""
    vals = []
    for key, name in (("target", "true"), ("prediction", "model"), ("persistence", "persist."),
                      ("ar", "AR")):
        v = extra(trace, key + suffix, sample)
        if v is not None and np.isfinite(v):
            vals.append(f"{name} {float(v):.4g}")
    if vals:
        parts.append(", ".join(vals))
    return " · ".join(p for p in parts if p)


def is_whole(value: Any) -> bool:
    """True for a whole number (a trace file's info can hold anything where one belongs)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def encode_png(rgba: np.ndarray, compress_level: int = 1, alpha: bool = False) -> bytes:
    """PNG bytes of an (H, W, 4) uint8 image; RGB only unless ``alpha``."""
    from PIL import Image

    arr = np.asarray(rgba)
    img = Image.fromarray(np.ascontiguousarray(arr if alpha else arr[..., :3]))
    buf = io.BytesIO()
    img.save(buf, format="png", compress_level=compress_level)
    return buf.getvalue()


def encode_jpeg(rgba: np.ndarray, quality: int = 90) -> bytes:
    """JPEG bytes of an (H, W, 4) uint8 image: about five times faster to encode than PNG,
    with full colour resolution (4:4:4) so thin coloured text stays clean."""
    from PIL import Image

    buf = np.asarray(rgba)
    img = Image.frombuffer("RGBA", (buf.shape[1], buf.shape[0]), buf, "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    img.convert("RGB").save(out, format="jpeg", quality=quality, subsampling=0)
    return out.getvalue()


__all__ = [
    "HEATMAP_SCALES",
    "MAX_BELT_UNITS",
    "SampleData",
    "check_index",
    "check_scale",
    "check_timestep",
    "check_units",
    "encode_jpeg",
    "encode_png",
    "extra",
    "forecast_info",
    "heatmap_quantities",
    "input_step",
    "layer_trace",
    "sample_label",
    "window_arrays",
]
