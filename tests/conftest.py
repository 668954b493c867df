"""Shared test setup: quiet TensorFlow, a headless matplotlib, hypothesis profiles, models.

Hypothesis profiles (choose with the ``HYPOTHESIS_PROFILE`` environment variable):

* ``ci`` (default): 50 examples per property, what CI runs;
* ``thorough``: 300 examples, e.g.
  ``HYPOTHESIS_PROFILE=thorough python3 -m pytest tests/test_tracer.py -k property``.
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

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
def sp500_windows():
    """The seed's S&P 500 windows: 50 steps, normalised, 90/10 split."""
    import lstm_explained as lx

    return lx.data.make_windows(lx.data.load_sp500(), seq_len=50, normalise=True)


@pytest.fixture(scope="session")
def toy_trace():
    """A small numpy-only trace (no TensorFlow): two stacked layers, 3 samples x 12 steps."""
    import numpy as np

    from lstm_explained.cell import LSTMWeights, run_lstm
    from lstm_explained.trace import LayerTrace, Trace

    x = np.sin(np.linspace(0, 9, 3 * 12)).reshape(3, 12, 1)
    first = run_lstm(x, LSTMWeights.random(features=1, units=5, seed=0))
    second = run_lstm(first.hidden, LSTMWeights.random(features=5, units=6, seed=1))
    return Trace(
        [
            LayerTrace(name="lstm", layer_name="lstm", inputs=x, **vars(first)),
            LayerTrace(name="lstm_1", layer_name="lstm_1", inputs=first.hidden, **vars(second)),
        ],
        info={"source": "toy"},
    )


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


@pytest.fixture(scope="session")
def chromium_path():
    """Chromium to drive: ``$LSTM_EXPLAINED_CHROMIUM``, else ``chromium`` on PATH.

    Missing: the test fails under CI (``CI=true``) and is skipped elsewhere.
    """
    import shutil

    path = os.environ.get("LSTM_EXPLAINED_CHROMIUM") or shutil.which("chromium")
    if not path or not os.path.exists(path):
        msg = (
            "no Chromium found (set LSTM_EXPLAINED_CHROMIUM or install Debian's chromium: "
            "apt-get install chromium)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return path


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
