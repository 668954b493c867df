"""Forecasts from a window model, the seed's three kinds, and the persistence baseline.

* :func:`point_by_point`: each test window, true values only, predicts the next value.
* :func:`multi_sequence`: every ``prediction_len``-th window starts a run of
  ``prediction_len`` steps that feeds its own predictions back in.
* :func:`full_sequence`: the first window alone, fed back for the whole test set.
* :func:`persistence`: the baseline to beat, "tomorrow equals today".
* :func:`linear_ar`: the strong baseline beside it, a least-squares autoregression
  (:mod:`lstm_explained.baselines`). The three forecasts take its :class:`LinearAR` in
  place of the model and feed its predictions back in a small numpy loop, without Keras.

The seed called ``model.predict`` once per predicted point (about 0.1 s a call). Here every
forecast is batched. For the seed's kind of model (a ``Sequential`` of LSTMs, dropout and
one dense layer) the feedback loop runs in the package's numpy LSTM cell with all windows
advancing together (see :func:`rollout`), which gives Keras' numbers to about 1e-7 at a
small fraction of the cost. Other models fall back to one batched Keras call per step.

Example
-------
>>> import lstm_explained as lx
>>> w = lx.data.make_windows(lx.data.sine_wave(), 50)
>>> model = lx.model.load_pretrained("sine")
>>> lx.forecast.multi_sequence(model, w.x_test).shape
(9, 50)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lstm_explained._threads import single_threaded_blas
from lstm_explained.activations import get_activation
from lstm_explained.baselines import LinearAR, linear_ar  # noqa: F401  (re-exported)
from lstm_explained.engine import LSTMWeights, gate_blocks, step_inplace
from lstm_explained.errors import DataError, ModelError, UnsupportedLayerError
from lstm_explained.keras_layers import (
    activation_name,
    cell_kind,
    cell_weights,
    is_identity_at_inference,
)
from lstm_explained.kinds import LSTM


def _check_windows(x: np.ndarray, model: Any | None = None) -> np.ndarray:
    """``x`` as (N, seq_len, features) float64 windows fit for ``model``, or a clear error."""
    if isinstance(model, LinearAR):  # it checks the windows' length itself
        model = None
    if model is not None:
        _check_model(model)
    try:
        x = np.asarray(x, dtype=np.float64)
    except (ValueError, TypeError):  # ragged lists, strings, None inside
        raise DataError(
            "x must be windows of numbers shaped (N, seq_len, features), e.g. Windows.x_test; "
            f"got a {type(x).__name__} that is not one array of numbers."
        ) from None
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3:
        raise DataError(
            f"x must be windows shaped (N, seq_len, features), e.g. Windows.x_test; got {x.shape}."
        )
    for axis, what in enumerate(("windows", "timesteps", "features")):
        if x.shape[axis] == 0:
            raise DataError(
                f"x holds no {what} (shape {x.shape}): a forecast needs at least one window "
                "of at least one timestep, e.g. Windows.x_test."
            )
    if not np.all(np.isfinite(x)):
        window, step, feature = (int(i) for i in np.argwhere(~np.isfinite(x))[0])
        value = x[window, step, feature]
        raise DataError(
            f"window {window} of x holds {'NaN' if np.isnan(value) else value} at timestep "
            f"{step} (feature {feature}): forecasts need finite inputs, no NaN or infinite "
            "values. Fill or drop that window."
        )
    if model is not None:
        _check_fits(model, x)
    return x


def _check_model(model: Any) -> None:
    if not (callable(getattr(model, "predict", None)) and getattr(model, "inputs", None)):
        raise ModelError(
            f"model must be a built Keras model (e.g. lx.model.load_pretrained('sine')), "
            f"not {type(model).__name__}."
        )


def _check_fits(model: Any, x: np.ndarray) -> None:
    """The model takes windows of this length and number of features."""
    shape = tuple(model.inputs[0].shape)
    if len(shape) != 3:
        raise ModelError(f"the model takes inputs shaped {shape}, not windows (N, T, features).")
    if shape[2] is not None and shape[2] != x.shape[2]:
        raise DataError(f"the model takes {shape[2]} feature(s) per step; x has {x.shape[2]}.")
    if shape[1] is not None and shape[1] != x.shape[1]:
        raise DataError(
            f"the model takes windows of {shape[1]} timesteps; x's have {x.shape[1]}."
        )


def _whole(value: Any, name: str) -> int:
    """``value`` as an int >= 1, or a clear error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise DataError(f"{name} must be a whole number >= 1, not {value!r}.")
    return int(value)


