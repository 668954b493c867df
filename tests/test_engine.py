"""Tests of lstm_explained.engine: the batched in-place runner agrees with the readable cell."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained.cell import lstm_step
from lstm_explained.engine import LSTMWeights, run_lstm
from lstm_explained.errors import DataError, UnsupportedLayerError


def _slow_reference(x, w, h0=None, c0=None, mask=None):
    """Step by step with lstm_step, the tutorial's one-step cell (no buffers)."""
    n, t, _ = x.shape
    h = np.zeros((n, w.units)) if h0 is None else h0
    c = np.zeros((n, w.units)) if c0 is None else c0
    hs, cs, fs = [], [], []
    for k in range(t):
        f, i, ct, o, c_new, h_new = lstm_step(x[:, k], h, c, w)
        if mask is not None:
            c_new = np.where(mask[:, k, None], c_new, c)
            h_new = np.where(mask[:, k, None], h_new, h)
        h, c = h_new, c_new
        hs.append(h)
        cs.append(c)
        fs.append(f)
    return np.stack(fs, 1), np.stack(cs, 1), np.stack(hs, 1)


@pytest.mark.parametrize("act, rec", [("tanh", "sigmoid"), ("relu", "hard_sigmoid"),
                                      ("softsign", "softmax"), ("gelu", "sparse_sigmoid")])
def test_engine_equals_the_readable_cell_to_1e_12(act, rec):
    rng = np.random.default_rng(0)
    w = LSTMWeights.random(features=3, units=5, seed=2, scale=1.0, activation=act,
                           recurrent_activation=rec)
    x = rng.normal(size=(4, 9, 3))
    mask = rng.random((4, 9)) > 0.3
    h0, c0 = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    run = run_lstm(x, w, h0=h0, c0=c0, mask=mask)
    f, c, h = _slow_reference(x, w, h0, c0, mask)
    np.testing.assert_allclose(run["forget"], f, atol=1e-12)
    np.testing.assert_allclose(run["cell"], c, atol=1e-12)
    np.testing.assert_allclose(run["hidden"], h, atol=1e-12)


def test_float32_close_to_float64_and_identities_hold():
    w = LSTMWeights.random(features=2, units=8, seed=1)
    x = np.random.default_rng(1).normal(size=(6, 30, 2))
    a, b = run_lstm(x, w), run_lstm(x, w, dtype=np.float32)
    assert b["cell"].dtype == np.float32 and a["cell"].dtype == np.float64
    assert np.abs(a["hidden"] - b["hidden"]).max() < 1e-5
    prev = np.concatenate([np.zeros_like(a["cell"][:, :1]), a["cell"][:, :-1]], axis=1)
    np.testing.assert_allclose(a["cell"], a["forget"] * prev + a["input"] * a["candidate"],
                               atol=1e-12)
    np.testing.assert_allclose(a["hidden"], a["output"] * np.tanh(a["cell"]), atol=1e-12)


def test_gate_blocks_follow_keras_order_i_f_c_o():
    # Only the forget block's bias is large: f ~ 1, the others ~ 0.5 / 0.
    u = 2
    bias = np.zeros(4 * u)
    bias[u : 2 * u] = 20.0
    w = LSTMWeights(np.zeros((1, 4 * u)), np.zeros((u, 4 * u)), bias)
    run = run_lstm(np.zeros((1, 3, 1)), w)
    np.testing.assert_allclose(run["forget"], 1.0, atol=1e-8)
    np.testing.assert_allclose(run["input"], 0.5)
    np.testing.assert_allclose(run["candidate"], 0.0)
    np.testing.assert_allclose(run["output"], 0.5)


def test_masked_steps_carry_states_and_still_report_gates():
    w = LSTMWeights.random(features=1, units=3)
    mask = np.array([[True, False, False, True]])
    run = run_lstm(np.ones((1, 4, 1)), w, mask=mask)
    np.testing.assert_array_equal(run["cell"][0, 1], run["cell"][0, 0])
    np.testing.assert_array_equal(run["hidden"][0, 2], run["hidden"][0, 0])
    assert (run["forget"][0, 1] > 0).all()


