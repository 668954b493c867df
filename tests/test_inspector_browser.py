"""The browser inspector (lstm_explained/front/inspector.js) in real Chromium, over file://.

The exported file (``lx.export.inspector_html``) is opened as a reader would: every
control changes the view, every step and sample is reached by keyboard, the numbers it
prints are the trace's, the text is projector-sized and never overlaps at 1024 x 768, no
console error, no request off the machine; odd traces render or say why not.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from _page_text import overlaps, text_boxes

from lstm_explained.engine import LSTMWeights, run_lstm
from lstm_explained.export import inspector_html
from lstm_explained.kinds import KINDS
from lstm_explained.trace import LayerTrace, Trace
from lstm_explained.viewmodel import SampleData

pytestmark = pytest.mark.browser

SHOWN = "document.getElementById('lx-inspector').dataset.shown"



def _trace(n=3, t=12, units=5, layers=1, nan=False, **info):
    x = np.sin(np.linspace(0, 9, n * t)).reshape(n, t, 1)
    out, inputs = [], x
    for k in range(layers):
        run = run_lstm(inputs, LSTMWeights.random(features=inputs.shape[2], units=units, seed=k))
        if nan:
            run = {q: np.array(a) for q, a in run.items()}
            run["forget"][0, min(1, t - 1), 0] = np.nan
        out.append(LayerTrace(name=f"lstm_{k}", layer_name=f"lstm_{k}", inputs=inputs,
                              arrays=run))
        inputs = run["hidden"]
    return Trace(out, info=info)


def _open(new_page, path, **viewport):
    page, log = new_page(viewport=viewport or {"width": 1024, "height": 768})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_function(f"{SHOWN} !== undefined", timeout=30_000)
    return page, log, requests


def _shown(page) -> str:
    return page.evaluate(SHOWN)


def test_every_control_changes_the_view(new_page, tmp_path):
    path = inspector_html(_trace(layers=2, units=6), tmp_path / "toy.html")
    page, log, requests = _open(new_page, path)
    diagram = page.locator(".lxi-svg").first

    def picture():
        return page.locator("#lx-inspector").screenshot()

    views = [picture()]
    page.locator(".lxi-step-range").fill("5")
    assert _shown(page) == "0:5" and page.locator(".lxi-step-range + output").text_content() == "5"
    views.append(picture())
    page.locator(".lxi-sample-range").fill("2")
    assert _shown(page) == "2:5"
    views.append(picture())
    page.select_option(".lxi-layer", "lstm_1")
    assert "layer lstm_1" in page.locator(".lxi-step").text_content()
    views.append(picture())
    page.select_option(".lxi-scale", "stretched")
    views.append(picture())
    page.select_option(".lxi-unit-select", ["3"])
    assert page.locator(".lxi-chosen").text_content().startswith("on the belt: unit 3")
    assert "unit 3 at step t = 5" in diagram.text_content()
    views.append(picture())
    first_active = page.locator(".lxi-active-unit").first
    unit = first_active.get_attribute("data-unit")
    first_active.click()
    assert page.locator(".lxi-chosen").text_content().startswith(f"on the belt: unit {unit}")
    page.select_option(".lxi-speed", "4")
    page.click(".lxi-play")
    assert page.locator(".lxi-play").text_content().endswith("Pause")
    page.wait_for_function(f"{SHOWN} !== '2:5'", timeout=5000)
    page.click(".lxi-play")
    assert page.locator(".lxi-play").text_content().endswith("Play")
    assert len({bytes(v) for v in views}) == len(views), "a control changed nothing"
    assert log.errors == [] and log.dialogs == []
    assert requests and all(u.startswith("file://") for u in requests), requests


def test_every_step_and_sample_is_reached_by_keyboard(new_page, tmp_path):
    tr = _trace(n=3, t=12)
    path = inspector_html(tr, tmp_path / "toy.html")
    page, log, _ = _open(new_page, path)
    page.focus("#lx-inspector")
    seen = [_shown(page)]
    for s in range(3):
        for _ in range(11):
            page.keyboard.press("ArrowRight")
            seen.append(_shown(page))
        if s < 2:
            page.keyboard.press("Home")
            page.keyboard.press("ArrowDown")
            seen.append(_shown(page))
    assert set(seen) == {f"{s}:{t}" for s in range(3) for t in range(12)}
    page.keyboard.press("End")
    assert _shown(page) == "2:11"
    page.keyboard.press("ArrowUp")
    assert _shown(page) == "1:11"
    page.keyboard.press(" ")
    assert page.locator(".lxi-play").text_content().endswith("Pause")
    page.keyboard.press(" ")
    assert log.errors == []


def test_the_printed_numbers_are_the_traces(new_page, tmp_path):
    tr = _trace(n=2, t=12, units=5)
    path = inspector_html(tr, tmp_path / "toy.html", units=[3, 1])
    page, log, _ = _open(new_page, path)
    spec = tr["lstm_0"].spec
    keys = [c.key for c in spec.belt_columns]
    for s, t in ((0, 0), (1, 7), (1, 11)):
        page.locator(".lxi-sample-range").fill(str(s))
        page.locator(".lxi-step-range").fill(str(t))
        data = SampleData(tr["lstm_0"], s)
        rows = page.locator(".lxi-table tbody tr")
        for k, unit in enumerate([3, 1]):
            cells = rows.nth(k).locator("td").all_text_contents()
            assert cells == [f"{data[key][t, unit]:+.3f}" for key in keys], (s, t, unit)
    assert log.errors == []


def _plain(label: str) -> str:
    """A symbol as the page's text holds it (subscripts are tspans: no ``_`` or braces)."""
    return re.sub(r"_(.)", r"\1", re.sub(r"_\{([^}]*)\}", r"\1", label))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_cell_diagram_is_the_kinds_own_with_the_traces_numbers(new_page, tmp_path, kind):
    """Each kind's diagram (kinds/<kind>.py) is drawn: its symbols, none of another kind's,
    and at every step the values of the first chosen unit."""
    spec = KINDS[kind]
    x = np.sin(np.linspace(0, 9, 2 * 12)).reshape(2, 12, 1)
    weights = spec.weights_from(**{k: v for k, v in _random_arrays(spec, 4).items()})
    tr = Trace([LayerTrace(name=kind, layer_name=kind, kind=kind, inputs=x,
                           arrays=spec.run(x, weights))])
    path = inspector_html(tr, tmp_path / f"{kind}.html", units=[2, 0])
    page, log, _ = _open(new_page, path)
    diagram = page.locator("svg").first
    nodes = [m for m in spec.describe()["diagram"] if m["shape"] == "node"]
    assert diagram.locator("text.lxi-sym").all_text_contents() == [_plain(m["label"])
                                                                   for m in nodes]
    others = {q.text for k in KINDS.values() if k is not spec for q in k.quantities
              if q.name not in spec.names}
    shown = " ".join(diagram.locator("text").all_text_contents())
    assert not [o for o in others if _plain(o) in shown.split()], (kind, shown)
    for t in (0, 7, 11):
        page.locator(".lxi-step-range").fill(str(t))
        data = SampleData(tr[kind], 0)
        values = diagram.locator("text.lxi-val").all_text_contents()
        assert values == [f"{data[m['key']][t, 2]:+.3f}" for m in nodes], (kind, t)
    assert log.errors == []