@dataclass
class _Dense:
    kernel: np.ndarray
    bias: np.ndarray | None
    activation: str

    def __call__(self, h: np.ndarray) -> np.ndarray:
        z = h @ self.kernel
        if self.bias is not None:
            z = z + self.bias
        return get_activation(self.activation)(z)


def numpy_stack(model: Any) -> tuple[list[LSTMWeights], _Dense] | None:
    """The model as numpy layers, if it is the seed's kind of stack; else None.

    The seed's kind: a ``keras.Sequential`` of forward LSTMs (all but the last returning
    sequences, not stateful, no masking), optional dropout-like layers (inference no-ops)
    and a final ``Dense`` with a built-in activation.
    """
    from lstm_explained._keras import keras

    k = keras()
    if not isinstance(model, k.Sequential):
        return None
    lstms: list[LSTMWeights] = []
    dense: _Dense | None = None
    layers = list(model.layers)
    for n, layer in enumerate(layers):
        kind = type(layer).__name__
        if is_identity_at_inference(layer):
            continue
        if cell_kind(layer) is LSTM and dense is None:
            last_lstm = not any(cell_kind(rest) is LSTM for rest in layers[n + 1 :])
            if (
                layer.go_backwards
                or layer.stateful
                or layer.return_sequences == last_lstm
                or getattr(layer, "return_state", False)
            ):
                return None
            try:
                lstms.append(cell_weights(layer))
            except UnsupportedLayerError:  # a custom activation: leave it to Keras
                return None
        elif kind == "Dense" and dense is None and lstms and n == len(layers) - 1:
            try:
                name = activation_name(layer, "activation")
            except UnsupportedLayerError:
                return None
            weights = layer.get_weights()
            dense = _Dense(weights[0], weights[1] if layer.use_bias else None, name)
        else:
            return None
    if not lstms or dense is None:
        return None
    return lstms, dense


def rollout(model: Any, x: np.ndarray, steps: int) -> np.ndarray:
    """Feed predictions back: from each window in ``x``, predict ``steps`` values.

    Step ``j`` from window ``s`` sees ``x[s, j:]`` followed by its own first ``j``
    predictions, exactly as the seed's loop (shift the window, append the prediction).

    For the seed's kind of model (see :func:`numpy_stack`), all the windows of all steps
    advance together through the numpy LSTM cell: at position ``a`` of the extended series
    every window that contains it takes one cell step, a window that starts there starts
    from zero state, and a window that ends there emits its prediction, which becomes the
    input at position ``a + 1``. So the whole forecast costs ``steps + seq_len`` batched
    cell steps instead of ``steps`` full model calls.

    Parameters
    ----------
    model
        a Keras model mapping (N, seq_len, features) to (N, features), or a
        :class:`LinearAR` (one feature).
    x
        (S, seq_len, features) start windows.
    steps
        how many values to predict from each window.

    Returns
    -------
    ndarray
        (S, steps) predictions for one feature, (S, steps, features) for several.
    """
    x = _check_windows(x, model)
    steps = _whole(steps, "the number of steps")
    if isinstance(model, LinearAR):
        return model.rollout(x, steps)
    n_seq, width, features = x.shape
    out_size = int(model.outputs[0].shape[-1])
    if out_size != features:
        raise DataError(
            f"the model predicts {out_size} value(s) per step but its windows have {features} "
            "feature(s): a multi-step forecast feeds each prediction back as the next input, "
            "so the two must match (the seed's bug wrote one prediction into every feature)."
        )
    stack = numpy_stack(model)
    if stack is None:
        pred = _rollout_keras(model, x, steps)
    else:
        with single_threaded_blas():
            pred = _rollout_numpy(*stack, x, steps)
    return pred[..., 0] if features == 1 else pred


