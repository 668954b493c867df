"""Hostile text in a trace is shown as text: never run as markup, never parsed as mathtext.

Every string that can come from a trace file, a model, a CSV or a file name (layer names,
dataset labels, dates, units, a forecast's run and mode name, the title of an export) is
tried here in every view that shows it: the widget's data and fallback, the exported HTML
file, the static plots and the course site's iframe. The same payloads are opened in real
Chromium, as the widget in JupyterLab and as the exported file, by
``tests/test_markup_browser.py``.

:data:`PAYLOADS` holds the strings, one per case id of :data:`HOSTILE`; :func:`hostile_trace`
puts one of them everywhere a trace can carry a string.
"""

from __future__ import annotations

import importlib.util
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

HOSTILE = [
    ("img-onerror", "every label of a trace is `<img src=x onerror=alert(1)>`",
     "shown as those characters; no image element, no script runs"),
    ("img-sentinel", "every label is `<img src=x onerror=\"window.__pwned=1\">`",
     "shown as text; the sentinel stays unset"),
    ("script-tag", "every label is `<script>alert(1)</script>`", "shown as text"),
    ("script-close", "every label is `</script><script>alert(1)</script>`",
     "shown as text; the exported page's data block is not closed early"),
    ("script-close-sentinel", "every label is `</script><script>window.__pwned=1</script>`",
     "shown as text; the sentinel stays unset"),
    ("html-comment", "every label is `<!--<script>` (used to blank the exported page)",
     "shown as text; the exported page still works"),
    ("script-close-no-gt", "every label is `</script x` (closes a script even when `>` is "
     "escaped)", "shown as text; the exported page's data block is not closed early"),
    ("html-comment-no-gt", "every label is `<!--<script x` (swallows the page even when `>` "
     "is escaped)", "shown as text; the exported page still works"),
    ("attribute-break", "every label is `\"><svg onload=alert(1)>`",
     "shown as text; no attribute is closed early"),
    ("svg-sentinel", "every label is `\"><svg onload=\"window.__pwned=1\">`",
     "shown as text; the sentinel stays unset"),
    ("javascript-url", "every label is `javascript:alert(1)`", "shown as text, never a link"),
    ("template", "every label is `{{7*7}}`", "shown as `{{7*7}}`, not 49"),
    ("mathtext", "every label is `$\\alert$ $x^$` (bad mathtext, used to make drawing raise)",
     "drawn with its dollar signs as plain text; nothing raises"),
    ("entities", "every label holds `&amp;` and `&lt;` literally",
     "shown as `&amp;` and `&lt;`, not as `&` and `<`"),
    ("long", "every label is 10 000 characters long",
     "shown in full as text, shortened with an ellipsis in figures and menus"),
    ("controls", "every label holds NUL, BEL, ESC, DEL and a right-to-left override (U+202E)",
     "each control character shown as U+FFFD; the override cannot reorder the text around "
     "the label (pages) or is shown as U+FFFD (figures)"),
    ("surrogate", "every label holds a lone surrogate (U+D800: not valid in UTF-8, but a "
     "JSON trace header can carry it)", "shown as U+FFFD; no UnicodeEncodeError"),
    ("emoji", "every label holds emoji", "shown as they are"),
    ("activation-mathtext", "a layer trace whose activation name is `$x^$`",
     "DataError when it is made (a trace file with it: TraceFileError): no view ever draws "
     "an activation that is not one of Keras' names"),
    ("forecast-info-types", "a trace's forecast info holds markup where numbers belong "
     "(n_steps, run)", "the labels leave out what is not a number or show it as text; "
     "the widget, the export and the figures work"),
    ("course-config", "the course site's repository and JupyterHub settings hold markup",
     "the launch links' addresses are attribute values; no element is added"),
]

#: The hostile strings, by case id of HOSTILE.
PAYLOADS = {
    "img-onerror": "<img src=x onerror=alert(1)>",
    "img-sentinel": '<img src=x onerror="window.__pwned=1">',
    "script-tag": "<script>alert(1)</script>",
    "script-close": "</script><script>alert(1)</script>",
    "script-close-sentinel": "</script><script>window.__pwned=1</script>",
    "html-comment": "<!--<script>",
    "script-close-no-gt": "</script x",
    "html-comment-no-gt": "<!--<script x",
    "attribute-break": '"><svg onload=alert(1)>',
    "svg-sentinel": '"><svg onload="window.__pwned=1">',
    "javascript-url": "javascript:alert(1)",
    "template": "{{7*7}}",
    "mathtext": r"$\alert$ $x^$",
    "entities": "S&amp;P &lt;500&gt; &amp;&lt;",
    "long": ("long label " * 1000)[:10_000],
    "controls": "nul\x00 bel\x07 esc\x1b[31m del\x7f rlo\u202eevil.exe",
    "surrogate": "half a pair: \ud800!",
    "emoji": "S&P 📈🚀 forecast",
}

