"""PyTorch checkpoint archives read without running pickled code, and written as upstream writes them.

Upstream GPT-SoVITS files are ``torch.save`` zip archives (SoVITS exports sometimes with the first two
bytes replaced by a version code "00".."06"). Before anything is unpickled, the archive's pickle is
scanned and refused (UnsafeCheckpointError) if it names a global outside a short allow-list; only then
does torch's weights-only unpickler read it, with one extra safe class, :class:`UpstreamHParams`,
standing in for upstream's ``utils.HParams``.

Refusals and read failures are one plain line of our own: the file, what is wrong, and (for a
refusal) that nothing in it was run. PyTorch's own messages are only logged at debug level: they are
long, carry terminal escapes, and suggest ways around the check; at most a plain summary is logged.
"""

from __future__ import annotations

import io
import logging
import pickle
import pickletools
import re
import threading
import types
import zipfile
from pathlib import Path
from typing import Any

import torch

from gpt_sovits.errors import CheckpointError, ModelNotFoundError, UnsafeCheckpointError, plain_line
from gpt_sovits.models.sovits.detect import HEADER_CODES

logger = logging.getLogger(__name__)

_STORAGES = ("Half", "Float", "Double", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool")
ALLOWED_GLOBALS = frozenset(
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "utils.HParams",
        *(f"torch.{name}Storage" for name in _STORAGES),
    }
)
HPARAMS_GLOBAL = "utils.HParams"
_LOAD_LOCK = threading.Lock()
_SHOWN_NAME_RE = re.compile(r"[A-Za-z_][\w.]{0,79}|<unresolved>")
_MAX_PICKLES = 6  # a legacy (non-zip) torch file is a few pickles in a row, then raw storage bytes


class UpstreamHParams:
    """Harmless stand-in for upstream's ``utils.HParams``: an attribute bag, nested for sections."""

    def __init__(self, **entries: Any):
        for key, value in entries.items():
            setattr(self, key, UpstreamHParams(**value) if isinstance(value, dict) else value)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def __contains__(self, key: str) -> bool:
        return key in self.__dict__

    def keys(self):
        return self.__dict__.keys()

    def to_dict(self) -> dict:
        """Plain nested dicts."""
        return {k: v.to_dict() if isinstance(v, UpstreamHParams) else v for k, v in self.__dict__.items()}

    def __repr__(self) -> str:
        return f"HParams({self.__dict__!r})"


def file_label(path: Path | str) -> str:
    """A file's name as messages show it: one line, no control characters, not overly long."""
    return plain_line(Path(path).name, limit=120) or "the model file"


# ----- scanning a pickle without running it ----------------------------------------------------
_STRING_OPS = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINSTRING", "BINSTRING", "STRING"}
_TRANSPARENT_OPS = {"MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT", "FRAME", "PROTO"}


def pickle_globals(data: bytes | io.BytesIO) -> list[str]:
    """Every global (``module.name``) one pickle would import, found without unpickling it.

    A global whose name cannot be determined statically is reported as ``<unresolved>``.
    """
    found: list[str] = []
    memo: dict[int, str | None] = {}
    recent: list[str | None] = []  # values of recent pushes (str for string pushes, else None)
    for op, arg, _ in pickletools.genops(data):
        name = op.name
        if name in ("GLOBAL", "INST"):
            found.append(str(arg).replace(" ", "."))
        elif name == "STACK_GLOBAL":
            ok = len(recent) >= 2 and recent[-1] is not None and recent[-2] is not None
            found.append(f"{recent[-2]}.{recent[-1]}" if ok else "<unresolved>")
        elif name.startswith("EXT"):
            found.append("<unresolved>")
        if name == "MEMOIZE":
            memo[len(memo)] = recent[-1] if recent else None
        elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[int(arg)] = recent[-1] if recent else None
        elif name in ("GET", "BINGET", "LONG_BINGET"):
            recent.append(memo.get(int(arg)))
        elif name in _STRING_OPS:
            recent.append(str(arg))
        elif name not in _TRANSPARENT_OPS:
            recent.append(None)
    return found


def stream_globals(raw: bytes) -> list[str] | None:
    """Globals of the pickles at the start of ``raw`` (a legacy torch file holds several in a row).

    None when ``raw`` does not start with a pickle at all.
    """
    stream = io.BytesIO(raw)
    found: list[str] = []
    for index in range(_MAX_PICKLES):
        start = stream.tell()
        try:
            found.extend(pickle_globals(stream))
        except (ValueError, IndexError, KeyError, TypeError, EOFError):
            if index == 0:
                return None
            break
        if stream.tell() == start or stream.tell() >= len(raw):
            break
    return found


def refusal(name: str, forbidden: list[str] | tuple[str, ...] = ()) -> UnsafeCheckpointError:
    """Our one-line refusal of a file that holds code or objects; names at most three of them, sanitized."""
    shown = [item for item in forbidden if _SHOWN_NAME_RE.fullmatch(item)][:3]
    extra = len(forbidden) - len(shown)
    what = ", ".join(shown) + (f" and {extra} more" if shown and extra > 0 else "")
    detail = f" ({what})" if what else ""
    return UnsafeCheckpointError(
        f"Refused {name}: it holds code or Python objects{detail} that a model file never needs; "
        "nothing in it was run. Only use model files from sources you trust."
    )