def _rollout_numpy(
    lstms: list[LSTMWeights], dense: _Dense, x: np.ndarray, steps: int
) -> np.ndarray:
    n_seq, width, features = x.shape
    dtype = lstms[0].dtype
    x = x.astype(dtype)
    pred = np.zeros((steps, n_seq, features), dtype=dtype)
    # State of window j of sequence s in a layer: h[j, s], c[j, s]; zero until it starts.
    # Windows first, so that the windows alive at a position are one contiguous block,
    # which the cell step updates in place.
    h = [np.zeros((steps, n_seq, w.units), dtype=dtype) for w in lstms]
    c = [np.zeros((steps, n_seq, w.units), dtype=dtype) for w in lstms]
    # the engine's gate-major layout: (4, windows, units), gate by gate (engine.ORDER)
    z = [np.empty((4, steps * n_seq, w.units), dtype=dtype) for w in lstms]
    scratch = [np.empty_like(zz) for zz in z]
    kernels, recurrents, biases = zip(*(gate_blocks(w) for w in lstms), strict=True)
    for a in range(steps + width - 1):
        lo, hi = max(0, a - width + 1), min(a, steps - 1) + 1  # windows that contain position a
        rows = (hi - lo) * n_seq
        value = x[:, a] if a < width else pred[a - width]  # (S, F), the same for all of them
        for layer, w in enumerate(lstms):
            x_proj = z[layer][:, :rows]
            if layer == 0:  # one projection per sequence, shared by its live windows
                x_proj.reshape(4, hi - lo, n_seq, -1)[:] = (value @ kernels[0])[:, None]
            else:
                np.matmul(h[layer - 1][lo:hi].reshape(rows, -1), kernels[layer], out=x_proj)
            if biases[layer] is not None:
                x_proj += biases[layer]
            h_live = h[layer][lo:hi].reshape(rows, w.units)
            c_live = c[layer][lo:hi].reshape(rows, w.units)
            step_inplace(x_proj, h_live, c_live, w, recurrents[layer], c_live, h_live,
                         scratch[layer][:, :rows])
        done = a - width + 1  # the window that ends at position a, if any
        if done >= 0:
            pred[done] = dense(h[-1][done])
    return pred.transpose(1, 0, 2).astype(np.float64)


def _rollout_keras(model: Any, x: np.ndarray, steps: int) -> np.ndarray:
    frames = x.astype(np.float32)
    pred = np.zeros((x.shape[0], steps, x.shape[2]))
    for j in range(steps):
        p = np.asarray(model.predict_on_batch(frames), dtype=np.float64).reshape(x.shape[0], -1)
        pred[:, j] = p
        frames = np.concatenate([frames[:, 1:], p[:, None, :].astype(np.float32)], axis=1)
    return pred


