"""What a recurrent cell kind declares, once, for every part of the package to loop over.

A :class:`CellKind` names a cell's quantities (its gates and states) with their symbols in
Olah's notation, colours and colour maps, says which state is the conveyor belt, how Keras
lays out the layer's weights, which numpy code runs the cell, and how the belt's books are
kept (what is kept, forgotten and written at each step). The tracer, the trace files, the
analyses, the plots, the widget and the exports read these declarations; none of them
types a gate's name, symbol or colour. Adding a cell kind is one new module beside
:mod:`lstm_explained.kinds.lstm`, registered in :mod:`lstm_explained.kinds`.

Example
-------
>>> from lstm_explained.kinds import get_kind
>>> lstm = get_kind("lstm")
>>> lstm.names
('forget', 'input', 'candidate', 'output', 'cell', 'hidden')
>>> lstm["candidate"].text, lstm.belt
('C̃_t', 'cell')
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: How a quantity's values range: ``"unit"`` in [0, 1] (a gate), ``"signed"`` around 0.
RANGES = ("unit", "signed")


@dataclass(frozen=True)
class Quantity:
    """One array a cell computes at every step, for every unit.

    Attributes
    ----------
    name : str
        Its name in code and in trace files, e.g. ``"forget"``.
    symbol : str
        Olah's symbol as matplotlib mathtext, e.g. ``r"$f_t$"``.
    text : str
        The same symbol as plain Unicode text (widgets, HTML, terminals), e.g. ``"f_t"``.
    color : str
        Its colour everywhere (a hex colour of the colour-blind-safe Okabe-Ito palette).
    cmap : str
        Matplotlib colour map of its heatmaps.
    range : {"unit", "signed"}
        ``"unit"``: it lives in [0, 1] (a gate); ``"signed"``: centred on 0.
    role : str
        What it does, in the conveyor-belt story (one line).
    kind : {"gate", "candidate", "state"}
        A gate (sigmoid-like, a fraction let through), a candidate (what could be
        written), or a state carried from step to step.
    """

    name: str
    symbol: str
    text: str
    color: str
    cmap: str
    range: str
    role: str
    kind: str

    def __post_init__(self) -> None:
        if self.range not in RANGES:
            raise ValueError(f"range must be one of {RANGES}, not {self.range!r}")
        if self.kind not in ("gate", "candidate", "state"):
            raise ValueError(f"kind must be gate, candidate or state, not {self.kind!r}")


@dataclass(frozen=True)
class BeltColumn:
    """One column of the conveyor-belt picture: a value of the belt's books at step t.

    ``key`` is a quantity name or a ledger entry (``previous``, ``kept``, ``forgotten``,
    ``written``, ``squashed``); ``symbol``/``text`` label it; ``color_of`` is the quantity
    whose colour it takes; ``group`` is the stage it belongs to (one caption per group);
    ``op`` is drawn between it and the column before (``"="``, ``"→"``), if any.
    """

    key: str
    symbol: str
    text: str
    color_of: str
    group: str
    op: str = ""


#: The shapes of a :class:`Mark`.
MARK_SHAPES = ("line", "arrow", "op", "node")


@dataclass(frozen=True)
class Mark:
    """One mark of the cell diagram, the inspector's picture of one step of one unit
    (an SVG of 600 x 230 units; y grows downwards).

    Attributes
    ----------
    shape : {"line", "arrow", "op", "node"}
        ``line``: from ``at = (x1, y1, x2, y2)``; ``arrow``: the belt's arrow head, its
        tip at ``at = (x, y)``; ``op``: an operation's sign (``text``, e.g. "×") in a
        circle at ``(x, y)``; ``node``: a value at ``(x, y)``, its symbol above its
        number at the chosen step (``key``: a quantity or a belt column).
    at : tuple of float
        Coordinates, as above.
    key : str
        ``node``: what it shows; ``line``, ``arrow``, ``op``: the quantity or belt
        column whose colour it takes ("" for the belt's colour).
    text : str
        ``op``: its sign.
    width : float
        ``line``: stroke width.
    anchor : {"middle", "start", "end"}
        ``node``: how its text is aligned on ``x``.
    """

    shape: str
    at: tuple[float, ...]
    key: str = ""
    text: str = ""
    width: float = 2.0
    anchor: str = "middle"

    def __post_init__(self) -> None:
        sizes = {"line": 4, "arrow": 2, "op": 2, "node": 2}
        if self.shape not in MARK_SHAPES or len(self.at) != sizes[self.shape]:
            raise ValueError(f"bad diagram mark: {self.shape!r} at {self.at!r}")


def belt_row(keep_gate: str) -> tuple[Mark, ...]:
    """The top of every kind's cell diagram, drawn at the same places: the belt running
    from its previous value (left) to its arrow head, multiplied by ``keep_gate`` (drawn
    below it) into what is ``kept`` and ``forgotten``, then the ``+`` where what is
    ``written`` joins it from below."""
    return (
        Mark("line", (70, 48, 590, 48), width=4), Mark("arrow", (600, 48)),
        Mark("node", (36, 12), "previous"),
        Mark("op", (150, 48), keep_gate, "\u00d7"), Mark("line", (150, 59, 150, 150), keep_gate),
        Mark("node", (150, 162), keep_gate),
        Mark("node", (222, 12), "kept"), Mark("node", (222, 76), "forgotten"),
        Mark("op", (300, 48), "written", "+"), Mark("line", (300, 59, 300, 106), "written"),
    )


@dataclass(frozen=True)
class CellKind:
    """Everything the package needs to know about one kind of recurrent cell.

    Attributes
    ----------
    name : str
        Short name (``"lstm"``), stored in trace files.
    title : str
        Human name (``"LSTM"``).
    quantities : tuple of Quantity
        Every per-step array of a trace of this kind, gates first, in the order of
        Olah's walk through the cell.
    belt : str
        The state that is the conveyor belt (``"cell"``; a GRU's is ``"hidden"``).
    output : str
        The state the layer outputs (``"hidden"``).
    states : tuple of str
        The states carried from step to step (each may have an initial value in a trace).
    keras_layer : str
        Class name of the Keras layer (``"LSTM"``) and, ``keras_cell``, of its cell.
    keras_blocks : tuple of str
        The quantities whose pre-activations Keras concatenates along the last axis of
        ``kernel``, ``recurrent_kernel`` and ``bias``, in Keras' order (LSTM: i, f, c, o).
    ledger : callable
        ``ledger(layer_trace) -> dict`` of (N, T, units) arrays: the belt's ``previous``
        value and what was ``kept``, ``forgotten`` and ``written`` at every step (so
        ``previous = kept + forgotten`` and ``belt = kept + written``).
    step, runner, weights, buffers : str
        ``"module:name"`` of the readable one-step numpy cell (what the tutorials print),
        of the fast batched runner the tracer uses (see :meth:`run`), of the weights
        container both take (see :meth:`weights_from`), and of the function that
        allocates the runner's result arrays (its ``out``, see :meth:`empty_buffers`).
    belt_columns : tuple of BeltColumn
        The belt picture's columns, left to right.
    saturation_gates : tuple of str
        The gates whose saturation (Karpathy et al. 2015) is measured.
    equations : tuple of str
        The step, one LaTeX line per quantity (the docs and the inspector show them).
    keras_options : tuple of str
        Attributes of the Keras cell that change its arithmetic and that the weights
        container takes as keywords beside the arrays (a GRU's ``reset_after``).
    keras_config : frozenset of str
        Every key of the layer's and its cell's ``get_config()`` the numpy cell is known
        to reproduce (or that does not act at inference); a layer with any other key is
        refused, naming it. Empty: not checked.
    diagram : tuple of Mark
        The cell diagram of the inspector (what it shows for one unit at the chosen step),
        drawn mark by mark in this order.
    keep_gate, write_gate : str
        The gate whose value is the share of the belt kept at a step (an LSTM's forget
        gate, a GRU's update gate in Keras' convention), and the gate whose value is the
        share of the candidate written (an LSTM's input gate); ``write_gate`` empty: the
        share written is ``1 - keep_gate`` (a GRU). The memory-unit measures read them
        (:mod:`lstm_explained.memory_units`); empty ``keep_gate``: not measured.
    """

    name: str
    title: str
    quantities: tuple[Quantity, ...]
    belt: str
    output: str
    states: tuple[str, ...]
    keras_layer: str
    keras_cell: str
    keras_blocks: tuple[str, ...]
    ledger: Callable[..., dict[str, np.ndarray]] = field(repr=False)
    step: str = ""
    runner: str = ""
    weights: str = ""
    buffers: str = ""
    belt_columns: tuple[BeltColumn, ...] = ()
    saturation_gates: tuple[str, ...] = ()
    equations: tuple[str, ...] = ()
    keras_options: tuple[str, ...] = ()
    keras_config: frozenset[str] = frozenset()
    diagram: tuple[Mark, ...] = ()
    keep_gate: str = ""
    write_gate: str = ""
    _by_name: Mapping[str, Quantity] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {q.name: q for q in self.quantities})
        names = set(self._by_name)
        for group, wanted in (("states", self.states), ("keras_blocks", self.keras_blocks),
                              ("saturation_gates", self.saturation_gates),
                              ("belt", (self.belt, self.output)),
                              ("keep_gate / write_gate",
                               tuple(g for g in (self.keep_gate, self.write_gate) if g))):
            unknown = [n for n in wanted if n not in names]
            if unknown:
                raise ValueError(f"{self.name}: {group} names unknown quantities {unknown}")
        keys = names | {c.key for c in self.belt_columns} | {""}
        unknown = [m.key for m in self.diagram if m.key not in keys]
        if unknown:
            raise ValueError(f"{self.name}: the diagram names unknown keys {unknown}")

    # -- lookups -------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        """The quantities' names, in order."""
        return tuple(q.name for q in self.quantities)

    @property
    def gates(self) -> tuple[str, ...]:
        """The gates and the candidate: the quantities computed fresh at every step."""
        return tuple(q.name for q in self.quantities if q.kind != "state")

    def __getitem__(self, name: str) -> Quantity:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(
                f"{self.title} has no quantity {name!r}; it has {', '.join(self.names)}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def colors(self) -> dict[str, str]:
        """``{quantity: colour}``."""
        return {q.name: q.color for q in self.quantities}

    def symbols(self, plain: bool = False) -> dict[str, str]:
        """``{quantity: symbol}``, as mathtext or (``plain``) as Unicode text."""
        return {q.name: (q.text if plain else q.symbol) for q in self.quantities}

    def color_of(self, key: str) -> str:
        """The colour of a quantity, or of a belt column (a ledger entry) by its key."""
        if key in self._by_name:
            return self._by_name[key].color
        for col in self.belt_columns:
            if col.key == key:
                return self._by_name[col.color_of].color
        raise KeyError(f"{self.title} has no quantity or belt column {key!r}")

    def step_function(self) -> Callable[..., Any]:
        """The readable one-step cell (e.g. :func:`lstm_explained.cell.lstm_step`)."""
        return _resolve(self.step)

    def random_weights(self, features: int, units: int, seed: int = 0) -> Any:
        """Random weights of the kind's container, for examples and toy traces."""
        return _resolve(self.weights).random(features=features, units=units, seed=seed)

    def weights_from(self, **arrays: Any) -> Any:
        """The kind's weights container, from Keras' arrays (``kernel``, ...) and options."""
        return _resolve(self.weights)(**arrays)

    @property
    def keras_states(self) -> tuple[str, ...]:
        """The states in the order a Keras layer returns them (``return_state``): the
        output first (an LSTM's h, then C).

        Example
        -------
        >>> from lstm_explained.kinds import LSTM
        >>> LSTM.keras_states
        ('hidden', 'cell')
        """
        return (self.output, *(s for s in self.states if s != self.output))

    def run(self, x: np.ndarray, weights: Any, **kwargs: Any) -> dict[str, np.ndarray]:
        """Run the fast engine over (N, T, features) ``x``: ``{quantity: (N, T, units)}``."""
        return _resolve(self.runner)(x, weights, **kwargs)

    def empty_buffers(self, n: int, steps: int, units: int, dtype: Any) -> Any:
        """Result arrays for :meth:`run` over ``n`` windows (its ``out``), allocated once:
        a :class:`~lstm_explained._buffers.Buffers`."""
        return _resolve(self.buffers)(n, steps, units, dtype)

    def describe(self) -> dict[str, Any]:
        """The declaration as plain JSON data (for the browser front end and the docs)."""
        return {
            "name": self.name,
            "title": self.title,
            "belt": self.belt,
            "output": self.output,
            "states": list(self.states),
            "quantities": [
                {"name": q.name, "symbol": q.symbol, "text": q.text, "color": q.color,
                 "range": q.range, "role": q.role, "kind": q.kind}
                for q in self.quantities
            ],
            "belt_columns": [
                {"key": c.key, "text": c.text, "color": self.color_of(c.color_of),
                 "group": c.group, "op": c.op}
                for c in self.belt_columns
            ],
            "equations": list(self.equations),
            "diagram": [self._mark(m) for m in self.diagram],
        }

    def _mark(self, m: Mark) -> dict[str, Any]:
        """A diagram mark as JSON data, with its colour and (for a node) its label."""
        out = {"shape": m.shape, "at": list(m.at), "key": m.key, "text": m.text,
               "width": m.width, "anchor": m.anchor,
               "color": self.color_of(m.key or self.belt)}
        if m.shape == "node":
            columns = {c.key: c.text for c in self.belt_columns}
            out["label"] = columns.get(m.key) or self[m.key].text
        return out


def _resolve(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def previous_state(lt: Any, state: str) -> np.ndarray:
    """The state before every step, (N, T, units): ``initial_<state>`` (zeros when None,
    as in Keras) at t = 0, then the state after step t - 1.

    Example
    -------
    >>> from types import SimpleNamespace
    >>> c = np.arange(3.0).reshape(1, 3, 1)
    >>> previous_state(SimpleNamespace(cell=c, initial_cell=None), "cell")[0, :, 0].tolist()
    [0.0, 0.0, 1.0]
    """
    values = np.asarray(getattr(lt, state))
    first = getattr(lt, f"initial_{state}", None)
    first = np.zeros_like(values[:, 0]) if first is None else np.asarray(first, values.dtype)
    return np.concatenate([first[:, None], values[:, :-1]], axis=1)


def hold_masked(books: dict[str, np.ndarray], lt: Any) -> dict[str, np.ndarray]:
    """The belt's books with Keras' masking applied: at a masked step (``lt.mask`` False)
    the belt did not move, so everything was kept and nothing forgotten or written.

    Example
    -------
    >>> from types import SimpleNamespace
    >>> one = np.ones((1, 2, 1))
    >>> books = {"previous": one, "kept": 0.5 * one, "forgotten": 0.5 * one, "written": one}
    >>> held = hold_masked(books, SimpleNamespace(mask=np.array([[True, False]])))
    >>> held["kept"][0, :, 0].tolist(), held["written"][0, :, 0].tolist()
    ([0.5, 1.0], [1.0, 0.0])
    """
    mask = getattr(lt, "mask", None)
    if mask is None:
        return books
    m = np.asarray(mask, dtype=bool)[..., None]
    books["kept"] = np.where(m, books["kept"], books["previous"])
    books["forgotten"] = np.where(m, books["forgotten"], 0.0)
    books["written"] = np.where(m, books["written"], 0.0)
    return books
