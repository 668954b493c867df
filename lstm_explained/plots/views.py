"""The views of a trace, each on matplotlib axes: draw once, then follow the timestep.

Every view's ``set_timestep`` moves only its *animated* artists (cursors, dots, the belt's
colours and numbers), so a figure can be re-rendered quickly by blitting
(:class:`lstm_explained.plots.inspector.InspectorFigure`). Names, symbols and colours come
from the trace's cell kind (:mod:`lstm_explained.kinds`); labels from the trace are drawn
as plain text (:mod:`lstm_explained.labels`).

* :class:`WindowView`: (a) the model's input window (and a forecast's story);
* :class:`BeltView`: (b) the conveyor belt at step t, with the numbers;
* :class:`HeatmapView`: (c) units x time heatmaps of the gates and the belt;
* :class:`UnitTracesView`: (d) one unit's every quantity over time.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle

from lstm_explained.errors import DataError
from lstm_explained.labels import PLAIN_TEXT, plain_label
from lstm_explained.trace import LayerTrace, Trace
from lstm_explained.viewmodel import (
    SampleData,
    check_scale,
    extra,
    forecast_info,
    heatmap_quantities,
    input_step,
    sample_label,
    window_arrays,
)

TRUE_COLOR = "#444444"
MODEL_COLOR = "#0072B2"
BASELINE_COLOR = "#999999"
#: The linear autoregression beside persistence (lx.forecast.linear_ar), Okabe-Ito orange.
AR_COLOR = "#E69F00"
CURSOR_COLOR = "#222222"


class View(ABC):
    """Base of the views: ``animated`` artists change with the timestep, the rest not."""

    animated: list[Artist]

    @abstractmethod
    def set_timestep(self, t: int) -> None:
        """Move the view's animated artists to timestep ``t``."""

    def _animate(self, *artists: Artist) -> None:
        for a in artists:
            a.set_animated(True)
            self.animated.append(a)


class WindowView(View):
    """(a) The model's input window, the current step marked; forecasts add their story.

    Fed-back predictions (multi / full forecasts) are drawn as circles on a dashed line; at
    x = T sit the target (star), the prediction (circle), the persistence baseline
    (square) and, when the trace holds it, the linear AR baseline (diamond). When prices
    are known (normalised windows with their p0), a second y axis on the right reads the
    same values in price units.
    """

    def __init__(
        self,
        ax: Axes,
        trace: Trace | LayerTrace,
        lt: LayerTrace,
        sample: int,
        timestep: int = 0,
        title: bool = True,
    ) -> None:
        self.animated = []
        self.ax, self.lt = ax, lt
        values, fed = window_arrays(trace, sample)
        self.values = values
        width = len(values)
        self.width = width
        steps = np.arange(width)
        ax.plot(steps, values, color=TRUE_COLOR, lw=1.3, label="input window")
        if fed is not None and fed.any():
            ax.plot(steps[fed], values[fed], "o", ms=3, color=MODEL_COLOR,
                    label="fed-back predictions")
        fi = forecast_info(trace)
        if fi is not None:
            for key, marker, color, label in (
                ("target", "*", TRUE_COLOR, "target"),
                ("prediction", "o", MODEL_COLOR, "prediction"),
                ("persistence", "s", BASELINE_COLOR, "persistence"),
                ("ar", "D", AR_COLOR, "linear AR"),
            ):
                v = extra(trace, key, sample)
                if v is not None and np.isfinite(v):
                    ax.plot([width], [v], marker, ms=8 if marker == "*" else 6, color=color,
                            label=label, mec="white", mew=0.6)
            p0 = extra(trace, "p0", sample)
            if p0 is not None and fi.get("price_units"):
                p0 = float(p0)
                sec = ax.secondary_yaxis(
                    "right", functions=(lambda v: p0 * (v + 1.0), lambda p: p / p0 - 1.0)
                )
                sec.set_ylabel("price", fontsize=8)
                sec.tick_params(labelsize=7)
            ax.set_ylabel(plain_label(fi.get("value_units", "value")), fontsize=8,
                          **PLAIN_TEXT)
        else:
            ax.set_ylabel("input (feature 0)", fontsize=8)
        ax.set_xlim(-1, width + 1)
        ax.set_xlabel("input timestep", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6, loc="best", framealpha=0.7)
        if title:
            ax.set_title(plain_label(sample_label(trace, sample), 150), fontsize=8,
                         **PLAIN_TEXT)
        self.cursor = ax.axvline(0, color=CURSOR_COLOR, lw=1, ls=":")
        (self.dot,) = ax.plot([0], [values[0]], "o", ms=7, mfc="none", mec=CURSOR_COLOR,
                              mew=1.5)
        self.label = ax.text(0.01, 0.97, "", transform=ax.transAxes, fontsize=7, va="top")
        self._animate(self.cursor, self.dot, self.label)
        self.set_timestep(timestep)

    def set_timestep(self, t: int) -> None:
        i = input_step(self.lt, t, self.width)
        self.cursor.set_xdata([i, i])
        self.dot.set_data([i], [self.values[i]])
        self.label.set_text(f"t = {t}: x = {self.values[i]:+.4f}")


