"""Traces of recurrent layers: the data the views show, and saving / loading it.

A :class:`Trace` is what :func:`lstm_explained.trace_gates` returns: a read-only mapping
from a layer's name to its :class:`~lstm_explained.layer_trace.LayerTrace` (every gate and
state of its cell kind at every timestep), in model order, plus free-form ``info``
metadata and ``extras`` arrays (forecasts put predictions, targets, dates there). It is
saved as one compressed ``.npz`` file and loaded back losslessly with :func:`load_trace`.

This module is numpy-only on purpose: it imports neither TensorFlow nor Keras, directly
or indirectly, so a static site, a widget or a grader can load a trace in a process that
never pays TensorFlow's import.

Time order
----------
Every array of a :class:`LayerTrace`, ``inputs`` and ``mask`` included, is in the layer's
**processing order**: index ``t`` is the t-th step the cell took, so the cell identities
``C_t = f_t * C_{t-1} + i_t * C~_t`` and ``h_t = o_t * act(C_t)`` hold between ``t`` and
``t - 1``. For a forward layer this is the input order. For a backward direction (a
``Bidirectional`` layer's backward half, or ``go_backwards=True``) ``inputs[:, t]`` is input
timestep ``T - 1 - t``; :meth:`LayerTrace.in_input_order` flips any array back.

Example
-------
>>> import numpy as np
>>> from lstm_explained.trace import LayerTrace, Trace, load_trace
>>> z = np.zeros((2, 4, 3))
>>> lt = LayerTrace(name="lstm", layer_name="lstm", forget=z, input=z, candidate=z,
...                 output=z, cell=z, hidden=z, inputs=np.zeros((2, 4, 1)))
>>> tr = Trace({"lstm": lt}, info={"source": "doc"})
>>> tr.layer_names, tr.n_samples, lt.n_timesteps
(['lstm'], 2, 4)
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from lstm_explained._trace_file import (
    DEFAULT_MAX_BYTES,
    FORMAT_NAME,
    FORMAT_VERSION,
    read_trace,
    write_trace,
)
from lstm_explained.errors import DataError, TraceFileError
from lstm_explained.layer_trace import LayerTrace, SampleIndex, sample_index  # noqa: F401 (LayerTrace: also importable from here)


class Trace(Mapping[str, LayerTrace]):
    """The traces of every recurrent layer of a model, in model order.

    A read-only mapping from name to :class:`LayerTrace` (``trace["lstm"]``,
    ``trace.values()``, ``len(trace)``); a Bidirectional layer gives two entries,
    ``"<name>/forward"`` and ``"<name>/backward"``.

    Parameters
    ----------
    layers : mapping or iterable of LayerTrace
        The layer traces; an iterable is keyed by each trace's ``name``.
    info : dict, optional
        JSON-serialisable metadata (model name, data source, ...).
    extras : dict, optional
        Named numpy arrays that travel with the trace (forecasts, targets, dates, ...).
        Object arrays are refused: they cannot be saved without pickle.

    Example
    -------
    >>> import numpy as np
    >>> z = np.zeros((3, 4, 2))
    >>> lt = LayerTrace(name="lstm", layer_name="lstm", forget=z, input=z, candidate=z,
    ...                 output=z, cell=z, hidden=z, inputs=z[..., :1])
    >>> tr = Trace([lt], extras={"targets": np.arange(3.0)})
    >>> list(tr), tr.select(slice(0, 2)).n_samples, tr.select(0).extras["targets"].tolist()
    (['lstm'], 2, [0.0])
    """

    def __init__(
        self,
        layers: Mapping[str, LayerTrace] | list[LayerTrace] | tuple[LayerTrace, ...],
        info: dict[str, Any] | None = None,
        extras: dict[str, np.ndarray] | None = None,
    ) -> None:
        items = list(layers.items()) if isinstance(layers, Mapping) else [
            (lt.name, lt) for lt in layers
        ]
        self._layers: dict[str, LayerTrace] = {}
        for key, lt in items:
            if not isinstance(lt, LayerTrace):
                raise DataError(f"trace entry {key!r} is a {type(lt).__name__}, not a LayerTrace.")
            if key in self._layers:
                raise DataError(f"two layer traces are named {key!r}; names must be unique.")
            self._layers[key] = lt
        self.info: dict[str, Any] = dict(info or {})
        self.extras: dict[str, np.ndarray] = {
            k: np.asarray(v) for k, v in (extras or {}).items()
        }

    # -- Mapping -------------------------------------------------------------------
    def __getitem__(self, key: str) -> LayerTrace:
        try:
            return self._layers[key]
        except KeyError:
            raise KeyError(
                f"no layer trace named {key!r}; this trace has {self.layer_names}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._layers)

    def __len__(self) -> int:
        return len(self._layers)

    def __repr__(self) -> str:
        body = ", ".join(repr(lt) for lt in self._layers.values())
        return f"Trace([{body}])"

    # -- helpers -------------------------------------------------------------------
    @property
    def layer_names(self) -> list[str]:
        """Names of the layer traces, in model order."""
        return list(self._layers)

    @property
    def n_samples(self) -> int:
        """Number of samples (windows); all layers share it. 0 for an empty trace."""
        first = next(iter(self._layers.values()), None)
        return 0 if first is None else first.n_samples

    @property
    def n_timesteps(self) -> dict[str, int]:
        """Timesteps per layer trace (layers after a pooling or RepeatVector may differ)."""
        return {k: lt.n_timesteps for k, lt in self._layers.items()}

    @property
    def verified(self) -> bool:
        """True when every layer trace was checked against Keras and agreed."""
        return bool(self._layers) and all(lt.checked for lt in self._layers.values())

    @property
    def max_rel_error(self) -> float | None:
        """The largest ``max_rel_error`` over the layers, None if none was checked."""
        errs = [lt.max_rel_error for lt in self._layers.values() if lt.max_rel_error is not None]
        return max(errs) if errs else None

    def select(self, samples: SampleIndex) -> Trace:
        """The trace of some samples: every layer, and every extra whose first axis is N.

        An int keeps a batch axis of length 1; a slice or index array picks several.
        """
        n = self.n_samples
        idx = sample_index(samples, n)
        extras = {
            k: (v[idx] if v.ndim >= 1 and v.shape[0] == n else v) for k, v in self.extras.items()
        }
        return Trace(
            {k: lt.select(samples) for k, lt in self._layers.items()},
            info=dict(self.info),
            extras=extras,
        )

    def __getstate__(self) -> dict[str, Any]:
        return {"_layers": self._layers, "info": self.info, "extras": self.extras}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def equals(self, other: Trace) -> bool:
        """True when ``other`` holds exactly the same layers, info and extras."""
        if not isinstance(other, Trace) or list(self) != list(other):
            return False
        if not all(self[k].equals(other[k]) for k in self):
            return False
        if self.info != other.info or set(self.extras) != set(other.extras):
            return False
        return all(
            self.extras[k].dtype == other.extras[k].dtype
            and np.array_equal(self.extras[k], other.extras[k])
            for k in self.extras
        )

    # -- persistence ---------------------------------------------------------------
    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Save to one compressed ``.npz`` file (no pickle), readable by :func:`load_trace`.

        The file is written whole or not at all: into a temporary file beside ``path``,
        renamed over it at the end, so a crash or a kill leaves the old file (or none).

        Parameters
        ----------
        path : str or PathLike
            Destination; ``.npz`` is appended when missing.
        overwrite : bool
            Replace an existing file; without it an existing file is an error.

        Returns
        -------
        Path
            The path written.

        Raises
        ------
        OutputError
            If the file exists (without ``overwrite``), or ``path`` is a folder, a link,
            not a file name, or cannot be written. Nothing was written.
        DataError
            If the trace holds something a trace file cannot (an object array, info that
            is not JSON). Nothing was written.

        Example
        -------
        >>> import numpy as np, tempfile, os
        >>> z = np.zeros((1, 2, 1))
        >>> tr = Trace([LayerTrace(name="l", layer_name="l", forget=z, input=z, candidate=z,
        ...                        output=z, cell=z, hidden=z, inputs=z)])
        >>> p = tr.save(os.path.join(tempfile.mkdtemp(), "t.npz"))
        >>> load_trace(p).equals(tr)
        True
        >>> tr.save(p)
        Traceback (most recent call last):
        ...
        lstm_explained.errors.OutputError: ... already exists; nothing was written. ...
        >>> tr.save(p, overwrite=True) == p
        True
        """
        layers = [
            (
                key,
                {"name": lt.name, "layer_name": lt.layer_name, "kind": lt.kind, **lt.scalars()},
                {"inputs": lt.inputs, "mask": lt.mask, **lt.arrays,
                 **{f"initial_{s}": v for s, v in lt.initial.items()}},
            )
            for key, lt in self._layers.items()
        ]
        return write_trace(path, layers, self.info, self.extras, overwrite=overwrite)


