"""What :func:`lstm_explained.tracer.trace_gates` checks before it does any work.

Every argument and the data are checked first, each with one clear
:class:`~lstm_explained.errors.DataError` that names the argument and what to pass
instead, and the memory the trace will take is estimated and compared with a budget
(:data:`DEFAULT_MAX_BYTES`), so that a too-large request fails at once rather than after
minutes of swapping.

Example
-------
>>> from lstm_explained._tracer_inputs import trace_bytes
>>> trace_bytes(n=1000, layers=[(50, 1, 50, 1)], itemsize=4) / 2**20   # doctest: +ELLIPSIS
57.4...
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from lstm_explained.errors import DataError

#: Default memory budget of one trace: 2 GiB, a fair share of a laptop's memory. A
#: trace needs about ``N * T * (6 * units + features)`` floats per direction of each
#: layer (the four gates, C and h at every step, and the layer's input).
DEFAULT_MAX_BYTES = 2 * 1024**3


# ----------------------------------------------------------------------------------
# Arguments
# ----------------------------------------------------------------------------------
def check_flag(name: str, value: Any) -> bool:
    """``value`` if it is a bool (numpy's too), else a DataError naming ``name``."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise DataError(f"{name} must be True or False; got {value!r}.")


def check_samples_arg(value: Any) -> int | None:
    """``check_samples``: a whole number >= 1, or None for every window."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise DataError(
            f"check_samples must be a whole number >= 1 (or None to check every window); "
            f"got {value!r}."
        )
    if value < 1:
        raise DataError(
            f"check_samples must be at least 1 (or None to check every window); got {value}. "
            "To skip the check, pass check=False."
        )
    return int(value)


def check_tolerance(value: Any) -> float:
    """``tolerance``: a finite number >= 0."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise DataError(f"tolerance must be a number >= 0, e.g. 1e-5; got {value!r}.")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise DataError(
            f"tolerance must be a finite number >= 0, e.g. 1e-5; got {value!r}. "
            "To skip the check, pass check=False."
        )
    return value


def check_dtype(value: Any) -> np.dtype:
    """``dtype``: float32 or float64 (a name, a numpy type or a dtype)."""
    try:
        dtype = None if value is None else np.dtype(value)
    except TypeError:
        dtype = None
    if dtype not in (np.float32, np.float64):
        raise DataError(f"dtype must be 'float32' or 'float64'; got {value!r}.")
    return dtype


def check_progress(value: Any) -> bool | str:
    """``progress``: True, False or "auto"."""
    if isinstance(value, str) and value == "auto":
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise DataError(f"progress must be True, False or 'auto'; got {value!r}.")


