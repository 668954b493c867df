"""Trace files are untrusted input, and saving one never loses the old one.

Every forged file here is a real ``.npz`` on disk, made from a real saved trace by
rewriting its zip members (or, for the zip bombs, by writing the zip byte by byte, the
way an attacker would). ``load_trace`` must refuse each with one ``TraceFileError`` that
names the file and the place, before it reads any array; ``Trace.save`` must refuse an
existing file, a link or a folder, and a save killed half-way leaves the old file whole.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import signal
import struct
import subprocess
import sys
import textwrap
import time
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from lstm_explained.engine import LSTMWeights, run_lstm
from lstm_explained.errors import DataError, OutputError, TraceFileError
from lstm_explained.trace import LayerTrace, Trace, load_trace

HOSTILE = [
    ("path-none", "load_trace(None)", "TraceFileError: must be a file name, not None"),
    ("path-bytes", "load_trace(b'trace.npz')", "TraceFileError: a file name; decode it first"),
    ("path-folder", "load_trace on a folder", "TraceFileError: is a folder"),
    ("not-a-zip", "a text file named .npz", "TraceFileError: could not be read, corrupt"),
    ("zip-bomb-12-GB",
     "an 11.9 MB .npz whose forget gate is a real deflate stream of 12 GB of zeros, "
     "loaded in a process that cannot allocate 3 GB",
     "TraceFileError naming max_bytes, before any array is read (no MemoryError)"),
    ("over-budget", "a genuine trace loaded with max_bytes=1000",
     "TraceFileError: the declared bytes exceed max_bytes; nothing read"),
    ("metadata-bomb",
     "the JSON metadata member is a 400 MB string (JSON padded with zeros), 400 KB on disk",
     "TraceFileError: metadata larger than 16 MiB, not read"),
    ("metadata-not-text", "the metadata member is a float array",
     "TraceFileError: metadata must be one text"),
    ("metadata-deep-json", "metadata JSON nested 100 000 lists deep",
     "TraceFileError: metadata is not valid JSON (no RecursionError)"),
    ("million-layers", "metadata declaring 10^6 layers ({} each) with 21 arrays in the file",
     "TraceFileError: declares 1000000 layers; none built"),
    ("member-size-lie", "a member whose .npy header declares more data than the member holds",
     "TraceFileError: header disagrees with the member's size"),
    ("duplicate-member", "the zip holds layers/0/forget twice",
     "TraceFileError: in the file twice"),
    ("undeclared-member", "an extra member evil.npy the metadata does not declare",
     "TraceFileError: not declared by the metadata (refused, not ignored)"),
    ("missing-member", "the metadata declares layers/0/forget but the zip lacks it",
     "TraceFileError: declares 'layers/0/forget', which is missing"),
    ("pickled-object-array", "a gate member of dtype object whose pickle would mkdir a marker",
     "TraceFileError: dtype object not allowed; never unpickled (no marker)"),
    ("string-gates", "the forget gate stored as strings ('<U5')",
     "TraceFileError naming layers/0/forget and its dtype, at load, not in a view"),
    ("complex-gates", "the cell state stored as complex numbers",
     "TraceFileError: dtype complex128 not allowed"),
    ("mask-not-bool", "the mask stored as int8", "TraceFileError: a mask must be bool"),
    ("extra-structured", "an extra with a structured (record) dtype",
     "TraceFileError: dtype not allowed for extras"),
    ("shape-disagrees", "the candidate gate one timestep shorter than the other gates",
     "TraceFileError: shape disagrees with the layer's hidden state"),
    ("inputs-disagree", "inputs with 3 samples where the gates have 4",
     "TraceFileError: inputs shape disagrees"),
    ("units-disagree", "metadata units 7, arrays 3 units",
     "TraceFileError: hidden is not (N, T, units)"),
    ("units-string", "units '3'", "TraceFileError: field 'units' must be a whole number"),
    ("units-zero", "units 0", "TraceFileError: field 'units' must be a whole number >= 1"),
    ("units-bool", "units true", "TraceFileError: field 'units' must be a whole number"),
    ("activation-unknown", "activation 'evil'", "TraceFileError: field 'activation' must name"),
    ("kind-unknown", "a layer of kind 'peephole' (no such cell kind)",
     "TraceFileError: field 'kind' must name a cell kind"),
    ("kind-not-text", "a layer whose kind is the number 3",
     "TraceFileError: field 'kind' must name a cell kind"),
    ("activation-not-text", "recurrent_activation 5",
     "TraceFileError: field 'recurrent_activation' must name"),
    ("direction-sideways", "direction 'sideways'",
     "TraceFileError: field 'direction' must be 'forward' or 'backward'"),
    ("go-backwards-text", "go_backwards 'yes'",
     "TraceFileError: field 'go_backwards' must be true or false"),
    ("checked-int", "checked 1", "TraceFileError: field 'checked' must be true or false"),
    ("checked-samples-negative", "checked_samples -1",
     "TraceFileError: field 'checked_samples' must be a whole number >= 0"),
    ("checked-samples-float", "checked_samples 2.5",
     "TraceFileError: field 'checked_samples' must be a whole number"),
    ("error-text", "max_rel_error 'big' (once crashed repr())",
     "TraceFileError: field 'max_rel_error' must be a finite number"),
    ("error-infinite", "max_rel_error Infinity",
     "TraceFileError: field 'max_rel_error' must be a finite number"),
    ("tolerance-nan", "tolerance NaN", "TraceFileError: field 'tolerance' must be a finite number"),
    ("tolerance-negative", "tolerance -1",
     "TraceFileError: field 'tolerance' must be a finite number > 0"),
    ("checked-without-error", "checked true with max_rel_error null",
     "TraceFileError: marked checked but without max_rel_error"),
    ("error-above-tolerance", "checked true with error 1.0 above tolerance 1e-5",
     "TraceFileError: error above its tolerance"),
    ("name-not-text", "name 42", "TraceFileError: field 'name' must be a string"),
    ("key-not-text", "layer key null", "TraceFileError: field 'key' must be a string"),
    ("duplicate-layer-key", "two layers with the same key", "TraceFileError: two layers are named"),
    ("has-mask-text", "has_mask 'no'", "TraceFileError: field 'has_mask' must be true or false"),
    ("unknown-field", "a layer field 'evil' the format does not have",
     "TraceFileError: unknown field 'evil'"),
    ("missing-field", "a layer without 'units'", "TraceFileError: field 'units' is missing"),
    ("version-bool", "version true (== 1 in Python)", "TraceFileError: format version True"),
    ("unknown-top-key", "a metadata key 'evil'", "TraceFileError: unknown key 'evil'"),
    ("layers-not-list", "layers 'x'", "TraceFileError: 'layers' must be a list"),
    ("layer-not-object", "a layer entry that is the number 1",
     "TraceFileError: layer 0 must be a JSON object"),
    ("info-not-object", "info [1, 2]", "TraceFileError: 'info' must be a JSON object"),
    ("extras-not-list", "extras 'predictions'", "TraceFileError: 'extras' must be a list"),
    ("extra-name-not-text", "an extra named 5", "TraceFileError: extras names must be strings"),
    ("nan-and-inf-data", "NaN and inf in the hidden state",
     "loads: that is data; repr and select work"),
    ("layertrace-string-gates", "LayerTrace(...) built with string gates",
     "DataError: forget must hold numbers"),
    ("save-existing", "Trace.save over an existing file without overwrite",
     "OutputError: already exists; the old file unchanged"),
    ("save-symlink", "Trace.save to a symbolic link",
     "OutputError: a symbolic link; target unchanged"),
    ("save-folder", "Trace.save to a folder", "OutputError: is a folder"),
    ("save-none", "Trace.save(None)", "OutputError: must be a file name, not None"),
    ("save-bytes", "Trace.save(b'trace.npz')", "OutputError: a file name; decode it first"),
    ("save-unloadable", "Trace.save of a layer whose activation the loader would refuse",
     "DataError before writing; no file"),
    ("save-killed",
     "a process saving a 100 MB trace over an existing file, killed with SIGKILL mid-write",
     "the old file intact and loadable; a stale .part does not block the next save"),
]

META = "__lstm_explained_meta__.npy"
N_ARRAYS = 19  # the arrays of _trace(): 9 + 7 of its layers, 3 extras


# -- a genuine trace and the tools to forge it -----------------------------------------
def _layer(name, seed, features, **kw) -> LayerTrace:
    x = np.random.default_rng(seed).normal(size=(4, 6, features))
    run = run_lstm(x, LSTMWeights.random(features=features, units=3, seed=seed))
    return LayerTrace(name=name, layer_name=name, inputs=x, arrays=run, **kw)


def _trace() -> Trace:
    rng = np.random.default_rng(0)
    first = _layer("lstm", 0, 2, mask=rng.random((4, 6)) > 0.2,
                   initial_cell=rng.normal(size=(4, 3)), max_rel_error=2e-7, checked=True,
                   checked_samples=4, tolerance=1e-5)
    extras = {"predictions": rng.normal(size=(4, 2)).astype(np.float32),
              "dates": np.arange("2020-01-01", "2020-01-05", dtype="datetime64[D]"),
              "labels": np.array(["a", "b", "c", "d"])}
    return Trace([first, _layer("lstm_1", 1, 3)], info={"model": "toy"}, extras=extras)


def _members(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def _write(path: Path, members: list[tuple[str, bytes]]) -> None:
    path.unlink()
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # "Duplicate name": that is the point of one case
        for name, data in members:
            zf.writestr(name, data)


def _npy(arr) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asanyarray(arr), allow_pickle=False)
    return buf.getvalue()


def _npy_header(descr: str, shape: tuple[int, ...]) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue()


def _read(data: bytes) -> np.ndarray:
    return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)


def _replace(path: Path, name: str, data: bytes | None) -> None:
    """Replace member ``name`` (without .npy) by ``data``; None removes it."""
    members = [(n, data if n == name + ".npy" else b) for n, b in _members(path)]
    _write(path, [(n, b) for n, b in members if b is not None])


def _forge_meta(path: Path, change) -> None:
    members = dict(_members(path))
    header = json.loads(str(_read(members[META])))
    change(header)
    _replace(path, META[:-4], _npy(np.array(json.dumps(header))))


def _set_layer(field, value, layer=0):
    return lambda h: h["layers"][layer].__setitem__(field, value)


# -- a zip bomb, written as an attacker would ------------------------------------------
def _deflate_zeros(prefix: bytes, zeros: int, crc: bool) -> tuple[bytes, int]:
    """Raw deflate of ``prefix`` + ``zeros`` zero bytes, ~1000:1, without compressing them.

    Every 1 MiB of zeros is one block after a full flush (no back-references), so one
    compressed block repeated is a valid stream; the CRC is computed only when asked
    (12 GB would take long, and nothing may read that far anyway).
    """
    mib = 1 << 20
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = comp.compress(prefix) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(bytes(mib)) + comp.flush(zlib.Z_FULL_FLUSH)
    rest = comp.compress(bytes(zeros % mib)) + comp.flush(zlib.Z_FULL_FLUSH)
    stream = head + block * (zeros // mib) + rest + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    value = 0
    if crc:
        value = zlib.crc32(prefix)
        for _ in range(zeros // mib):
            value = zlib.crc32(bytes(mib), value)
        value = zlib.crc32(bytes(zeros % mib), value)
    return stream, value


def _write_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> None:
    """A zip of (name, raw deflate stream, crc, uncompressed size), zip64 where needed."""
    out, central = bytearray(), bytearray()
    for name, stream, crc, size in members:
        raw = name.encode()
        big = size >= 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 1, 16, size, len(stream)) if big else b""
        csize, usize = (0xFFFFFFFF, 0xFFFFFFFF) if big else (len(stream), size)
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0x21, crc, csize, usize,
                           len(raw), len(extra)) + raw + extra + stream
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 8, 0, 0x21, crc,
                               csize, usize, len(raw), len(extra), 0, 0, 0, 0, offset)
        central += raw + extra
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                      len(out), 0)
    path.write_bytes(bytes(out + central + end))


def _bomb(path: Path, name: str, prefix: bytes, zeros: int, crc: bool) -> None:
    """Rewrite ``path`` with member ``name`` replaced by ``prefix`` + ``zeros`` zeros."""
    members = []
    for n, data in _members(path):
        if n == name + ".npy":
            stream, value = _deflate_zeros(prefix, zeros, crc)
            members.append((n, stream, value, len(prefix) + zeros))
        else:
            comp = zlib.compressobj(6, zlib.DEFLATED, -15)
            members.append((n, comp.compress(data) + comp.flush(), zlib.crc32(data), len(data)))
    _write_zip(path, members)


def _load_in_small_process(path: Path, limit: int = 3 << 30) -> subprocess.CompletedProcess:
    """load_trace(path) in a process whose address space is capped at ``limit`` bytes."""
    code = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
        from lstm_explained.errors import TraceFileError
        from lstm_explained.trace import load_trace
        try:
            load_trace({str(path)!r})
        except TraceFileError as exc:
            print("REFUSED", exc)
    """)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)


