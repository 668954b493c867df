"""The course site: built once per session with Sphinx, then read in a headless Chromium.

The build is the one-command build of the README (``python3 -m sphinx -E -W --keep-going
docs OUT``, into a temporary folder), made by the session fixture ``site`` of
``conftest.py``: it executes every tutorial once, and ``tests/test_tutorials.py`` checks
the notebooks it executed. The pages are served by a local ``http.server`` on 127.0.0.1
and opened with Playwright driving Debian's Chromium (never a downloaded browser).
Checked on every page: no console error, no request to any other host, no blank widget
area; on every tutorial page: a launch link, the ``.ipynb`` download, the exercises'
solutions folded away until clicked, and a static inspector that steps when its slider
moves or its play button is pressed, and downloads as a file.

Run alone with ``python3 -m pytest -m docs`` (a few minutes: the build executes the
notebooks). Chromium comes from the shared ``browser`` fixture of ``conftest.py``
(``$LSTM_EXPLAINED_CHROMIUM`` or ``chromium`` on the PATH; without one the browser tests
are skipped, or fail under CI).
"""

from __future__ import annotations

import ast
import functools
import json
import re
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.docs, pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
TUTORIALS = sorted(p.stem for p in (ROOT / "tutorials").glob("[0-9][0-9]_*.md"))
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
LOCAL_SCHEMES = {"data", "blob", "about"}
WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'


