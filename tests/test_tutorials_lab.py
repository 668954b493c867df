"""A tutorial in real JupyterLab: a double-click opens the .md as a notebook, Run All works.

The setting that makes jupytext's notebook viewer the default for Markdown files is the
one the package installs (``jupyter-config/lstm-explained.json``, put into
``<prefix>/share/jupyter/lab/settings/overrides.d/`` by the wheel, editable installs
included): the test uses the JupyterLab of this environment as ``pip install -e ".[dev]"``
left it, with the session's ``lab`` fixture (``conftest.py``), on a copy of ``tutorials/``
(JupyterLab may save what it opens). Chromium double-clicks ``01_*.md`` in the file
browser, runs every cell and waits for the kernel; no cell may end in an error, and the
page may log no error.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
SETTING = ROOT / "jupyter-config" / "lstm-explained.json"
INSTALLED = (Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.d"
             / "lstm-explained.json")
FIRST = sorted((ROOT / "tutorials").glob("01_*.md"))[0]
RUN_TIMEOUT_MS = 240_000

#: What every code cell of the open notebook holds: its execution count and output types.
CELLS_JS = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const cells = panel.content.model.cells;
    const out = [];
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type !== "code") continue;
        const outputs = cell.outputs.toJSON().map(o => ({
            type: o.output_type, name: o.ename || o.name || "",
            text: JSON.stringify(o.data || o.text || "")}));
        out.push({count: cell.executionCount, source: cell.sharedModel.getSource(), outputs});
    }
    return out;
}"""


def test_the_installed_setting_is_the_shipped_one():
    """``pip install -e ".[dev]"`` (the README's install) put the shipped setting in place."""
    assert INSTALLED.exists(), (
        f"{INSTALLED} is missing: install the package again (python3 -m pip install -e "
        '".[dev]"), which copies jupyter-config/lstm-explained.json there'
    )
    assert json.loads(INSTALLED.read_text()) == json.loads(SETTING.read_text()), (
        "the installed JupyterLab setting is not the repository's: install again"
    )


def test_double_click_opens_the_first_tutorial_as_a_notebook_that_runs(lab, new_page):
    folder = lab.root / "tutorials"
    if not folder.exists():
        shutil.copytree(ROOT / "tutorials", folder,
                        ignore=shutil.ignore_patterns(".*", "*.ipynb", "__pycache__"))
    page, log = new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{lab.base}/lab/tree/tutorials?token={lab.token}&reset")
    item = page.locator(".jp-DirListing-item", has_text=FIRST.name)
    item.wait_for(timeout=60_000)
    item.dblclick()

    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
    notebook.wait_for(timeout=60_000)  # a notebook, not the text editor
    assert page.locator(".jp-FileEditor:visible").count() == 0
    page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=90_000)

    # Saving it unchanged writes the same text: the file is in the form JupyterLab saves.
    saved = folder / FIRST.name
    mtime = saved.stat().st_mtime_ns
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function(
        "() => !document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)')"
        ".title?.className?.includes('jp-mod-dirty')", timeout=30_000)
    page.wait_for_timeout(500)
    assert saved.stat().st_mtime_ns != mtime, "JupyterLab did not save the tutorial"
    assert saved.read_text(encoding="utf-8") == FIRST.read_text(encoding="utf-8")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        f"() => ({CELLS_JS})().every(c => c.count !== null)", timeout=RUN_TIMEOUT_MS
    )
    page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=RUN_TIMEOUT_MS)

    cells = page.evaluate(CELLS_JS)
    errors = [(k, o["name"]) for k, c in enumerate(cells) for o in c["outputs"]
              if o["type"] == "error"]
    assert cells and not errors, f"code cells ending in an error: {errors}"
    # the model's outputs, not the page's: JupyterLab draws only the cells in view
    exercise = next(c for c in cells if "answer = None" in c["source"])
    assert "no answer yet" in " ".join(o["text"] for o in exercise["outputs"]), exercise
    frame = page.locator("iframe.lx-inspector-frame")  # the tutorial's last cell
    assert frame.count() == 1 and frame.bounding_box()["height"] > 150
    assert not log.errors, log.errors
    assert not log.dialogs, log.dialogs
    assert not list(folder.glob("*.ipynb")), "opening the tutorial made an .ipynb"
