"""Tests of lstm_explained.widgets.GateInspector (an anywidget), driven from Python.

What the browser does is played here with ``set_state`` (what ipywidgets calls when a
front end sends a change); tests/test_widgets_browser.py drives the real front end.
"""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import lstm_explained
from lstm_explained.errors import DataError, LSTMExplainedError
from lstm_explained.inspector_data import FRONT_MODULE, decode
from lstm_explained.widgets import GateInspector, inspect

FRONT = Path(lstm_explained.__file__).parent / "front"


def _synced(insp: GateInspector) -> dict:
    """The state the browser gets (what ipywidgets would send)."""
    state = insp.get_state()
    return {k: state[k] for k in ("layer", "sample", "timestep", "units")}


def test_initial_state_is_synced(toy_trace):
    insp = GateInspector(toy_trace, units=[1, 3])
    assert (insp.layer, insp.sample, insp.timestep, insp.units) == ("lstm", 0, 0, (1, 3))
    assert _synced(insp) == {"layer": "lstm", "sample": 0, "timestep": 0, "units": (1, 3)}
    assert insp.n_timesteps == 12
    for name in ("timestep", "sample", "layer", "units", "_meta", "_data"):
        assert insp.trait_metadata(name, "sync"), name


def test_front_end_is_the_package_files_and_data_travels_as_bytes(toy_trace):
    insp = GateInspector(toy_trace)
    # the module and CSS are the shipped files, not copies held in Python strings
    assert str(insp._esm) == "\n".join((FRONT / name).read_text(encoding="utf-8")
                                       for name in FRONT_MODULE)
    assert FRONT_MODULE[-1] == "inspector.js"
    assert str(insp._css) == (FRONT / "inspector.css").read_text(encoding="utf-8")
    state = insp.get_state()
    assert isinstance(state["_data"], (bytes, memoryview))
    json.dumps(state["_meta"])  # JSON metadata
    # the bytes are the trace: every layer, sample, step and unit, to the shown precision
    arrays = decode(insp._meta, bytes(insp._data))
    lt = toy_trace["lstm_1"]
    np.testing.assert_allclose(arrays[("lstm_1", "forget")], lt.forget, atol=6e-4)
    np.testing.assert_allclose(arrays[("lstm_1", "cell")], lt.cell, atol=6e-4)


def test_python_changes_reach_the_synced_state(toy_trace):
    insp = GateInspector(toy_trace, sample=1, units=[0, 4])
    insp.timestep = 7
    insp.sample = 2
    insp.units = [4, 2]
    assert _synced(insp) == {"layer": "lstm", "sample": 2, "timestep": 7, "units": (4, 2)}
    insp.layer = "lstm_1"
    assert insp.layer == "lstm_1" and insp.timestep == 7 and insp.units == (4, 2)


def test_browser_changes_reach_python(toy_trace):
    insp = GateInspector(toy_trace)
    seen = []
    insp.observe(lambda change: seen.append(change["new"]), names="timestep")
    insp.set_state({"timestep": 3})  # what the front end sends on an arrow key
    assert insp.timestep == 3 and seen == [3]
    insp.set_state({"units": [4, 1]})  # JSON arrays arrive as lists
    assert insp.units == (4, 1)
    # a layer change from the browser comes with its units and step, in one message
    insp.set_state({"layer": "lstm_1", "units": [5, 0, 1, 2], "timestep": 11})
    assert (insp.layer, insp.units, insp.timestep) == ("lstm_1", (5, 0, 1, 2), 11)


def test_a_new_layer_keeps_what_exists_there(toy_trace):
    insp = GateInspector(toy_trace, layer="lstm_1", units=[5, 1], timestep=11)
    insp.layer = "lstm"  # 5 units: unit 5 does not exist there
    assert insp.units == (1,) and insp.timestep == 11


def test_most_active_units(toy_trace):
    insp = GateInspector(toy_trace, layer="lstm_1", sample=2, timestep=6, n_active=3)
    led = toy_trace["lstm_1"].ledger()
    activity = np.abs(led.written[2, 6]) + np.abs(led.forgotten[2, 6])
    assert insp.most_active() == list(np.argsort(-activity, kind="stable")[:3])
    insp.show_most_active()
    assert list(insp.units) == insp.most_active()


def test_snapshot_is_a_projector_sized_png_of_what_is_shown(toy_trace):
    from lstm_explained.plots.inspector import InspectorFigure

    insp = GateInspector(toy_trace, layer="lstm_1", sample=1, timestep=4, units=[2, 3])
    png = insp.snapshot()
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size[0] >= 1200  # 150 dpi: sharp when projected
    same = InspectorFigure(toy_trace, "lstm_1", 1, 4, [2, 3], None, 150.0).png(compress_level=6)
    assert np.array_equal(np.asarray(img), np.asarray(Image.open(io.BytesIO(same))))
    insp.timestep = 5
    assert insp.snapshot() != png


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
    assert tuple(_synced(insp).values()) == state


def test_bad_construction(toy_trace):
    with pytest.raises(DataError, match="unknown layer"):
        GateInspector(toy_trace, layer="nope")
    with pytest.raises(DataError, match="expected a Trace"):
        GateInspector(np.zeros(3))
    with pytest.raises(DataError, match="sample 9"):
        GateInspector(toy_trace, sample=9)
    with pytest.raises(DataError, match="heatmap scale"):
        GateInspector(toy_trace, heatmap_scale="log")
    with pytest.raises(DataError, match="max_bytes"):
        GateInspector(toy_trace, max_bytes=100)


