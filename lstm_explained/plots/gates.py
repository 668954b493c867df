"""Static pictures of a trace: the conveyor belt, gate heatmaps, unit traces, saturation.

Every picture is drawn from a :class:`~lstm_explained.trace.Trace` (or one
:class:`~lstm_explained.trace.LayerTrace`) with matplotlib only, into a
:class:`matplotlib.figure.Figure` that uses no pyplot state; nothing calls ``plt.show()``
and nothing imports TensorFlow. Names, Olah's symbols and colours come from
:mod:`lstm_explained.gates`, so a gate looks the same here, in the widget and in the HTML
export.

* :func:`plot_window`: (a) the model's input window with step ``t`` marked; for a forecast
  trace also the fed-back predictions, the target, the prediction and the persistence
  baseline (and prices on a second axis when they are known).
* :func:`plot_conveyor_belt`: (b) the cell-state update at step ``t`` for a few units,
  ``C_{t-1} -> kept f*C_{t-1} / forgotten (1-f)*C_{t-1} -> + written i*C~ -> C_t ->
  tanh(C_t) -> x o -> h_t``, with the numbers.
* :func:`plot_gate_heatmaps`: (c) units x time heatmaps of f, i, C~, o and C, cursor at ``t``.
* :func:`plot_unit_traces`: (d) one unit's f, i, C~, o, C and h over time.
* :func:`plot_saturation`: Karpathy et al.'s left/right saturation scatter per gate.
* :func:`plot_inspector`: (a)-(d) in one figure, what the inspector widget shows.

The views are objects (:class:`WindowView`, :class:`BeltView`, :class:`HeatmapView`,
:class:`UnitTracesView`, :class:`InspectorFigure`) whose ``set_timestep`` only moves their
*animated* artists (cursors, bar colours, numbers). :class:`InspectorFigure` renders the
static part once and then blits the animated artists onto it, which is how the widget and
the export step through timesteps quickly.

Example
-------
>>> import numpy as np
>>> from lstm_explained.cell import LSTMWeights, run_lstm
>>> from lstm_explained.trace import LayerTrace, Trace
>>> x = np.sin(np.linspace(0, 6, 20)).reshape(1, 20, 1)
>>> run = run_lstm(x, LSTMWeights.random(features=1, units=4, seed=0))
>>> tr = Trace([LayerTrace(name="lstm", layer_name="lstm", inputs=x, **vars(run))])
>>> fig = plot_conveyor_belt(tr, timestep=5, units=[0, 1])
>>> fig = plot_inspector(tr, timestep=5)
"""

from __future__ import annotations

import io
import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from lstm_explained.activations import get_activation
from lstm_explained.errors import DataError, UnsupportedLayerError
from lstm_explained.gates import CMAPS, COLORS, GATES, SYMBOLS, TEXT_SYMBOLS
from lstm_explained.trace import LayerTrace, Trace

TRUE_COLOR = "#444444"
MODEL_COLOR = "#0072B2"
BASELINE_COLOR = "#999999"
CURSOR_COLOR = "#222222"

#: Largest number of units the conveyor belt shows at once.
MAX_BELT_UNITS = 8

#: The quantities of the heatmap panel, top to bottom.
HEATMAP_QUANTITIES: tuple[str, ...] = (*GATES, "cell")

#: Colour scales of the heatmaps: the quantity's natural range, or its range in the sample.
HEATMAP_SCALES: tuple[str, ...] = ("fixed", "data")

#: Columns of the conveyor belt: (key, mathtext label, colour key).
BELT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("previous", r"$C_{t-1}$", "cell"),
    ("forget", r"$f_t$", "forget"),
    ("kept", r"$f_t\odot C_{t-1}$", "forget"),
    ("forgotten", r"$(1-f_t)\odot C_{t-1}$", "forget"),
    ("input", r"$i_t$", "input"),
    ("candidate", r"$\tilde{C}_t$", "candidate"),
    ("written", r"$i_t\odot\tilde{C}_t$", "input"),
    ("cell", r"$C_t$", "cell"),
    ("squashed", r"$\tanh(C_t)$", "cell"),
    ("output", r"$o_t$", "output"),
    ("hidden", r"$h_t$", "hidden"),
)

