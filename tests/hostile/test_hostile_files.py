"""Hostile files and folders for everything the package writes: the exports and the demo.

Real links, real read-only and full file systems (a ``tmpfs`` mounted for the test, when
the test may mount one), a real file-size limit (``RLIMIT_FSIZE``, which makes a write
fail half-way exactly as a full disk does, and needs no privileges), a real command line.
"""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from lstm_explained.cli import main
from lstm_explained.errors import ExportError
from lstm_explained.export import animation, inspector_html


def _few(fn) -> dict:
    """A small export: one sample (and, for an animation, one frame)."""
    return {"samples": [0]} if fn is inspector_html else {"samples": [0], "timesteps": [0]}

HOSTILE = [
    ("export-to-a-link", "the export's file name is a symbolic link to a file of the user's "
     "(with overwrite=True)", "ExportError naming the link; the linked file is untouched"),
    ("export-to-a-dangling-link", "a symbolic link to a file that does not exist",
     "ExportError; no file appears where the link points"),
    ("export-to-dev-full", "a symbolic link to /dev/full",
     "ExportError; nothing is written through the link"),
    ("export-into-a-read-only-mount", "a folder on a read-only file system (a tmpfs mounted "
     "with -o ro)", "ExportError 'not writable' before any frame is drawn"),
    ("export-into-a-mode-555-folder", "a folder with mode 0o555 (as a user other than root; "
     "root may write anywhere, so the case is skipped as root)", "ExportError before any work"),
    ("export-on-a-full-disk", "an export replacing an earlier one on a 256 kB tmpfs that "
     "fills up half-way", "ExportError 'No space left on device'; the earlier file intact, "
     "no temporary file left"),
    ("half-written-html", "a file-size limit makes the HTML inspector's write fail half-way, "
     "over an earlier inspector", "ExportError; the earlier file byte for byte intact"),
    ("half-written-gif", "the same for a GIF", "ExportError; the earlier GIF intact"),
    ("half-written-mp4", "the same for an MP4 (ffmpeg hits the limit)",
     "ExportError with ffmpeg's reason; the earlier MP4 intact"),
    ("half-written-demo-figure", "the same for one of the demo's PNG figures",
     "OutputError; the earlier PNG intact"),
    ("half-written-demo-table", "the same for the demo's errors.csv",
     "OutputError; the earlier table intact"),
    ("demo-out-is-a-file", "lstm-explained demo --out FILE", "one line, exit status 2, the "
     "file untouched"),
    ("demo-out-is-a-dangling-link", "--out LINK, a link to nowhere",
     "one line, exit 2; nothing created where the link points"),
    ("demo-out-is-a-link-to-a-folder", "--out LINK, a link to a folder",
     "one line, exit 2 (never written through); the folder stays empty"),
    ("demo-link-planted-in-its-folder", "a link planted in a folder the demo made, under the "
     "name of one of its figures, pointing at a file of the user's",
     "one line, exit 2 before any work; the user's file untouched"),
    ("demo-folder-planted-as-its-table", "a folder named errors.csv in the demo's folder",
     "one line, exit 2 before any work"),
    ("demo-pipe-planted-as-its-table", "a named pipe called errors.csv in the demo's folder "
     "(reading it would never end)", "one line, exit 2 before any work"),
    ("demo-table-not-its-own", "an errors.csv in the demo's folder that the demo did not write",
     "one line, exit 2 before any work, the file untouched (--force replaces it)"),
    ("demo-out-empty", "--out ''", "one line, exit 2"),
    ("demo-out-in-a-read-only-mount", "--out on a read-only file system, existing or not",
     "one line, exit 2; nothing written"),
    ("demo-out-in-a-mode-555-folder", "--out inside a folder with mode 0o555 (skipped as root)",
     "one line, exit 2; nothing written"),
    ("demo-inspector-frames-0", "--inspector-frames 0", "one line, exit 2, before any forecast"),
    ("demo-inspector-frames-word", "--inspector-frames many", "one line, exit 2"),
    ("demo-unknown-dataset", "--dataset gold", "one line, exit 2"),
    ("demo-unknown-option", "--frobnicate", "one line, exit 2"),
    ("demo-on-a-full-disk", "the demo writing into a 256 kB tmpfs that fills up",
     "one line, exit 2, no traceback; no empty or cut-short file under a final name"),
]

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
ROOT_REASON = "runs as root, whom mode 0o555 does not stop (see the *-read-only-mount cases)"
CASES: dict[str, Callable[..., None]] = {}
MARKS = {
    "export-into-a-mode-555-folder": pytest.mark.skipif(IS_ROOT, reason=ROOT_REASON),
    "demo-out-in-a-mode-555-folder": pytest.mark.skipif(IS_ROOT, reason=ROOT_REASON),
    "demo-on-a-full-disk": pytest.mark.slow,
}


