"""Tests of lstm_explained.widgets.GateInspector, driven from Python."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

from lstm_explained.errors import DataError, LSTMExplainedError
from lstm_explained.plots.views import format_value
from lstm_explained.widgets import GateInspector, inspect


def _belt_texts(insp: GateInspector, key: str) -> list[str]:
    return [t.get_text() for t in insp.figure.belt.texts[key]]


def _expected(trace, layer, sample, t, units):
    lt = trace[layer]
    led = lt.ledger()
    pick = (sample, t, list(units))
    return {
        "previous": led.previous[pick], "forget": lt.forget[pick], "kept": led.kept[pick],
        "forgotten": led.forgotten[pick], "input": lt.input[pick],
        "candidate": lt.candidate[pick], "written": led.written[pick], "cell": lt.cell[pick],
        "squashed": np.tanh(lt.cell[pick]), "output": lt.output[pick], "hidden": lt.hidden[pick],
    }


def _assert_belt_shows(insp: GateInspector, trace) -> None:
    want = _expected(trace, insp.layer, insp.sample, insp.timestep, insp.units)
    for key, values in want.items():
        assert _belt_texts(insp, key) == [format_value(v) for v in values], key


def test_initial_state_and_controls(toy_trace):
    insp = GateInspector(toy_trace, units=[1, 3])
    assert (insp.layer, insp.sample, insp.timestep, insp.units) == ("lstm", 0, 0, (1, 3))
    assert insp.step_slider.max == 11 and insp.play.max == 11
    assert insp.sample_slider.max == 2 and insp.sample_slider.description == "sample"
    assert list(insp.layer_dropdown.options) == [("lstm", "lstm"), ("lstm_1", "lstm_1")]
    assert insp.units_select.value == (1, 3)
    assert insp.image.format == "jpeg" and insp.image.value[:2] == b"\xff\xd8"
    _assert_belt_shows(insp, toy_trace)


def test_setting_the_timestep_updates_controls_and_view(toy_trace):
    insp = GateInspector(toy_trace, sample=1, units=[0, 4])
    before = insp.image.value
    insp.timestep = 7
    assert insp.step_slider.value == 7
    assert insp.image.value != before
    _assert_belt_shows(insp, toy_trace)
    # f * C_{t-1} on the belt is the trace's own product at that step
    lt = toy_trace["lstm"]
    kept = lt.forget[1, 7, [0, 4]] * lt.cell[1, 6, [0, 4]]
    assert _belt_texts(insp, "kept") == [format_value(v) for v in kept]
    assert f"f_t = {lt.forget[1, 7, 0]:+.3f}" in insp.status.value
    # moving the slider (what the browser does) moves the inspector
    shown = insp.image.value
    insp.step_slider.value = 3
    assert insp.timestep == 3 and insp.image.value != shown
    _assert_belt_shows(insp, toy_trace)


def test_sample_layer_and_units_follow(toy_trace):
    insp = GateInspector(toy_trace, timestep=5)
    insp.sample = 2
    assert insp.sample_slider.value == 2 and insp.figure.sample == 2
    _assert_belt_shows(insp, toy_trace)
    insp.sample_slider.value = 1
    assert insp.sample == 1
    _assert_belt_shows(insp, toy_trace)

    insp.layer = "lstm_1"
    assert insp.layer_dropdown.value == "lstm_1"
    assert len(insp.units_select.options) == 6 and insp.timestep == 5
    _assert_belt_shows(insp, toy_trace)
    insp.units = [5, 2]
    assert insp.units_select.value == (5, 2) and insp.units == (5, 2)
    _assert_belt_shows(insp, toy_trace)
    insp.units_select.value = (0,)
    assert insp.units == (0,)
    insp.units_select.value = ()  # the UI cannot empty the belt
    assert insp.units == (0,) and insp.units_select.value == (0,)

    insp.layer_dropdown.value = "lstm"
    assert insp.layer == "lstm"
    _assert_belt_shows(insp, toy_trace)


def test_most_active_units(toy_trace):
    insp = GateInspector(toy_trace, layer="lstm_1", sample=2, timestep=6, n_active=3)
    led = toy_trace["lstm_1"].ledger()
    activity = np.abs(led.written[2, 6]) + np.abs(led.forgotten[2, 6])
    assert insp.most_active() == list(np.argsort(-activity, kind="stable")[:3])
    insp.active_button.click()
    assert list(insp.units) == insp.most_active()
    _assert_belt_shows(insp, toy_trace)


def test_snapshot_is_what_is_shown_as_png(toy_trace):
    insp = GateInspector(toy_trace, timestep=4, image_format="png")
    png = insp.snapshot()
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG"
    shown = Image.open(io.BytesIO(insp.image.value))
    assert shown.format == "PNG" and img.size == shown.size
    assert np.array_equal(np.asarray(img), np.asarray(shown))
    # the default JPEG view shows the same picture, up to JPEG's small losses
    fast = GateInspector(toy_trace, timestep=4)
    view = np.asarray(Image.open(io.BytesIO(fast.image.value))).astype(float)
    assert view.shape == np.asarray(img).shape
    assert np.abs(view - np.asarray(img)).mean() < 2.0
    with pytest.raises(DataError, match="image_format"):
        GateInspector(toy_trace, image_format="gif")


@pytest.mark.parametrize(
    "attr, value, match",
    [
        ("timestep", 12, "timestep 12 is out of range: layer 'lstm' has 12 timesteps"),
        ("timestep", -1, "timestep -1 is out of range"),
        ("timestep", 2.5, "whole number"),
        ("sample", 3, "sample 3 is out of range: this trace has 3 samples"),
        ("layer", "dense", "unknown layer 'dense'"),
        ("units", [7], "unit 7 is out of range: layer 'lstm' has 5 units"),
        ("units", [], "at least one unit"),
    ],
)
def test_bad_values_are_refused_with_our_errors(toy_trace, attr, value, match):
    insp = GateInspector(toy_trace)
    state = (insp.layer, insp.sample, insp.timestep, insp.units)
    with pytest.raises(DataError, match=match) as info:
        setattr(insp, attr, value)
    assert isinstance(info.value, LSTMExplainedError)
    assert (insp.layer, insp.sample, insp.timestep, insp.units) == state


def test_bad_construction(toy_trace):
    with pytest.raises(DataError, match="unknown layer"):
        GateInspector(toy_trace, layer="nope")
    with pytest.raises(DataError, match="expected a Trace"):
        GateInspector(np.zeros(3))
    with pytest.raises(DataError, match="sample 9"):
        GateInspector(toy_trace, sample=9)


def test_forecast_trace_inspector(sine_forecast_trace, sine_forecast_trace_file):
    insp = inspect(sine_forecast_trace_file, units=[0])
    # every 10th step was traced: the slider counts samples, the caption names both
    assert insp.sample_slider.description == "sample"
    assert "multi-sequence run 0, forecast step 0 of 49" in insp.status.value
    insp.sample = 4
    assert "sample 4: forecast step 40 of 49" in insp.status.value
    _assert_belt_shows(insp, sine_forecast_trace)


def test_inspector_of_a_saved_trace_imports_no_tensorflow(toy_trace, tmp_path):
    path = toy_trace.save(tmp_path / "toy.npz")
    code = textwrap.dedent(
        f"""
        import sys
        from lstm_explained.trace import load_trace
        from lstm_explained.widgets import GateInspector
        insp = GateInspector(load_trace({str(path)!r}), units=[0, 1])
        insp.timestep = 5
        insp.layer = "lstm_1"
        assert insp.snapshot()[:4] == b"\\x89PNG"
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))
        print("HEAVY", heavy)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout


def test_heatmap_scale_toggle(toy_trace):
    insp = GateInspector(toy_trace, layer="lstm_1", timestep=3)
    fixed = insp.figure.heatmaps
    assert insp.heatmap_scale == "fixed"
    before = insp.image.value
    insp.scale_toggle.value = "data"
    assert insp.heatmap_scale == "data" and insp.figure.heatmaps is not fixed
    assert insp.image.value != before and insp.timestep == 3
    forget = toy_trace["lstm_1"].forget[0]
    image = [ax for ax in insp.figure.figure.axes if ax.images][0].images[0]
    lo, hi = image.get_clim()
    assert lo <= forget.min() and hi >= forget.max() and hi - lo < 1.0
    insp.heatmap_scale = "fixed"
    assert insp.scale_toggle.value == "fixed"
    image = [ax for ax in insp.figure.figure.axes if ax.images][0].images[0]
    assert image.get_clim() == (0.0, 1.0)
    with pytest.raises(DataError, match="heatmap scale"):
        insp.heatmap_scale = "log"
