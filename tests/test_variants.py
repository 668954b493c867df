"""Tests of lstm_explained.variants: the peephole and coupled LSTM steps, their runs, their
parameter counts and tutorial 01's gender cell as each variant."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lstm_explained import variants
from lstm_explained.cell import lstm_step
from lstm_explained.engine import LSTMWeights
from lstm_explained.errors import DataError
from lstm_explained.layer_trace import LayerTrace
from lstm_explained.variant_weights import CoupledWeights, PeepholeWeights
from lstm_explained.variants import (
    coupled_step,
    gender_cell,
    gender_sentence,
    parameter_count,
    peephole_step,
    run_variant,
)

ROOT = Path(__file__).resolve().parents[1]


def sig(v):
    return 1 / (1 + np.exp(-v))


def states(seed, batch=5, features=2, units=3):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(batch, features)), rng.normal(size=(batch, units)),
            rng.normal(size=(batch, units)))


def test_the_steps_are_short_and_plain():
    """What a tutorial prints: each step a docstring and a few lines, no output buffers."""
    for step in (peephole_step, coupled_step):
        source = inspect.getsource(step)
        assert "out=" not in source
        assert len(source.splitlines()) < 50


@pytest.mark.parametrize("acts", [("tanh", "sigmoid"), ("relu", "hard_sigmoid")])
def test_zero_peepholes_are_the_lstm(acts):
    lstm = LSTMWeights.random(2, 3, seed=1, activation=acts[0], recurrent_activation=acts[1])
    x, h, c = states(0)
    for got, want in zip(peephole_step(x, h, c, PeepholeWeights.from_lstm(lstm)),
                         lstm_step(x, h, c, lstm), strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_the_peephole_step_is_olahs_equations():
    w = PeepholeWeights.random(2, 3, seed=4)
    x, h, c = states(1)
    f, i, c_tilde, o, c_new, h_new = peephole_step(x, h, c, w)
    z = x @ w.kernel + h @ w.recurrent_kernel + w.bias
    u = 3  # Keras' order: i, f, c, o
    np.testing.assert_allclose(i, sig(z[:, :u] + w.p_i * c), atol=1e-14)
    np.testing.assert_allclose(f, sig(z[:, u : 2 * u] + w.p_f * c), atol=1e-14)
    np.testing.assert_allclose(c_tilde, np.tanh(z[:, 2 * u : 3 * u]), atol=1e-14)
    np.testing.assert_allclose(c_new, f * c + i * c_tilde, atol=1e-14)
    np.testing.assert_allclose(o, sig(z[:, 3 * u :] + w.p_o * c_new), atol=1e-14)  # new belt
    np.testing.assert_allclose(h_new, o * np.tanh(c_new), atol=1e-14)


def test_the_coupled_step_is_the_lstm_without_its_forget_weights():
    lstm = LSTMWeights.random(2, 3, seed=2)
    x, h, c = states(2)
    f, i, c_tilde, o, c_new, h_new = coupled_step(x, h, c, CoupledWeights.from_lstm(lstm))
    assert np.array_equal(f, 1 - i)  # exactly
    _, i0, c_tilde0, o0, _, _ = lstm_step(x, h, c, lstm)  # the same i, C~, o as the LSTM
    for got, want in ((i, i0), (c_tilde, c_tilde0), (o, o0)):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c_new, (1 - i) * c + i * c_tilde, atol=1e-14)
    np.testing.assert_allclose(h_new, o * np.tanh(c_new), atol=1e-14)


def make(kind, features, units, seed, scale):
    if kind == "lstm":
        return LSTMWeights.random(features, units, seed=seed, scale=scale)
    container = PeepholeWeights if kind == "peephole" else CoupledWeights
    return container.random(features, units, seed=seed, scale=scale)


@given(kind=st.sampled_from(["lstm", "peephole", "coupled"]), batch=st.integers(1, 3),
       steps=st.integers(1, 6), features=st.integers(1, 3), units=st.integers(1, 4),
       seed=st.integers(0, 2**16), scale=st.floats(0.1, 3.0))
def test_laws_of_every_variant(kind, batch, steps, features, units, seed, scale):
    """Gates are valves in [0, 1], |h| <= 1 under tanh, the belt is f C_{t-1} + i C~."""
    w = make(kind, features, units, seed, scale)
    x = np.random.default_rng(seed).normal(0, 2, (batch, steps, features))
    run = run_variant(kind, x, w)
    for gate in ("forget", "input", "output"):
        assert run[gate].min() >= 0 and run[gate].max() <= 1
    assert np.abs(run["hidden"]).max() <= 1 and np.abs(run["candidate"]).max() <= 1
    previous = np.concatenate([np.zeros((batch, 1, units)), run["cell"][:, :-1]], axis=1)
    np.testing.assert_allclose(
        run["cell"], run["forget"] * previous + run["input"] * run["candidate"], atol=1e-12)
    np.testing.assert_allclose(run["hidden"], run["output"] * np.tanh(run["cell"]), atol=1e-12)
    if kind == "coupled":  # f = 1 - i: the belt is a weighted average, it stays in [-1, 1]
        assert np.array_equal(run["forget"], 1 - run["input"])
        assert np.abs(run["cell"]).max() <= 1 + 1e-15  # up to rounding


def test_a_run_is_the_steps_one_after_another_and_draws_in_the_lstms_views():
    from lstm_explained.plots import plot_gate_heatmaps

    w = PeepholeWeights.random(1, 3, seed=3)
    x = np.random.default_rng(3).normal(size=(2, 4, 1))
    h0, c0 = np.full((2, 3), 0.5), np.full((2, 3), -0.5)
    run = run_variant("peephole", x, w, h0=h0, c0=c0)
    f, i, c_tilde, o, c, h = peephole_step(x[:, 0], h0, c0, w)
    _, _, _, _, c1, h1 = peephole_step(x[:, 1], h, c, w)
    assert np.array_equal(run["forget"][:, 0], f) and np.array_equal(run["hidden"][:, 1], h1)
    lt = LayerTrace("peephole", "peephole", inputs=x, arrays=run)
    fig = plot_gate_heatmaps(lt)
    assert len(fig.axes) >= 6


def test_parameter_counts_come_from_the_arrays():
    for features, units, bias in ((1, 50, True), (2, 32, True), (3, 4, False)):
        lstm = LSTMWeights.random(features, units)
        if not bias:
            lstm = LSTMWeights(lstm.kernel, lstm.recurrent_kernel, None)
        per_gate = units * (features + units + bias)  # one block of W, U and b
        count = parameter_count(lstm)
        assert count == {"forget": per_gate, "input": per_gate, "candidate": per_gate,
                         "output": per_gate, "peepholes": 0, "total": 4 * per_gate}
        coupled = parameter_count(CoupledWeights.from_lstm(lstm))
        assert coupled["forget"] == 0 and coupled["total"] == 3 * per_gate  # f's block goes
        peephole = parameter_count(PeepholeWeights.from_lstm(lstm))
        assert peephole["peepholes"] == 3 * units and peephole["total"] == 4 * per_gate + 3 * units
    assert parameter_count(LSTMWeights.random(2, 32))["total"] == 4513 - 33  # adding's LSTM(32)


def test_bad_input_gives_one_clear_data_error():
    w = CoupledWeights.random(2, 3)
    x = np.zeros((1, 4, 2))
    cases = [
        (lambda: run_variant("coupled", np.zeros((1, 4, 3)), w), r"x must have shape"),
        (lambda: run_variant("coupled", np.zeros((4, 2)), w), r"x must have shape"),
        (lambda: run_variant("coupled", np.zeros((1, 0, 2)), w), r"timesteps >= 1"),
        (lambda: run_variant("coupled", np.full((1, 4, 2), "a"), w), r"x must hold numbers"),
        (lambda: run_variant("peephole", x, w), r"needs PeepholeWeights; got CoupledWeights"),
        (lambda: run_variant("gru", x, w), r"unknown variant 'gru'"),
        (lambda: run_variant("coupled", x, w, h0=np.zeros((2, 3))), r"h0 must have shape"),
        (lambda: parameter_count("weights"), r"parameter_count needs"),
        (lambda: gender_cell("coupled", p_f=1.0), r"use kind='peephole'"),
    ]
    for call, message in cases:
        with pytest.raises(DataError, match=message) as err:
            call()
        assert "\n" not in str(err.value)


# -- tutorial 01's gender cell --------------------------------------------------------
def tutorial_cell():
    """The weights and the inputs as tutorial 01 builds them, run from its own code cells."""
    text = (ROOT / "tutorials" / "01_lstm_cell.md").read_text(encoding="utf-8")
    cells = re.findall(r"```\{code-cell\} ipython3\n(.*?)```", text, flags=re.S)
    wanted = [c for c in cells if "tokens = [" in c or "kernel = np.array" in c]
    assert len(wanted) == 2
    space = {"np": np, "HTML": str, "display": lambda *a: None,
             "lx": __import__("lstm_explained")}
    for code in wanted:
        exec(code, space)  # noqa: S102 (the repository's own tutorial)
    return space


def test_the_gender_cell_is_tutorial_01s():
    space = tutorial_cell()
    tokens, x = gender_sentence()
    assert tokens == space["tokens"] and np.array_equal(x, space["X"])
    w = gender_cell("lstm")
    for name in ("kernel", "recurrent_kernel", "bias"):
        assert np.array_equal(getattr(w, name), getattr(space["weights"], name)), name


def test_the_gender_cell_was_coupled_already():
    """Its forget block is minus its input block: coupling drops weights and changes nothing."""
    _, x = gender_sentence()
    lstm = run_variant("lstm", x[None], gender_cell("lstm"))
    coupled = run_variant("coupled", x[None], gender_cell("coupled"))
    assert parameter_count(gender_cell("coupled"))["total"] == 3 * (3 + 1 + 1)
    for name, values in lstm.items():
        np.testing.assert_allclose(coupled[name], values, rtol=0, atol=1e-15, err_msg=name)


def test_a_peephole_lets_the_forget_gate_see_the_belt():
    tokens, x = gender_sentence()
    met, called = tokens.index("met"), tokens.index("called")  # no feature at either word
    assert not x[met].any() and not x[called].any()
    plain = run_variant("peephole", x[None], gender_cell("peephole"))
    np.testing.assert_array_equal(plain["hidden"], run_variant("lstm", x[None],
                                                              gender_cell("lstm"))["hidden"])
    assert plain["forget"][0, met, 0] == plain["forget"][0, called, 0]  # blind to the belt
    peep = run_variant("peephole", x[None], gender_cell("peephole", p_f=-2.0))
    belt = peep["cell"][0, :, 0]
    assert belt[met - 1] > 0 > belt[called - 1]  # Alice's gender, then Bob's
    f = peep["forget"][0, :, 0]
    assert f[met] < plain["forget"][0, met, 0] < f[called]  # it sees C_{t-1}'s sign
    k = 4.0
    np.testing.assert_allclose(f[[met, called]], sig(k - 2.0 * belt[[met - 1, called - 1]]),
                               atol=1e-15)


def test_the_module_reexports_the_weights():
    assert variants.PeepholeWeights is PeepholeWeights
    assert variants.CoupledWeights is CoupledWeights
