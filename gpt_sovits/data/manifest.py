"""The transcript list of a training set, in upstream's ``.list`` format.

One utterance per line, UTF-8: ``audio_path|speaker|language|text``. Upstream keys every utterance
by the audio file's base name and ignores the speaker. The format has no escaping, so a ``|`` or a
line break inside a field cannot be stored: we refuse such entries with the line number instead of
writing a file upstream would misread (``clean_field_text`` offers an explicit replacement).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from gpt_sovits.errors import ConfigError
from gpt_sovits.fileio import write_text_atomic

logger = logging.getLogger(__name__)

SEPARATOR = "|"
LANGUAGE_CODES = ("zh", "en", "ja", "ko", "yue")
# Upstream accepts these tags in any of a few capitalisations; "jp" is its old name for Japanese.
_LANGUAGE_ALIASES = {"zh": "zh", "en": "en", "ja": "ja", "jp": "ja", "ko": "ko", "yue": "yue"}


class ManifestError(ConfigError):
    """A transcript list that cannot be read or written; ``problems`` names every bad line."""


@dataclass(frozen=True)
class ManifestEntry:
    """One utterance: its audio file, speaker name, language code and transcript."""

    audio_path: str
    speaker: str
    language: str
    text: str

    @property
    def name(self) -> str:
        """The audio file's base name, upstream's utterance key (Windows or POSIX separators)."""
        return PureWindowsPath(PurePosixPath(self.audio_path).name).name

    def problems(self) -> list[str]:
        """Everything that keeps this entry from being stored in or used from a .list file."""
        out = []
        for label, value in (("audio path", self.audio_path), ("speaker", self.speaker), ("text", self.text)):
            if SEPARATOR in value:
                out.append(f"the {label} contains '|', which the .list format uses to separate fields; "
                           "remove it or replace it (for example with '/')")  # fmt: skip
            if "\n" in value or "\r" in value:
                out.append(f"the {label} contains a line break; each utterance must fit on one line")
        if not self.audio_path.strip():
            out.append("the audio path is empty")
        if not self.text.strip():
            out.append("the text is empty; type what is said in the clip or remove the line")
        if self.language not in LANGUAGE_CODES:
            out.append(f"unknown language {self.language!r}; use one of {', '.join(LANGUAGE_CODES)}")
        return out

    def to_line(self) -> str:
        return SEPARATOR.join((self.audio_path, self.speaker, self.language, self.text))


def normalize_language(tag: str) -> str:
    """Map a .list language tag (zh, ZH, ja, JA, jp, JP, en, EN, En, ko, KO, yue, YUE, ...) to our code."""
    code = _LANGUAGE_ALIASES.get(tag.strip().lower())
    if code is None:
        raise ManifestError(f"Unknown language {tag!r}; use one of {', '.join(LANGUAGE_CODES)}.")
    return code


def clean_field_text(text: str) -> str:
    """Make free text storable: line breaks become spaces and '|' becomes '/'; spaces are collapsed."""
    return re.sub(r"\s+", " ", text.replace(SEPARATOR, "/")).strip()


def _parse_line(line: str, line_no: int) -> tuple[ManifestEntry | None, list[str]]:
    fields = line.split(SEPARATOR)
    if len(fields) != 4:
        hint = " (the text probably contains '|')" if len(fields) > 4 else ""
        return None, [f"line {line_no}: expected 4 fields path|speaker|language|text but found {len(fields)}{hint}"]
    path, speaker, tag, text = (f.strip() for f in fields)
    code = _LANGUAGE_ALIASES.get(tag.lower(), tag)
    entry = ManifestEntry(path, speaker, code, text)
    return entry, [f"line {line_no}: {p}" for p in entry.problems()]


def _duplicates(entries: list[tuple[int, ManifestEntry]]) -> dict[int, str]:
    """{line number: problem} for entries whose file name was already used on an earlier line."""
    seen: dict[str, int] = {}
    out = {}
    for line_no, entry in entries:
        first = seen.setdefault(entry.name, line_no)
        if first != line_no:
            out[line_no] = (f"line {line_no}: the file name {entry.name} is also used on line {first}; "
                            "utterances are keyed by file name, so rename one of the files")  # fmt: skip
    return out


def parse_manifest(text: str) -> tuple[list[ManifestEntry], list[str]]:
    """Parse .list text: (valid entries in order, problems each naming its line). Blank lines are skipped."""
    entries: list[tuple[int, ManifestEntry]] = []
    problems: list[str] = []
    for line_no, line in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        entry, line_problems = _parse_line(line, line_no)
        problems += line_problems
        if entry is not None and not line_problems:
            entries.append((line_no, entry))
    duplicates = _duplicates(entries)
    problems += duplicates.values()
    return [e for n, e in entries if n not in duplicates], problems


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line_no = data[: e.start].count(b"\n") + 1
        raise ManifestError(f"{path.name}: line {line_no} is not valid UTF-8; save the file as UTF-8.") from e


def read_manifest(path: str | Path, strict: bool = True) -> list[ManifestEntry]:
    """Read a .list file. ``strict`` raises ManifestError naming every bad line; otherwise bad lines are
    skipped with a logged warning each (upstream's behaviour for unknown languages)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise ManifestError(f"Transcript list not found: {path}.") from e
    entries, problems = parse_manifest(_decode(data, path))
    if problems and strict:
        raise ManifestError([f"{path.name}: {p}" for p in problems])
    for p in problems:
        logger.warning("%s: skipped %s", path.name, p)
    return entries


def write_manifest(path: str | Path, entries: list[ManifestEntry]) -> None:
    """Validate every entry, then write the .list atomically (UTF-8, '\\n' line ends, final newline).

    Raises ManifestError naming each bad entry by its line number in the file that would be written.
    """
    problems = [f"line {i}: {p}" for i, e in enumerate(entries, start=1) for p in e.problems()]
    problems += _duplicates(list(enumerate(entries, start=1))).values()
    if problems:
        raise ManifestError([f"{Path(path).name}: {p}" for p in problems])
    write_text_atomic(Path(path), "".join(e.to_line() + "\n" for e in entries))


def resolve_audio_path(entry: ManifestEntry, manifest_path: str | Path, audio_dir: str | Path | None = None) -> Path:
    """Where an entry's audio is: ``audio_dir``/base name when a folder is given (upstream's rule),
    else the path itself, relative paths taken from the .list file's folder."""
    if audio_dir is not None:
        return Path(audio_dir) / entry.name
    candidate = Path(entry.audio_path)
    return candidate if candidate.is_absolute() else Path(manifest_path).parent / candidate
