"""Tests of lstm_explained._tracer_stack: parts of the windows run through the whole stack.

The fast path cuts the windows into parts and runs each part through every layer on its
own thread, into result arrays allocated once (lstm_explained._buffers). Whatever the
cut, every window must get exactly what one run of its layer's engine over all windows
gives it (on the input the trace records), and that input must be what feeds the layer.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained import _tracer_stack as stack
from lstm_explained._keras import keras
from lstm_explained._tracer_plan import find_targets, get_plan
from lstm_explained.engine import lstm_buffers, run_lstm
from lstm_explained.errors import DataError
from lstm_explained.gru_engine import gru_buffers, run_gru
from lstm_explained.keras_layers import cell_weights
from lstm_explained.tracer import trace_gates

K = keras()
L = K.layers


def _stack_model():
    """Masking, then an LSTM, a backwards GRU and a Bidirectional LSTM: every kind of
    source the fast path feeds from (the input through Masking, an LSTM, a GRU)."""
    return K.Sequential([
        K.Input((7, 2)), L.Masking(0.0), L.LSTM(5, return_sequences=True), L.Dropout(0.3),
        L.GRU(4, return_sequences=True, go_backwards=True), L.Bidirectional(L.LSTM(3)),
    ])


def _windows(n: int) -> np.ndarray:
    x = np.random.default_rng(3).normal(size=(n, 7, 2))
    x[::5, 2:4] = 0.0  # masked steps
    return x


@pytest.mark.parametrize("part, threads", [(7, 2), (7, 1), (4096, 2), (1, 2)])
def test_every_cut_gives_each_window_what_one_run_over_all_windows_gives(
    monkeypatch, part, threads
):
    monkeypatch.setattr(stack, "PART", part)
    monkeypatch.setattr(stack, "default_threads", lambda n, units: threads)
    model = _stack_model()
    x = _windows(40)
    trace = trace_gates(model, x, dtype="float64", check_samples=None)
    assert trace.verified  # every window's inputs, masks and states against Keras
    assert len(trace) == 4
    for lt in trace.values():
        whole = lt.spec.run(lt.inputs, _weights(model, lt), mask=lt.mask, dtype=np.float64,
                            threads=1)
        for q in lt.spec.names:
            np.testing.assert_allclose(getattr(lt, q), whole[q], rtol=0, atol=1e-12,
                                       err_msg=f"{lt.name} {q}")


def _weights(model, lt):
    """The weights of the direction ``lt`` traced, as the engine takes them."""
    layer = model.get_layer(lt.layer_name)
    if isinstance(layer, L.Bidirectional):
        layer = layer.backward_layer if lt.name.endswith("/backward") else layer.forward_layer
    return cell_weights(layer, lt.name)


def test_parts_count_paces_the_progress_bar(monkeypatch):
    monkeypatch.setattr(stack, "PART", 16)
    model = _stack_model()
    trace_gates(model, _windows(3))
    plan = get_plan(model, find_targets(model))
    assert stack.parts_count(plan, 40) == 3  # 40 windows, at most 16 a part
    assert stack.parts_count(plan, 3) == 1  # too few to be worth a second thread


# ----------------------------------------------------------------------------------
# The engines' result arrays (out=)
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize("run, buffers, weights", [
    (run_lstm, lstm_buffers, "LSTMWeights"), (run_gru, gru_buffers, "GRUWeights"),
])
def test_engines_write_rows_of_given_arrays_and_refuse_ones_that_do_not_fit(
    run, buffers, weights
):
    from lstm_explained import engine, gru_engine

    module = engine if run is run_lstm else gru_engine
    w = getattr(module, weights).random(features=2, units=3, seed=1)
    x = np.random.default_rng(0).normal(size=(6, 5, 2))
    whole = run(x, w, threads=1)
    out = buffers(6, 5, 3, np.float64)
    first = run(x[:2], w, out=out.rows(0, 2), threads=1)
    run(x[2:], w, out=out.rows(2, 6), threads=1)
    for q, arr in out.quantities().items():
        np.testing.assert_allclose(arr, whole[q], rtol=0, atol=1e-12, err_msg=q)
        assert np.shares_memory(first[q], arr)  # written in place, not copied
    for bad in (out.rows(0, 3), buffers(6, 5, 4, np.float64), buffers(6, 5, 3, np.float32)):
        with pytest.raises(DataError, match="out's"):
            run(x, w, out=bad)
