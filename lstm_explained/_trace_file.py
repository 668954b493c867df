"""The trace file format: written atomically, read as the untrusted input it is.

A trace file is a ``.npz`` (a zip of ``.npy`` members, never pickled): one member
``__lstm_explained_meta__`` holds a JSON text (format, version, ``info``, the scalar fields
of every layer, the names of the extras), and one member per array, ``layers/<i>/<field>``
and ``extras/<name>``. :func:`write_trace` and :func:`read_trace` are the only code that
knows this layout; :mod:`lstm_explained.trace` turns what they read into objects.

Reading trusts nothing in the file. Before any array is read, it checks from the members'
``.npy`` headers (shape and dtype, no data) that every member is declared by the metadata
and every declared member is there, once; that every array is a plain number (or bool)
array, extras also strings or dates, never objects; that a layer's arrays agree on
(N, T, units); that every field of the metadata has the right type and a sane value (the
rules are in :mod:`lstm_explained._trace_meta`); and that the arrays together fit in
``max_bytes``. A forged file gets one :class:`TraceFileError`
naming the file, the place and what is wrong. Writing checks the same rules (a
:class:`DataError` before anything is written), so whatever :func:`write_trace` writes,
:func:`read_trace` reads.

Example
-------
>>> import os, tempfile
>>> import numpy as np
>>> z = np.zeros((1, 2, 3))
>>> arrays = dict(forget=z, input=z, candidate=z, output=z, cell=z, hidden=z,
...               inputs=np.zeros((1, 2, 1)), mask=None, initial_hidden=None,
...               initial_cell=None)
>>> scalars = dict(name="l", layer_name="l", kind="lstm", units=3, activation="tanh",
...                recurrent_activation="sigmoid", direction="forward", go_backwards=False,
...                max_rel_error=None, checked=False, checked_samples=0, tolerance=None)
>>> path = write_trace(os.path.join(tempfile.mkdtemp(), "t.npz"),
...                    [("l", scalars, arrays)], info={}, extras={})
>>> layers, info, extras = read_trace(path)
>>> layers[0][0], layers[0][1]["hidden"].shape, layers[0][1]["units"]
('l', (1, 2, 3), 3)
"""

from __future__ import annotations

import json
import lzma
import math
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lstm_explained._files import as_path
from lstm_explained._trace_meta import (
    _EXTRA_KINDS,
    _NUMBER_KINDS,
    FORMAT_NAME,
    FORMAT_VERSION,
    META_KEY,
    SCALAR_FIELDS,
    Layout,
    Refused,
    array_fields,
    check_header,
    optional_arrays,
    read_layout,
    show,
)
from lstm_explained._trace_write import write_trace  # the writing half
from lstm_explained.errors import DataError, LSTMExplainedError, OutputError, TraceFileError
from lstm_explained.kinds import get_kind

#: What :func:`read_trace` reads at most by default: the arrays' declared bytes together.
DEFAULT_MAX_BYTES = 2 * 1024**3
#: The metadata member's declared size at most (a 4-byte character each): 4 M characters.
MAX_METADATA_BYTES = 16 * 1024**2

_BAD_FILE = "the file is corrupt or was not written by Trace.save: re-create it with Trace.save"


