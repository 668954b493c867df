"""The gate lab's JavaScript (lstm_explained/front/lab.js) against numpy, under Node.

The browser reruns a model with clamped gates from the payload's exact weights
(:mod:`lstm_explained.lab_payload`); every quantity of every layer and the output must
agree with :meth:`lstm_explained.lab.Stack.run` within 1e-5 relative to max(1, |value|),
for the shipped models and for a random one with non-default activations.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from lstm_explained.engine import LSTMWeights
from lstm_explained.forecast import _Dense
from lstm_explained.lab import Stack, StackLayer
from lstm_explained.lab_payload import clamps_from_json, lab_payload

LAB_JS = Path(__file__).parents[1] / "lstm_explained" / "front" / "lab.js"

#: Runs the cases of the JSON file $LAB_CASES; prints every quantity and the output.
DRIVER = """
import { readFileSync } from "node:fs";
const spec = JSON.parse(readFileSync(process.env.LAB_CASES, "utf8"));
const model = labModel(spec.lab, { wasm: spec.engine !== "js" });
const results = spec.cases.map(([n, clamps]) => {
  const r = labRun(model, n, clamps);
  return { output: Array.from(r.output),
    layers: r.layers.map((l) => Object.fromEntries(Object.entries(l)
      .filter(([k]) => k !== "U").map(([k, v]) => [k, Array.from(v)]))) };
});
process.stdout.write(JSON.stringify({ missing: model.missing, engine: model.engine, results }));
"""

#: The clamps checked: none; forget = 1 on two units over a range of steps; the input
#: gate halved everywhere; the output gate shut on the last layer.
CLAMPS = [
    [],
    [{"gate": "forget", "mode": "set", "value": 1.0, "layer": 0, "units": [1, 3],
      "steps": {"from": 5, "to": 20}}],
    [{"gate": "input", "mode": "scale", "value": 0.5, "layer": 0, "units": None,
      "steps": None}],
    [{"gate": "output", "mode": "set", "value": 0.0, "layer": -1, "units": None,
      "steps": [0, 2, 7, 11]},
     {"gate": "candidate", "mode": "scale", "value": 2.0, "layer": 0, "units": [0],
      "steps": None}],
]


@pytest.fixture(scope="module")
def node():
    path = shutil.which("node")
    if path is None:
        pytest.skip("node is not installed: the lab's JavaScript cannot run outside a browser")
    return path


def run_js(node: str, lab: dict, cases: list, tmp_path: Path, engine: str = "wasm") -> dict:
    """``cases`` ([sample, clamps]) run by lab.js under Node, its inner loop in
    WebAssembly (``engine="wasm"``) or JavaScript (``"js"``)."""
    spec = tmp_path / "cases.json"
    spec.write_text(json.dumps({"lab": lab, "cases": cases, "engine": engine}),
                    encoding="utf-8")
    source = LAB_JS.read_text(encoding="utf-8") + "\n" + DRIVER
    done = subprocess.run([node, "--input-type=module", "-e", source], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "LAB_CASES": str(spec)},
                          check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def worst(js: list, want: np.ndarray) -> float:
    want = np.asarray(want, np.float64)
    got = np.asarray(js, np.float64).reshape(want.shape)
    return float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want)), initial=0.0))


def check_against_numpy(node: str, stack: Stack, x: np.ndarray, tmp_path: Path,
                        engine: str = "wasm") -> float:
    cases = [[n, clamps] for clamps in CLAMPS for n in range(len(x))]  # layer -1: the last
    out = run_js(node, lab_payload(stack, x), cases, tmp_path, engine)
    assert out["missing"] == [] and out["engine"] == engine
    biggest = 0.0
    for (n, clamps), res in zip(cases, out["results"], strict=True):
        outputs, runs = stack.run(x[n:n + 1], clamps_from_json(stack, clamps, x.shape[1]))
        biggest = max(biggest, worst(res["output"], outputs[0]))
        for layer, (_, arrays) in zip(res["layers"], runs, strict=True):
            assert set(layer) == set(arrays)
            for q, values in arrays.items():
                biggest = max(biggest, worst(layer[q], values[0]))
    # the clamps act: each changes the output (the JS saw them)
    first = np.asarray(out["results"][0]["output"])
    for k in range(1, len(CLAMPS)):
        assert not np.allclose(out["results"][k * len(x)]["output"], first, atol=1e-9), k
    return biggest


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sine", "sp500"])
def test_shipped_models_match_numpy(node, name, request, tmp_path):
    import lstm_explained as lx

    model = request.getfixturevalue(f"{name}_model")
    series = lx.data.sine_wave() if name == "sine" else lx.data.load_sp500()
    x = lx.data.make_windows(series, 50, normalise=name == "sp500").x_test[:3]
    err = check_against_numpy(node, Stack.from_model(model), x.astype(np.float32), tmp_path)
    assert err < 1e-5, err


def random_stack(activation: str, recurrent: str, head: str, seed: int = 0) -> Stack:
    rng = np.random.default_rng(seed)

    def weights(f: int, u: int, bias: bool) -> LSTMWeights:
        return LSTMWeights(rng.normal(0, 0.6, (f, 4 * u)), rng.normal(0, 0.6, (u, 4 * u)),
                           rng.normal(0, 0.3, 4 * u) if bias else None, activation, recurrent)

    layers = [StackLayer("first", weights(3, 5, True)), StackLayer("second", weights(5, 4, False))]
    return Stack(layers, _Dense(rng.normal(0, 0.5, (4, 2)), rng.normal(0, 0.1, 2), head))


@pytest.mark.parametrize("engine", ["wasm", "js"])
@pytest.mark.parametrize(("activation", "recurrent", "head"), [
    ("softsign", "hard_sigmoid", "selu"),
    ("gelu", "sigmoid", "softplus"),
    ("elu", "hard_silu", "mish"),
    ("relu", "sparse_sigmoid", "sigmoid"),
    ("tanh", "sigmoid", "linear"),
])
def test_random_model_with_other_activations_matches_numpy(node, activation, recurrent, head,
                                                           engine, tmp_path):
    """Both inner loops (WebAssembly, and the JavaScript one where it is missing), with
    4 x 5 and 4 x 4 pre-activations (the WebAssembly rows padded to a multiple of 8)."""
    stack = random_stack(activation, recurrent, head)
    x = np.random.default_rng(1).normal(0, 1, (2, 24, 3))  # float64 inputs travel as float64
    assert check_against_numpy(node, stack, x, tmp_path, engine) < 1e-5


def test_an_activation_lab_js_lacks_is_named(node, tmp_path):
    stack = random_stack("tanh", "sigmoid", "softmax")
    out = run_js(node, lab_payload(stack, np.zeros((1, 4, 3))), [], tmp_path)
    assert out["missing"] == ["softmax"]


#: Runs labForecast for the clamps of $LAB_CASES from its sample 0; prints the predictions.
FORECAST_DRIVER = """
import { readFileSync } from "node:fs";
const spec = JSON.parse(readFileSync(process.env.LAB_CASES, "utf8"));
const results = ["wasm", "js"].map((engine) => {
  const model = labModel(spec.lab, { wasm: engine === "wasm" });
  if (model.engine !== engine) throw new Error(`${engine} asked, ${model.engine} given`);
  return spec.cases.map((clamps) => {
    const r = labForecast(model, clamps, spec.steps);
    return { prediction: Array.from(r.prediction), values: Array.from(r.values) };
  });
});
process.stdout.write(JSON.stringify(results));
"""

#: The fed-back forecasts checked: (model, run, clamp of trace_forecast, the page's
#: clamps): forget = 1 on three units of the first layer; the input gate halved in every
#: layer (clamp_layer=None); the belt of the last layer wiped over steps 10 to 40.
FORECASTS = [
    ("sine", 0, dict(clamp={"forget": 1.0}, clamp_layer=0, clamp_units=[3, 7, 11]),
     [{"gate": "forget", "mode": "set", "value": 1.0, "layer": 0, "units": [3, 7, 11],
       "steps": None}]),
    ("sine", 0, dict(clamp={"input": "scale 0.5"}),
     [{"gate": "input", "mode": "scale", "value": 0.5, "layer": k, "units": None,
       "steps": None} for k in (0, 1)]),
    ("sp500", 1, dict(clamp={"forget": 0.0}, clamp_layer=-1, clamp_steps=slice(10, 41)),
     [{"gate": "forget", "mode": "set", "value": 0.0, "layer": -1, "units": None,
       "steps": {"from": 10, "to": 40}}]),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "run", "clamp", "page"), FORECASTS,
                         ids=["sine-forget", "sine-input", "sp500-forget"])
def test_fed_back_forecast_matches_trace_forecast(node, name, run, clamp, page, request,
                                                  tmp_path):
    """labForecast reruns the whole clamped forecast as trace_forecast(clamp=...) does."""
    import lstm_explained as lx
    from lstm_explained.forecast_trace import trace_forecast

    model = request.getfixturevalue(f"{name}_model")
    series = lx.data.sine_wave() if name == "sine" else lx.data.load_sp500()
    windows = lx.data.make_windows(series, 50, normalise=name == "sp500")
    if clamp["clamp"].get("input") == "scale 0.5":
        clamp = {**clamp, "clamp": {"input": lx.lab.scale(0.5)}}
    want = trace_forecast(model, mode="multi", windows=windows, run=run, progress=False, **clamp)
    start = want.info["forecast"]["start_window"]
    x = np.asarray(windows.x_test[start:start + 1], np.float32)  # the first step's window
    steps = len(want.extras["prediction"])
    spec = tmp_path / "forecast.json"
    spec.write_text(json.dumps({"lab": lab_payload(Stack.from_model(model), x),
                                "cases": [page, []], "steps": steps}), encoding="utf-8")
    source = LAB_JS.read_text(encoding="utf-8") + "\n" + FORECAST_DRIVER
    done = subprocess.run([node, "--input-type=module", "-e", source], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "LAB_CASES": str(spec)},
                          check=False)
    assert done.returncode == 0, done.stderr
    (clamped, plain), (clamped_js, plain_js) = json.loads(done.stdout)  # wasm, js
    assert worst(clamped["prediction"], want.extras["prediction"]) < 1e-5
    assert worst(clamped_js["prediction"], want.extras["prediction"]) < 1e-5
    assert worst(plain_js["prediction"], want.extras["original_prediction"]) < 1e-5
    # the windows it fed back are trace_forecast's windows, step by step
    values = np.asarray(clamped["values"])
    windows_seen = np.stack([values[j:j + x.shape[1]] for j in range(steps)])
    assert worst(windows_seen.ravel(), want.extras["window"]) < 1e-5
    # the clamp matters, and without it the rerun is the model's own forecast
    assert worst(plain["prediction"], want.extras["original_prediction"]) < 1e-5
    assert worst(clamped["prediction"], want.extras["original_prediction"]) > 1e-3
