"""Import Keras (and so TensorFlow) quietly, and only when it is needed.

TensorFlow prints absl and oneDNN lines to stderr when it is imported. Those lines are
noise in a notebook or on a course site, so the environment variables that silence them
are set before the first import. Every module that needs Keras calls :func:`keras` at
the point of use rather than importing it at module level, which keeps
``import lstm_explained`` and the views free of TensorFlow.
"""

from __future__ import annotations

import os
from functools import cache
from types import ModuleType

_QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "KERAS_BACKEND": "tensorflow",
}


@cache
def keras() -> ModuleType:
    """Return the ``keras`` module, importing TensorFlow quietly the first time.

    Returns
    -------
    module
        The Keras 3 module, running on the TensorFlow backend.
    """
    for key, value in _QUIET_ENV.items():
        os.environ.setdefault(key, value)
    import keras as _keras

    try:  # absl's "WARNING: All log messages before absl::InitializeLog()" and friends
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:  # pragma: no cover - absl ships with TensorFlow
        pass
    try:
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
    except ImportError:  # pragma: no cover
        pass
    return _keras
