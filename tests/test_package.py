"""Tests for the package as a whole: a light, quiet import; a wheel that works anywhere."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str, cwd: Path | None = None, python: str = sys.executable):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    return subprocess.run(
        [python, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=cwd, env=env
    )


def test_import_does_not_import_tensorflow():
    out = run_python(
        """
        import sys
        import lstm_explained as lx
        lx.data.sine_wave(); lx.data.load_sp500(); lx.plots; lx.gates; lx.errors
        lx.data.adding_problem(2); lx.analysis.find_memory_units
        bad = [m for m in ("tensorflow", "keras") if m in sys.modules]
        print("loaded:", bad)
        """
    )
    assert out.returncode == 0, out.stderr
    assert "loaded: []" in out.stdout
    assert out.stderr == ""


def test_keras_import_is_quiet_and_leaves_its_objects_to_the_permanent_generation():
    """Nothing on stderr; what the import made is frozen (gc.freeze: the final collections
    at exit skip it), and what is made afterwards is still collected."""
    out = run_python(
        """
        import gc, weakref
        import lstm_explained as lx
        before = gc.get_freeze_count()
        model = lx.model.load_pretrained("sine")
        class Node: pass
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle, made after the import
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        print(type(model).__name__, before, gc.get_freeze_count(), gone() is None)
        """
    )
    assert out.returncode == 0, out.stderr
    name, before, after, collected = out.stdout.split()
    assert name == "Sequential" and collected == "True"
    assert int(before) == 0 and int(after) > 100_000, (before, after)
    noisy = [line for line in out.stderr.splitlines() if line.strip()]
    assert noisy == [], noisy


def test_version_from_the_command_line():
    import lstm_explained as lx

    for cmd in ([sys.executable, "-m", "lstm_explained.cli"], ["lstm-explained"]):
        if cmd == ["lstm-explained"] and shutil.which("lstm-explained") is None:
            continue  # not installed as a console script in this environment
        out = subprocess.run([*cmd, "--version"], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert out.stdout == f"lstm-explained {lx.__version__}\n" and out.stderr == ""


def test_unknown_attribute():
    import lstm_explained as lx

    with pytest.raises(AttributeError):
        lx.no_such_thing  # noqa: B018
    assert "trace_gates" in dir(lx)


@pytest.mark.slow
def test_wheel_installs_and_works_from_another_folder(tmp_path):
    """Build a wheel, install it (without deps) in a fresh venv, use it from elsewhere.

    The fresh venv reaches the already-installed dependencies through a path entry, but
    not this checkout: the package must come from the wheel, data and models included.
    """
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("lstm_explained-*.whl"))
    venv = tmp_path / "venv"
    # no pip of its own (ensurepip takes ~5 s): this pip installs into it (pip --python)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", py, "install", "-q", "--no-deps", str(wheel)],
        check=True, capture_output=True,
    )
    site = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    deps = sysconfig.get_paths()["purelib"]
    Path(site, "_deps_from_dev_env.pth").write_text(deps + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = run_python(
        """
        import lstm_explained as lx
        print(lx.__file__)
        print(len(lx.data.sine_wave()), len(lx.data.load_sp500()))
        for name in ("sine", "sp500", "adding", "adding-rnn", "adding-gru", "sine-gru"):
            print(name, lx.model.load_pretrained(name).count_params())
        print(list(lx.model.pretrained_info()))
        """,
        cwd=elsewhere,
        python=py,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith(str(venv)), lines[0]  # the wheel's copy, not the checkout
    assert lines[1] == "5001 4171"
    assert lines[2] == "sine 70901" and lines[3] == "sp500 70901"
    # LSTM(32) on 2 features: 4 * 32 * (2 + 32 + 1); SimpleRNN(32): 32 * (2 + 32 + 1); Dense 33
    assert lines[4] == "adding 4513" and lines[5] == "adding-rnn 1153"
    # GRU(32), reset_after: 3 * 32 * (2 + 32 + 2); the sine stack with GRU layers
    assert lines[6] == "adding-gru 3489" and lines[7] == "sine-gru 53651"
    assert lines[8] == "['sine', 'sp500', 'adding', 'adding-rnn', 'adding-gru', 'sine-gru']"


#: Public modules without an API page, and why.
_NOT_ON_THE_API_PAGES = {
    "cli": "the command line, documented by `lstm-explained --help` and the README",
    "demo": "what the command runs (README, instructor guide)",
    "data_checks": "validation behind lx.data; its errors are documented where raised",
    "data_csv": "the CSV reader behind lx.data.load_csv (documented there)",
    "data_csv_fast": "the numpy fast path of data_csv",
    "series": "documented on the data page, where users reach it (lx.data.Series)",
    "windows": "documented on the data page (lx.data.make_windows, Windows, denormalise)",
}


def test_every_public_module_is_on_the_api_pages_and_smaller_than_400_lines():
    """A module or package without a leading underscore has an API page in the toctree of
    docs/api/index.md (or a reason above); no module of the package is over 400 lines."""
    pkg = ROOT / "lstm_explained"
    index = (ROOT / "docs" / "api" / "index.md").read_text()
    listed = set(re.findall(r"^([a-z_]+)$", index, flags=re.M))
    public = {p.stem for p in pkg.glob("*.py") if not p.name.startswith("_")}
    public |= {p.parent.name for p in pkg.glob("*/__init__.py")}
    missing = sorted(public - listed - set(_NOT_ON_THE_API_PAGES))
    assert not missing, f"modules without an API page in docs/api/index.md: {missing}"
    for name in listed:
        assert (ROOT / "docs" / "api" / f"{name}.rst").exists(), name
    long = {p.relative_to(pkg).as_posix(): n for p in pkg.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, f"modules over 400 lines (split them by idea): {long}"
