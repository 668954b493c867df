"""Tests of the GRU kind (lstm_explained.kinds.gru, gru_cell, gru_engine): the declaration,
the batched runner against the readable cell, and the cell against Keras' own GRUCell.

The tracer's GRU tests (Keras layers traced within 1e-5, the property test) are in
tests/test_tracer_gru.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_explained.analysis import ledger
from lstm_explained.errors import DataError, UnsupportedLayerError
from lstm_explained.gru_cell import gru_step
from lstm_explained.gru_engine import GRUWeights, run_gru
from lstm_explained.kinds import GRU, LSTM, get_kind
from lstm_explained.layer_trace import LayerTrace

OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
             "#000000"}


def _slow_reference(x, w, h0=None, mask=None):
    """Step by step with gru_step, the readable cell (no buffers)."""
    n, t, _ = x.shape
    h = np.zeros((n, w.units)) if h0 is None else h0
    out = {q: [] for q in GRU.names}
    for k in range(t):
        z, r, h_tilde, h_new = gru_step(x[:, k], h, w)
        if mask is not None:
            h_new = np.where(mask[:, k, None], h_new, h)
        h = h_new
        for q, v in zip(GRU.names, (z, r, h_tilde, h), strict=True):
            out[q].append(v)
    return {q: np.stack(v, 1) for q, v in out.items()}


# ----------------------------------------------------------------------------------
# The declaration
# ----------------------------------------------------------------------------------
def test_declaration():
    assert get_kind("gru") is GRU
    assert GRU.names == ("update", "reset", "candidate", "hidden")
    assert GRU.belt == GRU.output == "hidden" and GRU.states == ("hidden",)
    assert (GRU.keras_layer, GRU.keras_cell) == ("GRU", "GRUCell")
    colors = list(GRU.colors().values())
    assert len(set(colors)) == len(colors) and set(colors) <= OKABE_ITO
    # the shared roles take the LSTM's colours: candidate and hidden state
    assert GRU["candidate"].color == LSTM["candidate"].color
    assert GRU["hidden"].color == LSTM["hidden"].color
    assert GRU.step_function() is gru_step
    assert set(GRU.describe()["belt_columns"][0]) >= {"key", "text", "color"}


def test_ledger_balances_and_z_keeps():
    w = GRUWeights.random(features=2, units=3, seed=4, scale=1.0)
    x = np.random.default_rng(4).normal(size=(5, 7, 2))
    mask = np.random.default_rng(5).random((5, 7)) > 0.3
    run = run_gru(x, w, mask=mask)
    lt = LayerTrace("g", "g", kind="gru", inputs=x, arrays=run, mask=mask,
                    units=3, activation="tanh", recurrent_activation="sigmoid")
    books = ledger(lt)
    np.testing.assert_allclose(books.previous, books.kept + books.forgotten, atol=1e-12)
    np.testing.assert_allclose(books.belt, books.kept + books.written, atol=1e-12)
    held = ~mask
    np.testing.assert_array_equal(books.written[held], 0.0)
    # z = 1 would keep the whole belt (Keras' convention)
    np.testing.assert_allclose(books.kept[mask], (run["update"] * books.previous)[mask])


# ----------------------------------------------------------------------------------
# The runner against the readable cell
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("act, rec", [("tanh", "sigmoid"), ("relu", "hard_sigmoid"),
                                      ("softsign", "softmax"), ("gelu", "sparse_sigmoid")])
def test_runner_equals_the_readable_cell_to_1e_12(reset_after, act, rec):
    rng = np.random.default_rng(0)
    w = GRUWeights.random(features=3, units=5, seed=2, scale=1.0, activation=act,
                          recurrent_activation=rec, reset_after=reset_after)
    x = rng.normal(size=(4, 9, 3))
    mask = rng.random((4, 9)) > 0.3
    h0 = rng.normal(size=(4, 5))
    run = run_gru(x, w, h0=h0, mask=mask)
    ref = _slow_reference(x, w, h0, mask)
    for q in GRU.names:
        np.testing.assert_allclose(run[q], ref[q], atol=1e-12, err_msg=q)


@settings(max_examples=50)
@given(n=st.integers(1, 8), t=st.integers(1, 12), f=st.integers(1, 3), u=st.integers(1, 8),
       reset_after=st.booleans(), use_bias=st.booleans(), masked=st.booleans(),
       threads=st.integers(1, 2), seed=st.integers(0, 2**16))
def test_property_runner_equals_cell_and_the_belt_law_holds(n, t, f, u, reset_after, use_bias,
                                                            masked, threads, seed):
    rng = np.random.default_rng(seed)
    w = GRUWeights.random(features=f, units=u, seed=seed, scale=1.5, reset_after=reset_after)
    if not use_bias:
        w = GRUWeights(w.kernel, w.recurrent_kernel, None, reset_after=reset_after)
    x = rng.normal(size=(n, t, f))
    mask = rng.random((n, t)) > 0.3 if masked else None
    run = run_gru(x, w, mask=mask, threads=threads)
    ref = _slow_reference(x, w, mask=mask)
    for q in GRU.names:
        np.testing.assert_allclose(run[q], ref[q], atol=1e-12, err_msg=q)
    # the belt moves between h_{t-1} and h~_t: a convex mix (z in [0, 1])
    prev = np.concatenate([np.zeros((n, 1, u)), run["hidden"][:, :-1]], axis=1)
    lo, hi = np.minimum(prev, run["candidate"]), np.maximum(prev, run["candidate"])
    assert ((run["hidden"] >= lo - 1e-12) & (run["hidden"] <= hi + 1e-12)).all()
    assert ((run["update"] >= 0) & (run["update"] <= 1)).all()


def test_float32_close_to_float64():
    w = GRUWeights.random(features=2, units=8, seed=1)
    x = np.random.default_rng(1).normal(size=(6, 30, 2))
    a, b = run_gru(x, w), run_gru(x, w, dtype=np.float32)
    assert b["hidden"].dtype == np.float32 and a["hidden"].dtype == np.float64
    assert np.abs(a["hidden"] - b["hidden"]).max() < 1e-5


def test_blocks_follow_keras_order_z_r_h():
    # Only the update block's input bias is large: z ~ 1, so h stays ~ 0 (z keeps h_0 = 0)
    units = 3
    bias = np.zeros((2, 3 * units))
    bias[0, :units] = 30.0
    w = GRUWeights(np.ones((1, 3 * units)), np.zeros((units, 3 * units)), bias)
    run = run_gru(np.ones((1, 4, 1)), w)
    assert run["update"].min() > 0.999 and abs(run["reset"] - 0.7310586).max() < 1e-6
    assert np.abs(run["hidden"]).max() < 1e-9


def test_bias_layouts_differ_by_convention():
    """reset_after=True: b' is reset with U_h h; reset_after=False: one bias outside."""
    rng = np.random.default_rng(3)
    w = GRUWeights.random(features=1, units=2, seed=3, scale=1.0)
    h = rng.normal(size=(1, 2))
    z, r, h_tilde, _ = gru_step(np.ones((1, 1)), h, w)
    u_h = w.recurrent_kernel[:, 4:]
    pre = w.kernel[:, 4:] + w.bias[0, 4:] + r * (h @ u_h + w.bias[1, 4:])
    np.testing.assert_allclose(h_tilde, np.tanh(pre), atol=1e-14)
    w2 = GRUWeights(w.kernel, w.recurrent_kernel, w.bias[0], reset_after=False)
    _, r2, h_tilde2, _ = gru_step(np.ones((1, 1)), h, w2)
    pre2 = w.kernel[:, 4:] + (r2 * h) @ u_h + w.bias[0, 4:]
    np.testing.assert_allclose(h_tilde2, np.tanh(pre2), atol=1e-14)


def test_errors():
    k, r = np.zeros((2, 9)), np.zeros((3, 9))
    with pytest.raises(DataError, match="inconsistent shapes"):
        GRUWeights(np.zeros((2, 8)), r)
    with pytest.raises(DataError, match=r"reset_after=True Keras stores it as \(2, 9\)"):
        GRUWeights(k, r, np.zeros(9))
    with pytest.raises(DataError, match=r"reset_after=False Keras stores it as \(9,\)"):
        GRUWeights(k, r, np.zeros((2, 9)), reset_after=False)
    with pytest.raises(DataError, match="reset_after must be True or False"):
        GRUWeights(k, r, reset_after="yes")
    with pytest.raises(UnsupportedLayerError, match="activation .nope. is not supported"):
        GRUWeights(k, r, activation="nope")
    w = GRUWeights(k, r)
    with pytest.raises(DataError, match=r"x must have shape \(batch, timesteps, 2\)"):
        run_gru(np.zeros((1, 4, 3)), w)
    with pytest.raises(DataError, match="mask must have shape"):
        run_gru(np.zeros((1, 4, 2)), w, mask=np.ones((1, 5), bool))
    with pytest.raises(DataError, match="float32 or float64"):
        w.astype(np.int32)