# -- the cases, one function per id of the table ---------------------------------------
CASES: dict[str, Callable[[Path], None]] = {}


def case(case_id: str):
    def register(fn):
        CASES[case_id] = fn
        return fn

    return register


def _saved(tmp_path: Path) -> Path:
    return _trace().save(tmp_path / "t.npz")


def _refused(path: Path, match: str, **kw) -> TraceFileError:
    with pytest.raises(TraceFileError, match=match) as info:
        load_trace(path, **kw)
    assert str(path) in str(info.value)
    return info.value


@case("path-none")
def _path_none(tmp_path):
    with pytest.raises(TraceFileError, match="must be a file name .* not None"):
        load_trace(None)


@case("path-bytes")
def _path_bytes(tmp_path):
    with pytest.raises(TraceFileError, match="decode"):
        load_trace(b"trace.npz")


@case("path-folder")
def _path_folder(tmp_path):
    with pytest.raises(TraceFileError, match="is a folder"):
        load_trace(tmp_path)


@case("not-a-zip")
def _not_a_zip(tmp_path):
    path = tmp_path / "t.npz"
    path.write_text("just text")
    _refused(path, "corrupt")


@case("zip-bomb-12-GB")
def _zip_bomb(tmp_path):
    saved = _saved(tmp_path)
    gate = _npy_header("<f4", (2000, 500, 3000))
    _bomb(saved, "layers/0/forget", gate, 2000 * 500 * 3000 * 4, crc=False)
    assert saved.stat().st_size < 12_000_000  # the 11.7 MB file, give or take
    out = _load_in_small_process(saved)
    assert out.stdout.startswith("REFUSED"), out.stdout + out.stderr
    assert "max_bytes" in out.stdout and "layers/0/forget" in out.stdout
    assert "nothing was read" in out.stdout


