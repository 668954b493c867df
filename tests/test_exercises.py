"""Tests of lstm_explained.exercises: right answers pass, wrong ones get the right hint."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

import lstm_explained.exercises as ex
from lstm_explained.engine import LSTMWeights, run_lstm
from lstm_explained.errors import DataError
from lstm_explained.trace import LayerTrace, Trace


def _trace(x: np.ndarray, units: int = 6, seed: int = 3, scale: float = 1.5) -> Trace:
    w = LSTMWeights.random(features=1, units=units, seed=seed, scale=scale)
    run = run_lstm(x, w)
    return Trace([LayerTrace(name="lstm_1", layer_name="lstm_1", inputs=x, arrays=run)])


def _sine_windows(n: int = 120, t: int = 30) -> np.ndarray:
    k = np.arange(n)[:, None] + np.arange(t)[None, :]
    return np.sin(2 * np.pi * k / 25.0)[..., None]


def test_registry_lists_every_exercise_in_order():
    ids = ex.exercises()
    assert ids == [
        "01.cell_state", "01.hidden_state", "01.forget_block", "01.open_words",
        "01.belt_sign", "01.guard_gate", "01.input_bias", "02.slope_unit",
        "02.persistence_mse", "02.untrained_units", "02.ar_order", "02.most_moved",
        "03.denormalise_run", "03.lag", "03.saturation", "03.lag_from_forget",
        "03.forget_bias", "04.control", "04.clamp_fall", "04.busiest_window",
        "04.forget_zero",
        "05.forget_half", "05.gradient_orders", "06.ignore_second", "06.forget_clamp",
        "07.coupled_same", "07.peephole_forget", "07.gru_update",
    ]
    for i in ids:
        assert "check needs" in ex.question(i)


def test_module_imports_without_tensorflow():
    code = (
        "import sys, lstm_explained.exercises; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_unknown_exercise_and_missing_context_are_clear_errors():
    with pytest.raises(DataError, match="no exercise '99.x'.*01.cell_state"):
        ex.check("99.x", 1.0)
    with pytest.raises(DataError, match="missing: candidate, previous"):
        ex.check("01.cell_state", 1.0, forget=0.5, input=0.5)


@pytest.mark.parametrize("answer", [None, ...])
def test_no_answer_yet_is_neither_right_nor_wrong(answer):
    r = ex.check("01.hidden_state", answer, output=0.5, cell=0.3)
    assert r.status == ex.UNANSWERED and not r
    assert r.message.startswith("no answer yet") and str(r).startswith("…")


def test_result_renders_as_text_and_html():
    r = ex.check("01.hidden_state", 0.5 * np.tanh(0.3), output=0.5, cell=0.3)
    assert r and r.correct and str(r).startswith("✓ 01.hidden_state")
    assert "✓" in r._repr_html_() and "#009E73" in r._repr_html_()
    w = ex.check("01.hidden_state", 7.0, output=0.5, cell=0.3)
    assert not w and str(w).startswith("✗") and "&lt;" not in w._repr_html_()


# -- 01 ---------------------------------------------------------------------------------------
CELL = dict(forget=0.8, input=0.6, candidate=-0.5, previous=0.9)


def test_cell_state_right_answer_scalar_and_array():
    right = 0.8 * 0.9 + 0.6 * -0.5
    assert ex.check("01.cell_state", right, **CELL)
    assert ex.check("01.cell_state", round(right, 4), **CELL)  # by hand, 4 decimals
    rng = np.random.default_rng(0)
    ctx = {k: rng.uniform(-1, 1, 5) for k in CELL}
    assert ex.check("01.cell_state", ex.solution("01.cell_state", **ctx), **ctx)
    assert not ex.check("01.cell_state", ex.solution("01.cell_state", **ctx)[:4], **ctx)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (0.6 * -0.5, "dropped the old belt"),
        (0.8 * 0.9, "wrote nothing new"),
        (0.8 * 0.9 - 0.5, "input gate scales it"),
        (0.9 + 0.6 * -0.5, "multiply C_{t-1} by the forget gate"),
        (0.2 * 0.9 + 0.6 * -0.5, "share that is *kept*"),
        (np.tanh(0.8 * 0.9 + 0.6 * -0.5), "not squashed"),
        (0.8 * 0.9 + 0.6 * -0.5 + 0.01, "close"),
        (5.0, "C_t = f_t · C_{t-1} + i_t · C̃_t"),
        ("five", "C_t = f_t"),
    ],
)
def test_cell_state_wrong_answers_get_their_hint(answer, hint):
    r = ex.check("01.cell_state", answer, **CELL)
    assert r.status == ex.WRONG
    assert hint in r.message


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (0.7 * 0.4, "Squash the cell state first"),
        (np.tanh(0.4), "output gate o_t decides"),
        (np.tanh(0.7 * 0.4), "multiplies after the squashing"),
        (0.7 / (1 + np.exp(-0.4)), "not with the sigmoid"),
        (0.7 * np.tanh(-0.2), "updated cell state C_t"),
        (3.0, "h_t = o_t · tanh(C_t)"),
    ],
)
def test_hidden_state(answer, hint):
    ctx = dict(output=0.7, cell=0.4, previous=-0.2)
    assert ex.check("01.hidden_state", 0.7 * np.tanh(0.4), **ctx)
    r = ex.check("01.hidden_state", answer, **ctx)
    assert not r and hint in r.message


def test_forget_block_right_and_each_wrong_block():
    rng = np.random.default_rng(1)
    kernel, rec = rng.normal(size=(3, 8)), rng.normal(size=(2, 8))
    assert ex.check("01.forget_block", kernel[:, 2:4], kernel=kernel, recurrent_kernel=rec)
    hints = {0: "input gate", 2: "candidate", 3: "output gate"}
    for block, word in hints.items():
        r = ex.check("01.forget_block", kernel[:, 2 * block : 2 * block + 2], kernel=kernel)
        assert not r and word in r.message and "i, f, c, o" in r.message
    r = ex.check("01.forget_block", rec[:, 2:4], kernel=kernel, recurrent_kernel=rec)
    assert not r and "recurrent" in r.message
    r = ex.check("01.forget_block", kernel[:, 2:4].T, kernel=kernel)
    assert not r and "transposed" in r.message
    r = ex.check("01.forget_block", kernel, kernel=kernel)
    assert not r and "4 blocks of 2 columns" in r.message


def test_forget_block_from_a_real_keras_layer():
    keras = pytest.importorskip("keras")
    layer = keras.layers.LSTM(3)
    layer.build((None, 5, 2))
    kernel, rec, _ = layer.get_weights()
    # Keras' own variable for the forget gate is the second block: check with its layout
    assert ex.check("01.forget_block", kernel[:, 3:6], kernel=kernel, recurrent_kernel=rec)
    assert not ex.check("01.forget_block", kernel[:, 0:3], kernel=kernel)


# -- 02 ---------------------------------------------------------------------------------------
def test_slope_unit_accepts_the_best_unit_and_hints_at_value_units():
    x = _sine_windows()
    trace = _trace(x)
    corr = ex.unit_correlations(trace)
    best = int(np.argmax(np.abs(corr["slope"])))
    assert ex.solution("02.slope_unit", trace=trace) == best
    r = ex.check("02.slope_unit", best, trace=trace)
    assert r and f"unit {best}" in r.message
    assert ex.check("02.slope_unit", np.int64(best), trace=trace["lstm_1"])  # a LayerTrace too
    value_unit = int(np.argmax(np.abs(corr["value"])))
    other = next(u for u in np.argsort(np.abs(corr["slope"])) if u not in (best, value_unit))
    r = ex.check("02.slope_unit", int(other), trace=trace)
    assert not r and "best unit reaches" in r.message
    r = ex.check("02.slope_unit", value_unit, trace=trace)
    assert not r and "follows the input's value" in r.message
    assert not ex.check("02.slope_unit", 99, trace=trace)
    assert "whole number" in ex.check("02.slope_unit", "three", trace=trace).message


def test_slope_unit_names_a_value_tracking_unit():
    # Hand-made trace: unit 0 copies the value, unit 1 the slope, unit 2 noise.
    x = _sine_windows(80, 10)
    v = x[..., 0]
    slope = np.concatenate([np.zeros((80, 1)), np.diff(v, axis=1)], axis=1)
    noise = np.random.default_rng(0).normal(size=v.shape)
    h = np.stack([v, slope, noise], axis=-1)
    lt = LayerTrace(name="l", layer_name="l", forget=h, input=h, candidate=h, output=h,
                    cell=h, hidden=h, inputs=x)
    assert ex.solution("02.slope_unit", trace=lt) == 1
    assert ex.check("02.slope_unit", 1, trace=lt)
    r = ex.check("02.slope_unit", 0, trace=lt)
    assert not r and "follows the input's value" in r.message
    assert ex.check("02.slope_unit", 1, trace=lt, quantity="cell")


def test_slope_unit_of_a_second_layer_is_compared_with_the_model_input():
    x = _sine_windows(60, 12)
    w1 = LSTMWeights.random(features=1, units=4, seed=5, scale=1.5)
    run1 = run_lstm(x, w1)
    w2 = LSTMWeights.random(features=4, units=5, seed=6, scale=1.5)
    run2 = run_lstm(run1["hidden"], w2)
    trace = Trace([
        LayerTrace(name="lstm_1", layer_name="lstm_1", inputs=x, arrays=run1),
        LayerTrace(name="lstm_2", layer_name="lstm_2", inputs=run1["hidden"], arrays=run2),
    ])
    v = x[:, :, 0]
    h = run2["hidden"][:, -1, :]
    slope = v[:, -1] - v[:, -2]
    r = [np.corrcoef(h[:, u], slope)[0, 1] for u in range(5)]
    best = int(np.argmax(np.abs(r)))
    assert ex.solution("02.slope_unit", trace=trace, layer="lstm_2") == best
    assert ex.check("02.slope_unit", best, trace=trace, layer="lstm_2")
    # the same with the model input given explicitly, e.g. for a lone LayerTrace
    assert ex.check("02.slope_unit", best, trace=trace["lstm_2"], x=x)
    with pytest.raises(DataError, match="one per traced window"):
        ex.check("02.slope_unit", best, trace=trace["lstm_2"], x=x[:5])


def test_slope_unit_ties_are_accepted():
    x = _sine_windows(50, 8)
    v = x[..., 0]
    slope = np.concatenate([np.zeros((50, 1)), np.diff(v, axis=1)], axis=1)
    h = np.stack([slope, -slope], axis=-1)  # two units, the same |r|
    lt = LayerTrace(name="l", layer_name="l", forget=h, input=h, candidate=h, output=h,
                    cell=h, hidden=h, inputs=x)
    assert ex.check("02.slope_unit", 0, trace=lt) and ex.check("02.slope_unit", 1, trace=lt)


def test_persistence_mse_right_and_wrong():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(40, 7, 1)).cumsum(axis=1)
    y = x[:, -1, 0] + rng.normal(scale=0.3, size=40)
    right = float(np.mean((x[:, -1, 0] - y) ** 2))
    assert ex.solution("02.persistence_mse", x=x, y=y) == pytest.approx(right)
    assert ex.check("02.persistence_mse", right, x=x, y=y)
    cases = {
        np.sqrt(right): "RMSE",
        np.mean(np.abs(x[:, -1, 0] - y)): "absolute",
        np.sum((x[:, -1, 0] - y) ** 2): "sum of squared",
        np.mean((x[:, 0, 0] - y) ** 2): "*last* value",
        np.mean((x[:, -2, 0] - y) ** 2): "the one before",
        right * 3: "average the squared differences",
    }
    for answer, hint in cases.items():
        r = ex.check("02.persistence_mse", answer, x=x, y=y)
        assert not r and hint in r.message, (answer, r)
    assert "one number" in ex.check("02.persistence_mse", [1.0, 2.0], x=x, y=y).message


# -- 03 ---------------------------------------------------------------------------------------
def test_denormalise_run_right_and_wrong():
    p0 = np.linspace(1000.0, 1200.0, 20)
    windows = SimpleNamespace(p0_test=p0)
    pred = np.random.default_rng(3).normal(scale=0.05, size=(4, 5))
    ctx = dict(windows=windows, predictions=pred, run=2, step=3)
    n = pred[2, 3]
    right = p0[10] * (n + 1)
    assert ex.solution("03.denormalise_run", **ctx) == pytest.approx(right)
    r = ex.check("03.denormalise_run", right, **ctx)
    assert r and "start window 10" in r.message
    cases = {
        p0[13] * (n + 1): "stays in the units",
        p0[2] * (n + 1): "runs start every 5 windows",
        p0[10] * n: "left out the + 1",
        n + 1: "multiply by the start window's p0",
        p0[10] * (n - 1): "not (n − 1)",
        p0[10] / (n + 1): "don't divide",
        0.0: "invert n = p/p0 − 1",
    }
    for answer, hint in cases.items():
        r = ex.check("03.denormalise_run", answer, **ctx)
        assert not r and hint in r.message, (answer, r)


def test_denormalise_run_with_real_windows():
    import lstm_explained as lx

    w = lx.data.make_windows(lx.data.load_sp500(), seq_len=50, normalise=True)
    runs = np.stack([w.y_test[k * 50 : k * 50 + 50] for k in range(3)])  # "predictions"
    # Run 1 step 0 predicts window 50's target: p0 of window 50 recovers the true close.
    price = ex.solution("03.denormalise_run", windows=w, predictions=runs, run=1, step=0)
    assert price == pytest.approx(w.denormalise(w.y_test)[50])
    assert ex.check("03.denormalise_run", price, windows=w, predictions=runs, run=1, step=0)


def test_lag_right_and_wrong():
    rng = np.random.default_rng(4)
    true = 100 + rng.normal(size=300).cumsum()
    predicted = np.concatenate([[true[0]], true[:-1]]) + rng.normal(scale=0.05, size=300)
    r = ex.lag_correlations(predicted, true, 5)
    assert r.shape == (6,) and int(np.argmax(r)) == 1 and r[1] > 0.99
    assert ex.solution("03.lag", predicted=predicted, true=true) == 1
    ok = ex.check("03.lag", 1, predicted=predicted, true=true)
    assert ok and "at lag 1" in ok.message
    assert "at lag 0" in ex.check("03.lag", 0, predicted=predicted, true=true).message
    assert "another lag" in ex.check("03.lag", 4, predicted=predicted, true=true).message
    assert "negative" in ex.check("03.lag", -1, predicted=predicted, true=true).message
    assert "index from 0 to 10" in ex.check("03.lag", 11, predicted=predicted, true=true).message
    # a forecast three steps late, with a constant bias (moves ignore it)
    late = np.concatenate([true[:3], true[:-3]]) - 25.0
    assert ex.solution("03.lag", predicted=late, true=true) == 3
    assert ex.check("03.lag", 3, predicted=late, true=true)
    with pytest.raises(DataError, match="same length"):
        ex.lag_correlations(predicted[:-1], true)
    with pytest.raises(DataError, match="max_lag"):
        ex.lag_correlations(predicted, true, max_lag=-1)


def test_lag_accepts_near_ties():
    rng = np.random.default_rng(5)
    true = rng.normal(size=400).cumsum()
    smooth = np.convolve(np.r_[np.zeros(6), true], np.ones(4) / 4, mode="valid")[: len(true)]
    r = ex.lag_correlations(smooth, true, 8)
    best = int(np.argmax(r))
    close = [lag for lag in range(9) if r[lag] >= r[best] - 0.01]
    far = [lag for lag in range(1, 9) if r[lag] < r[best] - 0.01]
    for lag in close:
        assert ex.check("03.lag", lag, predicted=smooth, true=true, max_lag=8)
    for lag in far:
        assert not ex.check("03.lag", lag, predicted=smooth, true=true, max_lag=8)


def test_saturation_right_and_wrong():
    trace = _trace(_sine_windows(40, 20), scale=3.0)
    f = trace["lstm_1"].forget
    right, left = float(np.mean(f > 0.9)), float(np.mean(f < 0.1))
    assert 0 < right < 1 and 0 < left < 1 and abs(right - left) > 1e-2  # not vacuous
    assert ex.check("03.saturation", right, trace=trace)
    assert ex.check("03.saturation", left, trace=trace, side="left")
    # the package's Karpathy-style analysis agrees, averaged over units
    from lstm_explained.analysis import saturation

    assert float(saturation(trace["lstm_1"]).right[0].mean()) == pytest.approx(right)
    assert "percentage" in ex.check("03.saturation", 100 * right, trace=trace).message
    assert "other side" in ex.check("03.saturation", left, trace=trace).message
    assert "*not*" in ex.check("03.saturation", 1 - right, trace=trace).message
    assert "np.mean" in ex.check("03.saturation", right + 0.2, trace=trace).message
    i = trace["lstm_1"].input
    assert ex.check("03.saturation", float(np.mean(i > 0.8)), trace=trace, gate="input",
                    high=0.8)
    with pytest.raises(DataError, match="side must be"):
        ex.check("03.saturation", 0.1, trace=trace, side="middle")
    with pytest.raises(DataError, match="no layer 'nope'"):
        ex.check("03.saturation", 0.1, trace=trace, layer="nope")


@pytest.fixture(scope="module")
def adding_lab():
    import lstm_explained as lx
    from lstm_explained.lab import Stack

    x, _ = lx.data.adding_problem(200, length=100, seed=1)
    return Stack.from_model(lx.model.load_pretrained("adding")), x


@pytest.mark.parametrize("answer, words", [
    (("input", 50), "Right"),
    (("candidate", 50), "Right"),
    (("forget", 50), "empties the belt"),
    (("output", 50), "only hides the belt"),
    (("input", 0), "also block first marks"),
    (("input", 75), "miss second marks"),
    (("input", 100), "from 0 to 99"),
    (("hidden", 50), "is not a gate"),
    ("input", "a pair (gate, first_step)"),
])
def test_ignore_second_reruns_the_lab_with_the_answer(adding_lab, answer, words):
    stack, x = adding_lab
    r = ex.check("06.ignore_second", answer, stack=stack, x=x, unit=13)
    assert words in r.message and r.correct == (words == "Right")


def test_ignore_second_measures_what_it_says(adding_lab):
    stack, x = adding_lab
    got = ex.adding.clamped_from(stack, x, "input", 13, 50)
    first, second = ex.adding._marked_values(x)
    assert got["first"] > 0.99 and abs(got["second"]) < 0.1
    # the model now adds the mean of the second value instead of the value itself
    slope, intercept = np.polyfit(first, got["outputs"], 1)
    assert abs(slope - 1) < 0.1 and abs(intercept - second.mean()) < 0.1


@pytest.mark.parametrize("answer, words", [
    (0.5 ** (1 / 50), "Right"),
    (0.99, "multiplied by f at every step"),
    (0.5, "halves the belt at every step"),
    (0.9, "you want 0.5"),
    (1.5, "between 0 and 1"),
    ([0.9, 0.8], "one number"),
])
def test_forget_half(answer, words):
    r = ex.check("05.forget_half", answer, steps=50)
    assert words in r.message and r.correct == (words == "Right")
