"""Shared test setup: quiet TensorFlow, a headless matplotlib, hypothesis profiles, models,
for the browser tests Chromium, a page that records every error, and JupyterLab, and the
course site, built once per session (it executes every tutorial: the docs tests read its
pages, the tutorial tests the notebooks it executed).

Hypothesis profiles (choose with the ``HYPOTHESIS_PROFILE`` environment variable):

* ``ci`` (default): 50 examples per property (25 random Keras models for the tracer's),
  what CI runs;
* ``thorough``: 300 examples, e.g.
  ``HYPOTHESIS_PROFILE=thorough python3 -m pytest tests/test_tracer.py -k property``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
# The suite runs on TensorFlow whatever a developer's ~/.keras/keras.json says; the tests of
# the other backends set KERAS_BACKEND in their own subprocesses.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

_COMMON = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("ci", max_examples=50, **_COMMON)
settings.register_profile("thorough", max_examples=300, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


#: Session fixtures too costly to build twice: under pytest-xdist (``--dist loadgroup``,
#: see pyproject.toml) every test using one runs on the same worker.
_SHARED_FIXTURES = {"site_build": "site", "site": "site", "site_url": "site", "lab": "lab",
                     "demo_out": "demo", "other_backend": "backends"}


@pytest.hookimpl(tryfirst=True)  # before xdist's worker reads the marks
def pytest_collection_modifyitems(config, items):
    for item in items:
        if "other_backend" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.backends)
        for fixture, group in _SHARED_FIXTURES.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group(group))
                break


def claim_once(tmp_path_factory, what: str) -> None:
    """Fail if ``what`` was already made in this test run by another worker: the
    xdist groups (above) were not honoured, and a costly fixture is being built twice.

    Workers share the parent of their base temporary folders; the claim is a file made
    there with ``O_EXCL``.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    try:
        os.close(os.open(shared / f"claimed-{what}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        pytest.fail(f"{what} was already made by another worker of this run: its tests are "
                    "not grouped on one worker (--dist loadgroup; see _SHARED_FIXTURES)")


@pytest.fixture(scope="session")
def other_backend(tmp_path_factory):
    """``run(backend) -> {check: result}``: every check of ``tests/_backend_checks.py`` on
    another Keras backend, in one fresh interpreter per backend, once per test run. A
    backend that is not installed is skipped, as on a machine set up with the README's
    install; it fails when ``LSTM_EXPLAINED_BACKENDS=required`` (.ci/run's second test run,
    ``-m backends``, after installing the ``backends`` extra)."""
    import importlib.util

    import _backend_checks

    done: dict[str, dict] = {}

    def run(backend: str) -> dict:
        if importlib.util.find_spec(backend) is None:
            msg = (f"the {backend} backend is not installed "
                   "(pip install -e '.[backends]' installs jax and torch, CPU builds)")
            if os.environ.get("LSTM_EXPLAINED_BACKENDS", "") == "required":
                pytest.fail(msg)
            pytest.skip(msg)
        if backend not in done:
            claim_once(tmp_path_factory, f"backend-{backend}")
            done[backend] = _backend_checks.run(backend)
        return done[backend]

    return run


@pytest.fixture(scope="session")
def sine_model():
    """The pretrained sine model (loaded once per test session)."""
    import lstm_explained as lx

    return lx.model.load_pretrained("sine")


@pytest.fixture(scope="session")
def sp500_model():
    """The pretrained S&P 500 model (loaded once per test session)."""
    import lstm_explained as lx

    return lx.model.load_pretrained("sp500")


@pytest.fixture(scope="session")
def adding_model():
    """The pretrained adding-problem LSTM (loaded once per test session)."""
    import lstm_explained as lx

    return lx.model.load_pretrained("adding")


@pytest.fixture(scope="session")
def adding_test_set():
    """The test set data/train_adding.py scored the adding models on, as (x, y)."""
    import lstm_explained as lx

    info = lx.model.pretrained_info()["adding"]
    return lx.data.adding_problem(info["n_test"], length=info["length"], seed=info["test_seed"])


@pytest.fixture(scope="session")
def sp500_windows():
    """The seed's S&P 500 windows: 50 steps, normalised, 90/10 split."""
    import lstm_explained as lx

    return lx.data.make_windows(lx.data.load_sp500(), seq_len=50, normalise=True)


@pytest.fixture(scope="session")
def toy_trace():
    """A small numpy-only trace (no TensorFlow): two stacked layers, 3 samples x 12 steps."""
    from lstm_explained.trace import toy_trace as make

    return make()


@pytest.fixture(scope="session")
def sine_forecast_trace(sine_model):
    """The sine model's multi-sequence run 0, every 10th of its 50 steps (5 samples)."""
    import lstm_explained as lx
    from lstm_explained.forecast_trace import trace_forecast

    windows = lx.data.make_windows(lx.data.sine_wave(), 50)
    return trace_forecast(
        sine_model, mode="multi", windows=windows, steps=slice(0, 50, 10), dataset="sine"
    )


@pytest.fixture(scope="session")
def sine_forecast_trace_file(sine_forecast_trace, tmp_path_factory):
    """:func:`sine_forecast_trace` saved to a temporary ``.npz`` file."""
    return sine_forecast_trace.save(tmp_path_factory.mktemp("traces") / "sine_multi.npz")


#: Flags for Debian's Chromium in containers and CI: no sandbox, no GPU, no phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _required_tool(path: str | None, msg: str) -> str:
    """``path`` of a program a test needs; missing, fail under CI (CI=true), else skip."""
    if path and os.path.exists(path):
        return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg)
    pytest.skip(msg)


