"""What a trace file's metadata may say: the format, and every field of every layer.

The metadata member of a trace file (see :mod:`lstm_explained._trace_file`) is a JSON
object: ``format``, ``version``, ``info`` (any JSON object), ``layers`` (one object per
layer trace: its ``key``, the scalar fields of :class:`~lstm_explained.trace.LayerTrace`
and ``has_<array>`` for the optional arrays) and ``extras`` (the extras' names). Here is
the rule of every one of them; a value that breaks a rule raises :class:`Refused`, which
reading turns into a ``TraceFileError`` and writing into a ``DataError``.

A renamed field keeps old files loading with one entry in :data:`RENAMED_FIELDS`.

Example
-------
>>> SCALAR_FIELDS["units"](3)
3
>>> read_layout({"layers": [], "extras": ["dates"]}, n_members=1).members()
{'extras/dates': 'dates'}
>>> check_header({"format": "lstm-explained-trace", "version": 3})
Traceback (most recent call last):
...
lstm_explained._trace_meta.Refused: metadata: a trace of format version 3; ...
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lstm_explained.activations import ACTIVATIONS
from lstm_explained.kinds import KINDS, get_kind

#: Written into every trace file; a file without it is not a trace.
#: The member holding the JSON metadata.
META_KEY = "__lstm_explained_meta__"
_NUMBER_KINDS = "biuf"  # bool, int, unsigned, float: what a layer's arrays may hold
_EXTRA_KINDS = _NUMBER_KINDS + "UM"  # extras may also hold unicode text and datetime64
FORMAT_NAME = "lstm-explained-trace"
#: Bumped when the file layout changes incompatibly. Version 2 names each layer's cell
#: ``kind``; version 1 (LSTM only, no ``kind``) still loads.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)


def array_fields(kind: str) -> tuple[str, ...]:
    """The arrays every layer of this kind has: its quantities and ``inputs``."""
    return (*get_kind(kind).names, "inputs")


def optional_arrays(kind: str) -> tuple[str, ...]:
    """The arrays a layer of this kind may have: the mask and its states' initial values."""
    return ("mask", *(f"initial_{s}" for s in get_kind(kind).states))


#: The fewest arrays a layer of any kind has (bounds a forged layer count up front).
_MIN_ARRAYS = min(len(array_fields(k)) for k in KINDS)
#: Field names a file may still use for a field that was renamed: old name -> field.
RENAMED_FIELDS: dict[str, str] = {
    "max_abs_error": "max_rel_error",  # until 0.2: it was always a relative error
}

_TOP_KEYS = ("format", "version", "info", "layers", "extras")


class Refused(Exception):
    """A rule broken at ``where``; becomes a TraceFileError (reading) or DataError (writing)."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")


def show(value: Any) -> str:
    """``repr(value)``, cut short: forged values can be huge."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- the scalar fields of a layer ------------------------------------------------------
def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {show(value)}")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {show(value)}")
    return value


def _count(minimum: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"must be a whole number >= {minimum}, not {show(value)}")
        return value

    return check


def _optional_number(positive: bool) -> Callable[[Any], float | None]:
    def check(value: Any) -> float | None:
        if value is None:
            return None
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or value < 0 or (positive and value == 0):
            sign = "> 0" if positive else ">= 0"
            raise ValueError(f"must be a finite number {sign} or null, not {show(value)}")
        return float(value)

    return check


def _activation(value: Any) -> str:
    if not isinstance(value, str) or value not in ACTIVATIONS:
        raise ValueError(
            f"must name one of lstm-explained's activations ({', '.join(sorted(ACTIVATIONS))}),"
            f" not {show(value)}"
        )
    return value


def _kind(value: Any) -> str:
    if value not in KINDS:
        raise ValueError(f"must name a cell kind ({', '.join(sorted(KINDS))}), not {show(value)}")
    return value


def _direction(value: Any) -> str:
    if value not in ("forward", "backward"):
        raise ValueError(f"must be 'forward' or 'backward', not {show(value)}")
    return value


#: Every scalar field of a LayerTrace, in file order, with the check of its value.
SCALAR_FIELDS: dict[str, Callable[[Any], Any]] = {
    "name": _text,
    "layer_name": _text,
    "kind": _kind,
    "units": _count(1),
    "activation": _activation,
    "recurrent_activation": _activation,
    "direction": _direction,
    "go_backwards": _flag,
    "max_rel_error": _optional_number(positive=False),
    "checked": _flag,
    "checked_samples": _count(0),
    "tolerance": _optional_number(positive=True),
}


def _checked_fields(where: str, meta: Mapping[str, Any]) -> dict[str, Any]:
    """The scalar fields of one layer, each checked; the self-check's fields agree."""
    out = {}
    for field, check in SCALAR_FIELDS.items():
        if field not in meta:
            raise Refused(where, f"field {field!r} is missing")
        try:
            out[field] = check(meta[field])
        except ValueError as exc:
            raise Refused(where, f"field {field!r} {exc}") from None
    if out["checked"]:
        err, tol = out["max_rel_error"], out["tolerance"]
        if err is None or tol is None or out["checked_samples"] < 1:
            raise Refused(
                where,
                "marked checked but without max_rel_error, tolerance and checked_samples >= 1",
            )
        if err > tol:
            raise Refused(
                where, f"marked checked but its error {err:g} is above its tolerance {tol:g}"
            )
    return out


