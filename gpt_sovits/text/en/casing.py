"""Capitals that upstream would spell out but a reader says as words: text in capitals, and chapter numerals.

Upstream's English normalisation puts a space before every capital letter that follows a letter, so "NASA" is
read "N A S A". That suits an acronym inside ordinary text, but a heading set in capitals, common in books
("CHAPTER IV.", "DOWN THE RABBIT-HOLE"), comes out letter by letter. Two deliberate departures, applied before
that normalisation, and leaving ordinary mixed-case text (all of ../shared/golden's) as upstream reads it:

* **Text in capitals** (two words of capitals or one of four letters or more, and at most a tenth of the
  letters in lower case): every
  word of capitals that the pronouncing dictionary knows is lower-cased and read as a word; words it does not
  know (GPU) stay in capitals and are spelled out as before.
* **Chapter numerals**: a Roman numeral after "Chapter", "Part", "Book", "Volume", "Act", "Scene", "Section",
  "Canto" or "Stave" (capitalised or in capitals), or alone as the whole text ("IV."), is read as a number
  ("four"); a lone I, V or X only before punctuation or the end ("Part I think" keeps its pronoun).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_WORD_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
# Chapter numerals up to 399 (no D or M: "CD" or "MD" are more often letters), of two letters or more, or I, V
# or X alone when punctuation or the end follows ("Part I think" keeps its pronoun).
_ROMAN_RE = r"(?:(?=[IVXLC]{2})C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})|[IVX](?=\s*(?:[.:,;)\]—–-]|$)))"
_CHAPTER_WORDS = "chapter part book volume act scene section canto stave".split()
_NUMBERED_RE = re.compile(rf"\b((?:{'|'.join(w for word in _CHAPTER_WORDS for w in (word.title(), word.upper()))})"
                          rf"\s+)({_ROMAN_RE})\b")
_ALONE_RE = re.compile(rf"^(\s*)({_ROMAN_RE})(\.?\s*)$")
_VALUES = {"M": 1000, "D": 500, "C": 100, "L": 50, "X": 10, "V": 5, "I": 1}


def roman_value(numeral: str) -> int:
    """The value of a valid upper-case Roman numeral."""
    total = 0
    for here, after in zip(numeral, numeral[1:] + " ", strict=True):
        value = _VALUES[here]
        total += -value if after != " " and _VALUES[after] > value else value
    return total


def _in_words(numeral: str) -> str:
    """Words, not digits: upstream reads "12. " as a list number ("twelfth")."""
    from gpt_sovits.text.en.normalize import number_words

    return number_words(roman_value(numeral))


def _numbered(m: re.Match[str]) -> str:
    return m.group(1) + _in_words(m.group(2))


def is_shouted(text: str) -> bool:
    """At least two words of two or more capitals (or one of four or more), and at most a tenth of the letters
    in lower case."""
    words = [w for w in _WORD_RE.findall(text) if len(w) > 1 and w.replace("'", "").isupper()]
    letters = sum(c.isalpha() for c in text)
    lower = sum(c.islower() for c in text)
    return (len(words) >= 2 or any(len(w) >= 4 for w in words)) and lower * 10 <= letters


def spoken_case(text: str, known: Callable[[str], bool]) -> str:
    """``text`` with chapter numerals in words and, when it is in capitals, known words in lower case."""
    shouted = is_shouted(text)
    text = _NUMBERED_RE.sub(_numbered, text)
    alone = _ALONE_RE.match(text)
    if alone and alone.group(2):
        return alone.group(1) + _in_words(alone.group(2)) + alone.group(3)
    if not shouted:
        return text

    def lower(m: re.Match[str]) -> str:
        word = m.group(0)
        return word.lower() if (len(word) > 1 or word == "A") and word.isupper() and known(word.lower()) else word

    return _WORD_RE.sub(lower, text)
