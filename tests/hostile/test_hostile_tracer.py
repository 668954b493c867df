"""Hostile and clumsy calls of trace_gates: each is refused up front with one clear error
that names the cause and what to do, or traced exactly.

"Up front" is checked too: for a bad argument or bad data, the model's tracing plan is
never even built.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lstm_explained import _tracer_plan
from lstm_explained._keras import keras
from lstm_explained.errors import (
    DataError,
    LSTMExplainedError,
    ModelError,
    TraceMismatchError,
    UnsupportedLayerError,
)
from lstm_explained.tracer import trace_gates

HOSTILE = [
    # -- arguments ---------------------------------------------------------------
    ("tolerance-negative", "tolerance=-1",
     "DataError: tolerance must be a finite number >= 0 (the layer is not blamed)"),
    ("tolerance-nan", "tolerance=float('nan')", "DataError: tolerance must be a finite number"),
    ("tolerance-infinite", "tolerance=float('inf'), which would accept anything",
     "DataError: tolerance must be a finite number"),
    ("tolerance-text", "tolerance='1e-5'", "DataError: tolerance must be a number"),
    ("check-samples-zero", "check_samples=0", "DataError: at least 1; check=False skips"),
    ("check-samples-fraction", "check_samples=2.5", "DataError: a whole number >= 1"),
    ("check-samples-bool", "check_samples=True", "DataError: a whole number >= 1"),
    ("check-text", "check='no' (a string that would count as true)",
     "DataError: check must be True or False"),
    ("dtype-none", "dtype=None (numpy would read it as float64)",
     "DataError: dtype must be 'float32' or 'float64'"),
    ("dtype-float16", "dtype='float16'", "DataError: dtype must be 'float32' or 'float64'"),
    ("dtype-nonsense", "dtype='double please'",
     "DataError: dtype must be 'float32' or 'float64' (not numpy's TypeError)"),
    ("progress-text", "progress='yes'", "DataError: True, False or 'auto'"),
    ("max-bytes-zero", "max_bytes=0", "DataError: a positive number of bytes, or None"),
    ("max-bytes-text", "max_bytes='2GB'", "DataError: a positive number of bytes, or None"),
    # -- data --------------------------------------------------------------------
    ("x-nan", "a NaN at window 2, timestep 3 of x",
     "DataError naming window 2, timestep 3; never an all-NaN trace marked verified"),
    ("x-infinite", "-inf at window 1 of x", "DataError naming window 1"),
    ("x-too-large", "1e39 in float64 windows (inf once cast to the model's float32)",
     "DataError: too large for the model's float32 input, naming the window"),
    ("x-no-timesteps", "windows of 0 timesteps, for a model that takes any length",
     "DataError: an LSTM needs at least one step"),
    ("x-no-windows", "x of shape (0, 5, 2)", "DataError: give at least one window"),
    ("x-ragged", "a list of two windows of 5 and 4 timesteps",
     "DataError: x could not be read as an array"),
    ("x-text", "windows of strings", "DataError: x must be numeric"),
    ("x-complex", "windows of complex numbers", "DataError: x must be numeric"),
    ("x-one-window-no-batch", "one window (5, 2) without its batch axis",
     "DataError: 3 dimensions; add a batch axis: x[None]"),
    ("x-wrong-features", "3 features for a model that takes 2", "DataError naming features"),
    ("x-wrong-timesteps", "4 timesteps for a model that takes 5", "DataError naming timesteps"),
    ("ids-fractional", "token id 1.5 for an Embedding", "DataError: give integer ids"),
    ("too-many-windows", "40 000 windows of the seed model (a 7 GB trace)",
     "DataError before allocating: above max_bytes; trace fewer windows (how many fit), "
     "Trace.select, or raise max_bytes"),
    ("too-many-windows-float64", "a float64 trace over the memory budget",
     "DataError that also suggests dtype='float32'"),
    # -- models ------------------------------------------------------------------
    ("not-a-model", "a file name instead of a model", "ModelError: needs a Keras 3 model"),
    ("no-lstm", "a model without an LSTM", "ModelError: no LSTM or GRU layer to trace"),
    ("subclassed-called", "a subclassed keras.Model holding an LSTM, already called on data",
     "UnsupportedLayerError: a subclassed model; rebuild it as Sequential or functional "
     "(never 'call it on data')"),
    ("gru", "a GRU", "traced and verified (a declared cell kind)"),
    ("rnn-grucell", "keras.layers.RNN(GRUCell)", "traced and verified, like a GRU"),
    ("gru-initial-state", "a GRU called with an initial_state",
     "UnsupportedLayerError naming initial_state"),
    ("simple-rnn", "a SimpleRNN", "UnsupportedLayerError naming SimpleRNN"),
    ("rnn-lstmcell", "keras.layers.RNN(LSTMCell)", "traced and verified, like an LSTM"),
    ("rnn-simplernncell", "keras.layers.RNN(SimpleRNNCell)", "UnsupportedLayerError naming RNN"),
    ("rnn-stacked-cells", "keras.layers.RNN([LSTMCell, LSTMCell])",
     "UnsupportedLayerError naming RNN"),
    ("bidirectional-gru", "Bidirectional(GRU)", "traced and verified"),
    ("bidirectional-simple-rnn", "Bidirectional(SimpleRNN)",
     "UnsupportedLayerError naming Bidirectional"),
    ("conv-lstm", "a ConvLSTM2D", "UnsupportedLayerError naming ConvLSTM2D"),
    ("stateful", "an LSTM with stateful=True", "UnsupportedLayerError: rebuild stateful=False"),
    ("custom-activation", "activation=lambda z: z * 2",
     "UnsupportedLayerError: not a Keras 3 built-in activation"),
    ("threshold-activation", "recurrent_activation=keras.activations.threshold",
     "UnsupportedLayerError: a built-in an LSTM cannot use (it needs arguments)"),
    ("glu-activation", "activation='glu'",
     "UnsupportedLayerError: a built-in an LSTM cannot use (it halves the last axis)"),
    ("sparsemax-activation", "activation and recurrent_activation 'sparsemax'",
     "traced and verified (it is a built-in)"),
    ("initial-state", "an LSTM called with an initial_state",
     "UnsupportedLayerError naming initial_state"),
    ("shared-layer", "one LSTM called twice", "UnsupportedLayerError: called 2 times"),
    ("nested-model", "an LSTM inside a nested model",
     "UnsupportedLayerError: trace the nested model itself"),
    ("mixed-float16", "an LSTM with dtype policy 'mixed_float16'",
     "UnsupportedLayerError naming the policy and how to trace a float32 copy"),
    ("mixed-bfloat16", "a Bidirectional LSTM with dtype policy 'mixed_bfloat16'",
     "UnsupportedLayerError naming the policy"),
    ("nan-weights", "an LSTM whose recurrent kernel holds NaN (a diverged training)",
     "ModelError naming the layer and the weight"),
    ("overflowing-states", "finite inputs, but an 'exponential' activation whose states "
     "overflow float32", "TraceMismatchError: the states are not finite; never verified"),
    ("keras-backend-unknown", "KERAS_BACKEND='nonsense'",
     "ModelError naming the backend and the supported ones"),
    ("keras-backend-numpy", "KERAS_BACKEND='numpy' (a Keras backend the tracer does not "
     "support)", "ModelError naming the supported backends"),
]

CASES = [row[0] for row in HOSTILE]
ROOT = Path(__file__).resolve().parents[2]

K = keras()
L = K.layers
X = np.random.default_rng(0).normal(size=(4, 5, 2)).astype(np.float32)


def _lstm(**kwargs):
    return K.Sequential([K.Input((5, 2)), L.LSTM(3, **kwargs)])


def _with(value, where):
    x = X.astype(np.float64)
    x[where] = value
    return x


def _args(**kwargs):
    return lambda: (_lstm(), X, kwargs)


class _Subclassed(K.Model):
    def __init__(self):
        super().__init__()
        self.lstm = L.LSTM(3)

    def call(self, x):
        return self.lstm(x)


def _subclassed_called():
    model = _Subclassed()
    model(X)
    return model, X, {}


def _gru_initial_state():
    inp, h0 = K.Input((5, 2)), K.Input((3,))
    return K.Model([inp, h0], L.GRU(3)(inp, initial_state=[h0])), [X, np.zeros((4, 3))], {}


def _initial_state():
    inp, h0 = K.Input((5, 2)), K.Input((3,))
    return K.Model([inp, h0], L.LSTM(3)(inp, initial_state=[h0, h0])), [X, np.zeros((4, 3))], {}


def _shared():
    inp = K.Input((5, 2))
    shared = L.LSTM(3, return_sequences=True)
    return K.Model(inp, shared(L.Dense(2)(shared(inp)))), X, {}


def _nested():
    inner = K.Sequential([K.Input((5, 2)), L.LSTM(3)])
    inp = K.Input((5, 2))
    return K.Model(inp, inner(inp)), X, {}


def _nan_weights():
    model = _lstm()
    kernel, recurrent, bias = model.layers[0].get_weights()
    recurrent[0, 0] = np.nan
    model.layers[0].set_weights([kernel, recurrent, bias])
    return model, X, {}


def _embedding():
    return K.Sequential([K.Input((4,), dtype="int32"), L.Embedding(5, 2), L.LSTM(3)])


def _seed_model():
    return K.Sequential([K.Input((50, 1)), L.LSTM(50, return_sequences=True), L.Dropout(0.2),
                         L.LSTM(100), L.Dropout(0.2), L.Dense(1)])


#: case id -> a function giving (model, x, keyword arguments of trace_gates).
CALLS = {
    "tolerance-negative": _args(tolerance=-1),
    "tolerance-nan": _args(tolerance=float("nan")),
    "tolerance-infinite": _args(tolerance=float("inf")),
    "tolerance-text": _args(tolerance="1e-5"),
    "check-samples-zero": _args(check_samples=0),
    "check-samples-fraction": _args(check_samples=2.5),
    "check-samples-bool": _args(check_samples=True),
    "check-text": _args(check="no"),
    "dtype-none": _args(dtype=None),
    "dtype-float16": _args(dtype="float16"),
    "dtype-nonsense": _args(dtype="double please"),
    "progress-text": _args(progress="yes"),
    "max-bytes-zero": _args(max_bytes=0),
    "max-bytes-text": _args(max_bytes="2GB"),
    "x-nan": lambda: (_lstm(), _with(np.nan, (2, 3, 1)), {}),
    "x-infinite": lambda: (_lstm(), _with(-np.inf, (1, 0, 0)), {}),
    "x-too-large": lambda: (_lstm(), _with(1e39, (3, 4, 0)), {}),
    "x-no-timesteps": lambda: (K.Sequential([K.Input((None, 2)), L.LSTM(3)]),
                               np.zeros((2, 0, 2)), {}),
    "x-no-windows": lambda: (_lstm(), np.zeros((0, 5, 2)), {}),
    "x-ragged": lambda: (_lstm(), [np.zeros((5, 2)), np.zeros((4, 2))], {}),
    "x-text": lambda: (_lstm(), np.full((1, 5, 2), "a"), {}),
    "x-complex": lambda: (_lstm(), np.ones((1, 5, 2), dtype=complex), {}),
    "x-one-window-no-batch": lambda: (_lstm(), X[0], {}),
    "x-wrong-features": lambda: (_lstm(), np.zeros((1, 5, 3)), {}),
    "x-wrong-timesteps": lambda: (_lstm(), np.zeros((1, 4, 2)), {}),
    "ids-fractional": lambda: (_embedding(), np.array([[1.0, 2.0, 1.5, 0.0]]), {}),
    "too-many-windows": lambda: (_seed_model(), np.zeros((40_000, 50, 1), np.float32), {}),
    "too-many-windows-float64": lambda: (_lstm(), np.zeros((1000, 5, 2)),
                                         {"dtype": "float64", "max_bytes": 100_000}),
    "not-a-model": lambda: ("model.keras", X, {}),
    "no-lstm": lambda: (K.Sequential([K.Input((5, 2)), L.Dense(1)]), X, {}),
    "subclassed-called": _subclassed_called,
    "gru": lambda: (K.Sequential([K.Input((5, 2)), L.GRU(3)]), X, {}),
    "simple-rnn": lambda: (K.Sequential([K.Input((5, 2)), L.SimpleRNN(3)]), X, {}),
    "rnn-lstmcell": lambda: (K.Sequential([K.Input((5, 2)), L.RNN(L.LSTMCell(3))]), X, {}),
    "bidirectional-gru": lambda: (K.Sequential([K.Input((5, 2)), L.Bidirectional(L.GRU(3))]),
                                  X, {}),
    "rnn-grucell": lambda: (K.Sequential([K.Input((5, 2)), L.RNN(L.GRUCell(3))]), X, {}),
    "rnn-simplernncell": lambda: (K.Sequential([K.Input((5, 2)), L.RNN(L.SimpleRNNCell(3))]),
                                  X, {}),
    "rnn-stacked-cells": lambda: (K.Sequential([K.Input((5, 2)),
                                                L.RNN([L.LSTMCell(3), L.LSTMCell(2)])]), X, {}),
    "gru-initial-state": _gru_initial_state,
    "bidirectional-simple-rnn": lambda: (K.Sequential([K.Input((5, 2)),
                                                       L.Bidirectional(L.SimpleRNN(3))]), X, {}),
    "conv-lstm": lambda: (K.Sequential([K.Input((3, 4, 4, 1)), L.ConvLSTM2D(2, 3)]),
                          np.zeros((1, 3, 4, 4, 1)), {}),
    "stateful": lambda: (K.Sequential([K.Input((5, 2), batch_size=4), L.LSTM(3, stateful=True)]),
                         X, {}),
    "custom-activation": lambda: (_lstm(activation=lambda z: z * 2.0), X, {}),
    "threshold-activation": lambda: (_lstm(recurrent_activation=K.activations.threshold), X, {}),
    "glu-activation": lambda: (_lstm(activation="glu"), X, {}),
    "sparsemax-activation": lambda: (_lstm(activation="sparsemax",
                                           recurrent_activation="sparsemax"), X, {}),
    "initial-state": _initial_state,
    "shared-layer": _shared,
    "nested-model": _nested,
    "mixed-float16": lambda: (_lstm(dtype="mixed_float16"), X, {}),
    "mixed-bfloat16": lambda: (K.Sequential([K.Input((5, 2)), L.Bidirectional(
        L.LSTM(3), dtype="mixed_bfloat16")]), X, {}),
    "nan-weights": _nan_weights,
    "overflowing-states": lambda: (_lstm(activation="exponential",
                                         kernel_initializer=K.initializers.Constant(30.0)),
                                   np.full((2, 5, 2), 3.0, np.float32), {}),
}

#: case id -> (error class, pattern its message must match); cases not here trace.
REFUSED = {
    "tolerance-negative": (DataError, r"tolerance must be a finite number >= 0.*got -1\.0"),
    "tolerance-nan": (DataError, r"tolerance must be a finite number >= 0.*nan"),
    "tolerance-infinite": (DataError, r"tolerance must be a finite number >= 0.*inf"),
    "tolerance-text": (DataError, r"tolerance must be a number >= 0.*'1e-5'"),
    "check-samples-zero": (DataError, r"check_samples must be at least 1.*check=False"),
    "check-samples-fraction": (DataError, r"check_samples must be a whole number.*2\.5"),
    "check-samples-bool": (DataError, r"check_samples must be a whole number.*True"),
    "check-text": (DataError, r"check must be True or False; got 'no'"),
    "dtype-none": (DataError, r"dtype must be 'float32' or 'float64'; got None"),
    "dtype-float16": (DataError, r"dtype must be 'float32' or 'float64'; got 'float16'"),
    "dtype-nonsense": (DataError, r"dtype must be 'float32' or 'float64'; got 'double please'"),
    "progress-text": (DataError, r"progress must be True, False or 'auto'; got 'yes'"),
    "max-bytes-zero": (DataError, r"max_bytes must be a positive number of bytes.*None"),
    "max-bytes-text": (DataError, r"max_bytes must be a positive number of bytes.*'2GB'"),
    "x-nan": (DataError, r"NaN or infinite values \(the first in window 2, at timestep 3, "
                         r"feature 1\).*Drop or fill"),
    "x-infinite": (DataError, r"NaN or infinite values \(the first in window 1, at timestep 0"),
    "x-too-large": (DataError, r"too large for the model's float32 input.*window 3"),
    "x-no-timesteps": (DataError, r"0 timesteps.*at least one step"),
    "x-no-windows": (DataError, r"no samples; give at least one window"),
    "x-ragged": (DataError, r"could not be read as an array.*same length"),
    "x-text": (DataError, r"x must be numeric"),
    "x-complex": (DataError, r"x must be numeric.*complex"),
    "x-one-window-no-batch": (DataError, r"3 dimensions.*x\[None\]"),
    "x-wrong-features": (DataError, r"x has 3 features"),
    "x-wrong-timesteps": (DataError, r"x has 4 timesteps"),
    "ids-fractional": (DataError, r"whole numbers.*Give integer ids"),
    "too-many-windows": (DataError, r"40000 windows would take about 7\.\d\d GiB.*"
                                    r"max_bytes=2\.00 GiB.*about 1\d{4} fit.*Trace\.select.*"
                                    r"max_bytes=8 \* 2\*\*30"),
    "too-many-windows-float64": (DataError, r"dtype='float32'"),
    "not-a-model": (ModelError, r"needs a Keras 3 model.*got str"),
    "no-lstm": (ModelError, r"no LSTM or GRU layer to trace"),
    "subclassed-called": (UnsupportedLayerError, r"subclassed keras\.Model \(_Subclassed\).*"
                                                 r"keras\.Sequential"),
    "simple-rnn": (UnsupportedLayerError, r"is a SimpleRNN"),
    "rnn-simplernncell": (UnsupportedLayerError,
                          r"is a keras.layers.RNN around a SimpleRNNCell.*any other cell"),
    "rnn-stacked-cells": (UnsupportedLayerError,
                          r"is a keras.layers.RNN around a StackedRNNCells.*any other cell"),
    "gru-initial-state": (UnsupportedLayerError, r"initial_state"),
    "bidirectional-simple-rnn": (UnsupportedLayerError, r"Bidirectional\(SimpleRNN\)"),
    "conv-lstm": (UnsupportedLayerError, r"ConvLSTM2D"),
    "stateful": (UnsupportedLayerError, r"stateful=True.*Rebuild the model with stateful=False"),
    "custom-activation": (UnsupportedLayerError, r"not one of Keras 3's built-in activations"),
    "threshold-activation": (UnsupportedLayerError,
                             r"recurrent_activation='threshold', which is a Keras 3 built-in that "
                             r"an LSTM cannot use: it needs"),
    "glu-activation": (UnsupportedLayerError, r"activation='glu', which is a Keras 3 built-in "
                                              r"that an LSTM cannot use: it halves"),
    "initial-state": (UnsupportedLayerError, r"initial_state"),
    "shared-layer": (UnsupportedLayerError, r"called 2 times"),
    "nested-model": (UnsupportedLayerError, r"nested model.*Trace the nested model itself"),
    "mixed-float16": (UnsupportedLayerError, r"computes in float16 \(dtype policy "
                                             r"'mixed_float16'.*set_dtype_policy\('float32'\)"),
    "mixed-bfloat16": (UnsupportedLayerError, r"computes in bfloat16 \(dtype policy "
                                              r"'mixed_bfloat16'"),
    "nan-weights": (ModelError, r"layer 'lstm\w*' has NaN or infinite values in its "
                                r"recurrent_kernel.*diverged"),
    "overflowing-states": (TraceMismatchError, r"not finite.*overflows float32.*check=False"),
}

#: Refused before the tracing plan of the model is even built.
BEFORE_PLAN = {c for c in REFUSED if c.startswith(("tolerance", "check", "dtype", "progress",
                                                   "max-bytes", "x-", "ids-"))}

BACKEND_SCRIPT = """
from lstm_explained._keras import keras
from lstm_explained.errors import ModelError
try:
    keras()
