"""The tracer: every gate of every LSTM and GRU layer of a Keras 3 model, at every timestep.

Keras never exposes an LSTM's gates, only its hidden state (and, with
``return_state=True``, its last cell state); nor a GRU's. :func:`trace_gates` recovers
them exactly: for each LSTM or GRU layer of the model it takes the sequence the model
really feeds that layer, reads the layer's weights and runs its cell kind's numpy engine
over it (:func:`lstm_explained.engine.run_lstm`, the cell of the tutorials, batched;
:func:`lstm_explained.gru_engine.run_gru` for a GRU), then checks on a sample of windows
that the recompute reproduces what Keras itself computes: every state (an LSTM's h_t and
C_t, a GRU's h_t) at every step, and the layer's own outputs, each within ``tolerance``
(1e-5 by default) relative to max(1, |Keras' value|). How the check works is described in
:mod:`lstm_explained._tracer_check`.

How a layer's input is obtained
-------------------------------
* When the path from the model's input to an LSTM consists only of layers that are the
  identity at inference (``Dropout``, ``SpatialDropout1D``, ``GaussianNoise``,
  ``GaussianDropout``, ``AlphaDropout``, ``ActivityRegularization``), ``Masking`` layers
  (reproduced in numpy) and earlier traced LSTMs returning sequences, the tracer feeds each
  layer from the previous layer's recomputed hidden states: no Keras call over the whole
  data set is needed, which makes tracing faster than a ``model.predict``.
  The windows are then independent all the way through the model, so each part of them
  runs through every layer on a thread of its own (:mod:`lstm_explained._tracer_stack`).
* Otherwise (an ``Embedding``, convolutions, several inputs, ...) one compiled Keras
  sub-model ``keras.Model(model.inputs, [lstm.input, ...])`` computes every LSTM's input
  in a single batched call, together with the mask Keras attaches to it.

Time order
----------
Every array of a :class:`~lstm_explained.trace.LayerTrace` is in the layer's processing
order (index t is the t-th step the cell took); for a backward direction ``inputs[:, t]``
is input timestep ``T - 1 - t``. See :meth:`LayerTrace.in_input_order`.

Supported
---------
``keras.layers.LSTM`` and ``keras.layers.GRU`` (any activation that Keras 3 ships and
the cell can use, ``use_bias``, a GRU's ``reset_after`` either way, ``go_backwards``,
``return_sequences``, ``return_state``, masking, dropout — a no-op at inference) and
``keras.layers.Bidirectional`` around one (every ``merge_mode``, either direction running
backwards), and ``keras.layers.RNN(LSTMCell(...))`` or ``RNN(GRUCell(...))`` like the
layers, mixed freely in one stack, anywhere in a Sequential or functional model,
including models loaded from ``.keras`` files, in float32 or float64, on Keras'
TensorFlow, JAX and torch backends. Refused with
:class:`~lstm_explained.errors.UnsupportedLayerError`: SimpleRNN, ConvLSTM,
``keras.layers.RNN`` with any other cell, a GRU option the cell is not known to reproduce,
``stateful=True``, layers shared between several calls, layers called with an
``initial_state``, layers inside nested models, subclassed models, and float16 /
bfloat16 layers (mixed precision).

Memory
------
A trace holds six (N, T, units) arrays per direction: it is estimated before anything is
allocated and refused above ``max_bytes`` (:data:`DEFAULT_MAX_BYTES`, 2 GiB). The memory
of traces that were freed is kept (up to 512 MiB) for the next trace of about the same
size, as TensorFlow's allocator keeps its tensors' (:mod:`lstm_explained._recycle`).

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

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import numpy as np

from lstm_explained import _tracer_inputs as inputs
from lstm_explained import _tracer_stack as stack
from lstm_explained._progress import progress_bar
from lstm_explained._tracer_check import decode_mask, keras_side, self_check
from lstm_explained._tracer_inputs import DEFAULT_MAX_BYTES
from lstm_explained._tracer_plan import Plan, Target, find_targets, get_plan, node_input
from lstm_explained.errors import DataError, ModelError
from lstm_explained.keras_layers import IDENTITY_AT_INFERENCE, cell_kind, cell_weights
from lstm_explained.kinds import CellKind
from lstm_explained.trace import LayerTrace, Trace

#: ``progress="auto"`` shows a bar from this many windows on (never under pytest).
AUTO_PROGRESS_SAMPLES = 5000



# ----------------------------------------------------------------------------------
# Inputs and memory
# ----------------------------------------------------------------------------------
def _prepare_x(model: Any, x: Any) -> list[np.ndarray]:
    """``x`` as one checked array per model input, in the input's dtype."""
    ins = model.inputs
    xs = inputs.split_inputs(x, len(ins), len(ins[0].shape))
    if len(xs) != len(ins):
        raise DataError(
            f"model {model.name!r} takes {len(ins)} input(s); got {len(xs)} array(s)."
        )
    out = []
    for arr, spec in zip(xs, ins, strict=True):
        a = inputs.as_array(arr)
        inputs.check_shape(a, tuple(spec.shape), model.name)
        if out and a.shape[0] != out[0].shape[0]:
            raise DataError("all model inputs must have the same number of samples.")
        out.append(inputs.cast_input(a, np.dtype(spec.dtype) if spec.dtype else np.float32))
    return out


