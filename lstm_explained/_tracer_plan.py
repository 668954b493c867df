"""Which layers of a model the tracer traces, and how it gets each one's input.

:func:`find_targets` walks a Sequential or functional Keras 3 model and returns one
:class:`Target` per ``LSTM`` or ``GRU`` layer (or ``Bidirectional`` of one), refusing up
front, with an :class:`~lstm_explained.errors.UnsupportedLayerError` that names the cause,
everything the tracer does not reproduce (see :mod:`lstm_explained.tracer`).
:func:`get_plan` then decides, once per model (cached with it), how every traced layer's
input is obtained (numpy only on the fast path, else one Keras sub-model) and builds the
Keras model the self-check runs (:mod:`lstm_explained._tracer_check`).

Example
-------
>>> import keras
>>> model = keras.Sequential([keras.Input((5, 1)), keras.layers.Dropout(0.1),
...                           keras.layers.LSTM(2)])
>>> targets = find_targets(model)
>>> [t.layer.name for t in targets] == [model.layers[-1].name]
True
>>> get_plan(model, targets).fast
True
"""

from __future__ import annotations

import contextlib
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lstm_explained._keras import keras, to_numpy
from lstm_explained._tracer_copies import checking_copy
from lstm_explained.errors import ModelError, UnsupportedLayerError
from lstm_explained.keras_layers import (
    EXACT_DTYPES,
    SUPPORTED,
    cell_kind,
    check_dtype_policy,
    check_recurrent,
    is_identity_at_inference,
)
from lstm_explained.kinds import KINDS

#: The traced kinds' names, for messages ("LSTM", "GRU").
KINDS_TITLES = [k.title for k in KINDS.values()]


# ----------------------------------------------------------------------------------
# Finding the layers
# ----------------------------------------------------------------------------------
@dataclass
class Target:
    """One LSTM or GRU layer (or Bidirectional wrapper) to trace."""

    layer: Any
    directions: list[tuple[str, Any]]  # (trace key, LSTM or GRU sub-layer)
    bidirectional: bool
    node: Any = None  # the layer's call in the model graph
    source: Any = None  # fast path: ("input", masking_layers) or ("lstm", index, masking)


@dataclass
class Plan:
    """What the tracer learned about one model, cached with it (a weak reference)."""

    targets: list[Target]
    fast: bool
    inputs_fn: Any = None  # general path: x -> (lstm inputs, masks)
    check_fn: Any = None  # x -> (lstm inputs, masks, own outputs, checking copies' outputs)
    copies: list[list[Any]] = field(default_factory=list)  # checking copies, per target
    n_own: list[int] = field(default_factory=list)


_PLANS: weakref.WeakKeyDictionary[Any, Plan] = weakref.WeakKeyDictionary()


def _model_graph(model: Any) -> Any:
    """The functional graph of a Sequential or functional model; a clear error else."""
    k = keras()
    if not isinstance(model, k.Model):
        raise ModelError(
            f"trace_gates needs a Keras 3 model (keras.Model or keras.Sequential); "
            f"got {type(model).__name__}."
        )
    graph = getattr(model, "_functional", None) or model
    if not isinstance(model, k.Sequential) and not hasattr(graph, "_nodes_by_depth"):
        raise UnsupportedLayerError(
            f"model {model.name!r} is a subclassed keras.Model ({type(model).__name__}): "
            "its call() is Python code, so which tensor feeds each LSTM cannot be read. "
            f"{SUPPORTED} in Sequential and functional models: build the same layers as "
            "keras.Sequential([...]) or keras.Model(inputs, outputs), copy the weights "
            "(set_weights) and trace that."
        )
    try:
        model_inputs = model.inputs
    except (AttributeError, ValueError):
        model_inputs = None
    if not model_inputs:
        raise ModelError(
            f"model {model.name!r} has no defined inputs: give it a keras.Input (or call it "
            "once on data) before tracing."
        )
    return graph


def _target(layer: Any) -> Target | None:
    """The trace target of one layer of the model, None for a layer not traced."""
    k = keras()
    if isinstance(layer, k.layers.Bidirectional):
        fwd, bwd = layer.forward_layer, layer.backward_layer
        if cell_kind(fwd) is None or cell_kind(bwd) is None:
            raise UnsupportedLayerError(
                f"layer {layer.name!r} is a Bidirectional({type(fwd).__name__}); {SUPPORTED}."
            )
        check_dtype_policy(layer, layer.name)
        check_recurrent(fwd, f"{layer.name}/forward")
        check_recurrent(bwd, f"{layer.name}/backward")
        dirs = [(f"{layer.name}/forward", fwd), (f"{layer.name}/backward", bwd)]
        return Target(layer, dirs, True)
    if cell_kind(layer) is not None:
        check_recurrent(layer, layer.name)
        return Target(layer, [(layer.name, layer)], False)
    if isinstance(layer, k.layers.RNN) or "LSTM" in type(layer).__name__:
        check_recurrent(layer, layer.name)  # raises, naming what is supported
    return None