except ModelError as exc:
    print("REFUSED", exc)
"""


def test_every_case_has_a_call():
    backends = {c for c in CASES if c.startswith("keras-backend")}
    assert set(CALLS) | backends == set(CASES)
    assert set(REFUSED) <= set(CALLS)


@pytest.mark.parametrize("case", [c for c in CASES if c in CALLS])
def test_hostile_call(case):
    model, x, kwargs = CALLS[case]()
    if case not in REFUSED:
        trace = trace_gates(model, x, **kwargs)
        assert trace.verified
        return
    error, pattern = REFUSED[case]
    with pytest.raises(LSTMExplainedError) as exc:
        trace_gates(model, x, **kwargs)
    assert type(exc.value) is error, exc.value
    assert exc.value.__cause__ is None  # one error, not a chain from deep inside
    assert exc.value.__context__ is None or exc.value.__suppress_context__
    assert re.search(pattern, str(exc.value), re.S), str(exc.value)
    if case in BEFORE_PLAN:
        assert model not in _tracer_plan._PLANS


@pytest.mark.parametrize("case, backend, pattern", [
    ("keras-backend-unknown", "nonsense",
     r"could not start its backend 'nonsense'.*tensorflow, jax, torch"),
    # the backends extra brings jax, with which Keras starts its numpy backend
    pytest.param("keras-backend-numpy", "numpy",
                 r"runs on its 'numpy' backend, which lstm-explained does not support.*"
                 r"tensorflow, jax, torch", marks=pytest.mark.backends),
])
def test_unsupported_keras_backend(case, backend, pattern):
    if backend == "numpy" and importlib.util.find_spec("jax") is None:
        # Keras' numpy backend imports jax: without it (the README's install has no jax)
        # Keras cannot start the backend at all, and that is what is refused
        pattern = (r"could not start its backend 'numpy' \(ModuleNotFoundError: No module "
                   r"named 'jax'\).*tensorflow, jax, torch")
    env = {**os.environ, "KERAS_BACKEND": backend,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", BACKEND_SCRIPT], env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(pattern, done.stdout, re.S), done.stdout + done.stderr[-2000:]