def case(case_id: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register the function that tries the case ``case_id`` of ``HOSTILE``."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        CASES[case_id] = fn
        return fn

    return register


@pytest.mark.parametrize(
    "case_id", [pytest.param(c[0], marks=MARKS.get(c[0], ())) for c in HOSTILE]
)
def test_hostile_files(case_id, request):
    """Every case of the table, with the fixtures its function asks for."""
    fn = CASES[case_id]
    fn(**{name: request.getfixturevalue(name) for name in inspect.signature(fn).parameters})


def test_every_case_is_tried_and_nothing_else():
    assert list(CASES) == [c[0] for c in HOSTILE]


# ----------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------
@pytest.fixture
def mount(tmp_path):
    """``mount(options)``: a fresh tmpfs folder mounted with ``options``; unmounted after."""
    mounted: list[Path] = []

    def _mount(options: str) -> Path:
        folder = tmp_path / f"mnt{len(mounted)}"
        folder.mkdir()
        res = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                             capture_output=True, text=True) if shutil.which("mount") else None
        if res is None or res.returncode != 0:
            pytest.skip("mounting a tmpfs needs the mount program and the privilege to mount "
                        f"(CAP_SYS_ADMIN): {res.stderr.strip() if res else 'no mount'}")
        mounted.append(folder)
        return folder

    yield _mount
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.fixture(scope="module")
def toy_file(toy_trace, tmp_path_factory) -> Path:
    """The toy trace saved, for a subprocess to load."""
    return toy_trace.save(tmp_path_factory.mktemp("toy") / "toy.npz")


def cli(args: list[str], capsys) -> tuple[int, str]:
    """Run the command in-process: its exit status and what it wrote on stderr."""
    try:
        status = main(args)
    except SystemExit as exc:  # argparse's errors
        status = exc.code
    return status, capsys.readouterr().err


def assert_one_line_error(status: int, err: str, *words: str) -> None:
    assert status == 2, err
    assert err.count("\n") == 1 and err.startswith("lstm-explained"), err
    assert "Traceback" not in err and ": error: " in err
    for word in words:
        assert word in err, err


# ----------------------------------------------------------------------------------
# Exports
# ----------------------------------------------------------------------------------
@case("export-to-a-link")
def _export_to_a_link(toy_trace, tmp_path):
    mine = tmp_path / "mine.html"
    mine.write_text("my notes")
    for fn, name in ((inspector_html, "inspector.html"), (animation, "belt.gif")):
        (tmp_path / name).symlink_to(mine)
        with pytest.raises(ExportError, match="is a symbolic link .* never writes through"):
            fn(toy_trace, tmp_path / name, **_few(fn), overwrite=True)
    assert mine.read_text() == "my notes"
    assert sorted(os.listdir(tmp_path)) == ["belt.gif", "inspector.html", "mine.html"]


@case("export-to-a-dangling-link")
def _export_to_a_dangling_link(toy_trace, tmp_path):
    link = tmp_path / "inspector.html"
    link.symlink_to(tmp_path / "elsewhere.html")
    with pytest.raises(ExportError, match="symbolic link"):
        inspector_html(toy_trace, link, samples=[0])
    assert not (tmp_path / "elsewhere.html").exists()


