"""The gate inspector for JupyterLab: step through the gates and the conveyor belt.

:class:`GateInspector` is an `anywidget <https://anywidget.dev>`_ widget built from a
:class:`~lstm_explained.trace.Trace` (never from a model, so an inspector of a saved trace
imports no TensorFlow). It runs the very front end the exported HTML file runs
(``lstm_explained/front/inspector.js`` and ``inspector.css``): the browser draws the cell
diagram, heatmaps, unit lines and input window from a compact payload
(:func:`lstm_explained.inspector_data.inspector_payload`, sent once as bytes), and steps
with no round trip to the kernel. It works in JupyterLab, Notebook 7, VS Code and Colab.

Its state is public, scriptable and synced both ways: ``timestep``, ``sample``, ``layer``
and ``units`` are traits. Set one from code and the view follows; move a control (or press
an arrow key) in the browser and the trait changes in the kernel (``observe`` works).
:meth:`GateInspector.snapshot` draws what is shown with matplotlib as PNG bytes (slides).

Where no kernel runs the widget (the course site, a notebook viewer), the output's
``text/html`` entry is the kernel-free inspector (:mod:`lstm_explained.notebook`).

Every string from the trace (layer names, the dataset, dates) reaches the page as text:
the front end sets ``textContent`` only.

Example
-------
>>> import lstm_explained as lx
>>> from lstm_explained.widgets import GateInspector
>>> trace = lx.trace.toy_trace()            # or lx.load_trace("sine_multi.npz")
>>> inspector = GateInspector(trace, units=[3, 4])   # a notebook cell ending here shows it
>>> inspector.timestep = 5                           # the view follows
>>> inspector.units, inspector.timestep
((3, 4), 5)
>>> inspector.snapshot()[1:4]                        # a PNG for slides
b'PNG'
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

from lstm_explained.errors import DataError
from lstm_explained.inspector_data import DEFAULT_MAX_BYTES, FRONT_MODULE, inspector_payload
from lstm_explained.lab_payload import (
    MAX_LAB_PARAMETERS,
    check_stack,
    clamps_from_json,
    trace_lab,
)
from lstm_explained.trace import LayerTrace, Trace
from lstm_explained.viewmodel import (
    HEATMAP_SCALES,
    MAX_BELT_UNITS,
    SampleData,
    check_index,
    check_timestep,
    check_units,
    layer_trace,
)

_FRONT = Path(__file__).parent / "front"


class GateInspector(anywidget.AnyWidget):
    """Step through an LSTM trace: gates, conveyor belt, heatmaps and unit traces.

    Parameters
    ----------
    trace : Trace
        From :func:`lstm_explained.trace_gates`,
        :func:`lstm_explained.forecast_trace.trace_forecast` or :func:`load_trace`.
    layer : str, optional
        Layer to show first; the first layer by default.
    sample : int
        Sample (forecast step) to show first.
    timestep : int
        Step to show first.
    units : list of int, optional
        Up to 8 units for the belt; the first four by default.
    n_active : int
        How many units :meth:`most_active` picks by default.
    figsize : (float, float), optional
        Size in inches of :meth:`snapshot`'s figure.
    dpi : float
        Pixels per inch of :meth:`snapshot` (150: a 9-inch figure is 1350 px wide, sharp
        on a projector).
    heatmap_scale : {"fixed", "data"}
        The heatmaps' colour ranges in :meth:`snapshot` (the browser has its own switch).
    max_bytes : int
        Largest compressed payload sent to the browser (every sample, layer and unit is
        sent; a bigger trace is refused, never thinned: trace fewer samples).
    lab : lstm_explained.lab.Stack, optional
        The trace's model as numpy (``Stack.from_model(model)``): the view gets a gate lab
        (a gate set or scaled, the counterfactual rerun in the browser beside the original;
        :mod:`lstm_explained.lab_payload`). In JupyterLab it reruns in the kernel too.
    lab_max_parameters : int
        Largest model whose weights are sent for the gate lab.

    Attributes
    ----------
    timestep, sample, layer, units : traits
        What is shown; synced with the browser both ways. ``layer`` is the layer's name as
        shown (a name with control characters shows them as U+FFFD).
    clamps : trait
        The gate lab's clamps, a list of ``{gate, mode, value, layer, units, steps}``
        (``[]``: none); synced both ways.
    intervention : lstm_explained.lab.Intervention or None
        The current clamps rerun in numpy (:meth:`lstm_explained.lab.Stack.run`) over
        every sample of the trace, in the kernel, when read (once per set of clamps: a
        slider dragged in the page costs the kernel nothing); None without clamps. For a
        fed-back forecast from its first step (as the page, see
        :func:`lstm_explained.lab_payload.fed_back_forecast`) the whole forecast is rerun,
        each step on the window the clamped model would have seen.

    Raises
    ------
    DataError
        An unknown layer, or a sample, step or unit out of range (here and when setting
        the attributes later).

    Example
    -------
    >>> from lstm_explained.trace import toy_trace
    >>> inspector = GateInspector(toy_trace())
    >>> inspector.layer = "lstm_1"
    >>> inspector.units = inspector.most_active(3)
    >>> len(inspector.units)
    3
    """

    _esm = "\n".join((_FRONT / name).read_text(encoding="utf-8") for name in FRONT_MODULE)
    _css = _FRONT / "inspector.css"
    _meta = traitlets.Dict().tag(sync=True)
    _data = traitlets.Bytes().tag(sync=True)
    # Any, validated below: our own DataError, not traitlets' TraitError, for bad values
    timestep = traitlets.Any(0).tag(sync=True)
    sample = traitlets.Any(0).tag(sync=True)
    layer = traitlets.Any("").tag(sync=True)
    units = traitlets.Any(()).tag(sync=True)
    clamps = traitlets.Any([]).tag(sync=True)

    def __init__(
        self,
        trace: Trace,
        layer: str | None = None,
        sample: int = 0,
        timestep: int = 0,
        units: Iterable[int] | int | None = None,
        n_active: int = 4,
        figsize: tuple[float, float] | None = None,
        dpi: float = 150.0,
        heatmap_scale: str = "fixed",
        max_bytes: int = DEFAULT_MAX_BYTES,
        lab: Any = None,
        lab_max_parameters: int = MAX_LAB_PARAMETERS,
    ) -> None:
        if isinstance(trace, LayerTrace):
            trace = Trace([trace])
        lt = layer_trace(trace, layer)  # validates trace and layer
        if lab is not None:
            check_stack(lab)
        if heatmap_scale not in HEATMAP_SCALES:
            raise DataError(
                f"heatmap scale must be one of {list(HEATMAP_SCALES)}, not {heatmap_scale!r}."
            )
        self.trace = trace
        self.n_active = int(n_active)
        self.figsize, self.dpi, self.heatmap_scale = figsize, float(dpi), heatmap_scale
        meta, blob = inspector_payload(trace, max_bytes=max_bytes)
        self.lab: Any = None
        self._base: Any = None
        self._rerun: tuple[Any, Any] = (None, None)
        self._fed_back = False
        if lab is not None:
            meta["lab"] = trace_lab(lab, trace, meta["samples"],
                                    max_parameters=lab_max_parameters)
            self.lab = None if "omitted" in meta["lab"] else lab
            # a fed-back forecast is rerun whole, as the page reruns it
            self._fed_back = bool(meta["lab"].get("forecast", {}).get("fedBack"))
        # the page's names (control characters shown as U+FFFD) -> the trace's names
        pairs = zip(meta["layers"], trace.layer_names, strict=True)
        self._names = {m["name"]: name for m, name in pairs}
        shown = next(m for m, name in self._names.items() if name == lt.name)
        start = {
            "layer": shown,
            "sample": check_index(sample, trace.n_samples, "sample"),
            "timestep": check_timestep(lt, timestep),
            "units": tuple(check_units(units, lt)),
        }
        meta["initial"] = dict(start, units=list(start["units"]))
        self._blob = blob
        super().__init__(_meta=meta, _data=blob, **start)

    # -- validation of the synced state (from Python and from the browser) -------------
    def _layer_of(self, name: Any) -> LayerTrace:
        return layer_trace(self.trace, self._names.get(name, name))

    @traitlets.validate("layer")
    def _check_layer(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"]
        if value in self._names:
            return value
        name = layer_trace(self.trace, value).name  # DataError for an unknown layer
        return next(shown for shown, raw in self._names.items() if raw == name)

    @traitlets.validate("sample")
    def _check_sample(self, proposal: dict[str, Any]) -> int:
        return check_index(proposal["value"], self.trace.n_samples, "sample")

    @traitlets.validate("timestep")
    def _check_timestep(self, proposal: dict[str, Any]) -> int:
        return check_timestep(self._layer_of(self.layer), proposal["value"])

    @traitlets.validate("units")
    def _check_units(self, proposal: dict[str, Any]) -> tuple[int, ...]:
        value = proposal["value"]
        if isinstance(value, (list, tuple)) and not value:
            raise DataError("choose at least one unit for the belt.")
        return tuple(check_units(value, self._layer_of(self.layer)))

    @traitlets.validate("clamps")
    def _check_clamps(self, proposal: dict[str, Any]) -> list[dict[str, Any]]:
        value = [] if proposal["value"] is None else proposal["value"]
        if value and self.lab is None:
            raise DataError("this inspector has no gate lab: give it one with "
                            "lab=Stack.from_model(model).")
        if not value:
            return []
        clamps_from_json(self.lab, value, self.trace[self.lab.layers[0].name].n_timesteps)
        # as the page reads them: the layer as its index from 0, plain numbers
        n = len(self.lab.layers)
        return [dict(c, layer=int(c["layer"]) % n, value=float(c["value"])) for c in value]

    @property
    def intervention(self) -> Any:
        """The clamps rerun in the kernel (see the class's attributes)."""
        from lstm_explained.lab import Intervention, counterfactual_trace

        if not self.clamps:
            return None
        key = repr(self.clamps)
        if self._rerun[0] != key:
            first = self.trace[self.lab.layers[0].name]
            x = np.asarray(first.in_input_order("inputs"), np.float32)
            clamps = clamps_from_json(self.lab, self.clamps, x.shape[1])
            if self._base is None:
                self._base = self.lab.run(x)[0]
            if self._fed_back:  # each step's window holds the clamped predictions before it
                from lstm_explained.forecast_trace import clamped_forecast, fed_back_windows

                y = clamped_forecast(self.lab, clamps, x, "multi", 0, len(x))
                x = fed_back_windows(x[0, :, 0], y, np.arange(len(x)))
            outputs, runs = self.lab.run(x, clamps)
            cf = counterfactual_trace(self.lab, runs, clamps, {"from": "GateInspector"})
            self._rerun = (key, Intervention(outputs, self._base, cf, self.trace, clamps))
        return self._rerun[1]

    @traitlets.observe("layer")
    def _on_layer(self, change: dict[str, Any]) -> None:
        # a new layer from Python: keep the step and the units where they exist there
        lt = self._layer_of(change["new"])
        with self.hold_sync():
            if self.timestep >= lt.n_timesteps:
                self.timestep = lt.n_timesteps - 1
            kept = [u for u in self.units if u < lt.units]
            if list(kept) != list(self.units):
                self.units = kept or check_units(None, lt)

    # -- public methods ------------------------------------------------------------
    @property
    def n_timesteps(self) -> int:
        """Number of steps of the current layer."""
        return self._layer_of(self.layer).n_timesteps

    def most_active(self, k: int | None = None) -> list[int]:
        """The ``k`` units whose cell state was most written or forgotten at this step:
        activity ``|i_t C~_t| + |(1 - f_t) C_{t-1}|``, what the belt took on plus dropped."""
        k = self.n_active if k is None else int(k)
        data = SampleData(self._layer_of(self.layer), self.sample)
        return data.most_active(self.timestep, min(k, MAX_BELT_UNITS))

    def show_most_active(self, k: int | None = None) -> None:
        """Put the most active units of this step on the belt."""
        self.units = self.most_active(k)

    def snapshot(self) -> bytes:
        """What is shown (layer, sample, step, units), drawn by matplotlib
        (:class:`~lstm_explained.plots.inspector.InspectorFigure`) as PNG bytes, at
        ``dpi`` (150 by default: sharp on a projector)."""
        from lstm_explained.plots.inspector import InspectorFigure

        figure = InspectorFigure(self.trace, self._names[self.layer], self.sample,
                                 self.timestep, list(self.units), self.figsize, self.dpi,
                                 self.heatmap_scale)
        return figure.png(compress_level=6)

    # -- kernel-free fallback --------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        """The widget view, plus the kernel-free inspector as ``text/html`` (at the
        current state) for where no kernel runs widgets (the course site prefers it)."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/html"] = self.static_html()
        return bundle

    def static_html(self) -> str:
        """The kernel-free inspector (an ``<iframe srcdoc>`` of the exported page) at the
        current state."""
        from lstm_explained.export import payload_page
        from lstm_explained.notebook import frame_html

        meta = dict(self._meta, initial={"layer": self.layer, "sample": self.sample,
                                         "timestep": self.timestep,
                                         "units": list(self.units),
                                         "clamps": list(self.clamps)})
        return frame_html(payload_page(meta, self._blob), f"Gate inspector: {meta['title']}")


def inspect(trace: Trace | str, **kwargs: Any) -> GateInspector:
    """A :class:`GateInspector` of a trace or of a saved trace file.

    Example
    -------
    >>> inspect("sine_multi.npz", units=[0, 1])   # doctest: +SKIP
    """
    if isinstance(trace, (str, bytes)) or hasattr(trace, "__fspath__"):
        from lstm_explained.trace import load_trace

        trace = load_trace(trace)  # type: ignore[arg-type]
    if not isinstance(trace, (Trace, LayerTrace)):
        raise DataError(f"inspect needs a Trace or a trace file, not {type(trace).__name__}.")
    return GateInspector(trace, **kwargs)


__all__ = ["GateInspector", "inspect"]
