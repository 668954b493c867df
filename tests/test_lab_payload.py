"""Tests of lstm_explained.lab_payload: the gate lab's exact numbers for the browser, and
its clamps read back (lab.js itself is held to numpy in tests/test_lab_js.py)."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from lstm_explained.errors import DataError
from lstm_explained.lab import make_clamps, scale
from lstm_explained.lab_payload import (
    MAX_LAB_PARAMETERS,
    clamps_from_json,
    lab_payload,
    n_parameters,
    toy_lab,
    trace_lab,
)
from lstm_explained.trace import Trace


def _back(entry: dict) -> np.ndarray:
    raw = base64.b64decode(entry["b64"])
    return np.frombuffer(raw, np.dtype(entry["dtype"]).newbyteorder("<")).reshape(entry["shape"])


def test_weights_and_inputs_travel_exactly():
    stack, trace = toy_lab()
    x = np.asarray(trace["lstm_a"].inputs, np.float32)
    lab = lab_payload(stack, x)
    w = stack.layers[1].weights
    assert lab["layers"][1]["kernel"]["dtype"] == "float32"
    assert np.array_equal(_back(lab["layers"][1]["recurrentKernel"]), w.recurrent_kernel)
    assert np.array_equal(_back(lab["head"]["kernel"]), stack.head.kernel)
    assert np.array_equal(_back(lab["inputs"]), x)
    # a value float32 cannot hold travels as float64
    lab = lab_payload(stack, x.astype(np.float64) + 1e-12)
    assert lab["inputs"]["dtype"] == "float64"
    assert np.array_equal(_back(lab["inputs"]), x.astype(np.float64) + 1e-12)
    assert lab["blocks"] == ["input", "forget", "candidate", "output"]
    assert lab["squashed"] == ["candidate"] and lab["belt"] == "cell"


def test_a_model_over_the_limit_is_left_out_with_its_reason():
    stack, trace = toy_lab()
    count = n_parameters(stack)
    assert count == 2 * 24 + 6 * 24 + 24 + 6 * 20 + 5 * 20 + 20 + 5 + 1
    assert count < MAX_LAB_PARAMETERS
    lab = lab_payload(stack, np.zeros((1, 4, 2)), max_parameters=count - 1)
    assert set(lab) == {"omitted", "parameters"} and f"{count:,} parameters" in lab["omitted"]


def test_trace_lab_checks_the_trace_is_of_the_model():
    stack, trace = toy_lab()
    lab = trace_lab(stack, trace, [2, 0])
    assert lab["inputs"]["shape"] == [2, 16, 2]
    assert np.array_equal(_back(lab["inputs"])[0], trace["lstm_a"].inputs[2])
    assert lab["output"] == {"units": "model output", "scale": [1.0, 1.0], "shift": [0.0, 0.0]}
    other, _ = toy_lab(seed=4)
    with pytest.raises(DataError, match="not this trace's"):
        trace_lab(other, trace, [0])
    with pytest.raises(DataError, match="lab= takes"):
        trace_lab("model", trace, [0])
    with pytest.raises(DataError, match="does not hold"):
        trace_lab(stack, Trace([trace["lstm_b"]]), [0])
    from lstm_explained.lab import counterfactual_trace

    clamps = make_clamps({"forget": 1.0}, stack)
    clamped = counterfactual_trace(stack, stack.run(trace["lstm_a"].inputs, clamps)[1], clamps)
    with pytest.raises(DataError, match="already a counterfactual"):
        trace_lab(stack, clamped, [0])
    with pytest.raises(DataError, match="samples, steps, 2"):
        lab_payload(stack, np.zeros((3, 2)))


def test_clamps_from_json_reads_the_pages_form():
    stack, _ = toy_lab()
    got = clamps_from_json(stack, [
        {"gate": "forget", "mode": "set", "value": 1, "layer": 0, "units": [2], "steps": None},
        {"gate": "input", "mode": "scale", "value": 0.5, "layer": 1, "units": None,
         "steps": {"from": 3, "to": 5}},
    ], 16)
    want = (make_clamps({"forget": 1.0}, stack, 0, [2], None, timesteps=16)
            + make_clamps({"input": scale(0.5)}, stack, 1, None, slice(3, 6), timesteps=16))
    assert [c.describe() for c in got] == [c.describe() for c in want]
    assert clamps_from_json(stack, [], 16) == ()
    bad = {"gate": "forget", "mode": "set", "value": 1, "layer": 0}
    for clamps, match in [
        ({"gate": "forget"}, "list of dicts"),
        ([{"gate": "forget"}], "gate, mode, value and layer"),
        ([dict(bad, mode="function")], "'set' or 'scale'"),
        ([dict(bad, gate="cell")], "cannot clamp"),
        ([dict(bad, layer=2)], "out of range"),
        ([dict(bad, layer="0")], "an index"),
        ([dict(bad, units=[6])], "out of range"),
        ([dict(bad, steps={"from": 3})], "range of steps"),
        ([dict(bad, value="x")], "must be a number"),
    ]:
        with pytest.raises(DataError, match=match):
            clamps_from_json(stack, clamps, 16)


@pytest.mark.slow
def test_a_price_forecast_shows_the_output_in_prices(sp500_model, sp500_windows):
    from lstm_explained.forecast_trace import trace_forecast
    from lstm_explained.lab import Stack

    trace = trace_forecast(sp500_model, mode="multi", windows=sp500_windows, run=0,
                           steps=slice(0, 50, 7))
    stack = Stack.from_model(sp500_model)
    samples = [0, 3, 5]
    lab = trace_lab(stack, trace, samples)
    assert lab["output"]["units"] == "price"
    y = stack.run(_back(lab["inputs"]))[0][:, 0]
    shown = np.asarray(lab["output"]["scale"]) * y + np.asarray(lab["output"]["shift"])
    want = trace.extras["prediction_price"][samples]
    assert np.max(np.abs(shown - want) / np.maximum(1.0, np.abs(want))) < 1e-5


def test_the_lab_reruns_a_fed_back_forecast_whole_only_from_its_first_step():
    from lstm_explained.lab_payload import fed_back_forecast

    def forecast(mode: str, steps: list[int]) -> Trace:
        return Trace([], info={"forecast": {"mode": mode}},
                     extras={"forecast_step": np.asarray(steps)})

    assert fed_back_forecast(forecast("multi", list(range(5))), [0, 1, 2, 3, 4]) == {
        "fedBack": True, "mode": "multi", "steps": 5}
    assert fed_back_forecast(forecast("full", [0, 1, 2]), [0, 1])["fedBack"]  # its first two
    for mode, steps, samples, why in [
        ("multi", [0, 1, 2, 3], [0, 1, 3], "(0, 1, 3) are not every step"),
        ("multi", [0, 1, 2, 3], [1, 2, 3], "(1, 2, 3) are not every step"),
        ("full", [0, 10, 20, 30, 40, 50], list(range(6)), "(0, 10, 20, 30, 40, ...)"),
        ("point", [0, 1, 2], [0, 1, 2], "point-by-point"),
        ("multi", [0], [0, 1], "does not say which forecast step"),
    ]:
        out = fed_back_forecast(forecast(mode, steps), samples)
        assert out["fedBack"] is False and out["mode"] == mode and why in out["why"], out
