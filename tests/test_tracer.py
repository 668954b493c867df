"""Tests of lstm_explained.tracer: exact gates from real Keras 3 models.

The property test builds random Keras models (units 1-64, features 1-5, timesteps 1-60,
batch 1-16, scaled weights so gates saturate, random activations, go_backwards,
Bidirectional merge modes, masking, use_bias, stacking, Sequential vs functional,
return_sequences / return_state) and compares every trace with what the Keras layers
output (computed here by an independent sub-model) and with the cell's identities.

Run it harder with the "thorough" hypothesis profile (see tests/conftest.py)::

    HYPOTHESIS_PROFILE=thorough python3 -m pytest tests/test_tracer.py -k property
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import lstm_explained as lx
from lstm_explained._keras import keras
from lstm_explained.activations import ACTIVATIONS, get_activation
from lstm_explained.errors import (
    DataError,
    ModelError,
    TraceMismatchError,
    UnsupportedLayerError,
)
from lstm_explained.tracer import trace_gates

K = keras()
L = K.layers
TOL = 1e-5

# Activations the property test draws from. `activation` may be any built-in one (the
# unbounded ones get small weights); `recurrent_activation` is drawn from those whose
# values lie in [0, 1], as a gate's should. With gates outside [0, 1] (or an expansive
# recurrent kernel) the recurrence amplifies Keras' own float32 rounding: a float64
# recompute from Keras' exact inputs then differs from Keras by more than 1e-5, and no
# implementation can be "exact". Recurrent kernels are scaled like Keras' orthogonal
# initialiser (spectral radius ~ scale); saturation comes from input weights and biases.
GATE_LIKE = ["sigmoid", "hard_sigmoid", "sparse_sigmoid", "softmax"]
BOUNDED = GATE_LIKE + ["tanh", "softsign", "hard_tanh"]
UNBOUNDED = sorted(set(ACTIVATIONS) - set(BOUNDED))


def _error(ours, theirs) -> float:
    ours = np.asarray(ours, np.float64)
    theirs = np.asarray(theirs, np.float64)
    if theirs.size == 0:
        return 0.0
    return float((np.abs(ours - theirs) / np.maximum(1.0, np.abs(theirs))).max())


def _layer_outputs(model, layers, x):
    """What each layer really outputs, from an independent eager Keras sub-model."""
    per_layer = [list(o) if isinstance(o, (list, tuple)) else [o] for o in
                 (layer.output for layer in layers)]
    flat = K.Model(model.inputs, [t for o in per_layer for t in o])([x], training=False)
    flat = [np.asarray(v) for v in (flat if isinstance(flat, (list, tuple)) else [flat])]
    out, pos = [], 0
    for o in per_layer:
        out.append(flat[pos : pos + len(o)])
        pos += len(o)
    return out


def _expected(layer, traces):
    """The layer's output as Keras forms it, rebuilt from the traces (written apart
    from the tracer's own check)."""
    bi = isinstance(layer, L.Bidirectional)
    seqs, states = [], []
    for lt in traces:
        sub = (layer.forward_layer if lt.direction == "forward" else layer.backward_layer) if bi \
            else layer
        if layer.return_sequences:
            y = lt.hidden
            if sub.zero_output_for_mask and lt.mask is not None:
                y = y * lt.mask[..., None]
            if bi and lt.go_backwards:
                y = y[:, ::-1]
        else:
            y = lt.hidden[:, -1]
        seqs.append(y)
        states += [lt.hidden[:, -1], lt.cell[:, -1]]
    if not bi:
        out = seqs
    else:
        merge = {"concat": lambda a, b: [np.concatenate([a, b], -1)], "sum": lambda a, b: [a + b],
                 "mul": lambda a, b: [a * b], "ave": lambda a, b: [(a + b) / 2],
                 None: lambda a, b: [a, b]}
        out = merge[layer.merge_mode](*seqs)
    return out + (states if layer.return_state else [])


