"""Tests of lstm_explained.forecast_trace: tracing the windows a forecast really saw."""

from __future__ import annotations

import numpy as np
import pytest

import lstm_explained as lx
from lstm_explained.errors import DataError
from lstm_explained.forecast_trace import trace_forecast
from lstm_explained.trace import load_trace


def _dense(model, trace):
    """The model's own output layer applied to the traced last hidden state."""
    kernel, bias = model.layers[-1].get_weights()
    return (trace[trace.layer_names[-1]].hidden[:, -1] @ kernel + bias)[:, 0]


@pytest.fixture(scope="module")
def sine_windows():
    return lx.data.make_windows(lx.data.sine_wave(), 50)


def test_multi_traces_the_fed_back_windows(sine_model, sine_windows, sine_forecast_trace):
    tr = sine_forecast_trace
    x = sine_windows.x_test
    runs = lx.forecast.multi_sequence(sine_model, x, 50)
    steps = np.arange(0, 50, 10)
    ex = tr.extras
    np.testing.assert_array_equal(ex["forecast_step"], steps)
    np.testing.assert_array_equal(ex["prediction"], runs[0, steps])
    for k, j in enumerate(steps):
        want = np.concatenate([x[0, j:, 0], runs[0, :j]])
        np.testing.assert_allclose(ex["window"][k], want)
        assert ex["fed_back"][k].sum() == j
        first = tr[tr.layer_names[0]]
        np.testing.assert_allclose(first.inputs[k, :, 0], want, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ex["target"], sine_windows.y_test[steps])
    np.testing.assert_allclose(ex["persistence"], x[0, -1, 0])
    # the traced gates really produce the fed-back predictions
    np.testing.assert_allclose(_dense(sine_model, tr), ex["prediction"], atol=1e-5)
    fi = tr.info["forecast"]
    assert fi["mode"] == "multi" and fi["run"] == 0 and fi["n_steps"] == 50
    assert fi["dataset"] == "sine" and not fi["price_units"]
    assert tr.verified
    assert "p0" not in ex and "target_date" not in ex


def test_point_and_full(sine_model, sine_windows):
    x, y = sine_windows.x_test, sine_windows.y_test
    tr = trace_forecast(sine_model, mode="point", windows=sine_windows, steps=[3, 100])
    np.testing.assert_allclose(
        tr.extras["prediction"], lx.forecast.point_by_point(sine_model, x)[[3, 100]]
    )
    np.testing.assert_allclose(tr.extras["target"], y[[3, 100]])
    np.testing.assert_allclose(tr.extras["persistence"], x[[3, 100], -1, 0])
    assert not tr.extras["fed_back"].any()
    assert tr.info["forecast"]["mode"] == "point"

    tr = trace_forecast(sine_model, x[:80], mode="full", y_true=y[:80], steps=slice(40, 80, 20))
    full = lx.forecast.full_sequence(sine_model, x[:80])
    np.testing.assert_allclose(tr.extras["prediction"], full[[40, 60]])
    assert tr.extras["fed_back"].sum(axis=1).tolist() == [40, 50]
    np.testing.assert_allclose(tr.extras["window"][1], full[10:60])
    np.testing.assert_allclose(_dense(sine_model, tr), tr.extras["prediction"], atol=1e-5)
    assert tr.info["forecast"]["n_steps"] == 80


def test_sp500_prices_dates_and_save_load(sp500_model, sp500_windows, tmp_path):
    w = sp500_windows
    tr = trace_forecast(sp500_model, mode="multi", windows=w, run=1, steps=[0, 7, 49])
    ex, start = tr.extras, 50
    j = np.array([0, 7, 49])
    runs = lx.forecast.multi_sequence(sp500_model, w.x_test, 50)
    np.testing.assert_allclose(ex["prediction_price"], w.denormalise(runs[1, j], window=start))
    truth = w.series.values[w.target_positions()[start + j]]
    np.testing.assert_allclose(ex["target_price"], truth)
    np.testing.assert_allclose(ex["persistence_price"], w.series.values[w.test_index[start] + 49])
    np.testing.assert_allclose(ex["p0"], w.p0_test[start])
    # the target in the start window's units: the same price through the same p0
    np.testing.assert_allclose(w.denormalise(ex["target"], window=start), truth)
    np.testing.assert_array_equal(ex["target_date"], w.target_dates()[start + j])
    assert ex["target_date"].dtype == np.dtype("datetime64[D]")
    fi = tr.info["forecast"]
    assert fi["price_units"] and fi["normalised"] and fi["dataset"] == "S&P 500 Close"
    back = load_trace(tr.save(tmp_path / "sp.npz"))
    assert back.equals(tr)
    assert back.info["forecast"] == fi


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"mode": "sideways"}, "unknown forecast mode"),
        ({"mode": "multi", "run": 99}, "run 99 is out of range"),
        ({"mode": "multi", "steps": [50]}, "steps must lie in 0 .. 49"),
        ({"mode": "point", "y_true": np.zeros(3)}, "y_true must hold one value per window"),
        ({"mode": "point", "p0": np.ones(2)}, "p0 must hold one value per window"),
        ({"mode": "point", "dates": np.zeros(3)}, "one date per target"),
    ],
)
def test_bad_arguments(sine_model, sine_windows, kwargs, match):
    with pytest.raises(DataError, match=match):
        trace_forecast(sine_model, sine_windows.x_test[:120], **kwargs)


def test_needs_windows(sine_model):
    with pytest.raises(DataError, match="give the test windows"):
        trace_forecast(sine_model)