@pytest.fixture(scope="session")
def site_url(site):
    """Base URL of a local static server (127.0.0.1, a free port) over the built site."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):  # noqa: D102
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


class PageLog:
    """Console errors, page errors, failed responses and non-local requests of a page, and
    the requests still in flight (:meth:`wait_quiet`)."""

    def __init__(self, page, base: str) -> None:
        self.errors: list[str] = []
        self.external: list[str] = []
        self.base = base
        self.in_flight: set = set()
        self.last_change = time.monotonic()
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("requestfailed", self._failed)
        page.on("requestfinished", self._done)
        page.on("response", self._response)
        page.on("request", self._request)

    def wait_quiet(self, page, quiet_ms: int = 500, timeout_ms: int = 30_000) -> None:
        """Wait until none of the page's requests (its frames' included) has been in
        flight for ``quiet_ms``: Playwright's "networkidle", counted from the requests
        themselves (Chromium's headless shell does not always report that lifecycle
        event for a page that did go quiet)."""
        end = time.monotonic() + timeout_ms / 1000
        while self.in_flight or time.monotonic() - self.last_change < quiet_ms / 1000:
            assert time.monotonic() < end, (
                f"still loading after {timeout_ms} ms: {[r.url for r in self.in_flight]}")
            page.wait_for_timeout(50)

    def _done(self, request) -> None:
        self.in_flight.discard(request)
        self.last_change = time.monotonic()

    def _failed(self, request) -> None:
        self._done(request)
        self.errors.append(f"request failed: {request.url}")

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status}: {response.url}")

    def _request(self, request) -> None:
        self.in_flight.add(request)
        self.last_change = time.monotonic()
        url = urlparse(request.url)
        if url.scheme in LOCAL_SCHEMES:
            return
        if url.scheme in {"http", "https", "ws", "wss"} and url.hostname in LOCAL_HOSTS:
            return
        self.external.append(request.url)


@pytest.fixture
def open_page(browser, site_url):
    """Open a site page (path relative to the root); returns (page, log)."""
    contexts = []

    def _open(path: str, settle_ms: int = 400):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        log = PageLog(page, site_url)
        page.goto(site_url + path, wait_until="load")
        log.wait_quiet(page)
        page.wait_for_timeout(settle_ms)
        return page, log

    yield _open
    for context in contexts:
        try:
            context.close()
        except Exception:  # already closed
            pass


def _pages(site: Path) -> list[str]:
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if not p.relative_to(site).as_posix().startswith(("_static/", "_sources/"))
    )


def _blank_widgets(page) -> list[str]:
    """Descriptions of widget views that rendered nothing (or an error)."""
    return page.evaluate(
        """(selector) => {
            const bad = [];
            document.querySelectorAll(selector).forEach((script, i) => {
                const area = script.previousElementSibling;
                const box = area ? area.getBoundingClientRect() : null;
                if (!area || !area.classList.contains("widget-subarea")
                        || area.childElementCount === 0 || !box || box.height < 5) {
                    bad.push(`widget view ${i}: nothing rendered`);
                } else if (/Error displaying widget/.test(area.textContent)) {
                    bad.push(`widget view ${i}: ${area.textContent.slice(0, 200)}`);
                }
            });
            return bad;
        }""",
        WIDGET_VIEW,
    )


# -- the instructor guide quotes the executed tutorials ---------------------------------------

#: A number the guide takes from a tutorial: {glue:text}`tutorials/NN_name.md::key:format`.
GLUED = re.compile(r"\{glue:text\}`([^`:]+)::([A-Za-z_]\w*)(?::([^`]*))?`")
PASTED = re.compile(r'<span class="pasted-text">(.*?)</span>', re.S)


def glued_values(executed: Path, doc: str) -> dict[str, str]:
    """The values a tutorial glued when the build executed it (myst-nb's glue cache)."""
    cache = executed / f"{doc}.glue.json"
    assert cache.exists(), f"the build left no glue cache for {doc}"
    return {key: out["data"]["text/plain"]
            for key, out in json.loads(cache.read_text(encoding="utf-8")).items()}


def quoted_numbers(source: str, executed: Path) -> list[tuple[str, str]]:
    """(reference, text the built page must show) for every glued number in ``source``."""
    out = []
    for path, key, fmt in GLUED.findall(source):
        doc = path.removesuffix(".md")
        value = ast.literal_eval(glued_values(executed, doc)[key])
        out.append((f"{path}::{key}", format(value, fmt or "")))
    return out


def check_guide_quotes(source: str, built: str, executed: Path) -> None:
    """The built guide shows, in order, every number it quotes as the tutorial computed it,
    and nothing else pasted."""
    expected = quoted_numbers(source, executed)
    shown = [re.sub(r"<[^>]+>", "", text).strip() for text in PASTED.findall(built)]
    assert expected, "the instructor guide quotes no number from the tutorials"
    assert shown == [text for _, text in expected], list(zip(expected, shown, strict=False))


def test_instructor_guide_quotes_the_executed_tutorials(site_build):
    """Issue 13: the guide's numbers are the executed tutorials', not typed. Each one is
    pasted by myst-nb's glue from the tutorial's execution, and equals what the tutorial
    itself shows in its computed sentences."""
    source = (DOCS / "instructor-guide.md").read_text(encoding="utf-8")
    built = (site_build.html / "instructor-guide.html").read_text(encoding="utf-8")
    check_guide_quotes(source, built, site_build.executed)
    assert "by one step" not in source and "about the same" not in source

    values = {k: ast.literal_eval(v) for k, v in
              glued_values(site_build.executed, "tutorials/03_sp500").items()}
    nb = json.loads((site_build.executed / "tutorials" / "03_sp500.ipynb").read_text("utf-8"))
    said = " ".join("".join(o.get("data", {}).get("text/markdown", ""))
                    for cell in nb["cells"] for o in cell.get("outputs", []))
    for sentence in (f"**{values['lag_days']} days earlier**",
                     f"Its error is {values['rmse_lstm']:.1f} index points",
                     f"against **{values['rmse_persistence']:.1f}** for persistence",
                     f"The AR's error is {values['rmse_ar']:.1f} index points",
                     f"f̄ = {values['mean_forget']:.4f}",
                     f"{values['time_constant']:.2f} days for `lstm_1`"):
        assert sentence in said, f"tutorial 03 does not show {sentence!r}"


def test_instructor_guide_times_come_from_the_build(site_build):
    """The guide types no timing in seconds: the build's own table of each tutorial's execution time
    (myst-nb's nb-exec-table), and the benchmark commands that measure the rest."""
    source = (DOCS / "instructor-guide.md").read_text(encoding="utf-8")
    typed = re.findall(r"\b\d+(?:[.-]\d+)?\s*(?:s|sec|seconds?)\b", source)
    assert not typed, f"timings typed into the guide: {typed}"
    built = (site_build.html / "instructor-guide.html").read_text(encoding="utf-8")
    table = built[built.index("<table"):built.index("</table>")]
    for name in TUTORIALS:
        assert name in table, f"the execution table does not list {name}"


def test_a_wrong_quote_is_caught(tmp_path):
    """check_guide_quotes fails when the built page shows another number than the one the
    tutorial glued, or one number too few."""
    (tmp_path / "tutorials").mkdir()
    (tmp_path / "tutorials" / "03_x.glue.json").write_text(json.dumps(
        {"lag": {"data": {"text/plain": "3"}}, "rmse": {"data": {"text/plain": "35.6015"}}}))
    source = ("late by {glue:text}`tutorials/03_x.md::lag:d` days, "
              "{glue:text}`tutorials/03_x.md::rmse:.1f`")
    good = 'late by <span class="pasted-text">3</span> days, <span class="pasted-text">35.6</span>'
    check_guide_quotes(source, good, tmp_path)
    with pytest.raises(AssertionError):
        check_guide_quotes(source, good.replace(">3<", ">1<"), tmp_path)
    with pytest.raises(AssertionError):
        check_guide_quotes(source, good.split(",")[0], tmp_path)


# -- the build ----------------------------------------------------------------------------


def test_site_has_every_page(site):
    pages = set(_pages(site))
    expected = {
        "index.html",
        "install.html",
        "equations.html",
        "instructor-guide.html",
        "changelog.html",
        "hostile-inputs.html",
        "api/index.html",
        "tutorials.html",
        *(f"api/{m}.html" for m in ("data", "model", "forecast", "plots", "cell", "tracer")),
        *(f"tutorials/{name}.html" for name in TUTORIALS),
    }
    assert expected <= pages, f"missing pages: {sorted(expected - pages)}"


def test_site_refers_to_no_other_host(site):
    """No script, stylesheet, font or image is loaded from a CDN (static check of the HTML)."""
    bad = []
    for path in site.rglob("*"):
        if path.suffix not in {".html", ".css"} or "_static/ipywidgets" in path.as_posix():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for needle in ("cdn.jsdelivr", "cdnjs.", "unpkg.com", "fonts.googleapis", "mathjax@"):
            if needle in text:
                bad.append(f"{path.relative_to(site)}: {needle}")
    assert not bad, bad


# -- every page in Chromium ---------------------------------------------------------------


def test_every_page_loads_cleanly_and_offline(site, site_url, browser):
    """Every page, a few tabs at a time (each page waits for its network to go idle: the
    waits overlap), each tab with its own log of errors and requests."""
    pages = _pages(site)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    problems = []
    try:
        tabs = [context.new_page() for _ in range(6)]
        logs = [PageLog(tab, site_url) for tab in tabs]
        for start in range(0, len(pages), len(tabs)):
            batch = list(zip(tabs, logs, pages[start : start + len(tabs)], strict=False))
            seen = [(len(log.errors), len(log.external)) for _, log, _ in batch]
            for tab, _, path in batch:
                tab.goto(site_url + path, wait_until="commit")
            for (tab, log, path), (errors, external) in zip(batch, seen, strict=True):
                tab.wait_for_load_state("load")
                log.wait_quiet(tab)
                tab.wait_for_timeout(150)
                problems += [f"{path}: {e}" for e in log.errors[errors:]]
                problems += [f"{path}: request to another host: {u}"
                             for u in log.external[external:]]
                problems += [f"{path}: {b}" for b in _blank_widgets(tab)]
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_equations_are_typeset_from_the_site(open_page):
    page, log = open_page("equations.html", settle_ms=800)
    page.wait_for_selector("mjx-container", timeout=15_000)
    assert page.locator("mjx-container").count() >= 20
    assert page.locator("mjx-merror").count() == 0
    assert not log.external and not log.errors, (log.external, log.errors)


def test_first_tutorials_inspector_shows_the_sentence(open_page):
    """Tutorial 01's inspector is titled by its own sentence, labels its time axis with the
    words and names every input feature (not Keras' model name and steps 0-14)."""
    page, _ = open_page("tutorials/01_lstm_cell.html", settle_ms=800)
    frame = page.locator("iframe.lx-inspector-frame").first.element_handle().content_frame()
    frame.wait_for_selector("#lx-inspector[data-shown]", timeout=30_000)
    text = frame.locator("#lx-inspector").inner_text()
    sentence = "Alice met Tom and she smiled . Then Bob called Carol and he laughed"
    assert sentence in text, text[:300]
    axis = frame.locator("#lx-inspector svg text").all_text_contents()
    words = set(sentence.split())  # the axis thins its labels when the steps are many
    assert "Alice" in axis and len(words & set(axis)) >= 4, axis[:40]
    assert {"new_subject", "gender"} <= set(text.split()), text[-300:]  # feature names


def test_no_page_carries_widget_state_or_widget_scripts(site):
    """Widgets show as kernel-free inspectors: no dead widget view, no saved widget state,
    no widget manager that would fetch a module (see docs/_ext/course.py)."""
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        for mark in ("application/vnd.jupyter.widget-view+json",
                     "application/vnd.jupyter.widget-state+json", "ipywidgets/embed.js"):
            assert mark not in text, (page.relative_to(site).as_posix(), mark)


def test_computed_sentences_typeset_their_maths(site):
    """A sentence a tutorial computes (``say(f"... $f_t$ = ...")``) shows maths, not ``$``:
    its ``$...$`` reaches the page as MathJax's ``\\(...\\)``, in every tutorial page."""
    for page in sorted((site / "tutorials").glob("[0-9]*.html")):
        html = page.read_text(encoding="utf-8")
        outputs = r'<div class="cell_output docutils container">(.*?)</div>\s*</div>'
        for output in re.findall(outputs, html, flags=re.S):
            text = re.sub(r"<[^>]+>", "", output)
            assert not re.search(r"\$[^$\s][^$]*\$", text), (page.name, text[:200])
    first = (site / "tutorials" / "01_lstm_cell.html").read_text(encoding="utf-8")
    maths = '<span class="math notranslate nohighlight">\\(f_t\\)</span>'
    assert f"the forget gate is {maths}" in first


def _typed(text: str) -> str:
    """``text`` with Sphinx's smart quotes, dashes and ellipses (in prose) undone."""
    for typographic, typed in [("‘", "'"), ("’", "'"), ("“", '"'), ("”", '"'), ("—", "---"),
                               ("–", "--"), ("…", "...")]:
        text = text.replace(typographic, typed)
    return text


def test_hostile_inputs_page_shows_every_case_as_text(open_page):
    """Every case of tests/hostile/ is a row, and its payloads show as text (no markup)."""
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    from hostile_table import read_tables

    page, log = open_page("hostile-inputs.html")
    cases = [row for rows in read_tables().values() for row in rows]
    shown = page.locator("table.lx-hostile tbody tr")
    assert shown.count() == len(cases)
    text = _typed(page.locator("article").inner_text())
    for case, given, gets in cases:
        assert case in text and _typed(given) in text and _typed(gets) in text, case
    assert page.evaluate("window.__pwned === undefined")
    assert not log.errors, log.errors


# -- the tutorials ------------------------------------------------------------------------


def test_there_are_tutorials():
    assert TUTORIALS, "no tutorials/NN_*.md found"


def test_tutorials_page_lists_every_tutorial_file(site):
    """The list is made from the files: a new tutorial appears without anyone typing it."""
    html = (site / "tutorials.html").read_text(encoding="utf-8")
    toctree = html.split('<div class="toctree-wrapper compound">')[1].split("</div>")[0]
    listed = re.findall(r'href="tutorials/(\d\d_[^"#]+)\.html"', toctree)
    assert listed == TUTORIALS


@pytest.mark.parametrize("name", TUTORIALS)
def test_tutorial_page_launch_link(site, name):
    html = (site / "tutorials" / f"{name}.html").read_text(encoding="utf-8")
    assert "mybinder.org/v2/gh/" in html
    assert f"urlpath=lab%2Ftree%2Ftutorials%2F{name}.md" in html  # the tutorial itself


@pytest.mark.parametrize("name", TUTORIALS)
def test_tutorial_page_offers_the_executed_notebook(site, name):
    """An .ipynb made by the build (never committed): the tutorial's cells, with outputs."""
    import jupytext
    import nbformat

    html = (site / "tutorials" / f"{name}.html").read_text(encoding="utf-8")
    href = f"../_sources/tutorials/{name}.ipynb"
    assert f'class="lx-download" href="{href}"' in html  # in the box under the title
    assert f'href="{href}"' in html.split('class="lx-download"')[0]  # the theme's button
    nb = nbformat.read(site / "tutorials" / href, as_version=4)
    nbformat.validate(nb)
    tutorial = jupytext.read(ROOT / "tutorials" / f"{name}.md")
    assert [c.source for c in nb.cells] == [c.source for c in tutorial.cells]
    assert any(c.outputs for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("name", TUTORIALS)
def test_tutorial_solutions_are_closed_until_clicked(open_page, name):
    """Each exercise's solution is a closed toggle labelled "Solution" (myst-nb's
    ``hide-cell``) that opens on a click, showing the solution's code and its check's ✓."""
    import jupytext

    cells = jupytext.read(ROOT / "tutorials" / f"{name}.md").cells
    exercises = sum("exercise" in c.metadata.get("tags", []) for c in cells)
    page, log = open_page(f"tutorials/{name}.html")
    toggles = page.locator(".tag_solution > details")
    assert toggles.count() == exercises
    first = toggles.first
    first.scroll_into_view_if_needed()
    summary = first.locator("summary")
    assert summary.inner_text().strip() == "Solution"
    assert not first.locator("pre").first.is_visible(), "the solution is shown before a click"
    summary.click()
    assert "answer =" in first.locator(".cell_input pre").inner_text()
    assert first.locator(".cell_output").inner_text().startswith("✓")
    hand_made = page.locator("article details:not(.tag_solution > details)", has_text="Solution")
    assert hand_made.count() == 0
    assert not log.errors, log.errors


def _frame_shot(frame_element) -> bytes:
    return frame_element.screenshot(animations="disabled")


def _changes(frame, control, value: str, timeout_ms: int = 5000) -> bool:
    """Whether the input ``control`` of ``frame`` leaves ``value`` within ``timeout_ms``
    (waits only as long as that takes)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        frame.wait_for_function("([el, old]) => el.value !== old",
                                arg=[control.element_handle(), value], timeout=timeout_ms)
    except PlaywrightTimeout:
        return False
    return True


@pytest.mark.parametrize("name", TUTORIALS)
def test_tutorial_inspector_steps_without_a_kernel(open_page, name):
    page, log = open_page(f"tutorials/{name}.html")
    frames = page.locator("iframe.lx-inspector-frame")
    # the tutorial's own at the end; before it, the kernel-free face of each widget cell
    assert frames.count() >= 1, "no static inspector on the page"
    element = frames.last
    element.scroll_into_view_if_needed()
    frame = element.element_handle().content_frame()
    assert frame is not None
    frame.wait_for_load_state("load")
    frame.wait_for_selector("#lx-inspector[data-shown]", timeout=30_000)  # drawn
    box = element.bounding_box()
    assert box and box["height"] > 150, f"inspector too small: {box}"
    assert len(frame.locator("body").inner_text().strip()) > 0, "inspector is blank"

    slider = frame.locator('input[type="range"]').first
    assert slider.count() == 1, "the inspector has no slider"
    before_value = slider.input_value()
    before = _frame_shot(element)
    slider.focus()
    for _ in range(3):
        slider.press("ArrowRight")
    assert _changes(frame, slider, before_value), "the slider did not move"
    after = _frame_shot(element)
    assert after != before, "moving the slider changed nothing in the inspector"

    play = frame.get_by_role("button", name=re.compile("play", re.IGNORECASE))
    assert play.count() >= 1, "the inspector has no play button"
    button = play.first.element_handle()  # its label turns into "Pause" while playing
    value = slider.input_value()
    button.click()
    assert _changes(frame, slider, value), "play did not step the inspector"
    button.click()  # stop

    link = page.locator(".lx-inspector a[download]").last
    with page.expect_download() as download:
        link.click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert saved == element.get_attribute("srcdoc"), "the download is not the inspector shown"
    assert saved.startswith("<!DOCTYPE html>")

    assert not log.errors, log.errors
    assert not log.external, log.external