def refuse_forbidden(referenced: list[str], name: str) -> None:
    """UnsafeCheckpointError when ``referenced`` names any global outside the allow-list."""
    forbidden = sorted(set(referenced) - ALLOWED_GLOBALS)
    if forbidden:
        raise refusal(name, forbidden)


# ----- reading upstream archives -------------------------------------------------------------
def read_bytes(path: Path) -> bytes:
    """A model file's bytes; ModelNotFoundError / CheckpointError in our words."""
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError) as e:
        raise ModelNotFoundError(f"model file not found: {file_label(path)}") from e
    except OSError as e:
        raise CheckpointError(f"cannot read {file_label(path)}: {plain_line(e.strerror or str(e), 120)}") from e


def _archive_bytes(path: Path) -> tuple[bytes, bytes | None]:
    """File bytes with "PK" restored, and the header code that replaced it (None for plain files)."""
    raw = read_bytes(path)
    name = file_label(path)
    header = raw[:2]
    if header in HEADER_CODES and raw[2:4] == b"\x03\x04":
        return b"PK" + raw[2:], header
    if raw[:4] != b"PK\x03\x04":
        refuse_forbidden(stream_globals(raw) or [], name)  # a bare pickle is never loaded, but one that
        raise not_an_archive(name)  # imports code is named as unsafe
    return raw, None


def not_an_archive(name: str) -> CheckpointError:
    """The error for a file that is neither a torch archive nor one of our native files."""
    return CheckpointError(
        f"{name} is not a PyTorch checkpoint archive (it does not start with a zip or GPT-SoVITS "
        "version header); expected a .pth/.ckpt file saved by GPT-SoVITS or a .safetensors file from this studio"
    )


def data_pickle(data: bytes, name: str) -> bytes:
    """The ``<folder>/data.pkl`` member of a torch zip archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.namelist() if m.endswith("/data.pkl") and m.count("/") == 1]
            if len(members) != 1:
                raise CheckpointError(f"{name} is a zip file but not a PyTorch checkpoint (no single data.pkl)")
            return archive.read(members[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError) as e:
        logger.debug("zip error in %s: %s", name, plain_line(e, 300))
        raise CheckpointError(f"{name} is damaged or truncated: it is not a complete zip archive.") from e


def archive_globals(data: bytes, name: str) -> list[str]:
    """The globals the archive's data.pkl names (CheckpointError when the pickle itself is damaged)."""
    try:
        return pickle_globals(data_pickle(data, name))
    except (ValueError, IndexError, KeyError, TypeError) as e:
        logger.debug("pickle scan error in %s: %s", name, plain_line(e, 300))
        raise CheckpointError(f"{name} is damaged: its pickle stream cannot be read.") from e


def torch_load_checked(data: bytes, name: str, extra_safe: list | None = None) -> Any:
    """torch.load(weights_only=True) with our messages (the file was scanned before)."""
    try:
        # The allow-list entry is process-wide while it exists; the lock keeps concurrent loads
        # from removing it under each other.
        with _LOAD_LOCK, torch.serialization.safe_globals(extra_safe or []):
            return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        logger.debug("weights-only unpickler refused %s (%s)", name, type(e).__name__)
        raise refusal(name) from None  # torch's own text (kept out of tracebacks in logs) advises bypasses
    except (RuntimeError, ValueError, EOFError, OSError, KeyError, IndexError, TypeError, AttributeError) as e:
        logger.debug("torch.load failed on %s: %s", name, plain_line(e, 300))
        raise CheckpointError(f"{name} is damaged or truncated: it could not be read as a PyTorch checkpoint.") from None


def read_upstream_archive(path: Path) -> tuple[Any, bytes | None]:
    """Safely load a GPT-SoVITS .pth/.ckpt: (top-level object, header code or None).

    Raises UnsafeCheckpointError (nothing is executed) when the pickle names a global
    outside the allow-list, CheckpointError for anything that is not a readable archive.
    """
    path = Path(path)
    name = file_label(path)
    data, header = _archive_bytes(path)
    refuse_forbidden(archive_globals(data, name), name)
    return torch_load_checked(data, name, [(UpstreamHParams, HPARAMS_GLOBAL)]), header


# ----- writing upstream archives -------------------------------------------------------------
class _UpstreamPickler(pickle._Pickler):
    """Pickler that writes our UpstreamHParams class as the global ``utils.HParams``."""

    def save_global(self, obj, name=None):
        if obj is UpstreamHParams:
            if self.proto >= 4:
                self.save("utils")
                self.save("HParams")
                self.write(pickle.STACK_GLOBAL)
            else:
                self.write(pickle.GLOBAL + b"utils\nHParams\n")
            self.memoize(obj)
            return
        super().save_global(obj, name)


_PICKLE_MODULE = types.SimpleNamespace(Pickler=_UpstreamPickler, __name__="gpt_sovits_upstream_pickle")


def write_upstream_archive(obj: Any, path: Path, header: bytes | None = None) -> None:
    """torch.save ``obj`` (UpstreamHParams pickled as utils.HParams), optionally with a 2-byte header."""
    from gpt_sovits.fileio import write_bytes_atomic

    buffer = io.BytesIO()
    torch.save(obj, buffer, pickle_module=_PICKLE_MODULE)
    data = buffer.getvalue()
    if header is not None:
        if len(header) != 2:
            raise ValueError(f"a GPT-SoVITS header is exactly 2 bytes, got {header!r}")
        data = header + data[2:]
    write_bytes_atomic(Path(path), data)
