"""Checks on the other Keras backends (jax, torch), each backend in ONE fresh interpreter.

KERAS_BACKEND is read when Keras is imported, so every backend needs its own process, and
starting one (importing jax or torch, and Keras) costs more than the checks themselves.
So the checks of every test module are run by one script per backend, once per test run,
through the session fixture ``other_backend`` of ``conftest.py``; each test reads its part
of the result (``"tracer"``, ``"gradients"``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The tracer on several model shapes: verified, checked windows, output error.
TRACER = textwrap.dedent("""
    import json, os
    import numpy as np
    import lstm_explained as lx
    from lstm_explained._keras import keras

    K = keras()
    L = K.layers
    assert K.backend.backend() == os.environ["KERAS_BACKEND"], K.backend.backend()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 7, 2)).astype("float32")
    x[0, 3] = 0.0
    out = {}


    def run(name, model, data, **kw):
        tr = lx.trace_gates(model, data, **kw)
        last = list(tr.values())[-1]
        err = None
        if "/" not in last.name:  # a plain LSTM or GRU last: the model outputs its h
            y = K.ops.convert_to_numpy(model(data))
            ours = last.hidden if y.ndim == 3 else last.hidden[:, -1]
            err = float(np.abs(ours - y).max())
        out[name] = {"verified": tr.verified,
                     "checked": [lt.checked_samples for lt in tr.values()], "error": err}


    stack = K.Sequential([K.Input((7, 2)), L.LSTM(4, return_sequences=True), L.Dropout(0.1),
                          L.LSTM(3)])
    run("stack", stack, x)
    # traced again with new weights: a compiled Keras run must not keep the old ones
    stack.set_weights([1.5 * w for w in stack.get_weights()])
    run("stack, new weights", stack, x)
    inp = K.Input((7, 2))
    bi = L.Bidirectional(L.LSTM(3, return_sequences=True, return_state=True), merge_mode="ave")
    seq, *states = bi(L.Masking(0.0)(inp))
    run("bidirectional-masked-states", K.Model(inp, [seq, *states]), x)
    fwd_back = L.Bidirectional(L.LSTM(3, go_backwards=True, return_sequences=True),
                               backward_layer=L.LSTM(3, return_sequences=True))
    run("bidirectional-forward-backwards", K.Sequential([K.Input((7, 2)), fwd_back]), x)
    tokens = K.Input((7,), dtype="int32")
    run("embedding", K.Model(tokens, L.LSTM(3)(L.Embedding(9, 2, mask_zero=True)(tokens))),
        rng.integers(0, 9, size=(5, 7)))
    run("float64", K.Sequential([K.Input((7, 2)), L.LSTM(4, activation="relu")]), x,
        dtype="float64")
    gru_in = K.Input((7, 2))
    g = L.Bidirectional(L.GRU(3, return_sequences=True, reset_after=False), merge_mode="ave")
    g = L.GRU(3, return_sequences=True)(g(L.Masking(0.0)(gru_in)))
    run("gru-masked", K.Model(gru_in, L.RNN(L.GRUCell(4), go_backwards=True)(g)), x)
    RESULT = out
""")

#: Input gradients of SimpleRNN, LSTM and GRU models with the same seeded weights, float32.
GRADIENTS = textwrap.dedent("""
    import json, os
    import numpy as np
    from lstm_explained._keras import keras
    from lstm_explained.gradients import input_gradients

    K = keras()
    assert K.backend.backend() == os.environ["KERAS_BACKEND"], K.backend.backend()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 6, 2)).astype("float32")
    out = {}
    for name in ("SimpleRNN", "LSTM", "GRU"):
        model = K.Sequential([K.Input((6, 2)), getattr(K.layers, name)(3), K.layers.Dense(2)])
        for layer in model.layers:
            layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32")
                               for w in layer.get_weights()])
        out[name] = input_gradients(model, x, output=1, batch_size=3).tolist()
    RESULT = out
""")

CHECKS = {"tracer": TRACER, "gradients": GRADIENTS}


def script() -> str:
    """One program that runs every check in its own namespace and prints the results."""
    lines = ["import json", "results = {}"]
    for name, code in CHECKS.items():
        lines.append(f"ns = {{}}; exec({code!r}, ns); results[{name!r}] = ns['RESULT']")
    lines.append("print('RESULT ' + json.dumps(results))")
    return "\n".join(lines) + "\n"


def run(backend: str) -> dict:
    """Every check on ``backend``, in a fresh interpreter: ``{check: result}``."""
    env = {**os.environ, "KERAS_BACKEND": backend,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", script()], env=env, capture_output=True,
                          text=True, timeout=900, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise AssertionError(f"the {backend} checks failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])
