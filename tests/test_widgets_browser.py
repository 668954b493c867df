"""The gate inspector widget in a real JupyterLab, driven by a real (Debian) Chromium.

Uses the session's JupyterLab (the ``lab`` fixture of ``conftest.py``): a small notebook
shows a :class:`~lstm_explained.widgets.GateInspector` (an anywidget) of a saved trace.
The test steps with the keyboard in the browser and reads ``insp.timestep`` in the kernel,
then sets it in the kernel and watches the view move. Every page error and console error
counts, and so does any request that leaves the machine.
"""

from __future__ import annotations

import time
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

#: JavaScript: run code in the notebook's kernel, return what it printed.
RUN_IN_KERNEL = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  let out = "";
  const future = kernel.requestExecute({ code, silent: false, store_history: false });
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === "stream") out += msg.content.text;
    if (msg.header.msg_type === "error") out += "ERROR " + msg.content.ename;
  };
  await future.done;
  return out;
}"""


@pytest.fixture(scope="module")
def inspector_notebook(lab, toy_trace):
    """``inspector.ipynb`` in the lab's folder: the inspector of a saved toy trace."""
    toy_trace.save(lab.root / "toy.npz")
    lab.write_notebook(
        "inspector.ipynb",
        ["from lstm_explained.widgets import inspect\n"
         "insp = inspect('toy.npz', units=[0, 1])\n"
         "insp"],
    )
    return "inspector.ipynb"


def _kernel_value(page, expr: str, expected: str, timeout: float = 20.0) -> str:
    """What ``print(expr)`` prints in the kernel, once it is ``expected`` (or at timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        out = page.evaluate(RUN_IN_KERNEL, f"print({expr})").strip()
        if out == expected or time.monotonic() > deadline:
            return out
        time.sleep(0.2)


def test_widget_state_syncs_both_ways_in_jupyterlab(lab, inspector_notebook, new_page):
    from playwright.sync_api import expect

    page, log = new_page(viewport={"width": 1280, "height": 1000})
    off_machine = []

    def _request(request) -> None:
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname != "127.0.0.1":
            off_machine.append(request.url)

    page.on("request", _request)
    lab.run_notebook(page, inspector_notebook)
    view = page.locator(".jp-Notebook .jp-Cell-outputArea .lxi").first
    view.wait_for(timeout=60_000)
    expect(view).to_have_attribute("data-shown", "0:0", timeout=30_000)
    # the browser-drawn front end, not a picture: the diagram, heatmaps and real controls
    assert view.locator("svg.lxi-svg").count() >= 3
    assert view.locator("canvas.lxi-heat").count() >= 4
    assert view.locator("input[type=range].lxi-step-range").count() == 1
    assert view.locator("img").count() == 0

    # a key press in the browser steps the view and reaches the kernel
    view.focus()
    view.press("ArrowRight")
    expect(view).to_have_attribute("data-shown", "0:1")
    expect(view.locator(".lxi-step")).to_contain_text("step t = 1 of 11")
    assert _kernel_value(page, "insp.timestep", "1") == "1"
    view.press("End")
    assert _kernel_value(page, "insp.timestep", "11") == "11"

    # setting the state in the kernel moves the view
    assert page.evaluate(RUN_IN_KERNEL, "insp.timestep = 5") == ""
    expect(view).to_have_attribute("data-shown", "0:5")
    assert page.evaluate(RUN_IN_KERNEL, "insp.sample = 2") == ""
    expect(view).to_have_attribute("data-shown", "2:5")
    expect(view.locator(".lxi-step")).to_contain_text("step t = 5 of 11")
    expect(view.locator(".lxi-step-range")).to_have_value("5")
    assert page.evaluate(RUN_IN_KERNEL, "insp.units = [4, 2]") == ""
    expect(view.locator(".lxi-chosen")).to_contain_text("on the belt: unit 4, unit 2")
    # and a bad value from the kernel is refused there, the view unchanged
    assert "DataError" in page.evaluate(RUN_IN_KERNEL, "insp.timestep = 99")
    expect(view).to_have_attribute("data-shown", "2:5")

    assert log.errors == []
    assert log.dialogs == []
    assert off_machine == []


def test_the_gate_lab_reruns_in_the_page_and_in_the_kernel(lab, new_page):
    """A reader sets a gate in the widget's lab: the page shows numpy's counterfactual, and
    the kernel's ``insp.clamps`` and ``insp.intervention`` follow (rerun there)."""
    import json

    from playwright.sync_api import expect

    lab.write_notebook(
        "gate_lab.ipynb",
        ["from lstm_explained.lab_payload import toy_lab\n"
         "from lstm_explained.widgets import GateInspector\n"
         "stack, trace = toy_lab()\n"
         "insp = GateInspector(trace, lab=stack, units=[2])\n"
         "insp"],
    )
    page, log = new_page(viewport={"width": 1280, "height": 1000})
    lab.run_notebook(page, "gate_lab.ipynb")
    view = page.locator(".jp-Notebook .jp-Cell-outputArea .lxi").first
    view.wait_for(timeout=60_000)
    panel = view.locator(".lxi-lab")
    expect(panel).to_have_attribute("data-state", "0:null", timeout=30_000)
    panel.locator(".lxi-lab-value").fill("0")
    expect(panel.locator(".lxi-lab-status")).to_contain_text("unit 2, every step")
    shown = json.loads(panel.get_attribute("data-counterfactual"))[0]
    assert _kernel_value(page, "insp.clamps[0]['units']", "[2]") == "[2]"
    code = "print(repr(float(insp.intervention.outputs[0, 0])))"
    kernel = float(page.evaluate(RUN_IN_KERNEL, code))
    assert abs(kernel - shown) <= 1e-5 * max(1.0, abs(kernel))
    # clamps set in the kernel reach the page
    two = ("insp.clamps = [dict(gate='output', mode='set', value=0.2, layer=1, units=None, "
           "steps=[1, 2, 3]), dict(gate='input', mode='scale', value=3.0, layer=0, units=[1], "
           "steps=None)]")
    assert page.evaluate(RUN_IN_KERNEL, two) == ""
    expect(panel.locator(".lxi-lab-status")).to_contain_text("and 1 more clamp(s) set from Python")
    shown = json.loads(panel.get_attribute("data-counterfactual"))[0]
    kernel = float(page.evaluate(RUN_IN_KERNEL, code))
    assert abs(kernel - shown) <= 1e-5 * max(1.0, abs(kernel))
    assert page.evaluate(RUN_IN_KERNEL, "insp.clamps = []") == ""
    expect(panel).to_have_attribute("data-state", "0:null")
    assert log.errors == [] and log.dialogs == []