#: Column groups of the belt: (first column, last column, title, colour key).
_BELT_GROUPS = (
    (0, 0, "old belt", "cell"),
    (1, 3, "forget: keep or drop", "forget"),
    (4, 6, "input: write", "input"),
    (7, 7, "new belt", "cell"),
    (8, 10, "output: show", "output"),
)


# ----------------------------------------------------------------------------------
# Labels: a string from a trace, a model or a file is text, never markup or mathtext
# ----------------------------------------------------------------------------------
#: Keyword arguments of every matplotlib text that shows a string from a trace, a model or
#: a file (layer names, dataset labels, dates, units, titles): drawn as it is, with no
#: mathtext for ``$...$`` (``"$x^$"`` would make drawing raise) and no LaTeX even when
#: ``text.usetex`` is on.
PLAIN_TEXT: dict[str, Any] = {"parse_math": False, "usetex": False}

#: Longest label a figure draws; a longer one is cut and ends in "…".
MAX_LABEL_CHARS = 100

#: Control characters (but tab and line breaks) and lone surrogates: no page shows them.
_UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_NO_ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))
#: Bidirectional classes that can reorder the text around a label.
_RIGHT_TO_LEFT = {"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}


def display_text(value: Any) -> str:
    """``value`` as text any page can hold: control characters become U+FFFD.

    Control characters (NUL, BEL, ESC, DEL, ...; not tab and line breaks) are invisible,
    dropped (HTML drops a NUL) or shown differently from one place to the next, so they
    are made visible as U+FFFD; so are lone surrogates, which UTF-8 cannot encode (a JSON
    trace header can carry them). Every other character is kept: escaping is the job of
    whoever writes the page (``html.escape``, ``textContent``).

    Example
    -------
    >>> display_text("a\\x00b")
    'a\ufffdb'
    """
    return _UNSHOWABLE.sub("\ufffd", str(value))


def inline_label(value: Any) -> str:
    """A label from a trace, ready to sit inside other text (an HTML line, a caption).

    :func:`display_text`; when it holds right-to-left letters or direction controls
    (e.g. an override, U+202E), also wrapped in Unicode isolate marks (FSI ... PDI,
    invisible), so that it cannot reorder the words and numbers around it. Figures drop
    the marks (:func:`plain_label`).

    Example
    -------
    >>> inline_label("lstm")
    'lstm'
    >>> inline_label("rlo\\u202e")
    '\\u2068rlo\\u202e\\u2069'
    """
    text = display_text(value)
    if any(unicodedata.bidirectional(c) in _RIGHT_TO_LEFT for c in text):
        return f"\u2068{text}\u2069"
    return text


def plain_label(value: Any, limit: int = MAX_LABEL_CHARS) -> str:
    """A label as a figure draws it (always with :data:`PLAIN_TEXT`).

    One line of at most ``limit`` characters (a longer one ends in "…"); isolate marks
    removed; white space as a space; other control and format characters (NUL, ESC,
    U+202E, ...), which a font cannot draw, shown as U+FFFD.

    Example
    -------
    >>> plain_label("$x^$ rlo\\u202e")
    '$x^$ rlo\ufffd'
    >>> plain_label("x" * 200, limit=5)
    'xxxx…'
    """
    text = str(value).translate(_NO_ISOLATES)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "".join(
        " " if c.isspace() else "\ufffd" if unicodedata.category(c)[0] == "C" else c
        for c in text
    )


# ----------------------------------------------------------------------------------
# Data helpers
# ----------------------------------------------------------------------------------
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

    Holds the gates and states (``forget`` ... ``hidden``), the conveyor-belt ledger
    (``previous`` = C_{t-1}, ``kept``, ``forgotten``, ``written``) and ``squashed`` =
    act(C_t) (tanh for the default activation), plus ``mask`` (T,) or None.
    """

    def __init__(self, lt: LayerTrace, sample: int) -> None:
        sample = check_index(sample, lt.n_samples, "sample")
        self.layer = lt
        self.sample = sample
        one = lt.select(sample)
        led = one.ledger()
        self.arrays: dict[str, np.ndarray] = {
            q: np.asarray(getattr(one, q)[0], dtype=np.float64)
            for q in ("forget", "input", "candidate", "output", "cell", "hidden")
        }
        for q in ("previous", "kept", "forgotten", "written"):
            self.arrays[q] = np.asarray(getattr(led, q)[0], dtype=np.float64)
        try:
            act = get_activation(lt.activation)
        except UnsupportedLayerError:  # pragma: no cover - traces only hold known ones
            act = np.tanh
        self.arrays["squashed"] = np.asarray(act(self.arrays["cell"]), dtype=np.float64)
        self.mask = None if one.mask is None else np.asarray(one.mask[0], dtype=bool)
        self.n_timesteps = lt.n_timesteps

    def __getitem__(self, key: str) -> np.ndarray:
        return self.arrays[key]

    def activity(self, t: int) -> np.ndarray:
        """How much the belt changed hands at step t, per unit: |written| + |forgotten|."""
        return np.abs(self.arrays["written"][t]) + np.abs(self.arrays["forgotten"][t])

    def most_active(self, t: int, k: int = 4) -> list[int]:
        """The ``k`` units whose cell state was most written or forgotten at step t."""
        a = self.activity(t)
        order = np.argsort(-a, kind="stable")
        return [int(u) for u in order[: max(1, min(k, len(a)))]]


def _input_step(lt: LayerTrace, t: int, width: int) -> int:
    """Input timestep processed at step t of this layer (flipped for a backward one)."""
    i = width - 1 - t if lt.go_backwards else t
    return int(min(max(i, 0), width - 1))


def _window_arrays(trace: Trace | LayerTrace, sample: int) -> tuple[np.ndarray, np.ndarray | None]:
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


def _extra(trace: Trace | LayerTrace, key: str, sample: int) -> Any:
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
    step = _extra(trace, "forecast_step", sample)
    step = sample if step is None else int(step)
    names = {"multi": "multi-sequence", "full": "full-sequence", "point": "point-by-point"}
    dataset = fi.get("dataset")
    parts = [inline_label(dataset) if dataset else ""]
    # Counted from 0, like the sliders and the timestep t ("step 40 of 49"); where the
    # trace holds only some steps, the sample number (the slider's) is named too.
    which = "" if step == sample else f"sample {sample}: "
    n_steps = fi.get("n_steps")
    of = f" of {int(n_steps) - 1}" if _is_whole(n_steps) else ""
    if mode == "multi":
        run = fi.get("run")
        run = run if _is_whole(run) else inline_label(run)
        parts.append(f"{names[mode]} run {run}, {which}forecast step {step}{of}")
    elif mode == "full":
        parts.append(f"{names[mode]}, {which}forecast step {step}{of}")
    else:
        parts.append(f"point-by-point, {which}test window {step}")
    date = _extra(trace, "target_date", sample)
    if date is not None:
        parts.append(f"target {inline_label(str(date)[:10])}")
    price = _extra(trace, "prediction_price", sample) is not None
    suffix = "_price" if price else ""
    vals = []
    for key, name in (("target", "true"), ("prediction", "model"), ("persistence", "persist.")):
        v = _extra(trace, key + suffix, sample)
        if v is not None and np.isfinite(v):
            vals.append(f"{name} {float(v):.4g}")
    if vals:
        parts.append(", ".join(vals))
    return " · ".join(p for p in parts if p)


def _is_whole(value: Any) -> bool:
    """True for a whole number (a trace file's info can hold anything where one belongs)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


# ----------------------------------------------------------------------------------
# Views: draw once, then set_timestep moves the animated artists only
# ----------------------------------------------------------------------------------
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
    x = T sit the target (star), the prediction (circle) and the persistence baseline
    (square). When prices are known (normalised windows with their p0), a second y axis
    on the right reads the same values in price units.
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
        values, fed = _window_arrays(trace, sample)
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
            ):
                v = _extra(trace, key, sample)
                if v is not None and np.isfinite(v):
                    ax.plot([width], [v], marker, ms=8 if marker == "*" else 6, color=color,
                            label=label, mec="white", mew=0.6)
            p0 = _extra(trace, "p0", sample)
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
        i = _input_step(self.lt, t, self.width)
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
        n = len(self.units)
        ncol = len(BELT_COLUMNS)
        ax.set_xlim(-0.9, ncol)
        ax.set_ylim(n + 0.05, -2.45)
        ax.set_axis_off()
        scale = max(1.0, float(np.max(np.abs(data["cell"]))))
        self.scales = {
            key: (scale if key in ("previous", "kept", "forgotten", "cell") else 1.0)
            for key, _, _ in BELT_COLUMNS
        }
        act = "" if data.layer.activation == "tanh" else data.layer.activation
        for g0, g1, title, ck in _BELT_GROUPS:
            ax.plot([g0 + 0.06, g1 + 0.94], [-1.2, -1.2], color=COLORS[ck], lw=2.5,
                    solid_capstyle="butt")
            ax.text((g0 + g1 + 1) / 2, -1.3, title, ha="center", va="bottom", fontsize=7,
                    color=COLORS[ck])
        for j, (key, label, ck) in enumerate(BELT_COLUMNS):
            plain: dict[str, Any] = {}
            if key == "squashed" and act:
                label, plain = _activation_label(act)
            ax.text(j + 0.5, -0.55, label, ha="center", va="center", fontsize=8,
                    color=COLORS[ck], **plain)
        for j, op in ((7, "="), (8, "→"), (10, "=")):
            ax.text(j, -0.55, op, ha="center", va="center", fontsize=8, color="#666666")
        self.rects: dict[str, list[Rectangle]] = {}
        self.texts: dict[str, list[Any]] = {}
        for r, u in enumerate(self.units):
            ax.text(-0.1, r + 0.5, f"unit {u}", ha="right", va="center", fontsize=7)
        for j, (key, _, ck) in enumerate(BELT_COLUMNS):
            self.rects[key], self.texts[key] = [], []
            for r in range(n):
                rect = Rectangle((j + 0.04, r + 0.06), 0.92, 0.88, facecolor=COLORS[ck],
                                 edgecolor=COLORS[ck], lw=1.0)
                ax.add_patch(rect)
                txt = ax.text(j + 0.5, r + 0.5, "", ha="center", va="center", fontsize=7.5)
                self.rects[key].append(rect)
                self.texts[key].append(txt)
                self._animate(rect, txt)
        self.title = ax.text(-0.85, -2.4, "", ha="left", va="top", fontsize=8)
        self._animate(self.title)
        self.timestep = timestep
        self.set_timestep(timestep)

    def values(self, t: int | None = None) -> dict[str, np.ndarray]:
        """The numbers of every column at step t (default: the current one), (len(units),)."""
        t = self.timestep if t is None else t
        return {key: self.data[key][t, self.units] for key, _, _ in BELT_COLUMNS}

    def set_timestep(self, t: int) -> None:
        self.timestep = t
        vals = self.values(t)
        masked = self.data.mask is not None and not self.data.mask[t]
        for key, _, ck in BELT_COLUMNS:
            scale = self.scales[key]
            rgb = to_rgb(COLORS[ck])
            for r, v in enumerate(vals[key]):
                alpha = 0.06 + 0.64 * min(1.0, abs(float(v)) / scale)
                self.rects[key][r].set_facecolor((*rgb, alpha))
                self.texts[key][r].set_text(format_value(v))
        note = " (masked: the belt passes unchanged)" if masked else ""
        self.title.set_text(f"conveyor belt at step t = {t}{note}")


def _activation_label(act: str) -> tuple[str, dict[str, Any]]:
    """The belt's header of act(C_t), and the text keywords to draw it with.

    Mathtext for a name made of letters (``relu``); any other string, which only a
    hand-made trace file can hold, as plain text.
    """
    if re.fullmatch("[A-Za-z]{1,20}", act):
        return rf"${act}(C_t)$", {}
    return f"{plain_label(act, 20)}(C_t)", PLAIN_TEXT


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
        quantities: Sequence[str] = HEATMAP_QUANTITIES,
        colorbar: bool = True,
        scale: str = "fixed",
    ) -> None:
        if scale not in HEATMAP_SCALES:
            raise DataError(f"heatmap scale must be one of {list(HEATMAP_SCALES)}, not {scale!r}.")
        self.animated = []
        self.cursors = []
        cmax = max(1e-6, float(np.max(np.abs(data["cell"]))))
        t_count = data.n_timesteps
        for k, (ax, q) in enumerate(zip(axes, quantities, strict=True)):
            if q not in data.arrays:
                raise DataError(f"unknown quantity {q!r}; use one of {list(HEATMAP_QUANTITIES)}.")
            lim = (0.0, 1.0) if q in ("forget", "input", "output") else (-1.0, 1.0)
            if q in ("cell", "previous", "kept", "forgotten", "written"):
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
                           cmap=CMAPS.get(q, "RdBu_r"), vmin=lim[0], vmax=lim[1],
                           extent=(-0.5, t_count - 0.5, -0.5, data[q].shape[1] - 0.5))
            ax.set_ylabel(SYMBOLS.get(q, q), color=COLORS.get(q, "black"), fontsize=9,
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
    """(d) One unit's f, i, C~, o, C and h over time, with the values at step t marked."""

    QUANTITIES: tuple[str, ...] = ("forget", "input", "candidate", "output", "cell", "hidden")

    def __init__(self, ax: Axes, data: SampleData, unit: int, timestep: int = 0) -> None:
        self.animated = []
        self.data, self.unit = data, unit
        steps = np.arange(data.n_timesteps)
        self.dots = {}
        for q in self.QUANTITIES:
            ls = "--" if q in ("cell", "hidden") else "-"
            ax.plot(steps, data[q][:, unit], ls, color=COLORS[q], lw=1.1, label=SYMBOLS[q])
            (dot,) = ax.plot([0], [0], "o", ms=4, color=COLORS[q])
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


# ----------------------------------------------------------------------------------
# Public plotting functions
# ----------------------------------------------------------------------------------
def plot_window(
    trace: Trace | LayerTrace,
    sample: int = 0,
    timestep: int = 0,
    layer: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """(a) The model's input window with step ``timestep`` marked (forecasts: their story).

    Parameters
    ----------
    trace : Trace or LayerTrace
        A trace; a forecast trace (:func:`lstm_explained.forecast_trace.trace_forecast`)
        adds fed-back predictions, target, prediction and persistence baseline.
    sample : int
        Which sample (forecast step) to show.
    timestep : int
        Step of ``layer`` to mark (a backward layer's step t is input timestep T-1-t).
    layer : str, optional
        Layer whose step is marked; the first one by default.
    ax : Axes, optional
        Axes to draw into; a new figure when None.

    Returns
    -------
    Figure

    Example
    -------
    >>> fig = plot_window(tr, sample=0, timestep=3)   # doctest: +SKIP
    """
    lt = layer_trace(trace, layer)
    sample = check_index(sample, lt.n_samples, "sample")
    timestep = check_timestep(lt, timestep)
    fig, ax = _axes(ax, (6, 2.6))
    _static(WindowView(ax, trace, lt, sample, timestep))
    return fig


def plot_conveyor_belt(
    trace: Trace | LayerTrace,
    sample: int = 0,
    timestep: int = 0,
    units: Iterable[int] | int | None = None,
    layer: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """(b) The conveyor belt at one step: what was kept, forgotten, written and shown.

    For each chosen unit: ``C_{t-1}``; ``f_t``, kept ``f_t*C_{t-1}`` and forgotten
    ``(1-f_t)*C_{t-1}``; ``i_t``, ``C~_t`` and written ``i_t*C~_t``; ``C_t``;
    ``tanh(C_t)``, ``o_t`` and ``h_t``, with their values.

    Parameters
    ----------
    trace : Trace or LayerTrace
    sample, timestep : int
        Which sample and step.
    units : int or list of int, optional
        Up to :data:`MAX_BELT_UNITS` units; the first four by default.
    layer : str, optional
        Layer of a Trace; the first one by default.
    ax : Axes, optional

    Returns
    -------
    Figure

    Example
    -------
    >>> fig = plot_conveyor_belt(tr, timestep=5, units=[0, 2])   # doctest: +SKIP
    """
    lt = layer_trace(trace, layer)
    data = SampleData(lt, sample)
    timestep = check_timestep(lt, timestep)
    chosen = check_units(units, lt)
    fig, ax = _axes(ax, (8, 0.9 + 0.32 * len(chosen)))
    _static(BeltView(ax, data, chosen, timestep))
    return fig


def plot_gate_heatmaps(
    trace: Trace | LayerTrace,
    sample: int = 0,
    timestep: int | None = None,
    units: Iterable[int] | int | None = None,
    layer: str | None = None,
    quantities: Sequence[str] = HEATMAP_QUANTITIES,
    scale: str = "fixed",
    fig: Figure | None = None,
) -> Figure:
    """(c) Units x time heatmaps of the gates and the cell state, one row per quantity.

    Parameters
    ----------
    trace : Trace or LayerTrace
    sample : int
    timestep : int, optional
        Where to draw the cursor; no cursor when None.
    units : int or list of int, optional
        Units to tick on the y axis.
    layer : str, optional
    quantities : sequence of str
        Rows, from ``forget``, ``input``, ``candidate``, ``output``, ``cell``, ``hidden``.
    scale : {"fixed", "data"}
        Natural colour ranges, or each row stretched over its range in this sample.
    fig : Figure, optional
        Figure to draw into (cleared first); a new one when None.

    Returns
    -------
    Figure

    Example
    -------
    >>> fig = plot_gate_heatmaps(tr, timestep=5)   # doctest: +SKIP
    """
    lt = layer_trace(trace, layer)
    data = SampleData(lt, sample)
    chosen = [] if units is None else check_units(units, lt)
    if fig is None:
        fig = Figure(figsize=(7, 0.9 * len(quantities) + 0.4), layout="constrained")
    else:
        fig.clear()
    axes = fig.subplots(len(quantities), 1, sharex=True, squeeze=False)[:, 0]
    t = 0 if timestep is None else check_timestep(lt, timestep)
    view = HeatmapView(list(axes), data, chosen, t, quantities, scale=scale)
    if timestep is None:
        for c in view.cursors:
            c.remove()
    else:
        _static(view)
    fig.suptitle(plain_label(f"{lt.name}: {sample_label(trace, data.sample)}", 150),
                 fontsize=8, **PLAIN_TEXT)
    return fig


def plot_unit_traces(
    trace: Trace | LayerTrace,
    sample: int = 0,
    unit: int = 0,
    timestep: int | None = None,
    layer: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """(d) One unit's f, i, C~, o (solid) and C, h (dashed) over the steps of a sample.

    Example
    -------
    >>> fig = plot_unit_traces(tr, unit=1, timestep=4)   # doctest: +SKIP
    """
    lt = layer_trace(trace, layer)
    data = SampleData(lt, sample)
    unit = check_index(unit, lt.units, "unit", f"layer {lt.name!r}")
    fig, ax = _axes(ax, (6, 2.6))
    t = 0 if timestep is None else check_timestep(lt, timestep)
    view = UnitTracesView(ax, data, unit, t)
    if timestep is None:
        for a in view.animated:
            a.remove()
    else:
        _static(view)
    return fig


def plot_saturation(
    trace: Trace | LayerTrace,
    layer: str | None = None,
    low: float = 0.1,
    high: float = 0.9,
    fig: Figure | None = None,
) -> Figure:
    """Karpathy et al.'s saturation plot: per gate, each unit's time spent nearly closed
    (x, value < ``low``) against nearly open (y, value > ``high``).

    Units on the diagonal's far corners are switches; units near the origin work in the
    gate's linear middle range. Masked steps are not counted.

    Example
    -------
    >>> fig = plot_saturation(tr)   # doctest: +SKIP
    """
    lt = layer_trace(trace, layer)
    sat = lt.saturation(low=low, high=high)
    if fig is None:
        fig = Figure(figsize=(2.6 * len(sat.gates), 2.8), layout="constrained")
    else:
        fig.clear()
    axes = fig.subplots(1, len(sat.gates), sharex=True, sharey=True, squeeze=False)[0]
    for ax, gate, left, right in zip(axes, sat.gates, sat.left, sat.right, strict=True):
        ax.plot([0, 1], [1, 0], color="#cccccc", lw=0.8)
        ax.scatter(left, right, s=12, color=COLORS[gate], alpha=0.75, edgecolors="none")
        ax.set_title(f"{TEXT_SYMBOLS[gate]} ({gate} gate)", color=COLORS[gate], fontsize=9)
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel(f"fraction < {low:g} (closed)", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel(f"fraction > {high:g} (open)", fontsize=8)
    fig.suptitle(
        f"gate saturation of {plain_label(lt.name)} ({sat.n_steps} steps, {lt.units} units)",
        fontsize=9, **PLAIN_TEXT,
    )
    return fig


def _check_scale(scale: str) -> str:
    if scale not in HEATMAP_SCALES:
        raise DataError(f"heatmap scale must be one of {list(HEATMAP_SCALES)}, not {scale!r}.")
    return scale


def _static(view: View) -> None:
    """Make a view's animated artists ordinary ones (for a picture saved once)."""
    for a in view.animated:
        a.set_animated(False)


# ----------------------------------------------------------------------------------
# The inspector figure: (a)-(d), drawn once, blitted per timestep
# ----------------------------------------------------------------------------------
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
    >>> insp = InspectorFigure(tr, timestep=3)   # doctest: +SKIP
    >>> insp.set_timestep(4)                     # doctest: +SKIP
    >>> png = insp.png()                         # doctest: +SKIP
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
        self.heatmap_scale = _check_scale(heatmap_scale)
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
            self.heatmap_scale = _check_scale(heatmap_scale)
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
        sub = gs[2, :].subgridspec(len(HEATMAP_QUANTITIES), 1, hspace=0.08)
        heat_axes = [fig.add_subplot(sub[k, 0]) for k in range(len(HEATMAP_QUANTITIES))]
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
        for key, _, _ in BELT_COLUMNS:
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
        """The current view as JPEG bytes: about five times faster to encode than PNG,
        with full colour resolution (4:4:4) so thin coloured text stays clean."""
        from PIL import Image

        buf = np.asarray(self.canvas.buffer_rgba())
        img = Image.frombuffer("RGBA", (buf.shape[1], buf.shape[0]), buf, "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        img.convert("RGB").save(out, format="jpeg", quality=quality, subsampling=0)
        return out.getvalue()


def encode_png(rgba: np.ndarray, compress_level: int = 1, alpha: bool = False) -> bytes:
    """PNG bytes of an (H, W, 4) uint8 image; RGB only unless ``alpha``."""
    from PIL import Image

    arr = np.asarray(rgba)
    img = Image.fromarray(np.ascontiguousarray(arr if alpha else arr[..., :3]))
    buf = io.BytesIO()
    img.save(buf, format="png", compress_level=compress_level)
    return buf.getvalue()


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
    >>> fig = plot_inspector(tr, timestep=5, units=[0, 3])   # doctest: +SKIP
    >>> fig.savefig("inspector.png")                         # doctest: +SKIP
    """
    insp = InspectorFigure(trace, layer, sample, timestep, units, heatmap_scale=heatmap_scale)
    for v in insp.views:
        _static(v)
    for col in (*insp.belt.rects.values(), *insp.belt.texts.values()):
        for a in col:
            a.set_visible(True)
    return insp.figure


__all__ = [
    "BELT_COLUMNS",
    "HEATMAP_QUANTITIES",
    "HEATMAP_SCALES",
    "MAX_BELT_UNITS",
    "MAX_LABEL_CHARS",
    "PLAIN_TEXT",
    "BeltView",
    "HeatmapView",
    "InspectorFigure",
    "SampleData",
    "UnitTracesView",
    "View",
    "WindowView",
    "display_text",
    "encode_png",
    "format_value",
    "inline_label",
    "plain_label",
    "plot_conveyor_belt",
    "plot_gate_heatmaps",
    "plot_inspector",
    "plot_saturation",
    "plot_unit_traces",
    "plot_window",
]