#: Debian's package ``chromium-headless-shell`` puts Chromium's headless shell here: the
#: same Blink and V8 as ``chromium``, without the browser's window machinery. It is what
#: Playwright itself runs for headless tests; measured here, the browser tests take about
#: 30 % less CPU with it than with ``chromium --headless``.
HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell"


@pytest.fixture(scope="session")
def chromium_path():
    """Chromium to drive: ``$LSTM_EXPLAINED_CHROMIUM``; else Debian's headless shell
    (:data:`HEADLESS_SHELL`, package ``chromium-headless-shell``); else ``chromium`` on
    PATH."""
    import shutil

    shell = shutil.which("chromium-headless-shell") or (
        HEADLESS_SHELL if os.path.exists(HEADLESS_SHELL) else None)
    return _required_tool(
        os.environ.get("LSTM_EXPLAINED_CHROMIUM") or shell or shutil.which("chromium"),
        "no Chromium found (set LSTM_EXPLAINED_CHROMIUM or install Debian's headless "
        "Chromium: apt-get install chromium-headless-shell)",
    )


@pytest.fixture(scope="session")
def ffmpeg():
    """``(ffmpeg, ffprobe)``, the programs the MP4 export and its tests need."""
    import shutil

    msg = "ffmpeg / ffprobe are not installed (Debian: apt-get install ffmpeg)"
    return tuple(_required_tool(shutil.which(tool), msg) for tool in ("ffmpeg", "ffprobe"))


@pytest.fixture(scope="session")
def browser(chromium_path):
    """A headless Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class PageLog:
    """Every error and dialog of a Playwright page: none is filtered out.

    ``errors`` gets each uncaught exception (``pageerror``) and each console message of
    type "error"; ``dialogs`` each ``alert`` / ``confirm`` / ``prompt`` (dismissed, so the
    page goes on).
    """

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", self._console)
        page.on("dialog", self._dialog)

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text} ({message.location})")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh browser contexts: ``page, log = new_page()``; closed after."""
    contexts = []

    def _open(**context_args):
        context = browser.new_context(**context_args)
        contexts.append(context)
        page = context.new_page()
        return page, PageLog(page)

    yield _open
    for context in contexts:
        context.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """A JupyterLab server for browser tests: ``root`` is the folder it serves."""

    def __init__(self, base: str, token: str, root) -> None:
        self.base, self.token, self.root = base, token, root

    def write_notebook(self, name: str, cells: list[str]) -> None:
        """Write ``root/name``: a Python 3 notebook of these code cells."""
        import nbformat

        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        nbformat.write(nb, self.root / name)

    def run_notebook(self, page, name: str) -> None:
        """Open ``root/name`` in ``page``, wait for its kernel, and run all its cells."""
        page.goto(f"{self.base}/lab/tree/{name}?token={self.token}&reset")
        page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=90_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")