@case("over-budget")
def _over_budget(tmp_path):
    saved = _saved(tmp_path)
    _refused(saved, r"more than max_bytes=1,000; nothing was read", max_bytes=1000)
    assert load_trace(saved, max_bytes=saved.stat().st_size * 10).equals(_trace())


@case("metadata-bomb")
def _metadata_bomb(tmp_path):
    saved = _saved(tmp_path)
    header = json.dumps({"format": "lstm-explained-trace", "version": 1, "info": {},
                         "layers": [], "extras": []})
    chars = 100_000_000
    text = header.encode("utf-32-le")
    _bomb(saved, META[:-4], _npy_header(f"<U{chars}", ()) + text, 4 * chars - len(text),
          crc=True)
    assert saved.stat().st_size < 1_000_000
    _refused(saved, r"metadata: it declares 400,000,000 bytes, larger than")


@case("metadata-not-text")
def _metadata_not_text(tmp_path):
    saved = _saved(tmp_path)
    _replace(saved, META[:-4], _npy(np.arange(3.0)))
    _refused(saved, "metadata: must be one text")


@case("metadata-deep-json")
def _metadata_deep_json(tmp_path):
    saved = _saved(tmp_path)
    _replace(saved, META[:-4], _npy(np.array("[" * 100_000 + "]" * 100_000)))
    _refused(saved, "metadata: not valid JSON")


