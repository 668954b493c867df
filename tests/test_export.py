"""Tests of lstm_explained.export: the kernel-free HTML inspector and the animations."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import stat
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

from lstm_explained.errors import DataError, LSTMExplainedError
from lstm_explained.export import ExportError, animation, inspector_html
from lstm_explained.plots.inspector import InspectorFigure


def _payload(path) -> dict:
    text = path.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="inspector-data">(.*?)</script>', text,
                  re.S)
    assert m, "no embedded inspector data"
    return json.loads(m.group(1))


def _png(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))


def test_html_is_self_contained_and_shows_the_frames(toy_trace, tmp_path):
    path = inspector_html(toy_trace, tmp_path / "toy.html", layer="lstm_1", units=[2, 0],
                          samples=[0, 2], timesteps=[0, 5, 11])
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    # nothing is fetched from anywhere: no external src / href / url(), no http(s) at all
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", text)
    assert "http://" not in text and "https://" not in text and "url(" not in text
    data = _payload(path)
    assert data["samples"] == [0, 2] and data["timesteps"] == [0, 5, 11]
    assert len(data["backgrounds"]) == 2
    assert [len(f) for f in data["frames"]] == [3, 3]
    assert "layer lstm_1, step t = 5 of 11 · unit 2" in data["captions"][1][1]
    # background + overlay of sample 2, step 5 is the inspector's own picture of that step
    bg = _png(data["backgrounds"][1]).astype(float)
    ov = _png(data["frames"][1][1]).astype(float)
    assert ov.shape[2] == 4 and bg.shape[:2] == ov.shape[:2]
    a = ov[..., 3:] / 255
    shown = ov[..., :3] * a + bg[..., :3] * (1 - a)
    want = InspectorFigure(toy_trace, "lstm_1", 2, 5, [2, 0]).rgba()[..., :3].astype(float)
    diff = np.abs(shown - want)
    assert diff.mean() < 0.5 and np.percentile(diff, 99.5) <= 8


def test_written_files_are_readable_like_any_new_file(toy_trace, tmp_path):
    """Not the owner-only mode of a temp file: a course site's web server must read them."""
    umask = os.umask(0)
    os.umask(umask)
    html = inspector_html(toy_trace, tmp_path / "toy.html", samples=[0], timesteps=[0, 1])
    gif = animation(toy_trace, tmp_path / "toy.gif", samples=[0], timesteps=[0, 1])
    for path in (html, gif):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_default_frames_stay_within_the_budget(toy_trace, tmp_path):
    path = inspector_html(toy_trace, tmp_path / "a.html", max_frames=10)
    data = _payload(path)
    assert len(data["samples"]) * len(data["timesteps"]) <= 10
    assert data["timesteps"][0] == 0 and data["timesteps"][-1] == 11
    with pytest.raises(DataError, match="more than max_frames=4"):
        inspector_html(toy_trace, tmp_path / "b.html", samples=[0, 1], timesteps=[0, 1, 2],
                       max_frames=4)
    assert not (tmp_path / "b.html").exists()


def test_nothing_is_overwritten_without_asking(toy_trace, tmp_path):
    mine = tmp_path / "mine.html"
    mine.write_text("my notes")
    with pytest.raises(ExportError, match="already exists; nothing was written") as info:
        inspector_html(toy_trace, mine, samples=[0], timesteps=[0])
    assert isinstance(info.value, LSTMExplainedError)
    assert mine.read_text() == "my notes"
    inspector_html(toy_trace, mine, samples=[0], timesteps=[0], overwrite=True)
    assert mine.read_text().startswith("<!DOCTYPE html>")
    gif = tmp_path / "mine.gif"
    gif.write_bytes(b"old")
    with pytest.raises(ExportError, match="already exists"):
        animation(toy_trace, gif, samples=[0], timesteps=[0])
    assert gif.read_bytes() == b"old"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers


@pytest.mark.parametrize(
    "fn, name, match",
    [
        (inspector_html, "x.txt", "ending in .html"),
        (animation, "x.avi", "ending in .gif or .mp4"),
        (inspector_html, "folder.html", "is a folder"),
    ],
)
def test_bad_targets(toy_trace, tmp_path, fn, name, match):
    (tmp_path / "folder.html").mkdir()
    with pytest.raises(ExportError, match=match):
        fn(toy_trace, tmp_path / name)


def test_bad_frame_choices(toy_trace, tmp_path):
    with pytest.raises(DataError, match="sample 7 is out of range"):
        inspector_html(toy_trace, tmp_path / "x.html", samples=[7])
    with pytest.raises(DataError, match="timestep 12 is out of range"):
        inspector_html(toy_trace, tmp_path / "x.html", timesteps=[12])
    with pytest.raises(DataError, match="unknown layer"):
        inspector_html(toy_trace, tmp_path / "x.html", layer="dense")
    with pytest.raises(DataError, match="max_frames must be at least 1"):
        inspector_html(toy_trace, tmp_path / "x.html", max_frames=0)