def test_no_bias():
    w = LSTMWeights.random(features=2, units=3)
    w0 = LSTMWeights(w.kernel, w.recurrent_kernel, None)
    run = run_lstm(np.zeros((1, 2, 2)), w0)
    np.testing.assert_allclose(run["input"], 0.5)  # sigmoid(0)


def test_errors():
    w = LSTMWeights.random(features=2, units=3)
    with pytest.raises(DataError, match="shape"):
        run_lstm(np.zeros((1, 4, 3)), w)
    with pytest.raises(DataError, match="mask"):
        run_lstm(np.zeros((1, 4, 2)), w, mask=np.ones((1, 3), bool))
    with pytest.raises(DataError, match="dtype"):
        run_lstm(np.zeros((1, 4, 2)), w, dtype=np.int32)
    with pytest.raises(DataError, match="inconsistent"):
        LSTMWeights(np.zeros((2, 12)), np.zeros((3, 8)))
    with pytest.raises(DataError, match="bias"):
        LSTMWeights(np.zeros((2, 12)), np.zeros((3, 12)), np.zeros(5))
    with pytest.raises(UnsupportedLayerError, match="not supported"):
        LSTMWeights(np.zeros((2, 12)), np.zeros((3, 12)), activation="glu")


@pytest.mark.parametrize("features", [1, 3])
@pytest.mark.parametrize("act, rec", [("tanh", "sigmoid"), ("relu", "hard_sigmoid")])
def test_threads_split_the_batch_and_agree_to_rounding(features, act, rec):
    # Each thread runs its own windows with the same operations; only the last bits may
    # differ (BLAS and numpy's SIMD loops treat the edges of a block differently).
    # Masks and initial states must follow the split.
    rng = np.random.default_rng(3)
    w = LSTMWeights.random(features=features, units=6, seed=4, activation=act,
                           recurrent_activation=rec)
    x = rng.normal(size=(7, 11, features))
    mask = rng.random((7, 11)) > 0.2
    h0, c0 = rng.normal(size=(7, 6)), rng.normal(size=(7, 6))
    one = run_lstm(x, w, h0=h0, c0=c0, mask=mask, threads=1)
    for threads in (2, 3, 7, 50):
        split = run_lstm(x, w, h0=h0, c0=c0, mask=mask, threads=threads)
        for name, arr in one.items():
            np.testing.assert_allclose(split[name], arr, rtol=1e-12, atol=1e-14,
                                       err_msg=f"{name}, {threads} threads")


def test_default_threads_follow_the_work_per_step():
    from lstm_explained._threads import MIN_GATES_PER_THREAD, default_threads

    assert default_threads(1, 10) == 1
    assert default_threads(10_000, 100) <= 2
    small = MIN_GATES_PER_THREAD // (4 * 50)  # windows that fill one thread
    assert default_threads(2 * small - 2, 50) == 1


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_hook_rows_clamp_only_those_windows_each_part_bit_for_bit_as_alone(threads, dtype):
    """The gate lab's joint run: windows and their clamped copies in one batch. The hook
    sees only ``hook_rows``; both parts equal a run of their own exactly (not to rounding:
    an identity clamp must change nothing)."""
    rng = np.random.default_rng(3)
    w = LSTMWeights.random(features=2, units=40, seed=1)
    x = rng.normal(size=(300, 12, 2))
    seen = []

    def shut_forget(t, gates):
        seen.append(len(gates["forget"]))
        gates["forget"][:] = 0.0

    both = run_lstm(np.concatenate([x, x[:100]]), w, dtype=dtype, threads=threads,
                    hook=shut_forget, hook_rows=slice(300, 400))
    alone = run_lstm(x, w, dtype=dtype)
    clamped = run_lstm(x[:100], w, dtype=dtype, hook=shut_forget)
    assert set(seen) == {100}
    for q in alone:
        np.testing.assert_array_equal(both[q][:300], alone[q])
        np.testing.assert_array_equal(both[q][300:], clamped[q])
    assert not np.array_equal(alone["cell"], clamped["cell"])
    with pytest.raises(DataError, match="hook_rows"):
        run_lstm(x, w, hook=shut_forget, hook_rows=slice(0, 10, 2))
