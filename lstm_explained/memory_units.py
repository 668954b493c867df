"""Which units carry the adding problem's sum on the conveyor belt: found by computation.

An LSTM solves the adding problem (:mod:`lstm_explained.adding`) with a memory unit: its
input gate opens at the two marked steps and stays shut elsewhere, its forget gate stays
near 1 between the marks (and after them), so its cell state C_t holds the running sum of
the marked values, ``sum(value * marker)`` up to step t. :func:`find_memory_units`
measures the three for every unit of a traced layer:

* ``input_contrast``: the input gate's mean at marked steps minus its mean at unmarked
  steps (near 1: opens at the marks only);
* ``forget_between`` and ``forget_after``: the forget gate's mean strictly between the
  first and second mark, and after the second (near 1: the belt keeps what it holds);
* ``sum_correlation``: Pearson's correlation of C_t with the running sum over every
  sample and step;
* ``held_correlation``: the same among steps that have seen the same number of marks
  (near +1 or -1: the belt holds the sum, perhaps with its sign flipped). A memory writes
  ``a * value + b`` at each mark, so it holds ``a * sum + b * marks``: the ``b`` shifts the
  belt at each mark and lowers the plain correlation, but not this one, which is the one
  the test of a memory unit uses.

A GRU layer is measured the same way through its own gates, in Keras' convention (z
keeps, 1 - z writes; see :mod:`lstm_explained.kinds.gru`): ``1 - z_t`` stands for the
input gate (the share written), ``z_t`` for the forget gate (the share kept) and the
hidden state ``h_t``, a GRU's belt, for the cell state.

Numpy only: it reads a trace (``lx.trace_gates(model, x)``), never a Keras model.

Example
-------
>>> import numpy as np
>>> import lstm_explained as lx
>>> x, _ = lx.data.adding_problem(50, length=20, seed=0)
>>> marks, held = x[..., 1:], lx.data.running_sum(x)[..., None]
>>> noise = np.random.default_rng(0).random(marks.shape)
>>> gates = {"input": np.concatenate([marks, noise], -1),          # unit 0 writes at the marks
...          "forget": np.concatenate([np.ones_like(marks), noise], -1),
...          "cell": np.concatenate([0.5 * held, noise], -1)}      # and holds the sum
>>> gates |= {q: np.zeros((50, 20, 2)) for q in ("candidate", "output", "hidden")}
>>> lt = lx.LayerTrace(name="lstm", layer_name="lstm", inputs=x, arrays=gates)
>>> found = find_memory_units(lt)
>>> found.units.tolist(), found.memory.tolist()
([0, 1], [True, False])
>>> print(found.table(top=1))
unit  i_t contrast  f_t between  f_t after  corr(C_t, sum)  same marks  memory
   0         1.000        1.000      1.000           1.000       1.000     yes
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lstm_explained._stats import column_correlations
from lstm_explained.adding import marked_steps, running_sum
from lstm_explained.errors import DataError
from lstm_explained.kinds import KINDS
from lstm_explained.layer_trace import LayerTrace
from lstm_explained.trace import Trace

#: A memory unit's input gate is this much more open at the marks than elsewhere ...
INPUT_CONTRAST = 0.5
#: ... its forget gate is above this between the marks ...
FORGET_BETWEEN = 0.95
#: ... and its cell state correlates with the running sum at least this much (in size),
#: among steps that have seen the same number of marks.
SUM_CORRELATION = 0.9

#: The table's columns: a title (``{write}``, ``{keep}``, ``{belt}``: the measured layer's
#: own symbols, see :attr:`MemoryUnits.symbols`) and the field it shows.
_COLUMNS = (
    ("{write} contrast", "input_contrast"),
    ("{keep} between", "forget_between"),
    ("{keep} after", "forget_after"),
    ("corr({belt}, sum)", "sum_correlation"),
    ("same marks", "held_correlation"),
)


@dataclass(frozen=True)
class MemoryUnits:
    """Per unit, how much it behaves like the adding problem's memory; best first.

    Every array has one entry per unit, in the order of ``units``: first the units that
    pass all three tests (``memory``), then the others, each group by ``|held_correlation|``.

    Attributes
    ----------
    units : ndarray
        Unit indices in the layer, best first.
    input_contrast : ndarray
        Input gate mean at marked steps minus its mean at unmarked steps.
    forget_between : ndarray
        Forget gate mean at the steps strictly between the two marks.
    forget_after : ndarray
        Forget gate mean at the steps after the second mark (NaN if none).
    sum_correlation : ndarray
        Pearson correlation of C_t with the running sum of marked values.
    held_correlation : ndarray
        The same among the steps that have seen the same number of marks (each count's
        mean taken out of both): how well the belt holds the sum, whatever constant each
        mark also writes.
    memory : ndarray
        bool: ``input_contrast > INPUT_CONTRAST``, ``forget_between > FORGET_BETWEEN``
        and ``|held_correlation| > SUM_CORRELATION``, all three.
    layer : str
        Name of the layer trace measured.
    symbols : tuple of str
        The measured layer's symbols for the share written, the share kept and the belt
        (an LSTM's i_t, f_t, C_t; a GRU's 1−z_t, z_t, h_t): the table's titles use them.
    """

    units: np.ndarray
    input_contrast: np.ndarray
    forget_between: np.ndarray
    forget_after: np.ndarray
    sum_correlation: np.ndarray
    held_correlation: np.ndarray
    memory: np.ndarray
    layer: str = ""
    symbols: tuple[str, str, str] = ("i_t", "f_t", "C_t")

    def __len__(self) -> int:
        return len(self.units)

    def table(self, top: int | None = None) -> str:
        """The measures as a plain-text table, the ``top`` best units (all by default)."""
        names = dict(zip(("write", "keep", "belt"), self.symbols, strict=True))
        rows = [["unit", *(title.format(**names) for title, _ in _COLUMNS), "memory"]]
        for k in range(len(self) if top is None else min(top, len(self))):
            numbers = [f"{getattr(self, field)[k]:.3f}" for _, field in _COLUMNS]
            rows.append([str(self.units[k]), *numbers, "yes" if self.memory[k] else "no"])
        widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
        return "\n".join(
            "  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) for row in rows
        )

    def __repr__(self) -> str:
        shown = min(5, len(self))
        more = f"\n... {len(self) - shown} more units" if len(self) > shown else ""
        head = f"MemoryUnits(layer={self.layer!r}, {int(self.memory.sum())} memory units)"
        return f"{head}\n{self.table(top=shown)}{more}"


def _layer(trace: Any) -> LayerTrace:
    """The one layer trace to measure: ``trace`` itself, or a one-layer Trace's layer."""
    if isinstance(trace, Trace):
        if len(trace) != 1:
            raise DataError(
                f"this trace has {len(trace)} layers ({trace.layer_names}); pass one of them, "
                f"e.g. find_memory_units(trace[{trace.layer_names[0]!r}], x)."
            )
        trace = trace[trace.layer_names[0]]
    if not isinstance(trace, LayerTrace) or not trace.spec.keep_gate:
        measured = " or ".join(k.title for k in KINDS.values() if k.keep_gate)
        raise DataError(
            f"find_memory_units needs an {measured} layer trace (from lx.trace_gates(model, "
            f"x)); got {type(trace).__name__}."
        )
    return trace


