"""Import Keras quietly, and only when it is needed, on the backend Keras chose.

TensorFlow prints absl and oneDNN lines to stderr when it is imported. Those lines are
noise in a notebook or on a course site, so the environment variables that silence them
are set before the first import. Every module that needs Keras calls :func:`keras` at
the point of use rather than importing it at module level, which keeps
``import lstm_explained`` and the views free of TensorFlow.

TensorFlow leaves about 400,000 objects for Python's cyclic garbage collector to walk: a
full collection takes ~0.2 s, and a process exits ~1 s late while the interpreter collects
them as it shuts down (a notebook kernel, the command line, every test process).
:func:`keras` moves the objects alive once Keras is imported into the collector's
permanent generation (:func:`gc.freeze`, the standard library's tool for long-lived
objects): they are module-level and live as long as the process anyway, and objects
made afterwards are collected as usual.

The backend is Keras' own choice, as Keras documents it: the ``KERAS_BACKEND``
environment variable when set (before Keras is first imported), else the ``"backend"``
of ``~/.keras/keras.json``, else TensorFlow. lstm-explained never overrides it: forcing
TensorFlow would only work when lstm-explained happens to be imported before Keras, and
would silently ignore a user's ``keras.json``. The tracer runs on the three backends
Keras 3 trains on, :data:`SUPPORTED_BACKENDS`; any other is refused with a clear error.
"""

from __future__ import annotations

import gc
import os
import random
from functools import cache
from types import ModuleType

import numpy as np

from lstm_explained.errors import ModelError

_QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
}

#: Keras backends lstm-explained runs on (and tests in CI).
SUPPORTED_BACKENDS = ("tensorflow", "jax", "torch")

_HOW_TO_CHOOSE = (
    "Set KERAS_BACKEND to one of " + ", ".join(SUPPORTED_BACKENDS) + " before Keras is "
    "first imported (unset, Keras reads ~/.keras/keras.json, else uses TensorFlow); "
    "jax and torch install with "
    "pip install 'lstm-explained[backends]'."
)


@cache
def keras() -> ModuleType:
    """Return the ``keras`` module, importing it (and its backend) quietly the first time.

    Returns
    -------
    module
        The Keras 3 module, on the backend Keras chose (see the module docstring).

    Raises
    ------
    ModelError
        Keras cannot import the backend ``KERAS_BACKEND`` names (unknown, or not
        installed), or runs on a backend lstm-explained does not support.

    Example
    -------
    >>> keras().backend.backend() in SUPPORTED_BACKENDS
    True
    """
    for key, value in _QUIET_ENV.items():
        os.environ.setdefault(key, value)
    # Importing TensorFlow draws from Python's and numpy's global generators: leave them
    # as they were, so that importing Keras through us changes no one's random numbers.
    py_state, np_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    try:
        import keras as _keras
    except (ImportError, ValueError) as exc:  # ValueError: "Unable to import backend : x"
        wanted = os.environ.get("KERAS_BACKEND")
        raise ModelError(
            f"Keras could not start its backend {wanted!r} ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}). {_HOW_TO_CHOOSE}"
        ) from None
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)  # noqa: NPY002
    backend = _keras.backend.backend()
    if backend not in SUPPORTED_BACKENDS:
        raise ModelError(
            f"Keras runs on its {backend!r} backend, which lstm-explained does not "
            f"support. {_HOW_TO_CHOOSE}"
        )
    if backend == "tensorflow":
        _quiet_tensorflow()
    gc.freeze()  # what the import made lives as long as the process (module docstring)
    return _keras


def _quiet_tensorflow() -> None:
    """Lower TensorFlow's and absl's log levels to errors only."""
    try:  # absl's "WARNING: All log messages before absl::InitializeLog()" and friends
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:  # pragma: no cover - absl ships with TensorFlow
        pass
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")


def to_numpy(value: object) -> object:
    """A backend tensor (or a list of them) as numpy, through Keras' own conversion.

    ``np.asarray`` fails on a torch tensor that requires grad and copies a JAX array
    from the device without asking; :func:`keras.ops.convert_to_numpy` does each
    backend's right thing.

    Example
    -------
    >>> to_numpy(keras().ops.ones((2,))).tolist()
    [1.0, 1.0]
    """
    convert = keras().ops.convert_to_numpy
    if isinstance(value, (list, tuple)):
        return [to_numpy(v) for v in value]
    return convert(value)