def load_trace(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Trace:
    """Load a trace saved by :meth:`Trace.save`, checking everything in it first.

    A trace file is untrusted input: its arrays' shapes, dtypes and sizes and every field
    are checked before any array is read, and nothing is ever unpickled (the rules are in
    the module ``lstm_explained._trace_file``). NaN and inf in the arrays are data: they load.

    Parameters
    ----------
    path : str or PathLike
        A ``.npz`` file written by :meth:`Trace.save`.
    max_bytes : int
        Refuse a file whose arrays declare more bytes than this together (2 GiB by
        default); nothing is read then. Raise it for a trace you trust that is bigger.

    Returns
    -------
    Trace
        The same layers, info and extras that were saved.

    Raises
    ------
    TraceFileError
        If the file is missing, is not a readable ``.npz``, is not an lstm-explained trace,
        was written by an incompatible format version, is forged or damaged (a field of
        the wrong type, arrays that disagree, a member too many or missing), or declares
        more than ``max_bytes``. The message names the file, the place and the problem.

    Example
    -------
    >>> load_trace("no/such/file.npz")
    Traceback (most recent call last):
    ...
    lstm_explained.errors.TraceFileError: trace file no/such/file.npz does not exist; ...
    """
    layers, info, extras = read_trace(path, max_bytes)
    try:
        return Trace({key: LayerTrace(**kwargs) for key, kwargs in layers}, info, extras)
    except DataError as exc:  # pragma: no cover - read_trace checks all LayerTrace checks
        raise TraceFileError(f"{path} is not a valid lstm-explained trace: {exc}") from None


def toy_trace(samples: int = 3, timesteps: int = 12, units: tuple[int, ...] = (5, 6),
              seed: int = 0, kind: str = "lstm") -> Trace:
    """A small trace of random weights on a sine input, made with numpy only (no TensorFlow):
    for examples, and for trying the views before a model is trained.

    Its layers are ``"<kind>"``, ``"<kind>_1"``, ... (stacked: each is fed the hidden
    states of the one before), computed by the kind's engine (``kind``: a name of
    :data:`lstm_explained.kinds.KINDS`, e.g. ``"gru"``); nothing in it was learned.

    Example
    -------
    >>> tr = toy_trace()
    >>> tr.layer_names, tr["lstm"].forget.shape
    (['lstm', 'lstm_1'], (3, 12, 5))
    >>> toy_trace(kind="gru")["gru_1"].update.shape
    (3, 12, 6)
    """
    from lstm_explained.kinds import get_kind

    spec = get_kind(kind)
    x = np.sin(np.linspace(0, 9, samples * timesteps)).reshape(samples, timesteps, 1)
    layers, inputs = [], x
    for i, n in enumerate(units):
        name = spec.name if i == 0 else f"{spec.name}_{i}"
        out = spec.run(inputs, spec.random_weights(inputs.shape[-1], n, seed=seed + i))
        layers.append(LayerTrace(name=name, layer_name=name, kind=spec.name, inputs=inputs,
                                 arrays=out))
        inputs = out[spec.output]
    return Trace(layers, info={"source": "toy"})


__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "Trace",
    "load_trace",
    "toy_trace",
]