# -- the members' .npy headers ---------------------------------------------------------
@dataclass(frozen=True)
class _Member:
    """One ``.npy`` member, as its header declares it."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


def _npy_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> _Member:
    """Shape and dtype of a member from its header alone; its size must match them."""
    name = info.filename.removesuffix(".npy")
    with zf.open(info) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise Refused(f"array {name!r}", f".npy version {version}: Trace.save never writes it")
        offset = f.tell()
    if dtype.hasobject:
        raise Refused(
            f"array {name!r}",
            f"dtype {dtype} holds Python objects (pickled data), which lstm-explained never loads",
        )
    member = _Member(name, tuple(shape), dtype)
    if any(n < 0 for n in member.shape):
        raise Refused(f"array {name!r}", f"negative shape {member.shape}")
    if info.file_size != offset + member.nbytes:
        raise Refused(
            f"array {name!r}",
            f"its header declares {member.shape} {dtype}, which disagrees with the member's "
            f"size ({info.file_size} bytes)",
        )
    return member


def _check_dtype(member: _Member, kinds: str, what: str) -> None:
    dt = member.dtype
    if dt.kind not in kinds or dt.fields is not None or dt.subdtype is not None:
        raise Refused(f"array {member.name!r}", f"dtype {dt} is not allowed; {what}")


def _check_layer_shapes(
    i: int, kind: str, units: int, arrays: Mapping[str, _Member]
) -> None:
    """A layer's arrays agree on (N, T, units); inputs on (N, T); mask and states too."""
    spec = get_kind(kind)
    ref = spec.output
    hidden = arrays[ref].shape
    if len(hidden) != 3 or hidden[2] != units:
        raise Refused(
            f"array 'layers/{i}/{ref}'", f"shape {hidden} is not (N, T, units), units = {units}"
        )
    n_t = hidden[:2]
    expected = {q: hidden for q in spec.names}
    expected["mask"] = n_t
    expected.update({f"initial_{s}": (hidden[0], units) for s in spec.states})
    for q, member in arrays.items():
        if q == "inputs":
            ok = len(member.shape) == 3 and member.shape[:2] == n_t
            want = f"(N, T, features) with N, T = {n_t}"
        else:
            ok, want = member.shape == expected[q], str(expected[q])
        if not ok:
            raise Refused(
                f"array {member.name!r}",
                f"shape {member.shape} disagrees with the layer's {ref} state {hidden}: "
                f"expected {want}",
            )
    mask = arrays.get("mask")
    if mask is not None and mask.dtype != np.bool_:
        raise Refused(f"array {mask.name!r}", f"a mask must be bool, not {mask.dtype}")


def _check_members(headers: Mapping[str, _Member], layout: Layout, max_bytes: int) -> None:
    """The declared total against ``max_bytes``, then dtypes and shapes: all before any data."""
    total = sum(m.nbytes for m in headers.values())
    if total > max_bytes:
        big = max(headers.values(), key=lambda m: m.nbytes)
        raise Refused(
            "arrays",
            f"they declare {total:,} bytes ({big.name!r} alone {big.nbytes:,}), more than "
            f"max_bytes={max_bytes:,}; nothing was read. If you trust this file and have the "
            f"memory, pass max_bytes={total} or more",
        )
    for i, (_, fields, has) in enumerate(layout.layers):
        kind = fields["kind"]
        present = (*array_fields(kind), *(q for q in optional_arrays(kind) if has[q]))
        arrays = {q: headers[f"layers/{i}/{q}"] for q in present}
        for member in arrays.values():
            _check_dtype(member, _NUMBER_KINDS, "a layer's arrays hold numbers or bools")
        _check_layer_shapes(i, kind, fields["units"], arrays)
    for name in layout.extras:
        _check_dtype(
            headers[f"extras/{name}"], _EXTRA_KINDS, "extras hold numbers, bools, text or dates"
        )