@case("export-to-dev-full")
def _export_to_dev_full(toy_trace, tmp_path):
    link = tmp_path / "belt.gif"
    link.symlink_to("/dev/full")
    with pytest.raises(ExportError, match="symbolic link .*/dev/full"):
        animation(toy_trace, link, samples=[0], timesteps=[0], overwrite=True)


@case("export-into-a-read-only-mount")
def _export_into_a_read_only_mount(toy_trace, mount):
    folder = mount("ro,size=64k")
    for fn, name in ((inspector_html, "a.html"), (animation, "a.gif")):
        with pytest.raises(ExportError, match="not writable"):
            fn(toy_trace, folder / name, **_few(fn))


@case("export-into-a-mode-555-folder")
def _export_into_a_mode_555_folder(toy_trace, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o555)
    try:
        with pytest.raises(ExportError, match="not writable"):
            inspector_html(toy_trace, folder / "a.html", samples=[0])
    finally:
        folder.chmod(0o755)


def _noisy_trace(samples: int, steps: int, units: int):
    """A trace of random inputs: its gates jump about, and its data compress little."""
    import numpy as np

    from lstm_explained.engine import LSTMWeights, run_lstm
    from lstm_explained.trace import LayerTrace, Trace

    x = np.random.default_rng(0).normal(size=(samples, steps, 1)) * 3
    run = run_lstm(x, LSTMWeights.random(features=1, units=units, seed=0))
    return Trace([LayerTrace(name="lstm", layer_name="lstm", inputs=x, arrays=run)])


@case("export-on-a-full-disk")
def _export_on_a_full_disk(toy_trace, mount):
    folder = mount("size=256k")
    target = inspector_html(toy_trace, folder / "inspector.html", samples=[0])
    earlier = target.read_bytes()
    big = _noisy_trace(samples=20, steps=100, units=64)  # ~2 MB of HTML
    with pytest.raises(ExportError, match="No space left on device"):
        inspector_html(big, target, overwrite=True)
    assert target.read_bytes() == earlier
    assert os.listdir(folder) == ["inspector.html"]


# ----------------------------------------------------------------------------------
# A write that fails half-way (RLIMIT_FSIZE), over an earlier good file
# ----------------------------------------------------------------------------------
LIMIT = 4096  # bytes; every new file below is larger

_EXPORT = """
from lstm_explained.trace import load_trace
from lstm_explained.export import {fn}
{fn}(load_trace({trace!r}), {path!r}, overwrite=True{more})
"""
_FIGURE = """
import numpy as np
from matplotlib.figure import Figure
from lstm_explained.demo import save_png
fig = Figure()
fig.add_subplot().plot(np.random.default_rng(0).random(2000))
save_png(fig, Path({path!r}))
"""
_TABLE = """
from lstm_explained.demo import Score, write_scores
write_scores([Score("sine", "point-by-point", "series", "lstm", k, k, k, k)
              for k in range(200)], Path({path!r}))
"""


def _run_limited(body: str, limit: int = LIMIT) -> subprocess.CompletedProcess:
    """Run ``body`` in a Python whose files cannot grow past ``limit`` bytes (a write past
    it fails with EFBIG, half-way, as on a full disk)."""
    code = textwrap.dedent("""
        import resource, signal
        from pathlib import Path
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE,
                           ({limit}, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
        from lstm_explained.errors import LSTMExplainedError
        try:
        {body}
        except LSTMExplainedError as exc:
            print(type(exc).__name__, exc)
        else:
            print("no error")
        """).format(limit=limit, body=textwrap.indent(textwrap.dedent(body), "    "))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)


def _half_written(path: Path, body: str, *words: str) -> None:
    """``body`` fails half-way over the earlier ``path``: it is intact, nothing left over,
    and the error is one of ours."""
    earlier = path.read_bytes()
    res = _run_limited(body)
    assert path.read_bytes() == earlier, f"{path.name} damaged: {len(earlier)} bytes before, " \
        f"{path.stat().st_size} after"
    assert os.listdir(path.parent) == [path.name]  # no temporary file left
    assert res.returncode == 0, res.stderr  # no traceback: the error is the package's
    assert all(w in res.stdout for w in words), res.stdout


