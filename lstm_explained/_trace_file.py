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
(N, T, units); that every scalar field has the right type and a sane value; and that the
arrays together fit in ``max_bytes``. A forged file gets one :class:`TraceFileError`
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
>>> scalars = dict(name="l", layer_name="l", units=3, activation="tanh",
...                recurrent_activation="sigmoid", direction="forward", go_backwards=False,
...                max_abs_error=None, checked=False, checked_samples=0, tolerance=None)
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lstm_explained._files import as_path, atomic_write
from lstm_explained.activations import ACTIVATIONS
from lstm_explained.errors import DataError, LSTMExplainedError, OutputError, TraceFileError
from lstm_explained.gates import QUANTITIES

#: Written into every trace file; a file without it is not a trace.
FORMAT_NAME = "lstm-explained-trace"
#: Bumped when the file layout changes incompatibly.
FORMAT_VERSION = 1
#: What :func:`read_trace` reads at most by default: the arrays' declared bytes together.
DEFAULT_MAX_BYTES = 2 * 1024**3
#: The metadata member's declared size at most (a 4-byte character each): 4 M characters.
MAX_METADATA_BYTES = 16 * 1024**2

META_KEY = "__lstm_explained_meta__"
ARRAY_FIELDS: tuple[str, ...] = (*QUANTITIES, "inputs")
OPTIONAL_ARRAYS: tuple[str, ...] = ("mask", "initial_hidden", "initial_cell")
#: Field names a file may still use for a field that was renamed: old name -> field.
RENAMED_FIELDS: dict[str, str] = {}

_NUMBER_KINDS = "biuf"  # bool, int, unsigned, float: what a layer's arrays may hold
_EXTRA_KINDS = _NUMBER_KINDS + "UM"  # extras may also hold unicode text and datetime64
_TOP_KEYS = ("format", "version", "info", "layers", "extras")
_BAD_FILE = "the file is corrupt or was not written by Trace.save: re-create it with Trace.save"


class _Bad(Exception):
    """A rule broken at ``where``; becomes a TraceFileError (reading) or DataError (writing)."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")


def _show(value: Any) -> str:
    """``repr(value)``, cut short: forged values can be huge."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- the scalar fields of a layer ------------------------------------------------------
def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {_show(value)}")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {_show(value)}")
    return value


def _count(minimum: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"must be a whole number >= {minimum}, not {_show(value)}")
        return value

    return check


def _optional_number(positive: bool) -> Callable[[Any], float | None]:
    def check(value: Any) -> float | None:
        if value is None:
            return None
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or value < 0 or (positive and value == 0):
            sign = "> 0" if positive else ">= 0"
            raise ValueError(f"must be a finite number {sign} or null, not {_show(value)}")
        return float(value)

    return check


def _activation(value: Any) -> str:
    if not isinstance(value, str) or value not in ACTIVATIONS:
        raise ValueError(
            f"must name one of lstm-explained's activations ({', '.join(sorted(ACTIVATIONS))}),"
            f" not {_show(value)}"
        )
    return value


def _direction(value: Any) -> str:
    if value not in ("forward", "backward"):
        raise ValueError(f"must be 'forward' or 'backward', not {_show(value)}")
    return value


#: Every scalar field of a LayerTrace, in file order, with the check of its value.
SCALAR_FIELDS: dict[str, Callable[[Any], Any]] = {
    "name": _text,
    "layer_name": _text,
    "units": _count(1),
    "activation": _activation,
    "recurrent_activation": _activation,
    "direction": _direction,
    "go_backwards": _flag,
    "max_abs_error": _optional_number(positive=False),
    "checked": _flag,
    "checked_samples": _count(0),
    "tolerance": _optional_number(positive=True),
}


def _checked_fields(where: str, meta: Mapping[str, Any]) -> dict[str, Any]:
    """The scalar fields of one layer, each checked; the self-check's fields agree."""
    out = {}
    for field, check in SCALAR_FIELDS.items():
        if field not in meta:
            raise _Bad(where, f"field {field!r} is missing")
        try:
            out[field] = check(meta[field])
        except ValueError as exc:
            raise _Bad(where, f"field {field!r} {exc}") from None
    if out["checked"]:
        err, tol = out["max_abs_error"], out["tolerance"]
        if err is None or tol is None or out["checked_samples"] < 1:
            raise _Bad(where, "marked checked but without max_abs_error, tolerance and "
                              "checked_samples >= 1")
        if err > tol:
            raise _Bad(where, f"marked checked but its error {err:g} is above its "
                              f"tolerance {tol:g}")
    return out


