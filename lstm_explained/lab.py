r"""The gate lab: rerun a model with chosen gates overridden, and see what changes.

"What if the forget gate were 1?" :func:`intervene` answers it for a Keras model of the
seed's kind (a ``Sequential`` of forward LSTMs, dropout-like layers and a final
``Dense``): it runs the whole model in numpy in the engine (:mod:`lstm_explained.engine`),
replacing the chosen gates at the chosen units and steps *before* they act, so the change
flows on through the belt, the later steps, the later layers and the output::

    f_t ← clamp(f_t)                 at the chosen units and steps
    C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t   the belt moves on with the clamped gate
    h_t = o_t ⊙ tanh(C_t)            and so does everything after it

A clamp is a number (the gate is set to it), :func:`scale` (the gate is multiplied) or any
function of the original values. Without clamps the replay gives Keras' outputs (checked
on every call, within ``tolerance``), so a difference is the clamp's doing.

Example
-------
>>> import lstm_explained as lx
>>> model = lx.model.load_pretrained("sine")
>>> x = lx.data.make_windows(lx.data.sine_wave(), 50).x_test[:4]
>>> lab = lx.intervene(model, x, {"forget": 0.0})    # a belt that forgets at every step
>>> lab.outputs.shape, lab.original.verified
((4, 1), True)
>>> bool(abs(lab.effect).max() > 0.01)
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

import numpy as np

from lstm_explained.activations import ROW_WISE, get_activation
from lstm_explained.engine import run_lstm
from lstm_explained.errors import DataError, ModelError, TraceMismatchError
from lstm_explained.kinds import LSTM
from lstm_explained.layer_trace import LayerTrace
from lstm_explained.trace import Trace

#: The quantities a clamp may override: the LSTM's three gates and its candidate.
CLAMPABLE: tuple[str, ...] = LSTM.keras_blocks


@dataclass(frozen=True)
class Scale:
    """A clamp that multiplies the gate by ``factor`` (see :func:`scale`)."""

    factor: float

    def __call__(self, values: np.ndarray) -> np.ndarray:
        return values * self.factor

    def __repr__(self) -> str:
        return f"scale({self.factor:g})"


def scale(factor: float) -> Scale:
    """A clamp that multiplies a gate by ``factor``: ``{"input": lx.lab.scale(0.5)}``.

    Example
    -------
    >>> scale(0.5)(np.array([0.2, 1.0])).tolist()
    [0.1, 0.5]
    """
    if isinstance(factor, bool) or not np.isfinite(_number(factor, "scale factor")):
        raise DataError(f"a scale factor must be a finite number, not {factor!r}.")
    return Scale(float(factor))


@dataclass(frozen=True)
class Clamp:
    """One override: ``gate`` of LSTM layer ``layer`` (index in the stack) at ``units`` and
    ``steps`` (index arrays; None means all) becomes ``value`` (a number, or a function of
    the original values)."""

    gate: str
    value: float | Callable[[np.ndarray], np.ndarray]
    layer: int
    units: np.ndarray | None = None
    steps: np.ndarray | None = None

    def describe(self) -> dict[str, Any]:
        """A JSON-able description (``mode`` "set", "scale" or "function")."""
        if isinstance(self.value, Scale):
            mode, value = "scale", self.value.factor
        elif callable(self.value):
            mode, value = "function", getattr(self.value, "__name__", repr(self.value))
        else:
            mode, value = "set", float(self.value)
        return {
            "gate": self.gate, "mode": mode, "value": value, "layer": self.layer,
            "units": None if self.units is None else self.units.tolist(),
            "steps": None if self.steps is None else self.steps.tolist(),
        }

    def apply_inplace(self, values: np.ndarray) -> None:
        """Override ``values`` (batch, units) of this gate at one step, in place."""
        cols = slice(None) if self.units is None else self.units
        if callable(self.value):
            replaced = np.asarray(self.value(values[:, cols]), dtype=values.dtype)
            if replaced.shape != values[:, cols].shape:
                raise DataError(
                    f"the clamp of {self.gate!r} returned shape {replaced.shape}; it must "
                    f"return its input's shape {values[:, cols].shape}."
                )
            values[:, cols] = replaced
        else:
            values[:, cols] = self.value


def _number(value: Any, what: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DataError(f"{what} must be a number, not {value!r}.") from None


def _indices(value: Any, n: int, what: str) -> np.ndarray | None:
    """None, an int, a slice or a list of ints as sorted unique indices within ``n``."""
    if value is None:
        return None
    if isinstance(value, slice):
        return np.arange(n)[value]
    arr = np.atleast_1d(np.asarray(value))
    if arr.dtype == bool or arr.dtype.kind not in "iu" or arr.ndim != 1:
        raise DataError(f"{what} must be an int, a list of ints or a slice; got {value!r}.")
    if arr.size and (arr.min() < -n or arr.max() >= n):
        raise DataError(f"{what} {value!r} out of range: there are {n} (0 to {n - 1}).")
    return np.unique(arr % n)


@cache
def reachable(activation: str) -> tuple[float, float]:
    """The smallest and largest value ``activation`` produces (computed on a wide grid),
    e.g. (0, 1) for sigmoid: a gate set outside it is one the layer could never produce.

    Example
    -------
    >>> reachable("sigmoid"), reachable("tanh")
    ((0.0, 1.0), (-1.0, 1.0))
    """
    grid = np.concatenate([[-1e30, -1e6], np.linspace(-60.0, 60.0, 120_001), [1e6, 1e30]])
    fn = get_activation(activation)
    with np.errstate(all="ignore"):
        values = fn(np.stack([grid, -grid], axis=-1)) if activation in ROW_WISE else fn(grid)
    values = values[np.isfinite(values)]
    return float(values.min()), float(values.max())


def make_clamps(
    clamp: Mapping[str, Any], stack: Any, layer: int | str | None = None,
    units: Any = None, steps: Any = None, timesteps: int | None = None,
    allow_outside: bool = False,
) -> tuple[Clamp, ...]:
    """``clamp`` ({gate: number or function}) for the layers, units and steps chosen, as
    :class:`Clamp` objects, every argument checked before anything runs. A value outside
    what the gate's activation can produce (:func:`reachable`) is refused unless
    ``allow_outside``."""
    if not isinstance(clamp, Mapping):
        raise DataError(
            "clamp must be a dict {gate: value}, e.g. {'forget': 1.0} or "
            "{'input': lx.lab.scale(0.5)}."
        )
    names = [lay.name for lay in stack.layers]
    if layer is None:
        chosen = list(range(len(names)))
    elif isinstance(layer, str):
        if layer not in names:
            raise DataError(f"no LSTM layer named {layer!r}; the model's are {names}.")
        chosen = [names.index(layer)]
    else:
        chosen = [int(i) for i in _indices(layer, len(names), "layer")]
    out = []
    for gate, value in clamp.items():
        if gate not in CLAMPABLE:
            raise DataError(f"cannot clamp {gate!r}; choose from {list(CLAMPABLE)}.")
        if not callable(value):
            v = _number(value, f"the value of {gate!r}")
            if not np.isfinite(v):
                raise DataError(f"the value of {gate!r} must be finite, not {value!r}.")
            value = v
        for i in chosen:
            w = stack.layers[i].weights
            act = w.activation if gate == "candidate" else w.recurrent_activation
            lo, hi = reachable(act)
            if not callable(value) and not allow_outside and not lo <= value <= hi:
                raise DataError(
                    f"{gate} = {value:g} is outside what {act} can produce ({lo:g} to "
                    f"{hi:g}) in layer {names[i]!r}: no input could make the gate that. "
                    "Pass allow_outside=True to try it anyway."
                )
            n_units = w.units
            out.append(Clamp(gate, value, i, _indices(units, n_units, "units"),
                             None if timesteps is None else _indices(steps, timesteps, "steps")))
    return tuple(out)


@dataclass
class StackLayer:
    """One LSTM layer of a :class:`Stack`: its name and weights."""

    name: str
    weights: Any  # lstm_explained.engine.LSTMWeights


@dataclass
class Stack:
    """A model of the seed's kind as numpy: LSTM layers, then one dense head."""

    layers: list[StackLayer]
    head: Any  # lstm_explained.forecast._Dense

    @classmethod
    def from_model(cls, model: Any) -> Stack:
        """The numpy stack of a Keras model, or a clear :class:`ModelError`."""
        from lstm_explained.forecast import numpy_stack
        from lstm_explained.keras_layers import cell_kind

        stack = numpy_stack(model)
        if stack is None:
            raise ModelError(
                f"model {getattr(model, 'name', model)!r} is not of the kind the gate lab "
                "replays: a keras.Sequential of forward LSTM layers (all but the last "
                "returning sequences), optional Dropout-like layers and a final Dense."
            )
        lstms, head = stack
        keras_lstms = [lay for lay in model.layers if cell_kind(lay) is LSTM]  # as numpy_stack
        return cls([StackLayer(lay.name, w) for lay, w in zip(keras_lstms, lstms, strict=True)],
                   head)

    def run(self, x: np.ndarray, clamps: tuple[Clamp, ...] = (),
            dtype: type | np.dtype = np.float64, known: list | None = None,
            ) -> tuple[np.ndarray, list]:
        """Outputs (N, out) and, per layer, its input and ``{quantity: (N, T, units)}``.

        Each layer runs in the engine (:func:`lstm_explained.engine.run_lstm`) with the
        clamps applied to its gates after their activations, before they act. ``known``
        holds already computed ``(input, arrays)`` of the first layers (they must be what
        this run would compute: no clamp acts on them); the run goes on from there.
        """
        runs = list(known or [])
        seq = np.asarray(x, dtype=dtype) if not runs else runs[-1][1]["hidden"]
        for i, layer in enumerate(self.layers[len(runs):], start=len(runs)):
            mine = [c for c in clamps if c.layer == i]
            hook = partial(apply_clamps, mine) if mine else None
            arrays = run_lstm(seq, layer.weights, dtype=dtype, hook=hook)
            runs.append((seq, arrays))
            seq = arrays["hidden"]
        return self.head(np.asarray(seq[:, -1], dtype=np.float64)), runs


