"""The tracer: every gate of every LSTM layer of a Keras 3 model, at every timestep.

Keras never exposes an LSTM's gates, only its hidden state (and, with
``return_state=True``, its last cell state). :func:`trace_gates` recovers them exactly:
for each LSTM layer of the model it takes the sequence the model really feeds that
layer, reads the layer's weights and runs :func:`lstm_explained.cell.run_lstm` (the numpy
cell of the tutorials) over it, then checks on a sample of windows that the recompute
reproduces what Keras itself computes (within ``tolerance``, 1e-5 by default).

How a layer's input is obtained
-------------------------------
* When the path from the model's input to an LSTM consists only of layers that are the
  identity at inference (``Dropout``, ``SpatialDropout1D``, ``GaussianNoise``,
  ``GaussianDropout``, ``AlphaDropout``, ``ActivityRegularization``), ``Masking`` layers
  (reproduced in numpy) and earlier traced LSTMs returning sequences, the tracer feeds each
  layer from the previous layer's recomputed hidden states: no Keras call over the whole
  data set is needed, which makes tracing faster than a ``model.predict``.
* Otherwise (an ``Embedding``, convolutions, several inputs, ...) one compiled Keras
  sub-model ``keras.Model(model.inputs, [lstm.input, ...])`` computes every LSTM's input
  in a single batched call, together with the mask Keras attaches to it.

Either way, the self-check compares with Keras on the checked sample: the layer's own
output (hidden sequence or last hidden state, states, Bidirectional merges) and, through a
copy of the layer with ``return_state=True``, the full hidden sequence and final cell state
of each direction.

Time order
----------
Every array of a :class:`~lstm_explained.trace.LayerTrace` is in the layer's processing
order (index t is the t-th step the cell took); for a backward direction ``inputs[:, t]``
is input timestep ``T - 1 - t``. See :meth:`LayerTrace.in_input_order`.

Supported
---------
``keras.layers.LSTM`` (any activations that Keras 3 ships, ``use_bias``, ``go_backwards``,
``return_sequences``, ``return_state``, masking, dropout — a no-op at inference) and
``keras.layers.Bidirectional`` around one (every ``merge_mode``), anywhere in a Sequential
or functional model, including models loaded from ``.keras`` files. Refused with
:class:`~lstm_explained.errors.UnsupportedLayerError`: GRU, SimpleRNN, ConvLSTM,
``keras.layers.RNN`` with any cell, ``stateful=True``, layers shared between several
calls, LSTMs called with an ``initial_state``, and LSTMs inside nested models.

Example
-------
>>> import numpy as np, keras
>>> from lstm_explained.tracer import trace_gates
>>> model = keras.Sequential([keras.Input((10, 1)), keras.layers.LSTM(4)])
>>> trace = trace_gates(model, np.random.default_rng(0).normal(size=(3, 10, 1)))
>>> trace[model.layers[0].name].forget.shape, trace.verified
((3, 10, 4), True)
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lstm_explained._keras import keras
from lstm_explained._progress import progress_bar
from lstm_explained.activations import ACTIVATIONS
from lstm_explained.cell import LSTMWeights, run_lstm
from lstm_explained.errors import (
    DataError,
    ModelError,
    TraceMismatchError,
    UnsupportedLayerError,
)
from lstm_explained.trace import LayerTrace, Trace

#: Layers that are the identity at inference and pass the mask through.
IDENTITY_AT_INFERENCE = (
    "Dropout",
    "SpatialDropout1D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "ActivityRegularization",
)

#: ``progress="auto"`` shows a bar from this many windows on (never under pytest).
AUTO_PROGRESS_SAMPLES = 5000

_CHUNK = 2048  # windows per numpy run: bounds memory and paces the progress bar

_SUPPORTED = (
    "lstm-explained traces keras.layers.LSTM layers and Bidirectional(LSTM) wrappers"
)


# ----------------------------------------------------------------------------------
# Finding the layers
# ----------------------------------------------------------------------------------
@dataclass
class _Target:
    """One LSTM layer (or Bidirectional wrapper) to trace."""

    layer: Any
    directions: list[tuple[str, Any]]  # (trace key, LSTM sub-layer)
    bidirectional: bool
    node: Any = None  # the layer's call in the model graph
    source: Any = None  # fast path: ("input", masking_layers) or ("lstm", index, masking)


@dataclass
class _Plan:
    """What the tracer learned about one model, cached with it (a weak reference)."""

    targets: list[_Target]
    fast: bool
    inputs_fn: Any = None  # general path: x -> (lstm inputs, masks)
    check_fn: Any = None  # x -> (lstm inputs, masks, own outputs, clone outputs)
    clones: list[list[Any]] = field(default_factory=list)
    n_own: list[int] = field(default_factory=list)


_PLANS: weakref.WeakKeyDictionary[Any, _Plan] = weakref.WeakKeyDictionary()


def activation_name(layer: Any, attr: str) -> str:
    """The Keras 3 name of a layer's activation, or a clear error.

    Only Keras' own built-in functions are accepted (compared by identity with
    ``keras.activations.<name>``), so a custom function that happens to be called
    ``tanh`` is refused rather than silently replaced.
    """
    k = keras()
    fn = getattr(layer, attr)
    name = getattr(fn, "__name__", None)
    if name in ACTIVATIONS and getattr(k.activations, name, None) is fn:
        return name
    raise UnsupportedLayerError(
        f"layer {layer.name!r} uses {attr}={name or fn!r}, which is not one of Keras 3's "
        f"built-in activations; {_SUPPORTED} with built-in activations only "
        f"({', '.join(sorted(ACTIVATIONS))})."
    )


def _check_lstm(layer: Any, label: str) -> None:
    k = keras()
    if type(layer.cell) is not k.layers.LSTMCell:
        raise UnsupportedLayerError(
            f"layer {label!r} has a custom cell ({type(layer.cell).__name__}); "
            f"{_SUPPORTED} with the built-in LSTMCell."
        )
    if layer.stateful:
        raise UnsupportedLayerError(
            f"layer {label!r} is stateful=True: its states carry over between calls, so a "
            "trace would depend on call history. Rebuild the model with stateful=False "
            "(and the same weights) to trace it."
        )
    activation_name(layer, "activation")
    activation_name(layer, "recurrent_activation")


def _find_targets(model: Any) -> list[_Target]:
    k = keras()
    if not isinstance(model, k.Model):
        raise ModelError(
            f"trace_gates needs a Keras 3 model (keras.Model or keras.Sequential); "
            f"got {type(model).__name__}."
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
    graph = getattr(model, "_functional", None) or model
    by_depth = getattr(graph, "_nodes_by_depth", None) or {}
    graph_nodes = {id(nd) for nodes in by_depth.values() for nd in nodes}
    targets: list[_Target] = []
    for layer in model.layers:
        if isinstance(layer, k.Model):
            inner = [
                sub.name for sub in layer._flatten_layers()
                if isinstance(sub, (k.layers.RNN, k.layers.Bidirectional))
            ]
            if inner:
                raise UnsupportedLayerError(
                    f"recurrent layer(s) {inner} sit inside the nested model {layer.name!r}; "
                    f"{_SUPPORTED} placed directly in the traced model. Trace the nested "
                    "model itself, or build the model without nesting."
                )
            continue
        if isinstance(layer, k.layers.Bidirectional):
            fwd, bwd = layer.forward_layer, layer.backward_layer
            if type(fwd) is not k.layers.LSTM or type(bwd) is not k.layers.LSTM:
                raise UnsupportedLayerError(
                    f"layer {layer.name!r} is a Bidirectional({type(fwd).__name__}); "
                    f"{_SUPPORTED}."
                )
            _check_lstm(fwd, f"{layer.name}/forward")
            _check_lstm(bwd, f"{layer.name}/backward")
            dirs = [(f"{layer.name}/forward", fwd), (f"{layer.name}/backward", bwd)]
            targets.append(_Target(layer, dirs, True))
        elif type(layer) is k.layers.LSTM:
            _check_lstm(layer, layer.name)
            targets.append(_Target(layer, [(layer.name, layer)], False))
        elif isinstance(layer, k.layers.RNN) or "LSTM" in type(layer).__name__:
            raise UnsupportedLayerError(
                f"layer {layer.name!r} is a {type(layer).__name__}; {_SUPPORTED} "
                "(not GRU, SimpleRNN, ConvLSTM, keras.layers.RNN or LSTM subclasses)."
            )
        else:
            continue
        nodes = [nd for nd in layer._inbound_nodes if id(nd) in graph_nodes]
        if len(nodes) != 1:
            raise UnsupportedLayerError(
                f"layer {layer.name!r} is called {len(nodes)} times in the "
                f"model; {_SUPPORTED} that are called exactly once."
            )
        node = targets[-1].node = nodes[0]
        if len(node.arguments.args) != 1 or node.arguments.kwargs.get("initial_state") is not None:
            raise UnsupportedLayerError(
                f"layer {layer.name!r} is called with an initial_state (or several inputs); "
                f"{_SUPPORTED} that start from zero states."
            )
    if not targets:
        names = ", ".join(f"{lay.name} ({type(lay).__name__})" for lay in model.layers)
        raise ModelError(
            f"model {model.name!r} has no LSTM layer to trace (layers: {names or 'none'}); "
            "trace_gates needs a model with at least one keras.layers.LSTM."
        )
    return targets


def _node_input(node: Any) -> Any:
    """The (single) sequence tensor a layer is called on at this node of the graph."""
    return node.arguments.args[0]


def _resolve_sources(model: Any, targets: list[_Target]) -> bool:
    """Try the fast path: every LSTM fed from the input or an earlier LSTM via numpy-able
    layers. Sets ``target.source`` and returns True when it works for all of them."""
    k = keras()
    if len(model.inputs) != 1:
        return False
    model_input = model.inputs[0]
    index = {id(t.layer): i for i, t in enumerate(targets)}
    for t in targets:
        tensor = _node_input(t.node)
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
            if type(op).__name__ in IDENTITY_AT_INFERENCE or type(op) is k.layers.Masking:
                if type(op) is k.layers.Masking:
                    maskings.append(op)
                tensor = _node_input(op._inbound_nodes[node_index])
                continue
            return False
    return True


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


def _compile(fn: Any) -> Any:
    k = keras()
    if k.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.function(fn, reduce_retracing=True)
    return fn


def _make_plan(model: Any) -> _Plan:
    k = keras()
    targets = _find_targets(model)
    fast = _resolve_sources(model, targets)
    probe_cls = _mask_probe()
    inputs = [_node_input(t.node) for t in targets]
    masks = [probe_cls(name=f"lx_mask_probe_{i}")(x) for i, x in enumerate(inputs)]
    plan = _Plan(targets=targets, fast=fast)
    if not fast:
        sub = k.Model(model.inputs, [inputs, masks])
        plan.inputs_fn = _compile(lambda x: sub(x, training=False))
    own, clone_out = [], []
    for i, t in enumerate(targets):
        outs = t.node.output_tensors
        plan.n_own.append(len(outs))
        own.extend(outs)
        clones = []
        for j, (_, sub_layer) in enumerate(t.directions):
            cfg = sub_layer.get_config()
            cfg.update(
                name=f"lx_check_{i}_{j}",
                return_sequences=True,
                return_state=True,
                stateful=False,
                zero_output_for_mask=False,
                dropout=0.0,
                recurrent_dropout=0.0,
            )
            clone = k.layers.LSTM.from_config(cfg)
            clone_out.extend(clone(inputs[i]))
            clones.append(clone)
        plan.clones.append(clones)
    check = k.Model(model.inputs, [inputs, masks, own, clone_out])
    plan.check_fn = _compile(lambda x: check(x, training=False))
    return plan


def _get_plan(model: Any) -> _Plan:
    _find_targets(model)  # validate every call: cheap, and layers' options may change
    plan = _PLANS.get(model)
    if plan is None:
        plan = _make_plan(model)
        _PLANS[model] = plan
    return plan


# ----------------------------------------------------------------------------------
# Input validation
# ----------------------------------------------------------------------------------
def _prepare_x(model: Any, x: Any) -> list[np.ndarray]:
    ins = model.inputs
    xs = list(x) if isinstance(x, (list, tuple)) else [x]
    if len(xs) != len(ins):
        raise DataError(
            f"model {model.name!r} takes {len(ins)} input(s); got {len(xs)} array(s)."
        )
    out = []
    n = None
    for arr, spec in zip(xs, ins, strict=True):
        shape = tuple(spec.shape)
        a = np.asarray(arr)
        if a.dtype.kind not in "biuf":
            raise DataError(f"x must be numeric; got dtype {a.dtype}.")
        if a.ndim != len(shape):
            hint = " (batch, timesteps, features)" if len(shape) == 3 else ""
            raise DataError(
                f"x must have {len(shape)} dimensions{hint} to match the model's input "
                f"shape {shape}; got shape {a.shape}."
                + (" Add a batch axis: x[None]." if a.ndim == len(shape) - 1 else "")
            )
        for axis, (want, got) in enumerate(zip(shape, a.shape, strict=True)):
            if axis and want is not None and want != got:
                what = {1: "timesteps", len(shape) - 1: "features"}.get(axis, f"axis {axis}")
                raise DataError(
                    f"x has {got} {what} (shape {a.shape}); model {model.name!r} expects "
                    f"input shape {shape}."
                )
        if n is not None and a.shape[0] != n:
            raise DataError("all model inputs must have the same number of samples.")
        n = a.shape[0]
        if n == 0:
            raise DataError("x holds no samples; give at least one window.")
        dtype = np.dtype(spec.dtype) if spec.dtype else np.float32
        out.append(np.ascontiguousarray(a, dtype=dtype))
    return out


def _feed(xs: list[np.ndarray]) -> list[np.ndarray]:
    return list(xs)  # sub-models are built on the list model.inputs: feed a list


# ----------------------------------------------------------------------------------
# Tracing
# ----------------------------------------------------------------------------------
def lstm_weights(layer: Any) -> LSTMWeights:
    """A Keras LSTM layer's weights and activations, for :mod:`lstm_explained.cell`.

    Raises :class:`UnsupportedLayerError` for an activation that is not a Keras built-in.
    """
    w = layer.get_weights()
    return LSTMWeights(
        kernel=w[0],
        recurrent_kernel=w[1],
        bias=w[2] if layer.use_bias else None,
        activation=activation_name(layer, "activation"),
        recurrent_activation=activation_name(layer, "recurrent_activation"),
    )


def _apply_masking(x: np.ndarray, mask: np.ndarray | None, maskings: list[Any]) -> tuple:
    for m in maskings:
        keep = np.any(x != np.asarray(m.mask_value, dtype=x.dtype), axis=-1)
        x = x * keep[..., None].astype(x.dtype)
        mask = keep
    return x, mask


def trace_gates(
    model: Any,
    x: Any,
    *,
    check: bool = True,
    check_samples: int | None = 32,
    tolerance: float = 1e-5,
    dtype: str | type = "float32",
    progress: bool | str = "auto",
) -> Trace:
    """Trace every gate of every LSTM layer of ``model`` on the windows ``x``.

    Parameters
    ----------
    model : keras.Model
        A Sequential or functional Keras 3 model with at least one ``LSTM`` (or
        ``Bidirectional(LSTM)``), e.g. loaded with ``keras.saving.load_model``.
    x : ndarray or list of ndarray
        The model's input, (N, T, features) for a sequence model (ints for an Embedding).
    check : bool
        Compare the recompute with Keras' own outputs on a sample of windows and raise
        :class:`TraceMismatchError` when they differ by more than ``tolerance``.
    check_samples : int or None
        How many windows (evenly spread over ``x``) to check; None checks all of them.
    tolerance : float
        Largest accepted difference to Keras (hidden states, final cell states, the
        layer's outputs), measured relative to the scale of the layer's cell state:
        ``|ours - keras| / max(1, |keras|, max |C|)``, i.e. absolute for the usual
        states within [-1, 1]. Unbounded activations (relu, elu, ...) can drive C far
        above 1, and Keras' own float32 rounding then grows with it.
    dtype : "float32" or "float64"
        Precision of the numpy recompute. float32 is what Keras computes in and about
        three times faster; float64 is slightly more exact.
    progress : bool or "auto"
        Show a tqdm bar over layers and chunks of windows. ``"auto"`` shows it only for
        at least :data:`AUTO_PROGRESS_SAMPLES` windows and never under pytest.

    Returns
    -------
    Trace
        One :class:`~lstm_explained.trace.LayerTrace` per LSTM layer in model order, two
        (``"<name>/forward"``, ``"<name>/backward"``) per Bidirectional layer. Arrays are
        in each layer's processing order (see the module docstring).

    Raises
    ------
    ModelError
        ``model`` is not a Keras model or has no LSTM layer.
    UnsupportedLayerError
        A recurrent layer or option the tracer does not reproduce (see the module docstring).
    DataError
        ``x`` does not fit the model's input (rank, timesteps or features).
    TraceMismatchError
        The self-check found a difference above ``tolerance``.

    Example
    -------
    >>> import numpy as np, keras
    >>> model = keras.Sequential([keras.Input((6, 2)),
    ...                           keras.layers.Bidirectional(keras.layers.LSTM(3))])
    >>> tr = trace_gates(model, np.ones((4, 6, 2)))
    >>> name = model.layers[0].name
    >>> tr.layer_names == [f"{name}/forward", f"{name}/backward"]
    True
    >>> tr[f"{name}/backward"].go_backwards, tr.verified
    (True, True)
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise DataError(f"dtype must be 'float32' or 'float64'; got {dtype}.")
    plan = _get_plan(model)
    xs = _prepare_x(model, x)
    n = xs[0].shape[0]

    # 1. The input (and Keras mask) of every traced layer, for all windows.
    if plan.fast:
        layer_inputs: list[np.ndarray | None] = [None] * len(plan.targets)
        layer_masks: list[np.ndarray | None] = [None] * len(plan.targets)
    else:
        try:
            ins, ms = plan.inputs_fn(_feed(xs))
        except Exception as exc:  # noqa: BLE001 - report Keras' failure as ours
            raise ModelError(
                f"model {model.name!r} could not compute its LSTM inputs on x "
                f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})."
            ) from None
        layer_inputs = [np.asarray(v) for v in ins]
        layer_masks = [_decode_mask(np.asarray(m)) for m in ms]

    # 2. Run the numpy cell over every direction of every layer.
    chunks = [slice(s, min(s + _CHUNK, n)) for s in range(0, n, _CHUNK)]
    total = sum(len(t.directions) for t in plan.targets) * len(chunks)
    bar = progress_bar(progress, total, "tracing LSTM gates", "run",
                       big_enough=n >= AUTO_PROGRESS_SAMPLES)
    results: list[list[LayerTrace]] = []
    try:
        for i, t in enumerate(plan.targets):
            if plan.fast:
                if t.source[0] == "input":
                    src, src_mask = xs[0].astype(dtype, copy=False), None
                    src, src_mask = _apply_masking(src, src_mask, t.source[1])
                else:
                    prev = results[t.source[1]][0]
                    src = prev.hidden  # the sequence the layer returns, as Keras returns it
                    src_mask = layer_masks[t.source[1]]
                    src, src_mask = _apply_masking(src, src_mask, t.source[2])
                layer_inputs[i], layer_masks[i] = src, src_mask
            x_in, mask = layer_inputs[i], layer_masks[i]
            traces = []
            for key, sub in t.directions:
                w = lstm_weights(sub)
                x_proc = x_in[:, ::-1] if sub.go_backwards else x_in
                m_proc = None if mask is None else (mask[:, ::-1] if sub.go_backwards else mask)
                parts = []
                for c in chunks:
                    parts.append(
                        run_lstm(
                            x_proc[c], w, mask=None if m_proc is None else m_proc[c], dtype=dtype
                        )
                    )
                    bar.update(1)
                arrays = {
                    q: (getattr(parts[0], q) if len(parts) == 1
                        else np.concatenate([getattr(p, q) for p in parts]))
                    for q in ("forget", "input", "candidate", "output", "cell", "hidden")
                }
                traces.append(
                    LayerTrace(
                        name=key,
                        layer_name=t.layer.name,
                        inputs=np.asarray(x_proc, dtype=dtype),
                        mask=m_proc,
                        units=w.units,
                        activation=w.activation,
                        recurrent_activation=w.recurrent_activation,
                        direction="backward" if sub.go_backwards else "forward",
                        go_backwards=bool(sub.go_backwards),
                        **arrays,
                    )
                )
            results.append(traces)
    finally:
        bar.close()

    # 3. Self-check against Keras on a sample of windows.
    checked_n = 0
    if check:
        checked_n = _self_check(model, plan, xs, results, check_samples, tolerance)
    layers = [lt for traces in results for lt in traces]
    info = {
        "model": model.name,
        "n_samples": int(n),
        "dtype": dtype.name,
        "checked_samples": int(checked_n),
        "tolerance": float(tolerance) if check else None,
    }
    return Trace(layers, info=info)