def _check_identities(lt):
    act = get_activation(lt.activation)
    f, i, c_tilde, o = (lt.forget.astype(np.float64), lt.input, lt.candidate, lt.output)
    prev = lt.previous_cell.astype(np.float64)
    c = f * prev + i * c_tilde
    h_prev = np.concatenate([np.zeros_like(lt.hidden[:, :1]), lt.hidden[:, :-1]], axis=1)
    h = o * act(np.asarray(lt.cell, np.float64))
    if lt.mask is not None:
        m = lt.mask[..., None]
        c = np.where(m, c, prev)
        h = np.where(m, h, h_prev)
    assert _error(c, lt.cell) <= TOL
    assert _error(h, lt.hidden) <= TOL


# ----------------------------------------------------------------------------------
# The property test
# ----------------------------------------------------------------------------------
@st.composite
def model_configs(draw):
    n_layers = draw(st.integers(1, 2))
    specs = []
    for k in range(n_layers):
        last = k == n_layers - 1
        specs.append(dict(
            units=draw(st.integers(1, 64)),
            activation=draw(st.sampled_from(BOUNDED + UNBOUNDED)),
            recurrent_activation=draw(st.sampled_from(GATE_LIKE)),
            use_bias=draw(st.booleans()),
            go_backwards=draw(st.booleans()),  # Bidirectional takes a forward layer
            return_sequences=True if not last else draw(st.booleans()),
            return_state=draw(st.booleans()),
            bidirectional=draw(st.booleans()),
            merge_mode=draw(st.sampled_from(["concat", "sum", "mul", "ave", None])),
            dropout=draw(st.sampled_from([0.0, 0.3])),
            recurrent_dropout=draw(st.sampled_from([0.0, 0.2])),
            gap=draw(st.sampled_from(["none", "dropout", "dense"])),
        ))
    return dict(
        layers=specs,
        features=draw(st.integers(1, 5)),
        timesteps=draw(st.integers(1, 60)),
        batch=draw(st.integers(1, 16)),
        masking=draw(st.sampled_from(["none", "masking", "embedding"])),
        sequential=draw(st.booleans()),
        scale=draw(st.sampled_from([0.5, 1.0, 2.5])),
        seed=draw(st.integers(0, 2**16)),
    )


def _build(cfg):
    """A Keras model from a config; Sequential when the config allows it."""
    t, f = cfg["timesteps"], cfg["features"]
    specs = cfg["layers"]
    chain = [K.Input((t,), dtype="int32") if cfg["masking"] == "embedding" else K.Input((t, f))]
    if cfg["masking"] == "masking":
        chain.append(L.Masking(0.0))
    elif cfg["masking"] == "embedding":
        chain.append(L.Embedding(7, f, mask_zero=True))
    sequential = cfg["sequential"] and not any(s["return_state"] for s in specs) and not any(
        s["bidirectional"] and s["merge_mode"] is None for s in specs
    )
    rnns = []
    for s in specs:
        unbounded = s["activation"] in UNBOUNDED or s["recurrent_activation"] in UNBOUNDED
        lstm = L.LSTM(
            s["units"], activation=s["activation"], recurrent_activation=s["recurrent_activation"],
            use_bias=s["use_bias"], go_backwards=s["go_backwards"] and not s["bidirectional"],
            return_sequences=s["return_sequences"],
            return_state=s["return_state"] and not sequential, dropout=s["dropout"],
            recurrent_dropout=s["recurrent_dropout"],
            kernel_initializer=K.initializers.RandomNormal(
                stddev=(0.3 if unbounded else 1.0) * cfg["scale"], seed=cfg["seed"]),
            recurrent_initializer=K.initializers.RandomNormal(
                stddev=(0.3 if unbounded else 1.0) * cfg["scale"] / np.sqrt(s["units"]),
                seed=cfg["seed"] + 1),
            bias_initializer=K.initializers.RandomNormal(stddev=cfg["scale"], seed=cfg["seed"] + 2),
        )
        layer = L.Bidirectional(lstm, merge_mode=s["merge_mode"]) if s["bidirectional"] else lstm
        rnns.append(layer)
        chain.append(layer)
        if s["gap"] == "dropout":
            chain.append(L.Dropout(0.2))
        elif s["gap"] == "dense":
            chain.append(L.Dense(3, activation="tanh"))
    if sequential:
        return K.Sequential(chain), rnns
    h = chain[0]
    for layer in chain[1:]:
        h = layer(h)
        if layer in rnns:
            s = specs[rnns.index(layer)]
            parts = list(h) if isinstance(h, (list, tuple)) else [h]
            n_seq = 2 if s["bidirectional"] and s["merge_mode"] is None else 1
            seq = parts[:n_seq]
            h = seq[0] if n_seq == 1 else L.Concatenate()(seq)
    return K.Model(chain[0], h), rnns