def _half_written_export(toy_trace, toy_file, path: Path, *words: str) -> None:
    fn = inspector_html if path.suffix == ".html" else animation
    fn(toy_trace, path, **_few(fn))  # the earlier file
    more = "" if fn is inspector_html else ", progress=False"
    body = _EXPORT.format(fn=fn.__name__, trace=str(toy_file), path=str(path), more=more)
    _half_written(path, body, *words)


@case("half-written-html")
def _half_written_html(toy_trace, toy_file, tmp_path):
    _half_written_export(toy_trace, toy_file, tmp_path / "inspector.html",
                         "ExportError cannot write", "File too large")


@case("half-written-gif")
def _half_written_gif(toy_trace, toy_file, tmp_path):
    _half_written_export(toy_trace, toy_file, tmp_path / "belt.gif",
                         "ExportError cannot write", "File too large")


@case("half-written-mp4")
def _half_written_mp4(toy_trace, toy_file, tmp_path, ffmpeg):
    _half_written_export(toy_trace, toy_file, tmp_path / "belt.mp4",
                         "ExportError ffmpeg could not write")


@case("half-written-demo-figure")
def _half_written_demo_figure(tmp_path):
    from matplotlib.figure import Figure

    from lstm_explained.demo import save_png

    fig = Figure()
    fig.add_subplot().plot([0, 1])
    path = save_png(fig, tmp_path / "sine_full_sequence.png")
    _half_written(path, _FIGURE.format(path=str(path)), "OutputError cannot write",
                  "File too large")


@case("half-written-demo-table")
def _half_written_demo_table(tmp_path):
    from lstm_explained.demo import Score, write_scores

    row = Score("sp500", "point-by-point", "price", "lstm", 1.5, 2.5, 3.5, 4.5)
    path = write_scores([row], tmp_path / "errors.csv")
    _half_written(path, _TABLE.format(path=str(path)), "OutputError cannot write",
                  "File too large")


# ----------------------------------------------------------------------------------
# The demo's command line
# ----------------------------------------------------------------------------------
def _demo_folder(out: Path) -> None:
    """A folder as an earlier demo left it (its marker is what matters)."""
    out.mkdir()
    (out / ".lstm-explained-demo").write_text("made by lstm-explained demo\n")


@case("demo-out-is-a-file")
def _demo_out_is_a_file(tmp_path, capsys):
    f = tmp_path / "file.txt"
    f.write_text("x")
    assert_one_line_error(*cli(["demo", "--out", str(f)], capsys), "is a file")
    assert f.read_text() == "x"


@case("demo-out-is-a-dangling-link")
def _demo_out_is_a_dangling_link(tmp_path, capsys):
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "nowhere")
    assert_one_line_error(*cli(["demo", "--out", str(link)], capsys), "symbolic link")
    assert not (tmp_path / "nowhere").exists()


@case("demo-out-is-a-link-to-a-folder")
def _demo_out_is_a_link_to_a_folder(tmp_path, capsys):
    (tmp_path / "real").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "real")
    assert_one_line_error(*cli(["demo", "--out", str(tmp_path / "out")], capsys),
                          "symbolic link", "never writes through")
    assert os.listdir(tmp_path / "real") == []


@case("demo-link-planted-in-its-folder")
def _demo_link_planted_in_its_folder(tmp_path, capsys):
    out, mine = tmp_path / "out", tmp_path / "precious.txt"
    _demo_folder(out)
    mine.write_text("mine")
    (out / "sine_full_sequence.png").symlink_to(mine)
    assert_one_line_error(*cli(["demo", "--out", str(out), "--dataset", "sine"], capsys),
                          "sine_full_sequence.png is a symbolic link")
    assert mine.read_text() == "mine"
    assert sorted(os.listdir(out)) == [".lstm-explained-demo", "sine_full_sequence.png"]