def layer_meta(
    i: int, meta: Any, version: int = FORMAT_VERSION
) -> tuple[str, dict[str, Any], dict[str, bool]]:
    """Key, checked scalar fields and which optional arrays are present, of layer ``i``."""
    where = f"layer {i}"
    if not isinstance(meta, dict):
        raise Refused(where, f"must be a JSON object, not {show(meta)}")
    meta = dict(meta)
    for old, new in RENAMED_FIELDS.items():  # files written before a field was renamed
        if old in meta and new not in meta:
            meta[new] = meta.pop(old)
    if version == 1:  # before cell kinds: every layer was an LSTM
        if "kind" in meta:
            raise Refused(where, "unknown field 'kind'")
        meta["kind"] = "lstm"
    key = meta.get("key")
    if not isinstance(key, str):
        raise Refused(where, f"field 'key' must be a string, not {show(key)}")
    where = f"layer {i} ({key!r})"
    try:
        kind = _kind(meta.get("kind"))
    except ValueError as exc:
        raise Refused(where, f"field 'kind' {exc}") from None
    has = {}
    for q in optional_arrays(kind):
        try:
            has[q] = _flag(meta.get(f"has_{q}"))
        except ValueError as exc:
            raise Refused(where, f"field 'has_{q}' {exc}") from None
    known = {"key", *SCALAR_FIELDS, *(f"has_{q}" for q in optional_arrays(kind))}
    unknown = sorted(set(meta) - known)
    if unknown:
        raise Refused(where, f"unknown field {show(unknown[0])}")
    return key, _checked_fields(where, meta), has


# -- the header (metadata) -------------------------------------------------------------
def extra_name(value: Any) -> str:
    """An extra's name: a non-empty string without NUL (zip would cut the name there)."""
    if not isinstance(value, str) or "\x00" in value or not value:
        raise Refused("extras", f"names must be non-empty strings without NUL, not {show(value)}")
    return value


def check_header(header: Any) -> None:
    """The top level of the metadata: a trace of this format's version, the right keys."""
    fmt = header.get("format") if isinstance(header, dict) else None
    if fmt != FORMAT_NAME:
        raise Refused("metadata", f"not an lstm-explained trace (format {show(fmt)})")
    version = header.get("version")
    if type(version) is not int or version not in READABLE_VERSIONS:
        raise Refused(
            "metadata",
            f"a trace of format version {show(version)}; this lstm-explained reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}. Re-create the trace with this version",
        )
    unknown = sorted(set(header) - set(_TOP_KEYS))
    missing = [k for k in _TOP_KEYS if k not in header]
    if unknown or missing:
        problem = f"unknown key {show(unknown[0])}" if unknown else f"{missing[0]!r} is missing"
        raise Refused("metadata", problem)
    if not isinstance(header["info"], dict):
        raise Refused("metadata", f"'info' must be a JSON object, not {show(header['info'])}")
    for k in ("layers", "extras"):
        if not isinstance(header[k], list):
            raise Refused("metadata", f"{k!r} must be a list, not {show(header[k])}")


@dataclass(frozen=True)
class Layout:
    """What the metadata declares: layers (key, scalar fields, optional arrays), extras."""

    layers: list[tuple[str, dict[str, Any], dict[str, bool]]]
    extras: list[str]

    def members(self) -> dict[str, str]:
        """Every array member the file must hold -> the field it fills."""
        out = {}
        for i, (_, fields, has) in enumerate(self.layers):
            kind = fields["kind"]
            for q in (*array_fields(kind), *(q for q in optional_arrays(kind) if has[q])):
                out[f"layers/{i}/{q}"] = q
        for name in self.extras:
            out[f"extras/{name}"] = name
        return out


def read_layout(header: dict[str, Any], n_members: int) -> Layout:
    """The checked layout of a checked header; ``n_members`` bounds it before any loop."""
    n_layers, n_extras = len(header["layers"]), len(header["extras"])
    need = _MIN_ARRAYS * n_layers + n_extras
    if need > n_members:
        raise Refused(
            "metadata",
            f"it declares {n_layers} layers and {n_extras} extras, which need at least "
            f"{need} arrays, but the file holds {n_members}",
        )
    layers = [layer_meta(i, m, header["version"]) for i, m in enumerate(header["layers"])]
    _unique("metadata", "two layers are named", [key for key, _, _ in layers])
    extras = [extra_name(n) for n in header["extras"]]
    _unique("extras", "two extras are named", extras)
    return Layout(layers, extras)


def _unique(where: str, problem: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise Refused(where, f"{problem} {show(name)}")
        seen.add(name)


__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "READABLE_VERSIONS",
    "array_fields",
    "optional_arrays",
    "RENAMED_FIELDS",
    "SCALAR_FIELDS",
    "Layout",
    "Refused",
    "check_header",
    "extra_name",
    "layer_meta",
    "read_layout",
    "show",
]
