"""The gate inspector for JupyterLab: step through the gates and the conveyor belt.

:class:`GateInspector` is an ipywidgets 8 box built from a
:class:`~lstm_explained.trace.Trace` (never from a model, so an inspector of a saved trace
imports no TensorFlow). Its controls: Play and a step slider; the sample (for a forecast
trace: the forecast step); the layer; the units, with a button that picks the units the
belt moved most at this step. Its view is one image of
:class:`~lstm_explained.plots.inspector.InspectorFigure` (input window, conveyor belt at
step t, heatmaps, the first unit's traces).

Its state is public and scriptable: set ``inspector.timestep``, ``.sample``, ``.layer`` or
``.units`` from code and the controls and the view follow; :meth:`GateInspector.snapshot`
returns what is shown as PNG bytes (for slides).

Every string from the trace (layer names, the dataset, dates) is shown as text: escaped in
the status line, plain in the figure (see :func:`lstm_explained.plots.gates.plain_label`).

Speed: the figure is drawn once per sample / layer / units change; a step change only
moves the cursors, dots and numbers and re-encodes the image (see
``benchmarks/bench_inspector.py``).

Example
-------
>>> import lstm_explained as lx
>>> from lstm_explained.widgets import GateInspector
>>> trace = lx.load_trace("sine_multi.npz")            # doctest: +SKIP
>>> inspector = GateInspector(trace, units=[3, 7])     # doctest: +SKIP
>>> inspector                                          # doctest: +SKIP
>>> inspector.timestep = 25                            # doctest: +SKIP
>>> open("step25.png", "wb").write(inspector.snapshot())   # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

import ipywidgets as widgets
import numpy as np

from lstm_explained._widget_html import legend_html, status_html, unit_options
from lstm_explained.errors import DataError
from lstm_explained.labels import plain_label
from lstm_explained.plots.inspector import InspectorFigure
from lstm_explained.trace import LayerTrace, Trace
from lstm_explained.viewmodel import (
    HEATMAP_SCALES,
    MAX_BELT_UNITS,
    check_index,
    check_timestep,
    check_units,
    forecast_info,
    layer_trace,
    sample_label,
)

#: Longest layer name the layer menu shows (a longer one ends in "…").
MENU_LABEL_CHARS = 60


class GateInspector(widgets.VBox):
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
        How many units the "most active" button picks.
    interval : int
        Milliseconds between steps when playing.
    figsize : (float, float), optional
        Figure size in inches; the default is small enough for instant steps.
    dpi : float
        Pixels per inch of the image (90: text a class can read from a projector).
    heatmap_scale : {"fixed", "data"}
        Heatmap colours over each quantity's natural range, or stretched over its range in
        the sample (for gates that barely move); a toggle switches it.
    image_format : {"jpeg", "png"}
        Encoding of the live view: JPEG (quality 90, no chroma subsampling) encodes about
        five times faster than PNG, which keeps stepping instant on slow machines; PNG is
        lossless. :meth:`snapshot` is always PNG.

    Attributes
    ----------
    figure : InspectorFigure
        The rendered figure (its ``belt``, ``heatmaps``, ... views hold what is shown).
    image : ipywidgets.Image
        The view; its ``value`` is the PNG of the current state.
    play, step_slider, sample_slider, layer_dropdown, units_select, active_button, \
    scale_toggle : widgets
        The controls.

    Raises
    ------
    DataError
        An unknown layer, or a sample, step or unit out of range (here and when setting
        the attributes later).

    Example
    -------
    >>> inspector = GateInspector(trace)          # doctest: +SKIP
    >>> inspector.layer = "lstm_1"                # doctest: +SKIP
    >>> inspector.units = inspector.most_active(3)   # doctest: +SKIP
    """

    def __init__(
        self,
        trace: Trace,
        layer: str | None = None,
        sample: int = 0,
        timestep: int = 0,
        units: Iterable[int] | int | None = None,
        n_active: int = 4,
        interval: int = 250,
        figsize: tuple[float, float] | None = None,
        dpi: float = 90.0,
        heatmap_scale: str = "fixed",
        image_format: str = "jpeg",
    ) -> None:
        if image_format not in ("jpeg", "png"):
            raise DataError(f"image_format must be 'jpeg' or 'png', not {image_format!r}.")
        self.image_format = image_format
        if isinstance(trace, LayerTrace):
            trace = Trace([trace])
        lt = layer_trace(trace, layer)  # validates trace and layer
        self.trace = trace
        self.n_active = int(n_active)
        self.figure = InspectorFigure(
            trace, lt.name, sample, timestep, units, figsize, dpi, heatmap_scale
        )
        self._quiet = False
        fi = forecast_info(trace)
        steps = trace.extras.get("forecast_step")
        every_step = steps is not None and np.array_equal(steps, np.arange(trace.n_samples))
        # the slider is "forecast step" only where its number is the forecast step
        sample_name = "forecast step" if fi is not None and every_step else "sample"

        style = {"description_width": "initial"}
        self.play = widgets.Play(
            value=self.figure.timestep, min=0, max=lt.n_timesteps - 1, step=1,
            interval=int(interval), description="Play", layout=widgets.Layout(width="auto"),
        )
        self.step_slider = widgets.IntSlider(
            value=self.figure.timestep, min=0, max=lt.n_timesteps - 1,
            description="step t", continuous_update=True, style=style,
            layout=widgets.Layout(width="360px"),
        )
        widgets.jslink((self.play, "value"), (self.step_slider, "value"))
        self.sample_slider = widgets.IntSlider(
            value=self.figure.sample, min=0, max=max(0, trace.n_samples - 1),
            description=sample_name, continuous_update=False, style=style,
            layout=widgets.Layout(width="360px"),
        )
        self.layer_dropdown = widgets.Dropdown(
            options=[(plain_label(name, MENU_LABEL_CHARS), name) for name in trace.layer_names],
            value=lt.name, description="layer", style=style, layout=widgets.Layout(width="auto"),
        )
        self.units_select = widgets.SelectMultiple(
            options=unit_options(lt.units), value=tuple(self.figure.units), rows=4,
            description=f"units (≤{MAX_BELT_UNITS})", style=style,
            layout=widgets.Layout(width="190px"),
        )
        self.active_button = widgets.Button(
            description="most active at t", icon="bolt",
            tooltip=f"the {self.n_active} units whose cell state was most written or "
            "forgotten at this step",
            layout=widgets.Layout(width="auto"),
        )
        self.scale_toggle = widgets.ToggleButtons(
            options=[("fixed", "fixed"), ("stretched", "data")],
            value=self.figure.heatmap_scale, description="heatmaps", style=style,
            tooltips=["gates over [0, 1], C~ over [-1, 1]",
                      "each row over its own range in this sample"],
        )
        self.scale_toggle.style.button_width = "86px"
        self.status = widgets.HTML()
        self.image = widgets.Image(format=image_format, value=self._encode())
        # natural size (never blown up), shrunk to fit a narrow notebook
        self.image.width = str(self.figure.canvas.get_width_height()[0])
        self.image.layout = widgets.Layout(max_width="100%", height="auto")

        self.step_slider.observe(self._on_step, names="value")
        self.sample_slider.observe(self._on_sample, names="value")
        self.layer_dropdown.observe(self._on_layer, names="value")
        self.units_select.observe(self._on_units, names="value")
        self.scale_toggle.observe(self._on_scale, names="value")
        self.active_button.on_click(lambda _b: self.show_most_active())

        controls = widgets.HBox(
            [
                widgets.VBox(
                    [widgets.HBox([self.play, self.step_slider]), self.sample_slider,
                     widgets.HBox([self.layer_dropdown, self.active_button, self.scale_toggle]),
                     widgets.HTML(legend_html(lt.spec))]
                ),
                self.units_select,
            ]
        )
        super().__init__([controls, self.status, self.image])
        self.add_class("lstm-explained-inspector")
        self.layout.max_width = f"{max(760, self.figure.canvas.get_width_height()[0] + 8)}px"
        self._update_status()

    # -- public state --------------------------------------------------------------
    @property
    def timestep(self) -> int:
        """The step shown (of the current layer)."""
        return self.figure.timestep

    @timestep.setter
    def timestep(self, value: int) -> None:
        t = check_timestep(self.figure.layer, value)
        if t == self.step_slider.value and t == self.figure.timestep:
            return
        self.step_slider.value = t  # the observer renders
        if self.figure.timestep != t:  # the slider already held t (e.g. a failed render)
            self._render_step(t)

    @property
    def sample(self) -> int:
        """The sample shown (for a forecast trace: the forecast step's index)."""
        return self.figure.sample

    @sample.setter
    def sample(self, value: int) -> None:
        s = check_index(value, self.trace.n_samples, "sample")
        self.sample_slider.value = s
        if self.figure.sample != s:
            self._rebuild(sample=s)

    @property
    def layer(self) -> str:
        """The name of the layer shown."""
        return self.figure.layer.name

    @layer.setter
    def layer(self, value: str) -> None:
        layer_trace(self.trace, value)  # validates
        self.layer_dropdown.value = value
        if self.figure.layer.name != value:
            self._rebuild(layer=value)

    @property
    def units(self) -> tuple[int, ...]:
        """The units on the belt (the first one drives the unit-traces panel)."""
        return tuple(self.figure.units)

    @units.setter
    def units(self, value: Iterable[int] | int) -> None:
        chosen = check_units(value, self.figure.layer)
        with self._silenced():
            self.units_select.value = tuple(chosen)
        if list(chosen) != self.figure.units:
            self._rebuild(units=chosen)

    @property
    def heatmap_scale(self) -> str:
        """``"fixed"`` or ``"data"``: the heatmaps' colour ranges."""
        return self.figure.heatmap_scale

    @heatmap_scale.setter
    def heatmap_scale(self, value: str) -> None:
        if value not in HEATMAP_SCALES:
            raise DataError(
                f"heatmap scale must be one of {list(HEATMAP_SCALES)}, not {value!r}."
            )
        self.scale_toggle.value = value
        if self.figure.heatmap_scale != value:
            self._rebuild(heatmap_scale=value)

    @property
    def n_timesteps(self) -> int:
        """Number of steps of the current layer."""
        return self.figure.layer.n_timesteps

    def most_active(self, k: int | None = None) -> list[int]:
        """The ``k`` units whose cell state was most written or forgotten at this step:
        activity ``|i_t C~_t| + |(1 - f_t) C_{t-1}|``, what the belt took on plus dropped."""
        k = self.n_active if k is None else int(k)
        return self.figure.data.most_active(self.timestep, min(k, MAX_BELT_UNITS))

    def show_most_active(self, k: int | None = None) -> None:
        """Put the most active units of this step on the belt."""
        self.units = self.most_active(k)

    def snapshot(self) -> bytes:
        """What is shown, as PNG bytes (e.g. for a slide), rendered losslessly."""
        return self.figure.png(compress_level=6)

    def _encode(self) -> bytes:
        return self.figure.jpeg() if self.image_format == "jpeg" else self.figure.png()

    # -- internals -----------------------------------------------------------------
    @contextlib.contextmanager
    def _silenced(self) -> Iterator[None]:
        old, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = old

    def _render_step(self, t: int) -> None:
        self.figure.set_timestep(t)
        self.image.value = self._encode()
        self._update_status()

    def _rebuild(
        self,
        layer: str | None = None,
        sample: int | None = None,
        units: list[int] | None = None,
        heatmap_scale: str | None = None,
    ) -> None:
        fig = self.figure
        new_layer = layer_trace(self.trace, layer or fig.layer.name)
        if units is None:
            units = [u for u in fig.units if u < new_layer.units] or None
        t = min(fig.timestep, new_layer.n_timesteps - 1)
        fig.setup(new_layer.name, fig.sample if sample is None else sample, units, t,
                  heatmap_scale)
        with self._silenced():
            if layer is not None:
                self.units_select.options = unit_options(new_layer.units)
                self.step_slider.max = self.play.max = new_layer.n_timesteps - 1
            self.units_select.value = tuple(fig.units)
            self.step_slider.value = fig.timestep
        self.image.value = self._encode()
        self._update_status()

    def _update_status(self) -> None:
        fig, u = self.figure, self.figure.units[0]
        self.status.value = status_html(sample_label(self.trace, fig.sample), fig.layer,
                                        fig.timestep, u, fig.data.readout(fig.timestep, u))

    # -- observers (the controls) --------------------------------------------------
    def _on_step(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        self._render_step(int(change["new"]))

    def _on_sample(self, change: dict[str, Any]) -> None:
        if self._quiet or int(change["new"]) == self.figure.sample:
            return
        self._rebuild(sample=int(change["new"]))

    def _on_layer(self, change: dict[str, Any]) -> None:
        if self._quiet or change["new"] == self.figure.layer.name:
            return
        self._rebuild(layer=change["new"])

    def _on_scale(self, change: dict[str, Any]) -> None:
        if self._quiet or change["new"] == self.figure.heatmap_scale:
            return
        self._rebuild(heatmap_scale=change["new"])

    def _on_units(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        chosen = list(change["new"])
        if not chosen:  # keep at least one unit: restore the current choice
            with self._silenced():
                self.units_select.value = tuple(self.figure.units)
            return
        if len(chosen) > MAX_BELT_UNITS:
            chosen = chosen[:MAX_BELT_UNITS]
            with self._silenced():
                self.units_select.value = tuple(chosen)
        if chosen != self.figure.units:
            self._rebuild(units=chosen)


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
