"""Tests of lstm_explained._files: the one atomic, careful way the package writes files."""

from __future__ import annotations

import os

import pytest

from lstm_explained._files import as_path, atomic_write, check_target, write_bytes
from lstm_explained.errors import OutputError


def test_write_is_whole_and_refuses_to_overwrite(tmp_path):
    p = write_bytes(tmp_path / "a.bin", b"first")
    with pytest.raises(OutputError, match="already exists"):
        write_bytes(p, b"second")
    assert p.read_bytes() == b"first"
    write_bytes(p, b"second", overwrite=True)
    assert p.read_bytes() == b"second"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.bin"]  # no temporary file left


def test_a_failing_block_leaves_the_old_file_and_no_temporary_file(tmp_path):
    p = write_bytes(tmp_path / "a.bin", b"good")
    with pytest.raises(RuntimeError), atomic_write(p, overwrite=True) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("killed half-way")
    assert p.read_bytes() == b"good"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.bin"]


def test_an_os_error_in_the_block_becomes_one_clear_error(tmp_path):
    with pytest.raises(OutputError, match="cannot write"), atomic_write(tmp_path / "x") as tmp:
        raise OSError(28, "No space left on device", str(tmp))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["to-a-file", "dangling"])
def test_never_writes_through_a_link(tmp_path, kind):
    target = tmp_path / "victim.txt"
    if kind == "to-a-file":
        target.write_text("precious")
    link = tmp_path / "out.txt"
    link.symlink_to(target)
    with pytest.raises(OutputError, match="symbolic link"):
        write_bytes(link, b"x", overwrite=True)
    assert not target.exists() or target.read_text() == "precious"


@pytest.mark.parametrize("bad", [None, b"a.txt", 3, "", "."])
def test_paths_that_are_not_file_names(bad):
    with pytest.raises(OutputError, match="file name|empty"):
        as_path(bad)


def test_a_name_too_long_for_the_file_system(tmp_path):
    with pytest.raises(OutputError, match="cannot write"):
        check_target(tmp_path / ("x" * 5000 + ".html"))


def test_suffix_and_folder(tmp_path):
    with pytest.raises(OutputError, match="ending in .html"):
        check_target(tmp_path / "a.txt", suffixes=(".html",))
    with pytest.raises(OutputError, match="is a folder"):
        check_target(tmp_path)


def test_new_files_get_the_usual_mode(tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    p = write_bytes(tmp_path / "m.txt", b"x")
    assert p.stat().st_mode & 0o777 == 0o666 & ~umask