def _random_arrays(spec, units: int) -> dict:
    """Keras-shaped random weights of ``spec`` for one feature (its blocks side by side)."""
    rng = np.random.default_rng(1)
    n = len(spec.keras_blocks) * units
    arrays = {"kernel": rng.normal(0, 0.5, (1, n)),
              "recurrent_kernel": rng.normal(0, 0.5, (units, n)),
              "bias": rng.normal(0, 0.5, (2, n) if spec.keras_options else n)}
    return arrays


def test_projector_ready_at_1024_by_768(new_page, tmp_path):
    tr = _trace(n=3, t=50, units=150, title="A long title: " + "words " * 30,
                step_labels=[f"word{k}" for k in range(50)])
    path = inspector_html(tr, tmp_path / "big.html")
    page, log, _ = _open(new_page, path)
    boxes = text_boxes(page, "#lx-inspector")
    assert boxes
    small = [b for b in boxes if b["size"] < 12]
    assert small == [], small[:5]
    crossed = overlaps(boxes)
    assert crossed == [], crossed[:10]
    for selector in (".lxi-svg", ".lxi-heat-row"):  # the diagram and one heatmap, unscrolled
        box = page.locator(selector).first.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 768, (selector, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1024, (selector, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    assert log.errors == []


@pytest.mark.parametrize("shape", [
    {"nan": True}, {"units": 1}, {"t": 1}, {"n": 1}, {"t": 1000, "n": 1}, {"units": 512, "n": 1},
], ids=["nan", "1-unit", "1-step", "1-sample", "1000-steps", "512-units"])
def test_odd_traces_render(new_page, tmp_path, shape):
    tr = _trace(**shape)
    path = inspector_html(tr, tmp_path / "odd.html")
    page, log, _ = _open(new_page, path)
    page.focus("#lx-inspector")
    page.keyboard.press("End")
    last = tr["lstm_0"].n_timesteps - 1
    assert _shown(page) == f"0:{last}"
    if shape.get("nan"):
        page.keyboard.press("Home")
        page.keyboard.press("ArrowRight")
        assert "+nan" in page.locator(".lxi-table").text_content()
    assert log.errors == []


def test_search_lists_where_the_first_unit_switches_on_and_jumps_there(new_page, tmp_path):
    """LSTMVis's question: pick a value and a threshold, list every (sample, step) where the
    first unit's value rises above it (computed here from the payload the page reads), and
    a click on one goes there."""
    from lstm_explained.inspector_data import decode, inspector_payload

    tr = _trace(n=3, t=12, units=5)
    meta, blob = inspector_payload(tr)
    hidden = decode(meta, blob)[("lstm_0", "hidden")][:, :, 2]  # unit 2: first on the belt
    threshold = float(np.median(hidden))
    above = hidden > threshold
    rises = above & ~np.concatenate([np.zeros((3, 1), bool), above[:, :-1]], axis=1)
    expected = [(int(n), int(t)) for n, t in zip(*np.nonzero(rises), strict=True)]
    assert expected, "the test trace must switch on somewhere"

    page, log, _ = _open(new_page, inspector_html(tr, tmp_path / "toy.html"))
    page.select_option(".lxi-unit-select", ["2"])
    page.select_option(".lxi-search-q", "hidden")
    page.fill(".lxi-search-thr", repr(threshold))
    page.click(".lxi-search-go")
    said = page.locator(".lxi-search-out").text_content()
    assert f"rises above {threshold!r} {len(expected)} time(s)" in said, said
    hits = page.locator(".lxi-search-hit")
    assert hits.count() == len(expected)
    n, t = expected[-1]
    assert hits.nth(len(expected) - 1).text_content().startswith(f"sample {n}, t = {t}")
    hits.nth(len(expected) - 1).click()
    assert _shown(page) == f"{n}:{t}"
    assert log.errors == []


def test_a_control_with_nothing_to_choose_is_not_shown(new_page, tmp_path):
    """One sample and one layer: no sample slider (of range 0-0) and no layer menu."""
    page, log, _ = _open(new_page, inspector_html(_trace(n=1, layers=1), tmp_path / "one.html"))
    assert not page.locator(".lxi-sample-range").is_visible()
    assert not page.locator(".lxi-layer").is_visible()
    assert page.locator(".lxi-step-range").is_visible()
    page, _, _ = _open(new_page, inspector_html(_trace(n=2, layers=2), tmp_path / "two.html"))
    assert page.locator(".lxi-sample-range").is_visible()
    assert page.locator(".lxi-layer").is_visible()
    assert log.errors == []


def _forecast(ar: bool, n=2, t=12):
    """A numpy-only forecast trace (point by point), with or without the linear AR."""
    tr = _trace(n=n, t=t)
    x = tr["lstm_0"].inputs[:, :, 0]
    extras = {"forecast_step": np.arange(n), "window": x, "fed_back": np.zeros((n, t), bool),
              "prediction": x[:, -1] + 0.1, "target": x[:, -1] + 0.2, "persistence": x[:, -1]}
    if ar:
        extras["ar"] = x[:, -1] - 0.3
    info = {"forecast": {"mode": "point", "n_steps": n, "value_units": "series units"}}
    return Trace(dict(tr.items()), info=info, extras=extras)


WINDOW = 'svg[aria-label="the input window"]'


@pytest.mark.parametrize("ar", [True, False], ids=["with-ar", "without-ar"])
def test_the_linear_ar_sits_beside_persistence_when_the_trace_holds_it(new_page, tmp_path, ar):
    """The window panel draws the AR's point in the Python side's AR_COLOR with a legend
    entry, beside persistence's; a trace without it draws neither; the legend's lines
    overlap nothing."""
    from matplotlib.colors import same_color

    from lstm_explained.plots.views import AR_COLOR

    tr = _forecast(ar)
    page, log, _ = _open(new_page, inspector_html(tr, tmp_path / "fc.html"))
    window = page.locator(WINDOW)
    legend = window.locator(".lxi-legend").all_text_contents()
    assert "persistence" in legend and page.locator(".lxi-point-persistence").count() == 1
    point = window.locator(".lxi-point-ar")
    if ar:
        assert "linear AR" in legend and point.count() == 1
        assert same_color(point.get_attribute("fill"), AR_COLOR)
        keys = window.locator(".lxi-legend-key")
        colour = keys.nth(legend.index("linear AR")).get_attribute("fill")
        assert same_color(colour, AR_COLOR)
        page.locator(".lxi-sample-range").fill("1")  # follows the sample
        assert page.locator(".lxi-point-ar").count() == 1
    else:
        assert "linear AR" not in legend and point.count() == 0
    crossed = overlaps(text_boxes(page, WINDOW))
    assert crossed == [], crossed
    assert log.errors == []