def _inputs(cfg, rng):
    n, t, f = cfg["batch"], cfg["timesteps"], cfg["features"]
    if cfg["masking"] == "embedding":
        x = rng.integers(0, 7, size=(n, t))
        x[rng.random((n, t)) < 0.3] = 0
        return x
    x = rng.normal(size=(n, t, f)).astype(np.float32)
    if cfg["masking"] == "masking":
        x[rng.random((n, t)) < 0.3] = 0.0
    return x


_built = {"n": 0}


@given(cfg=model_configs())
def test_property_trace_matches_keras_and_the_cell(cfg):
    _built["n"] += 1
    if _built["n"] % 10 == 0:
        K.backend.clear_session()
    model, rnns = _build(cfg)
    x = _inputs(cfg, np.random.default_rng(cfg["seed"]))
    actual = _layer_outputs(model, rnns, x)
    flat = np.concatenate([np.ravel(v) for outs in actual for v in outs])
    # An unbounded activation can blow the state up; compare only where float32 can.
    assume(np.isfinite(flat).all() and np.abs(flat).max() < 1e4)
    # The tracer's own check is exercised by the example tests; here the comparison with
    # Keras is done independently below (and skipping it saves a compile per model).
    trace = trace_gates(model, x, check=False)
    # Where an unbounded activation drives the cell state far above 1, Keras' own float32
    # rounding (relative 6e-8 of the state, accumulated over the steps) exceeds 1e-5: a
    # float64 recompute differs from Keras by that much too. Compare where float32 can.
    assume(max(float(np.abs(lt.cell).max(initial=0.0)) for lt in trace.values()) < 10.0)
    expected_names = []
    for layer in rnns:
        if isinstance(layer, L.Bidirectional):
            expected_names += [f"{layer.name}/forward", f"{layer.name}/backward"]
        else:
            expected_names.append(layer.name)
    assert trace.layer_names == expected_names
    for layer, outs in zip(rnns, actual, strict=True):
        traces = [lt for lt in trace.values() if lt.layer_name == layer.name]
        for lt in traces:
            assert lt.forget.shape == (cfg["batch"], cfg["timesteps"], lt.units)
            assert lt.inputs.shape[:2] == (cfg["batch"], cfg["timesteps"])
            assert lt.go_backwards == (lt.direction == "backward")
            _check_identities(lt)
        expected = _expected(layer, traces)
        assert len(expected) == len(outs)
        for e, o in zip(expected, outs, strict=True):
            assert e.shape == o.shape
            assert _error(e, o) <= TOL, (layer.name, _error(e, o))


# ----------------------------------------------------------------------------------
# Examples
# ----------------------------------------------------------------------------------
def _seed_model():
    return K.Sequential([
        K.Input((50, 1)), L.LSTM(50, return_sequences=True), L.Dropout(0.2), L.LSTM(100),
        L.Dropout(0.2), L.Dense(1),
    ])


def test_seed_architecture_full_check_and_keys():
    model = _seed_model()
    x = np.random.default_rng(0).normal(size=(20, 50, 1)) * 0.1
    tr = lx.trace_gates(model, x, check_samples=None)
    assert tr.layer_names == [layer.name for layer in model.layers if isinstance(layer, L.LSTM)]
    first, second = tr.values()
    assert first.units == 50 and second.units == 100
    np.testing.assert_allclose(second.inputs, first.hidden, atol=1e-6)
    assert tr.info["checked_samples"] == 20 and tr.verified
    assert first.hidden.dtype == np.float32
    tr64 = trace_gates(model, x, dtype="float64")
    assert tr64["lstm" if "lstm" in tr64 else tr64.layer_names[0]].hidden.dtype == np.float64