def _layer_meta(i: int, meta: Any) -> tuple[str, dict[str, Any], dict[str, bool]]:
    """Key, checked scalar fields and which optional arrays are present, of layer ``i``."""
    where = f"layer {i}"
    if not isinstance(meta, dict):
        raise _Bad(where, f"must be a JSON object, not {_show(meta)}")
    meta = dict(meta)
    for old, new in RENAMED_FIELDS.items():  # files written before a field was renamed
        if old in meta and new not in meta:
            meta[new] = meta.pop(old)
    key = meta.get("key")
    if not isinstance(key, str):
        raise _Bad(where, f"field 'key' must be a string, not {_show(key)}")
    where = f"layer {i} ({key!r})"
    has = {}
    for q in OPTIONAL_ARRAYS:
        try:
            has[q] = _flag(meta.get(f"has_{q}"))
        except ValueError as exc:
            raise _Bad(where, f"field 'has_{q}' {exc}") from None
    known = {"key", *SCALAR_FIELDS, *(f"has_{q}" for q in OPTIONAL_ARRAYS)}
    unknown = sorted(set(meta) - known)
    if unknown:
        raise _Bad(where, f"unknown field {_show(unknown[0])}")
    return key, _checked_fields(where, meta), has


# -- the header (metadata) -------------------------------------------------------------
def _extra_name(value: Any) -> str:
    if not isinstance(value, str) or "\x00" in value or not value:
        raise _Bad("extras", f"names must be non-empty strings without NUL, not {_show(value)}")
    return value


def _check_header(header: Any) -> None:
    """The top level of the metadata: a trace of this format's version, the right keys."""
    fmt = header.get("format") if isinstance(header, dict) else None
    if fmt != FORMAT_NAME:
        raise _Bad("metadata", f"not an lstm-explained trace (format {_show(fmt)})")
    version = header.get("version")
    if type(version) is not int or version != FORMAT_VERSION:
        raise _Bad(
            "metadata",
            f"a trace of format version {_show(version)}; this lstm-explained reads version "
            f"{FORMAT_VERSION}. Re-create the trace with this version",
        )
    unknown = sorted(set(header) - set(_TOP_KEYS))
    missing = [k for k in _TOP_KEYS if k not in header]
    if unknown or missing:
        raise _Bad("metadata", f"unknown key {_show(unknown[0])}" if unknown
                   else f"key {missing[0]!r} is missing")
    if not isinstance(header["info"], dict):
        raise _Bad("metadata", f"'info' must be a JSON object, not {_show(header['info'])}")
    for k in ("layers", "extras"):
        if not isinstance(header[k], list):
            raise _Bad("metadata", f"{k!r} must be a list, not {_show(header[k])}")


@dataclass(frozen=True)
class _Layout:
    """What the metadata declares: layers (key, scalar fields, optional arrays), extras."""

    layers: list[tuple[str, dict[str, Any], dict[str, bool]]]
    extras: list[str]

    def members(self) -> dict[str, str]:
        """Every array member the file must hold -> the field it fills."""
        out = {}
        for i, (_, _, has) in enumerate(self.layers):
            for q in (*ARRAY_FIELDS, *(q for q in OPTIONAL_ARRAYS if has[q])):
                out[f"layers/{i}/{q}"] = q
        for name in self.extras:
            out[f"extras/{name}"] = name
        return out


def _layout(header: dict[str, Any], n_members: int) -> _Layout:
    """The checked layout of a checked header; ``n_members`` bounds it before any loop."""
    n_layers, n_extras = len(header["layers"]), len(header["extras"])
    need = len(ARRAY_FIELDS) * n_layers + n_extras
    if need > n_members:
        raise _Bad("metadata", f"it declares {n_layers} layers and {n_extras} extras, which "
                               f"need at least {need} arrays, but the file holds {n_members}")
    layers = [_layer_meta(i, m) for i, m in enumerate(header["layers"])]
    keys = [key for key, _, _ in layers]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise _Bad("metadata", f"two layers are named {dup!r}")
    extras = [_extra_name(n) for n in header["extras"]]
    if len(set(extras)) != len(extras):
        raise _Bad("extras", "a name is listed twice")
    return _Layout(layers, extras)


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
            raise _Bad(f"array {name!r}", f".npy format version {version} is not one Trace.save "
                                          "writes")
        offset = f.tell()
    if dtype.hasobject:
        raise _Bad(f"array {name!r}", f"dtype {dtype} holds Python objects (pickled data), "
                                      "which lstm-explained never loads")
    member = _Member(name, tuple(shape), dtype)
    if any(n < 0 for n in member.shape):
        raise _Bad(f"array {name!r}", f"negative shape {member.shape}")
    if info.file_size != offset + member.nbytes:
        raise _Bad(f"array {name!r}", f"its header declares {member.shape} {dtype}, which "
                                      f"disagrees with the member's size ({info.file_size} bytes)")
    return member


