"""Tests of lstm_explained.trace: the data classes, sample selection and save / load."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from lstm_explained import _trace_meta
from lstm_explained.engine import LSTMWeights, run_lstm
from lstm_explained.errors import DataError, OutputError, TraceFileError
from lstm_explained.trace import FORMAT_VERSION, LayerTrace, Trace, load_trace


def _layer(name="lstm", n=4, t=6, units=3, features=2, seed=0, **kw) -> LayerTrace:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, t, features))
    run = run_lstm(x, LSTMWeights.random(features=features, units=units, seed=seed))
    return LayerTrace(name=name, layer_name=name.split("/")[0], inputs=x, arrays=run, **kw)


def _trace() -> Trace:
    rng = np.random.default_rng(1)
    mask = rng.random((4, 6)) > 0.3
    fwd = _layer("bi/forward", mask=mask, max_rel_error=3e-7, checked=True,
                 checked_samples=4, tolerance=1e-5)
    bwd = _layer("bi/backward", seed=2, direction="backward", go_backwards=True, mask=mask,
                 initial_cell=rng.normal(size=(4, 3)), initial_hidden=rng.normal(size=(4, 3)))
    top = _layer("lstm_1", units=5, features=6, seed=3).select(slice(None))
    extras = {
        "predictions": rng.normal(size=(4, 2)).astype(np.float32),
        "dates": np.arange("2020-01-01", "2020-01-05", dtype="datetime64[D]"),
        "labels": np.array(["a", "b", "c", "d"]),
        "scalar": np.array(7),
    }
    info = {"model": "seed", "window": 6, "nested": {"a": [1, 2.5, None]}}
    return Trace([fwd, bwd, top], info=info, extras=extras)


def test_mapping_interface_in_model_order():
    tr = _trace()
    assert list(tr) == ["bi/forward", "bi/backward", "lstm_1"] == tr.layer_names
    assert len(tr) == 3
    assert tr["lstm_1"].units == 5
    assert [lt.name for lt in tr.values()] == tr.layer_names
    assert tr.n_samples == 4
    assert tr.n_timesteps == {"bi/forward": 6, "bi/backward": 6, "lstm_1": 6}
    with pytest.raises(KeyError, match="lstm_1"):
        tr["nope"]


def test_verified_needs_every_layer_checked():
    tr = _trace()
    assert not tr.verified
    assert tr.max_rel_error == 3e-7
    for lt in tr.values():
        lt.checked = True
    assert tr.verified
    assert not Trace([]).verified


def test_round_trip_is_lossless(tmp_path):
    tr = _trace()
    path = tr.save(tmp_path / "sub" / "trace.npz")
    back = load_trace(path)
    assert back.equals(tr)
    assert back.info == tr.info
    assert back["bi/backward"].go_backwards is True
    assert back["bi/forward"].max_rel_error == 3e-7
    assert back["bi/forward"].mask.dtype == bool
    assert back.extras["dates"].dtype == np.dtype("datetime64[D]")
    assert back.extras["predictions"].dtype == np.float32
    assert back["lstm_1"].mask is None and back["lstm_1"].initial_cell is None
    np.testing.assert_array_equal(back["bi/backward"].initial_cell, tr["bi/backward"].initial_cell)


def test_save_appends_npz_suffix(tmp_path):
    path = _trace().save(tmp_path / "trace")
    assert path.name == "trace.npz" and path.is_file()


def test_equals_detects_a_changed_value(tmp_path):
    tr = _trace()
    back = load_trace(tr.save(tmp_path / "t.npz"))
    back["lstm_1"].hidden[0, 0, 0] += 1e-12
    assert not back.equals(tr)


def test_missing_file(tmp_path):
    with pytest.raises(TraceFileError, match="does not exist"):
        load_trace(tmp_path / "missing.npz")


def test_corrupt_file(tmp_path):
    path = _trace().save(tmp_path / "t.npz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(TraceFileError, match="corrupt"):
        load_trace(path)
    path.write_bytes(b"this is not a zip file at all")
    with pytest.raises(TraceFileError):
        load_trace(path)


def test_foreign_npz(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, a=np.arange(3))
    with pytest.raises(TraceFileError, match="not an lstm-explained trace"):
        load_trace(path)


def _rewrite_header(path, change):
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    key = "__lstm_explained_meta__"
    header = json.loads(str(arrays[key]))
    change(header)
    arrays[key] = np.array(json.dumps(header))
    np.savez_compressed(path, **arrays)


def test_wrong_version(tmp_path):
    path = _trace().save(tmp_path / "t.npz")
    _rewrite_header(path, lambda h: h.update(version=FORMAT_VERSION + 1))
    with pytest.raises(TraceFileError, match="version"):
        load_trace(path)


def test_wrong_format_name(tmp_path):
    path = _trace().save(tmp_path / "t.npz")
    _rewrite_header(path, lambda h: h.update(format="something-else"))
    with pytest.raises(TraceFileError, match="not an lstm-explained trace"):
        load_trace(path)


def test_missing_array_is_corrupt(tmp_path):
    path = _trace().save(tmp_path / "t.npz")
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files if k != "layers/0/forget"}
    np.savez_compressed(path, **arrays)
    with pytest.raises(TraceFileError, match="corrupt"):
        load_trace(path)


def test_garbage_metadata_is_corrupt(tmp_path):
    path = tmp_path / "t.npz"
    np.savez(path, __lstm_explained_meta__=np.array("{not json"))
    with pytest.raises(TraceFileError):
        load_trace(path)
    assert zipfile.is_zipfile(path)


def test_unsaveable_extras_and_info(tmp_path):
    """What load_trace would refuse is refused by save, before anything is written."""
    for key, value, match in [
        ("obj", np.array([object()], dtype=object), "an object array cannot be saved"),
        ("z", np.zeros(3, complex), "a complex128 array cannot be saved"),
        (5, np.zeros(3), "extras: names must be non-empty strings"),
    ]:
        tr = _trace()
        tr.extras[key] = value
        with pytest.raises(DataError, match=match):
            tr.save(tmp_path / "t.npz")
    tr = _trace()
    tr.info["bad"] = object()
    with pytest.raises(DataError, match="JSON"):
        tr.save(tmp_path / "t.npz")
    assert list(tmp_path.iterdir()) == []


def test_save_needs_overwrite_to_replace(tmp_path):
    path = _trace().save(tmp_path / "t.npz")
    other = Trace([_layer("other", seed=9)])
    with pytest.raises(OutputError, match="already exists"):
        other.save(path)
    assert load_trace(path).equals(_trace())
    assert load_trace(other.save(path, overwrite=True)).equals(other)
    assert [p.name for p in tmp_path.iterdir()] == ["t.npz"]  # no temporary file left


def test_load_max_bytes(tmp_path):
    path = _trace().save(tmp_path / "t.npz")
    with pytest.raises(TraceFileError, match="max_bytes"):
        load_trace(path, max_bytes=100)
    with pytest.raises(DataError, match="max_bytes must be a whole number"):
        load_trace(path, max_bytes="1 GB")


def test_renamed_field_loads_through_its_alias(tmp_path, monkeypatch):
    """A field renamed later still loads from old files: one line in RENAMED_FIELDS."""
    path = _trace().save(tmp_path / "t.npz")

    def rename(header):
        for meta in header["layers"]:
            meta["old_error"] = meta.pop("max_rel_error")

    _rewrite_header(path, rename)
    with pytest.raises(TraceFileError, match="unknown field 'old_error'"):
        load_trace(path)
    monkeypatch.setitem(_trace_meta.RENAMED_FIELDS, "old_error", "max_rel_error")
    assert load_trace(path).equals(_trace())


def test_files_from_before_max_rel_error_was_named_so_still_load(tmp_path):
    path = _trace().save(tmp_path / "t.npz")

    def rename(header):
        for meta in header["layers"]:
            meta["max_abs_error"] = meta.pop("max_rel_error")

    _rewrite_header(path, rename)
    assert load_trace(path).equals(_trace())


def test_select_samples_keeps_layers_and_extras():
    tr = _trace()
    one = tr.select(2)
    assert one.n_samples == 1
    np.testing.assert_array_equal(one["bi/forward"].hidden[0], tr["bi/forward"].hidden[2])
    np.testing.assert_array_equal(one["bi/forward"].mask[0], tr["bi/forward"].mask[2])
    np.testing.assert_array_equal(one.extras["predictions"][0], tr.extras["predictions"][2])
    assert one.extras["scalar"] == 7
    some = tr.select(np.array([3, 0]))
    np.testing.assert_array_equal(some["lstm_1"].cell[0], tr["lstm_1"].cell[3])
    np.testing.assert_array_equal(
        some["bi/backward"].initial_cell[1], tr["bi/backward"].initial_cell[0]
    )
    assert tr.select(slice(1, 3)).n_samples == 2
    assert tr.select(-1)["lstm_1"].n_samples == 1
    with pytest.raises(DataError, match="out of range"):
        tr.select(4)
    with pytest.raises(DataError):
        tr.select(np.array([0.5]))


def test_in_input_order_flips_only_backward():
    tr = _trace()
    fwd, bwd = tr["bi/forward"], tr["bi/backward"]
    assert fwd.in_input_order("hidden") is fwd.hidden
    np.testing.assert_array_equal(bwd.in_input_order("inputs"), bwd.inputs[:, ::-1])
    np.testing.assert_array_equal(bwd.in_input_order("mask"), bwd.mask[:, ::-1])
    assert tr["lstm_1"].in_input_order("mask") is None
    with pytest.raises(DataError, match="unknown quantity"):
        fwd.in_input_order("gates")


def test_previous_cell_starts_from_initial_state():
    bwd = _trace()["bi/backward"]
    np.testing.assert_array_equal(bwd.previous_cell[:, 0], bwd.initial_cell)
    np.testing.assert_array_equal(bwd.previous_cell[:, 1:], bwd.cell[:, :-1])


def test_layer_trace_validates_shapes():
    lt = _layer()
    kw = {q: getattr(lt, q) for q in ("forget", "input", "candidate", "output", "cell", "hidden")}
    with pytest.raises(DataError, match="candidate"):
        LayerTrace(name="x", layer_name="x", inputs=lt.inputs,
                   **{**kw, "candidate": lt.candidate[:, :-1]})
    with pytest.raises(DataError, match="inputs"):
        LayerTrace(name="x", layer_name="x", inputs=lt.inputs[:, :-1], **kw)
    with pytest.raises(DataError, match="mask"):
        LayerTrace(name="x", layer_name="x", inputs=lt.inputs, mask=np.ones((4, 5)), **kw)
    with pytest.raises(DataError, match="direction"):
        LayerTrace(name="x", layer_name="x", inputs=lt.inputs, direction="up", **kw)
    with pytest.raises(DataError, match="unique"):
        Trace([lt, lt])
    with pytest.raises(DataError, match="units is 7 but the arrays have 3"):
        LayerTrace(name="x", layer_name="x", inputs=lt.inputs, units=7, **kw)
    with pytest.raises(DataError, match="at least one unit"):
        LayerTrace(name="x", layer_name="x", inputs=lt.inputs,
                   **{k: v[..., :0] for k, v in kw.items()})
    with pytest.raises(DataError, match="inputs must hold numbers, not object"):
        LayerTrace(name="x", layer_name="x", inputs=lt.inputs.astype(object), **kw)


def test_repr_mentions_check_status():
    tr = _trace()
    assert "checked" in repr(tr["bi/forward"]) and "not checked" in repr(tr["lstm_1"])
    assert "Trace([" in repr(tr)
    tr["lstm_1"].checked, tr["lstm_1"].max_rel_error = True, "set by hand"
    assert "max rel. error 'set by hand'" in repr(tr["lstm_1"])


def test_loading_does_not_import_tensorflow(tmp_path):
    path = _trace().save(tmp_path / "t.npz")
    code = (
        "import sys, lstm_explained.trace as t\n"
        f"tr = t.load_trace({str(path)!r})\n"
        "tr['bi/forward'].saturation(); tr['bi/forward'].ledger()\n"
        "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]\n"
        "print(len(tr), bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == "3 []"


def test_version_1_files_load_as_lstm_traces(tmp_path):
    """Format 1 (before cell kinds) had no 'kind': every layer was an LSTM."""
    path = _trace().save(tmp_path / "t.npz")

    def to_version_1(header):
        header["version"] = 1
        for meta in header["layers"]:
            del meta["kind"]
            meta["max_abs_error"] = meta.pop("max_rel_error")

    _rewrite_header(path, to_version_1)
    loaded = load_trace(path)
    assert loaded.equals(_trace()) and all(lt.kind == "lstm" for lt in loaded.values())


def test_every_layer_carries_its_kind_and_arrays_by_name(tmp_path):
    tr = _trace()
    lt = next(iter(tr.values()))
    assert lt.kind == "lstm" and list(lt.arrays) == list(lt.spec.names)
    assert lt.forget is lt.arrays["forget"]
    back = load_trace(tr.save(tmp_path / "t.npz"))
    assert [b.kind for b in back.values()] == ["lstm"] * len(tr)

    def unknown_kind(header):
        header["layers"][0]["kind"] = "peephole"

    _rewrite_header(tmp_path / "t.npz", unknown_kind)
    with pytest.raises(TraceFileError, match="field 'kind' must name a cell kind"):
        load_trace(tmp_path / "t.npz")