#: The cases of HOSTILE that put a payload into every label of a trace.
CASES = [row[0] for row in HOSTILE if row[0] in PAYLOADS]

#: The cases that can trouble matplotlib (mathtext, braces, length, characters a font
#: cannot draw); markup is plain text to it. Drawing every figure costs seconds a case.
FIGURE_CASES = ["mathtext", "template", "long", "controls", "surrogate", "emoji"]

ROOT = Path(__file__).resolve().parents[2]


def test_every_case_is_tested():
    others = {"activation-mathtext", "forecast-info-types", "course-config"}  # own tests
    assert set(PAYLOADS) | others == {row[0] for row in HOSTILE}


def shown(text: str) -> str:
    """How a label should read on a page: control characters (not tab and line breaks) and
    lone surrogates become U+FFFD."""
    return "".join(
        "\ufffd" if (c < " " and c not in "\t\n\r") or "\x7f" <= c <= "\x9f"
        or 0xD800 <= ord(c) <= 0xDFFF else c
        for c in text
    )


#: Unicode's invisible isolate marks (LRI, RLI, FSI, PDI): they may wrap a label.
ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))


def visible(text: str) -> str:
    """``text`` without isolate marks (they change no character that is seen)."""
    return text.translate(ISOLATES)


def assert_isolated(text: str, label: str) -> None:
    """If ``label`` holds a right-to-left override, every occurrence of it in ``text`` is
    wrapped in an isolate (FSI ... PDI): the override cannot reorder the text after it."""
    if "\u202e" not in label:
        return
    start = text.find(label)
    assert start >= 0, (label[:40], text[:200])
    while start >= 0:
        end = start + len(label)
        assert text[start - 1 : start] == "\u2068" and text[end : end + 1] == "\u2069", (
            f"{label[:40]!r} is not isolated in {text[max(0, start - 20) : end + 20]!r}"
        )
        start = text.find(label, end)


def hostile_trace(text: str, n_samples: int = 2, n_steps: int = 6):
    """A two-layer forecast trace (numpy only) whose every string is ``text``."""
    from lstm_explained.engine import LSTMWeights, run_lstm
    from lstm_explained.trace import LayerTrace, Trace

    x = np.sin(np.linspace(0, 5, n_samples * n_steps)).reshape(n_samples, n_steps, 1)
    first = run_lstm(x, LSTMWeights.random(features=1, units=4, seed=0))
    second = run_lstm(first["hidden"], LSTMWeights.random(features=4, units=3, seed=1))
    layers = [
        LayerTrace(name=text, layer_name=text, inputs=x, arrays=first),
        LayerTrace(name="2 " + text, layer_name="2 " + text, inputs=first["hidden"],
                   arrays=second),
    ]
    info = {
        "model": text,
        "dataset": text,
        "forecast": {
            "mode": "multi", "mode_name": text, "run": text, "prediction_len": n_samples,
            "start_window": 0, "n_steps": n_samples, "dataset": text, "normalised": False,
            "value_units": text, "price_units": False,
        },
    }
    extras = {
        "forecast_step": np.arange(n_samples),
        "prediction": np.linspace(0.1, 0.2, n_samples),
        "target": np.linspace(0.2, 0.3, n_samples),
        "persistence": np.linspace(0.0, 0.1, n_samples),
        "window": x[:, :, 0],
        "fed_back": np.zeros((n_samples, n_steps), bool),
        "target_date": np.array([text] * n_samples),
    }
    return Trace(layers, info=info, extras=extras)


