"""Mandarin grapheme-to-phoneme on normalised text: pypinyin readings per jieba word, tone
sandhi, erhua (v2 only), and the Opencpop initial/final phone symbols.

Each Chinese character gives two phones (initial symbol, final symbol + tone digit); each
punctuation mark gives itself. ``word2ph`` counts the phones of every character.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Protocol

from gpt_sovits.errors import TextError
from gpt_sovits.text.zh.data.lexicon import MUST_ERHUA, NOT_ERHUA, OPENCPOP_STRICT
from gpt_sovits.text.zh.normalize import PHONE_PUNCTUATION
from gpt_sovits.text.zh.sandhi import apply_tone_sandhi, merge_for_sandhi
from gpt_sovits.text.zh.segment import cut_with_tags, finals_tone3, initials

_CLAUSE_SPLIT = re.compile(f"(?<=[{re.escape(PHONE_PUNCTUATION)}])\\s*")
_LATIN = re.compile("[a-zA-Z]+")
_FINAL_AFTER_INITIAL = {"uei": "ui", "iou": "iu", "uen": "un"}
_WHOLE_SYLLABLE = {"ing": "ying", "i": "yi", "in": "yin", "u": "wu"}
_LEADING_VOWEL = {"v": "yu", "e": "e", "i": "y", "u": "w"}


@cache
def _opencpop() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for line in OPENCPOP_STRICT.splitlines():
        pinyin, initial, final = line.split(" ")
        table[pinyin] = (initial, final)
    return table


def opencpop_table() -> Mapping[str, tuple[str, str]]:
    """Toneless pinyin syllable -> (initial symbol, final symbol), e.g. "zhi" -> ("zh", "ir")."""
    return MappingProxyType(_opencpop())


def merge_erhua(initials_: list[str], finals: list[str], word: str, tag: str) -> tuple[list[str], list[str]]:
    """v2 erhua: a word-final 儿 takes the tone of the syllable before it (小孩儿 -> er2).

    It stays a syllable of its own. Words in NOT_ERHUA, and adjectives, abbreviations and
    person names (tags a, j, nr) keep 儿 as er2, unless the word is in MUST_ERHUA.
    """
    finals = list(finals)
    if finals and word[len(finals) - 1] == "儿" and finals[-1] == "er1":
        finals[-1] = "er2"
    if word not in MUST_ERHUA and (word in NOT_ERHUA or tag in {"a", "j", "nr"}):
        return initials_, finals
    if len(finals) != len(word) or len(finals) < 2:
        return initials_, finals
    if word[-1] == "儿" and finals[-1] in {"er2", "er5"} and word[-2:] not in NOT_ERHUA:
        finals[-1] = "er" + finals[-2][-1]
    return initials_, finals


def _symbols_for_syllable(initial: str, final: str) -> list[str]:
    """Two phone symbols for one pinyin syllable given as strict initial and toned final."""
    toneless, tone = final[:-1], final[-1]
    if tone not in "12345":
        raise TextError(f"Chinese syllable {initial + final!r} has no tone; the character cannot be read.")
    if initial:
        pinyin = initial + _FINAL_AFTER_INITIAL.get(toneless, toneless)
    elif toneless in _WHOLE_SYLLABLE:
        pinyin = _WHOLE_SYLLABLE[toneless]
    elif toneless and toneless[0] in _LEADING_VOWEL:
        pinyin = _LEADING_VOWEL[toneless[0]] + toneless[1:]
    else:
        pinyin = toneless
    try:
        initial_symbol, final_symbol = _opencpop()[pinyin]
    except KeyError as e:
        raise TextError(
            f"Chinese syllable {pinyin!r} (tone {tone}) has no phone symbols; the text contains a reading "
            "the v2 phone set cannot express."
        ) from e
    return [initial_symbol, final_symbol + tone]


def _clause_syllables(
    clause: str, erhua: bool, polyphone_model: PolyphoneModel | None = None
) -> tuple[list[str], list[str]]:
    """Strict initials and toned finals of every character of one clause (after sandhi)."""
    readings = polyphone_model.predict(clause) if polyphone_model is not None else None
    all_initials: list[str] = []
    all_finals: list[str] = []
    offset = 0
    for word, tag in merge_for_sandhi(cut_with_tags(clause)):
        start, offset = offset, offset + len(word)
        if tag == "eng":
            continue
        word_initials, word_finals = initials(word), finals_tone3(word)
        if polyphone_model is not None and readings is not None:
            word_readings = polyphone_model.correct_word(word, readings[start:offset])
            word_initials, word_finals = _use_model_readings(word, word_initials, word_finals, word_readings)
        word_finals = apply_tone_sandhi(word, tag, word_finals)
        if erhua:
            word_initials, word_finals = merge_erhua(word_initials, word_finals, word, tag)
        all_initials += word_initials
        all_finals += word_finals
    return all_initials, all_finals


# --- optional polyphone model (g2pW); without one, nothing below runs ---------------------------


class PolyphoneModel(Protocol):
    """Something that reads a clause: pinyin with tone digit per character, None = keep pypinyin's."""

    def predict(self, sentence: str) -> list[str | None]: ...

    def correct_word(self, word: str, readings: list[str | None]) -> list[str | None]:
        """Readings of one jieba word given the clause readings sliced to it (may return them as they are)."""
        ...


def _use_model_readings(
    word: str, word_initials: list[str], word_finals: list[str], readings: list[str | None]
) -> tuple[list[str], list[str]]:
    """Replace the pypinyin syllables of ``word`` by the model's readings where it gave one."""
    if len(readings) != len(word) or len(word_finals) != len(word) or not any(readings):
        return word_initials, word_finals
    from pypinyin.contrib.tone_convert import to_finals_tone3, to_initials

    word_initials, word_finals = list(word_initials), list(word_finals)
    for i, reading in enumerate(readings):
        if reading is not None:
            word_initials[i] = to_initials(reading, strict=True)
            word_finals[i] = to_finals_tone3(reading, strict=True, neutral_tone_with_five=True)
    return word_initials, word_finals


def g2p_chinese(
    norm_text: str, version: str = "v2", polyphone_model: PolyphoneModel | None = None
) -> tuple[list[str], list[int]]:
    """Phones [P] and word2ph [len(norm_text)] of text already passed through normalize_chinese.

    ``version`` "v1" skips erhua (upstream's v1 front end); every other version applies it.
    ``polyphone_model`` (e.g. g2pw.G2PW), used for every version but v1, overrides the pypinyin
    reading of the characters it reads, before tone sandhi; None keeps pypinyin's everywhere.
    """
    if version == "v1":
        polyphone_model = None
    phones: list[str] = []
    word2ph: list[int] = []
    for clause in _CLAUSE_SPLIT.split(norm_text):
        if not clause.strip():
            continue
        clause_initials, clause_finals = _clause_syllables(
            _LATIN.sub("", clause), erhua=version != "v1", polyphone_model=polyphone_model
        )
        for initial, final in zip(clause_initials, clause_finals, strict=False):
            if initial == final:
                if initial not in PHONE_PUNCTUATION:
                    raise TextError(f"Character {initial!r} has no Mandarin reading; remove or replace it.")
                phones.append(initial)
                word2ph.append(1)
            else:
                phones += _symbols_for_syllable(initial, final)
                word2ph.append(2)
    return phones, word2ph