def _check_dtype(member: _Member, kinds: str, what: str) -> None:
    dt = member.dtype
    if dt.kind not in kinds or dt.fields is not None or dt.subdtype is not None:
        raise _Bad(f"array {member.name!r}", f"dtype {dt} is not allowed; {what}")


def _check_layer_shapes(i: int, units: int, arrays: Mapping[str, _Member]) -> None:
    """A layer's arrays agree on (N, T, units); inputs on (N, T); mask and states too."""
    hidden = arrays["hidden"].shape
    if len(hidden) != 3 or hidden[2] != units:
        raise _Bad(f"array 'layers/{i}/hidden'",
                   f"shape {hidden} is not (N, T, units) with units = {units}")
    n_t = hidden[:2]
    expected = {q: hidden for q in QUANTITIES}
    expected.update(mask=n_t, initial_hidden=(hidden[0], units), initial_cell=(hidden[0], units))
    for q, member in arrays.items():
        if q == "inputs":
            ok = len(member.shape) == 3 and member.shape[:2] == n_t
            want = f"(N, T, features) with N, T = {n_t}"
        else:
            ok, want = member.shape == expected[q], str(expected[q])
        if not ok:
            raise _Bad(f"array {member.name!r}", f"shape {member.shape} disagrees with the "
                                                 f"layer's hidden state {hidden}: expected {want}")
    mask = arrays.get("mask")
    if mask is not None and mask.dtype != np.bool_:
        raise _Bad(f"array {mask.name!r}", f"a mask must be bool, not {mask.dtype}")


def _check_members(headers: Mapping[str, _Member], layout: _Layout, max_bytes: int) -> None:
    """The declared total against ``max_bytes``, then dtypes and shapes: all before any data."""
    total = sum(m.nbytes for m in headers.values())
    if total > max_bytes:
        big = max(headers.values(), key=lambda m: m.nbytes)
        raise _Bad("arrays", f"they declare {total:,} bytes ({big.name!r} alone {big.nbytes:,}), "
                             f"more than max_bytes={max_bytes:,}; nothing was read. If you trust "
                             f"this file and have the memory, pass max_bytes={total} or more")
    for i, (_, fields, has) in enumerate(layout.layers):
        present = (*ARRAY_FIELDS, *(q for q in OPTIONAL_ARRAYS if has[q]))
        arrays = {q: headers[f"layers/{i}/{q}"] for q in present}
        for member in arrays.values():
            _check_dtype(member, _NUMBER_KINDS, "a layer's arrays hold numbers or bools")
        _check_layer_shapes(i, fields["units"], arrays)
    for name in layout.extras:
        _check_dtype(headers[f"extras/{name}"], _EXTRA_KINDS,
                     "extras hold numbers, bools, text or datetime64")


