"""Traces of LSTM layers: the data the views show, and saving / loading it.

A :class:`Trace` is what :func:`lstm_explained.trace_gates` returns: a read-only mapping
from a layer's name to its :class:`LayerTrace` (every gate, the cell and hidden state at
every timestep), in model order, plus free-form ``info`` metadata and ``extras`` arrays
(forecasts put predictions, targets, dates there). It is saved as one compressed ``.npz``
file and loaded back losslessly with :func:`load_trace`.

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
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lstm_explained._trace_file import (
    ARRAY_FIELDS,
    DEFAULT_MAX_BYTES,
    FORMAT_NAME,
    FORMAT_VERSION,
    OPTIONAL_ARRAYS,
    SCALAR_FIELDS,
    read_trace,
    write_trace,
)
from lstm_explained.errors import DataError, TraceFileError
from lstm_explained.gates import QUANTITIES

if TYPE_CHECKING:  # pragma: no cover
    from lstm_explained.analysis import Ledger, Saturation

SampleIndex = int | slice | np.ndarray | list[int]


@dataclass(eq=False)
class LayerTrace:
    """Everything one LSTM layer (or one direction of a Bidirectional layer) computed.

    All arrays are in the layer's processing order (see the module docstring): index ``t``
    is the t-th step the cell took. For a backward direction, ``inputs[:, t]`` is input
    timestep ``T - 1 - t``; use :meth:`in_input_order` to get input order.

    Parameters
    ----------
    name : str
        Key of this trace in its :class:`Trace`, e.g. ``"lstm"`` or
        ``"bidirectional/backward"``.
    layer_name : str
        Name of the Keras layer (the Bidirectional wrapper's name for its directions).
    forget, input, candidate, output : ndarray
        (N, T, units) gate activations f_t, i_t, C~_t, o_t. Reported at masked steps too
        (what the cell would have computed); the mask says which steps counted.
    cell, hidden : ndarray
        (N, T, units) cell state C_t and hidden state h_t after step t.
    inputs : ndarray
        (N, T, features) the sequence the layer was fed, in processing order.
    mask : ndarray or None
        (N, T) bool, True where the step was processed; None when nothing was masked.
    units : int
        Number of units; taken from the arrays when 0.
    activation, recurrent_activation : str
        Keras 3 names of the layer's activations.
    direction : str
        ``"forward"`` or ``"backward"``.
    go_backwards : bool
        Whether the cell ran over the input from last to first timestep.
    initial_hidden, initial_cell : ndarray or None
        (N, units) states before step 0; None means zeros (the Keras default).
    max_rel_error : float or None
        What the self-check measured: the largest ``|ours - keras| / max(1, |keras|)`` over
        every h_t and C_t of the checked windows and the layer's own outputs; None when
        the trace was not checked.
    checked : bool
        True when the trace was compared with Keras and agreed within ``tolerance``.
    checked_samples : int
        How many samples (windows) the check compared.
    tolerance : float or None
        The tolerance the check used.

    Example
    -------
    >>> import numpy as np
    >>> z = np.zeros((1, 3, 2))
    >>> lt = LayerTrace(name="b", layer_name="b", forget=z, input=z, candidate=z, output=z,
    ...                 cell=z, hidden=z, inputs=np.arange(3.0).reshape(1, 3, 1),
    ...                 direction="backward", go_backwards=True)
    >>> lt.in_input_order("inputs")[0, :, 0].tolist()
    [2.0, 1.0, 0.0]
    """

    name: str
    layer_name: str
    forget: np.ndarray
    input: np.ndarray
    candidate: np.ndarray
    output: np.ndarray
    cell: np.ndarray
    hidden: np.ndarray
    inputs: np.ndarray
    mask: np.ndarray | None = None
    units: int = 0
    activation: str = "tanh"
    recurrent_activation: str = "sigmoid"
    direction: str = "forward"
    go_backwards: bool = False
    initial_hidden: np.ndarray | None = None
    initial_cell: np.ndarray | None = None
    max_rel_error: float | None = None
    checked: bool = False
    checked_samples: int = 0
    tolerance: float | None = None

    def __post_init__(self) -> None:
        for q in ARRAY_FIELDS:
            setattr(self, q, self._numbers(q, getattr(self, q)))
        ref = self.hidden.shape
        if self.hidden.ndim != 3:
            raise DataError(f"layer trace {self.name!r}: hidden must be (N, T, units); got {ref}.")
        for q in QUANTITIES:
            if getattr(self, q).shape != ref:
                raise DataError(
                    f"layer trace {self.name!r}: {q} has shape {getattr(self, q).shape}, "
                    f"hidden has {ref}; all gates and states must share one shape."
                )
        if self.inputs.ndim != 3 or self.inputs.shape[:2] != ref[:2]:
            raise DataError(
                f"layer trace {self.name!r}: inputs must be (N, T, features) with N, T = "
                f"{ref[:2]}; got {self.inputs.shape}."
            )
        self._check_optional_arrays(ref)
        self._check_units(ref[2])
        if self.direction not in ("forward", "backward"):
            raise DataError(
                f"layer trace {self.name!r}: direction must be 'forward' or 'backward'; "
                f"got {self.direction!r}."
            )

    def _numbers(self, field: str, value: Any) -> np.ndarray:
        """``value`` as an array of numbers or bools; text, objects and the like refused."""
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf" or arr.dtype.fields is not None:
            raise DataError(
                f"layer trace {self.name!r}: {field} must hold numbers, not {arr.dtype} "
                "values; pass the layer's float arrays."
            )
        return arr

    def _check_optional_arrays(self, ref: tuple[int, ...]) -> None:
        """Mask (N, T) as bool, initial states (N, units), each when given."""
        if self.mask is not None:
            self.mask = self._numbers("mask", self.mask).astype(bool, copy=False)
            if self.mask.shape != ref[:2]:
                raise DataError(
                    f"layer trace {self.name!r}: mask must be (N, T) = {ref[:2]}; "
                    f"got {self.mask.shape}."
                )
        for s in ("initial_hidden", "initial_cell"):
            v = getattr(self, s)
            if v is not None:
                v = self._numbers(s, v)
                if v.shape != (ref[0], ref[2]):
                    raise DataError(
                        f"layer trace {self.name!r}: {s} must be (N, units) = "
                        f"{(ref[0], ref[2])}; got {v.shape}."
                    )
                setattr(self, s, v)

    def _check_units(self, n_units: int) -> None:
        """``units`` is the arrays' last axis (taken from them when 0), at least 1."""
        if n_units < 1:
            raise DataError(f"layer trace {self.name!r}: an LSTM layer has at least one unit.")
        if not self.units:
            self.units = int(n_units)
        elif self.units != n_units:
            raise DataError(
                f"layer trace {self.name!r}: units is {self.units!r} but the arrays have "
                f"{n_units} units."
            )

    # -- shape helpers -------------------------------------------------------------
    @property
    def n_samples(self) -> int:
        """Number of sequences (windows) N."""
        return int(self.hidden.shape[0])

    @property
    def n_timesteps(self) -> int:
        """Number of timesteps T."""
        return int(self.hidden.shape[1])

    @property
    def n_features(self) -> int:
        """Number of input features of the layer."""
        return int(self.inputs.shape[2])

    @property
    def previous_cell(self) -> np.ndarray:
        """C_{t-1} for every step: (N, T, units), ``initial_cell`` (or zeros) at t = 0.

        Example
        -------
        >>> import numpy as np
        >>> c = np.arange(3.0).reshape(1, 3, 1)
        >>> LayerTrace(name="l", layer_name="l", forget=c, input=c, candidate=c, output=c,
        ...            cell=c, hidden=c, inputs=c).previous_cell[0, :, 0].tolist()
        [0.0, 0.0, 1.0]
        """
        c0 = (
            np.zeros_like(self.cell[:, 0])
            if self.initial_cell is None
            else self.initial_cell.astype(self.cell.dtype)
        )
        return np.concatenate([c0[:, None], self.cell[:, :-1]], axis=1)

    def in_input_order(self, quantity: str) -> np.ndarray:
        """An array of this trace in the order of the input timesteps.

        For a forward layer this is the array itself; for a backward direction it is
        flipped along time, so that index ``t`` refers to input timestep ``t``.

        Parameters
        ----------
        quantity : str
            ``"forget"``, ``"input"``, ``"candidate"``, ``"output"``, ``"cell"``,
            ``"hidden"``, ``"inputs"`` or ``"mask"``.

        Example
        -------
        >>> import numpy as np
        >>> z = np.arange(3.0).reshape(1, 3, 1)
        >>> lt = LayerTrace(name="l", layer_name="l", forget=z, input=z, candidate=z,
        ...                 output=z, cell=z, hidden=z, inputs=z)
        >>> lt.in_input_order("hidden")[0, :, 0].tolist()
        [0.0, 1.0, 2.0]
        """
        if quantity not in (*ARRAY_FIELDS, "mask"):
            raise DataError(
                f"unknown quantity {quantity!r}; use one of {', '.join(ARRAY_FIELDS)} or mask."
            )
        arr = getattr(self, quantity)
        if arr is None or not self.go_backwards:
            return arr
        return arr[:, ::-1]

    def select(self, samples: SampleIndex) -> LayerTrace:
        """The trace of some samples only; an int keeps a batch axis of length 1.

        Example
        -------
        >>> import numpy as np
        >>> z = np.zeros((5, 3, 2))
        >>> lt = LayerTrace(name="l", layer_name="l", forget=z, input=z, candidate=z,
        ...                 output=z, cell=z, hidden=z, inputs=z[..., :1])
        >>> lt.select(2).n_samples, lt.select(slice(1, 4)).n_samples
        (1, 3)
        """
        idx = _sample_index(samples, self.n_samples)
        changes: dict[str, Any] = {q: getattr(self, q)[idx] for q in ARRAY_FIELDS}
        for q in OPTIONAL_ARRAYS:
            v = getattr(self, q)
            changes[q] = None if v is None else v[idx]
        return replace(self, **changes)

    # -- analyses ------------------------------------------------------------------
    def saturation(self, low: float = 0.1, high: float = 0.9, **kwargs: Any) -> Saturation:
        """Gate saturation of this layer; see :func:`lstm_explained.analysis.saturation`."""
        from lstm_explained.analysis import saturation

        return saturation(self, low=low, high=high, **kwargs)

    def ledger(self) -> Ledger:
        """Conveyor-belt ledger of this layer; see :func:`lstm_explained.analysis.ledger`."""
        from lstm_explained.analysis import ledger

        return ledger(self)

    def equals(self, other: LayerTrace) -> bool:
        """True when every field and array of ``other`` equals this one exactly."""
        if not isinstance(other, LayerTrace):
            return False
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if a is None or b is None or a.dtype != b.dtype or not np.array_equal(a, b):
                    return False
            elif a != b:
                return False
        return True

    def __repr__(self) -> str:
        err = self.max_rel_error
        if not self.checked:
            status = "not checked"
        elif isinstance(err, (int, float, np.number)) and not isinstance(err, bool):
            status = f"checked, max rel. error {err:.1e}"
        else:  # set by hand to something that is not a number
            status = f"checked, max rel. error {err!r}"
        return (
            f"LayerTrace({self.name!r}: {self.n_samples} samples x {self.n_timesteps} steps x "
            f"{self.units} units, {self.direction}, {status})"
        )


class Trace(Mapping[str, LayerTrace]):
    """The traces of every LSTM layer of a model, in model order.

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
        idx = _sample_index(samples, n)
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
                {s: getattr(lt, s) for s in SCALAR_FIELDS},
                {q: getattr(lt, q) for q in (*ARRAY_FIELDS, *OPTIONAL_ARRAYS)},
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


def _sample_index(samples: SampleIndex, n: int) -> slice | np.ndarray:
    """Normalise an int / slice / index array so that indexing keeps the batch axis."""
    if isinstance(samples, slice):
        return samples
    if isinstance(samples, (int, np.integer)):
        i = int(samples)
        if not -n <= i < n:
            raise DataError(f"sample {i} is out of range for a trace of {n} samples.")
        i %= n
        return slice(i, i + 1)
    idx = np.asarray(samples)
    if idx.dtype == bool:
        if idx.shape != (n,):
            raise DataError(f"a boolean sample selection must have shape ({n},).")
        return idx
    if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
        raise DataError("select samples with an int, a slice or a 1-D array of ints.")
    if idx.size and (idx.max() >= n or idx.min() < -n):
        raise DataError(f"sample indices out of range for a trace of {n} samples.")
    return idx


__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "LayerTrace",
    "Trace",
    "load_trace",
]
