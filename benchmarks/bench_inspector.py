"""Benchmark: how fast the gate inspector follows a timestep change.

Traces the pretrained sine model's first multi-sequence run (50 forecast steps x 50
timesteps; layers of 50 and 100 units), saves and reloads the trace (as a course would),
builds a :class:`lstm_explained.widgets.GateInspector` and times:

* a timestep change: setting ``inspector.timestep`` until the widget holds the new image
  bytes (median over every step of several samples), with the default JPEG view and with
  ``image_format="png"``;
* the plain way a matplotlib widget follows a step: move the artists and render the
  whole canvas again (``canvas.draw()``, no blitting, no rebuilding of the axes) + JPEG,
  measured in the same run, and the ratio of the two;
* a sample change and a layer change (setting ``inspector.sample`` / ``.layer``).

Goals: a timestep change <= 30 ms median and >= 3x faster than the full redraw; a sample or
layer change <= 1 s. Prints the figures; asserts nothing.

Run from the repository::

    .venv/bin/python benchmarks/bench_inspector.py [--samples 3] [--redraws 10]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=3, help="samples to step through")
    parser.add_argument("--redraws", type=int, default=10, help="full redraws to time")
    args = parser.parse_args()

    import lstm_explained as lx
    from lstm_explained.forecast_trace import trace_forecast

    model = lx.model.load_pretrained("sine")
    windows = lx.data.make_windows(lx.data.sine_wave(), 50)
    trace = trace_forecast(model, mode="multi", windows=windows, dataset="sine")
    with tempfile.TemporaryDirectory() as tmp:
        trace = lx.load_trace(trace.save(Path(tmp) / "sine.npz"))

    from lstm_explained.widgets import GateInspector

    t0 = time.perf_counter()
    insp = GateInspector(trace)
    build = time.perf_counter() - t0
    w, h = insp.figure.canvas.get_width_height()
    print(f"trace: {trace.n_samples} forecast steps x {insp.n_timesteps} timesteps; "
          f"layers {trace.layer_names}; image {w} x {h} px")
    print(f"building the inspector: {build * 1000:.0f} ms")

    # Timestep changes: from setting the attribute to new bytes in the widget.
    step_times = []
    for s in range(args.samples):
        insp.sample = s * (trace.n_samples // max(1, args.samples))
        for t in list(range(1, insp.n_timesteps)) + [0]:
            before = insp.image.value
            t0 = time.perf_counter()
            insp.timestep = t
            changed = insp.image.value is not before
            step_times.append(time.perf_counter() - t0)
            assert changed, "the image did not change"
    step = statistics.median(step_times)

    # The same with the lossless PNG view (image_format="png").
    png_insp = GateInspector(trace, image_format="png")
    png_times = []
    for t in list(range(1, png_insp.n_timesteps)) + [0]:
        t0 = time.perf_counter()
        png_insp.timestep = t
        png_times.append(time.perf_counter() - t0)
    png_step = statistics.median(png_times)

    # The fair alternative: what a plain matplotlib widget does on a step change. The
    # artists move to the new step and the whole canvas is rendered again
    # (canvas.draw(), no blitting), then encoded the same way; the figure is not rebuilt.
    fig = insp.figure
    for v in fig.views:
        for a in v.animated:
            a.set_animated(False)
    for col in (*fig.belt.rects.values(), *fig.belt.texts.values()):
        for a in col:
            a.set_visible(True)
    redraw_times = []
    for k in range(args.redraws):
        t = (k + 1) % insp.n_timesteps
        t0 = time.perf_counter()
        for v in fig.views:
            v.set_timestep(t)
        fig.canvas.draw()
        fig.jpeg()
        redraw_times.append(time.perf_counter() - t0)
    redraw = statistics.median(redraw_times)

    insp = GateInspector(trace)  # a fresh inspector (the one above no longer blits)
    sample_times, layer_times = [], []
    for k in range(5):
        t0 = time.perf_counter()
        insp.sample = (insp.sample + 7) % trace.n_samples
        sample_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        insp.layer = trace.layer_names[(k + 1) % len(trace.layer_names)]
        layer_times.append(time.perf_counter() - t0)

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    print(f"timestep change (median of {len(step_times)}): {step * 1000:.1f} ms "
          f"(p90 {statistics.quantiles(step_times, n=10)[-1] * 1000:.1f} ms) "
          f"[goal <= 30 ms: {verdict(step <= 0.030)}]")
    print(f"timestep change with image_format='png' (median of {len(png_times)}): "
          f"{png_step * 1000:.1f} ms")
    print(f"full canvas redraw at the new step (median of {len(redraw_times)}): "
          f"{redraw * 1000:.1f} ms")
    print(f"speed-up of a timestep change over the full canvas redraw: {redraw / step:.1f}x "
          f"[goal >= 3x: {verdict(redraw / step >= 3)}]")
    s_med, l_med = statistics.median(sample_times), statistics.median(layer_times)
    print(f"sample change (median of 5): {s_med * 1000:.0f} ms (max {max(sample_times) * 1000:.0f}"
          f" ms); layer change (median of 5): {l_med * 1000:.0f} ms (max "
          f"{max(layer_times) * 1000:.0f} ms) [goal <= 1 s: {verdict(max(s_med, l_med) <= 1.0)}]")
    print(f"image bytes per step: {len(insp.image.value) / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
