"""Split mixed Chinese/English text into language runs, deterministically by script.

Upstream used split-lang with a fastText language detector; for the two languages
this studio speaks, the script of each character decides just as well and
reproduces upstream's segments on the golden data:

* Han characters are Chinese, Latin letters English, ASCII digits are "digit"
  runs (a "." between two digits stays inside the number);
* everything else (spaces, punctuation, symbols, full-width letters) joins the
  run before it, or the first run when it leads the text;
* an English run that is not "full English" (upstream's test: ASCII, general
  punctuation, CJK symbols and full-width forms only) counts as Chinese;
* digit runs take the given default language, or else their neighbours'
  language with upstream's rules (same neighbours, sentence punctuation on
  either side, a number ending in a full stop, then the longer neighbour).

Letters of any other script (kana, hangul, Cyrillic, Arabic ...) raise TextError.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from gpt_sovits.errors import TextError

ZH, EN, DIGIT = "zh", "en", "digit"
AUTO, ALL_ZH = "auto", "all_zh"
# The language modes a request may name: one language, detection by script, or everything read as Chinese.
LANGUAGES = (ZH, EN, AUTO, ALL_ZH)
TEXT_LANGUAGES = (ZH, EN)  # the languages the front end turns into phones
_HAN_RANGES = ((0x3400, 0x4DB5), (0x4E00, 0x9FFF), (0x20000, 0x2EE5D))
_FULL_EN_RE = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9\s\u0020-\u007E\u2000-\u206F\u3000-\u303F\uFF00-\uFFEF]+$")
_SENTENCE_MARKS = frozenset(",.!?，。！？")


@dataclass
class Run:
    """A piece of text in one language ("zh", "en" or, before resolution, "digit")."""

    lang: str
    text: str


def is_han(ch: str) -> bool:
    """True for a CJK unified ideograph (the basic block and extensions A-H)."""
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _HAN_RANGES)


def _is_latin_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha() or (0xC0 <= ord(ch) <= 0x24F and ch.isalpha())


def _script(ch: str, prev: str, nxt: str) -> str | None:
    if is_han(ch):
        return ZH
    if _is_latin_letter(ch):
        return EN
    if "0" <= ch <= "9" or (ch == "." and "0" <= prev <= "9" and "0" <= nxt <= "9"):
        return DIGIT
    return None


def check_script(text: str) -> None:
    """Raise TextError at the first letter that is neither Latin, Han, Greek nor full-width Latin."""
    for pos, ch in enumerate(text):
        if not unicodedata.category(ch).startswith("L"):
            continue
        if _is_latin_letter(ch) or is_han(ch) or 0xFF21 <= ord(ch) <= 0xFF5A or 0x370 <= ord(ch) <= 0x3FF:
            continue
        name = unicodedata.name(ch, "unknown")
        raise TextError(
            f"Character {ch!r} ({name}) at position {pos} is in a script this studio cannot speak; "
            "only Chinese and English text is supported."
        )


def _runs(text: str) -> list[Run]:
    runs: list[Run] = []
    lead = ""
    for i, ch in enumerate(text):
        kind = _script(ch, text[i - 1] if i else "", text[i + 1] if i + 1 < len(text) else "")
        if kind is None:
            if runs:
                runs[-1].text += ch
            else:
                lead += ch
        elif runs and runs[-1].lang == kind:
            runs[-1].text += ch
        else:
            runs.append(Run(kind, lead + ch))
            lead = ""
    if lead:
        runs.append(Run(ZH, lead))
    return runs


def _merge(runs: list[Run]) -> list[Run]:
    out: list[Run] = []
    for run in runs:
        if out and out[-1].lang == run.lang:
            out[-1].text += run.text
        else:
            out.append(Run(run.lang, run.text))
    return out


def _digit_language(prev: Run | None, run: Run, nxt: Run | None) -> str:
    if prev is None:
        return nxt.lang if nxt is not None else ZH
    if nxt is None or prev.lang == nxt.lang:
        return prev.lang
    if prev.text[-1] in _SENTENCE_MARKS:
        return nxt.lang
    if nxt.text[0] in _SENTENCE_MARKS or run.text[-1] in "。.":
        return prev.lang
    return prev.lang if len(prev.text) >= len(nxt.text) else nxt.lang


def split_languages(text: str, default: str | None = None) -> list[Run]:
    """Language runs of ``text`` (concatenated they give the text back).

    ``default`` ("zh") is upstream's all_zh behaviour: digits and anything not
    English-looking belong to it.
    """
    check_script(text)
    runs = _runs(text)
    for run in runs:
        if run.lang == EN and not _FULL_EN_RE.match(run.text):
            run.lang = default or ZH
        elif run.lang == DIGIT and default:
            run.lang = default
    runs = _merge(runs)
    resolved: list[Run] = []
    for i, run in enumerate(runs):
        if run.lang == DIGIT:
            prev = resolved[-1] if resolved else None
            run = Run(_digit_language(prev, run, runs[i + 1] if i + 1 < len(runs) else None), run.text)
        resolved = _merge([*resolved, run])
    return resolved
