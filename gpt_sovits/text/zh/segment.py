"""Lazy access to the word segmenter (jieba) and the pinyin dictionary (pypinyin).

Both load large dictionaries, so nothing is imported until the first call; jieba builds its
prefix dictionary once per process (about a second) and keeps it.

Upstream uses ``jieba_fast`` (a C build of jieba 0.42 with the same dictionary and algorithms).
We use plain ``jieba`` 0.42.1: it installs everywhere without a compiler, it reproduces every
golden line exactly as jieba_fast 0.53 does (both were checked), and it is as fast here.
"""

from __future__ import annotations

import importlib
import logging
from functools import cache, lru_cache
from types import ModuleType

from gpt_sovits.errors import TextError

logger = logging.getLogger(__name__)

WordAndTag = tuple[str, str]
# Readings depend on the word alone, so they are cached (pypinyin dominates the run time).
_WORD_CACHE_SIZE = 1 << 16


@cache
def _jieba() -> tuple[ModuleType, ModuleType]:
    """(jieba module, jieba.posseg module), initialised once."""
    try:
        jieba = importlib.import_module("jieba")
        posseg = importlib.import_module("jieba.posseg")
    except ImportError as e:
        raise TextError("Chinese text needs the word segmenter 'jieba'; install it with pip (see requirements.txt).") from e
    jieba.setLogLevel(logging.WARNING)  # silence its "Building prefix dict" chatter
    jieba.initialize()
    return jieba, posseg


def cut_with_tags(text: str) -> list[WordAndTag]:
    """Words of ``text`` with their part-of-speech tags (jieba posseg, HMM on)."""
    return [(pair.word, pair.flag) for pair in _jieba()[1].lcut(text)]


def cut_for_search(word: str) -> list[str]:
    """jieba's search-engine cut of one word: its pieces plus shorter dictionary sub-words."""
    return list(_cut_for_search_cached(word))


@lru_cache(maxsize=_WORD_CACHE_SIZE)
def _cut_for_search_cached(word: str) -> tuple[str, ...]:
    return tuple(_jieba()[0].cut_for_search(word))


@cache
def _pypinyin() -> ModuleType:
    return importlib.import_module("pypinyin")


def initials(word: str) -> list[str]:
    """Strict pinyin initials per syllable ("" for y/w/vowel-initial syllables)."""
    return list(_readings(word, "INITIALS"))


def finals_tone3(word: str) -> list[str]:
    """Strict pinyin finals with the tone digit, 5 for neutral ("你好" -> ["i3", "ao3"]).

    A run of characters without pinyin (punctuation) comes back as one item, unchanged.
    """
    return list(_readings(word, "FINALS_TONE3"))


@lru_cache(maxsize=_WORD_CACHE_SIZE)
def _readings(word: str, style: str) -> tuple[str, ...]:
    p = _pypinyin()
    return tuple(p.lazy_pinyin(word, neutral_tone_with_five=True, style=getattr(p.Style, style)))


def clear_word_caches() -> None:
    """Forget cached word readings and search cuts (for benchmarks and tests)."""
    _readings.cache_clear()
    _cut_for_search_cached.cache_clear()