class BeltView(View):
    """(b) The conveyor belt at step t: one row of numbered boxes per unit.

    Columns, left to right: C_{t-1}; f_t, kept f*C_{t-1}, forgotten (1-f)*C_{t-1};
    i_t, C~_t, written i*C~_t; C_t = kept + written; tanh(C_t), o_t, h_t = o_t*tanh(C_t).
    A box's colour is its part's colour, its strength the value's size. The numbers shown
    are in :attr:`texts` (``texts[key][row]``) and :meth:`values`.
    """

    def __init__(self, ax: Axes, data: SampleData, units: Sequence[int], timestep: int = 0) -> None:
        self.animated = []
        self.ax, self.data, self.units = ax, data, list(units)
        spec = data.spec
        self.columns = spec.belt_columns
        n = len(self.units)
        ax.set_xlim(-0.9, len(self.columns))
        ax.set_ylim(n + 0.05, -2.45)
        ax.set_axis_off()
        scale = max(1.0, float(np.max(np.abs(data[spec.belt]))))
        on_belt = ("previous", "kept", "forgotten", spec.belt)
        self.scales = {c.key: (scale if c.key in on_belt else 1.0) for c in self.columns}
        act = "" if data.layer.activation == "tanh" else data.layer.activation
        for g0, g1, title, color in _groups(spec):
            ax.plot([g0 + 0.06, g1 + 0.94], [-1.2, -1.2], color=color, lw=2.5,
                    solid_capstyle="butt")
            ax.text((g0 + g1 + 1) / 2, -1.3, title, ha="center", va="bottom", fontsize=7,
                    color=color)
        for j, col in enumerate(self.columns):
            label, plain = col.symbol, {}
            if col.key == "squashed" and act:
                label, plain = _activation_label(act, col)
            ax.text(j + 0.5, -0.55, label, ha="center", va="center", fontsize=8,
                    color=spec.color_of(col.color_of), **plain)
            if col.op:
                ax.text(j, -0.55, col.op, ha="center", va="center", fontsize=8,
                        color="#666666")
        self.rects: dict[str, list[Rectangle]] = {}
        self.texts: dict[str, list[Any]] = {}
        for r, u in enumerate(self.units):
            ax.text(-0.1, r + 0.5, f"unit {u}", ha="right", va="center", fontsize=7)
        for j, col in enumerate(self.columns):
            color = spec.color_of(col.color_of)
            self.rects[col.key], self.texts[col.key] = [], []
            for r in range(n):
                rect = Rectangle((j + 0.04, r + 0.06), 0.92, 0.88, facecolor=color,
                                 edgecolor=color, lw=1.0)
                ax.add_patch(rect)
                txt = ax.text(j + 0.5, r + 0.5, "", ha="center", va="center", fontsize=7.5)
                self.rects[col.key].append(rect)
                self.texts[col.key].append(txt)
                self._animate(rect, txt)
        self.title = ax.text(-0.85, -2.4, "", ha="left", va="top", fontsize=8)
        self._animate(self.title)
        self.timestep = timestep
        self.set_timestep(timestep)

    def values(self, t: int | None = None) -> dict[str, np.ndarray]:
        """The numbers of every column at step t (default: the current one), (len(units),)."""
        t = self.timestep if t is None else t
        return {c.key: self.data[c.key][t, self.units] for c in self.columns}

    def set_timestep(self, t: int) -> None:
        self.timestep = t
        vals = self.values(t)
        masked = self.data.mask is not None and not self.data.mask[t]
        spec = self.data.spec
        for col in self.columns:
            key = col.key
            scale = self.scales[key]
            rgb = to_rgb(spec.color_of(col.color_of))
            for r, v in enumerate(vals[key]):
                alpha = 0.06 + 0.64 * min(1.0, abs(float(v)) / scale)
                self.rects[key][r].set_facecolor((*rgb, alpha))
                self.texts[key][r].set_text(format_value(v))
        note = " (masked: the belt passes unchanged)" if masked else ""
        self.title.set_text(f"conveyor belt at step t = {t}{note}")


def _groups(spec: Any) -> list[tuple[int, int, str, str]]:
    """(first column, last column, title, colour) of each run of belt columns in a group."""
    out: list[tuple[int, int, str, str]] = []
    for j, col in enumerate(spec.belt_columns):
        if out and out[-1][2] == col.group:
            out[-1] = (out[-1][0], j, col.group, out[-1][3])
        else:
            out.append((j, j, col.group, spec.color_of(col.color_of)))
    return out


def _activation_label(act: str, col: Any) -> tuple[str, dict[str, Any]]:
    """The belt's header of act(belt): the column's tanh symbol with the activation's name
    (one of Keras' names: a layer trace holds no other) in its place, and text keywords."""
    name = act.replace("_", r"\_")
    return col.symbol.replace(r"\tanh", rf"\mathrm{{{name}}}", 1), {}


def format_value(v: float) -> str:
    """How the belt writes a number: sign and three decimals, e.g. ``+0.123``."""
    return f"{v:+.3f}"


