"""User pronunciation dictionaries: one global file and one per voice, overriding G2P.

File format (UTF-8 text): one entry a line, ``word<TAB or spaces>pronunciation``;
Chinese words take toned pinyin, one syllable per character (``银行  yin2 hang2``);
English words take ARPAbet (``GIF  JH IH1 F``); ``#`` starts a comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gpt_sovits.errors import TextError
from gpt_sovits.text.markup import override_phones


@dataclass(frozen=True)
class Entry:
    """One dictionary entry: ``phones`` are phone symbols, ``spec`` the text as written."""

    word: str
    spec: str
    lang: str
    phones: tuple[str, ...]


@dataclass
class PronunciationDictionary:
    """Word -> pronunciation; later entries (and merged dictionaries) override earlier ones."""

    entries: dict[str, Entry] = field(default_factory=dict)

    def add(self, word: str, spec: str) -> Entry:
        """Validate and add one entry (raises TextError)."""
        word = word.strip()
        lang, phones = override_phones(word, spec)
        entry = Entry(word, " ".join(spec.split()), lang, tuple(phones))
        self.entries[word.lower() if lang == "en" else word] = entry
        return entry

    def merged(self, other: PronunciationDictionary | None) -> PronunciationDictionary:
        """A new dictionary: this one overridden by ``other`` (e.g. global, then per voice)."""
        out = PronunciationDictionary(dict(self.entries))
        if other is not None:
            out.entries.update(other.entries)
        return out

    def english(self) -> Mapping[str, list[str]]:
        """Lower-case English word -> ARPAbet, as the English G2P takes it."""
        return {k: list(e.phones) for k, e in self.entries.items() if e.lang == "en"}

    def chinese(self) -> dict[str, Entry]:
        """Chinese word -> entry, longest words first (for greedy matching)."""
        items = [(k, e) for k, e in self.entries.items() if e.lang == "zh"]
        return dict(sorted(items, key=lambda kv: -len(kv[0])))


def parse_dictionary(lines: Iterable[str], source: str = "<text>") -> PronunciationDictionary:
    """Parse dictionary lines; errors name ``source`` and the 1-based line number."""
    d = PronunciationDictionary()
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split("\t", 1) if "\t" in line else line.split(None, 1)
        if len(parts) != 2 or not parts[1].strip():
            raise TextError(f"{source}, line {number}: expected 'word<TAB>pronunciation', got {raw.strip()!r}.")
        try:
            d.add(parts[0], parts[1])
        except TextError as e:
            raise TextError(f"{source}, line {number}: {e}") from e
    return d


def load_dictionary(path: Path) -> PronunciationDictionary:
    """Read a dictionary file; a missing file is an empty dictionary."""
    if not path.exists():
        return PronunciationDictionary()
    return parse_dictionary(path.read_text(encoding="utf-8").splitlines(), str(path))


def save_dictionary(d: PronunciationDictionary, path: Path) -> None:
    """Write ``d`` as a dictionary file (atomically)."""
    from gpt_sovits.fileio import write_text_atomic

    lines = ["# word<TAB>pronunciation (pinyin with tone digits, or ARPAbet)"]
    lines += [f"{e.word}\t{e.spec}" for e in d.entries.values()]
    write_text_atomic(path, "\n".join(lines) + "\n")


def apply_entries(text: str, d: PronunciationDictionary, english: bool = True) -> str:
    """Wrap dictionary words of ``text`` in override markup ``{word|pronunciation}``.

    Chinese words match anywhere (longest first); English words match whole words, ignoring case.
    Text already inside markup brackets is left alone.
    """
    alternatives = [re.escape(w) for w in d.chinese()]
    if english:
        en = sorted((e.word for e in d.entries.values() if e.lang == "en"), key=len, reverse=True)
        alternatives += [rf"(?<![A-Za-z']){re.escape(w)}(?![A-Za-z'])" for w in en]
    if not alternatives:
        return text
    pattern = re.compile(r"(\\.|\[[^\]]*\]|\{[^}]*\})|(" + "|".join(alternatives) + ")", re.IGNORECASE)

    def wrap(m: re.Match[str]) -> str:
        if m.group(1):
            return m.group(1)
        word = m.group(2)
        entry = d.entries.get(word) or d.entries[word.lower()]
        return "{" + word + "|" + entry.spec + "}"

    return pattern.sub(wrap, text)