def _estimate(plan: Plan, xs: list[np.ndarray], dtype: np.dtype) -> int:
    """Bytes the trace of ``xs`` will take (see :func:`_tracer_inputs.trace_bytes`)."""
    n = xs[0].shape[0]
    fallback_steps = xs[0].shape[1]
    layers = []
    for t in plan.targets:
        shape = node_input(t.node).shape
        steps = shape[1] if shape[1] is not None else fallback_steps
        layers.append((steps, shape[-1] or 1, t.directions[0][1].cell.units,
                       len(t.directions)))
    estimate = inputs.trace_bytes(n, layers, dtype.itemsize)
    if not plan.fast:  # Keras' float32 copy of every layer input
        estimate += inputs.trace_bytes(n, [(s, f, 0, 0) for s, f, _, _ in layers], 4)
    return estimate


# ----------------------------------------------------------------------------------
# Tracing
# ----------------------------------------------------------------------------------
@np.errstate(over="ignore", invalid="ignore")  # an overflow is the self-check's to report
def _run_direction(
    kind: CellKind, x: np.ndarray, mask: np.ndarray | None, w: Any, chunks: list[slice],
    dtype: np.dtype, bar: Any,
) -> dict[str, np.ndarray]:
    """Every (N, T, units) array of one direction, run by its kind's engine a chunk of
    windows at a time into result arrays allocated once (no second copy of the trace)."""
    out = kind.empty_buffers(x.shape[0], x.shape[1], w.units, dtype)
    for c in chunks:
        kind.run(x[c], w, mask=None if mask is None else mask[c], dtype=dtype,
                 out=out.rows(c.start, c.stop))
        bar.update(1)
    return out.quantities()


