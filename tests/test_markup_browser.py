"""Hostile labels in real Chromium: no dialog, no script, the label shown as text.

The payloads and the trace that carries them (as layer names, dataset, run, date, units
and forecast mode) are those of ``tests/hostile/test_hostile_markup.py``. Each is opened

* as the exported file (``lx.export.inspector_html(trace, path)``, over ``file://``), and
* as the widget (``GateInspector(lx.load_trace(file))``, from a shared trace file) in a real
  JupyterLab: one notebook, one cell per payload, on the session's JupyterLab server.

Only public behaviour is checked (what a user sees and what runs), so the tests hold for
any front end: no ``alert`` (a dialog), no ``window.__pwned`` (the sentinel some payloads
set), no page or console error, and the label's text on the page.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

_spec = importlib.util.spec_from_file_location(
    "hostile_markup_cases", Path(__file__).parent / "hostile" / "test_hostile_markup.py"
)
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)

#: JavaScript: true once every image of the page has loaded or failed (so any onerror
#: handler has run).
IMAGES_SETTLED = "() => [...document.images].every(i => i.complete)"
#: JavaScript: true when every image of the page shows a picture.
IMAGES_SHOWN = "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"


def _wait_for_text(locator, expected: str, timeout: float = 60.0) -> str:
    """The locator's rendered text once it holds ``expected`` (isolate marks ignored).

    The locator is scrolled into view first, as a reader would: JupyterLab does not render
    cells outside the window (``content-visibility``), which leaves their text empty.
    """
    deadline = time.monotonic() + timeout
    while True:
        locator.scroll_into_view_if_needed()
        text = hostile.visible(locator.inner_text())
        if expected in text or time.monotonic() > deadline:
            return text
        time.sleep(0.2)


def _assert_nothing_ran(page, log) -> None:
    page.wait_for_function(IMAGES_SETTLED, timeout=30_000)
    assert log.dialogs == []
    assert page.evaluate("() => window.__pwned") is None
    assert log.errors == []


# -- the exported file -------------------------------------------------------------------


@pytest.mark.parametrize("case", hostile.CASES)
def test_exported_file_shows_hostile_labels_as_text(case, tmp_path, new_page):
    from lstm_explained.export import inspector_html

    text = hostile.PAYLOADS[case]
    path = inspector_html(hostile.hostile_trace(text), tmp_path / "hostile.html",
                          samples=[0, 1])
    page, log = new_page()
    page.goto(path.as_uri())
    _assert_nothing_ran(page, log)
    expected = hostile.shown(text)
    shown = _wait_for_text(page.locator("body"), expected, timeout=10)
    # the title, the sample's label and the step's line each name it
    assert shown.count(expected) >= 3, shown[:500]
    assert expected in hostile.visible(page.title())
    page.wait_for_selector("#lx-inspector[data-shown='0:0'] svg text", timeout=10_000)


def test_exported_file_shows_a_hostile_title_as_text(tmp_path, new_page):
    from lstm_explained.export import inspector_html

    titles = [hostile.PAYLOADS[case] for case in hostile.CASES if case != "long"]
    title = " | ".join(titles)
    path = inspector_html(hostile.hostile_trace("sine"), tmp_path / "titled.html",
                          samples=[0], title=title)
    page, log = new_page()
    page.goto(path.as_uri())
    _assert_nothing_ran(page, log)
    assert page.title() == hostile.shown(title)
    assert page.locator(".lxi-title").text_content() == hostile.shown(title)


# -- the widget in JupyterLab --------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_notebook(lab):
    """``hostile.ipynb``: one cell per payload, each the inspector of a saved hostile trace."""
    cells = ["import lstm_explained as lx\nfrom lstm_explained.widgets import GateInspector"]
    for k, case in enumerate(hostile.CASES):
        hostile.hostile_trace(hostile.PAYLOADS[case]).save(lab.root / f"hostile_{k}.npz")
        cells.append(f"GateInspector(lx.load_trace('hostile_{k}.npz'), units=[0, 1])")
    lab.write_notebook("hostile.ipynb", cells)
    return "hostile.ipynb"


def test_widget_in_jupyterlab_shows_hostile_labels_as_text(lab, hostile_notebook, new_page):
    page, log = new_page(viewport={"width": 1280, "height": 1000})
    lab.run_notebook(page, hostile_notebook)
    cells = page.locator(".jp-Notebook .jp-Cell")

    def output(k: int):
        return cells.nth(k + 1).locator(".jp-Cell-outputArea")

    last = len(hostile.CASES) - 1  # the cells run in order: wait for the last one
    _wait_for_text(output(last), hostile.shown(hostile.PAYLOADS[hostile.CASES[last]]), 120)
    missing = {}
    for k, case in enumerate(hostile.CASES):
        expected = hostile.shown(hostile.PAYLOADS[case])
        shown = _wait_for_text(output(k), expected, timeout=5)
        if expected not in shown:
            missing[case] = shown[:300]
    _assert_nothing_ran(page, log)
    assert missing == {}
