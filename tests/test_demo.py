"""Tests for the ``lstm-explained demo`` command (lstm_explained.cli and .demo).

The scores are recomputed here from first principles: the raw series, where each test
window starts, and the forecasts (whose equality with the seed's loops is tested in
test_forecast.py); units, targets and baselines are rebuilt by hand, not by the demo's code.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import lstm_explained as lx
from lstm_explained.cli import main
from lstm_explained.demo import MARKER, run_demo

L = 50  # the demo's multi-sequence run length
FIGURES = ("point_by_point", "multi_sequence", "full_sequence", "point_vs_persistence",
           "multi_vs_persistence")


def quiet(*_args) -> None:
    """A ``log`` that prints nothing."""


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory) -> Path:
    """One demo run, both datasets, as the command makes it (read-only for the tests)."""
    out = tmp_path_factory.mktemp("demo") / "out"
    run_demo(out, log=quiet, inspector_frames=4)
    return out


def rows_of(path: Path) -> dict[tuple[str, str, str, str], dict[str, str]]:
    rows = list(csv.DictReader(path.open()))
    table = {(r["dataset"], r["forecast"], r["units"], r["model"]): r for r in rows}
    assert len(table) == len(rows)  # one row per dataset, forecast, units and model
    return table


# ----------------------------------------------------------------------------------
# The scores, from first principles
# ----------------------------------------------------------------------------------
def errors(pred, base, true) -> dict[str, float]:
    return {
        "model_mse": float(np.mean((pred - true) ** 2)),
        "baseline_mse": float(np.mean((base - true) ** 2)),
        "model_mae": float(np.mean(np.abs(pred - true))),
        "baseline_mae": float(np.mean(np.abs(base - true))),
    }


def expected_rows(name: str) -> dict[tuple[str, str, str, str], dict[str, float]]:
    """Every row the demo must write for ``name``: the LSTM's and the linear AR's.

    The test window ``k`` holds ``series[i:i + T]`` with ``i = test_index[k]``; its target
    is ``series[i + T]``, its persistence forecast ``series[i + T - 1]``. Normalised values
    are ``price / p0 - 1`` with ``p0`` the first value of the window whose units they are
    in: each window's own (point-by-point), the run's start window (multi-sequence), the
    first window (full sequence). The AR is fitted on the training windows, its order the
    window length.
    """
    info = lx.model.pretrained_info()[name]
    raw = np.asarray(lx.data.sine_wave() if name == "sine" else lx.data.load_sp500(), float)
    w = lx.data.make_windows(raw, seq_len=info["seq_len"], normalise=info["normalise"])
    T, i = info["seq_len"], w.test_index
    first, last, target = raw[i], raw[i + T - 1], raw[i + T]
    if info["normalise"]:  # the windows are what the test says they are
        windows = raw[i[:, None] + np.arange(T)]
        np.testing.assert_allclose(w.x_test[:, :, 0], windows / first[:, None] - 1, atol=1e-7)
    rows = {}
    models = {
        "lstm": lx.model.load_pretrained(name),
        "linear_ar": lx.forecast.linear_ar(w.x_train, w.y_train, order=T),
    }
    for model_name, model in models.items():
        point = lx.forecast.point_by_point(model, w.x_test)
        multi = lx.forecast.multi_sequence(model, w.x_test, L).reshape(-1)
        full = lx.forecast.full_sequence(model, w.x_test)
        n = multi.size
        start = (np.arange(n) // L) * L  # the window each multi-sequence run starts from
        runs = {  # forecast: (its values, the windows whose units they are in, the targets' k)
            "point-by-point": (point, np.arange(len(point)), np.arange(len(point))),
            "multi-sequence": (multi, start, np.arange(n)),
            "full-sequence": (full, np.zeros(len(full), int), np.arange(len(full))),
        }
        for kind, (pred, ref, k) in runs.items():
            if not info["normalise"]:  # the values are the series' own
                rows[(name, kind, "series", model_name)] = errors(pred, last[ref], target[k])
                continue
            p0 = first[ref]
            rows[(name, kind, "normalised", model_name)] = errors(
                pred, last[ref] / p0 - 1, target[k] / p0 - 1
            )
            rows[(name, kind, "price", model_name)] = errors(p0 * (pred + 1), last[ref], target[k])
    return rows


@pytest.mark.parametrize("name", ["sine", "sp500"])
def test_every_row_is_exactly_what_it_must_be(demo_out, name):
    got = {k: v for k, v in rows_of(demo_out / "errors.csv").items() if k[0] == name}
    want = expected_rows(name)
    assert set(got) == set(want)
    for key, values in want.items():
        for field, value in values.items():
            # the table keeps 6 significant digits (the AR's sine errors are ~1e-27: absolute)
            assert float(got[key][field]) == pytest.approx(value, rel=1e-5, abs=1e-20), (
                key, field)


def test_the_ar_rows_tell_issue_13s_story(demo_out):
    """The S&P 500 in prices: the AR about persistence, the LSTM worse than both; the sine:
    the AR to rounding error, fed back too."""
    rows = rows_of(demo_out / "errors.csv")
    for kind in ("point-by-point", "multi-sequence", "full-sequence"):
        sine = rows[("sine", kind, "series", "linear_ar")]
        assert float(sine["model_mse"]) < 1e-20 < float(sine["baseline_mse"])
    ar = rows[("sp500", "point-by-point", "price", "linear_ar")]
    lstm = rows[("sp500", "point-by-point", "price", "lstm")]
    assert ar["baseline_mse"] == lstm["baseline_mse"]  # the same persistence beside both
    ratio = float(ar["model_mse"]) / float(ar["baseline_mse"])
    assert 0.8 < ratio < 1.25 and float(lstm["model_mse"]) > 2 * float(ar["model_mse"])


def test_the_pictures_show_the_ar_line(demo_out):
    from matplotlib.colors import to_rgb

    from lstm_explained.plots.views import AR_COLOR

    colour = np.round(np.array(to_rgb(AR_COLOR)) * 255)
    for name in ("sine", "sp500"):
        for kind in FIGURES:
            with Image.open(demo_out / f"{name}_{kind}.png") as img:
                pixels = np.asarray(img.convert("RGB"), dtype=float)
            near = np.abs(pixels - colour).max(axis=-1) < 8
            assert near.sum() > 200, (name, kind, int(near.sum()))  # a line, not a speck


def test_a_table_written_before_the_ar_is_read_as_the_lstms(tmp_path):
    from lstm_explained.demo import read_scores

    old = tmp_path / "errors.csv"
    old.write_text("dataset,forecast,units,model_mse,baseline_mse,model_mae,baseline_mae\n"
                   "sine,point-by-point,series,1,2,3,4\n")
    (row,) = read_scores(old)
    assert (row.model, row.model_mse, row.baseline_mae) == ("lstm", 1.0, 4.0)


def test_demo_writes_figures_and_table(demo_out):
    names = sorted(p.name for p in demo_out.iterdir())
    for name in ("sine", "sp500"):
        for kind in FIGURES:
            with Image.open(demo_out / f"{name}_{kind}.png") as img:
                assert img.format == "PNG"
                img.load()  # the whole file decodes
        html = (demo_out / f"{name}_inspector.html").read_text()
        assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
        bare = html.replace('"http://www.w3.org/2000/svg"', "")  # a name, never fetched
        assert "http://" not in bare and "https://" not in bare
        assert "every step (50) of 4 forecast steps (of 50)" in html  # inspector_frames=4
        assert '"lab":{"parameters":70901,' in html  # with the gate lab
    assert "errors.csv" in names and MARKER in names
    assert not [n for n in names if n.endswith(".part")]  # no temporary file left
    assert len(names) == 2 * (len(FIGURES) + 1) + 2


def test_the_command_reruns_into_its_folder_and_lists_what_it_wrote(tmp_path, capsys):
    out = tmp_path / "demo"
    args = ["demo", "--out", str(out), "--dataset", "sine", "--inspector-frames", "2"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert "MSE persist." in first and f"Wrote {len(FIGURES) + 2} files" in first
    assert "linear_ar" in first
    assert main(args) == 0  # the folder holds the marker: running again is fine
    assert str(out / "errors.csv") in capsys.readouterr().out


def test_a_rerun_for_one_dataset_keeps_the_others_rows(demo_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(demo_out, out)
    table = out / "errors.csv"
    sp500_before = [r for r in csv.DictReader(table.open()) if r["dataset"] == "sp500"]
    # spoil the sine rows: the rerun must put the right numbers back
    text = table.read_text().splitlines()
    table.write_text("\n".join(
        [text[0]] + [(",".join(line.split(",")[:4] + ["7"] * 4) if line.startswith("sine,")
                     else line) for line in text[1:]]
    ) + "\n")
    run_demo(out, datasets=("sine",), log=quiet, inspector_frames=4)
    after = list(csv.DictReader(table.open()))
    assert [r for r in after if r["dataset"] == "sp500"] == sp500_before
    assert [r["dataset"] for r in after] == ["sine"] * 6 + ["sp500"] * 12
    assert [r["model"] for r in after] == ["lstm", "linear_ar"] * 9
    assert (table.read_bytes() == (demo_out / "errors.csv").read_bytes())


def test_a_table_the_demo_did_not_write_is_replaced_only_with_force(demo_out, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(demo_out, out)
    (out / "errors.csv").write_text("my own notes\n")
    args = ["demo", "--out", str(out), "--dataset", "sine", "--inspector-frames", "4"]
    assert main(args) == 2
    assert "is not a table of errors written by the demo" in capsys.readouterr().err
    assert (out / "errors.csv").read_text() == "my own notes\n"
    assert main([*args, "--force"]) == 0
    sine = [r for r in csv.DictReader((demo_out / "errors.csv").open()) if r["dataset"] == "sine"]
    assert list(csv.DictReader((out / "errors.csv").open())) == sine


def test_options_are_checked_before_any_work(tmp_path, capsys):
    out = tmp_path / "never"
    with pytest.raises(SystemExit) as info:
        main(["demo", "--out", str(out), "--inspector-frames", "0"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--inspector-frames: must be at least 1, not 0" in err
    assert not out.exists()  # no forecast, no folder, no half-written files
    from lstm_explained.errors import DataError

    for bad in (0, -3, 2.5, True, "9"):
        with pytest.raises(DataError, match="inspector_frames must be"):
            run_demo(out, datasets=("sine",), inspector_frames=bad)
    with pytest.raises(DataError, match="unknown dataset 'gold'"):
        run_demo(out, datasets=("gold",))
    with pytest.raises(DataError, match="at least one dataset"):
        run_demo(out, datasets=())
    assert not out.exists()


def test_demo_refuses_a_foreign_non_empty_folder_unless_forced(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["demo", "--out", str(tmp_path), "--dataset", "sine"]) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and "--force" in err and "Traceback" not in err
    assert err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # nothing written
    args = ["demo", "--out", str(tmp_path), "--dataset", "sine", "--force",
            "--inspector-frames", "2"]
    assert main(args) == 0
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / MARKER).is_file()


def test_console_script_is_installed():
    out = subprocess.run(
        [sys.executable, "-m", "lstm_explained.cli", "demo", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--retrain" in out.stdout and "--force" in out.stdout


# ----------------------------------------------------------------------------------
# kill -9 while the demo writes
# ----------------------------------------------------------------------------------
def _state(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Name -> (inode, size, mtime) of every entry but the marker."""
    state = {}
    for entry in os.scandir(folder):
        if entry.name != MARKER:
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # a temporary file renamed in the meantime
                continue
            state[entry.name] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return state