def test_kernel_free_fallback_is_the_static_inspector_at_the_current_state(toy_trace):
    insp = GateInspector(toy_trace, layer="lstm_1", units=[2, 0])
    insp.timestep, insp.sample = 6, 2
    bundle = insp._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data
    frame = data["text/html"]
    assert frame.startswith('<div class="lx-inspector"><iframe')
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    meta = json.loads(re.search(r'id="lx-meta">(.*?)</script>', page).group(1))
    assert meta["initial"] == {"layer": "lstm_1", "sample": 2, "timestep": 6, "units": [2, 0],
                               "clamps": []}
    assert "export default { render }" in page and "lxModel" in page


def test_forecast_trace_inspector(sine_forecast_trace, sine_forecast_trace_file):
    insp = inspect(sine_forecast_trace_file, units=[0])
    assert insp._meta["sampleName"] == "forecast step"
    assert "multi-sequence run 0, forecast step 0 of 49" in insp._meta["sampleLabels"][0]
    insp.sample = 4
    assert insp.sample == 4 and insp.units == (0,)


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


def test_the_gate_lab_clamps_sync_and_rerun_in_the_kernel():
    from lstm_explained.lab import make_clamps, scale
    from lstm_explained.lab_payload import toy_lab

    stack, trace = toy_lab()
    insp = GateInspector(trace, lab=stack)
    assert insp.trait_metadata("clamps", "sync")
    assert insp._meta["lab"]["inputs"]["shape"] == [3, 16, 2]
    assert insp.clamps == [] and insp.intervention is None
    x = np.asarray(trace["lstm_a"].inputs)
    # from the browser: the page's form, a range of steps
    insp.set_state({"clamps": [{"gate": "forget", "mode": "set", "value": 1.0, "layer": 0,
                                "units": [2], "steps": {"from": 3, "to": 9}}]})
    want = stack.run(x, make_clamps({"forget": 1.0}, stack, 0, [2], slice(3, 10),
                                    timesteps=16))[0]
    np.testing.assert_allclose(insp.intervention.outputs, want, rtol=0, atol=1e-12)
    np.testing.assert_allclose(insp.intervention.original_outputs, stack.run(x)[0], atol=1e-12)
    assert insp.intervention.original is trace
    assert insp.intervention.trace.info["counterfactual"]
    # from Python: the view follows (the trait is synced)
    insp.clamps = [{"gate": "input", "mode": "scale", "value": 0.5, "layer": 1,
                    "units": None, "steps": None}]
    assert insp.get_state()["clamps"][0]["gate"] == "input"
    want = stack.run(x, make_clamps({"input": scale(0.5)}, stack, 1))[0]
    np.testing.assert_allclose(insp.intervention.outputs, want, atol=1e-12)
    insp.clamps = [{"gate": "input", "mode": "scale", "value": np.float32(0.5), "layer": -1,
                    "units": None, "steps": None}]
    assert insp.clamps[0]["layer"] == 1 and type(insp.clamps[0]["value"]) is float
    np.testing.assert_allclose(insp.intervention.outputs, want, atol=1e-12)
    # the kernel-free fallback opens with the same clamp
    assert '"clamps":[{"gate":"input","mode":"scale"' in html.unescape(insp.static_html())
    with pytest.raises(DataError, match="cannot clamp"):
        insp.clamps = [{"gate": "belt", "mode": "set", "value": 1.0, "layer": 0}]
    assert insp.clamps[0]["gate"] == "input"  # a refused clamp changes nothing
    insp.clamps = []
    assert insp.intervention is None
    with pytest.raises(DataError, match="no gate lab"):
        GateInspector(trace).clamps = [{"gate": "forget", "mode": "set", "value": 1.0,
                                        "layer": 0}]
    small = GateInspector(trace, lab=stack, lab_max_parameters=10)
    assert "more than the 10" in small._meta["lab"]["omitted"] and small.lab is None


@pytest.mark.slow
def test_the_kernel_reruns_a_fed_back_forecast_whole_as_the_page_does(sine_model):
    import lstm_explained as lx
    from lstm_explained.forecast_trace import trace_forecast
    from lstm_explained.lab import Stack

    windows = lx.data.make_windows(lx.data.sine_wave(), 50)
    run = dict(mode="multi", windows=windows, run=0, steps=slice(0, 12), progress=False)
    trace = trace_forecast(sine_model, **run)  # its first 12 steps
    insp = GateInspector(trace, lab=Stack.from_model(sine_model))
    insp.clamps = [{"gate": "forget", "mode": "set", "value": 1.0, "layer": 0,
                    "units": [3, 7, 11], "steps": None}]
    want = trace_forecast(sine_model, clamp={"forget": 1.0}, clamp_layer=0,
                          clamp_units=[3, 7, 11], **run)
    # the trace holds its windows as float32: 1e-8 from numpy's float64 ones
    np.testing.assert_allclose(insp.intervention.outputs[:, 0], want.extras["prediction"],
                               rtol=0, atol=1e-6)
    np.testing.assert_allclose(insp.intervention.original_outputs[:, 0],
                               trace.extras["prediction"], rtol=0, atol=1e-5)
    assert np.abs(want.extras["prediction"] - trace.extras["prediction"]).max() > 1e-3