def test_backward_layer_time_order():
    inp = K.Input((6, 2))
    lstm = L.LSTM(3, go_backwards=True, return_sequences=True)
    model = K.Model(inp, lstm(inp))
    x = np.random.default_rng(1).normal(size=(4, 6, 2)).astype(np.float32)
    lt = trace_gates(model, x)[lstm.name]
    assert lt.direction == "backward"
    np.testing.assert_array_equal(lt.inputs[:, 0], x[:, -1])
    np.testing.assert_array_equal(lt.in_input_order("inputs"), x)
    # Keras returns a go_backwards sequence in processing order: it matches lt.hidden as is
    np.testing.assert_allclose(lt.hidden, np.asarray(model(x)), atol=TOL)


def test_masked_steps_carry_the_state():
    model = K.Sequential([K.Input((5, 1)), L.Masking(0.0), L.LSTM(4, return_sequences=True)])
    x = np.random.default_rng(2).normal(size=(3, 5, 1)).astype(np.float32)
    x[0, 2] = 0.0
    lt = trace_gates(model, x)[model.layers[-1].name]
    assert lt.mask is not None and not lt.mask[0, 2] and lt.mask[1].all()
    np.testing.assert_array_equal(lt.cell[0, 2], lt.cell[0, 1])
    np.testing.assert_array_equal(lt.hidden[0, 2], lt.hidden[0, 1])


def test_embedding_mask_zero_takes_the_general_path():
    inp = K.Input((6,), dtype="int32")
    e = L.Embedding(10, 3, mask_zero=True)(inp)
    lstm = L.LSTM(4)
    model = K.Model(inp, lstm(e))
    x = np.array([[1, 2, 0, 0, 3, 4], [5, 6, 7, 8, 9, 1]])
    lt = trace_gates(model, x)[lstm.name]
    np.testing.assert_array_equal(lt.mask, x != 0)
    np.testing.assert_allclose(lt.hidden[:, -1], np.asarray(model(x)), atol=TOL)


def test_saved_and_loaded_model(tmp_path):
    model = K.Sequential([K.Input((7, 2)), L.Bidirectional(L.LSTM(3, return_sequences=True),
                                                            merge_mode="sum"), L.LSTM(2)])
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = K.saving.load_model(path)
    x = np.random.default_rng(3).normal(size=(5, 7, 2))
    a, b = trace_gates(model, x), trace_gates(loaded, x)
    assert a.layer_names == b.layer_names and b.verified
    for key in a:
        np.testing.assert_array_equal(a[key].hidden, b[key].hidden)


def test_trace_round_trips_through_a_file(tmp_path):
    model = _seed_model()
    x = np.random.default_rng(4).normal(size=(3, 50, 1))
    tr = trace_gates(model, x)
    back = lx.load_trace(tr.save(tmp_path / "t.npz"))
    assert back.equals(tr) and back.verified


def test_progress_bar(capsys):
    model = K.Sequential([K.Input((4, 1)), L.LSTM(2)])
    trace_gates(model, np.zeros((3, 4, 1)), progress=True)
    assert "tracing LSTM gates" in capsys.readouterr().err
    trace_gates(model, np.zeros((3, 4, 1)))  # "auto": off under pytest
    assert capsys.readouterr().err == ""


def test_mismatch_is_reported():
    # float64 recompute vs Keras' float32 cannot agree to 0: the check must notice.
    model = K.Sequential([K.Input((30, 1)), L.LSTM(8)])
    x = np.random.default_rng(5).normal(size=(4, 30, 1))
    with pytest.raises(TraceMismatchError, match="differs from Keras"):
        trace_gates(model, x, dtype="float64", tolerance=0.0)
    tr = trace_gates(model, x, check=False)
    assert not tr.verified and tr[tr.layer_names[0]].max_abs_error is None


