"""Benchmark: the gate lab in the browser (lstm_explained/front/lab.js in Chromium).

For the sine and S&P 500 models' first multi-sequence forecast (every forecast step),
exported with ``lx.export.inspector_html``:

* the size the lab adds to the page (``lab=Stack.from_model(model)`` vs without);
* the time one rerun takes in the page (``labRun`` for one sample, both layers and the
  head), the first and the median of the next reruns, and the whole update a reader
  waits for (rerun, the two charts and the output), as a slider moves; goal <= 16 ms;
* the largest difference between the page's counterfactual outputs and numpy's
  (``Stack.run``) over every sample, relative to max(1, |value|); goal <= 1e-5.

Prints the figures; asserts nothing. Run from the repository::

    PYTHONPATH=. python benchmarks/bench_lab.py [--moves 25]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
from pathlib import Path

SHOWN = "document.getElementById('lx-inspector')?.dataset.shown"

#: In the page: set the lab's value to ``v`` as a reader's typing does; the update's time.
MOVE = """(v) => {
  const el = document.querySelector('.lxi-lab-value');
  const t0 = performance.now();
  el.value = String(v);
  el.dispatchEvent(new Event('input'));
  return performance.now() - t0;
}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=25, help="value changes to time")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    from playwright.sync_api import sync_playwright

    import lstm_explained as lx
    from lstm_explained.export import inspector_html
    from lstm_explained.forecast_trace import trace_forecast
    from lstm_explained.lab import Stack, make_clamps
    from lstm_explained.lab_payload import n_parameters

    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium")
    out = Path(tempfile.mkdtemp())
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for name in ("sine", "sp500"):
            model = lx.model.load_pretrained(name)
            series = lx.data.sine_wave() if name == "sine" else lx.data.load_sp500()
            w = lx.data.make_windows(series, 50, normalise=name == "sp500")
            trace = trace_forecast(model, mode="multi", windows=w, run=0, dataset=name)
            stack = Stack.from_model(model)
            plain = inspector_html(trace, out / f"{name}_plain.html")
            path = inspector_html(trace, out / f"{name}_lab.html", lab=stack)
            added = path.stat().st_size - plain.stat().st_size
            page = browser.new_page(viewport={"width": 1024, "height": 768})
            page.goto(path.as_uri())
            page.wait_for_function(f"{SHOWN} !== undefined", timeout=60_000)
            page.select_option(".lxi-lab-units", "all")
            rerun, whole = [], []
            for k in range(args.moves):
                whole.append(page.evaluate(MOVE, round(1 - (k % 10) / 10, 1)))
                rerun.append(float(page.locator(".lxi-lab").get_attribute("data-ms")))
            x = np.asarray(trace[stack.layers[0].name].inputs, np.float32)
            page.evaluate(MOVE, 1)
            want = stack.run(x, make_clamps({"forget": 1.0}, stack, layer=0))[0]
            worst = 0.0
            for n in range(trace.n_samples):
                page.locator(".lxi-sample-range").fill(str(n))
                got = json.loads(page.locator(".lxi-lab").get_attribute("data-counterfactual"))
                worst = max(worst, float(np.max(np.abs(np.asarray(got) - want[n])
                                                / np.maximum(1.0, np.abs(want[n])))))
            print(f"{name}: {n_parameters(stack):,} parameters, "
                  f"{trace.n_samples} samples; the lab adds {added / 1e3:.0f} kB "
                  f"({plain.stat().st_size / 1e6:.2f} -> {path.stat().st_size / 1e6:.2f} MB)")
            print(f"  rerun in the page: first {rerun[0]:.1f} ms, median of the next "
                  f"{len(rerun) - 1} {statistics.median(rerun[1:]):.1f} ms; whole update "
                  f"median {statistics.median(whole[1:]):.1f} ms (goal <= 16 ms)")
            print(f"  page vs numpy, forget = 1 on every unit of layer 0, every sample: "
                  f"{worst:.2e} (goal <= 1e-5)")
            page.close()
        browser.close()
    shutil.rmtree(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