def point_by_point(model: Any, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """One step ahead from every window (true values only): (N,) predictions.

    ``model`` is a Keras model or a :class:`LinearAR` (then ``batch_size`` is unused).
    For the seed's kind of model (:func:`numpy_stack`) the windows run through the numpy
    LSTM cell, ``batch_size`` at a time, as :func:`rollout` runs them: Keras' numbers
    within 1e-6, in 0.13-0.23 s for a whole test set of the seed's model, where
    ``model.predict`` takes 0.3-0.5 s (mostly its own setup, on every call). Other models
    run through ``model.predict``.

    Example
    -------
    >>> import lstm_explained as lx
    >>> w = lx.data.make_windows(lx.data.sine_wave(), 50)
    >>> point_by_point(lx.model.load_pretrained("sine"), w.x_test).shape
    (495,)
    """
    batch_size = _whole(batch_size, "batch_size")
    x = _check_windows(x, model)
    if isinstance(model, LinearAR):
        return model.predict(x)
    # the numpy loop feeds predictions back as inputs: only a model whose output is as wide
    # as its windows runs there
    stack = numpy_stack(model) if int(model.outputs[0].shape[-1]) == x.shape[2] else None
    if stack is not None:
        with single_threaded_blas():
            pred = np.concatenate([_rollout_numpy(*stack, x[s : s + batch_size], 1)[:, 0]
                                   for s in range(0, len(x), batch_size)])
    else:
        pred = model.predict(x.astype(np.float32), batch_size=batch_size, verbose=0)
    pred = np.asarray(pred, dtype=np.float64).reshape(x.shape[0], -1)
    return pred[:, 0] if pred.shape[1] == 1 else pred


def multi_sequence(model: Any, x: np.ndarray, prediction_len: int = 50) -> np.ndarray:
    """The seed's multi-sequence forecast: (len(x) // prediction_len, prediction_len).

    Run ``k`` starts from window ``k * prediction_len`` and feeds its own predictions back
    for ``prediction_len`` steps; with normalised windows its values stay in the units of
    that start window (``Windows.denormalise(values, window=k * prediction_len)``).
    ``model`` may be a :class:`LinearAR`, fed back the same way.
    """
    x = _check_windows(x, model)
    n_seq = _n_runs(len(x), prediction_len)
    return rollout(model, x[: n_seq * prediction_len : prediction_len], int(prediction_len))


def _n_runs(n_windows: int, prediction_len: Any) -> int:
    """How many runs of ``prediction_len`` steps ``n_windows`` windows start; at least one."""
    length = _whole(prediction_len, "prediction_len")
    if n_windows < length:
        raise DataError(
            f"prediction_len={length} needs at least that many windows; x has {n_windows}."
        )
    return n_windows // length


def full_sequence(model: Any, x: np.ndarray) -> np.ndarray:
    """The seed's full-sequence forecast: from ``x[0]`` alone, ``len(x)`` fed-back steps.

    ``model`` is a Keras model or a :class:`LinearAR`.
    """
    x = _check_windows(x, model)
    return rollout(model, x[:1], len(x))[0]


def persistence(x: np.ndarray, prediction_len: int | None = None) -> np.ndarray:
    """The persistence baseline: the next value equals the last one seen.

    Parameters
    ----------
    x
        (N, seq_len, features) windows.
    prediction_len
        None for one step ahead from every window, (N,); or the
        multi-sequence layout, (N // prediction_len, prediction_len), each run
        repeating the last value of its start window.

    Example
    -------
    >>> persistence(np.arange(6.0).reshape(2, 3, 1)).tolist()
    [2.0, 5.0]
    """
    x = _check_windows(x)
    last = x[:, -1, 0]
    if prediction_len is None:
        return last
    n_seq = _n_runs(len(x), prediction_len)
    return np.repeat(last[: n_seq * prediction_len : prediction_len, None], prediction_len, axis=1)


def seed_multi_sequence(model: Any, x: np.ndarray, prediction_len: int = 50) -> np.ndarray:
    """The seed's own loop, one ``model.predict`` per point: the reference, slow on purpose.

    Kept for tests and benchmarks that prove the batched forecasts give the same numbers.
    """
    _check_model(model)
    x = _check_windows(x, model)
    window_size = x.shape[1]
    seqs = []
    for i in range(_n_runs(len(x), prediction_len)):
        frame = x[i * prediction_len].astype(np.float32)
        predicted = []
        for _ in range(prediction_len):
            predicted.append(float(model.predict(frame[np.newaxis], verbose=0)[0, 0]))
            frame = frame[1:]
            frame = np.insert(frame, [window_size - 1], predicted[-1], axis=0)
        seqs.append(predicted)
    return np.asarray(seqs)
