"""What an importer gives: a book's metadata and chapters of plain text, and the text cleaning they share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PAGE_NUMBER_RE = re.compile(r"^\s*(?:[-–—]\s*)?(?:page\s+)?\d{1,4}(?:\s*[-–—])?\s*$", re.IGNORECASE)
FOOTNOTE_MARK_RE = re.compile(r"(?<=\S)\[\d{1,3}\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\[\^[^\]]+\]")
# The heading of a printed table of contents, in a text file or an EPUB.
CONTENTS_TITLE_RE = re.compile(r"^\s*(?:(?:table of )?contents|目\s*[录次])\.?\s*$", re.IGNORECASE)


@dataclass
class ImportedChapter:
    title: str
    text: str


@dataclass
class ImportedBook:
    """What a book file gave: metadata, chapters of plain text with markup, and notes for the user."""

    title: str = ""
    author: str = ""
    language: str = ""
    cover: bytes = b""
    cover_suffix: str = ""
    chapters: list[ImportedChapter] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def clean_text(text: str) -> str:
    """Drop page-number lines and footnote markers; keep everything else as written."""
    kept = [line for line in text.splitlines() if not PAGE_NUMBER_RE.match(line)]
    return FOOTNOTE_MARK_RE.sub("", "\n".join(kept))
