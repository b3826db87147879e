"""Safe file handling: atomic writes and paths kept inside our folders."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from gpt_sovits.errors import DiskFullError, UnsafePathError


def _fsync_dir(directory: Path) -> None:
    if os.name == "nt":  # directories cannot be opened for fsync on Windows
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """A temporary file in ``path``'s folder for a writer that needs a file name (an encoder, a tagger).

    When the block ends without error the file is flushed to disk and renamed over ``path``, so readers see
    the old file or the new one, never half; on any error (or interruption) it is removed. A full disk
    raises DiskFullError and leaves any existing file untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        if e.errno == errno.ENOSPC:
            raise DiskFullError(f"The disk is full: could not write {path.name}. Free some space and try again.") from e
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_output`)."""
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: Path, text: str) -> None:
    """Write UTF-8 text atomically (see :func:`write_bytes_atomic`)."""
    write_bytes_atomic(path, text.encode("utf-8"))


def resolve_inside(user_path: str | os.PathLike, allowed_roots: Iterable[Path]) -> Path:
    """Resolve a user-supplied path and require it to lie inside one of ``allowed_roots``.

    Relative paths are taken relative to the first root. Symbolic links are followed
    before the check, so a link pointing outside is refused. Raises UnsafePathError.
    """
    roots = [Path(r).resolve() for r in allowed_roots]
    if not roots:
        raise UnsafePathError("No folder is allowed for this request.")
    raw = os.fspath(user_path)
    if "\x00" in raw:
        raise UnsafePathError("The path contains a NUL character.")
    # NTFS alternate data streams ("file.wav:stream") and drive-relative tricks.
    if ":" in raw and not (len(raw) >= 2 and raw[1] == ":" and raw.count(":") == 1):
        raise UnsafePathError(f"The path {raw!r} is not allowed (':' is only valid after a drive letter).")
    candidate = Path(raw).expanduser()
    if not candidate.is_absolute():
        candidate = roots[0] / candidate
    resolved = candidate.resolve()
    for root in roots:
        if _is_within(resolved, root):
            return resolved
    names = ", ".join(str(r) for r in roots)
    raise UnsafePathError(f"The path {raw!r} is outside the folders the studio may use ({names}).")


def _is_within(path: Path, root: Path) -> bool:
    if os.name == "nt":
        path_s, root_s = os.path.normcase(str(path)), os.path.normcase(str(root))
        return path_s == root_s or path_s.startswith(root_s.rstrip("\\") + "\\")
    return path == root or root in path.parents


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
