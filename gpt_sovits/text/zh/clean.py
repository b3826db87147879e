"""``clean_chinese``: upstream ``clean_text(text, "zh", version)``; g2pW only when a model is given."""

from __future__ import annotations

from gpt_sovits.errors import TextError
from gpt_sovits.text.symbols import UNKNOWN, symbols_for
from gpt_sovits.text.zh.g2p import PolyphoneModel, g2p_chinese
from gpt_sovits.text.zh.normalize import normalize_chinese

# Pause markers typed by the user: every "," phone of such a text becomes the pause symbol.
# Only the first marker found (in this order) is honoured, as upstream does.
PAUSE_MARKERS: tuple[tuple[str, str], ...] = (("￥", "SP2"), ("^", "SP3"))


def clean_chinese(
    text: str, version: str = "v2", polyphone_model: PolyphoneModel | None = None
) -> tuple[str, list[str], list[int]]:
    """(norm_text, phones [P], word2ph [len(norm_text)]) of Mandarin text; sum(word2ph) == P.

    ``version`` selects the symbol table ("v1" or anything else for v2) and, for "v1", the
    front end without erhua. A text containing ``￥`` (or else ``^``) has that character read
    as a comma and then every "," phone, real commas included, turned into SP2 (SP3).
    ``polyphone_model`` (optional, e.g. the g2pW model from ``g2pw.find_g2pw``) picks the
    readings of polyphonic characters for v2 and later; None is the pypinyin-only front end.
    Raises TextError for empty text.
    """
    if not text or not text.strip():
        raise TextError("The Chinese text is empty; type something to read.")
    pause_symbol = None
    for marker, symbol in PAUSE_MARKERS:
        if marker in text:
            text, pause_symbol = text.replace(marker, ","), symbol
            break
    norm_text = normalize_chinese(text)
    phones, word2ph = g2p_chinese(norm_text, version, polyphone_model)
    if len(word2ph) != len(norm_text) or sum(word2ph) != len(phones):
        raise TextError(
            f"Chinese front end lost track of characters in {norm_text!r} "
            f"({len(norm_text)} characters, {len(word2ph)} word2ph entries); please report this text."
        )
    if pause_symbol is not None:
        phones = [pause_symbol if p == "," else p for p in phones]
    table = set(symbols_for(version))
    phones = [p if p in table else UNKNOWN for p in phones]
    return norm_text, phones, word2ph