# -- reading ---------------------------------------------------------------------------
def _member_infos(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The members by name (without ``.npy``); a name twice or not ``.npy`` is refused."""
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        if not info.filename.endswith(".npy"):
            raise Refused("members", f"{show(info.filename)} is not an .npy array")
        name = info.filename.removesuffix(".npy")
        if name in infos:
            raise Refused("members", f"{show(name)} is in the file twice")
        infos[name] = info
    return infos


def _read_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Any:
    """The metadata member's JSON, its declared size capped before it is read."""
    member = _npy_header(zf, info)
    if member.dtype.kind != "U" or member.shape != ():
        raise Refused("metadata", f"must be one text, not a {member.shape} {member.dtype} array")
    if member.nbytes > MAX_METADATA_BYTES:
        raise Refused(
            "metadata",
            f"it declares {member.nbytes:,} bytes, larger than a trace's metadata can be "
            f"({MAX_METADATA_BYTES:,})",
        )
    with zf.open(info) as f:
        text = str(np.lib.format.read_array(f, allow_pickle=False))
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise Refused("metadata", f"not valid JSON ({type(exc).__name__})") from None


def _read_array(zf: zipfile.ZipFile, info: zipfile.ZipInfo, member: _Member) -> np.ndarray:
    with zf.open(info) as f:
        arr = np.lib.format.read_array(f, allow_pickle=False)
    if arr.shape != member.shape or arr.dtype != member.dtype:  # pragma: no cover - defensive
        raise Refused(f"array {member.name!r}", "changed while it was read")
    return arr


def _read_zip(zf: zipfile.ZipFile, max_bytes: int) -> tuple[list, dict, dict]:
    infos = _member_infos(zf)
    if META_KEY not in infos:
        raise Refused(
            "metadata",
            "there is none: this is a .npz file but not an lstm-explained trace; load only "
            "files written by Trace.save",
        )
    header = _read_header(zf, infos.pop(META_KEY))
    check_header(header)
    layout = read_layout(header, len(infos))
    declared = layout.members()
    missing = [n for n in declared if n not in infos]
    extra = [n for n in infos if n not in declared]
    if missing:
        raise Refused("members", f"the metadata declares {missing[0]!r}, which is missing")
    if extra:
        raise Refused("members", f"{show(extra[0])} is not declared by the metadata")
    headers = {name: _npy_header(zf, infos[name]) for name in declared}
    _check_members(headers, layout, max_bytes)
    arrays = {name: _read_array(zf, infos[name], headers[name]) for name in declared}
    layers = []
    for i, (key, fields, has) in enumerate(layout.layers):
        kwargs: dict[str, Any] = dict(fields)
        for q in array_fields(fields["kind"]):
            kwargs[q] = arrays[f"layers/{i}/{q}"]
        for q in optional_arrays(fields["kind"]):
            kwargs[q] = arrays[f"layers/{i}/{q}"] if has[q] else None
        layers.append((key, kwargs))
    extras = {name: arrays[f"extras/{name}"] for name in layout.extras}
    return layers, header["info"], extras


_READ_ERRORS = (
    OSError, EOFError, ValueError, RuntimeError, NotImplementedError, KeyError,
    zipfile.BadZipFile, zlib.error, lzma.LZMAError, struct.error,
)


def _trace_path(path: object) -> Path:
    try:
        p = as_path(path, "trace file")
    except OutputError as exc:
        raise TraceFileError(str(exc)) from None
    if p.is_dir():
        raise TraceFileError(f"{p} is a folder, not a trace file; give the .npz file's name.")
    if not p.is_file():
        raise TraceFileError(
            f"trace file {p} does not exist; save one with Trace.save(path) first."
        )
    return p


def read_trace(
    path: object, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any], dict[str, np.ndarray]]:
    """Read and check a trace file: ``(layers, info, extras)``, each layer ``(key, kwargs)``.

    ``kwargs`` are the keyword arguments of :class:`~lstm_explained.trace.LayerTrace`.

    Raises
    ------
    TraceFileError
        For a path that is not a file, a file that is not a trace, a forged or damaged
        one, or arrays declaring more than ``max_bytes`` together (nothing read then).
    """
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
        raise DataError(f"max_bytes must be a whole number of bytes >= 0, not {show(max_bytes)}.")
    p = _trace_path(path)
    try:
        with zipfile.ZipFile(p) as zf:
            return _read_zip(zf, max_bytes)
    except Refused as exc:
        raise TraceFileError(
            f"{p} is not a valid lstm-explained trace: {exc}; {_BAD_FILE}."
        ) from None
    except LSTMExplainedError:
        raise
    except _READ_ERRORS as exc:
        raise TraceFileError(
            f"{p} could not be read as an lstm-explained trace ({type(exc).__name__}: "
            f"{show(str(exc))}); {_BAD_FILE}."
        ) from None


__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "SCALAR_FIELDS",
    "read_trace",
    "write_trace",
]
