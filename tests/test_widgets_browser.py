"""The gate inspector in a real JupyterLab, driven by a real (Debian) Chromium.

Starts JupyterLab on 127.0.0.1 (a free port, a token, temporary JUPYTER_* folders), opens
a small notebook that builds a :class:`~lstm_explained.widgets.GateInspector` from a saved
trace, runs it, moves the step slider with the keyboard and waits for the image to change.
The server is always stopped at the end.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, toy_trace, chromium_path):
    """A running JupyterLab serving a folder with the trace and the notebook; stopped after."""
    root = tmp_path_factory.mktemp("lab")
    toy_trace.save(root / "toy.npz")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from lstm_explained.widgets import inspect\n"
            "insp = inspect('toy.npz', units=[0, 1])\n"
            "insp"
        )
    ]
    nbformat.write(nb, root / "inspector.ipynb")
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        env[name] = str(tmp_path_factory.mktemp(name.lower()))
    env["IPYTHONDIR"] = str(tmp_path_factory.mktemp("ipython"))
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
        f"--port={port}", f"--ServerApp.token={token}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    log = open(root / "lab.log", "wb")  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited: {(root / 'lab.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    json.load(r)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start within 60 s") from None
                time.sleep(0.3)
        yield base, token
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the server and the kernels it started
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_slider_moves_the_view_in_jupyterlab(lab, browser):
    from playwright.sync_api import expect

    base, token = lab
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{base}/lab/tree/inspector.ipynb?token={token}&reset")
        page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=90_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        image = page.locator(".jp-Notebook .jp-Cell-outputArea img").first
        image.wait_for(timeout=60_000)
        first = image.get_attribute("src")
        handle = page.locator(".lstm-explained-inspector .widget-slider .noUi-handle").first
        handle.focus()
        handle.press("ArrowRight")
        page.wait_for_function(
            "([sel, old]) => { const i = document.querySelector(sel);"
            " return i && i.getAttribute('src') !== old; }",
            arg=[".jp-Notebook .jp-Cell-outputArea img", first],
            timeout=30_000,
        )
        readout = page.locator(".lstm-explained-inspector .widget-readout").first
        expect(readout).to_have_text("1")
        expect(page.locator(".lstm-explained-inspector")).to_contain_text(
            "step t = 1 of 11", timeout=30_000
        )
    finally:
        page.close()
    assert not [e for e in errors if "lstm" in e.lower()]
