"""The one place that reads Keras layers: which are recurrent, their weights, the no-ops.

The tracer (:mod:`lstm_explained.tracer`) and the forecasts' numpy path
(:mod:`lstm_explained.forecast`) both ask the same questions of a Keras layer, and both
get their answers here:

* :data:`IDENTITY_AT_INFERENCE`: the layers that pass their input through unchanged at
  inference (dropout and friends), which numpy may skip;
* :func:`cell_kind`: the declared cell kind (:mod:`lstm_explained.kinds`) of a recurrent
  layer, or None for any other layer;
* :func:`check_recurrent`: refuse, naming the cause, a recurrent layer the numpy cell does
  not reproduce (a custom cell, ``stateful=True``, mixed precision, a custom activation);
* :func:`activation_name` and :func:`cell_weights`: a layer's activations, by their Keras
  names, and its weights in the container its kind's engine runs on.

Keras is imported only when one of these functions runs.

Example
-------
>>> import keras
>>> layer = keras.layers.LSTM(3)
>>> _ = layer(np.zeros((1, 4, 2)))
>>> cell_kind(layer).name, cell_weights(layer).kernel.shape
('lstm', (2, 12))
>>> is_identity_at_inference(keras.layers.Dropout(0.5))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstm_explained._keras import keras
from lstm_explained.activations import ACTIVATIONS, UNSUPPORTED
from lstm_explained.errors import ModelError, UnsupportedLayerError
from lstm_explained.kinds import KINDS, CellKind

#: Layers that are the identity at inference and pass the mask through.
IDENTITY_AT_INFERENCE = (
    "Dropout",
    "SpatialDropout1D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "ActivityRegularization",
)

#: Compute dtypes the numpy cell reproduces (a float16 / bfloat16 layer is refused).
EXACT_DTYPES = ("float32", "float64")

#: What the tracer traces, for error messages.
SUPPORTED = (
    "lstm-explained traces "
    + ", ".join(f"keras.layers.{k.keras_layer}" for k in KINDS.values())
    + " layers (or keras.layers.RNN around their cells) and Bidirectional wrappers of them"
)


def is_identity_at_inference(layer: Any) -> bool:
    """True for a layer that passes its input through unchanged at inference, computing in
    float32/float64 (a float16 one would round what it passes on)."""
    return (
        type(layer).__name__ in IDENTITY_AT_INFERENCE
        and getattr(layer, "compute_dtype", "float32") in EXACT_DTYPES
    )


def cell_kind(layer: Any) -> CellKind | None:
    """The declared kind of a built-in recurrent layer (exactly ``keras.layers.LSTM``,
    ``keras.layers.GRU``, or a plain ``keras.layers.RNN`` around exactly their cell, as
    older tutorials build them), None for any other layer (subclasses included: their call
    may differ)."""
    k = keras()
    for kind in KINDS.values():
        if type(layer) is getattr(k.layers, kind.keras_layer):
            return kind
    if type(layer) is k.layers.RNN:
        for kind in KINDS.values():
            if type(layer.cell) is getattr(k.layers, kind.keras_cell):
                return kind
    return None


def activation_name(layer: Any, attr: str) -> str:
    """The Keras 3 name of a layer's activation, or a clear error.

    Only Keras' own built-in functions are accepted (compared by identity with
    ``keras.activations.<name>``), so a custom function that happens to be called
    ``tanh`` is refused rather than silently replaced.
    """
    k = keras()
    # a keras.layers.RNN keeps its activations on its cell only
    fn = getattr(layer, attr) if hasattr(layer, attr) else getattr(layer.cell, attr)
    name = getattr(fn, "__name__", None)
    builtin = name is not None and getattr(k.activations, name, None) is fn
    if builtin and name in ACTIVATIONS:
        return name
    if builtin and name in UNSUPPORTED:
        why = f"a Keras 3 built-in that an LSTM cannot use: {UNSUPPORTED[name]}"
    else:
        why = "not one of Keras 3's built-in activations"
    raise UnsupportedLayerError(
        f"layer {layer.name!r} uses {attr}={name or fn!r}, which is {why}; {SUPPORTED} "
        f"with built-in activations only ({', '.join(sorted(ACTIVATIONS))})."
    )


def check_dtype_policy(layer: Any, label: str) -> None:
    """Refuse a layer computing in float16 / bfloat16 (mixed precision), naming the policy."""
    dtype = getattr(layer, "compute_dtype", "float32")
    if dtype not in EXACT_DTYPES:
        policy = getattr(getattr(layer, "dtype_policy", None), "name", dtype)
        raise UnsupportedLayerError(
            f"layer {label!r} computes in {dtype} (dtype policy {policy!r}, mixed "
            f"precision); {SUPPORTED} computing in float32 or float64: {dtype} rounding is "
            "far coarser than the 1e-5 the trace is checked to. Trace a float32 copy: "
            "keras.config.set_dtype_policy('float32'), build the same model again, "
            "copy the weights (copy.set_weights(model.get_weights())) and trace the copy."
        )


def check_recurrent(layer: Any, label: str) -> CellKind:
    """The kind of a recurrent layer the numpy cell reproduces exactly; a clear error else."""
    kind = cell_kind(layer)
    if kind is None:
        what = type(layer).__name__
        cell = getattr(layer, "cell", None)
        if what == "RNN" and cell is not None:  # name the cell: the layer's class says little
            what = f"keras.layers.RNN around a {type(cell).__name__}"
        raise UnsupportedLayerError(
            f"layer {label!r} is a {what}; {SUPPORTED} (not SimpleRNN, "
            "ConvLSTM, keras.layers.RNN with any other cell, or subclasses of the built-in "
            "layers)."
        )
    k = keras()
    if type(layer.cell) is not getattr(k.layers, kind.keras_cell):
        raise UnsupportedLayerError(
            f"layer {label!r} has a custom cell ({type(layer.cell).__name__}); "
            f"{SUPPORTED} with the built-in {kind.keras_cell}."
        )
    if layer.stateful:
        raise UnsupportedLayerError(
            f"layer {label!r} is stateful=True: its states carry over between calls, so a "
            "trace would depend on call history. Rebuild the model with stateful=False "
            "(and the same weights) to trace it."
        )
    check_dtype_policy(layer, label)
    _check_config(layer, label, kind)
    activation_name(layer, "activation")
    activation_name(layer, "recurrent_activation")
    return kind


def _check_config(layer: Any, label: str, kind: CellKind) -> None:
    """Refuse a layer whose config has an option its kind does not declare as reproduced
    (``CellKind.keras_config``; a Keras version may add one that changes the arithmetic)."""
    if not kind.keras_config:
        return
    try:
        keys = (set(layer.get_config()) - {"cell"}) | set(layer.cell.get_config())
    except Exception:  # noqa: BLE001 - a custom initializer may not serialise; not an option
        return
    unknown = sorted(keys - kind.keras_config)
    if unknown:
        raise UnsupportedLayerError(
            f"layer {label!r} has the option(s) {', '.join(unknown)}, which lstm-explained "
            f"does not know for a {kind.keras_layer} (its numpy cell may not reproduce them); "
            f"{SUPPORTED} with the options of Keras {keras().__version__}'s "
            f"{kind.keras_layer}: {', '.join(sorted(kind.keras_config))}."
        )


def cell_weights(layer: Any, label: str | None = None) -> Any:
    """A recurrent layer's weights, activations and options, in its kind's weights container
    (an LSTM's :class:`~lstm_explained.engine.LSTMWeights`, a GRU's
    :class:`~lstm_explained.gru_engine.GRUWeights`), NaN or infinite ones refused."""
    label = label or layer.name
    kind = check_recurrent(layer, label)
    arrays = dict(zip(("kernel", "recurrent_kernel", "bias"), layer.get_weights(), strict=False))
    if not layer.cell.use_bias:
        arrays["bias"] = None
    for name, arr in arrays.items():
        if arr is not None and not np.isfinite(arr).all():
            raise ModelError(
                f"layer {label!r} has NaN or infinite values in its {name}: the model "
                "diverged in training, and every gate would be NaN. Retrain it (a lower "
                "learning rate, gradient clipping) or load good weights before tracing."
            )
    return kind.weights_from(
        **arrays,
        **{opt: getattr(layer.cell, opt) for opt in kind.keras_options},
        activation=activation_name(layer, "activation"),
        recurrent_activation=activation_name(layer, "recurrent_activation"),
    )


__all__ = [
    "EXACT_DTYPES",
    "IDENTITY_AT_INFERENCE",
    "SUPPORTED",
    "activation_name",
    "cell_kind",
    "cell_weights",
    "check_dtype_policy",
    "check_recurrent",
    "is_identity_at_inference",
]