@pytest.fixture(scope="session")
def lab(tmp_path_factory, chromium_path):
    """A running JupyterLab (one per test session) on 127.0.0.1: a free port, a token,
    temporary JUPYTER_* folders; always stopped at the end, with the kernels it started."""
    import json
    import secrets
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    claim_once(tmp_path_factory, "jupyterlab")
    root = tmp_path_factory.mktemp("lab")
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        env[name] = str(tmp_path_factory.mktemp(name.lower()))
    env["IPYTHONDIR"] = str(tmp_path_factory.mktemp("ipython"))
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
        f"--port={port}", f"--ServerApp.token={token}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    log_path = tmp_path_factory.mktemp("lab-log") / "lab.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited: {log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    json.load(r)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start within 60 s") from None
                time.sleep(0.3)
        yield JupyterLab(base, token, root)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the server and the kernels it started
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


# -- the course site, built once per session ------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
SITE_BUILD_TIMEOUT = 900  # seconds; the build itself aims at well under 5 minutes


def quiet_free_env() -> dict[str, str]:
    """This process' environment without what quietens TensorFlow or picks a plot backend.

    A kernel started with it must quieten TensorFlow itself, as every tutorial's first
    cell does (the tutorial tests fail on any TensorFlow log line in an output).
    """
    env = dict(os.environ)
    for key in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "MPLBACKEND"):
        env.pop(key, None)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # the debugger's note on frozen modules
    return env


def folder_state(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative name -> SHA-256), to see what a run changed."""
    import hashlib

    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".ipynb_checkpoints" not in p.parts
    }


@pytest.fixture
def kernel_env(tmp_path) -> dict[str, str]:
    """The environment for a kernel a test starts: :func:`quiet_free_env`, with the
    kernel's temporary files in ``tmp_path/tmp``."""
    env = quiet_free_env()
    tmp = tmp_path / "tmp"
    tmp.mkdir(exist_ok=True)
    env["TMPDIR"] = str(tmp)
    return env


@dataclass(frozen=True)
class SiteBuild:
    """The course site built by :func:`site_build`, and what the build left behind."""

    html: Path  #: the built site
    executed: Path  #: the notebooks myst-nb executed for it (``jupyter_execute/``)
    tmpdir: Path  #: TMPDIR of the build and of the kernels it started
    tutorials_before: dict[str, str]  #: ``tutorials/`` before the build (folder_state)
    tutorials_after: dict[str, str]  #: and after it
    log: str  #: what the build printed, the kernels' own stderr included


@pytest.fixture(scope="session")
def site_build(tmp_path_factory) -> SiteBuild:
    """The course site, built once per session with the README's command into a temporary
    folder: ``python3 -m sphinx -E -W --keep-going docs OUT``.

    The build executes every tutorial (myst-nb, in ``tutorials/``), in kernels whose
    environment does not quieten TensorFlow (:func:`quiet_free_env`) and whose temporary
    files go to a folder of their own.
    """
    import subprocess
    import sys
    import time

    claim_once(tmp_path_factory, "course-site")
    out = tmp_path_factory.mktemp("site") / "html"
    tmpdir = tmp_path_factory.mktemp("site-tmp")
    env = quiet_free_env()
    env["TMPDIR"] = str(tmpdir)
    cmd = [sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q", "docs", str(out)]
    before = folder_state(ROOT / "tutorials")
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=SITE_BUILD_TIMEOUT, check=False)
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, (
        f"the docs build failed ({' '.join(cmd)}):\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
    )
    print(f"docs build: {elapsed:.0f} s")
    return SiteBuild(out, out.parent / "jupyter_execute", tmpdir, before,
                     folder_state(ROOT / "tutorials"), proc.stdout + proc.stderr)


@pytest.fixture(scope="session")
def site(site_build) -> Path:
    """The built course site's folder (see :func:`site_build`)."""
    return site_build.html
