"""Lazy access to the word segmenter (jieba) and the pinyin dictionary (pypinyin).

Both load large dictionaries, so nothing is imported until the first call; jieba builds its
prefix dictionary once per process (about a second) and keeps it.

Upstream uses ``jieba_fast`` (a C build of jieba 0.42 with the same dictionary and algorithms).
We use it when it is installed and plain ``jieba`` otherwise; both reproduce the golden data.
"""

from __future__ import annotations

import importlib
import logging
from functools import cache
from types import ModuleType

from gpt_sovits.errors import TextError

logger = logging.getLogger(__name__)

WordAndTag = tuple[str, str]


@cache
def _jieba() -> tuple[ModuleType, ModuleType]:
    """(jieba module, jieba.posseg module), initialised once."""
    for name in ("jieba_fast", "jieba"):
        try:
            jieba = importlib.import_module(name)
            posseg = importlib.import_module(f"{name}.posseg")
        except ImportError:
            continue
        jieba.setLogLevel(logging.WARNING)  # silence its "Building prefix dict" chatter
        jieba.initialize()
        logger.info("Chinese word segmentation uses %s", name)
        return jieba, posseg
    raise TextError("Chinese text needs the word segmenter 'jieba_fast' or 'jieba'; install one with pip.")


def segmenter_name() -> str:
    """Name of the segmentation package in use ("jieba_fast" or "jieba")."""
    return _jieba()[0].__name__


def cut_with_tags(text: str) -> list[WordAndTag]:
    """Words of ``text`` with their part-of-speech tags (jieba posseg, HMM on)."""
    return [(pair.word, pair.flag) for pair in _jieba()[1].lcut(text)]


def cut_for_search(word: str) -> list[str]:
    """jieba's search-engine cut of one word: its pieces plus shorter dictionary sub-words."""
    return list(_jieba()[0].cut_for_search(word))


@cache
def _pypinyin() -> ModuleType:
    return importlib.import_module("pypinyin")


def initials(word: str) -> list[str]:
    """Strict pinyin initials per syllable ("" for y/w/vowel-initial syllables)."""
    p = _pypinyin()
    return p.lazy_pinyin(word, neutral_tone_with_five=True, style=p.Style.INITIALS)


def finals_tone3(word: str) -> list[str]:
    """Strict pinyin finals with the tone digit, 5 for neutral ("你好" -> ["i3", "ao3"]).

    A run of characters without pinyin (punctuation) comes back as one item, unchanged.
    """
    p = _pypinyin()
    return p.lazy_pinyin(word, neutral_tone_with_five=True, style=p.Style.FINALS_TONE3)