@case("million-layers")
def _million_layers(tmp_path):
    saved = _saved(tmp_path)
    _forge_meta(saved, lambda h: h.update(layers=[{}] * 1_000_000))
    _refused(saved, f"declares 1000000 layers .* the file holds {N_ARRAYS}")


@case("member-size-lie")
def _member_size_lie(tmp_path):
    saved = _saved(tmp_path)
    _replace(saved, "layers/0/forget", _npy_header("<f8", (4, 6, 3)) + b"\0" * 10)
    _refused(saved, "'layers/0/forget': its header declares .* disagrees with the member's size")


@case("duplicate-member")
def _duplicate_member(tmp_path):
    saved = _saved(tmp_path)
    members = _members(saved)
    _write(saved, members + [m for m in members if m[0] == "layers/0/forget.npy"])
    _refused(saved, "'layers/0/forget' is in the file twice")


@case("undeclared-member")
def _undeclared_member(tmp_path):
    saved = _saved(tmp_path)
    _write(saved, _members(saved) + [("evil.npy", _npy(np.arange(3)))])
    _refused(saved, "'evil' is not declared by the metadata")


@case("missing-member")
def _missing_member(tmp_path):
    saved = _saved(tmp_path)
    _replace(saved, "layers/0/forget", None)
    _refused(saved, "declares 'layers/0/forget', which is missing")


