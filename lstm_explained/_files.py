"""Every file the package writes goes through here: checked first, then written atomically.

Two promises, kept in one place:

* **Nothing of the user's is lost.** :func:`atomic_write` writes into a temporary file in
  the destination's folder and renames it over the destination only when the writing
  succeeded, so a crash or ``kill -9`` leaves the old file or no file, never a 0-byte or
  half-written one. An existing file is replaced only with ``overwrite=True``, and a
  symbolic link is never written through (a link planted in an output folder could point
  anywhere).
* **One clear error.** A path that cannot be used (``None``, bytes, a folder, a wrong
  suffix, a link, a read-only folder, a full disk) raises :class:`OutputError` naming
  the file and what to do, before any work where it can be known before.

The new file gets the permissions of any newly created file (``0o666`` minus the umask),
not the owner-only mode of a temporary file, so a web server can serve an exported page.

Example
-------
>>> import tempfile, os
>>> folder = tempfile.mkdtemp()
>>> p = write_bytes(os.path.join(folder, "a.txt"), b"hello")
>>> p.read_bytes()
b'hello'
>>> write_bytes(p, b"again")
Traceback (most recent call last):
...
lstm_explained.errors.OutputError: ... already exists; nothing was written. ...
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from lstm_explained.errors import OutputError


def as_path(path: object, what: str = "path") -> Path:
    """``path`` as a :class:`~pathlib.Path`, or a clear error for None, bytes and the like.

    Example
    -------
    >>> as_path(None, "trace file")
    Traceback (most recent call last):
    ...
    lstm_explained.errors.OutputError: the trace file must be a file name (str or ...), not None.
    """
    if isinstance(path, (str, os.PathLike)) and not isinstance(path, bytes):
        p = Path(path)
        if str(p) in ("", "."):
            raise OutputError(f"the {what} is empty; give a file name.")
        return p
    raise OutputError(
        f"the {what} must be a file name (str or pathlib.Path), not {path!r}."
        + (" Decode it first: path.decode()." if isinstance(path, bytes) else "")
    )


def check_target(
    path: object,
    *,
    overwrite: bool = False,
    suffixes: Sequence[str] | None = None,
    what: str = "file",
) -> Path:
    """Check that ``path`` may be written, before any work is done; return it as a Path.

    Refuses: a path that is not a str / PathLike, a suffix not in ``suffixes``, a folder,
    a symbolic link (even a dangling one), an existing file unless ``overwrite``, and a
    folder that cannot be created or written into.

    Raises
    ------
    OutputError
        With the file's name and what to do instead.
    """
    p = as_path(path, what)
    try:
        return _check_target(p, overwrite, suffixes)
    except OSError as exc:  # e.g. a name too long for the file system
        raise OutputError(f"cannot write {p}: {_reason(exc)}.") from None


def _check_target(p: Path, overwrite: bool, suffixes: Sequence[str] | None) -> Path:
    if suffixes is not None and p.suffix.lower() not in suffixes:
        raise OutputError(
            f"cannot tell the format of {p.name!r}: use a file name ending in "
            f"{' or '.join(suffixes)}."
        )
    if p.is_symlink():
        raise OutputError(
            f"{p} is a symbolic link (to {os.readlink(p)!r}); lstm-explained never writes "
            "through a link. Remove the link or choose another file name."
        )
    if p.is_dir():
        raise OutputError(f"{p} is a folder; give a file name inside it.")
    if p.exists() and not overwrite:
        raise OutputError(
            f"{p} already exists; nothing was written. Pass overwrite=True to replace it, "
            "or choose another file name."
        )
    parent = p.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the folder {parent} for {p.name}: {_reason(exc)}."
        ) from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot write {p.name} into {parent}: the folder is not writable. Choose another "
            "folder, or change its permissions."
        )
    return p


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_write(
    path: object,
    *,
    overwrite: bool = False,
    suffixes: Sequence[str] | None = None,
    what: str = "file",
) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it becomes ``path``, atomically.

    Write the whole file to the yielded path inside the ``with`` block. When the block
    ends normally the file is flushed to disk and renamed to ``path`` (replacing an
    existing file only when ``overwrite``); when it raises, the temporary file is removed
    and ``path`` is untouched.

    Example
    -------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "b.txt")
    >>> with atomic_write(target) as tmp:
    ...     _ = tmp.write_text("written whole or not at all")
    >>> open(target).read()
    'written whole or not at all'
    """
    p = check_target(path, overwrite=overwrite, suffixes=suffixes, what=what)
    try:
        fd, name = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".part")
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"cannot write {p}: {_reason(exc)}.") from None
    tmp = Path(name)
    try:
        try:
            yield tmp
        except OSError as exc:  # e.g. the disk filled up while the block wrote
            raise OutputError(f"cannot write {p}: {_reason(exc)}.") from None
        try:
            with open(tmp, "rb+") as f:  # the bytes are on disk before the rename
                os.fsync(f.fileno())
            os.chmod(tmp, _new_file_mode())
            if p.is_symlink():  # planted while we were writing
                raise OutputError(
                    f"{p} became a symbolic link while it was being written; nothing was "
                    "written through it."
                )
            if overwrite:
                os.replace(tmp, p)
            else:  # a hard link fails if the name exists: no race with another writer
                try:
                    os.link(tmp, p)
                except FileExistsError:
                    raise OutputError(
                        f"{p} appeared while it was being written; nothing was overwritten. "
                        "Pass overwrite=True to replace it."
                    ) from None
                except OSError:  # a file system without hard links
                    if p.exists():
                        raise OutputError(f"{p} already exists; nothing was overwritten.") from None
                    os.replace(tmp, p)
        except OSError as exc:
            raise OutputError(f"cannot write {p}: {_reason(exc)}.") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.unlink(missing_ok=True)  # after os.link, the temporary name is a second link


def write_bytes(
    path: object,
    data: bytes,
    *,
    overwrite: bool = False,
    suffixes: Sequence[str] | None = None,
    what: str = "file",
) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`); return the path."""
    with atomic_write(path, overwrite=overwrite, suffixes=suffixes, what=what) as tmp:
        tmp.write_bytes(data)
    return as_path(path, what)


def write_text(
    path: object,
    text: str,
    *,
    overwrite: bool = False,
    suffixes: Sequence[str] | None = None,
    what: str = "file",
) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically; return the path."""
    return write_bytes(
        path, text.encode("utf-8"), overwrite=overwrite, suffixes=suffixes, what=what
    )


__all__ = ["as_path", "atomic_write", "check_target", "write_bytes", "write_text"]
