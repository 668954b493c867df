"""Tests of lstm_explained.inspector_data: the inspector's compact payload."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lstm_explained.engine import LSTMWeights, run_lstm
from lstm_explained.errors import DataError
from lstm_explained.inspector_data import decode, fixed_point, inspector_payload
from lstm_explained.trace import LayerTrace, Trace
from lstm_explained.viewmodel import SampleData, sample_label

#: Any double the inspector may be asked to print: ties, tiny negatives, huge, non-finite.
DOUBLES = st.one_of(
    st.floats(min_value=-2e6, max_value=2e6),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 0.0]),
    st.integers(-5000, 5000).map(lambda k: k / 2000),  # exact .0005 ties in decimal
    st.floats(min_value=-0.0006, max_value=0.0006),
)


def _shown(v: float) -> str:
    return f"{v:+.3f}"


@given(st.lists(DOUBLES, min_size=1, max_size=40))
def test_fixed_point_prints_what_python_prints(values):
    """The law: the integer, printed as the page prints it, is Python's f"{v:+.3f}"."""
    k, _ = fixed_point(values)
    meta = {"scale": 1000, "kind": {"belt": "x"}, "layers": []}
    decoded = _decode_one(meta, k)
    assert [_shown(v) for v in decoded] == [_shown(v) for v in values]


def _decode_one(meta, k):
    """The decoding of :func:`decode` for one coded array (no layer around it)."""
    info = np.iinfo(k.dtype)
    v = k.astype(np.float64) / 1000
    v[k == info.min] = -0.0
    v[k == info.min + 1] = -np.inf
    v[k == info.max - 1] = np.inf
    v[k == info.max] = np.nan
    return v.tolist()


def test_fixed_point_widens_to_int32_and_refuses_what_cannot_be_shown():
    assert fixed_point([1.0, -2.0])[1] == "int16"
    assert fixed_point([40.0])[1] == "int32"
    with pytest.raises(DataError, match="too large to show"):
        fixed_point([3e6])


def _trace(n=2, t=7, units=3, features=1, seed=0, **info):
    x = np.sin(np.linspace(0, 5, n * t * features)).reshape(n, t, features)
    run = run_lstm(x, LSTMWeights.random(features=features, units=units, seed=seed))
    return Trace([LayerTrace(name="lstm", layer_name="lstm", inputs=x, arrays=run)], info=info)


@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 1000, 2), (3, 4, 512), (2, 5, 1)])
def test_every_value_of_odd_shapes_round_trips(shape):
    n, t, units = shape
    tr = _trace(n, t, units)
    meta, blob = inspector_payload(tr)
    arrays = decode(meta, blob)
    for s in range(n):
        data = SampleData(tr["lstm"], s)
        for key, want in data.arrays.items():
            got = arrays[("lstm", key)][s]
            assert got.shape == want.shape
            assert [_shown(v) for v in got.ravel()] == [_shown(v) for v in want.ravel()], key


def test_nan_and_huge_states_round_trip():
    tr = _trace(2, 6, 3)
    lt = tr["lstm"]
    arrays = {q: np.array(a, dtype=np.float64) for q, a in lt.arrays.items()}
    arrays["forget"][0, 2, 1] = np.nan
    arrays["cell"][1, 3, 0] = 123.4567  # int32 for the whole layer
    bad = Trace([LayerTrace(name="lstm", layer_name="lstm", inputs=lt.inputs, arrays=arrays)])
    meta, blob = inspector_payload(bad)
    assert meta["layers"][0]["dtype"] == "int32"
    got = decode(meta, blob)
    assert np.isnan(got[("lstm", "forget")][0, 2, 1])
    assert _shown(got[("lstm", "cell")][1, 3, 0]) == "+123.457"
    assert np.isnan(got[("lstm", "kept")][0, 2, 1])  # f * C_{t-1} with f unknown


def test_labels_of_steps_and_features():
    tr = _trace(1, 4, 2, features=2, title="<b>mine</b>", step_labels=list("abcd"),
                feature_names=["x", "y"])
    meta, _ = inspector_payload(tr)
    assert meta["title"] == "<b>mine</b>"  # text: the page sets it with textContent
    assert meta["time"] == {"kind": "words", "labels": ["a", "b", "c", "d"]}
    assert meta["features"] == ["x", "y"]
    assert meta["kind"]["quantities"][0]["cmap"][0].startswith("#")
    assert _trace(1, 4, 2).info == {} and inspector_payload(_trace(1, 4, 2))[0]["time"] == {
        "kind": "steps"}


def test_the_payload_is_small_for_slowly_moving_gates():
    tr = _trace(20, 50, 50)
    meta, blob = inspector_payload(tr)
    raw = sum(np.prod(e["shape"]) * 2 for e in meta["layers"][0]["arrays"].values())
    assert len(blob) < raw / 2


def _forecast_trace(ar=True, prices=False):
    """A numpy-only forecast trace of 2 steps, with or without the linear AR."""
    tr = _trace(2, 5, 3)
    x = tr["lstm"].inputs[:, :, 0]
    extras = {"forecast_step": np.arange(2), "window": x, "fed_back": np.zeros((2, 5), bool),
              "prediction": np.array([0.1, 0.2]), "target": np.array([0.15, np.nan]),
              "persistence": x[:, -1]}
    if ar:
        extras["ar"] = np.array([0.123456789, -0.5])
    if prices:
        for key in [k for k in extras if k not in ("forecast_step", "fed_back")]:
            extras[f"{key}_price"] = 100 * (1 + extras[key])
    info = {"forecast": {"mode": "point", "n_steps": 2, "price_units": prices}}
    return Trace(dict(tr.items()), info=info, extras=extras)


def test_the_forecast_carries_the_ar_when_the_trace_holds_it():
    from lstm_explained.plots.views import AR_COLOR

    fc = inspector_payload(_forecast_trace())[0]["forecast"]
    assert fc["ar"] == [0.123457, -0.5] and fc["arColor"] == AR_COLOR
    assert fc["persistence"] is not None
    fc = inspector_payload(_forecast_trace(prices=True))[0]["forecast"]
    assert fc["units"] == "price" and fc["ar"] == [112.346, 50.0]
    assert inspector_payload(_forecast_trace(ar=False))[0]["forecast"]["ar"] is None
    # the view model's one-line label of a sample names it too
    assert "AR 0.1235" in sample_label(_forecast_trace(), 0)
    assert "AR" not in sample_label(_forecast_trace(ar=False), 0)