class HeatmapView(View):
    """(c) Units x time heatmaps of f, i, C~, o and C for one sample, cursor at step t.

    ``scale="fixed"``: gates use [0, 1], C~ uses [-1, 1], C is centred on 0 at the sample's
    largest |C|. ``scale="data"`` stretches each gate's colours over its own range in this
    sample (signed quantities stay centred on 0), for gates that barely move; the range
    is written at the right of each row either way. The belt's units are ticked.
    """

    def __init__(
        self,
        axes: Sequence[Axes],
        data: SampleData,
        units: Sequence[int] = (),
        timestep: int = 0,
        quantities: Sequence[str] | None = None,
        colorbar: bool = True,
        scale: str = "fixed",
    ) -> None:
        check_scale(scale)
        spec = data.spec
        quantities = heatmap_quantities(data.layer) if quantities is None else quantities
        self.animated = []
        self.cursors = []
        cmax = max(1e-6, float(np.max(np.abs(data[spec.belt]))))
        t_count = data.n_timesteps
        for k, (ax, q) in enumerate(zip(axes, quantities, strict=True)):
            if q not in data.arrays:
                raise DataError(f"unknown quantity {q!r}; use one of {sorted(data.arrays)}.")
            lim = (0.0, 1.0) if q in spec and spec[q].range == "unit" else (-1.0, 1.0)
            if q in (spec.belt, "previous", "kept", "forgotten", "written"):
                lim = (-cmax, cmax)
            values = data[q]
            lo, hi = float(np.min(values)), float(np.max(values))
            if scale == "data":
                if lim[0] < 0:
                    m = max(abs(lo), abs(hi), 1e-6)
                    lim = (-m, m)
                else:
                    pad = max(1e-6, 0.02 * (hi - lo))
                    lim = (lo - pad, hi + pad)
            ax.text(1.003, 0.5, f"{lo:+.2f}\n{hi:+.2f}", transform=ax.transAxes, fontsize=5,
                    va="center", ha="left", color="#555555")
            im = ax.imshow(data[q].T, aspect="auto", interpolation="nearest", origin="lower",
                           cmap=spec[q].cmap if q in spec else "RdBu_r", vmin=lim[0],
                           vmax=lim[1],
                           extent=(-0.5, t_count - 0.5, -0.5, data[q].shape[1] - 0.5))
            ax.set_ylabel(spec[q].symbol if q in spec else q,
                          color=spec.color_of(q) if q in spec else "black", fontsize=9,
                          rotation=0, ha="right", va="center")
            if units:  # tick the belt's units, unlabelled (neighbours would overlap)
                ax.set_yticks(list(units))
                ax.set_yticklabels([])
                ax.tick_params(axis="y", length=4, width=1.2, color=CURSOR_COLOR)
            else:
                ax.tick_params(labelsize=6)
            ax.tick_params(axis="x", labelsize=6, labelbottom=k == len(quantities) - 1)
            if colorbar:
                cb = ax.figure.colorbar(im, ax=ax, fraction=0.03, pad=0.01, aspect=8)
                cb.ax.tick_params(labelsize=5)
            cur = ax.axvline(timestep, color=CURSOR_COLOR, lw=1.2)
            self.cursors.append(cur)
            self._animate(cur)
        axes[-1].set_xlabel("step t" + (" (processing order)" if data.layer.go_backwards else ""),
                            fontsize=7)
        self.set_timestep(timestep)

    def set_timestep(self, t: int) -> None:
        for cur in self.cursors:
            cur.set_xdata([t, t])


class UnitTracesView(View):
    """(d) One unit's every quantity (f, i, C~, o, C, h) over time, step t marked."""

    def __init__(self, ax: Axes, data: SampleData, unit: int, timestep: int = 0) -> None:
        self.animated = []
        self.data, self.unit = data, unit
        steps = np.arange(data.n_timesteps)
        self.dots = {}
        for quantity in data.spec.quantities:
            q = quantity.name
            ls = "--" if quantity.kind == "state" else "-"
            ax.plot(steps, data[q][:, unit], ls, color=quantity.color, lw=1.1,
                    label=quantity.symbol)
            (dot,) = ax.plot([0], [0], "o", ms=4, color=quantity.color)
            self.dots[q] = dot
            self._animate(dot)
        ax.axhline(0, color="#bbbbbb", lw=0.6)
        ax.set_title(f"unit {unit} of {plain_label(data.layer.name)}", fontsize=8,
                     **PLAIN_TEXT)
        ax.set_xlabel("step t", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6, ncol=3, loc="best", framealpha=0.7)
        self.cursor = ax.axvline(0, color=CURSOR_COLOR, lw=1, ls=":")
        self._animate(self.cursor)
        self.set_timestep(timestep)

    def set_timestep(self, t: int) -> None:
        self.cursor.set_xdata([t, t])
        for q, dot in self.dots.items():
            dot.set_data([t], [self.data[q][t, self.unit]])


__all__ = ["BeltView", "HeatmapView", "UnitTracesView", "View", "WindowView", "format_value"]