# ----------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: L.GRU(3), "GRU"),
        (lambda: L.SimpleRNN(3), "SimpleRNN"),
        (lambda: L.RNN(L.LSTMCell(3)), "RNN"),
        (lambda: L.Bidirectional(L.GRU(3)), "Bidirectional"),
        (lambda: L.LSTM(3, stateful=True), "stateful"),
        (lambda: L.LSTM(3, activation=lambda z: z * 2.0), "activation"),
        (lambda: L.LSTM(3, recurrent_activation=K.activations.threshold), "threshold"),
    ],
)
def test_unsupported_layers(make, match):
    batch = 2 if match == "stateful" else None
    model = K.Sequential([K.Input((5, 2), batch_size=batch), make()])
    with pytest.raises(UnsupportedLayerError, match=match) as err:
        trace_gates(model, np.zeros((2, 5, 2)))
    assert model.layers[-1].name in str(err.value)


def test_conv_lstm_is_unsupported():
    model = K.Sequential([K.Input((3, 4, 4, 1)), L.ConvLSTM2D(2, 3)])
    with pytest.raises(UnsupportedLayerError, match="ConvLSTM2D"):
        trace_gates(model, np.zeros((1, 3, 4, 4, 1)))


def test_initial_state_and_shared_layers_are_refused():
    inp = K.Input((5, 2))
    h0 = K.Input((3,))
    lstm = L.LSTM(3)
    model = K.Model([inp, h0], lstm(inp, initial_state=[h0, h0]))
    with pytest.raises(UnsupportedLayerError, match="initial_state"):
        trace_gates(model, [np.zeros((1, 5, 2)), np.zeros((1, 3))])
    shared = L.LSTM(3, return_sequences=True)
    model = K.Model(inp, shared(L.Dense(3)(shared(inp))))
    with pytest.raises(UnsupportedLayerError, match="called 2 times"):
        trace_gates(model, np.zeros((1, 5, 2)))


def test_model_without_lstm_and_not_a_model():
    model = K.Sequential([K.Input((5, 2)), L.Dense(1)])
    with pytest.raises(ModelError, match="no LSTM"):
        trace_gates(model, np.zeros((1, 5, 2)))
    with pytest.raises(ModelError, match="Keras 3 model"):
        trace_gates("model.keras", np.zeros((1, 5, 2)))


def test_bad_inputs():
    model = K.Sequential([K.Input((5, 2)), L.LSTM(3)])
    with pytest.raises(DataError, match="3 dimensions"):
        trace_gates(model, np.zeros((5, 2)))
    with pytest.raises(DataError, match="features"):
        trace_gates(model, np.zeros((1, 5, 3)))
    with pytest.raises(DataError, match="timesteps"):
        trace_gates(model, np.zeros((1, 4, 2)))
    with pytest.raises(DataError, match="no samples"):
        trace_gates(model, np.zeros((0, 5, 2)))
    with pytest.raises(DataError, match="numeric"):
        trace_gates(model, np.full((1, 5, 2), "a"))
    with pytest.raises(DataError, match="dtype"):
        trace_gates(model, np.zeros((1, 5, 2)), dtype="int8")


@pytest.mark.parametrize("role", ["activation", "recurrent_activation"])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_builtin_activation_in_each_role(name, role):
    """Each Keras 3 activation as `activation`, and as `recurrent_activation`.

    The property test draws `recurrent_activation` from gate-like ones only (see above);
    here every one is used in each role (the other keeps its default), with weights and
    sequences small enough that even an unbounded "gate" (exponential, relu, ...) keeps
    the state where float32 holds.
    """
    init = K.initializers.RandomNormal(stddev=0.1, seed=7)
    model = K.Sequential([
        K.Input((6, 2)),
        L.LSTM(4, **{role: name}, return_sequences=True,
               kernel_initializer=init, recurrent_initializer=init, bias_initializer=init),
    ])
    x = np.random.default_rng(3).normal(0, 0.5, (3, 6, 2)).astype("float32")
    trace = trace_gates(model, x, check=False)
    lt = trace[model.layers[0].name]
    canonical = K.activations.get(name).__name__  # aliases: swish is silu, ...
    assert getattr(lt, role) == canonical
    expected = np.asarray(model(x, training=False))
    assert np.isfinite(expected).all() and np.abs(expected).max() < 100
    assert _error(lt.hidden, expected) <= TOL
    _check_identities(lt)
