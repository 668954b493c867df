"""The gate inspector in a real JupyterLab, driven by a real (Debian) Chromium.

Uses the session's JupyterLab (the ``lab`` fixture of ``conftest.py``): a small notebook
builds a :class:`~lstm_explained.widgets.GateInspector` from a saved trace, runs, and the
test moves the step slider with the keyboard and waits for the image to change. Every
page error and console error counts.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


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


def test_slider_moves_the_view_in_jupyterlab(lab, inspector_notebook, new_page):
    from playwright.sync_api import expect

    page, log = new_page(viewport={"width": 1280, "height": 1000})
    lab.run_notebook(page, inspector_notebook)
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
    assert log.errors == []
    assert log.dialogs == []
