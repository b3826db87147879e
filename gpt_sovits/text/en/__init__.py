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


def default_english_data() -> Path:
    """Where the model manager puts the optional English data (pretrained/english/)."""
    from gpt_sovits.config import PROJECT_ROOT
    from gpt_sovits.pretrained import english_dir

    return english_dir(PROJECT_ROOT / "pretrained")


def english_g2p(nltk_data: Path | None = None, tagger: str = "auto", english_data: Path | None = None):
    """The shared G2P converter (EnglishG2P); ``tagger`` is "auto", "nltk" or "crf" (see ``en.tagger``).

    ``english_data`` (default: pretrained/english/) may hold what the model manager downloads: NLTK's
    tagger (in ``nltk_data/``, used unless ``nltk_data`` is given) and upstream's CMU dictionary files.
    Files that appear later (a download while the studio runs) are used from the next call on.
    """
    from gpt_sovits.text.en.lexicon import has_upstream_dictionary
    from gpt_sovits.text.en.tagger import find_perceptron_model

    folder = Path(english_data) if english_data is not None else default_english_data()
    if nltk_data is None and find_perceptron_model(folder / "nltk_data", search_defaults=False) is not None:
        nltk_data = folder / "nltk_data"
    return _g2p(nltk_data, tagger, folder if has_upstream_dictionary(folder) else None)


@cache
def _g2p(nltk_data: Path | None, tagger: str, dictionary_folder: Path | None):
    from gpt_sovits.text.en.g2p import EnglishG2P
    from gpt_sovits.text.en.lexicon import cmu_lexicon
    from gpt_sovits.text.en.tagger import load_tagger

    return EnglishG2P(load_tagger(nltk_data, tagger), lexicon=cmu_lexicon(dictionary_folder))


def clean_english(text: str, user: Mapping[str, list[str]] | None = None, nltk_data: Path | None = None,
                  english_data: Path | None = None) -> tuple[str, list[str]]:
    """(norm_text, phones [T]) of English ``text``, before upstream's short-result comma rule (headings in
    capitals and chapter numerals are read as words first: ``casing``)."""
    from gpt_sovits.text.en.casing import spoken_case

    g2p = english_g2p(nltk_data, english_data=english_data)
    norm = normalize_english(spoken_case(text, lambda word: word in g2p.lexicon or bool(user) and word in user))
    return norm, g2p(norm, user)
