"""lstm_explained.notebook: the kernel-free inspector a tutorial shows in its output.

The page is exactly what ``lx.export.inspector_html`` writes; the frame escapes it (and its
title and file name) as attribute values. The tutorials' pages in Chromium (the frame
steps, its link downloads the page) are tested by ``tests/test_docs.py``.
"""

from __future__ import annotations

import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lstm_explained.errors import DataError, OutputError
from lstm_explained.export import inspector_html
from lstm_explained.notebook import StaticInspector, frame_html, static_inspector

HOSTILE = '"></iframe><script>window.__pwned=1</script><img src=x onerror=alert(1)>'


class Tags(HTMLParser):
    """Every start tag of a snippet, with its attributes (entities decoded)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _temporary_folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("lstm-explained-inspector-*")}


def test_the_page_is_the_exported_inspector(toy_trace, tmp_path):
    before = _temporary_folders()
    shown = static_inspector(toy_trace, layer="lstm_1", samples=[1])
    written = inspector_html(toy_trace, tmp_path / "x.html", layer="lstm_1", samples=[1])
    assert isinstance(shown, StaticInspector)
    assert shown.page == written.read_text(encoding="utf-8")
    assert _temporary_folders() == before, "a temporary folder was left behind"


def test_the_frame_holds_the_page_as_an_attribute(toy_trace):
    shown = static_inspector(toy_trace, samples=[0])
    tags = Tags(shown._repr_html_()).tags
    assert [t for t, _ in tags] == ["div", "iframe", "p", "a"]
    frame = tags[1][1]
    assert frame["srcdoc"] == shown.page and frame["class"] == "lx-inspector-frame"
    assert tags[3][1]["download"] == "inspector.html"


def test_hostile_title_page_and_file_name_stay_attribute_values():
    tags = Tags(frame_html(HOSTILE, HOSTILE, HOSTILE)).tags
    assert [t for t, _ in tags] == ["div", "iframe", "p", "a"]
    assert tags[1][1]["title"] == HOSTILE and tags[1][1]["srcdoc"] == HOSTILE
    assert tags[3][1]["download"] == HOSTILE
    # no notebook file can hold a lone surrogate, and a NUL vanishes from a page
    unshowable = Tags(frame_html("a\x00b", "c\ud800d", "e\x1bf")).tags
    assert unshowable[1][1]["srcdoc"] == "a\ufffdb" and unshowable[1][1]["title"] == "c\ufffdd"
    assert unshowable[3][1]["download"] == "e\ufffdf"
    events = sorted(a for _, attrs in tags for a in attrs if a.startswith("on"))
    assert events == ["onclick", "onload"]  # ours: resize the frame, download the page


def test_save_writes_the_page_and_never_overwrites(toy_trace, tmp_path):
    shown = static_inspector(toy_trace, samples=[0], title="toy")
    path = shown.save(tmp_path / "toy.html")
    assert path.read_text(encoding="utf-8") == shown.page
    assert "<title>toy</title>" in shown.page and shown.title == "Gate inspector: toy"
    with pytest.raises(OutputError, match="already exists"):
        shown.save(path)
    shown.save(path, overwrite=True)
    with pytest.raises(OutputError, match="ending in"):
        shown.save(tmp_path / "toy.txt")


def test_bad_frames_are_the_export_errors(toy_trace):
    with pytest.raises(DataError):
        static_inspector(toy_trace, samples=[99])
