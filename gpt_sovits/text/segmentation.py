"""Cutting text into sentences for synthesis: upstream's cut0-cut5 and a length-aware default.

The cut functions return the pieces joined by "\\n", exactly as upstream's.
``split_for_synthesis`` is the default for long text: whole sentences are packed
into pieces of at most ``max_chars`` characters, and text is never cut inside
markup (a tag, an override, or an emphasised stretch), nor at a full stop that does not end a
sentence (:func:`is_sentence_end`: "Mr. Darcy", "J. K.", "3.5", "e.g. this").
"""

from __future__ import annotations

import re

SPLITS = frozenset("，。？！,.?!~:：—…")
PUNCTUATION_ONLY = frozenset("!?…,.- ")
_CUT5_MARKS = frozenset(",.;?!、，。？！;：…")
_SENTENCE_END = frozenset("。！？.!?…\n")
_CLAUSE_END = frozenset("，,、;；：:")


def _keep(pieces: list[str], punctuation: frozenset[str] = PUNCTUATION_ONLY) -> str:
    return "\n".join(p for p in pieces if not set(p) <= punctuation)


def split_sentences(text: str) -> list[str]:
    """Upstream's ``split``: cut after every mark in SPLITS (a final "。" is added if missing)."""
    text = text.replace("……", "。").replace("——", "，")
    if text and text[-1] not in SPLITS:
        text += "。"
    pieces, start = [], 0
    for i, ch in enumerate(text):
        if ch in SPLITS:
            pieces.append(text[start:i + 1])
            start = i + 1
    return pieces


def cut0(text: str) -> str:
    """No split (a punctuation-only text becomes "\\n")."""
    return text if not set(text) <= PUNCTUATION_ONLY else "\n"


def cut1(text: str) -> str:
    """Every four sentences; the last group takes the remainder (4 or fewer: unchanged)."""
    text = text.strip("\n")
    pieces = split_sentences(text)
    bounds: list[int | None] = list(range(0, len(pieces), 4))
    if len(bounds) < 2:
        return _keep([text])
    bounds[-1] = None
    return _keep(["".join(pieces[bounds[i]:bounds[i + 1]]) for i in range(len(bounds) - 1)])


def cut2(text: str, limit: int = 50) -> str:
    """Groups of sentences just over ``limit`` characters; a short tail joins the previous group."""
    text = text.strip("\n")
    pieces = split_sentences(text)
    if len(pieces) < 2:
        return text
    groups, current, total = [], "", 0
    for piece in pieces:
        current += piece
        total += len(piece)
        if total > limit:
            groups.append(current)
            current, total = "", 0
    if current:
        groups.append(current)
    if len(groups) > 1 and len(groups[-1]) < limit:
        tail = groups.pop()
        groups[-1] += tail
    return _keep(groups)


def cut3(text: str) -> str:
    """At every "。" (dropped)."""
    return _keep(text.strip("\n").strip("。").split("。"))


def cut4(text: str) -> str:
    """At every "." not touching a digit (dropped)."""
    return _keep(re.split(r"(?<!\d)\.(?!\d)", text.strip("\n").strip(".")))


def cut5(text: str) -> str:
    """After every punctuation mark (kept), except a "." between two digits."""
    text = text.strip("\n")
    pieces, current = [], []
    for i, ch in enumerate(text):
        current.append(ch)
        decimal_point = ch == "." and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()
        if ch in _CUT5_MARKS and not decimal_point:
            pieces.append("".join(current))
            current = []
    if current:
        pieces.append("".join(current))
    return _keep(pieces, _CUT5_MARKS)


CUT_METHODS = {"cut0": cut0, "cut1": cut1, "cut2": cut2, "cut3": cut3, "cut4": cut4, "cut5": cut5}
# What a request may ask for: the length-aware default, or one of upstream's cuts.
SPLIT_METHODS = ("auto", *CUT_METHODS)


def _protected(text: str) -> list[bool]:
    """True at every position inside a tag, an override or an emphasised stretch."""
    inside = [False] * len(text)
    emph = False
    i = 0
    while i < len(text):
        if text.startswith("**", i):
            emph = not emph
            inside[i] = inside[i + 1] = True
            i += 2
            continue
        if text.startswith("[emph]", i) or text.startswith("[/emph]", i):
            emph = not emph
        if text[i] in "[{":
            end = text.find("]" if text[i] == "[" else "}", i)
            end = len(text) - 1 if end < 0 else end
            for j in range(i, end + 1):
                inside[j] = True
            i = end + 1
            continue
        inside[i] = emph
        i += 1
    return inside


# Words that a full stop follows without ending the sentence (compared in lower case, without the stop): titles
# and the like, and abbreviations that stand before a number ("No. 4"; "No." before anything else may end one).
ABBREVIATIONS = frozenset(
    "mr mrs ms messrs mme mlle dr st prof sr jr vs mt capt col gen lt sgt cpl rev hon cf viz dept esq gov pres "
    "sen rep".split())
NUMBER_ABBREVIATIONS = frozenset("no nos fig figs vol vols pp ca approx".split())
_WORD_BEFORE_RE = re.compile(r"([A-Za-z]+)$")


def is_sentence_end(text: str, i: int) -> bool:
    """Whether the mark ``text[i]`` ends a sentence. A full stop does not: between two digits (3.5),
    before a lower-case letter (e.g. an hour), after an abbreviation that is not at the end of the
    text (Mr. Darcy, St. James; No. 4 before a number only) or after a single capital letter (J. K., U.S.A.)."""
    if text[i] != ".":
        return text[i] in _SENTENCE_END
    after = text[i + 1:].lstrip(" \t\n\"'”’)")
    if not after:
        return True
    if 0 < i and text[i - 1].isdigit() and text[i + 1: i + 2].isdigit():
        return False
    if after[0].islower():
        return False
    word = _WORD_BEFORE_RE.search(text[max(0, i - 12): i])
    if word is None:
        return True
    word = word.group(1)
    if word.lower() in NUMBER_ABBREVIATIONS:
        return not after[0].isdigit()
    return not (word.lower() in ABBREVIATIONS or (len(word) == 1 and word.isupper()))


def _cut_after(text: str, marks: frozenset[str], protected: list[bool]) -> list[str]:
    pieces, start = [], 0
    for i, ch in enumerate(text):
        if ch in marks and not protected[i] and (marks is not _SENTENCE_END or is_sentence_end(text, i)):
            pieces.append(text[start:i + 1])
            start = i + 1
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def split_for_synthesis(text: str, max_chars: int = 80) -> list[str]:
    """Pieces of at most ``max_chars`` characters where possible, cut at sentence ends, then clauses.

    Never cuts inside markup; a sentence without any cut point stays whole even if long.
    """
    text = text.strip()
    if len(text) <= max_chars:
        return [text] if text.strip() else []
    units: list[str] = []
    offset = 0
    protected = _protected(text)
    for sentence in _cut_after(text, _SENTENCE_END, protected):
        prot = protected[offset:offset + len(sentence)]
        offset += len(sentence)
        units += [sentence] if len(sentence) <= max_chars else _cut_after(sentence, _CLAUSE_END, prot)
    pieces: list[str] = []
    for unit in units:
        if pieces and len(pieces[-1]) + len(unit) <= max_chars:
            pieces[-1] += unit
        else:
            pieces.append(unit)
    return [p.strip() for p in pieces if p.strip() and not set(p.strip()) <= PUNCTUATION_ONLY]