def check_max_bytes(value: Any) -> int | None:
    """``max_bytes``: a positive number of bytes, or None for no limit."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real) or not (
        math.isfinite(value) and value > 0
    ):
        raise DataError(
            f"max_bytes must be a positive number of bytes (e.g. 4 * 2**30 for 4 GiB) or "
            f"None for no limit; got {value!r}."
        )
    return int(value)


# ----------------------------------------------------------------------------------
# The data
# ----------------------------------------------------------------------------------
def split_inputs(x: Any, n_inputs: int, rank: int) -> list[Any]:
    """``x`` as one entry per model input.

    A list or tuple is a list of inputs for a model with several; for a model with one
    input it is that input (nested lists of windows), unless it is a one-element list
    holding an array of the input's rank.
    """
    if n_inputs > 1 or (
        isinstance(x, (list, tuple)) and len(x) == 1 and np.ndim(x[0]) == rank
    ):
        return list(x) if isinstance(x, (list, tuple)) else [x]
    return [x]


def as_array(arr: Any) -> np.ndarray:
    """``arr`` as a numeric numpy array, or a DataError (ragged lists, strings, ...)."""
    try:
        a = np.asarray(arr)
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"x could not be read as an array ({str(exc).splitlines()[0]}); give a numpy "
            "array of windows, (N, timesteps, features), all of the same length."
        ) from None
    if a.dtype.kind not in "biuf":
        raise DataError(f"x must be numeric (ints or floats); got dtype {a.dtype}.")
    return a


def check_shape(a: np.ndarray, shape: tuple, model_name: str) -> None:
    """``a`` fits the model input ``shape`` (None = any) and holds a window and a step."""
    if a.ndim != len(shape):
        hint = " (batch, timesteps, features)" if len(shape) == 3 else ""
        raise DataError(
            f"x must have {len(shape)} dimensions{hint} to match the model's input "
            f"shape {shape}; got shape {a.shape}."
            + (" Add a batch axis: x[None]." if a.ndim == len(shape) - 1 else "")
        )
    for axis, (want, got) in enumerate(zip(shape, a.shape, strict=True)):
        if axis and want is not None and want != got:
            what = {1: "timesteps", len(shape) - 1: "features"}.get(axis, f"axis {axis}")
            raise DataError(
                f"x has {got} {what} (shape {a.shape}); model {model_name!r} expects "
                f"input shape {shape}."
            )
    if a.shape[0] == 0:
        raise DataError("x holds no samples; give at least one window.")
    if a.ndim >= 2 and a.shape[1] == 0:
        raise DataError(
            f"x has 0 timesteps (shape {a.shape}): an LSTM needs at least one step per window."
        )


def first_bad_window(a: np.ndarray) -> tuple[int, ...] | None:
    """Index (window, timestep, ...) of the first NaN or infinite value, or None."""
    if a.dtype.kind != "f":
        return None
    bad = ~np.isfinite(a)
    if not bad.any():
        return None
    return tuple(int(i) for i in np.argwhere(bad)[0])


def cast_input(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``a`` in the model input's dtype; refuses NaN/inf and fractional token ids."""
    where = first_bad_window(a)
    if where is not None:
        raise DataError(
            f"x holds NaN or infinite values (the first in window {where[0]}, at "
            f"{_position(where)}); trace_gates needs finite inputs. Drop or fill those "
            "windows, e.g. x[np.isfinite(x).all(axis=(1, 2))]."
        )
    if dtype.kind in "iu" and a.dtype.kind == "f" and not np.array_equal(a, np.round(a)):
        raise DataError(
            f"the model's input takes whole numbers ({dtype}, e.g. token ids for an "
            "Embedding); x holds fractions. Give integer ids."
        )
    with np.errstate(over="ignore"):  # reported below, with the window
        out = np.ascontiguousarray(a, dtype=dtype)
    where = first_bad_window(out)
    if where is not None:
        raise DataError(
            f"x holds values too large for the model's {dtype} input (the first in window "
            f"{where[0]}, at {_position(where)}); scale the data first."
        )
    return out


def _position(where: tuple[int, ...]) -> str:
    names = ("timestep", "feature")
    return ", ".join(f"{n} {i}" for n, i in zip(names, where[1:], strict=False)) or "its start"


# ----------------------------------------------------------------------------------
# Memory
# ----------------------------------------------------------------------------------
def trace_bytes(n: int, layers: list[tuple[int, int, int, int]], itemsize: int) -> int:
    """Bytes a trace of ``n`` windows takes.

    ``layers`` lists ``(timesteps, features, units, directions)`` per traced layer; each
    direction keeps six (N, T, units) arrays (four gates, C, h) and the layer its
    (N, T, features) input, plus a (N, T) mask.
    """
    total = 0
    for steps, features, units, directions in layers:
        cells = n * steps
        total += cells * (directions * 6 * units + features) * itemsize + cells
    return int(total)


def check_memory(needed: int, max_bytes: int | None, n: int, dtype: np.dtype) -> None:
    """Refuse a trace above the budget, saying how to trace less."""
    if max_bytes is None or needed <= max_bytes:
        return
    half = (
        " Use dtype='float32' (half the memory of float64)." if dtype == np.float64 else ""
    )
    fits = max(1, int(n * max_bytes / needed))
    raise DataError(
        f"tracing these {n} windows would take about {_gib(needed)} of memory, above "
        f"max_bytes={_gib(max_bytes)}. Trace fewer windows at a time (about {fits} fit, "
        f"e.g. trace_gates(model, x[:{fits}])) and keep only what you need of each "
        f"(Trace.select).{half} If this machine has the memory, raise the budget: "
        f"max_bytes={_suggest(needed)} (or None for no limit)."
    )


def _gib(nbytes: int) -> str:
    return f"{nbytes / 2**30:.2f} GiB" if nbytes >= 2**27 else f"{nbytes / 2**20:.1f} MiB"


def _suggest(nbytes: int) -> str:
    gib = math.ceil(nbytes * 1.1 / 2**30)
    return f"{gib} * 2**30"
