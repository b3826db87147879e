"""A voice's transcript list while it is being filled in.

``transcripts.list`` uses upstream's format (see :mod:`gpt_sovits.data.manifest`). Right after
clips are made their text is not known yet, so this module reads and writes the list with
empty texts allowed; every other rule of the format still holds. Dataset preparation reads
the same file strictly, which names each line that still has no text.
"""

from __future__ import annotations

from gpt_sovits.data.manifest import (
    LANGUAGE_CODES,
    SEPARATOR,
    ManifestEntry,
    ManifestError,
    normalize_language,
)
from gpt_sovits.data.workspace import Voice
from gpt_sovits.fileio import write_text_atomic

TRANSCRIPTS_FILE = "transcripts.list"
_EMPTY_TEXT_PROBLEM = "the text is empty"


def _problems_besides_empty_text(entry: ManifestEntry) -> list[str]:
    return [p for p in entry.problems() if not p.startswith(_EMPTY_TEXT_PROBLEM)]


def read_transcripts(voice: Voice) -> list[ManifestEntry]:
    """Every line of the voice's list, texts possibly empty; [] when there is no list yet.

    Raises ManifestError naming each malformed line (wrong field count, unknown language, duplicate).
    """
    path = voice.path(TRANSCRIPTS_FILE)
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ManifestError(f"{path.name} is not valid UTF-8; save it as UTF-8.") from e
    entries: list[ManifestEntry] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for line_no, line in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split(SEPARATOR)]
        if len(fields) != 4:
            problems.append(f"line {line_no}: expected 4 fields path|speaker|language|text, found {len(fields)}")
            continue
        try:
            language = normalize_language(fields[2])
        except ManifestError:
            problems.append(f"line {line_no}: unknown language {fields[2]!r}; use one of {', '.join(LANGUAGE_CODES)}")
            continue
        entry = ManifestEntry(fields[0], fields[1], language, fields[3])
        first = seen.setdefault(entry.name, line_no)
        if first != line_no:
            problems.append(f"line {line_no}: the file name {entry.name} is also used on line {first}")
        problems += [f"line {line_no}: {p}" for p in _problems_besides_empty_text(entry)]
        entries.append(entry)
    if problems:
        raise ManifestError([f"{path.name}: {p}" for p in problems])
    return entries


def write_transcripts(voice: Voice, entries: list[ManifestEntry]) -> None:
    """Write the voice's list atomically; empty texts are allowed, every other problem raises ManifestError."""
    problems = [f"line {i}: {p}" for i, e in enumerate(entries, start=1) for p in _problems_besides_empty_text(e)]
    names: dict[str, int] = {}
    for i, entry in enumerate(entries, start=1):
        first = names.setdefault(entry.name, i)
        if first != i:
            problems.append(f"line {i}: the file name {entry.name} is also used on line {first}")
    if problems:
        raise ManifestError([f"{TRANSCRIPTS_FILE}: {p}" for p in problems])
    write_text_atomic(voice.path(TRANSCRIPTS_FILE), "".join(e.to_line() + "\n" for e in entries))


def missing_text(entries: list[ManifestEntry]) -> list[ManifestEntry]:
    """The entries whose text is still empty."""
    return [e for e in entries if not e.text.strip()]