def _write_keep_belt(lt: LayerTrace) -> tuple[tuple[np.ndarray, ...], tuple[str, ...]]:
    """(share written, share kept, belt), each (N, T, units) in input order, and their
    symbols, as the layer's kind declares them (:attr:`CellKind.keep_gate`,
    ``write_gate``): an LSTM's i, f and C; a GRU's 1 - z, z and h (Keras' z keeps)."""
    spec = lt.spec

    def numbers(q: str) -> np.ndarray:
        return np.asarray(lt.in_input_order(q), dtype=np.float64)

    keep, belt = numbers(spec.keep_gate), numbers(spec.belt)
    if spec.write_gate:
        write, write_symbol = numbers(spec.write_gate), spec[spec.write_gate].text
    else:
        write, write_symbol = 1.0 - keep, f"1−{spec[spec.keep_gate].text}"
    return (write, keep, belt), (write_symbol, spec[spec.keep_gate].text, spec[spec.belt].text)


def find_memory_units(trace: Any, x: Any = None, top: int | None = None) -> MemoryUnits:
    """Measure every unit of an LSTM (or GRU) layer traced on adding-problem sequences.

    Parameters
    ----------
    trace : LayerTrace or Trace
        ``lx.trace_gates(model, x)`` (a one-layer trace) or one of its layers.
    x : array_like, optional
        The (N, T, 2) adding-problem sequences the trace was made from (values and
        markers); by default the layer's own inputs, when it is fed them directly.
    top : int, optional
        Keep only the ``top`` best units.

    Returns
    -------
    MemoryUnits
        The measures of every unit (or the ``top`` best), best first; print it for a table.

    Raises
    ------
    DataError
        When the trace is not an LSTM or GRU layer's, ``x`` does not match it or is not
        adding-problem sequences, or ``top`` is not a whole number >= 1.

    Example
    -------
    The shipped model's memory (``print(found)`` shows the table):

    >>> import lstm_explained as lx
    >>> model = lx.model.load_pretrained("adding")
    >>> x, _ = lx.data.adding_problem(200, length=100, seed=1)
    >>> found = find_memory_units(lx.trace_gates(model, x), x, top=3)
    >>> bool(found.memory[0]), bool(found.forget_between[0] > FORGET_BETWEEN), len(found)
    (True, True, 3)
    """
    if top is not None and (
        isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1
    ):
        raise DataError(f"top must be a whole number >= 1 or None, not {top!r}.")
    lt = _layer(trace)
    (i_gate, f_gate, cell), symbols = _write_keep_belt(lt)
    x = np.asarray(lt.in_input_order("inputs") if x is None else x)
    if x.shape[:2] != cell.shape[:2]:
        raise DataError(
            f"x holds {x.shape[:2]} (sequences, steps) but the trace {cell.shape[:2]}; pass "
            "the sequences the trace was made from."
        )
    marks = marked_steps(x)  # checks (N, T, 2) with exactly two marks each
    steps = np.arange(x.shape[1])
    marked = x[..., 1] == 1
    between = (steps > marks[:, :1]) & (steps < marks[:, 1:])
    after = steps > marks[:, 1:]
    input_contrast = _mean(i_gate, marked) - _mean(i_gate, ~marked)
    forget_between, forget_after = _mean(f_gate, between), _mean(f_gate, after)
    total = running_sum(x)
    correlation = _correlation(cell, total)
    seen = np.cumsum(marked, axis=1)  # how many marks each step has seen: 0, 1 or 2
    held = _correlation(_centred(cell, seen), _centred(total, seen))
    memory = (
        (input_contrast > INPUT_CONTRAST)
        & (forget_between > FORGET_BETWEEN)
        & (np.abs(held) > SUM_CORRELATION)
    )
    order = np.lexsort((-np.abs(held), ~memory))
    if top is not None:
        order = order[:top]
    return MemoryUnits(
        units=order,
        input_contrast=input_contrast[order],
        forget_between=forget_between[order],
        forget_after=forget_after[order],
        sum_correlation=correlation[order],
        held_correlation=held[order],
        memory=memory[order],
        layer=lt.name,
        symbols=symbols,
    )


def _mean(gate: np.ndarray, where: np.ndarray) -> np.ndarray:
    """(units,) mean of ``gate`` over the (sample, step) pairs where ``where``; NaN if none."""
    if not where.any():
        return np.full(gate.shape[-1], np.nan)
    return gate[where].mean(axis=0)


def _centred(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """``values`` (N, T, ...) minus their mean over the (sample, step) pairs of each group."""
    out = np.array(values, dtype=np.float64)
    for g in np.unique(groups):
        where = groups == g
        out[where] -= out[where].mean(axis=0)
    return out


def _correlation(cell: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(units,) Pearson correlation of each unit's cell state with ``target``; 0 if constant."""
    return column_correlations(cell.reshape(-1, cell.shape[-1]), target.reshape(-1))


__all__ = [
    "FORGET_BETWEEN",
    "INPUT_CONTRAST",
    "SUM_CORRELATION",
    "MemoryUnits",
    "find_memory_units",
]
