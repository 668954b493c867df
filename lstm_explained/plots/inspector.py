"""The inspector's composed figure, (a)-(d), re-rendered quickly at every step.

:class:`InspectorFigure` draws the static part of the four views of
:mod:`lstm_explained.plots.views` once per sample / layer / units, then, at each step,
blits only what changed (cursors, dots, the belt's colours and numbers). The animations of
:mod:`lstm_explained.export` draw their frames with it; :func:`plot_inspector` is one
frame as an ordinary static figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lstm_explained.labels import PLAIN_TEXT, plain_label
from lstm_explained.plots.gates import _static
from lstm_explained.plots.views import BeltView, HeatmapView, UnitTracesView, View, WindowView
from lstm_explained.trace import LayerTrace, Trace
from lstm_explained.viewmodel import (
    SampleData,
    check_scale,
    check_timestep,
    check_units,
    encode_jpeg,
    encode_png,
    heatmap_quantities,
    layer_trace,
    sample_label,
)


class _Glyphs:
    """Character bitmaps of one font size, rendered once by FreeType, for fast numbers.

    Drawing a matplotlib ``Text`` costs about a millisecond; the belt shows dozens of
    numbers per step. Composing them from cached glyph bitmaps costs microseconds.
    """

    def __init__(self, size_pt: float, dpi: float) -> None:
        from matplotlib.font_manager import FontProperties, findfont, get_font
        from matplotlib.ft2font import LoadFlags

        self._font = get_font(findfont(FontProperties(size=size_pt)))
        self._flags = LoadFlags.FORCE_AUTOHINT
        self._size, self._dpi = size_pt, dpi
        self._sprites: dict[str, tuple[np.ndarray, int, float, float]] = {}

    def _sprite(self, ch: str) -> tuple[np.ndarray, int, float, float]:
        sp = self._sprites.get(ch)
        if sp is None:
            f = self._font
            f.set_size(self._size, self._dpi)
            glyph = f.load_char(ord(ch), flags=self._flags)
            advance = glyph.linearHoriAdvance / 65536
            if ch.isspace():
                sp = (np.zeros((1, 1), np.float32), 0, 0.0, advance)
            else:
                f.set_text(ch, 0.0, flags=self._flags)
                f.draw_glyphs_to_bitmap(antialiased=True)
                img = np.asarray(f.get_image(), dtype=np.float32) / 255.0
                top = -int(round(img.shape[0] - f.get_descent() / 64))  # from the baseline
                sp = (img, top, 0.0, advance)  # the bitmap starts at the pen
            self._sprites[ch] = sp
        return sp

    def mask(self, text: str) -> np.ndarray:
        """Coverage (H, W) in [0, 1] of ``text``, cropped to its ink."""
        parts, pen = [], 0.0
        for ch in text:
            img, top, left, advance = self._sprite(ch)
            parts.append((img, top, int(round(pen + left))))
            pen += advance
        y0 = min(top for _, top, _ in parts)
        y1 = max(top + img.shape[0] for img, top, _ in parts)
        x1 = max(x + img.shape[1] for img, _, x in parts)
        x0 = min(0, min(x for _, _, x in parts))
        out = np.zeros((y1 - y0, x1 - x0), np.float32)
        for img, top, x in parts:
            sl = out[top - y0 : top - y0 + img.shape[0], x - x0 : x - x0 + img.shape[1]]
            np.maximum(sl, img, out=sl)
        return out


class InspectorFigure:
    """Views (a)-(d) in one Agg figure that re-renders a timestep change quickly.

    The static part (lines, heatmaps, labels) is rendered once per sample / layer / units
    (:meth:`setup`, :meth:`redraw`). :meth:`set_timestep` moves the animated artists
    (cursors, dots, labels), restores the rendered background and draws only those on
    top; the belt's boxes and numbers are painted straight into the pixel buffer from
    cached glyphs (the :class:`BeltView` artists keep the same colours and strings).

    Parameters
    ----------
    trace : Trace or LayerTrace
    layer : str, optional
        Layer to show; the first one by default.
    sample, timestep : int
    units : list of int, optional
        Units of the belt (the first one also drives the unit-traces panel); the first
        four by default.
    figsize : (float, float), optional
        Inches; the default (9 wide, about 8 high) keeps a timestep update fast.
    dpi : float
        Pixels per inch of the rendered image.
    heatmap_scale : {"fixed", "data"}
        Colour range of the heatmaps (see :class:`HeatmapView`); may be changed later
        with :meth:`setup`'s ``heatmap_scale``.

    Example
    -------
    >>> from lstm_explained.trace import toy_trace
    >>> insp = InspectorFigure(toy_trace(), timestep=3)
    >>> insp.set_timestep(4)
    >>> insp.png()[1:4]
    b'PNG'
    """

    def __init__(
        self,
        trace: Trace | LayerTrace,
        layer: str | None = None,
        sample: int = 0,
        timestep: int = 0,
        units: Iterable[int] | int | None = None,
        figsize: tuple[float, float] | None = None,
        dpi: float = 72.0,
        heatmap_scale: str = "fixed",
    ) -> None:
        self.trace = trace
        self._figsize = figsize
        self.heatmap_scale = check_scale(heatmap_scale)
        self.dpi = float(dpi)
        self.figure = Figure(dpi=self.dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self._glyphs = _Glyphs(7.5, self.dpi)
        self._background: Any = None
        self.setup(layer, sample, units, timestep)

    # -- building ------------------------------------------------------------------
    def setup(
        self,
        layer: str | None,
        sample: int,
        units: Iterable[int] | int | None,
        timestep: int = 0,
        heatmap_scale: str | None = None,
    ) -> None:
        """(Re)build the figure for a layer, sample and units at a step; then render it."""
        if heatmap_scale is not None:
            self.heatmap_scale = check_scale(heatmap_scale)
        lt = layer_trace(self.trace, layer)
        data = SampleData(lt, sample)
        chosen = check_units(units, lt)
        timestep = check_timestep(lt, timestep)
        self.layer, self.data, self.sample = lt, data, data.sample
        self.units, self.timestep = chosen, timestep
        self.redraw()

    def redraw(self) -> None:
        """Draw the whole figure from scratch (what a sample/layer/units change costs)."""
        fig = self.figure
        fig.clear()
        n = len(self.units)
        belt_h = 0.9 + 0.3 * n
        w, h = self._figsize or (9.0, 2.3 + belt_h + 3.3)
        fig.set_size_inches(w, h)
        gs = fig.add_gridspec(
            3, 2, height_ratios=[2.3, belt_h, 3.3], width_ratios=[1.15, 1],
            left=0.07, right=0.97, top=0.95, bottom=0.05, hspace=0.32, wspace=0.3,
        )
        fig.text(0.01, 0.995, plain_label(sample_label(self.trace, self.sample), 150),
                 fontsize=8, va="top", **PLAIN_TEXT)
        ax_win = fig.add_subplot(gs[0, 0])
        ax_unit = fig.add_subplot(gs[0, 1])
        ax_belt = fig.add_subplot(gs[1, :])
        rows = heatmap_quantities(self.layer)
        sub = gs[2, :].subgridspec(len(rows), 1, hspace=0.08)
        heat_axes = [fig.add_subplot(sub[k, 0]) for k in range(len(rows))]
        for ax in heat_axes[1:]:
            ax.sharex(heat_axes[0])
        t = self.timestep
        self.window = WindowView(ax_win, self.trace, self.layer, self.sample, t, title=False)
        self.units_view = UnitTracesView(ax_unit, self.data, self.units[0], t)
        self.belt = BeltView(ax_belt, self.data, self.units, t)
        self.heatmaps = HeatmapView(heat_axes, self.data, self.units, t, colorbar=False,
                                    scale=self.heatmap_scale)
        heat_axes[0].set_title(f"layer {plain_label(self.layer.name)}: units x steps",
                               fontsize=8, **PLAIN_TEXT)
        self.views: list[View] = [self.window, self.units_view, self.belt, self.heatmaps]
        # The belt's boxes and numbers are painted from the buffer side (see _paint_belt).
        painted = {id(a) for col in self.belt.rects.values() for a in col}
        painted |= {id(a) for col in self.belt.texts.values() for a in col}
        for col in (*self.belt.rects.values(), *self.belt.texts.values()):
            for a in col:
                a.set_visible(False)
        self._blit = [a for v in self.views for a in v.animated if id(a) not in painted]
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(fig.bbox)
        height = int(self.canvas.get_renderer().height)
        renderer = self.canvas.get_renderer()
        self._cells = []
        for key in self.belt.rects:
            for r, rect in enumerate(self.belt.rects[key]):
                bb = rect.get_window_extent(renderer)
                x0, x1 = int(round(bb.x0)), int(round(bb.x1))
                y0, y1 = height - int(round(bb.y1)), height - int(round(bb.y0))
                self._cells.append((key, r, y0, y1, x0, x1))
        self._draw_animated()

    # -- stepping ------------------------------------------------------------------
    def set_timestep(self, t: int) -> None:
        """Move every view to step t and re-render the animated part."""
        t = check_timestep(self.layer, t)
        self.timestep = t
        for v in self.views:
            v.set_timestep(t)
        self._draw_animated()

    def _draw_animated(self) -> None:
        self.canvas.restore_region(self._background)
        for a in self._blit:
            self.figure.draw_artist(a)
        self._paint_belt(np.asarray(self.canvas.buffer_rgba()), transparent=False)

    def _paint_belt(self, buf: np.ndarray, transparent: bool) -> None:
        """Paint the belt's boxes (face, edge) and numbers into an RGBA uint8 buffer."""
        for key, r, y0, y1, x0, x1 in self._cells:
            rect = self.belt.rects[key][r]
            face = np.asarray(rect.get_facecolor(), dtype=np.float32)
            edge = np.asarray(rect.get_edgecolor(), dtype=np.float32)
            cell = buf[y0:y1, x0:x1]
            rgba = np.empty(cell.shape, np.float32)
            if transparent:
                rgba[..., :3] = face[:3]
                rgba[..., 3] = face[3]
            else:
                a = face[3]
                rgba[..., :3] = cell[..., :3] / 255.0 * (1.0 - a) + face[:3] * a
                rgba[..., 3] = 1.0
            for border in (rgba[0], rgba[-1], rgba[:, 0], rgba[:, -1]):
                border[..., :3] = edge[:3]
                border[..., 3] = 1.0
            m = self._glyphs.mask(self.belt.texts[key][r].get_text())
            h, w = m.shape
            cy, cx = (y1 - y0 - h) // 2, (x1 - x0 - w) // 2
            if cy >= 0 and cx >= 0:  # black ink over the box ("over" with straight alpha)
                region = rgba[cy : cy + h, cx : cx + w]
                below = region[..., 3] * (1.0 - m)
                alpha = m + below
                region[..., :3] *= (below / np.maximum(alpha, 1e-6))[..., None]
                region[..., 3] = alpha
            cell[...] = np.round(rgba * 255.0).astype(np.uint8)

    # -- output --------------------------------------------------------------------
    def rgba(self) -> np.ndarray:
        """The current view as an (H, W, 4) uint8 array (a copy)."""
        return np.array(self.canvas.buffer_rgba())

    def overlay_rgba(self) -> np.ndarray:
        """Only the parts that change with the step, on a transparent background.

        Laid over :meth:`background_rgba` it gives :meth:`rgba` (the HTML export does so).
        """
        renderer = self.canvas.get_renderer()
        renderer.clear()
        for a in self._blit:
            self.figure.draw_artist(a)
        out = np.array(self.canvas.buffer_rgba())
        self._paint_belt(out, transparent=True)
        self._draw_animated()
        return out

    def background_rgba(self) -> np.ndarray:
        """The static part only (what :meth:`overlay_rgba` is drawn over)."""
        self.canvas.restore_region(self._background)
        out = np.array(self.canvas.buffer_rgba())
        self._draw_animated()
        return out

    def png(self, compress_level: int = 1) -> bytes:
        """The current view as PNG bytes (lossless)."""
        return encode_png(np.asarray(self.canvas.buffer_rgba()), compress_level)

    def jpeg(self, quality: int = 90) -> bytes:
        """The current view as JPEG bytes (see :func:`~lstm_explained.viewmodel.encode_jpeg`)."""
        return encode_jpeg(np.asarray(self.canvas.buffer_rgba()), quality)


def plot_inspector(
    trace: Trace | LayerTrace,
    layer: str | None = None,
    sample: int = 0,
    timestep: int = 0,
    units: Iterable[int] | int | None = None,
    heatmap_scale: str = "fixed",
) -> Figure:
    """(a)-(d) in one static figure: what :class:`~lstm_explained.widgets.GateInspector`
    shows at one step.

    Example
    -------
    >>> from lstm_explained.trace import toy_trace
    >>> fig = plot_inspector(toy_trace(), timestep=5, units=[0, 3])
    >>> type(fig).__name__
    'Figure'
    """
    insp = InspectorFigure(trace, layer, sample, timestep, units, heatmap_scale=heatmap_scale)
    for v in insp.views:
        _static(v)
    for col in (*insp.belt.rects.values(), *insp.belt.texts.values()):
        for a in col:
            a.set_visible(True)
    return insp.figure


__all__ = ["InspectorFigure", "plot_inspector"]
