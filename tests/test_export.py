"""Tests of lstm_explained.export: the kernel-free HTML inspector and the animations."""

from __future__ import annotations

import base64
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
from lstm_explained.inspector_data import decode
from lstm_explained.plots.inspector import InspectorFigure
from lstm_explained.viewmodel import SampleData


def _payload(path):
    """The page's embedded metadata and arrays, decoded as the page decodes them."""
    text = path.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="lx-meta">(.*?)</script>', text, re.S)
    d = re.search(r'<script type="application/octet-stream;base64" id="lx-data">(.*?)</script>',
                  text, re.S)
    assert m and d, "no embedded inspector data"
    meta = json.loads(m.group(1))
    return meta, decode(meta, base64.b64decode(d.group(1)))


def test_html_is_self_contained_and_holds_every_step(toy_trace, tmp_path):
    path = inspector_html(toy_trace, tmp_path / "toy.html", layer="lstm_1", units=[2, 0],
                          samples=[0, 2])
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    # nothing is fetched from anywhere: no external src / href / url(), no http(s) at all
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", text)
    bare = text.replace('"http://www.w3.org/2000/svg"', "")  # a name, never fetched
    assert "http://" not in bare and "https://" not in bare and "url(" not in bare
    assert '<script type="module">' in text and "export default { render }" in text
    meta, arrays = _payload(path)
    assert meta["samples"] == [0, 2] and meta["initial"]["units"] == [2, 0]
    assert meta["initial"]["layer"] == "lstm_1"
    assert "every step (12) of 2 samples (of 3)" in meta["holds"]
    for name in toy_trace.layer_names:
        lt = toy_trace[name]
        for k, s in enumerate(meta["samples"]):
            data = SampleData(lt, s)
            for key, want in data.arrays.items():
                got = arrays[(name, key)][k]  # the units held, in their order
                assert [f"{v:+.3f}" for v in got.ravel()] == [
                    f"{v:+.3f}" for v in want[:, [2, 0]].ravel()], (name, key)


def test_a_trace_too_big_is_refused_with_the_selection_to_make(toy_trace, tmp_path):
    with pytest.raises(DataError, match=r"more than max_bytes=100; hold less of the trace: "
                                        r"samples=\[...\] \(3 now\), layers=\[...\]"):
        inspector_html(toy_trace, tmp_path / "b.html", max_bytes=100)
    assert not (tmp_path / "b.html").exists()
    path = inspector_html(toy_trace, tmp_path / "c.html", layers=["lstm"], samples=[1],
                          units=[0, 1])
    meta, _ = _payload(path)
    assert meta["holds"] == ("every step (12) of 1 sample (of 3); layer lstm: 2 of 5 units; "
                             "1 other layer(s) left out")


def test_written_files_are_readable_like_any_new_file(toy_trace, tmp_path):
    """Not the owner-only mode of a temp file: a course site's web server must read them."""
    umask = os.umask(0)
    os.umask(umask)
    html = inspector_html(toy_trace, tmp_path / "toy.html", samples=[0])
    gif = animation(toy_trace, tmp_path / "toy.gif", samples=[0], timesteps=[0, 1])
    for path in (html, gif):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_nothing_is_overwritten_without_asking(toy_trace, tmp_path):
    mine = tmp_path / "mine.html"
    mine.write_text("my notes")
    with pytest.raises(ExportError, match="already exists; nothing was written") as info:
        inspector_html(toy_trace, mine, samples=[0])
    assert isinstance(info.value, LSTMExplainedError)
    assert mine.read_text() == "my notes"
    inspector_html(toy_trace, mine, samples=[0], overwrite=True)
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


def test_bad_choices(toy_trace, tmp_path):
    with pytest.raises(DataError, match="sample 7 is out of range"):
        inspector_html(toy_trace, tmp_path / "x.html", samples=[7])
    with pytest.raises(DataError, match="unit 5 is out of range"):
        inspector_html(toy_trace, tmp_path / "x.html", units=[5])
    with pytest.raises(DataError, match="unknown layer"):
        inspector_html(toy_trace, tmp_path / "x.html", layer="dense")
    with pytest.raises(DataError, match="max_bytes must be"):
        inspector_html(toy_trace, tmp_path / "x.html", max_bytes=0)
    assert not list(tmp_path.iterdir())


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
        inspector_html(tr, {str(out)!r})
        animation(tr, {str(tmp_path / "sine.gif")!r}, samples=[1], timesteps=[0, 49])
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))
        print("HEAVY", heavy)
        """
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    assert "HEAVY []" in res.stdout
    meta, arrays = _payload(out)
    assert meta["samples"] == [0, 1, 2, 3, 4] and meta["sampleName"] == "forecast step"
    assert "forecast step 40 of 49" in meta["sampleLabels"][4]
    assert meta["forecast"]["nSteps"] == 50 and len(meta["forecast"]["window"][4]) == 50
    assert all(lm["T"] == 50 for lm in meta["layers"])


def test_lab_puts_the_stack_and_the_front_end_in_the_page(tmp_path):
    from lstm_explained.export import front_file
    from lstm_explained.inspector_data import FRONT_MODULE
    from lstm_explained.lab_payload import toy_lab

    stack, trace = toy_lab()
    plain = inspector_html(trace, tmp_path / "plain.html", samples=[1, 2])
    path = inspector_html(trace, tmp_path / "lab.html", samples=[1, 2], lab=stack)
    meta, _ = _payload(path)
    assert "lab" not in _payload(plain)[0]
    assert meta["lab"]["inputs"]["shape"] == [2, 16, 2]
    assert [lay["name"] for lay in meta["lab"]["layers"]] == ["lstm_a", "lstm_b"]
    text = path.read_text(encoding="utf-8")
    for name in FRONT_MODULE:
        assert front_file(name) in text, name
    # a wrong lab= is refused before anything is built or written
    with pytest.raises(DataError, match="lab= takes"):
        inspector_html(trace, tmp_path / "bad.html", lab="model")
    other, _ = toy_lab(seed=9)
    with pytest.raises(DataError, match="not this trace's"):
        inspector_html(trace, tmp_path / "other.html", lab=other)
    assert not (tmp_path / "bad.html").exists() and not (tmp_path / "other.html").exists()
    left_out = inspector_html(trace, tmp_path / "big.html", lab=stack, lab_max_parameters=100)
    assert "462 parameters" in _payload(left_out)[0]["lab"]["omitted"]
