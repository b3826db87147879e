"""Text to model inputs: sentence pieces, phone ids and BERT features per piece.

The target text goes through upstream's TTS.run preprocessing: runs of punctuation
collapse to their first mark, a leading "。" is added when the first clause is very
short, the cut method splits it, pieces under 5 characters are merged, each piece gets
final punctuation, and each piece becomes phone ids plus [1024, n] BERT features
(real features for Chinese segments, zeros otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import torch

from gpt_sovits.errors import TextError

SPLITS = frozenset("，。？！,.?!~:：—…")
PUNCTUATION_RUN_RE = re.compile(r"([!?…,.\-])([!?…,.\-])+")
MIN_PIECE_CHARS = 5
MAX_PIECE_CHARS = 510
LEADING_CLAUSE_MIN_CHARS = 4
WORD_CHAR_RE = re.compile(r"\w")


@dataclass(frozen=True)
class TextFeatures:
    """Model inputs for one piece of text."""

    text: str
    norm_text: str
    phone_ids: tuple[int, ...]
    bert: torch.Tensor  # [1024, len(phone_ids)]


def final_mark(language: str) -> str:
    """The punctuation upstream appends to a piece without one."""
    return "." if language == "en" else "。"


def ensure_final_punctuation(text: str, language: str) -> str:
    text = text.strip("\n")
    return text if text and text[-1] in SPLITS else text + final_mark(language)


def merge_short_pieces(pieces: list[str], min_chars: int = MIN_PIECE_CHARS) -> list[str]:
    """Join pieces until each has at least ``min_chars`` characters; a short tail joins the last piece."""
    if len(pieces) < 2:
        return list(pieces)
    merged: list[str] = []
    buffer = ""
    for piece in pieces:
        buffer += piece
        if len(buffer) >= min_chars:
            merged.append(buffer)
            buffer = ""
    if buffer:
        if merged:
            merged[-1] += buffer
        else:
            merged.append(buffer)
    return merged


def preprocess_target(text: str, language: str, cut: Callable[[str], str]) -> list[str]:
    """Upstream's target preprocessing up to the list of pieces (before phonemisation)."""
    text = PUNCTUATION_RUN_RE.sub(r"\1", text).replace("\r", "").replace("\n", "")
    if text and text[0] not in SPLITS:
        first_clause = re.split("[" + re.escape("".join(SPLITS)) + "]", text, maxsplit=1)[0]
        if len(first_clause) < LEADING_CLAUSE_MIN_CHARS:
            text = final_mark(language) + text
    cut_text = cut(text)
    while "\n\n" in cut_text:
        cut_text = cut_text.replace("\n\n", "\n")
    pieces = merge_short_pieces([p for p in cut_text.split("\n") if p.strip()])
    out = []
    for piece in pieces:
        if not WORD_CHAR_RE.search(piece):
            continue  # punctuation only
        piece = ensure_final_punctuation(piece, language)
        out.extend(split_long_piece(piece) if len(piece) > MAX_PIECE_CHARS else [piece])
    return out


def split_long_piece(text: str, limit: int = MAX_PIECE_CHARS) -> list[str]:
    """Cut a piece longer than ``limit`` characters at punctuation into chunks of at most ``limit``."""
    parts = re.split("(?<=[" + re.escape("".join(SPLITS)) + "])", text)
    chunks, current = [], ""
    for part in parts:
        while len(part) > limit:  # no punctuation for too long: hard cut
            chunks.append(part[:limit])
            part = part[limit:]
        if len(current) + len(part) > limit and current:
            chunks.append(current)
            current = ""
        current += part
    if current:
        chunks.append(current)
    return chunks


def text_features(text: str, mode: str, version: str, bert, polyphone_model=None) -> TextFeatures:
    """Phone ids and BERT features of ``text`` in language ``mode`` (upstream's get_phones_and_bert).

    ``polyphone_model``: the optional g2pW model for Chinese polyphones (None: pypinyin, as the golden data).
    """
    from gpt_sovits.features.bert import zero_features
    from gpt_sovits.text.frontend import run_pipeline

    result = run_pipeline(text, mode, version, polyphone_model=polyphone_model)
    feats = []
    for seg in result.segments:
        n = len(seg.phones)
        if seg.lang == "zh" and bert is not None and seg.word2ph is not None:
            feats.append(bert.phone_features(seg.norm_text, seg.word2ph))
        else:
            feats.append(zero_features(n))
    ids = tuple(result.phone_ids)
    if not ids:
        raise TextError(f"Nothing pronounceable was found in {text!r}.")
    features = torch.cat(feats, dim=1) if feats else zero_features(len(ids))
    if features.shape[1] != len(ids):
        raise TextError(f"Internal mismatch between phones ({len(ids)}) and features ({features.shape[1]}) for {text!r}.")
    return TextFeatures(text=text, norm_text=result.norm_text, phone_ids=ids, bert=features)
