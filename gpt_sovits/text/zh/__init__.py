"""Mandarin text front end (upstream GPT-SoVITS ``chinese2``/``chinese`` with g2pW off).

Public entry points:

* ``normalize_chinese(text)`` -> normalised text (Chinese characters and ``! ? … , . -``);
* ``clean_chinese(text, version)`` -> (norm_text, phones, word2ph);
* ``g2p_chinese(norm_text, version)`` -> (phones, word2ph) for already normalised text.

Importing this package loads no dictionary; jieba and pypinyin load at the first call.
"""

from gpt_sovits.text.zh.clean import clean_chinese
from gpt_sovits.text.zh.g2p import g2p_chinese
from gpt_sovits.text.zh.normalize import normalize_chinese

__all__ = ["clean_chinese", "g2p_chinese", "normalize_chinese"]
