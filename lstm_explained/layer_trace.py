"""One traced layer: every quantity of its cell kind at every step, named as the kind names it.

A :class:`LayerTrace` is what the tracer records for one recurrent layer (or one direction
of a ``Bidirectional`` layer): its cell ``kind`` (``"lstm"``, see :mod:`lstm_explained.kinds`)
and, by name, one (N, T, units) array per quantity the kind declares (an LSTM's ``forget``,
``input``, ``candidate``, ``output``, ``cell``, ``hidden``), the input sequence it was fed,
the mask, the initial states, and what the self-check measured. Quantities read as
attributes (``lt.forget``) or by name (``lt.arrays["forget"]``).

Every array is in the layer's **processing order**: index ``t`` is the t-th step the cell
took, so the cell identities hold between ``t`` and ``t - 1``. For a backward direction
``inputs[:, t]`` is input timestep ``T - 1 - t``; :meth:`LayerTrace.in_input_order` flips
any array back.

Numpy-only on purpose: no TensorFlow, no Keras.

Example
-------
>>> import numpy as np
>>> z = np.zeros((1, 3, 2))
>>> lt = LayerTrace(name="b", layer_name="b", forget=z, input=z, candidate=z, output=z,
...                 cell=z, hidden=z, inputs=np.arange(3.0).reshape(1, 3, 1),
...                 direction="backward", go_backwards=True)
>>> lt.kind, lt.in_input_order("inputs")[0, :, 0].tolist()
('lstm', [2.0, 1.0, 0.0])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from lstm_explained.activations import ACTIVATIONS
from lstm_explained.errors import DataError
from lstm_explained.kinds import CellKind, get_kind
from lstm_explained.kinds.base import previous_state

if TYPE_CHECKING:  # pragma: no cover
    from lstm_explained.analysis import Ledger, Saturation

SampleIndex = int | slice | np.ndarray | list[int]

#: The scalar fields of a layer trace and their defaults (all saved in trace files).
SCALARS: dict[str, Any] = {
    "units": 0,
    "activation": "tanh",
    "recurrent_activation": "sigmoid",
    "direction": "forward",
    "go_backwards": False,
    "max_rel_error": None,
    "checked": False,
    "checked_samples": 0,
    "tolerance": None,
}


class LayerTrace:
    """Everything one recurrent layer (or one direction of a Bidirectional layer) computed.

    Parameters
    ----------
    name : str
        Key of this trace in its :class:`~lstm_explained.trace.Trace`, e.g. ``"lstm"`` or
        ``"bidirectional/backward"``.
    layer_name : str
        Name of the Keras layer (the Bidirectional wrapper's name for its directions).
    inputs : ndarray
        (N, T, features) the sequence the layer was fed, in processing order.
    arrays : dict, optional
        ``{quantity: (N, T, units)}`` for every quantity of the kind; or pass each as a
        keyword (``forget=...``). Gates are reported at masked steps too (what the cell
        would have computed); the mask says which steps counted.
    kind : str
        The cell kind (``"lstm"``).
    mask : ndarray or None
        (N, T) bool, True where the step was processed; None when nothing was masked.
    initial_<state> : ndarray or None
        (N, units) a state before step 0 (``initial_cell``, ``initial_hidden``); None
        means zeros (the Keras default).
    units : int
        Number of units; taken from the arrays when 0.
    activation, recurrent_activation : str
        Keras 3 names of the layer's activations.
    direction : {"forward", "backward"}
    go_backwards : bool
        Whether the cell ran over the input from last to first timestep.
    max_rel_error : float or None
        What the self-check measured: the largest ``|ours - keras| / max(1, |keras|)`` over
        every state of the checked windows and the layer's own outputs; None when the
        trace was not checked.
    checked : bool
        True when the trace was compared with Keras and agreed within ``tolerance``.
    checked_samples : int
        How many samples (windows) the check compared.
    tolerance : float or None
        The tolerance the check used.
    """

    def __init__(
        self,
        name: str,
        layer_name: str,
        *,
        inputs: Any,
        arrays: dict[str, Any] | None = None,
        kind: str = "lstm",
        mask: Any = None,
        **fields: Any,
    ) -> None:
        self.name, self.layer_name = name, layer_name
        spec = get_kind(kind)
        self.kind = spec.name
        given = dict(arrays or {})
        initial: dict[str, np.ndarray | None] = {}
        for key in list(fields):
            if key in spec:
                given[key] = fields.pop(key)
            elif key.startswith("initial_") and key[8:] in spec.states:
                initial[key[8:]] = fields.pop(key)
        unknown = sorted(set(fields) - set(SCALARS)) + sorted(set(given) - set(spec.names))
        if unknown:
            raise DataError(
                f"layer trace {name!r}: unknown field {unknown[0]!r}; a {spec.title} trace "
                f"holds {', '.join(spec.names)} and {', '.join(SCALARS)}."
            )
        missing = [q for q in spec.names if given.get(q) is None]
        if missing:
            raise DataError(f"layer trace {name!r}: {missing[0]} is missing.")
        self.arrays = {q: self._numbers(q, given[q]) for q in spec.names}
        self.inputs = self._numbers("inputs", inputs)
        self.mask = mask
        self.initial = {s: initial.get(s) for s in spec.states}
        for key, default in SCALARS.items():
            setattr(self, key, fields.get(key, default))
        self._check()

    # -- checks --------------------------------------------------------------------
    def _numbers(self, field: str, value: Any) -> np.ndarray:
        """``value`` as an array of numbers or bools; text, objects and the like refused."""
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf" or arr.dtype.fields is not None:
            raise DataError(
                f"layer trace {self.name!r}: {field} must hold numbers, not {arr.dtype} "
                "values; pass the layer's float arrays."
            )
        return arr

    def _check(self) -> None:
        ref_name = self.spec.output
        ref = self.arrays[ref_name].shape
        if len(ref) != 3:
            raise DataError(
                f"layer trace {self.name!r}: {ref_name} must be (N, T, units); got {ref}."
            )
        for q, arr in self.arrays.items():
            if arr.shape != ref:
                raise DataError(
                    f"layer trace {self.name!r}: {q} has shape {arr.shape}, {ref_name} has "
                    f"{ref}; all gates and states must share one shape."
                )
        if self.inputs.ndim != 3 or self.inputs.shape[:2] != ref[:2]:
            raise DataError(
                f"layer trace {self.name!r}: inputs must be (N, T, features) with N, T = "
                f"{ref[:2]}; got {self.inputs.shape}."
            )
        if self.mask is not None:
            self.mask = self._numbers("mask", self.mask).astype(bool, copy=False)
            if self.mask.shape != ref[:2]:
                raise DataError(
                    f"layer trace {self.name!r}: mask must be (N, T) = {ref[:2]}; "
                    f"got {self.mask.shape}."
                )
        for s, v in self.initial.items():
            if v is not None:
                v = self.initial[s] = self._numbers(f"initial_{s}", v)
                if v.shape != (ref[0], ref[2]):
                    raise DataError(
                        f"layer trace {self.name!r}: initial_{s} must be (N, units) = "
                        f"{(ref[0], ref[2])}; got {v.shape}."
                    )
        if ref[2] < 1:
            raise DataError(f"layer trace {self.name!r}: a layer has at least one unit.")
        if not self.units:
            self.units = int(ref[2])
        elif self.units != ref[2]:
            raise DataError(
                f"layer trace {self.name!r}: units is {self.units!r} but the arrays have "
                f"{ref[2]} units."
            )
        for which in ("activation", "recurrent_activation"):
            name = getattr(self, which)
            if name not in ACTIVATIONS:
                raise DataError(
                    f"layer trace {self.name!r}: {which} {name!r} is not one of the Keras "
                    f"activations lstm-explained knows ({', '.join(sorted(ACTIVATIONS))})."
                )
        if self.direction not in ("forward", "backward"):
            raise DataError(
                f"layer trace {self.name!r}: direction must be 'forward' or 'backward'; "
                f"got {self.direction!r}."
            )

    # -- names ---------------------------------------------------------------------
    def __getattr__(self, item: str) -> Any:
        """A quantity (``lt.forget``), an initial state (``lt.initial_cell``), or a state
        before every step (``lt.previous_cell``, see :meth:`previous`)."""
        arrays = self.__dict__.get("arrays", {})
        if item in arrays:
            return arrays[item]
        initial = self.__dict__.get("initial", {})
        if item.startswith("initial_") and item[8:] in initial:
            return initial[item[8:]]
        if item.startswith("previous_") and item[9:] in initial:
            return self.previous(item[9:])
        raise AttributeError(f"{type(self).__name__} has no attribute {item!r}")

    @property
    def spec(self) -> CellKind:
        """The declaration of this trace's cell kind (names, symbols, colours, ...)."""
        return get_kind(self.kind)

    # -- shape helpers -------------------------------------------------------------
    @property
    def n_samples(self) -> int:
        """Number of sequences (windows) N."""
        return int(self.inputs.shape[0])

    @property
    def n_timesteps(self) -> int:
        """Number of timesteps T."""
        return int(self.inputs.shape[1])

    @property
    def n_features(self) -> int:
        """Number of input features of the layer."""
        return int(self.inputs.shape[2])

    def previous(self, state: str | None = None) -> np.ndarray:
        """A state before every step (the belt by default): (N, T, units), its initial
        value (or zeros) at t = 0.

        Example
        -------
        >>> c = np.arange(3.0).reshape(1, 3, 1)
        >>> LayerTrace(name="l", layer_name="l", forget=c, input=c, candidate=c, output=c,
        ...            cell=c, hidden=c, inputs=c).previous()[0, :, 0].tolist()
        [0.0, 0.0, 1.0]
        """
        return previous_state(self, state or self.spec.belt)

    def in_input_order(self, quantity: str) -> np.ndarray | None:
        """An array of this trace in the order of the input timesteps.

        For a forward layer this is the array itself; for a backward direction it is
        flipped along time, so that index ``t`` refers to input timestep ``t``.

        Parameters
        ----------
        quantity : str
            A quantity of the kind, ``"inputs"`` or ``"mask"``.
        """
        names = (*self.spec.names, "inputs", "mask")
        if quantity not in names:
            raise DataError(f"unknown quantity {quantity!r}; use one of {', '.join(names)}.")
        arr = getattr(self, quantity)
        if arr is None or not self.go_backwards:
            return arr
        return arr[:, ::-1]

    def select(self, samples: SampleIndex) -> LayerTrace:
        """The trace of some samples only; an int keeps a batch axis of length 1.

        Example
        -------
        >>> z = np.zeros((5, 3, 2))
        >>> lt = LayerTrace(name="l", layer_name="l", forget=z, input=z, candidate=z,
        ...                 output=z, cell=z, hidden=z, inputs=z[..., :1])
        >>> lt.select(2).n_samples, lt.select(slice(1, 4)).n_samples
        (1, 3)
        """
        idx = sample_index(samples, self.n_samples)
        return LayerTrace(
            self.name, self.layer_name, kind=self.kind,
            inputs=self.inputs[idx],
            arrays={q: a[idx] for q, a in self.arrays.items()},
            mask=None if self.mask is None else self.mask[idx],
            **{f"initial_{s}": None if v is None else v[idx] for s, v in self.initial.items()},
            **self.scalars(),
        )

    def scalars(self) -> dict[str, Any]:
        """The scalar fields (:data:`SCALARS`), as a dict."""
        return {key: getattr(self, key) for key in SCALARS}

    # -- analyses ------------------------------------------------------------------
    def saturation(self, low: float = 0.1, high: float = 0.9, **kwargs: Any) -> Saturation:
        """Gate saturation of this layer; see :func:`lstm_explained.analysis.saturation`."""
        from lstm_explained.analysis import saturation

        return saturation(self, low=low, high=high, **kwargs)

    def ledger(self) -> Ledger:
        """The belt's books at every step; see :func:`lstm_explained.analysis.ledger`."""
        from lstm_explained.analysis import ledger

        return ledger(self)

    def equals(self, other: Any) -> bool:
        """True when every field and array of ``other`` equals this one exactly."""
        if not isinstance(other, LayerTrace):
            return False
        head = (self.name, self.layer_name, self.kind, self.scalars())
        if head != (other.name, other.layer_name, other.kind, other.scalars()):
            return False
        mine = {"inputs": self.inputs, "mask": self.mask, **self.arrays,
                **{f"initial_{s}": v for s, v in self.initial.items()}}
        theirs = {"inputs": other.inputs, "mask": other.mask, **other.arrays,
                  **{f"initial_{s}": v for s, v in other.initial.items()}}
        return mine.keys() == theirs.keys() and all(
            _same(mine[k], theirs[k]) for k in mine
        )

    def __repr__(self) -> str:
        err = self.max_rel_error
        if not self.checked:
            status = "not checked"
        elif isinstance(err, (int, float, np.number)) and not isinstance(err, bool):
            status = f"checked, max rel. error {err:.1e}"
        else:  # set by hand to something that is not a number
            status = f"checked, max rel. error {err!r}"
        return (
            f"LayerTrace({self.name!r}: {self.spec.title}, {self.n_samples} samples x "
            f"{self.n_timesteps} steps x {self.units} units, {self.direction}, {status})"
        )


def _same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.dtype == b.dtype and np.array_equal(a, b)


def sample_index(samples: SampleIndex, n: int) -> slice | np.ndarray:
    """Normalise an int / slice / index array so that indexing keeps the batch axis."""
    if isinstance(samples, slice):
        return samples
    if isinstance(samples, (int, np.integer)) and not isinstance(samples, bool):
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


__all__ = ["SCALARS", "LayerTrace", "sample_index"]
