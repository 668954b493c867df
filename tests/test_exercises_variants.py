"""Tests of the exercises of tutorial 07, the variants (lstm_explained.exercises.variants):
coupling the gender cell's gates, a forget-gate peephole, Keras' GRU update gate."""

from __future__ import annotations

import numpy as np
import pytest

import lstm_explained as lx
import lstm_explained.exercises as ex
from lstm_explained.engine import LSTMWeights
from lstm_explained.errors import DataError
from lstm_explained.exercises.variants import coupled_difference, peephole_forget, update_at_marks
from lstm_explained.layer_trace import LayerTrace
from lstm_explained.variant_weights import CoupledWeights
from lstm_explained.variants import gender_cell, gender_sentence

TOKENS, X = gender_sentence()


def test_the_three_are_registered_as_predictions():
    ids = [i for i in ex.exercises(kind="concept") if i.startswith("07.")]
    assert ids == ["07.coupled_same", "07.peephole_forget", "07.gru_update"]


# -- 07.coupled_same ---------------------------------------------------------------------------
def test_coupling_the_gender_cell_changes_nothing():
    lstm, coupled = gender_cell("lstm"), gender_cell("coupled")
    assert coupled_difference(X, lstm, coupled) < 1e-12
    context = {"x": X, "lstm": lstm, "coupled": coupled}
    assert ex.solution("07.coupled_same", **context) == "same"
    r = ex.check("07.coupled_same", " Same", **context)
    assert r.correct and "σ(−a) = 1 − σ(a)" in r.message
    r = ex.check("07.coupled_same", "different", **context)
    assert not r.correct and "what is σ(−a)?" in r.message


def test_an_lstm_with_its_own_forget_gate_is_changed_by_coupling():
    lstm = LSTMWeights.random(features=3, units=2, seed=1)
    context = {"x": X, "lstm": lstm, "coupled": CoupledWeights.from_lstm(lstm)}
    assert coupled_difference(X[None], **{k: context[k] for k in ("lstm", "coupled")}) > 1e-3
    assert ex.solution("07.coupled_same", **context) == "different"
    assert ex.check("07.coupled_same", "different", **context).correct
    r = ex.check("07.coupled_same", "same", **context)
    assert not r.correct and "not 1 − i" in r.message
    assert "answer 'same' or 'different'" in ex.check("07.coupled_same", 1, **context).message


# -- 07.peephole_forget ------------------------------------------------------------------------
@pytest.mark.parametrize(("p_f", "right"), [(-2.0, "met"), (+2.0, "called")])
def test_the_peephole_forgets_by_the_belts_sign(p_f, right):
    weights = gender_cell("peephole", p_f=p_f)
    context = {"tokens": TOKENS, "x": X, "weights": weights, "words": ["met", "called"]}
    f = peephole_forget(TOKENS, X, weights)
    assert f[right] < f[({"met", "called"} - {right}).pop()]
    assert ex.solution("07.peephole_forget", **context) == right
    r = ex.check("07.peephole_forget", right, **context)
    assert r.correct and f"p_f = {p_f:+g}" in r.message
    wrong = ex.check("07.peephole_forget", ({"met", "called"} - {right}).pop(), **context)
    assert not wrong.correct and "Which sign has C_{t-1}" in wrong.message
    assert "answer with one of the words" in ex.check("07.peephole_forget", "Alice",
                                                      **context).message


def test_without_a_peephole_the_two_words_forget_alike():
    f = peephole_forget(TOKENS, X, gender_cell("peephole"))
    assert f["met"] == pytest.approx(f["called"], abs=1e-12)


def test_peephole_refuses_a_sentence_that_does_not_fit():
    with pytest.raises(DataError, match="one row of features per word"):
        peephole_forget(TOKENS[:3], X, gender_cell("peephole", p_f=-2.0))
    with pytest.raises(DataError, match="'Zoe' is not a word"):
        ex.solution("07.peephole_forget", tokens=TOKENS, x=X,
                    weights=gender_cell("peephole", p_f=-2.0), words=["met", "Zoe"])


# -- 07.gru_update -----------------------------------------------------------------------------
def _gru_trace(z: np.ndarray, x: np.ndarray) -> LayerTrace:
    return LayerTrace(name="gru", layer_name="gru", inputs=x, kind="gru",
                      arrays={"update": z, "reset": z, "candidate": z, "hidden": z})


@pytest.mark.parametrize(("writes_at_marks", "right"), [(True, "low"), (False, "high")])
def test_the_update_gate_is_read_where_the_marks_are(writes_at_marks, right):
    x, _ = lx.data.adding_problem(20, length=12, seed=3)
    marked = x[..., 1:]
    z = np.concatenate([1 - marked if writes_at_marks else 0.2 + 0.7 * marked,
                        np.full_like(marked, 0.5)], axis=-1)
    lt = _gru_trace(z, x)
    context = {"trace": lt, "x": x, "unit": 0}
    assert ex.solution("07.gru_update", **context) == right
    r = ex.check("07.gru_update", right.upper(), **context)
    assert r.correct and "z keeps" in r.message
    wrong = ex.check("07.gru_update", "high" if right == "low" else "low", **context)
    assert not wrong.correct and "Olah's post" in wrong.message
    assert "answer 'low' or 'high'" in ex.check("07.gru_update", 0, **context).message


def test_the_update_gate_exercise_refuses_an_lstm_trace(toy_trace):
    x, _ = lx.data.adding_problem(2, length=4, seed=0)
    with pytest.raises(DataError, match="pass a GRU layer's trace"):
        update_at_marks(toy_trace["lstm"], x, 0)


def test_the_shipped_adding_gru_writes_where_z_is_low(adding_test_set):
    """The tutorial's exercise on the shipped model: the unit that holds the sum best lets
    z drop at the marks (1 - z writes there) and keeps it near 1 elsewhere."""
    x = adding_test_set[0][:200]
    trace = lx.trace_gates(lx.model.load_pretrained("adding-gru"), x)
    unit = int(lx.analysis.find_memory_units(trace, x).units[0])
    at_marks, elsewhere = update_at_marks(trace, x, unit)
    assert at_marks < elsewhere - 0.2 and elsewhere > 0.9
    assert ex.solution("07.gru_update", trace=trace, x=x, unit=unit) == "low"