def apply_clamps(clamps: list[Clamp], t: int, gates: dict[str, np.ndarray]) -> None:
    """The engine's hook: override the gates of step ``t`` in place."""
    for cl in clamps:
        if cl.steps is None or t in cl.steps:
            cl.apply_inplace(gates[cl.gate])


@dataclass
class Intervention:
    """What :func:`intervene` returns: the model with and without its clamps.

    Attributes
    ----------
    outputs, original_outputs : ndarray
        (N, out) the model's outputs with the clamps, and without (the dense head on the
        traced last hidden state, checked against Keras' own Dense layer). The
        clamped run uses the engine in the trace's precision (float32, as Keras).
    trace, original : Trace
        The gates with the clamps (as clamped), and the unchanged trace from
        :func:`lstm_explained.trace_gates` (self-checked against Keras).
    clamps : tuple of Clamp
    """

    outputs: np.ndarray
    original_outputs: np.ndarray
    trace: Trace
    original: Trace
    clamps: tuple[Clamp, ...]

    @property
    def effect(self) -> np.ndarray:
        """outputs - original_outputs: what the clamps changed."""
        return self.outputs - self.original_outputs

    def __repr__(self) -> str:
        what = ", ".join(f"{c.gate}={c.describe()['value']}@{c.layer}" for c in self.clamps)
        return (f"Intervention({len(self.outputs)} windows; clamps: {what or 'none'}; "
                f"largest effect on the output {np.abs(self.effect).max():.3g})")