@case("demo-folder-planted-as-its-table")
def _demo_folder_planted_as_its_table(tmp_path, capsys):
    out = tmp_path / "out"
    _demo_folder(out)
    (out / "errors.csv").mkdir()
    assert_one_line_error(*cli(["demo", "--out", str(out), "--dataset", "sine"], capsys),
                          "errors.csv is a folder")


@case("demo-pipe-planted-as-its-table")
def _demo_pipe_planted_as_its_table(tmp_path, capsys):
    out = tmp_path / "out"
    _demo_folder(out)
    os.mkfifo(out / "errors.csv")
    assert_one_line_error(*cli(["demo", "--out", str(out), "--dataset", "sine"], capsys),
                          "errors.csv is not a table of errors", "not a regular file")


@case("demo-table-not-its-own")
def _demo_table_not_its_own(tmp_path, capsys):
    out = tmp_path / "out"
    _demo_folder(out)
    (out / "errors.csv").write_text("my own notes\n")
    assert_one_line_error(*cli(["demo", "--out", str(out), "--dataset", "sine"], capsys),
                          "is not a table of errors written by the demo", "--force")
    assert (out / "errors.csv").read_text() == "my own notes\n"
    assert sorted(os.listdir(out)) == [".lstm-explained-demo", "errors.csv"]


@case("demo-out-empty")
def _demo_out_empty(capsys):
    assert_one_line_error(*cli(["demo", "--out", ""], capsys), "--out is empty")


@case("demo-out-in-a-read-only-mount")
def _demo_out_in_a_read_only_mount(mount, capsys):
    folder = mount("ro,size=64k")
    assert_one_line_error(*cli(["demo", "--out", str(folder)], capsys), "not writable")
    assert_one_line_error(*cli(["demo", "--out", str(folder / "sub")], capsys),
                          "cannot create the folder", "Read-only file system")
    assert os.listdir(folder) == []


@case("demo-out-in-a-mode-555-folder")
def _demo_out_in_a_mode_555_folder(tmp_path, capsys):
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o555)
    try:
        assert_one_line_error(*cli(["demo", "--out", str(folder / "sub")], capsys))
        assert os.listdir(folder) == []
    finally:
        folder.chmod(0o755)


def _bad_option(tmp_path, capsys, args: list[str], *words: str) -> None:
    out = tmp_path / "out"
    assert_one_line_error(*cli(["demo", "--out", str(out), *args], capsys), *words)
    assert not out.exists()


@case("demo-inspector-frames-0")
def _demo_inspector_frames_0(tmp_path, capsys):
    _bad_option(tmp_path, capsys, ["--inspector-frames", "0"], "at least 1, not 0")


@case("demo-inspector-frames-word")
def _demo_inspector_frames_word(tmp_path, capsys):
    _bad_option(tmp_path, capsys, ["--inspector-frames", "many"], "whole number, not 'many'")


@case("demo-unknown-dataset")
def _demo_unknown_dataset(tmp_path, capsys):
    _bad_option(tmp_path, capsys, ["--dataset", "gold"], "invalid choice: 'gold'")


@case("demo-unknown-option")
def _demo_unknown_option(tmp_path, capsys):
    _bad_option(tmp_path, capsys, ["--frobnicate"], "unrecognized arguments: --frobnicate")


@case("demo-on-a-full-disk")
def _demo_on_a_full_disk(mount):
    from PIL import Image

    folder = mount("size=256k")
    res = subprocess.run(
        [sys.executable, "-m", "lstm_explained.cli", "demo", "--out", str(folder / "demo"),
         "--dataset", "sine", "--inspector-frames", "2"],
        capture_output=True, text=True, timeout=600,
    )
    assert res.returncode == 2, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "No space left on device" in lines[0], res.stderr
    names = os.listdir(folder / "demo")
    assert not [n for n in names if n.endswith(".part")], names  # no temporary file left
    for name in names:
        if not name.startswith("."):  # every file under a final name is complete
            with Image.open(folder / "demo" / name) as img:
                img.load()
