"""Exception hierarchy with messages meant for the person using the studio.

Every error raised on purpose by this package derives from :class:`StudioError`.
The UI, the HTTP API and the CLI show ``str(error)`` to the user, so messages say
what went wrong and what to do about it, in plain words.
"""

from __future__ import annotations


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


class ModelNotFoundError(StudioError, FileNotFoundError):
    """A model file or pretrained asset is missing."""


class CheckpointError(StudioError):
    """A model file could not be read: unknown format, wrong version, unsafe content."""


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
