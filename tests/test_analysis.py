"""Tests of lstm_explained.analysis: Karpathy-style gate saturation and the belt ledger."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained.analysis import SATURATION_GATES, ledger, saturation
from lstm_explained.engine import LSTMWeights, run_lstm
from lstm_explained.errors import DataError
from lstm_explained.trace import LayerTrace


def _layer(mask=None, initial=False, scale=2.0, n=5, t=9, units=4) -> LayerTrace:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, t, 2))
    w = LSTMWeights.random(features=2, units=units, seed=1, scale=scale)
    h0 = rng.normal(size=(n, units)) if initial else None
    c0 = rng.normal(size=(n, units)) if initial else None
    run = run_lstm(x, w, h0=h0, c0=c0, mask=mask)
    return LayerTrace(name="l", layer_name="l", inputs=x, mask=mask, initial_hidden=h0,
                      initial_cell=c0, arrays=run)


def test_saturation_matches_a_direct_count():
    lt = _layer()
    sat = saturation(lt)
    assert sat.gates == SATURATION_GATES
    assert sat.left.shape == sat.right.shape == (3, 4)
    assert sat.n_steps == 5 * 9
    for g, gate in enumerate(SATURATION_GATES):
        values = getattr(lt, gate)
        for u in range(4):
            v = values[..., u].ravel()
            assert sat.left[g, u] == sum(x < 0.1 for x in v) / v.size
            assert sat.right[g, u] == sum(x > 0.9 for x in v) / v.size
    left, right = sat["forget"]
    np.testing.assert_array_equal(left, sat.left[0])
    np.testing.assert_allclose(sat.unsaturated + sat.left + sat.right, 1.0)
    # large weights saturate some gates: the test is not vacuous
    assert sat.left.sum() > 0 and sat.right.sum() > 0


def test_saturation_skips_masked_steps():
    mask = np.ones((5, 9), dtype=bool)
    mask[:, :4] = False
    lt = _layer(mask=mask)
    sat = saturation(lt, gates=("forget",))
    f = lt.forget[:, 4:]
    np.testing.assert_allclose(sat.left[0], (f < 0.1).mean(axis=(0, 1)))
    np.testing.assert_allclose(sat.right[0], (f > 0.9).mean(axis=(0, 1)))
    assert sat.n_steps == 5 * 5
    assert np.isnan(saturation(_layer(mask=np.zeros((5, 9), bool))).left).all()


def test_saturation_thresholds_and_methods():
    lt = _layer()
    loose = lt.saturation(low=0.4, high=0.6)
    tight = lt.saturation()
    assert (loose.left >= tight.left).all() and (loose.right >= tight.right).all()
    with pytest.raises(DataError, match="low < high"):
        saturation(lt, low=0.9, high=0.1)
    with pytest.raises(KeyError):
        tight["candidate"]


def test_ledger_balances():
    lt = _layer()
    led = lt.ledger()
    np.testing.assert_allclose(led.kept + led.written, lt.cell, atol=1e-12)
    np.testing.assert_allclose(led.kept + led.forgotten, led.previous, atol=1e-12)
    np.testing.assert_array_equal(led.previous[:, 0], 0.0)
    np.testing.assert_array_equal(led.kept[:, 0], 0.0)
    np.testing.assert_array_equal(led.previous[:, 1:], lt.cell[:, :-1])
    np.testing.assert_allclose(led.net_change, lt.cell - led.previous, atol=1e-12)


def test_ledger_with_initial_state_and_mask():
    rng = np.random.default_rng(3)
    mask = rng.random((5, 9)) > 0.4
    lt = _layer(mask=mask, initial=True)
    led = ledger(lt)
    np.testing.assert_array_equal(led.previous[:, 0], lt.initial_cell)
    np.testing.assert_allclose(led.kept + led.written, lt.cell, atol=1e-12)
    np.testing.assert_allclose(led.kept + led.forgotten, led.previous, atol=1e-12)
    assert (led.written[~mask] == 0).all() and (led.forgotten[~mask] == 0).all()
    assert (led.written[mask] != 0).any()