# ---------------------------------------------------------------- issue 9: bad input, clear errors


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"mode": "multi", "steps": slice(5, 5)}, r"steps=slice\(5, 5, None\) selects no forecast "
                                                  r"step: this forecast has 50 steps"),
        ({"mode": "point", "steps": slice(200, None)}, "selects no forecast step"),
        ({"mode": "full", "steps": slice(0, 9, 0)}, "is not a usable slice"),
        ({"mode": "multi", "steps": [True, False]}, "steps must be a slice or a non-empty"),
        ({"mode": "multi", "run": -1}, "run -1 is out of range"),
        ({"mode": "multi", "run": 1.0}, "run must be a whole number"),
        ({"mode": "multi", "prediction_len": 0}, "prediction_len must be a whole number >= 1"),
        ({"mode": "multi", "prediction_len": 500}, "prediction_len=500 needs at least"),
        ({"mode": ["multi"]}, "unknown forecast mode"),
        ({"mode": "point", "p0": np.r_[np.ones(3), 0.0, np.ones(116)]},
         r"p0\[3\] \(window 3\) is 0.0; p0 must hold positive finite numbers"),
        ({"mode": "point", "y_true": np.r_[0.0, np.inf, np.zeros(118)]},
         r"y_true\[1\] \(window 1\) is inf"),
        ({"mode": "point", "y_true": ["a"] * 120}, "y_true must hold one value per window"),
        ({"mode": "point", "windows": "w"}, "windows must come from"),
        ({"mode": "point", "dataset": 5}, "dataset must be a label"),
    ],
)
def test_bad_requests_are_refused_before_forecasting(sine_model, sine_windows, kwargs, match):
    with pytest.raises(DataError, match=match):
        trace_forecast(sine_model, sine_windows.x_test[:120], **kwargs)


def test_unknown_targets_may_be_nan(sine_model, sine_windows):
    y = sine_windows.y_test[:120].copy()
    y[3] = np.nan
    tr = trace_forecast(sine_model, sine_windows.x_test[:120], "point", y_true=y, steps=[2, 3])
    assert np.isnan(tr.extras["target"][1]) and tr.extras["target"][0] == y[2]


@pytest.mark.parametrize("mode", ["point", "multi", "full"])
def test_non_finite_windows_are_named(sine_model, sine_windows, mode):
    x = sine_windows.x_test[:120].copy()
    x[2, 10, 0] = np.nan
    with pytest.raises(DataError, match=r"window 2 of x holds NaN at timestep 10"):
        trace_forecast(sine_model, x, mode)
    with pytest.raises(DataError, match="x holds no timesteps"):
        trace_forecast(sine_model, np.zeros((5, 0, 1)), mode)


# ---------------------------------------------------------------- the linear AR beside persistence


def _ar(windows):
    return lx.forecast.linear_ar(windows.x_train, windows.y_train, order=windows.x_test.shape[1])


def test_the_ar_is_the_forecast_modules_own_for_the_same_run(sine_model, sine_windows,
                                                             sine_forecast_trace):
    """extras["ar"] is lx.forecast.* on the same LinearAR, fed back as the model's run is:
    equal to the last bit, in every mode."""
    w, x = sine_windows, sine_windows.x_test
    ar = _ar(w)
    tr = sine_forecast_trace  # multi, run 0, steps 0, 10, .., 40
    np.testing.assert_array_equal(tr.extras["ar"],
                                  lx.forecast.multi_sequence(ar, x, 50)[0, ::10])
    assert tr.info["forecast"]["ar_order"] == 50
    tr = trace_forecast(sine_model, mode="multi", windows=w, run=3, steps=[0, 49])
    np.testing.assert_array_equal(tr.extras["ar"],
                                  lx.forecast.multi_sequence(ar, x, 50)[3, [0, 49]])
    tr = trace_forecast(sine_model, mode="point", windows=w, steps=[3, 100])
    np.testing.assert_array_equal(tr.extras["ar"], lx.forecast.point_by_point(ar, x)[[3, 100]])
    tr = trace_forecast(sine_model, mode="full", windows=w, steps=[0, 200, 494])
    np.testing.assert_array_equal(tr.extras["ar"],
                                  lx.forecast.full_sequence(ar, x)[[0, 200, 494]])
    # a sine is an AR: the baseline continues it, fed back, far better than persistence
    err = np.abs(tr.extras["ar"] - tr.extras["target"])
    assert err.max() < 1e-3 < np.abs(tr.extras["persistence"] - tr.extras["target"]).max()


def test_no_training_windows_no_ar(sine_model, sine_windows):
    x, y = sine_windows.x_test[:80], sine_windows.y_test[:80]
    tr = trace_forecast(sine_model, x, mode="full", y_true=y, steps=[0, 10])
    assert "ar" not in tr.extras and tr.info["forecast"]["ar_order"] is None


def test_sp500_ar_in_prices_and_saved_with_the_trace(sp500_model, sp500_windows, tmp_path):
    w = sp500_windows
    tr = trace_forecast(sp500_model, mode="multi", windows=w, run=1, steps=[0, 7, 49])
    run = lx.forecast.multi_sequence(_ar(w), w.x_test, 50)[1, [0, 7, 49]]
    np.testing.assert_array_equal(tr.extras["ar"], run)
    np.testing.assert_array_equal(tr.extras["ar_price"], w.denormalise(run, window=50))
    back = load_trace(tr.save(tmp_path / "with_ar.npz"))
    assert back.equals(tr)
    np.testing.assert_array_equal(back.extras["ar_price"], tr.extras["ar_price"])
    # a trace without it (as every file written before the AR existed) loads as it was
    old = tr.__class__(dict(tr.items()), info=tr.info,
                       extras={k: v for k, v in tr.extras.items() if not k.startswith("ar")})
    back = load_trace(old.save(tmp_path / "without_ar.npz"))
    assert back.equals(old) and "ar" not in back.extras and "ar_price" not in back.extras