def _site_setting(name: str):
    """A setting of docs/conf.py, read without running the file."""
    import ast
    from pathlib import Path

    conf = Path(__file__).resolve().parents[1] / "docs" / "conf.py"
    for node in ast.parse(conf.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)
    raise LookupError(name)


def test_course_site_shows_the_kernel_free_inspector_not_the_widget(tmp_path, new_page):
    """A one-page site with the course site's mime priorities (docs/conf.py), executing a
    cell that shows a GateInspector: the page holds a live kernel-free inspector at the
    cell's state, and no widget view."""
    import subprocess
    import sys

    (tmp_path / "conf.py").write_text(
        'project = "check"\nextensions = ["myst_nb"]\nnb_execution_mode = "force"\n'
        "nb_execution_raise_on_error = True\nnb_ipywidgets_js = {}\n"
        f"nb_mime_priority_overrides = {_site_setting('nb_mime_priority_overrides')!r}\n"
    )
    (tmp_path / "index.md").write_text(
        "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
        "kernelspec:\n  name: python3\n  display_name: Python 3\n---\n# Check\n\n"
        "```{code-cell} ipython3\nfrom lstm_explained.trace import toy_trace\n"
        "from lstm_explained.widgets import GateInspector\n"
        "insp = GateInspector(toy_trace(), units=[0, 1])\ninsp.timestep = 4\ninsp\n```\n"
    )
    out = tmp_path / "html"
    subprocess.run([sys.executable, "-m", "sphinx", "-E", "-q", "-b", "html", str(tmp_path),
                    str(out)], check=True, capture_output=True, timeout=300)
    built = (out / "index.html").read_text(encoding="utf-8")
    assert 'type="application/vnd.jupyter.widget-view+json"' not in built
    page, log = new_page()
    page.goto((out / "index.html").as_uri())
    frame = page.frame_locator("iframe.lx-inspector-frame")
    view = frame.locator("#lx-inspector[data-shown='0:4']")
    view.wait_for(timeout=15_000)
    view.focus()
    view.press("ArrowRight")
    frame.locator("#lx-inspector[data-shown='0:5']").wait_for(timeout=5_000)
    assert log.errors == [] and log.dialogs == []