# -- reading ---------------------------------------------------------------------------
def _member_infos(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The members by name (without ``.npy``); a name twice or not ``.npy`` is refused."""
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        if not info.filename.endswith(".npy"):
            raise _Bad("members", f"{_show(info.filename)} is not an .npy array")
        name = info.filename.removesuffix(".npy")
        if name in infos:
            raise _Bad("members", f"{_show(name)} is in the file twice")
        infos[name] = info
    return infos


def _read_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Any:
    """The metadata member's JSON, its declared size capped before it is read."""
    member = _npy_header(zf, info)
    if member.dtype.kind != "U" or member.shape != ():
        raise _Bad("metadata", f"must be one text, not a {member.shape} {member.dtype} array")
    if member.nbytes > MAX_METADATA_BYTES:
        raise _Bad("metadata", f"it declares {member.nbytes:,} bytes, larger than a trace's "
                               f"metadata can be ({MAX_METADATA_BYTES:,})")
    with zf.open(info) as f:
        text = str(np.lib.format.read_array(f, allow_pickle=False))
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _Bad("metadata", f"not valid JSON ({type(exc).__name__})") from None


def _read_array(zf: zipfile.ZipFile, info: zipfile.ZipInfo, member: _Member) -> np.ndarray:
    with zf.open(info) as f:
        arr = np.lib.format.read_array(f, allow_pickle=False)
    if arr.shape != member.shape or arr.dtype != member.dtype:  # pragma: no cover - defensive
        raise _Bad(f"array {member.name!r}", "changed while it was read")
    return arr


def _read_zip(zf: zipfile.ZipFile, max_bytes: int) -> tuple[list, dict, dict]:
    infos = _member_infos(zf)
    if META_KEY not in infos:
        raise _Bad("metadata", "there is none: this is a .npz file but not an lstm-explained "
                               "trace; load only files written by Trace.save")
    header = _read_header(zf, infos.pop(META_KEY))
    _check_header(header)
    layout = _layout(header, len(infos))
    declared = layout.members()
    missing = [n for n in declared if n not in infos]
    extra = [n for n in infos if n not in declared]
    if missing:
        raise _Bad("members", f"the metadata declares {missing[0]!r}, which is missing")
    if extra:
        raise _Bad("members", f"{_show(extra[0])} is not declared by the metadata")
    headers = {name: _npy_header(zf, infos[name]) for name in declared}
    _check_members(headers, layout, max_bytes)
    arrays = {name: _read_array(zf, infos[name], headers[name]) for name in declared}
    layers = []
    for i, (key, fields, has) in enumerate(layout.layers):
        kwargs: dict[str, Any] = dict(fields)
        for q in ARRAY_FIELDS:
            kwargs[q] = arrays[f"layers/{i}/{q}"]
        for q in OPTIONAL_ARRAYS:
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
        raise DataError(f"max_bytes must be a whole number of bytes >= 0, not {_show(max_bytes)}.")
    p = _trace_path(path)
    try:
        with zipfile.ZipFile(p) as zf:
            return _read_zip(zf, max_bytes)
    except _Bad as exc:
        raise TraceFileError(
            f"{p} is not a valid lstm-explained trace: {exc}; {_BAD_FILE}."
        ) from None
    except LSTMExplainedError:
        raise
    except _READ_ERRORS as exc:
        raise TraceFileError(
            f"{p} could not be read as an lstm-explained trace ({type(exc).__name__}: "
            f"{_show(str(exc))}); {_BAD_FILE}."
        ) from None


# -- writing ---------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _layer_entry(
    i: int, key: Any, scalars: Mapping[str, Any], arrays: Mapping[str, np.ndarray | None]
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The metadata and the members of one layer, checked by the rules of reading."""
    meta: dict[str, Any] = {"key": key, **{s: _plain(scalars[s]) for s in SCALAR_FIELDS}}
    members = {f"layers/{i}/{q}": np.asarray(arrays[q]) for q in ARRAY_FIELDS}
    for q in OPTIONAL_ARRAYS:
        meta[f"has_{q}"] = arrays[q] is not None
        if arrays[q] is not None:
            members[f"layers/{i}/{q}"] = np.asarray(arrays[q])
    _layer_meta(i, meta)
    return meta, members


def _extra_members(extras: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    members = {}
    for k, v in extras.items():
        arr = np.asarray(v)
        if arr.dtype.kind not in _EXTRA_KINDS or arr.dtype.fields is not None:
            kind = "an object" if arr.dtype.hasobject else f"a {arr.dtype}"
            raise _Bad(f"extra {_show(k)}", f"{kind} array cannot be saved without pickle or "
                       "loaded back; convert it to numbers, bools, strings or datetime64 first")
        members[f"extras/{_extra_name(k)}"] = arr
    return members


def write_trace(
    path: object,
    layers: Sequence[tuple[str, Mapping[str, Any], Mapping[str, np.ndarray | None]]],
    info: Mapping[str, Any],
    extras: Mapping[str, np.ndarray],
    *,
    overwrite: bool = False,
) -> Path:
    """Write a trace file atomically; ``.npz`` is appended to ``path`` when missing.

    Raises
    ------
    DataError
        If something would not load back (a field or extra :func:`read_trace` refuses,
        ``info`` that is not JSON); nothing is written.
    OutputError
        If ``path`` exists (unless ``overwrite``), is a folder or a link, or cannot be
        written; the old file, if any, is intact.
    """
    p = as_path(path, "trace file")
    if p.suffix != ".npz":
        p = p.with_name(p.name + ".npz")
    arrays: dict[str, np.ndarray] = {}
    metas = []
    try:
        for i, (key, scalars, layer_arrays) in enumerate(layers):
            meta, members = _layer_entry(i, key, scalars, layer_arrays)
            metas.append(meta)
            arrays.update(members)
        arrays.update(_extra_members(extras))
    except _Bad as exc:
        raise DataError(f"cannot save this trace: {exc}; nothing was written.") from None
    header = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "info": dict(info),
              "layers": metas, "extras": list(extras)}
    try:
        text = json.dumps(header)
    except (TypeError, ValueError, RecursionError) as exc:
        raise DataError(
            f"trace info must be JSON-serialisable (str, numbers, lists, dicts): {exc}"
        ) from None
    arrays[META_KEY] = np.array(text)
    with atomic_write(p, overwrite=overwrite, suffixes=(".npz",), what="trace file") as tmp:
        with open(tmp, "wb") as f:  # a file object: numpy would append .npz to a name
            np.savez_compressed(f, allow_pickle=False, **arrays)
    return p


__all__ = ["DEFAULT_MAX_BYTES", "FORMAT_NAME", "FORMAT_VERSION", "read_trace", "write_trace"]