class _Mkdir:
    """Unpickling this makes a folder: proof that something was unpickled."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


@case("pickled-object-array")
def _pickled_object_array(tmp_path):
    saved = _saved(tmp_path)
    marker = tmp_path / "unpickled"
    payload = pickle.dumps(_Mkdir(str(marker)), protocol=3)
    _replace(saved, "layers/0/forget", _npy_header("|O", (4, 6, 3)) + payload)
    _refused(saved, "'layers/0/forget': dtype object holds Python objects")
    assert not marker.exists()


FORGED_ARRAYS = {
    "string-gates": ("layers/0/forget", np.full((4, 6, 3), "gate!"),
                     "'layers/0/forget': dtype <U5 is not allowed"),
    "complex-gates": ("layers/0/cell", np.zeros((4, 6, 3), complex),
                      "'layers/0/cell': dtype complex128 is not allowed"),
    "mask-not-bool": ("layers/0/mask", np.ones((4, 6), np.int8), "a mask must be bool, not int8"),
    "extra-structured": ("extras/predictions", np.zeros(4, [("a", "f8")]),
                         "'extras/predictions': dtype .* is not allowed"),
    "shape-disagrees": ("layers/0/candidate", np.zeros((4, 5, 3)),
                        r"'layers/0/candidate': shape \(4, 5, 3\) disagrees"),
    "inputs-disagree": ("layers/0/inputs", np.zeros((3, 6, 2)),
                        r"'layers/0/inputs': shape \(3, 6, 2\) disagrees"),
}


def _forged_array(case_id: str) -> Callable[[Path], None]:
    member, value, match = FORGED_ARRAYS[case_id]

    def run(tmp_path: Path) -> None:
        saved = _saved(tmp_path)
        _replace(saved, member, _npy(value))
        _refused(saved, match)

    return run


FORGED_FIELDS = {
    "units-disagree": (_set_layer("units", 7), r"'layers/0/hidden': shape \(4, 6, 3\) is not"),
    "units-string": (_set_layer("units", "3"), "field 'units' must be a whole number >= 1"),
    "units-zero": (_set_layer("units", 0), "field 'units' must be a whole number >= 1"),
    "units-bool": (_set_layer("units", True), "field 'units' must be a whole number"),
    "activation-unknown": (_set_layer("activation", "evil"), "field 'activation' must name"),
    "kind-unknown": (_set_layer("kind", "peephole"), "field 'kind' must name a cell kind"),
    "kind-not-text": (_set_layer("kind", 3), "field 'kind' must name a cell kind"),
    "activation-not-text": (_set_layer("recurrent_activation", 5),
                            "field 'recurrent_activation' must name"),
    "direction-sideways": (_set_layer("direction", "sideways"), "field 'direction' must be"),
    "go-backwards-text": (_set_layer("go_backwards", "yes"), "'go_backwards' must be true or"),
    "checked-int": (_set_layer("checked", 1), "field 'checked' must be true or false"),
    "checked-samples-negative": (_set_layer("checked_samples", -1),
                                 "'checked_samples' must be a whole number >= 0"),
    "checked-samples-float": (_set_layer("checked_samples", 2.5),
                              "'checked_samples' must be a whole number"),
    "error-text": (_set_layer("max_rel_error", "big"), "'max_rel_error' must be a finite number"),
    "error-infinite": (_set_layer("max_rel_error", float("inf")),
                       "'max_rel_error' must be a finite number"),
    "tolerance-nan": (_set_layer("tolerance", float("nan")), "'tolerance' must be a finite"),
    "tolerance-negative": (_set_layer("tolerance", -1), "'tolerance' must be a finite number > 0"),
    "checked-without-error": (_set_layer("max_rel_error", None),
                              "marked checked but without max_rel_error"),
    "error-above-tolerance": (_set_layer("max_rel_error", 1.0), "above its tolerance"),
    "name-not-text": (_set_layer("name", 42), "field 'name' must be a string"),
    "key-not-text": (_set_layer("key", None), "layer 0: field 'key' must be a string"),
    "duplicate-layer-key": (_set_layer("key", "lstm", layer=1), "two layers are named 'lstm'"),
    "has-mask-text": (_set_layer("has_mask", "no"), "field 'has_mask' must be true or false"),
    "unknown-field": (_set_layer("evil", 1), "layer 0 .*unknown field 'evil'"),
    "missing-field": (lambda h: h["layers"][0].pop("units"), "field 'units' is missing"),
    "version-bool": (lambda h: h.update(version=True), "format version True"),
    "unknown-top-key": (lambda h: h.update(evil=1), "unknown key 'evil'"),
    "layers-not-list": (lambda h: h.update(layers="x"), "'layers' must be a list"),
    "layer-not-object": (lambda h: h["layers"].__setitem__(0, 1), "layer 0: must be a JSON"),
    "info-not-object": (lambda h: h.update(info=[1, 2]), "'info' must be a JSON object"),
    "extras-not-list": (lambda h: h.update(extras="predictions"), "'extras' must be a list"),
    "extra-name-not-text": (lambda h: h["extras"].__setitem__(0, 5),
                            "extras: names must be non-empty strings"),
}


def _forged_field(case_id: str) -> Callable[[Path], None]:
    change, match = FORGED_FIELDS[case_id]

    def run(tmp_path: Path) -> None:
        saved = _saved(tmp_path)
        _forge_meta(saved, change)
        _refused(saved, match)

    return run


CASES.update({k: _forged_array(k) for k in FORGED_ARRAYS})
CASES.update({k: _forged_field(k) for k in FORGED_FIELDS})


@case("nan-and-inf-data")
def _nan_and_inf_data(tmp_path):
    saved = _saved(tmp_path)
    hidden = _read(dict(_members(saved))["layers/1/hidden.npy"])
    hidden[0, 0, :] = [np.nan, np.inf, -np.inf]
    _replace(saved, "layers/1/hidden", _npy(hidden))
    back = load_trace(saved)
    assert np.isnan(back["lstm_1"].hidden[0, 0, 0]) and np.isinf(back["lstm_1"].hidden[0, 0, 1])
    assert "lstm_1" in repr(back) and back.select(0)["lstm_1"].n_samples == 1


@case("layertrace-string-gates")
def _layertrace_string_gates(tmp_path):
    lt = _layer("l", 0, 2)
    kw = {q: getattr(lt, q) for q in ("input", "candidate", "output", "cell", "hidden")}
    with pytest.raises(DataError, match="forget must hold numbers, not <U5"):
        LayerTrace(name="l", layer_name="l", inputs=lt.inputs,
                   forget=np.full(lt.hidden.shape, "gate!"), **kw)


# -- saving ----------------------------------------------------------------------------
@case("save-existing")
def _save_existing(tmp_path):
    saved = _saved(tmp_path)
    before = saved.read_bytes()
    with pytest.raises(OutputError, match="already exists"):
        _trace().save(saved)
    assert saved.read_bytes() == before
    assert _trace().save(saved, overwrite=True) == saved


@case("save-symlink")
def _save_symlink(tmp_path):
    saved = _saved(tmp_path)
    link = tmp_path / "link.npz"
    link.symlink_to(saved)
    before = saved.read_bytes()
    with pytest.raises(OutputError, match="symbolic link"):
        _trace().save(link, overwrite=True)
    assert saved.read_bytes() == before and link.is_symlink()


@case("save-folder")
def _save_folder(tmp_path):
    (tmp_path / "t.npz").mkdir()
    with pytest.raises(OutputError, match="is a folder"):
        _trace().save(tmp_path / "t.npz", overwrite=True)


@case("save-none")
def _save_none(tmp_path):
    with pytest.raises(OutputError, match="must be a file name .* not None"):
        _trace().save(None)


@case("save-bytes")
def _save_bytes(tmp_path):
    with pytest.raises(OutputError, match="decode"):
        _trace().save(os.fsencode(tmp_path / "t.npz"))
    assert list(tmp_path.iterdir()) == []


@case("save-unloadable")
def _save_unloadable(tmp_path):
    tr = _trace()
    tr["lstm"].activation = "evil"
    with pytest.raises(DataError, match="field 'activation' must name"):
        tr.save(tmp_path / "t.npz")
    assert list(tmp_path.iterdir()) == []


_SAVE_BIG = """
import sys
import numpy as np
from lstm_explained.trace import LayerTrace, Trace
z = np.random.default_rng(0).random((200, 100, 100))
big = LayerTrace(name="big", layer_name="big", forget=z, input=z, candidate=z, output=z,
                 cell=z, hidden=z, inputs=z)