def test_gif(toy_trace, tmp_path):
    path = animation(toy_trace, tmp_path / "belt.gif", samples=[0, 1], timesteps=[0, 4, 8],
                     fps=5)
    with Image.open(path) as img:
        assert img.format == "GIF" and img.n_frames == 6
        assert img.info["duration"] == 200


def test_mp4_without_ffmpeg_is_a_clear_error(toy_trace, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH where no ffmpeg is
    with pytest.raises(ExportError, match="needs the ffmpeg program"):
        animation(toy_trace, tmp_path / "belt.mp4")
    assert not (tmp_path / "belt.mp4").exists()


def test_mp4_holds_every_frame_in_order(toy_trace, tmp_path, ffmpeg):
    """Decoded, the video has one frame per (sample, timestep), each the inspector's own
    picture of that step (the closest of all of them: the video is lossy)."""
    ffmpeg_exe, ffprobe = ffmpeg
    frames = [(s, t) for s in (0, 1) for t in (0, 3, 6)]
    path = tmp_path / "belt.mp4"
    path.write_bytes(b"an earlier video")  # replaced whole (the write goes to a .part file)
    animation(toy_trace, path, layer="lstm", units=[0, 1], samples=[0, 1], timesteps=[0, 3, 6],
              fps=5, overwrite=True)
    probe = subprocess.run(
        [ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
         "stream=codec_name,width,height,nb_read_frames,avg_frame_rate", "-of", "json", path],
        capture_output=True, text=True, check=True,
    )
    info = json.loads(probe.stdout)["streams"][0]
    assert info["codec_name"] == "h264" and info["avg_frame_rate"] == "5/1"
    assert int(info["nb_read_frames"]) == len(frames)
    raw = subprocess.run([ffmpeg_exe, "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt",
                          "rgb24", "-"], capture_output=True, check=True).stdout
    decoded = np.frombuffer(raw, np.uint8).reshape(-1, info["height"], info["width"], 3)
    assert len(decoded) == len(frames)
    want = [InspectorFigure(toy_trace, "lstm", s, t, [0, 1]).rgba()[..., :3].astype(float)
            for s, t in frames]
    h, w = want[0].shape[:2]
    for k, got in enumerate(decoded):
        diff = [np.abs(got[:h, :w].astype(float) - picture).mean() for picture in want]
        assert int(np.argmin(diff)) == k, (k, diff)
    assert sorted(os.listdir(tmp_path)) == ["belt.mp4"]


def test_forecast_export_and_no_tensorflow(sine_forecast_trace_file, tmp_path):
    out = tmp_path / "sine.html"
    code = textwrap.dedent(
        f"""
        import sys
        from lstm_explained.trace import load_trace
        from lstm_explained.export import inspector_html, animation
        tr = load_trace({str(sine_forecast_trace_file)!r})
        inspector_html(tr, {str(out)!r}, timesteps=range(0, 50, 10), progress=False)
        animation(tr, {str(tmp_path / "sine.gif")!r}, samples=[1], timesteps=[0, 49])
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))
        print("HEAVY", heavy)
        """
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    assert "HEAVY []" in res.stdout
    data = _payload(out)
    assert data["samples"] == [0, 1, 2, 3, 4] and len(data["timesteps"]) == 5
    assert "forecast step 40 of 49" in data["sampleLabels"][4]
    assert "forecast step" in out.read_text(encoding="utf-8")


@pytest.mark.browser
def test_html_steps_in_chromium_without_network(browser, toy_trace, tmp_path):
    path = inspector_html(toy_trace, tmp_path / "toy.html", samples=[0, 1], timesteps=[0, 3, 6])
    page = browser.new_page()
    requests, problems = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(path.as_uri())
        page.wait_for_function("document.body.dataset.shown === '0:0'")
        first = page.get_attribute("#fg", "src")
        page.focus("#step")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("document.body.dataset.shown === '0:1'")
        second = page.get_attribute("#fg", "src")
        assert second != first
        assert page.text_content("#step-value") == "3"
        page.focus("#sample")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("document.body.dataset.shown === '1:1'")
        assert page.get_attribute("#fg", "src") != second
        page.click("#play")
        page.wait_for_function("document.body.dataset.shown !== '1:1'", timeout=5000)
        page.click("#play")
        assert "sample 1" in page.text_content("#sample-label")
    finally:
        page.close()
    assert problems == []
    assert requests, "the page itself should have been requested"
    assert all(u.startswith(("file://", "data:")) for u in requests), requests
