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

import os
import re
from pathlib import Path

import numpy as np
import pytest
from _tracing import BOUNDED, GATE_LIKE, TOL, UNBOUNDED
from _tracing import error as _error
from _tracing import expected_outputs as _expected
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import lstm_explained as lx
from lstm_explained._keras import keras
from lstm_explained._tracer_check import ERROR_FIELD, _cause, rel_error
from lstm_explained.activations import ACTIVATIONS, get_activation
from lstm_explained.errors import DataError, TraceMismatchError
from lstm_explained.keras_layers import cell_weights
from lstm_explained.tracer import trace_gates

K = keras()
L = K.layers
ROOT = Path(__file__).resolve().parents[1]


def _checked_error(lt):
    """The check's recorded largest error (``max_rel_error``)."""
    return getattr(lt, ERROR_FIELD)


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
            # in a Bidirectional: the forward layer runs backwards (and the backward
            # layer forwards, as Keras requires)
            go_backwards=draw(st.booleans()),
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
            use_bias=s["use_bias"], go_backwards=s["go_backwards"],
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
        if s["bidirectional"] and s["go_backwards"]:
            backward = L.LSTM.from_config({**lstm.get_config(), "go_backwards": False,
                                           "name": f"{lstm.name}_reverse"})
            layer = L.Bidirectional(lstm, merge_mode=s["merge_mode"], backward_layer=backward)
        elif s["bidirectional"]:
            layer = L.Bidirectional(lstm, merge_mode=s["merge_mode"])
        else:
            layer = lstm
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


def _largest_cell(trace) -> float:
    return max(float(np.abs(lt.cell).max(initial=0.0)) for lt in trace.values())


#: Each random model is built, compiled and run by Keras (about 2 s): 25 of them in the
#: default (``ci``) run, the profile's number otherwise (300 with ``thorough``).
_MODELS = 25 if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci" else None


@settings(max_examples=_MODELS or settings.default.max_examples)
@given(cfg=model_configs())
def test_property_trace_matches_keras_and_the_cell(cfg):
    _built["n"] += 1
    if _built["n"] % 10 == 0:
        K.backend.clear_session()
    model, rnns = _build(cfg)
    x = _inputs(cfg, np.random.default_rng(cfg["seed"]))
    # An unbounded activation can blow the state up, and where it drives the cell state
    # far above 1, Keras' own float32 rounding (relative 6e-8 of the state, accumulated
    # over the steps) exceeds 1e-5: a float64 recompute differs from Keras by that much
    # too. Compare only where float32 can, found from the recompute without the check
    # (the costly part), before Keras runs anything.
    assume(_largest_cell(trace_gates(model, x, check=False)) < 10.0)
    actual = _layer_outputs(model, rnns, x)
    flat = np.concatenate([np.ravel(v) for outs in actual for v in outs])
    assume(np.isfinite(flat).all() and np.abs(flat).max() < 1e4)
    # With the tracer's own check on (every h and C, the merges, return_state), and
    # independently below.
    trace = trace_gates(model, x)
    assert trace.verified and trace.info["checked_samples"] == cfg["batch"]
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
            assert 0.0 <= _checked_error(lt) <= TOL
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


def _check_run(model):
    """The self-check's Keras runner of ``model``: its calls and its compiled function."""
    from lstm_explained._tracer_plan import _PLANS

    return _PLANS[model].check_fn


def test_the_check_runs_keras_eagerly_once_then_compiled_and_measures_the_same():
    """The first trace of a short model runs the check's Keras model eagerly; later ones
    run the compiled tf.function built on the second. Both check the same values to the
    same tolerance: the recorded errors agree to float32 rounding. A long model compiles
    at once (an eager loop costs about a millisecond a step)."""
    from lstm_explained._tracer_plan import EAGER_STEPS

    model = K.Sequential([K.Input((12, 2)), L.LSTM(5, return_sequences=True), L.GRU(3)])
    x = np.random.default_rng(3).normal(size=(6, 12, 2))
    first, second, third = (trace_gates(model, x) for _ in range(3))
    assert first.verified and second.verified and third.verified
    run = _check_run(model)
    assert run.calls == 3
    assert run.compiled is not None, "the check never built its compiled function"
    for a, b in zip(first.values(), third.values(), strict=True):
        for name in a.spec.names:
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        assert abs(_checked_error(a) - _checked_error(b)) < 1e-6
    long = K.Sequential([K.Input((EAGER_STEPS, 1)), L.LSTM(2)])
    assert trace_gates(long, np.zeros((2, EAGER_STEPS, 1))).verified
    assert _check_run(long).compiled is not None, "a long model ran eagerly"