def trace_gates(
    model: Any,
    x: Any,
    *,
    check: bool = True,
    check_samples: int | None = 32,
    tolerance: float = 1e-5,
    dtype: str | type = "float32",
    progress: bool | str = "auto",
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    _runner: Callable[..., dict[str, np.ndarray]] | None = None,
) -> Trace:
    """Trace every gate of every LSTM and GRU layer of ``model`` on the windows ``x``.

    Parameters
    ----------
    model : keras.Model
        A Sequential or functional Keras 3 model with at least one ``LSTM`` or ``GRU``
        (or ``Bidirectional`` of one), e.g. loaded with ``keras.saving.load_model``.
    x : ndarray or list of ndarray
        The model's input, (N, T, features) for a sequence model (ints for an Embedding).
        Must be finite: NaN or infinite values are refused, naming the first window.
    check : bool
        Compare the recompute with Keras on a sample of windows and raise
        :class:`TraceMismatchError` when they differ by more than ``tolerance``.
    check_samples : int or None
        How many windows (evenly spread over ``x``) to check; None checks all of them.
    tolerance : float
        Largest accepted difference to Keras, for every element of h_t and C_t at every
        step, and of the layer's outputs (sequence, states, Bidirectional merge), each
        relative to the Keras value: ``|ours - keras| / max(1, |keras|)`` (absolute for
        values within [-1, 1]). The largest is recorded as ``max_rel_error`` on each
        layer trace. When float32 rounding drift is the cause of a failure, the error
        says so and suggests ``dtype="float64"``.
    dtype : "float32" or "float64"
        Precision of the numpy recompute. float32 is what Keras computes in and about
        three times faster; float64 follows the exact arithmetic more closely.
    progress : bool or "auto"
        Show a tqdm bar over layers and chunks of windows. ``"auto"`` shows it only for
        at least :data:`AUTO_PROGRESS_SAMPLES` windows and never under pytest.
    max_bytes : int or None
        Memory budget of the trace, 2 GiB by default (:data:`DEFAULT_MAX_BYTES`): a trace
        estimated above it is refused before anything is allocated, with a message on
        how to trace less. None means no limit.
    _runner : callable, optional
        Internal, for the gate lab (:func:`lstm_explained.lab.intervene`): runs each
        direction instead of the engine, ``_runner(layer_index, kind, x, mask, weights,
        chunks, dtype, bar)``, returning what the engine would (it may compute more
        alongside, e.g. the clamped copy of the layer in the same batch). The trace is
        checked against Keras all the same.

    Returns
    -------
    Trace
        One :class:`~lstm_explained.trace.LayerTrace` per LSTM or GRU layer in model
        order (its ``kind`` says which), two
        (``"<name>/forward"``, ``"<name>/backward"``) per Bidirectional layer. Arrays are
        in each layer's processing order (see the module docstring).

    Raises
    ------
    ModelError
        ``model`` is not a Keras model, has no LSTM or GRU layer, or has NaN weights.
    UnsupportedLayerError
        A recurrent layer or option the tracer does not reproduce (see the module docstring).
    DataError
        ``x`` does not fit the model's input (rank, timesteps, features, NaN), an argument
        is invalid, or the trace would exceed ``max_bytes``.
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
    check = inputs.check_flag("check", check)
    check_samples = inputs.check_samples_arg(check_samples)
    tolerance = inputs.check_tolerance(tolerance)
    dtype = inputs.check_dtype(dtype)
    progress = inputs.check_progress(progress)
    max_bytes = inputs.check_max_bytes(max_bytes)
    targets = find_targets(model)
    xs = _prepare_x(model, x)
    plan = get_plan(model, targets)
    n = xs[0].shape[0]
    inputs.check_memory(_estimate(plan, xs, dtype), max_bytes, n, dtype)
    weights = [[cell_weights(sub, key) for key, sub in t.directions] for t in plan.targets]

    # 1. The input (and Keras mask) of every traced layer, for all windows.
    if plan.fast:
        layer_inputs: list[np.ndarray | None] = [None] * len(plan.targets)
        layer_masks: list[np.ndarray | None] = [None] * len(plan.targets)
    else:
        try:
            layer_inputs, ms = plan.inputs_fn(xs)
        except Exception as exc:  # noqa: BLE001 - report Keras' failure as ours
            raise ModelError(
                f"model {model.name!r} could not compute its LSTM inputs on x "
                f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})."
            ) from None
        layer_masks = [decode_mask(m) for m in ms]

    # 2. Run the numpy cell over every direction of every layer, while Keras computes
    #    what the self-check compares with (it needs nothing from the recompute, and
    #    runs mostly in TensorFlow's own threads).
    checker = ThreadPoolExecutor(1) if check else None
    keras_out = None if checker is None else checker.submit(
        keras_side, model, plan, xs, weights, check_samples)
    stacked = plan.fast and _runner is None
    chunks = [slice(s, min(s + stack.PART, n)) for s in range(0, n, stack.PART)]
    per_direction = stack.parts_count(plan, n) if stacked else len(chunks)
    total = sum(len(t.directions) for t in plan.targets) * per_direction
    bar = progress_bar(progress, total, "tracing LSTM gates", "run",
                       big_enough=n >= AUTO_PROGRESS_SAMPLES)
    results: list[list[LayerTrace]] = []
    x_fast = xs[0].astype(dtype, copy=False) if plan.fast else None  # what numpy runs on
    try:
        if stacked:  # every part of the windows through every layer, on its own thread
            layer_inputs, layer_masks, stacked_arrays = stack.run_stack(
                plan, x_fast, weights, dtype, bar)
        for i, t in enumerate(plan.targets):
            if plan.fast and not stacked:
                layer_inputs[i], layer_masks[i] = _fast_source(t, x_fast, results, layer_masks)
            x_in, mask = layer_inputs[i], layer_masks[i]
            traces = []
            for d, ((key, sub), w) in enumerate(zip(t.directions, weights[i], strict=True)):
                x_proc = x_in[:, ::-1] if sub.go_backwards else x_in
                m_proc = None if mask is None else (mask[:, ::-1] if sub.go_backwards else mask)
                kind = cell_kind(sub)
                if stacked:
                    arrays = stacked_arrays[i][d]
                else:
                    run = _run_direction if _runner is None else partial(_runner, i)
                    arrays = run(kind, x_proc, m_proc, w, chunks, dtype, bar)
                traces.append(
                    LayerTrace(
                        key,
                        t.layer.name,
                        kind=kind.name,
                        inputs=np.asarray(x_proc, dtype=dtype),
                        arrays=arrays,
                        mask=m_proc,
                        units=w.units,
                        activation=w.activation,
                        recurrent_activation=w.recurrent_activation,
                        direction="backward" if sub.go_backwards else "forward",
                        go_backwards=bool(sub.go_backwards),
                    )
                )
            results.append(traces)
    finally:
        bar.close()
        if checker is not None:
            checker.shutdown(wait=True)

    # 3. Self-check against Keras on a sample of windows.
    checked_n = 0
    if keras_out is not None:
        checked_n = self_check(plan, keras_out.result(), results, weights, tolerance)
    layers = [lt for traces in results for lt in traces]
    info = {
        "model": model.name,
        "n_samples": int(n),
        "dtype": dtype.name,
        "checked_samples": int(checked_n),
        "tolerance": float(tolerance) if check else None,
    }
    return Trace(layers, info=info)


def _fast_source(
    t: Target, x: np.ndarray, results: list[list[LayerTrace]],
    masks: list[np.ndarray | None],
) -> tuple[np.ndarray, np.ndarray | None]:
    """Fast path: a layer's input and mask, from ``x`` or an earlier traced layer (the
    sequence it returns, as Keras returns it)."""
    outputs = [getattr(traces[0], traces[0].spec.output) for traces in results]
    return stack.apply_masking(*stack.source(t, x, outputs, masks), t.source[-1])


__all__ = ["AUTO_PROGRESS_SAMPLES", "DEFAULT_MAX_BYTES", "IDENTITY_AT_INFERENCE", "trace_gates"]
