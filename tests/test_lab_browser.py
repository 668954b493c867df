"""The gate lab's panel (lstm_explained/front/lab_panel.js) in real Chromium, over file://.

An exported inspector with ``lab=`` is opened as a reader would: a gate is set on one unit
over every step, and the counterfactual output the page shows must equal numpy's
(:meth:`lstm_explained.lab.Stack.run`) within 1e-5; other samples follow, reset restores,
no request leaves the file, and a lab left out or not runnable is said so on the page.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from _page_text import overlaps, text_boxes

from lstm_explained.export import inspector_html
from lstm_explained.lab import Stack, make_clamps, scale
from lstm_explained.lab_payload import toy_lab

pytestmark = pytest.mark.browser

SHOWN = "document.getElementById('lx-inspector').dataset.shown"


def _open(new_page, path):
    page, log = new_page(viewport={"width": 1024, "height": 768})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_function(f"{SHOWN} !== undefined", timeout=30_000)
    return page, log, requests


def _numbers(page, key: str) -> np.ndarray:
    return np.asarray(json.loads(page.locator(".lxi-lab").get_attribute(f"data-{key}")))


def _close(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want))))


def test_forget_set_on_one_unit_matches_numpy(new_page, tmp_path):
    stack, trace = toy_lab()
    x = np.asarray(trace["lstm_a"].inputs, np.float32)
    path = inspector_html(trace, tmp_path / "lab.html", lab=stack, layer="lstm_a")
    page, log, requests = _open(new_page, path)
    original = stack.run(x)[0]
    assert _close(_numbers(page, "original"), original[0]) < 1e-5
    assert _close(_numbers(page, "counterfactual"), original[0]) < 1e-5  # no clamp yet
    page.select_option(".lxi-unit-select", ["2"])       # one unit on the belt
    page.select_option(".lxi-lab-gate", "forget")
    page.select_option(".lxi-lab-mode", "set")
    page.locator(".lxi-lab-value").fill("1")
    want = stack.run(x, make_clamps({"forget": 1.0}, stack, layer=0, units=[2]))[0]
    assert not np.allclose(want, original, atol=1e-4)  # the clamp matters here
    assert _close(_numbers(page, "counterfactual"), want[0]) < 1e-5
    assert "unit 2, every step" in page.locator(".lxi-lab-status").text_content()
    shown = page.locator(".lxi-lab-output").text_content()
    assert f"{want[0, 0]:.4f}" in shown and f"{original[0, 0]:.4f}" in shown
    # another sample reruns with the same clamp
    page.locator(".lxi-sample-range").fill("2")
    assert _close(_numbers(page, "counterfactual"), want[2]) < 1e-5
    # forget = 0 over steps 3..9 on the same unit
    page.locator(".lxi-lab-value").fill("0")
    page.locator(".lxi-lab-from").fill("3")
    page.locator(".lxi-lab-to").fill("9")
    want = stack.run(x, make_clamps({"forget": 0.0}, stack, layer=0, units=[2],
                                     steps=slice(3, 10), timesteps=16))[0]
    assert _close(_numbers(page, "counterfactual"), want[2]) < 1e-5
    # other units on the belt: the clamp "at the units on the belt" follows them
    page.select_option(".lxi-unit-select", ["4"])
    assert "unit 4, steps 3 to 9" in page.locator(".lxi-lab-status").text_content()
    want = stack.run(x, make_clamps({"forget": 0.0}, stack, layer=0, units=[4],
                                     steps=slice(3, 10), timesteps=16))[0]
    assert _close(_numbers(page, "counterfactual"), want[2]) < 1e-5
    page.click(".lxi-lab-reset")
    assert _close(_numbers(page, "counterfactual"), original[2]) < 1e-5
    assert log.errors == [] and log.dialogs == []
    assert requests and all(u.startswith("file://") for u in requests), requests


def test_the_lab_is_reached_by_keyboard_and_scales(new_page, tmp_path):
    stack, trace = toy_lab()
    x = np.asarray(trace["lstm_a"].inputs, np.float32)
    path = inspector_html(trace, tmp_path / "lab.html", lab=stack)
    page, log, _ = _open(new_page, path)
    # every control is labelled and reached with Tab, in order
    order = ["lxi-lab-layer", "lxi-lab-gate", "lxi-lab-mode", "lxi-lab-range", "lxi-lab-value",
             "lxi-lab-units", "lxi-lab-from", "lxi-lab-to", "lxi-lab-reset"]
    page.focus(".lxi-lab-layer")
    for name in order:
        focused = page.evaluate("document.activeElement.className")
        assert focused == name
        label = page.evaluate("document.activeElement.closest('label')?.textContent ?? "
                              "document.activeElement.textContent")
        assert label.strip()
        page.keyboard.press("Tab")
    page.focus(".lxi-lab-gate")
    page.keyboard.press("ArrowUp")  # forget -> input, in Keras' order i, f, c, o
    assert page.locator(".lxi-lab-gate").input_value() == "input"
    page.select_option(".lxi-lab-mode", "scale")
    page.locator(".lxi-lab-value").fill("0.5")
    page.select_option(".lxi-lab-units", "all")
    page.select_option(".lxi-lab-layer", "1")
    want = stack.run(x, make_clamps({"input": scale(0.5)}, stack, layer=1))[0]
    assert _close(_numbers(page, "counterfactual"), want[0]) < 1e-5
    assert log.errors == []


def test_a_lab_left_out_or_not_runnable_says_why(new_page, tmp_path):
    stack, trace = toy_lab()
    path = inspector_html(trace, tmp_path / "big.html", lab=stack, lab_max_parameters=10)
    page, log, _ = _open(new_page, path)
    note = page.locator(".lxi-lab-note").text_content()
    assert "not in this file" in note and "more than the 10" in note
    stack, trace = toy_lab(head="softmax")
    path = inspector_html(trace, tmp_path / "softmax.html", lab=stack)
    page, log, _ = _open(new_page, path)
    assert "softmax" in page.locator(".lxi-lab-note").text_content()
    assert page.locator(".lxi-lab-value").count() == 0
    assert log.errors == []


@pytest.mark.slow
def test_the_sine_models_lab_matches_numpy(new_page, tmp_path, sine_model, sine_forecast_trace):
    stack = Stack.from_model(sine_model)
    trace = sine_forecast_trace
    x = np.asarray(trace[stack.layers[0].name].inputs, np.float32)
    path = inspector_html(trace, tmp_path / "sine.html", lab=stack, units=[7], layer="lstm_1")
    page, log, requests = _open(new_page, path)
    page.locator(".lxi-lab-value").fill("1")
    want = stack.run(x, make_clamps({"forget": 1.0}, stack, layer=0, units=[7]))[0]
    assert _close(_numbers(page, "counterfactual"), want[0]) < 1e-5
    assert _close(_numbers(page, "original"), trace.extras["prediction"][:1]) < 1e-5
    assert page.locator(".lxi-lab-mark").count() == 1  # the clamped forecast in the window
    shown = _numbers(page, "shown-output")  # a sine trace shows the model's own units
    assert _close(shown, want[0]) < 1e-5
    # every 10th step only: each window is rerun alone, and the page says so
    lab = page.locator(".lxi-lab")
    assert lab.get_attribute("data-mode") == "per-window"
    assert lab.get_attribute("data-forecast-counterfactual") is None
    assert "(0, 10, 20, 30, 40) are not every step" in lab.locator(".lxi-lab-note").text_content()
    assert log.errors == [] and all(u.startswith("file://") for u in requests)


@pytest.mark.slow
def test_a_fed_back_sine_forecast_is_rerun_whole(new_page, tmp_path, sine_model):
    import lstm_explained as lx
    from lstm_explained.forecast_trace import trace_forecast

    windows = lx.data.make_windows(lx.data.sine_wave(), 50)
    run = dict(mode="multi", windows=windows, run=0, dataset="sine", progress=False)
    trace = trace_forecast(sine_model, **run)  # all 50 steps of run 0
    path = inspector_html(trace, tmp_path / "run.html", lab=Stack.from_model(sine_model),
                          units=[3, 7, 11], layer="lstm_1")
    page, log, requests = _open(new_page, path)
    lab = page.locator(".lxi-lab")
    assert lab.get_attribute("data-mode") == "fed-back"
    assert lab.get_attribute("data-engine") == "wasm"  # the inner loop in WebAssembly
    assert "reruns the whole 50-step forecast" in lab.locator(".lxi-lab-note").text_content()
    assert lab.get_attribute("data-forecast-counterfactual") is None  # no clamp yet
    page.locator(".lxi-lab-value").fill("1")  # forget = 1 on the belt's units, every step
    want = trace_forecast(sine_model, clamp={"forget": 1.0}, clamp_layer=0,
                          clamp_units=[3, 7, 11], **run)
    assert _close(want.extras["prediction"], trace.extras["prediction"]) > 1e-3
    assert _close(_numbers(page, "forecast-counterfactual"), want.extras["prediction"]) < 1e-5
    assert _close(_numbers(page, "forecast-shown"), want.extras["prediction"]) < 1e-5
    assert "50-step forecast rerun in" in lab.locator(".lxi-lab-status").text_content()
    # a later step: its counterfactual is run on the window the clamped model saw there
    page.locator(".lxi-sample-range").fill("30")
    assert _close(_numbers(page, "counterfactual"), want.extras["prediction"][30:31]) < 1e-5
    assert _close(_numbers(page, "original"), trace.extras["prediction"][30:31]) < 1e-5
    assert page.locator(".lxi-lab-window").count() == 1  # its fed-back values, dashed
    assert page.locator(".lxi-lab-mark").count() == 1
    # the forecast chart: target, the model's, the clamped model's
    assert lab.locator("svg").nth(2).locator("polyline").count() == 3
    _readable(page)
    page.click(".lxi-lab-reset")
    assert lab.get_attribute("data-forecast-counterfactual") is None
    assert page.locator(".lxi-lab-window").count() == 0
    assert log.errors == [] and log.dialogs == []
    assert all(u.startswith("file://") for u in requests)


def test_hostile_layer_names_are_text(new_page, tmp_path):
    from lstm_explained.lab import StackLayer
    from lstm_explained.layer_trace import LayerTrace
    from lstm_explained.trace import Trace

    stack, trace = toy_lab()
    names = ["<img src=x onerror=alert(1)>", "</script><!--<script>alert(2)</script>"]
    stack = Stack([StackLayer(n, lay.weights) for n, lay in zip(names, stack.layers,
                                                                 strict=True)], stack.head)
    lts = [trace[lay] for lay in trace.layer_names]
    trace = Trace([LayerTrace(name=n, layer_name=n, inputs=lt.inputs, arrays=lt.arrays)
                   for n, lt in zip(names, lts, strict=True)])
    path = inspector_html(trace, tmp_path / "hostile.html", lab=stack)
    page, log, requests = _open(new_page, path)
    options = page.locator(".lxi-lab-layer option").all_text_contents()
    assert options == names
    page.locator(".lxi-lab-value").fill("0.5")
    assert names[0] in page.locator(".lxi-lab-status").text_content()
    assert page.locator(".lxi-lab img").count() == 0
    assert log.errors == [] and log.dialogs == []
    assert all(u.startswith("file://") for u in requests)




def test_the_lab_panels_text_is_readable_and_never_overlaps(new_page, tmp_path):
    stack, trace = toy_lab()
    path = inspector_html(trace, tmp_path / "lab.html", lab=stack)
    page, log, _ = _open(new_page, path)
    page.select_option(".lxi-layer", "lstm_b")  # with no clamp, the lab follows the layer
    assert page.locator(".lxi-lab-layer").input_value() == "1"
    page.locator(".lxi-lab-value").fill("0.2")
    page.locator(".lxi-lab-from").fill("4")
    _readable(page)
    assert log.errors == []


def _readable(page) -> None:
    """The lab panel's text: 12 px or more, no two pieces overlapping, none cut off on the
    left of its chart, and no sideways scrolling."""
    boxes = text_boxes(page, ".lxi-lab")
    assert boxes
    assert [b for b in boxes if b["size"] < 12] == []
    assert overlaps(boxes) == []
    left = page.evaluate("""() => [...document.querySelectorAll('.lxi-lab svg')]
        .map((g) => g.getBoundingClientRect().left)""")
    cut = [b["text"] for b in boxes if b["x"] < min(left) - 0.5]
    assert cut == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
