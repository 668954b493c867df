"""lstm-explained: open up a Keras LSTM for teaching.

The package pulls the forget, input, candidate and output gate activations and the
cell state out of a trained Keras 3 model at every timestep, exactly, and lets you
step through them. Data flows one way::

    data -> model -> forecast
    model -> trace (gates) -> views (plots, widgets, static export)

Importing the package is cheap and quiet: TensorFlow is imported only when a
function that needs it (building, training, loading or tracing a model) is called.

Example
-------
>>> import lstm_explained as lx
>>> len(lx.data.sine_wave())
5001
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lstm_explained.errors import LSTMExplainedError  # noqa: F401  (re-exported)

__version__ = "0.1.0"

# Submodules, imported on first use so that `import lstm_explained` stays light.
_SUBMODULES = {
    "activations",
    "adding",
    "analysis",
    "baselines",
    "cell",
    "data",
    "errors",
    "exercises",
    "export",
    "forecast",
    "forecast_trace",
    "gates",
    "gradients",
    "demo",
    "cli",
    "engine",
    "keras_layers",
    "kinds",
    "lab",
    "labels",
    "layer_trace",
    "memory_units",
    "viewmodel",
    "model",
    "notebook",
    "plots",
    "trace",
    "tracer",
    "variant_weights",
    "variants",
    "widgets",
}

# Top-level shortcuts: name -> (module, attribute).
_SHORTCUTS = {
    "trace_gates": ("tracer", "trace_gates"),
    "trace_forecast": ("forecast_trace", "trace_forecast"),
    "intervene": ("lab", "intervene"),
    "GateInspector": ("widgets", "GateInspector"),
    "inspector_html": ("export", "inspector_html"),
    "load_trace": ("trace", "load_trace"),
    "Trace": ("trace", "Trace"),
    "LayerTrace": ("layer_trace", "LayerTrace"),
}

__all__ = sorted(_SUBMODULES | set(_SHORTCUTS) | {"LSTMExplainedError", "__version__"})

if TYPE_CHECKING:  # pragma: no cover
    from lstm_explained import data, forecast, model, plots  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"lstm_explained.{name}")
    if name in _SHORTCUTS:
        module, attr = _SHORTCUTS[name]
        return getattr(importlib.import_module(f"lstm_explained.{module}"), attr)
    raise AttributeError(f"module 'lstm_explained' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