class Page(HTMLParser):
    """What a page is made of: its tags (with attributes), text per tag, scripts' raw text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""
        self.texts: dict[str, str] = {}
        self.scripts: list[tuple[str | None, str]] = []
        self._open: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "input", "img", "br"):
            self._open.append(tag)
        if tag == "script":
            self.scripts.append((dict(attrs).get("type"), ""))

    def handle_endtag(self, tag):
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data):
        self.text += data
        if self._open and self._open[-1] == "script":
            kind, text = self.scripts[-1]
            self.scripts[-1] = (kind, text + data)
        for tag in set(self._open):
            self.texts[tag] = self.texts.get(tag, "") + data

    @property
    def tag_names(self) -> set[str]:
        return {t for t, _ in self.tags}

    @property
    def event_attributes(self) -> list[str]:
        return [f"{t} {a}" for t, attrs in self.tags for a in attrs if a.startswith("on")]


# -- the widget ---------------------------------------------------------------------------


FRAME_TAGS = {"div", "iframe", "p", "a"}


@pytest.mark.parametrize("case", CASES)
def test_widget_shows_labels_as_text(case):
    """The widget sends labels to the browser as JSON data (set there as text only, see
    tests/test_markup_browser.py); its kernel-free fallback is the framed exported page."""
    from lstm_explained.widgets import GateInspector

    text = PAYLOADS[case]
    insp = GateInspector(hostile_trace(text), units=[0, 1])
    for value in (text, "2 " + text):  # every layer, by its own (raw) name
        insp.layer = value
        assert visible(insp.layer) == shown(value)
        insp.layer = insp.layer  # and by the name shown
        assert visible(insp.layer) == shown(value)
    meta = insp.get_state()["_meta"]
    json.dumps(meta, ensure_ascii=False).encode("utf-8")  # no lone surrogate on the wire
    assert [visible(m["name"]) for m in meta["layers"]] == [shown(text), shown("2 " + text)]
    assert shown(text) in visible(meta["sampleLabels"][0])
    frame = Page(insp.static_html())
    assert frame.tag_names == FRAME_TAGS, frame.tags
    assert insp.snapshot()[:8] == b"\x89PNG\r\n\x1a\n"
    insp.timestep = 3
    assert insp.timestep == 3


# -- the exported HTML file ----------------------------------------------------------------


def _export(trace, path, samples=(0, 1), **kwargs) -> Page:
    from lstm_explained.export import inspector_html

    inspector_html(trace, path, samples=samples, **kwargs)
    return Page(path.read_text(encoding="utf-8"))


PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "p", "script"}


@pytest.mark.parametrize("case", CASES)
def test_export_embeds_labels_as_data(case, tmp_path):
    text = PAYLOADS[case]
    page = _export(hostile_trace(text), tmp_path / "hostile.html")
    assert page.tag_names <= PAGE_TAGS, page.tag_names - PAGE_TAGS
    assert not page.event_attributes, page.event_attributes
    assert [kind for kind, _ in page.scripts] == [
        "application/json", "application/octet-stream;base64", "module"]
    raw = page.scripts[0][1]
    # nothing in the data block can end it or open a comment: <, > and & are \u escapes
    assert not set(raw) & {"<", ">", "&", "\u2028", "\u2029"}
    data = json.loads(raw)
    for label in data["sampleLabels"]:
        assert visible(label).startswith(f"{shown(text)} · multi-sequence run {shown(text)}")
        assert_isolated(label, shown(text))
    assert [visible(layer["name"]) for layer in data["layers"]] == [shown(text),
                                                                   "2 " + shown(text)]
    # the default title names the dataset and the forecast mode, as text
    assert visible(page.texts["title"]).count(shown(text)) == 2
    assert_isolated(page.texts["title"], shown(text))
    assert visible(data["title"]) == visible(page.texts["title"])


@pytest.mark.parametrize("case", CASES)
def test_export_title_is_text(case, tmp_path):
    from lstm_explained.trace import Trace

    text = PAYLOADS[case]
    page = _export(hostile_trace("sine"), tmp_path / "titled.html", [0], title=text)
    assert page.tag_names <= PAGE_TAGS
    assert page.texts["title"] == shown(text)
    # a trace that is no forecast: the default title names its model
    plain = Trace(dict(hostile_trace("sine").items()), info={"model": text})
    page = _export(plain, tmp_path / "model.html", [0])
    assert page.tag_names <= PAGE_TAGS
    assert visible(page.texts["title"]).startswith(f"Inside the LSTM: {shown(text)}")
    assert_isolated(page.texts["title"], shown(text))


# -- figures ------------------------------------------------------------------------------


def _drawn(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=40)
    return out.getvalue()


@pytest.mark.parametrize("case", FIGURE_CASES)
def test_plots_draw_labels_as_plain_text(case):
    from matplotlib.text import Text

    from lstm_explained import plots

    text = PAYLOADS[case]
    tr = hostile_trace(text)
    figures = {
        "window": plots.plot_window(tr, sample=1, timestep=2),
        "belt": plots.plot_conveyor_belt(tr, timestep=2, units=[0, 1]),
        "heatmaps": plots.plot_gate_heatmaps(tr, timestep=2),
        "unit": plots.plot_unit_traces(tr, unit=1, timestep=2),
        "saturation": plots.plot_saturation(tr),
        "inspector": plots.plot_inspector(tr, layer="2 " + text, timestep=2),  # drawn
    }
    start = _plain_start(text)
    for name, fig in figures.items():
        if name != "inspector":
            assert _drawn(fig)[:4] == b"\x89PNG", name
        labels = [t for t in fig.findobj(Text) if start[:8] in t.get_text()]
        assert labels or name == "belt", name  # the belt alone names no layer
        assert not [t.get_text() for t in labels if t.get_parse_math() or t.get_usetex()]
        assert all(len(t.get_text()) <= 200 for t in labels), name
    assert figures["window"].axes[0].get_title().startswith(start)


def _plain_start(text: str) -> str:
    """The first characters of ``text`` as a figure shows them (no controls)."""
    out = []
    for c in text[:20]:
        if c in "\x00\x07\x1b\x7f\u202e" or 0xD800 <= ord(c) <= 0xDFFF:
            out.append("\ufffd")
        else:
            out.append(c)
    return "".join(out)


@pytest.mark.parametrize("case", FIGURE_CASES)
def test_forecast_plots_draw_titles_and_series_names_as_plain_text(case):
    from lstm_explained import plots
    from lstm_explained.data import Series, make_windows

    text = PAYLOADS[case]
    values = 10 + np.sin(np.linspace(0, 20, 300))
    windows = make_windows(Series(values=values, name=text), seq_len=10, normalise=True)
    n = len(windows.y_test)
    figures = [
        plots.plot_results(np.zeros(5), np.arange(5.0), title=text),
        plots.plot_results_multiple(np.zeros((2, 5)), np.arange(10.0), 5, title=text),
        plots.plot_forecast_prices(windows, np.zeros(n), "point", title=text),
    ]
    for fig in figures:
        assert _drawn(fig)[:4] == b"\x89PNG"
    ax = figures[2].axes[0]
    assert ax.get_title().startswith(_plain_start(text))
    assert ax.get_ylabel().startswith(_plain_start(text))


def test_activation_mathtext():
    """An activation name that is not Keras' is refused when the layer trace is made."""
    from lstm_explained.errors import DataError
    from lstm_explained.layer_trace import LayerTrace

    lt = next(iter(hostile_trace("sine").values()))
    with pytest.raises(DataError, match=r"activation '\$x\^\$' is not one of"):
        LayerTrace(lt.name, lt.layer_name, inputs=lt.inputs, arrays=lt.arrays,
                   activation=r"$x^$")


