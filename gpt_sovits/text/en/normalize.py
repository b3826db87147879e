"""English text normalisation, reproducing upstream GPT-SoVITS v2 (``english.text_normalize``).

The result is what the golden data expects, quirks included:

* only ``。！？`` are mapped to ASCII before normalising; upstream's other mappings
  (``；：，`` to ``,`` and curly quotes to ``'``) never fire because their patterns
  were escaped as literal strings, so those characters are simply deleted later;
* numbers between 1001 and 2999 are read like years ("1,234" -> "twelve thirty-four");
* 24-hour times become "<h> <mm> a.m./p.m." ("3:30" -> "three thirty a.m.");
* a leading-space negative number swallows the space ("to -5" -> "tonegative five");
* every capital letter not at the start and not after whitespace gets a space
  in front of it ("iPhone" -> "i Phone", "NASA" -> "N A S A").
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

from gpt_sovits.text.symbols import PUNCTUATION

_FULLWIDTH_TO_ASCII = {"。": ".", "！": "!", "？": "?"}

# Unit words: (singular, plural); the singular is used only for an integer 1.
_UNITS: dict[str, tuple[str, str]] = {
    "m": ("meter", "meters"),
    "km": ("kilometer", "kilometers"),
    "km/h": ("kilometer per hour", "kilometers per hour"),
    "ft": ("feet", "feet"),
    "L": ("liter", "liters"),
    "tbsp": ("tablespoon", "tablespoons"),
    "tsp": ("teaspoon", "teaspoons"),
    "h": ("hour", "hours"),
    "min": ("minute", "minutes"),
    "s": ("second", "seconds"),
    "°C": ("degree celsius", "degrees celsius"),
    "°F": ("degree fahrenheit", "degrees fahrenheit"),
}
_OPERATOR_WORDS = {"+": " plus ", "-": " minus ", "×": " times ", "÷": " divided by ", "=": " Equals "}

_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹ˣʸⁿ"
_OPERAND = rf"((-?)((\d+)(\.\d+)?[{_SUPERSCRIPTS}]*)|(\.\d+[{_SUPERSCRIPTS}]*)|([A-Za-z][{_SUPERSCRIPTS}]*))"
_ARITHMETIC_RE = re.compile(_OPERAND + r"\s+([\+\-\×÷=])\s+" + _OPERAND)
_LIST_NUMBER_RE = re.compile(r"\b([0-9]+)\. ")
_NEGATIVE_RE = re.compile(r"(?:^|\s+)(-)(\d+)")
_THOUSANDS_RE = re.compile(r"([0-9][0-9\,]+[0-9])")
_TIME_RE = re.compile(r"\b([01]?[0-9]|2[0-3]):([0-5][0-9])\b")
_MEASURE_RE = re.compile(r"\b([0-9]+(\.[0-9]+)?(m|km|km/h|ft|L|tbsp|tsp|h|min|s|°C|°F))\b")
_POUNDS_BEFORE_RE = re.compile(r"£([0-9\.\,]*[0-9]+)")
_POUNDS_AFTER_RE = re.compile(r"([0-9\.\,]*[0-9]+)£")
_DOLLARS_BEFORE_RE = re.compile(r"\$([0-9\.\,]*[0-9]+)")
_DOLLARS_AFTER_RE = re.compile(r"([(0-9\.\,]*[0-9]+)\$")  # the stray "(" is upstream's
_DECIMAL_RE = re.compile(r"([0-9]+\.\s*[0-9]+)")
_FRACTION_RE = re.compile(r"([0-9]+/[0-9]+)")
_ORDINAL_RE = re.compile(r"[0-9]+(st|nd|rd|th)")
_INTEGER_RE = re.compile(r"[0-9]+")
_NOT_KEPT_RE = re.compile(r"[^ A-Za-z'.,?!\-]")
_INNER_CAPITAL_RE = re.compile(r"(?<!^)(?<![\s])([A-Z])")
_PUNCT_CLASS = "".join(re.escape(p) for p in PUNCTUATION)
_PUNCT_RUN_RE = re.compile(rf"([{_PUNCT_CLASS}\s])([{_PUNCT_CLASS}])+")


@cache
def _inflect() -> Any:
    import inflect  # imported on first use: it takes a moment to load

    return inflect.engine()


def _words(n: int | str, **options: Any) -> str:
    return _inflect().number_to_words(n, **options)


def number_words(n: int) -> str:
    """A cardinal in words, as the normalisation spells other numbers ("one hundred twelve")."""
    return _words(n, andword="")


def _list_number(m: re.Match[str]) -> str:
    return _inflect().ordinal(m.group(1)) + ", "


def _arithmetic(m: re.Match[str]) -> str:
    return m.group(1) + _OPERATOR_WORDS[m.group(8)] + m.group(9)


def _negative(m: re.Match[str]) -> str:
    return ("negative " if m.group(1) else "") + m.group(2)


def _time(m: re.Match[str]) -> str:
    hours, minutes = int(m.group(1)), int(m.group(2))
    period = "a.m." if hours < 12 else "p.m."
    if hours > 12:
        hours -= 12
    if minutes == 0:
        return f"{_words(hours)} o'clock {period}"
    return f"{_words(hours)} {_words(minutes)} {period}"


def _measure(m: re.Match[str]) -> str:
    unit = m.group(3)
    amount = int(m.group(1).replace(unit, "").replace(".", ""))
    singular = m.group(2) is None and amount == 1
    return m.group(1).replace(unit, " " + _UNITS[unit][0 if singular else 1])


def _money(amount: str, major: tuple[str, str], minor: tuple[str, str], zero: str) -> str:
    parts = amount.split(".")
    if len(parts) > 2:
        return f"{amount} {major[1]}"
    whole = int(parts[0]) if parts[0] else 0
    cents = int(parts[1].ljust(2, "0")) if len(parts) > 1 and parts[1] else 0
    pieces = []
    if whole:
        pieces.append(f"{whole} {major[0] if whole == 1 else major[1]}")
    if cents:
        pieces.append(f"{cents} {minor[0] if cents == 1 else minor[1]}")
    return " and ".join(pieces) if pieces else zero


def _pounds(m: re.Match[str]) -> str:
    return _money(m.group(1), ("pound", "pounds"), ("penny", "pence"), "zero pounds")


def _dollars(m: re.Match[str]) -> str:
    return _money(m.group(1), ("dollar", "dollars"), ("cent", "cents"), "zero dollars")


def _decimal(m: re.Match[str]) -> str:
    whole, fraction = m.group(1).split(".")[:2]
    return whole + " point " + " ".join(fraction)


def _fraction(m: re.Match[str]) -> str:
    top, bottom = (int(x) for x in m.group(0).split("/"))
    top_words = _words(top)
    if bottom == 1:
        return top_words
    if bottom == 2:
        return f"{top_words} {'half' if top == 1 else 'halves'}"
    bottom_words = _inflect().ordinal(_words(bottom)) + ("s" if top > 1 else "")
    return f"{top_words} {bottom_words}"


def _ordinal(m: re.Match[str]) -> str:
    return _words(m.group(0))


def _integer(m: re.Match[str]) -> str:
    n = int(m.group(0))
    if 1000 < n < 3000:
        if n == 2000:
            return "two thousand"
        if 2000 < n < 2010:
            return "two thousand " + _words(n % 100)
        if n % 100 == 0:
            return _words(n // 100) + " hundred"
        return _words(n, andword="", zero="oh", group=2).replace(", ", " ")
    return _words(n, andword="")


def expand_english(text: str) -> str:
    """Spell out numbers, money, units, times and abbreviations; keep only ``[ A-Za-z'.,?!-]``."""
    text = _LIST_NUMBER_RE.sub(_list_number, text)
    while _ARITHMETIC_RE.search(text):
        text = _ARITHMETIC_RE.sub(_arithmetic, text)
    text = _NEGATIVE_RE.sub(_negative, text)
    text = _THOUSANDS_RE.sub(lambda m: m.group(1).replace(",", ""), text)
    for pattern, spell in (
        (_TIME_RE, _time),
        (_MEASURE_RE, _measure),
        (_POUNDS_BEFORE_RE, _pounds),
        (_POUNDS_AFTER_RE, _pounds),
        (_DOLLARS_BEFORE_RE, _dollars),
        (_DOLLARS_AFTER_RE, _dollars),
        (_DECIMAL_RE, _decimal),
        (_FRACTION_RE, _fraction),
        (_ORDINAL_RE, _ordinal),
        (_INTEGER_RE, _integer),
    ):
        text = pattern.sub(spell, text)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = text.replace("%", " percent")
    text = _NOT_KEPT_RE.sub("", text)
    text = re.sub(r"(?i)i\.e\.", "that is", text)
    text = re.sub(r"(?i)e\.g\.", "for example", text)
    return _INNER_CAPITAL_RE.sub(r" \1", text)


def collapse_punctuation(text: str) -> str:
    """Keep only the first character of a run of punctuation (or of whitespace + punctuation)."""
    return _PUNCT_RUN_RE.sub(r"\1", text)


def normalize_english(text: str) -> str:
    """Upstream v2 English normalisation of ``text`` (see the module docstring)."""
    for wide, narrow in _FULLWIDTH_TO_ASCII.items():
        text = text.replace(wide, narrow)
    return collapse_punctuation(expand_english(text))