def _kill_at_write(cmd: list[str], folder: Path, nth: int) -> None:
    """Run ``cmd``; SIGKILL it at the ``nth`` change seen in ``folder`` (a file written,
    created, grown or renamed: the demo is writing)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        seen, changes = _state(folder), 0
        deadline = time.monotonic() + 600
        while changes < nth:
            now = _state(folder)
            changes += now != seen
            seen = now
            assert proc.poll() is None, f"the demo ended before write {nth}: {proc.stderr.read()}"
            assert time.monotonic() < deadline, "the demo wrote nothing for 10 minutes"
            time.sleep(0.0005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def _complete(path: Path) -> bool:
    """Whether ``path`` is a whole file of its kind (not empty, not cut short)."""
    data = path.read_bytes()
    if path.suffix == ".png":
        try:
            with Image.open(path) as img:
                img.load()
        except OSError:
            return False
        return data.endswith(b"IEND\xaeB`\x82")
    if path.suffix == ".html":
        return data.rstrip().endswith(b"</html>")
    if path.suffix == ".csv":
        return data.startswith(b"dataset,") and data.endswith(b"\n")
    return bool(data)


@pytest.mark.slow
def test_a_killed_rerun_leaves_every_file_whole(demo_out, tmp_path):
    """kill -9 while the demo rewrites its folder: every file is the earlier good one or a
    complete new one, none is empty or cut short."""
    out = tmp_path / "out"
    shutil.copytree(demo_out, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    cmd = [sys.executable, "-m", "lstm_explained.cli", "demo", "--out", str(out),
           "--dataset", "sine", "--inspector-frames", "4"]
    for nth in (1, 4):  # as the first figure is written, and a few writes later
        _kill_at_write(cmd, out, nth)
        for name, data in before.items():
            now = out / name
            assert now.read_bytes() == data or _complete(now), f"{name} damaged (kill at {nth})"
        leftovers = set(os.listdir(out)) - set(before)
        assert all(n.startswith(".") and n.endswith(".part") for n in leftovers), leftovers
