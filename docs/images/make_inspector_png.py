"""Make docs/images/inspector.png: a real Chromium screenshot of the gate inspector.

Traces the pretrained sine model's multi-sequence run 1, writes the kernel-free inspector
(:func:`lstm_explained.export.inspector_html`: the same front end the JupyterLab widget
draws), opens it at a projector's 1024 x 768 CSS pixels, moves to forecast step 30 and
timestep 40 with the keyboard, puts the most active unit of that step on the belt,
stretches the heatmaps' colours, and screenshots the whole inspector at device pixel
ratio 2. Needs Debian's chromium (or LSTM_EXPLAINED_CHROMIUM).

    python3 docs/images/make_inspector_png.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent / "inspector.png"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOWN = "document.querySelector('#lx-inspector').dataset.shown"


def main() -> int:
    from playwright.sync_api import sync_playwright

    import lstm_explained as lx
    from lstm_explained.export import inspector_html
    from lstm_explained.forecast_trace import trace_forecast

    chromium = os.environ.get("LSTM_EXPLAINED_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        sys.exit("no chromium: apt-get install chromium, or set LSTM_EXPLAINED_CHROMIUM")
    model = lx.model.load_pretrained("sine")
    windows = lx.data.make_windows(lx.data.sine_wave(), 50)
    trace = trace_forecast(model, mode="multi", windows=windows, run=1, dataset="sine wave")
    with tempfile.TemporaryDirectory() as tmp:
        page_path = inspector_html(trace, Path(tmp) / "sine_run1.html")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=ARGS)
            page = browser.new_page(viewport={"width": 1024, "height": 768},
                                    device_scale_factor=2)
            page.goto(page_path.as_uri())
            page.wait_for_function(f"{SHOWN} === '0:0'")
            page.focus("#lx-inspector")
            for _ in range(30):
                page.keyboard.press("ArrowDown")
            for _ in range(40):
                page.keyboard.press("ArrowRight")
            page.wait_for_function(f"{SHOWN} === '30:40'")
            page.locator(".lxi-active-unit").first.click()
            page.select_option(".lxi-scale", "stretched")
            page.locator("#lx-inspector").screenshot(path=str(OUT))
            browser.close()
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
