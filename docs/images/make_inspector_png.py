"""Make docs/images/inspector.png: a real Chromium screenshot of the inspector in JupyterLab.

Traces the pretrained sine model's multi-sequence run 1, starts JupyterLab on 127.0.0.1
with temporary JUPYTER_* folders, runs a notebook showing a GateInspector at forecast
step 31, timestep 40, with the most active units, and screenshots
the widget. Needs Debian's chromium (or LSTM_EXPLAINED_CHROMIUM).

    .venv/bin/python docs/images/make_inspector_png.py
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat

OUT = Path(__file__).resolve().parent / "inspector.png"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
CELL = """\
from lstm_explained.widgets import inspect
insp = inspect("sine_run1.npz", sample=30, timestep=40)
insp.show_most_active(4)
insp"""


def main() -> int:
    import lstm_explained as lx
    from lstm_explained.forecast_trace import trace_forecast

    chromium = os.environ.get("LSTM_EXPLAINED_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        sys.exit("no chromium: apt-get install chromium, or set LSTM_EXPLAINED_CHROMIUM")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model = lx.model.load_pretrained("sine")
        windows = lx.data.make_windows(lx.data.sine_wave(), 50)
        trace_forecast(model, mode="multi", windows=windows, run=1, dataset="sine wave").save(
            root / "sine_run1.npz"
        )
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell(CELL)]
        nbformat.write(nb, root / "inspector.ipynb")
        env = dict(os.environ)
        for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                     "IPYTHONDIR"):
            env[name] = str(root / name.lower())
        # no "get Jupyter news?" toast over the screenshot
        labconfig = root / "jupyter_config_dir" / "labconfig"
        labconfig.mkdir(parents=True)
        (labconfig / "page_config.json").write_text(json.dumps(
            {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}
        ))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        token = secrets.token_hex(16)
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
             "--ip=127.0.0.1", f"--port={port}", f"--ServerApp.token={token}",
             "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}",
             "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    with urllib.request.urlopen(f"{base}/api/status?token={token}") as r:
                        json.load(r)
                    break
                except OSError:
                    time.sleep(0.3)
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1400})
                page.goto(f"{base}/lab/tree/inspector.ipynb?token={token}&reset")
                page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=90_000)
                page.evaluate("window.jupyterapp.shell.collapseLeft()")
                page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
                view = page.locator(".jp-Cell-outputArea .lxi[data-shown]").first
                view.wait_for(timeout=90_000)
                page.wait_for_timeout(1500)
                view.screenshot(path=str(OUT))
                browser.close()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
