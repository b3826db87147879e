"""Chapter text to lines: paragraphs, quoted speech, then the synthesizer's own sentence cutting.

A line is what one take speaks. Lines are cut with ``text.segmentation.split_for_synthesis``
(the rule synthesis itself uses: whole sentences up to 80 characters, never inside markup), so a
line is rendered as one piece, and markup (``[emph]``, ``[pause:N]``, ``{字|zi4}``) stays intact.
Quoted speech that forms a clause (“…”, "…", ‘…’, 「…」, 『…』) becomes lines of its own marked
``quoted``, so a character voice can read it.
"""

from __future__ import annotations

import re
import unicodedata

from gpt_sovits.books.model import PARAGRAPH_PAUSE_S, Line
from gpt_sovits.text.segmentation import is_sentence_end, split_for_synthesis

# Quoted speech: “…”, 「…」, 『…』, "…" and ‘…’ (British), where a ’ between two letters is an apostrophe (don’t).
QUOTE_RE = re.compile(r"“[^“”]*”|「[^「」]*」|『[^『』]*』|\"[^\"\n]*\"|‘(?:[^‘’\n]|’(?=[^\W\d_]))*’(?![^\W\d_])")
_CLAUSE_END = tuple(",.!?;:…，。！？；：—")
_SENTENCE_END = tuple(".!?…。！？”」』\"")
_MARKUP_RE = re.compile(r"\[[^\[\]]*\]|\*\*")
_OVERRIDE_RE = re.compile(r"\{([^{}|]*)\|[^{}]*\}")
_SPEAKABLE_RE = re.compile(r"[^\W_]")  # a letter or digit of any script
_CJK_RE = re.compile(r"[\u3000-\u9fff\uf900-\ufaff]")
WRAP_WIDTH = 80  # the widest line of a hard-wrapped text (Project Gutenberg wraps at about 70)


def is_speakable(text: str) -> bool:
    """True when ``text`` has something to pronounce once markup is set aside."""
    plain = _MARKUP_RE.sub("", _OVERRIDE_RE.sub(r"\1", text))
    return _SPEAKABLE_RE.search(plain) is not None


def normalise_line(text: str) -> str:
    """The form of a line's text that identifies its sound: NFC, one space between words."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def paragraphs(text: str) -> list[str]:
    """Paragraphs of a chapter: blocks between blank lines. Inside a block of a hard-wrapped text (lines cut
    at a fixed width, as in Project Gutenberg's files) line breaks are joined; otherwise a line that ends a
    sentence ends a paragraph (one paragraph per line) and other line breaks are joined."""
    blocks = [[row.strip() for row in block.split("\n") if row.strip()]
              for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))]
    wrapped = _hard_wrapped(blocks)
    out: list[str] = []
    for rows in blocks:
        current = ""
        for k, part in enumerate(rows):
            if current:
                joiner = "" if _CJK_RE.match(part[0]) and _CJK_RE.match(current[-1]) else " "
                current += joiner + part
            else:
                current = part
            following = rows[k + 1] if k + 1 < len(rows) else ""
            if not wrapped and current.endswith(_SENTENCE_END) and (
                    not current.endswith(".") or is_sentence_end(current + " " + following, len(current) - 1)):
                out.append(current)
                current = ""
        if current:
            out.append(current)
    return out


def _hard_wrapped(blocks: list[list[str]]) -> bool:
    """A text wrapped at a fixed width: at least two paragraphs of several lines between blank lines, no
    line over WRAP_WIDTH characters, and the lines that a paragraph goes on after nearly all close to it."""
    if sum(len(block) > 1 for block in blocks) < 2 or any(len(row) > WRAP_WIDTH for b in blocks for row in b):
        return False
    inner = [row for block in blocks for row in block[:-1]]
    return sum(len(row) >= WRAP_WIDTH * 5 // 8 for row in inner) >= 0.75 * len(inner)


def quote_segments(paragraph: str) -> list[tuple[str, bool]]:
    """(text, quoted) stretches of a paragraph; only quotes that hold a clause are set apart."""
    segments: list[tuple[str, bool]] = []
    start = 0
    for m in QUOTE_RE.finditer(paragraph):
        inner = m.group(0)[1:-1].strip()
        if not inner.endswith(_CLAUSE_END):
            continue  # a quoted word or title, not speech
        if paragraph[start:m.start()].strip():
            segments.append((paragraph[start:m.start()].strip(), False))
        segments.append((m.group(0), True))
        start = m.end()
    if paragraph[start:].strip():
        segments.append((paragraph[start:].strip(), False))
    return segments


def split_lines(text: str) -> list[Line]:
    """The lines of a chapter's text, with a longer pause after each paragraph's last line."""
    lines: list[Line] = []
    for paragraph in paragraphs(text):
        before = len(lines)
        for segment, quoted in quote_segments(paragraph):
            for piece in split_for_synthesis(segment):
                if is_speakable(piece):
                    lines.append(Line(normalise_line(piece), quoted=quoted))
        if len(lines) > before:
            lines[-1].pause_after_s = PARAGRAPH_PAUSE_S
    return lines