def _error(ours: np.ndarray, theirs: np.ndarray, scale: float = 1.0) -> float:
    """max |ours - theirs| / max(1, scale, |theirs|): absolute for values within [-1, 1]."""
    theirs = np.asarray(theirs, dtype=np.float64)
    if theirs.size == 0:
        return 0.0
    denominator = np.maximum(max(1.0, scale), np.abs(theirs))
    diff = np.abs(np.asarray(ours, dtype=np.float64) - theirs) / denominator
    if np.isnan(diff).any():
        same_nan = np.isnan(ours) & np.isnan(theirs)
        diff = np.where(same_nan, 0.0, diff)
        diff = np.where(np.isnan(diff), np.inf, diff)
    return float(diff.max())


def _decode_mask(m: np.ndarray) -> np.ndarray | None:
    if m.size and (m < 0).all():
        return None
    return m > 0.5


def _expected_outputs(t: _Target, traces: list[LayerTrace], idx: np.ndarray) -> list[np.ndarray]:
    """What the Keras layer should output on windows ``idx``, from our recompute."""
    layer = t.layer
    seqs, states = [], []
    for (_, sub), lt in zip(t.directions, traces, strict=True):
        h = lt.hidden[idx]
        if layer.return_sequences:
            y = h
            if sub.zero_output_for_mask and lt.mask is not None:
                y = np.where(lt.mask[idx][..., None], y, 0.0)
            if t.bidirectional and sub.go_backwards:
                y = y[:, ::-1]  # Bidirectional flips the backward sequence to input order
        else:
            y = h[:, -1]
        seqs.append(y)
        states.extend([h[:, -1], lt.cell[idx][:, -1]])
    if not t.bidirectional:
        out = [seqs[0]]
    else:
        y, y_rev = seqs
        mode = layer.merge_mode
        if mode == "concat":
            out = [np.concatenate([y, y_rev], axis=-1)]
        elif mode == "sum":
            out = [y + y_rev]
        elif mode == "ave":
            out = [(y + y_rev) / 2]
        elif mode == "mul":
            out = [y * y_rev]
        else:
            out = [y, y_rev]
    if layer.return_state:
        out.extend(states)
    return out


