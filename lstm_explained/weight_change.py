"""How far training moved each gate's weights from their initial values.

The control for any claim that "the trained LSTM set its gates": if a gate's weights are
still close to where the initialiser put them, what that gate does was mostly decided
before training. :func:`weight_change` compares a trained Keras model with the same
architecture at its initial weights, for every LSTM layer, every weight array (``kernel``,
``recurrent_kernel``, ``bias``) and every gate's block of it (Keras' order, declared once in
:data:`lstm_explained.kinds.LSTM`: input, forget, candidate, output), as the relative
distance ``||W − W0|| / ||W0||`` (Frobenius norms). A block whose initial values are all
zero (the input, candidate and output biases: Keras' ``unit_forget_bias`` starts the forget
bias at 1 and the others at 0) has no relative distance: its absolute distance
``||W − W0||`` is reported instead, and flagged (:attr:`WeightChange.is_relative`).

**Where the initial weights W0 come from.** :func:`lstm_explained.model.untrained_copy`
(``keras.utils.set_random_seed(seed)`` then ``keras.models.clone_model``) reruns the
model's own initialisers:

* the shipped ``"sine"`` and ``"sp500"`` models were built with the global seed 0 and
  Keras' default (unseeded) initialisers, so ``untrained_copy(model, seed=0)`` reproduces
  their initial weights (checked: retraining that copy with the shipped recipe gives the
  shipped sine model again, to float32 rounding, while a copy with another seed is as far
  from it as two random draws are from each other);
* a model from :func:`lstm_explained.model.build_model` carries seeded initialisers, so any
  ``untrained_copy`` of it, whatever its seed, is its initial state.

For any other model, pass the initial weights you kept (``keras.models.clone_model`` and
``set_weights`` before training). Pass a second initialisation, drawn with another seed, as
``fresh`` to get the scale to read the changes on: how far apart two initialisations are
(about √2 for random kernels, 0 for the constant biases).

Keras is imported only when :func:`weight_change` runs; the result is plain numpy.

Example
-------
>>> import lstm_explained as lx
>>> model = lx.model.load_pretrained("sine")
>>> change = weight_change(model, lx.model.untrained_copy(model, seed=0))
>>> change.layers, change.gates
(('lstm_1', 'lstm_2'), ('input', 'forget', 'candidate', 'output'))
>>> bool(change.relative[0, 1].max() < 0.5)   # lstm_1's recurrent kernel barely moved
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lstm_explained._keras import keras
from lstm_explained.errors import ModelError
from lstm_explained.keras_layers import cell_kind, cell_weights
from lstm_explained.kinds import LSTM

#: The weight arrays of a Keras LSTM layer, in ``layer.get_weights()`` order.
BLOCKS: tuple[str, ...] = ("kernel", "recurrent_kernel", "bias")


@dataclass(frozen=True)
class WeightChange:
    """Distances of a trained model's LSTM weights from their initial values, per block.

    Every array is (layers, blocks, gates): ``layers`` x ``blocks`` (kernel, recurrent
    kernel, bias) x ``gates`` (Keras' order, :attr:`lstm_explained.kinds.LSTM.keras_blocks`).

    Attributes
    ----------
    layers : tuple of str
        The LSTM layers' names (a Bidirectional layer gives ``name.forward`` and
        ``name.backward``).
    blocks : tuple of str
        The weight arrays (kernel, recurrent kernel, bias), in the order of the second axis.
    gates : tuple of str
        The gates, in the order of the third axis.
    distance : ndarray
        ``||W − W0||`` of each gate's block.
    initial_norm : ndarray
        ``||W0||``; 0 where the initial block is all zeros.
    between_inits : ndarray or None
        ``||W0' − W0|| / ||W0||`` (absolute where ``||W0|| = 0``) for a second
        initialisation ``W0'``: how far apart two initialisations are. None without one.
    """

    layers: tuple[str, ...]
    gates: tuple[str, ...]
    blocks: tuple[str, ...]
    distance: np.ndarray
    initial_norm: np.ndarray
    between_inits: np.ndarray | None = None

    @property
    def is_relative(self) -> np.ndarray:
        """True where :attr:`change` is relative (``||W0|| > 0``), False where absolute."""
        return self.initial_norm > 0

    @property
    def relative(self) -> np.ndarray:
        """``||W − W0|| / ||W0||``; NaN where ``||W0|| = 0`` (see :attr:`change`)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.is_relative, self.distance / self.initial_norm, np.nan)

    @property
    def change(self) -> np.ndarray:
        """The relative distance, or the absolute one where the initial block is zero."""
        return np.where(self.is_relative, self.relative, self.distance)

    def __getitem__(self, key: tuple[str, str, str]) -> float:
        """``change[layer, block, gate]``: one entry of :attr:`change`."""
        layer, block, gate = key
        return float(self.change[self._index(layer, block, gate)])

    def _index(self, layer: str, block: str, gate: str) -> tuple[int, int, int]:
        for name, value, options in (("layer", layer, self.layers),
                                     ("block", block, self.blocks),
                                     ("gate", gate, self.gates)):
            if value not in options:
                raise KeyError(f"no {name} {value!r}; choose one of {', '.join(options)}")
        return self.layers.index(layer), self.blocks.index(block), self.gates.index(gate)

    def most_moved(self, layer: str, block: str = "recurrent_kernel") -> str:
        """The gate whose block of ``block`` in ``layer`` moved furthest (by :attr:`change`)."""
        self._index(layer, block, self.gates[0])
        row = self.change[self.layers.index(layer), self.blocks.index(block)]
        return self.gates[int(np.argmax(row))]

    def table(self, digits: int = 3) -> str:
        """The changes as a text table: one row per layer and block, one column per gate.

        Relative distances are plain numbers; an absolute one (initial block all zeros) is
        marked ``*``. With :attr:`between_inits`, a last column gives the median distance
        between two initialisations over the row's gates, the scale to read the row on.
        """
        head = ["layer", "weights", *self.gates]
        if self.between_inits is not None:
            head.append("two inits apart")
        rows = [head]
        for li, layer in enumerate(self.layers):
            for bi, block in enumerate(self.blocks):
                cells = [f"{v:.{digits}f}" + ("" if rel else "*") for v, rel in
                         zip(self.change[li, bi], self.is_relative[li, bi], strict=True)]
                row = [layer, block, *cells]
                if self.between_inits is not None:
                    row.append(f"{np.median(self.between_inits[li, bi]):.{digits}f}")
                rows.append(row)
        widths = [max(len(r[c]) for r in rows) for c in range(len(head))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
                 for r in rows]
        lines.append("relative distance ||W - W0|| / ||W0||; * absolute ||W - W0|| "
                     "(the initial block is all zeros)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _lstm_layers(model: Any, what: str) -> list[tuple[str, list[np.ndarray]]]:
    """``(name, [kernel, recurrent kernel, bias])`` of every LSTM layer of ``model``,
    Bidirectional halves too, read once through the Keras adapter
    (:func:`~lstm_explained.keras_layers.cell_weights`), as float64; a layer without a
    bias gets zeros (as if it were zero and never moved)."""
    k = keras()
    if not isinstance(model, k.Model):
        raise ModelError(f"{what} must be a Keras model, not {type(model).__name__}.")
    found = []
    for layer in model.layers:
        if cell_kind(layer) is LSTM:
            found.append((layer.name, layer))
        elif isinstance(layer, k.layers.Bidirectional) and cell_kind(layer.forward_layer) is LSTM:
            found += [(f"{layer.name}.forward", layer.forward_layer),
                      (f"{layer.name}.backward", layer.backward_layer)]
    if not found:
        raise ModelError(f"{what} has no keras.layers.{LSTM.keras_layer} layer; weight_change "
                         "compares the weights of LSTM layers.")
    out = []
    for name, layer in found:
        w = cell_weights(layer, name)
        bias = np.zeros(w.kernel.shape[-1]) if w.bias is None else w.bias
        out.append((name, [np.asarray(a, np.float64) for a in (w.kernel, w.recurrent_kernel,
                                                                bias)]))
    return out


def _norms(layers: list[tuple[str, list[np.ndarray]]],
           others: list[tuple[str, list[np.ndarray]]]) -> tuple[np.ndarray, np.ndarray]:
    """(distance, norm of the second) per layer, block and gate: ||W - W'||, ||W'||."""
    g = len(LSTM.keras_blocks)
    dist = np.zeros((len(layers), len(BLOCKS), g))
    norm = np.zeros_like(dist)
    for li, ((_, ws), (_, ws0)) in enumerate(zip(layers, others, strict=True)):
        for bi, (w, w0) in enumerate(zip(ws, ws0, strict=True)):
            n = w.shape[-1] // g
            for gi in range(g):
                block, block0 = w[..., gi * n:(gi + 1) * n], w0[..., gi * n:(gi + 1) * n]
                dist[li, bi, gi] = np.linalg.norm(block - block0)
                norm[li, bi, gi] = np.linalg.norm(block0)
    return dist, norm


def _check_same(layers: list[tuple[str, list[np.ndarray]]],
                others: list[tuple[str, list[np.ndarray]]], what: str) -> None:
    ours = [(name, [w.shape for w in ws]) for name, ws in layers]
    theirs = [(name, [w.shape for w in ws]) for name, ws in others]
    if ours != theirs:
        raise ModelError(
            f"{what} does not have the trained model's LSTM layers: {theirs} against "
            f"{ours}. Pass the same architecture at its initial weights, e.g. "
            "lx.model.untrained_copy(model)."
        )


def weight_change(model: Any, initial: Any, fresh: Any = None) -> WeightChange:
    """How far each gate's weights in ``model`` are from their values in ``initial``.

    Parameters
    ----------
    model : keras.Model
        The trained model.
    initial : keras.Model
        The same architecture at the trained model's initial weights; for the shipped
        models and :func:`~lstm_explained.model.build_model` ones,
        ``lx.model.untrained_copy(model, seed=0)`` (see the module's notes).
    fresh : keras.Model, optional
        A second initialisation, drawn with another seed: its distance from ``initial``
        is the scale on which to read the changes. ``build_model(seed=1)`` for the seed's
        stack; ``untrained_copy(model, seed=1)`` only for a model whose initialisers
        carry no seed of their own (the shipped ones), since a clone of seeded
        initialisers draws the same weights whatever the global seed.

    Returns
    -------
    WeightChange
        Distances per layer, weight array and gate; ``.table()`` shows them.

    Raises
    ------
    ModelError
        When a model is not a Keras model, has no LSTM layer, the architectures differ, or
        ``fresh`` has the very weights of ``initial`` (not a second initialisation).

    Example
    -------
    >>> import lstm_explained as lx
    >>> m = lx.model.build_model((1, 4, 1))
    >>> c = weight_change(m, lx.model.untrained_copy(m))
    >>> float(c.change.max())     # an untrained model has not moved
    0.0
    >>> print(c.table().splitlines()[0])
    layer   weights           input   forget  candidate  output
    """
    layers = _lstm_layers(model, "model")
    start = _lstm_layers(initial, "initial")
    _check_same(layers, start, "initial")
    other = None
    if fresh is not None:
        other = _lstm_layers(fresh, "fresh")
        _check_same(layers, other, "fresh")
        if all(np.array_equal(w, w0) for (_, ws), (_, ws0) in zip(other, start, strict=True)
               for w, w0 in zip(ws[:2], ws0[:2], strict=True)):
            raise ModelError(
                "fresh has the same kernels as initial, so it cannot show how far apart two "
                "initialisations are. Draw a second one with another seed, e.g. "
                "lx.model.build_model(seed=1) (a clone of a model with seeded initialisers "
                "draws the same weights whatever the seed)."
            )
    distance, initial_norm = _norms(layers, start)
    between = None
    if other is not None:
        apart, _ = _norms(other, start)
        with np.errstate(divide="ignore", invalid="ignore"):
            between = np.where(initial_norm > 0, apart / initial_norm, apart)
    return WeightChange(
        layers=tuple(name for name, _ in layers),
        gates=LSTM.keras_blocks,
        blocks=BLOCKS,
        distance=distance,
        initial_norm=initial_norm,
        between_inits=between,
    )


__all__ = ["BLOCKS", "WeightChange", "weight_change"]