def _refuse_nested(layer: Any) -> None:
    k = keras()
    inner = [
        sub.name for sub in layer._flatten_layers()
        if isinstance(sub, (k.layers.RNN, k.layers.Bidirectional))
    ]
    if inner:
        raise UnsupportedLayerError(
            f"recurrent layer(s) {inner} sit inside the nested model {layer.name!r}; "
            f"{SUPPORTED} placed directly in the traced model. Trace the nested "
            "model itself, or build the model without nesting."
        )


def find_targets(model: Any) -> list[Target]:
    k = keras()
    graph = _model_graph(model)
    by_depth = getattr(graph, "_nodes_by_depth", None) or {}
    graph_nodes = {id(nd) for nodes in by_depth.values() for nd in nodes}
    targets: list[Target] = []
    for layer in model.layers:
        if isinstance(layer, k.Model):
            _refuse_nested(layer)
            continue
        target = _target(layer)
        if target is None:
            continue
        targets.append(target)
        nodes = [nd for nd in layer._inbound_nodes if id(nd) in graph_nodes]
        if len(nodes) != 1:
            raise UnsupportedLayerError(
                f"layer {layer.name!r} is called {len(nodes)} times in the "
                f"model; {SUPPORTED} that are called exactly once."
            )
        node = target.node = nodes[0]
        if len(node.arguments.args) != 1 or node.arguments.kwargs.get("initial_state") is not None:
            raise UnsupportedLayerError(
                f"layer {layer.name!r} is called with an initial_state (or several inputs); "
                f"{SUPPORTED} that start from zero states."
            )
    if not targets:
        names = ", ".join(f"{lay.name} ({type(lay).__name__})" for lay in model.layers)
        raise ModelError(
            f"model {model.name!r} has no {' or '.join(KINDS_TITLES)} layer to trace (layers: "
            f"{names or 'none'}); {SUPPORTED}: give it at least one."
        )
    return targets


def node_input(node: Any) -> Any:
    """The (single) sequence tensor a layer is called on at this node of the graph."""
    return node.arguments.args[0]


def _passes_through(op: Any) -> bool:
    """A layer numpy can stand in for: the identity at inference, or Masking, computing in
    float32/float64 (a float16 one would round the values it passes on)."""
    k = keras()
    exact = getattr(op, "compute_dtype", "float32") in EXACT_DTYPES
    masking = type(op) is k.layers.Masking and exact
    return is_identity_at_inference(op) or masking


def _resolve_sources(model: Any, targets: list[Target]) -> bool:
    """Try the fast path: every LSTM fed from the input or an earlier LSTM via numpy-able
    layers. Sets ``target.source`` and returns True when it works for all of them."""
    k = keras()
    if len(model.inputs) != 1:
        return False
    model_input = model.inputs[0]
    index = {id(t.layer): i for i, t in enumerate(targets)}
    for t in targets:
        tensor = node_input(t.node)
        maskings: list[Any] = []
        while True:
            if tensor is model_input:
                t.source = ("input", maskings[::-1])
                break
            op, node_index, tensor_index = tensor._keras_history
            if op is None or isinstance(op, k.layers.InputLayer):
                return False
            if id(op) in index:
                src = targets[index[id(op)]]
                if src.bidirectional or not op.return_sequences or tensor_index != 0:
                    return False
                t.source = ("lstm", index[id(op)], maskings[::-1])
                break
            if not _passes_through(op):
                return False
            if type(op) is k.layers.Masking:
                maskings.append(op)
            tensor = node_input(op._inbound_nodes[node_index])
    return True


@contextlib.contextmanager
def _inference() -> Any:
    """No autograd bookkeeping while running Keras (torch records it by default)."""
    if keras().backend.backend() == "torch":
        import torch

        with torch.no_grad():
            yield
    else:
        yield


def _mask_probe() -> Any:
    """A layer that outputs the Keras mask of its input as float (N, T), -1 for none."""
    k = keras()

    class _MaskProbe(k.layers.Layer):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs: Any, mask: Any = None) -> Any:
            if mask is None:
                return k.ops.zeros_like(inputs[:, :, 0], dtype="float32") - 1.0
            return k.ops.cast(mask, "float32")

        def compute_mask(self, inputs: Any, mask: Any = None) -> None:
            return None

    return _MaskProbe


