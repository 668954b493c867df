"""Writing a trace file: the layout :mod:`lstm_explained._trace_file` reads, checked by the
same rules before anything is written, then written atomically (``np.savez_compressed``,
never pickled)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lstm_explained._files import as_path, atomic_write
from lstm_explained._trace_meta import (
    _EXTRA_KINDS,
    FORMAT_NAME,
    FORMAT_VERSION,
    META_KEY,
    SCALAR_FIELDS,
    Refused,
    array_fields,
    extra_name,
    layer_meta,
    optional_arrays,
    show,
)
from lstm_explained.errors import DataError
from lstm_explained.kinds import get_kind


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _layer_entry(
    i: int, key: Any, scalars: Mapping[str, Any], arrays: Mapping[str, np.ndarray | None]
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The metadata and the members of one layer, checked by the rules of reading."""
    meta: dict[str, Any] = {"key": key, **{s: _plain(scalars[s]) for s in SCALAR_FIELDS}}
    kind = get_kind(meta["kind"]).name
    members = {f"layers/{i}/{q}": np.asarray(arrays[q]) for q in array_fields(kind)}
    for q in optional_arrays(kind):
        meta[f"has_{q}"] = arrays[q] is not None
        if arrays[q] is not None:
            members[f"layers/{i}/{q}"] = np.asarray(arrays[q])
    layer_meta(i, meta)
    return meta, members


def _extra_members(extras: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    members = {}
    for k, v in extras.items():
        arr = np.asarray(v)
        if arr.dtype.kind not in _EXTRA_KINDS or arr.dtype.fields is not None:
            kind = "an object" if arr.dtype.hasobject else f"a {arr.dtype}"
            raise Refused(
                f"extra {show(k)}",
                f"{kind} array cannot be saved without pickle or loaded back; convert it to "
                "numbers, bools, strings or datetime64 first",
            )
        members[f"extras/{extra_name(k)}"] = arr
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
    except Refused as exc:
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


__all__ = ["write_trace"]