def stack_trace(stack: Stack, runs: list, info: dict[str, Any] | None = None) -> Trace:
    """The layers of a :meth:`Stack.run` as a :class:`Trace` (not checked against Keras)."""
    return Trace([
        LayerTrace(lay.name, lay.name, kind="lstm", inputs=seq, arrays=arrays,
                   units=lay.weights.units, activation=lay.weights.activation,
                   recurrent_activation=lay.weights.recurrent_activation)
        for lay, (seq, arrays) in zip(stack.layers, runs, strict=True)
    ], info=info)


def counterfactual_trace(stack: Stack, runs: list, clamps: tuple[Clamp, ...],
                         info: dict[str, Any] | None = None) -> Trace:
    """A clamped run as a :class:`Trace`, marked as a counterfactual with its clamps."""
    return stack_trace(stack, runs, {**(info or {}), "clamps": [c.describe() for c in clamps],
                                     "counterfactual": True})


def intervene(
    model: Any, x: Any, clamp: Mapping[str, Any], layer: int | str | None = None,
    units: Any = None, steps: Any = None, *, tolerance: float = 1e-5,
    allow_outside: bool = False,
) -> Intervention:
    """Rerun ``model`` on ``x`` with gates overridden; keep the unchanged run beside it.

    Parameters
    ----------
    model : keras.Sequential
        A model of the seed's kind (forward LSTMs, dropout-like layers, a final Dense).
    x : ndarray
        (N, T, features) windows.
    clamp : dict
        ``{gate: value}`` for gates among ``"forget"``, ``"input"``, ``"output"``,
        ``"candidate"``: a number sets the gate, :func:`scale` multiplies it, a function
        maps the original (batch, units) values to new ones. ``{}`` changes nothing.
    layer : int or str, optional
        The LSTM layer to clamp (index among the LSTM layers, or name); all when None.
    units : int, list of int or slice, optional
        Units to clamp; all when None.
    steps : int, list of int or slice, optional
        Timesteps to clamp (0 is the first step of a window); all when None.
    tolerance : float
        Largest accepted difference between the unclamped replay and Keras' outputs,
        relative to ``max(1, |value|)``.
    allow_outside : bool
        Accept a set value outside what the gate's activation can produce (e.g. a sigmoid
        gate of 1.5); refused by default.

    Returns
    -------
    Intervention

    Raises
    ------
    ModelError
        The model is not of the kind the lab replays.
    DataError
        A bad clamp, layer, unit or step (before anything runs), or bad windows.
    TraceMismatchError
        The unclamped replay differs from Keras by more than ``tolerance``.
    """
    from lstm_explained._keras import to_numpy
    from lstm_explained._lab_joint import JointRun
    from lstm_explained._tracer_check import checked_windows, rel_error
    from lstm_explained.forecast import _check_windows
    from lstm_explained.tracer import trace_gates

    xs = _check_windows(x, model)
    stack = Stack.from_model(model)
    clamps = make_clamps(clamp, stack, layer, units, steps, timesteps=xs.shape[1],
                         allow_outside=allow_outside)
    x32 = xs.astype(np.float32)
    # The trace, checked against Keras, and the clamped copy of every layer from the first
    # clamped one on, run in the same batch of the engine (lstm_explained._lab_joint): in
    # the trace's precision, so that an empty clamp reproduces the trace exactly and every
    # difference is the clamps' doing.
    joint = JointRun(clamps, layers=len(stack.layers))
    original = trace_gates(model, x32, tolerance=tolerance, _runner=joint)
    # The unclamped outputs: the head on the traced last hidden state (checked by the
    # trace's self-check), itself checked against Keras' own Dense layer on the windows
    # the self-check compared.
    last = np.asarray(original[original.layer_names[-1]].hidden[:, -1])
    base = stack.head(last.astype(np.float64))
    idx = checked_windows(len(xs), 32)
    expected = np.asarray(to_numpy(model.layers[-1](last[idx].astype(np.float32))),
                          dtype=np.float64)
    err = rel_error(base[idx], expected)[0]
    if err > tolerance:
        raise TraceMismatchError(
            f"the numpy replay of {model.name!r} differs from Keras' outputs by {err:.3g} "
            f"(tolerance {tolerance:g}); the lab cannot vouch for its counterfactuals."
        )
    outputs = stack.head(np.asarray(joint.runs[-1][1]["hidden"][:, -1], dtype=np.float64))
    trace = counterfactual_trace(stack, joint.runs, clamps, {"model": model.name})
    return Intervention(outputs, base, trace, original, clamps)


__all__ = ["CLAMPABLE", "Clamp", "Intervention", "Scale", "Stack", "StackLayer",
           "counterfactual_trace", "intervene", "make_clamps", "reachable", "scale",
           "stack_trace"]