#: A model's first Keras run is eager when its recurrent loops take at most this many
#: steps in all (timesteps x loops), compiled otherwise. An eager loop costs about 5 ms a
#: step in Python, building the graph a few tenths of a second whatever the length
#: (measured on 2 cores: 60 steps, 0.2-0.3 s either way; 400 steps, 2 s eager, 0.35 s
#: compiled).
EAGER_STEPS = 120


def worth_compiling(steps: int, first_call: bool) -> bool:
    """Whether a TensorFlow run of ``steps`` loop steps in all is worth a ``tf.function``:
    on every call after the first, and on the first past :data:`EAGER_STEPS`."""
    return not (first_call and steps <= EAGER_STEPS)


class _KerasRun:
    """``run(xs) -> numpy outputs`` of a Keras model at inference, whose graph has
    ``loops`` recurrent loops.

    On TensorFlow, a compiled ``tf.function`` (built once, kept in ``compiled``), except on
    the first call of a short model (timesteps x ``loops`` <= :data:`EAGER_STEPS`): that
    one runs eagerly, as building a graph would cost more than the run. A model traced
    once (every small model of a property test) so never builds one; a model traced again
    (the gate lab, the benchmarks) builds it on its second trace.

    On JAX, always a ``jax.jit`` of the model's ``stateless_call`` (:func:`_jax_run`): an
    eager JAX loop compiles itself anew on every call (about 0.7 s for a small model),
    where the jitted model compiles once per input shape. Torch runs eagerly.
    """

    def __init__(self, sub_model: Any, loops: int) -> None:
        self.model = sub_model
        self.eager = lambda x: sub_model(x, training=False)
        self.loops = loops
        self.calls = 0
        self.compiled: Any = None

    def __call__(self, xs: list[np.ndarray]) -> Any:
        self.calls += 1
        steps = (xs[0].shape[1] if xs[0].ndim > 1 else 1) * self.loops
        fn = self.eager
        backend = keras().backend.backend()
        if backend == "jax":
            if self.compiled is None:
                self.compiled = _jax_run(self.model)
            fn = self.compiled
        elif backend == "tensorflow" and worth_compiling(steps, self.calls == 1):
            if self.compiled is None:
                import tensorflow as tf

                self.compiled = tf.function(self.eager, reduce_retracing=True)
            fn = self.compiled
        with _inference():
            return to_numpy(fn(list(xs)))  # built on the list model.inputs: feed a list


def _jax_run(sub_model: Any) -> Any:
    """``run(xs)``: ``sub_model`` at inference as one ``jax.jit`` function. Its variables
    are arguments, not constants baked into the compiled code, so new weights (the
    checking copies get the layer's at every trace) need no new compile."""
    import jax

    @jax.jit
    def run(trainable: list, non_trainable: list, xs: list) -> Any:
        out, _ = sub_model.stateless_call(trainable, non_trainable, xs, training=False)
        return out

    def call(xs: list[np.ndarray]) -> Any:
        return run([v.value for v in sub_model.trainable_variables],
                   [v.value for v in sub_model.non_trainable_variables], xs)

    return call


def _make_plan(model: Any, targets: list[Target]) -> Plan:
    k = keras()
    fast = _resolve_sources(model, targets)
    probe_cls = _mask_probe()
    ins = [node_input(t.node) for t in targets]
    masks = [probe_cls(name=f"lx_mask_probe_{i}")(x) for i, x in enumerate(ins)]
    plan = Plan(targets=targets, fast=fast)
    loops = sum(len(t.directions) for t in targets)  # the model's recurrent loops
    if not fast:
        plan.inputs_fn = _KerasRun(k.Model(model.inputs, [ins, masks]), loops)
    own, seqs = [], []
    for i, t in enumerate(targets):
        outs = t.node.output_tensors
        plan.n_own.append(len(outs))
        own.extend(outs)
        copies = [checking_copy(sub, f"lx_check_{i}_{j}") for j, (_, sub) in
                  enumerate(t.directions)]
        seqs.extend(copy(ins[i]) for copy in copies)
        plan.copies.append(copies)
    plan.check_fn = _KerasRun(k.Model(model.inputs, [ins, masks, own, seqs]), 2 * loops)
    return plan


def get_plan(model: Any, targets: list[Target]) -> Plan:
    """The model's cached plan, made from ``targets`` (found anew on every call: cheap,
    and it validates layer options that may have changed since)."""
    plan = _PLANS.get(model)
    if plan is None:
        plan = _make_plan(model, targets)
        _PLANS[model] = plan
    return plan


__all__ = ["Plan", "Target", "find_targets", "get_plan", "node_input", "worth_compiling"]