def test_tracing_draws_no_random_numbers():
    """The checking copies start from zero weights (always replaced by the layer's) and a
    fixed seed (no dropout): a trace leaves Keras' and Python's generators, and so the next
    model's weights, as they were."""
    def next_weights(trace_between: bool) -> list[np.ndarray]:
        K.utils.set_random_seed(7)
        model = K.Sequential([K.Input((5, 2)), L.LSTM(3, return_sequences=True), L.GRU(2)])
        if trace_between:
            trace_gates(model, np.ones((2, 5, 2), np.float32))
        return K.Sequential([K.Input((5, 2)), L.LSTM(3)]).get_weights()

    for ours, alone in zip(next_weights(True), next_weights(False), strict=True):
        np.testing.assert_array_equal(ours, alone)


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


def test_rnn_around_an_lstm_cell_is_traced_like_an_lstm():
    rnn = L.RNN(L.LSTMCell(3, activation="softsign"), return_sequences=True, return_state=True)
    inp = K.Input((6, 2))
    seq, h, c = rnn(inp)
    model = K.Model(inp, [seq, h, c])
    x = np.random.default_rng(1).normal(size=(4, 6, 2)).astype(np.float32)
    lt = trace_gates(model, x)[rnn.name]
    assert lt.kind == "lstm" and lt.activation == "softsign"
    keras_seq, _, keras_c = (np.asarray(v) for v in model(x))
    np.testing.assert_allclose(lt.hidden, keras_seq, atol=TOL)
    np.testing.assert_allclose(lt.cell[:, -1], keras_c, atol=TOL)


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
    assert not tr.verified and _checked_error(tr[tr.layer_names[0]]) is None


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


# ----------------------------------------------------------------------------------
# The self-check: what it measures
# ----------------------------------------------------------------------------------
def test_rel_error_is_relative_to_each_value_and_fails_on_non_finite():
    err, where = rel_error([[0.5, 300.0, 0.0]], [[0.5004, 300.3, 0.0]])
    assert err == pytest.approx(0.3 / 300.3) and where == (0, 1)  # not 4e-4 / 300.3
    assert rel_error([0.5], [0.5004])[0] == pytest.approx(4e-4)  # absolute within [-1, 1]
    assert rel_error([np.nan], [np.nan])[0] == np.inf
    assert rel_error([np.inf], [np.inf])[0] == np.inf
    assert rel_error([[5.0, 0.0]], [[1.0, np.nan]]) == (np.inf, (0, 1))  # behind a bigger one


_VALUES = st.one_of(st.floats(-1e6, 1e6, width=32), st.sampled_from([np.nan, np.inf, -np.inf]))


@given(pairs=st.lists(st.tuples(_VALUES, _VALUES), min_size=1, max_size=40))
def test_property_rel_error_is_the_largest_relative_error_and_inf_when_not_finite(pairs):
    ours, theirs = (np.array(side, np.float32) for side in zip(*pairs, strict=True))
    with np.errstate(invalid="ignore", over="ignore"):
        each = np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1.0)
    finite = np.isfinite(each)
    err, where = rel_error(ours, theirs)
    if finite.all():
        assert err == each.max() and each[where] == err
    else:
        assert err == np.inf and not finite[where]


def _keras_cell_states(layer, x):
    """C_t at every step from Keras' own LSTMCell, stepped eagerly: an oracle apart from
    the tracer's checking copy of the layer."""
    states = [np.zeros((x.shape[0], layer.units), np.float32)] * 2
    cells = []
    for t in range(x.shape[1]):
        _, states = layer.cell(x[:, t], states)
        cells.append(np.asarray(states[1]))
    return np.stack(cells, axis=1)


def test_max_rel_error_is_the_largest_error_over_every_h_and_c():
    units, steps = 8, 40
    init = K.initializers.RandomNormal
    lstm = L.LSTM(units, return_sequences=True, kernel_initializer=init(stddev=1.0, seed=6),
                  recurrent_initializer=init(stddev=2.0 / np.sqrt(units), seed=7),
                  bias_initializer=init(stddev=1.0, seed=8))
    model = K.Sequential([K.Input((steps, 1)), lstm])
    x = np.random.default_rng(2).normal(size=(6, steps, 1)).astype(np.float32)
    lt = trace_gates(model, x, check_samples=None)[lstm.name]
    h_err = _error(lt.hidden, np.asarray(model(x)))  # measured here, not by the tracer
    cells = _keras_cell_states(lstm, x)
    c_err = _error(lt.cell, cells)
    c_err_by_step = [_error(lt.cell[:, t], cells[:, t]) for t in range(steps)]
    # The largest difference is in C, in mid-sequence: only a check of every C_t sees it.
    assert int(np.argmax(c_err_by_step)) < steps - 1
    assert c_err > 1.5 * max(h_err, c_err_by_step[-1])
    assert _checked_error(lt) == pytest.approx(max(h_err, c_err), rel=0.2)


