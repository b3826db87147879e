"""Exception hierarchy with messages meant for the person using the studio.

Every error raised on purpose by this package derives from :class:`StudioError`.
The UI, the HTTP API and the CLI show ``str(error)`` to the user, so messages say
what went wrong and what to do about it, in plain words.
"""

from __future__ import annotations

import re

_ESCAPES_RE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-_])")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


class StudioError(Exception):
    """Base class: an expected failure with a message a user can act on."""


class ConfigError(StudioError, ValueError):
    """Settings that are invalid; the message lists every problem found."""

    def __init__(self, problems: list[str] | str):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class UnsafePathError(StudioError, PermissionError):
    """A user-supplied path points outside the folders the studio may use."""


class ModelError(StudioError):
    """A model file cannot be used: missing, unreadable, damaged, unsafe or not the model asked for.

    The message names the file and what is wrong with it, in one line.
    """


class ModelNotFoundError(ModelError, FileNotFoundError):
    """A model file or pretrained asset is missing."""


class CheckpointError(ModelError):
    """A model file could not be read: unknown format, wrong version, damaged, unsafe content."""


class UnsafeCheckpointError(CheckpointError):
    """A model file tries to run code or load objects we do not allow."""


class DownloadError(StudioError):
    """A download failed: network, checksum or disk problems."""


class AudioError(StudioError, ValueError):
    """Audio that cannot be used: unreadable, empty, silent, too long, wrong format."""


class TextError(StudioError, ValueError):
    """Text that cannot be turned into speech: empty, unsupported script, bad markup."""


class DiskFullError(StudioError, OSError):
    """Not enough free disk space to write a file; nothing already saved was touched."""


def plain_line(text: object, limit: int = 2000) -> str:
    """``text`` as one plain line: terminal escapes removed, control characters and line breaks as
    spaces, runs of spaces collapsed, cut to ``limit`` characters (ending in "…")."""
    line = _CONTROL_RE.sub(" ", _ESCAPES_RE.sub("", str(text)))
    line = " ".join(line.split())
    return line if len(line) <= limit else line[: max(limit - 1, 0)].rstrip() + "…"
