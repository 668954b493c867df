"""The package's own errors: one clear message that says what is wrong and what to do.

Every error a user can cause (a bad CSV, a too-short series, a model the tracer cannot
read, a corrupt trace file) is raised as a subclass of :class:`LSTMExplainedError`, so
course code can catch them all with one ``except``. They subclass ``ValueError`` too,
because every one of them is about a bad value handed to us.
"""

from __future__ import annotations


class LSTMExplainedError(ValueError):
    """Base class of every error raised on purpose by lstm-explained."""


class DataError(LSTMExplainedError):
    """A series, file or windowing argument that cannot be used."""


class ModelError(LSTMExplainedError):
    """A model, layer or pretrained name that cannot be used."""


class UnsupportedLayerError(ModelError):
    """A layer or option that the tracer does not reproduce exactly."""


class TraceMismatchError(LSTMExplainedError):
    """The numpy recompute does not reproduce what the Keras layer computed."""


class TraceFileError(LSTMExplainedError):
    """A saved trace file that is missing, corrupt or not a trace."""


class OutputError(LSTMExplainedError):
    """A file that cannot be written as asked: it exists, is a link or a folder, the
    folder is read-only or the disk is full. Nothing was written, nothing was lost."""


class ExportError(OutputError):
    """An export (HTML inspector, animation) that cannot be written as asked."""
