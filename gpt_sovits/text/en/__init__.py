"""English front end: normalisation and G2P as upstream GPT-SoVITS v2, fully offline.

Nothing is loaded at import; the dictionary, the neural model and the tagger load
on first use (about two seconds) and are cached.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from gpt_sovits.text.en.normalize import normalize_english

__all__ = ["clean_english", "english_g2p", "normalize_english"]


@cache
def english_g2p(nltk_data: Path | None = None, tagger: str = "auto"):  # -> EnglishG2P
    """The shared G2P converter; ``tagger`` is "auto", "nltk" or "crf" (see ``en.tagger``)."""
    from gpt_sovits.text.en.g2p import EnglishG2P
    from gpt_sovits.text.en.tagger import load_tagger

    return EnglishG2P(load_tagger(nltk_data, tagger))


def clean_english(text: str, user: Mapping[str, list[str]] | None = None,
                  nltk_data: Path | None = None) -> tuple[str, list[str]]:
    """(norm_text, phones [T]) of English ``text``, before upstream's short-result comma rule."""
    norm = normalize_english(text)
    return norm, english_g2p(nltk_data)(norm, user)
