"""Text front end: text (zh, en, mixed; with markup) -> phones and phone ids.

Import-cheap: the public names below load their modules on first use.

    phonemize(text, language, version="v2", dictionary=None) -> PhonemizeResult
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "phonemize": "gpt_sovits.text.frontend",
    "PhonemizeResult": "gpt_sovits.text.frontend",
    "Segment": "gpt_sovits.text.frontend",
    "Pause": "gpt_sovits.text.frontend",
    "LANGUAGES": "gpt_sovits.text.language",
    "TEXT_LANGUAGES": "gpt_sovits.text.language",
    "clean_text": "gpt_sovits.text.frontend",
    "PronunciationDictionary": "gpt_sovits.text.dictionary",
    "load_dictionary": "gpt_sovits.text.dictionary",
    "save_dictionary": "gpt_sovits.text.dictionary",
    "parse_dictionary": "gpt_sovits.text.dictionary",
    "parse_markup": "gpt_sovits.text.markup",
    "Span": "gpt_sovits.text.markup",
    "CUT_METHODS": "gpt_sovits.text.segmentation",
    "SPLIT_METHODS": "gpt_sovits.text.segmentation",
    "split_for_synthesis": "gpt_sovits.text.segmentation",
    "symbols_for": "gpt_sovits.text.symbols",
    "phones_to_ids": "gpt_sovits.text.symbols",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