def _self_check(
    model: Any,
    plan: _Plan,
    xs: list[np.ndarray],
    results: list[list[LayerTrace]],
    check_samples: int | None,
    tolerance: float,
) -> int:
    n = xs[0].shape[0]
    if check_samples is None or check_samples >= n:
        idx = np.arange(n)
    else:
        if check_samples < 1:
            raise DataError("check_samples must be at least 1 (or None for all windows).")
        idx = np.unique(np.linspace(0, n - 1, check_samples).round().astype(int))
    for t, clones in zip(plan.targets, plan.clones, strict=True):
        for (_, sub), clone in zip(t.directions, clones, strict=True):
            clone.set_weights(sub.get_weights())
    try:
        _k_ins, k_masks, k_own, k_clone = plan.check_fn(_feed([x[idx] for x in xs]))
    except Exception as exc:  # noqa: BLE001
        raise ModelError(
            f"model {model.name!r} could not be run on x for the self-check "
            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})."
        ) from None
    own_pos = clone_pos = 0
    for i, (t, traces) in enumerate(zip(plan.targets, results, strict=True)):
        n_own = plan.n_own[i]
        own = [np.asarray(v) for v in k_own[own_pos : own_pos + n_own]]
        own_pos += n_own
        expected = _expected_outputs(t, traces, idx)
        scale = max(
            float(np.nanmax(np.abs(lt.cell[idx]), initial=0.0)) for lt in traces
        )
        own_err = max(_error(e, o, scale) for e, o in zip(expected, own, strict=True))
        keras_mask = _decode_mask(np.asarray(k_masks[i]))
        for (key, _), lt in zip(t.directions, traces, strict=True):
            seq, _h, c = (np.asarray(v) for v in k_clone[clone_pos : clone_pos + 3])
            clone_pos += 3
            err = max(
                own_err,
                _error(lt.hidden[idx], seq, scale),
                _error(lt.cell[idx][:, -1], c, scale),
            )
            our_mask = None if lt.mask is None else lt.in_input_order("mask")[idx]
            if (keras_mask is None) != (our_mask is None) or (
                our_mask is not None and not np.array_equal(our_mask, keras_mask)
            ):
                err = max(err, np.inf)
            lt.max_abs_error = err
            lt.checked_samples = int(idx.size)
            lt.tolerance = float(tolerance)
            lt.checked = bool(err <= tolerance)
            if not lt.checked:
                raise TraceMismatchError(
                    f"the numpy recompute of {key!r} differs from Keras by {err:.3g} "
                    f"(tolerance {tolerance:g}) on {idx.size} checked windows. The layer "
                    "may use an option lstm-explained does not reproduce; please report it, "
                    "or pass check=False to get the trace anyway."
                )
    return int(idx.size)


__all__ = ["AUTO_PROGRESS_SAMPLES", "IDENTITY_AT_INFERENCE", "trace_gates"]
