"""Benchmark: the gate lab in the browser (lstm_explained/front/lab.js in Chromium).

For the sine and S&P 500 models' first multi-sequence forecast (every forecast step),
exported with ``lx.export.inspector_html``:

* the size the lab adds to the page (``lab=Stack.from_model(model)`` vs without);
* the time one rerun takes in the page (``labRun`` for one sample, both layers and the
  head), the first and the median of the next reruns; goal <= 16 ms;
* the time the page reruns the whole clamped fed-back forecast (``labForecast``, 50
  windows, each fed the clamped model's previous predictions), the first and the median
  of the next; goal < 200 ms for the sine run; and the whole update a reader waits for
  (that rerun, this step's rerun, the charts and the output), as a slider moves; and the
  warm-up the panel runs as the page opens (4 windows, so the first rerun is compiled);
* the largest difference between the page's counterfactual forecast (and each step's
  counterfactual output) and numpy's (``trace_forecast(..., clamp=...)``), relative to
  max(1, |value|); goal <= 1e-5.

The machine's load average is printed beside the times: on a shared machine they vary.

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
from typing import Any

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
    from lstm_explained.lab import Stack
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
            lab = page.locator(".lxi-lab")
            mode = lab.get_attribute("data-mode")
            rerun, forecast, whole = [], [], []
            for k in range(args.moves):
                whole.append(page.evaluate(MOVE, round(1 - (k % 10) / 10 - 0.05, 2)))
                rerun.append(float(lab.get_attribute("data-ms")))
                forecast.append(float(lab.get_attribute("data-forecast-ms") or "nan"))
            page.evaluate(MOVE, 1)
            want = trace_forecast(model, mode="multi", windows=w, run=0, progress=False,
                                  clamp={"forget": 1.0}, clamp_layer=0).extras["prediction"]

            def off(got: Any, want: Any) -> float:
                got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
                return float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want))))

            worst = off(json.loads(lab.get_attribute("data-forecast-counterfactual")), want)
            for n in range(trace.n_samples):
                page.locator(".lxi-sample-range").fill(str(n))
                got = json.loads(lab.get_attribute("data-counterfactual"))
                worst = max(worst, off(got, want[n:n + 1]))
            print(f"{name}: {n_parameters(stack):,} parameters, "
                  f"{trace.n_samples} samples; the lab adds {added / 1e3:.0f} kB "
                  f"({plain.stat().st_size / 1e6:.2f} -> {path.stat().st_size / 1e6:.2f} MB)")
            print(f"  the lab reruns a {mode} forecast, its inner loop in "
                  f"{lab.get_attribute('data-engine')} (load average "
                  f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
            print(f"  one window's rerun in the page: first {rerun[0]:.1f} ms, median of the "
                  f"next {len(rerun) - 1} {statistics.median(rerun[1:]):.1f} ms (goal <= 16 ms)")
            print(f"  the whole {trace.n_samples}-step clamped forecast rerun: first "
                  f"{forecast[0]:.1f} ms, median of the next {len(forecast) - 1} "
                  f"{statistics.median(forecast[1:]):.1f} ms (goal < 200 ms); whole update "
                  f"median {statistics.median(whole[1:]):.1f} ms; the warm-up of 4 windows "
                  f"as the page opens {float(lab.get_attribute('data-warm-ms')):.1f} ms")
            print(f"  page vs numpy, forget = 1 on every unit of layer 0, the forecast and "
                  f"every step's output: {worst:.2e} (goal <= 1e-5)")
            page.close()
        browser.close()
    shutil.rmtree(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