def _filling_belt_model(scale, steps=1000, units=16):
    """A badly conditioned layer: recurrent weights of spectral radius ~``scale`` (rounding
    errors grow along the sequence), and one unit whose belt only fills (i = f = C~ = 1),
    so that |C| reaches ~1000 while h stays within [-1, 1]."""
    rng = np.random.default_rng(0)
    kernel = rng.normal(0, 1, (1, 4 * units))
    recurrent = rng.normal(0, scale / np.sqrt(units), (units, 4 * units))
    bias = rng.normal(0, 1, 4 * units)
    for gate in range(4):  # blocks i, f, c, o; unit 0 of each
        kernel[:, gate * units] = recurrent[:, gate * units] = 0.0
        bias[gate * units] = 10.0 if gate < 3 else 0.0
    lstm = L.LSTM(units, return_sequences=True)
    model = K.Sequential([K.Input((steps, 1)), lstm])
    lstm.set_weights([kernel, recurrent, bias])
    return model, rng.normal(size=(8, steps, 1)).astype(np.float32)


def test_check_measures_each_value_not_the_largest_cell_state_and_names_float32_drift():
    # h differs from Keras by ~4e-5: far above 1e-5, though tiny next to |C| ~ 1000.
    model, x = _filling_belt_model(4.8)
    with pytest.raises(TraceMismatchError) as err32:
        trace_gates(model, x)
    assert "float32 rounding drift" in str(err32.value)
    assert 'dtype="float64"' in str(err32.value)
    # Keras' own float32 values drift from the exact arithmetic: float64 is refused at
    # 1e-5 too, with the tolerance that accepts it.
    with pytest.raises(TraceMismatchError, match="Keras' float32 rounding drift") as err64:
        trace_gates(model, x, dtype="float64")
    tolerance = float(re.search(r"tolerance=([0-9.]+) to accept", str(err64.value)).group(1))
    tr = trace_gates(model, x, dtype="float64", tolerance=tolerance)
    lt = tr[model.layers[0].name]
    assert tr.verified and 1e-5 < _checked_error(lt) <= tolerance
    assert np.abs(lt.cell).max() > 300


def test_a_difference_rounding_cannot_explain_is_not_called_drift():
    model = K.Sequential([K.Input((12, 2)), L.LSTM(5)])
    x = np.random.default_rng(6).normal(size=(4, 12, 2)).astype(np.float32)
    lt = trace_gates(model, x)[model.layers[0].name]
    w = cell_weights(model.layers[0])
    idx = np.arange(4)
    # A recompute with other arithmetic than Keras' (a bias off by 1e-3): even in float64
    # it disagrees with Keras' own float64 values.
    other = type(w)(w.kernel, w.recurrent_kernel, w.bias + 1e-3)
    k_h, k_c = lt.hidden + 1e-3, lt.cell + 1e-3
    cause = _cause(lt, idx, model.layers[0], other, {"hidden": k_h, "cell": k_c}, 1e-5)
    assert "not rounding" in cause and "drift" not in cause


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("rnn", ["LSTM", "GRU"])
def test_bidirectional_merges_masks_and_states_are_checked(rnn, merge_mode):
    """A masked Bidirectional LSTM or GRU returning its states: checked on every window,
    the backward direction runs backwards, masked steps are masked, and the final states
    (an LSTM's h and C, a GRU's one h, per direction) are Keras' own, in Keras' order."""
    inp = K.Input((6, 2))
    layer = L.Bidirectional(getattr(L, rnn)(3, return_sequences=True, return_state=True),
                            merge_mode=merge_mode)
    model = K.Model(inp, layer(L.Masking(0.0)(inp)))
    x = np.random.default_rng(7).normal(size=(4, 6, 2)).astype(np.float32)
    x[1, 4:] = 0.0
    tr = trace_gates(model, x)
    assert tr.verified and tr.info["checked_samples"] == 4
    fwd, bwd = tr[f"{layer.name}/forward"], tr[f"{layer.name}/backward"]
    assert bwd.go_backwards and not fwd.mask[1, 4:].any()
    outputs = K.tree.flatten(model(x))
    states = [s for lt in (fwd, bwd)
              for s in [lt.hidden[:, -1]] + ([lt.cell[:, -1]] if rnn == "LSTM" else [])]
    assert len(outputs) == (2 if merge_mode is None else 1) + len(states)
    for ours, theirs in zip(states, outputs[-len(states):], strict=True):
        assert _error(ours, np.asarray(theirs)) <= TOL