print("saving", flush=True)
Trace([big]).save(sys.argv[1], overwrite=True)
print("saved", flush=True)
"""


def _kill_mid_write(path: Path) -> None:
    """Run a process that saves a big trace over ``path``; SIGKILL it while it writes.

    "While it writes": once a temporary file beside ``path`` has bytes in it, or ``path``
    itself changed (what an in-place write would do).
    """
    before = path.stat()
    proc = subprocess.Popen([sys.executable, "-c", _SAVE_BIG, str(path)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "saving\n"

    def size(p: Path) -> int:  # a temporary file may be renamed between glob and stat
        try:
            return p.stat().st_size
        except FileNotFoundError:
            return 0

    def writing() -> bool:
        parts = [p for p in path.parent.glob(f".{path.name}.*.part") if size(p) > 0]
        now = path.stat() if path.exists() else None
        changed = now is None or (now.st_ino, now.st_size, now.st_mtime_ns) != (
            before.st_ino, before.st_size, before.st_mtime_ns)
        return bool(parts) or changed

    while proc.poll() is None and not writing():
        time.sleep(0.002)
    if proc.poll() is not None:
        pytest.fail("the save finished before it could be killed; make the trace bigger")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL


@case("save-killed")
def _save_killed(tmp_path):
    saved = _saved(tmp_path)
    before = saved.read_bytes()
    _kill_mid_write(saved)
    assert saved.read_bytes() == before
    assert load_trace(saved).equals(_trace())
    leftovers = [p.name for p in tmp_path.iterdir() if p != saved]
    assert all(n.startswith(".t.npz.") and n.endswith(".part") for n in leftovers), leftovers
    new = Trace([_layer("other", 5, 2)])
    assert new.save(saved, overwrite=True) == saved  # a stale .part does not block it
    assert load_trace(saved).equals(new)
    assert load_trace(new.save(tmp_path / "again.npz")).equals(new)


SLOW = {"save-killed"}


@pytest.mark.parametrize("case_id", [
    pytest.param(row[0], marks=[pytest.mark.slow] if row[0] in SLOW else [])
    for row in HOSTILE
])
def test_hostile(case_id, tmp_path):
    CASES[case_id](tmp_path)


def test_every_case_of_the_table_is_tested():
    assert set(CASES) == {row[0] for row in HOSTILE}