def test_forecast_info_types(tmp_path):
    """Markup where the forecast info should hold numbers: left out, or shown as text."""
    from lstm_explained import plots
    from lstm_explained.widgets import GateInspector

    text = PAYLOADS["img-onerror"]
    tr = hostile_trace("sine")
    tr.info["forecast"].update(n_steps=text, run=[text])
    insp = GateInspector(tr, dpi=40)
    assert f"run {[text]}, forecast step 0 · target sine" in insp._meta["sampleLabels"][0]
    assert Page(insp.static_html()).tag_names == FRAME_TAGS
    assert insp.snapshot()[:4] == b"\x89PNG"
    page = _export(tr, tmp_path / "info.html", [0])
    assert page.tag_names <= PAGE_TAGS
    assert _drawn(plots.plot_window(tr))[:4] == b"\x89PNG"


# -- the course site -----------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_course_iframe_title_and_link_are_attributes(case):
    """The inspector frame a tutorial shows (lstm_explained.notebook) keeps the page, its
    title and the download's file name in attribute values."""
    from lstm_explained.notebook import frame_html

    text = PAYLOADS[case]
    frame = Page(frame_html(text, f"Gate inspector: {text}", text))
    assert frame.tag_names == {"div", "iframe", "p", "a"}
    iframe = dict(frame.tags)["iframe"]
    assert iframe["title"] == f"Gate inspector: {shown(text)}"
    assert iframe["srcdoc"] == shown(text)
    assert [a["download"] for t, a in frame.tags if t == "a"] == [shown(text)]
    assert sorted(a for t, attrs in frame.tags for a in attrs if a.startswith("on")) == [
        "onclick", "onload"]


def test_course_config():
    """The launch links of a tutorial page are attributes, whatever the settings hold."""
    from types import SimpleNamespace

    spec = importlib.util.spec_from_file_location("course_under_test",
                                                  ROOT / "docs" / "_ext" / "course.py")
    course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course)
    config = SimpleNamespace(
        course_repository='x/"><script>window.__pwned=1</script>',
        course_branch="main<!--", course_binderhub="https://mybinder.org",
        course_jupyterhub='https://hub.example/"><img src=x onerror=alert(1)>',
    )
    links = course.launch_links(config, "01_lstm_cell.md")
    box = course.launch_box_html(config, "01_lstm_cell.md")
    line = next(row for row in box.splitlines() if row.startswith("<a"))
    page = Page(line)
    assert page.tag_names == {"a"} and not page.event_attributes
    assert [attrs["href"] for _, attrs in page.tags] == [url for _, url in links]
    assert page.text == " · ".join(label for label, _ in links)
