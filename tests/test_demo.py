"""Tests for the ``lstm-explained demo`` command (lstm_explained.cli and .demo)."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from lstm_explained.cli import main
from lstm_explained.demo import MARKER, run_demo


def test_demo_writes_figures_and_table(tmp_path, capsys):
    out = tmp_path / "demo"
    run_demo(out, datasets=("sine",), inspector_frames=12)
    printed = capsys.readouterr().out
    names = sorted(p.name for p in out.iterdir())
    for kind in (
        "point_by_point",
        "multi_sequence",
        "full_sequence",
        "point_vs_persistence",
        "multi_vs_persistence",
    ):
        assert f"sine_{kind}.png" in names
        assert (out / f"sine_{kind}.png").read_bytes()[:4] == b"\x89PNG"
    assert "errors.csv" in names and MARKER in names
    html = (out / "sine_inspector.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "http://" not in html and "https://" not in html
    rows = list(csv.DictReader((out / "errors.csv").open()))
    # the sine is not normalised: one row per forecast, in the series' own units
    assert {(r["forecast"], r["units"]) for r in rows} == {
        (f, "series") for f in ("point-by-point", "multi-sequence", "full-sequence")
    }
    assert all(float(r["model_mse"]) >= 0 and float(r["baseline_mse"]) >= 0 for r in rows)
    assert "MSE persist." in printed
    # running again into the folder it made is fine; the command lists what it wrote
    assert main(["demo", "--out", str(out), "--dataset", "sine", "--inspector-frames", "4"]) == 0
    assert "errors.csv" in capsys.readouterr().out


def test_demo_sp500_scores_in_price_units(tmp_path):
    written = run_demo(tmp_path / "d", datasets=("sp500",), log=lambda *a: None, inspector_frames=6)
    rows = list(csv.DictReader((tmp_path / "d" / "errors.csv").open()))
    price = [r for r in rows if r["units"] == "price" and r["forecast"] == "point-by-point"][0]
    norm = [r for r in rows if r["units"] == "normalised" and r["forecast"] == "point-by-point"][0]
    # prices are ~1000x the normalised values, so squared errors are far larger
    assert float(price["model_mse"]) > 1000 * float(norm["model_mse"])
    assert len(written) == 7
    multi = [r for r in rows if r["units"] == "normalised" and r["forecast"] == "multi-sequence"][0]
    # targets are put into each run's start-window units: the baseline's error is then the
    # price error scaled by p0**2, so the two units' ratios agree
    mprice = [r for r in rows if r["units"] == "price" and r["forecast"] == "multi-sequence"][0]
    ratio_norm = float(multi["model_mse"]) / float(multi["baseline_mse"])
    ratio_price = float(mprice["model_mse"]) / float(mprice["baseline_mse"])
    assert ratio_norm == pytest.approx(ratio_price, rel=0.2)


def test_demo_refuses_a_foreign_non_empty_folder(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["demo", "--out", str(tmp_path), "--dataset", "sine"]) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and "--force" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # nothing written
    assert (
        main(
            [
                "demo",
                "--out",
                str(tmp_path),
                "--dataset",
                "sine",
                "--force",
                "--inspector-frames",
                "4",
            ]
        )
        == 0
    )
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_demo_refuses_a_file_as_out(tmp_path, capsys):
    f = tmp_path / "file.txt"
    f.write_text("x")
    assert main(["demo", "--out", str(f)]) == 2
    assert "is a file" in capsys.readouterr().err


def test_demo_unknown_dataset(tmp_path):
    with pytest.raises(SystemExit):
        main(["demo", "--dataset", "gold"])
    from lstm_explained.errors import DataError

    with pytest.raises(DataError, match="unknown dataset 'gold'"):
        run_demo(tmp_path / "x", datasets=("gold",))
    assert not (tmp_path / "x").exists()


def test_console_script_is_installed():
    out = subprocess.run(
        [sys.executable, "-m", "lstm_explained.cli", "demo", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--retrain" in out.stdout and "--force" in out.stdout