def test_return_state_of_an_lstm_is_checked_in_keras_order():
    inp = K.Input((9, 1))
    lstm = L.LSTM(4, return_state=True)
    model = K.Model(inp, lstm(inp))
    x = np.random.default_rng(8).normal(size=(3, 9, 1)).astype(np.float32)
    lt = trace_gates(model, x)[lstm.name]
    out, h, c = (np.asarray(v) for v in model(x))
    assert _error(lt.hidden[:, -1], h) <= TOL and _error(lt.cell[:, -1], c) <= TOL
    assert _error(lt.hidden[:, -1], out) <= TOL


# ----------------------------------------------------------------------------------
# Edges: traced exactly
# ----------------------------------------------------------------------------------
def test_bidirectional_whose_forward_layer_runs_backwards():
    layer = L.Bidirectional(L.LSTM(3, go_backwards=True, return_sequences=True),
                            backward_layer=L.LSTM(3, return_sequences=True), merge_mode="concat")
    model = K.Sequential([K.Input((6, 2)), layer])
    x = np.random.default_rng(9).normal(size=(4, 6, 2)).astype(np.float32)
    tr = trace_gates(model, x)
    fwd, bwd = tr[f"{layer.name}/forward"], tr[f"{layer.name}/backward"]
    assert tr.verified and fwd.direction == "backward" and bwd.direction == "forward"
    # Bidirectional flips its backward layer's output: both halves in reversed order.
    y = np.asarray(model(x))
    assert _error(fwd.hidden, y[..., :3]) <= TOL
    assert _error(bwd.hidden[:, ::-1], y[..., 3:]) <= TOL


def test_a_float16_layer_before_a_float32_lstm_is_traced_from_its_rounded_output():
    model = K.Sequential([K.Input((8, 1)), L.Dropout(0.1, dtype="mixed_float16"),
                          L.LSTM(4, return_sequences=True)])
    x = np.random.default_rng(10).normal(size=(3, 8, 1)) / 3.0
    lt = trace_gates(model, x)[model.layers[-1].name]
    assert np.array_equal(lt.inputs, x.astype(np.float16).astype(np.float32))


def test_float64_layer_and_sparsemax_are_traced():
    model = K.Sequential([K.Input((7, 2), dtype="float64"),
                          L.LSTM(3, activation="sparsemax", dtype="float64"),
                          ])
    x = np.random.default_rng(11).normal(size=(5, 7, 2))
    tr = trace_gates(model, x, dtype="float64")
    assert tr.verified and _checked_error(tr[model.layers[0].name]) < 1e-12
    model = K.Sequential([K.Input((7, 2)), L.LSTM(3, recurrent_activation="sparsemax",
                                                  activation="sparsemax")])
    assert trace_gates(model, x).verified


def test_windows_as_nested_lists_are_one_input():
    model = K.Sequential([K.Input((3, 1)), L.LSTM(2)])
    x = [[[0.1], [0.2], [0.3]], [[0.4], [0.5], [0.6]]]
    a, b = trace_gates(model, x), trace_gates(model, np.array(x))
    assert a.n_samples == 2 and a.equals(b)


# ----------------------------------------------------------------------------------
# Memory
# ----------------------------------------------------------------------------------
def _nbytes(trace) -> int:
    total = 0
    for lt in trace.values():
        arrays = [getattr(lt, q) for q in ("forget", "input", "candidate", "output", "cell",
                                           "hidden", "inputs", "mask")]
        total += sum(a.nbytes for a in arrays if a is not None)
    return total


@pytest.mark.parametrize("n", [50, 3000])  # one chunk of windows, two chunks
def test_memory_budget_is_estimated_before_tracing(n):
    model = K.Sequential([K.Input((20, 2)), L.Masking(0.0), L.LSTM(6, return_sequences=True),
                          L.Bidirectional(L.LSTM(4))])
    x = np.random.default_rng(12).normal(size=(n, 20, 2)).astype(np.float32)
    actual = _nbytes(trace_gates(model, x, check=False))
    with pytest.raises(DataError, match=r"max_bytes=.*Trace fewer windows.*Trace\.select"):
        trace_gates(model, x, max_bytes=int(0.9 * actual))
    assert trace_gates(model, x, max_bytes=int(1.3 * actual)).verified


# ----------------------------------------------------------------------------------
# Keras backends: each in a fresh interpreter, as KERAS_BACKEND is read on import
# ----------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_tracer_on_other_keras_backends(backend, other_backend):
    """The tracer on six model shapes (tests/_backend_checks.py, a GRU stack among them),
    and on one of them again with new weights, run by the backend."""
    results = other_backend(backend)["tracer"]
    assert len(results) == 7
    for name, r in results.items():
        assert r["verified"] and all(n == 5 for n in r["checked"]), (name, r)
        assert r["error"] is None or r["error"] <= TOL, (name, r)
