"""From a request's text to an ordered plan of pieces to speak and pauses to insert.

``plan_request`` cuts the text (no models needed); ``plan_piece`` adds what the models take for one
piece (phone ids, BERT features, seeds, token limits, speeds): a :class:`PlannedPiece`, plain data
that the Synthesizer renders and ``assemble`` turns into the piece's audio. Seeds are chosen here
only (``piece_seed``, ``run_seed``).

Plain text follows upstream's preprocessing and cut methods exactly (so results match
upstream). Text with markup is cut with the markup-safe splitter; within a piece,
``[pause:N]``/``[break]`` become silences, and emphasised stretches are rendered as
their own runs (slower, then higher and louder) joined to their neighbours by short
cross-fades.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from gpt_sovits.inference.emphasis import crossfade_join, emphasis_speed, emphasize
from gpt_sovits.inference.request import OUTPUT_SAMPLE_RATE_HZ, SynthesisRequest
from gpt_sovits.inference.textprep import SPLITS, TextFeatures, ensure_final_punctuation, preprocess_target

MARKUP_RE = re.compile(r"\[[^\[\]]*\]|\*\*|\{[^{}]*\|[^{}]*\}")
BREAK_PAUSE_S = 0.6
RUN_JOIN_MARK = ","


@dataclass(frozen=True)
class Run:
    """A stretch of one piece: plain text, or a word with given phones, emphasised or not."""

    text: str
    emphasis: bool = False
    override: tuple[str, ...] | None = None
    override_lang: str | None = None


@dataclass(frozen=True)
class SpeechItem:
    runs: tuple[Run, ...]
    language: str

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)

    @property
    def streamable(self) -> bool:
        """Plain pieces (no emphasis) can be rendered part by part while the GPT runs."""
        return not any(r.emphasis for r in self.runs)


@dataclass(frozen=True)
class PlannedRun:
    """One stretch of a piece as the models get it: phone ids and BERT features, seed, token limit, speed."""

    features: TextFeatures
    emphasis: bool
    seed: int
    token_limit: int
    speed: float


@dataclass(frozen=True)
class PlannedPiece:
    """Piece ``index`` of a request, ready to render: speech (``runs``) or a pause (``pause_s``)."""

    index: int
    text: str
    language: str
    seed: int  # the piece's seed; each run draws from its own (run_seed)
    runs: tuple[PlannedRun, ...] = ()
    pause_s: float | None = None

    @property
    def plain(self) -> bool:
        """Speech without emphasis: one run, which may be streamed or share a GPT batch."""
        return self.pause_s is None and len(self.runs) == 1 and not self.runs[0].emphasis

    @property
    def phone_ids(self) -> tuple[int, ...]:
        return tuple(i for run in self.runs for i in run.features.phone_ids)


def piece_seed(seed: int, index: int) -> int:
    """The seed of piece ``index`` of a request whose seed is ``seed``."""
    return seed + index


def run_seed(seed: int, group: int) -> int:
    """The sampling seed of run group ``group`` of a piece whose seed is ``seed``."""
    return seed * 31 + group


def plan_piece(item: SpeechItem | PauseItem, index: int, seed: int, request: SynthesisRequest,
               synth) -> PlannedPiece:
    """Item ``index`` of ``plan_request`` with its model inputs, drawn from piece seed ``seed``.

    ``synth`` lends its text front end (symbol set, BERT, polyphone model) and its token limit."""
    if isinstance(item, PauseItem):
        return PlannedPiece(index, item.text, "", seed, pause_s=item.seconds)
    groups = _group_runs(item.runs)
    runs = []
    for g, (emphasis, group) in enumerate(groups):
        features = run_features(group, item.language, synth, g == len(groups) - 1)
        speed = emphasis_speed(request.speed, request.emphasis_strength) if emphasis else request.speed
        runs.append(PlannedRun(features, emphasis, run_seed(seed, g), synth.token_limit(len(features.phone_ids)),
                               speed))
    return PlannedPiece(index, item.text, item.language, seed, tuple(runs))


def assemble(piece: PlannedPiece, run_audio: list[np.ndarray], request: SynthesisRequest,
             sample_rate: int = OUTPUT_SAMPLE_RATE_HZ) -> np.ndarray:
    """A piece's audio from its runs' audio (at the model's ``sample_rate``): emphasis applied, runs
    cross-faded, the fragment interval after."""
    if piece.pause_s is not None:
        return np.zeros(int(round(sample_rate * piece.pause_s)), np.float32)
    parts = [emphasize(audio, sample_rate, request.emphasis_strength) if run.emphasis else audio
             for run, audio in zip(piece.runs, run_audio, strict=True)]
    return with_interval(crossfade_join(parts, sample_rate), request, sample_rate)


def with_interval(audio: np.ndarray, request: SynthesisRequest, sample_rate: int = OUTPUT_SAMPLE_RATE_HZ) -> np.ndarray:
    """``audio`` followed by the request's fragment interval of silence."""
    silence = np.zeros(int(sample_rate * request.fragment_interval_s), np.float32)
    return np.concatenate([audio.astype(np.float32), silence])


@dataclass(frozen=True)
class PauseItem:
    seconds: float

    @property
    def text(self) -> str:
        return f"[pause:{self.seconds:g}]"

    @property
    def streamable(self) -> bool:
        return False


def has_markup(text: str) -> bool:
    return MARKUP_RE.search(text) is not None


def cut_function(method: str):
    """The cut method named ``method`` (``auto`` = length-aware packing of whole sentences)."""
    from gpt_sovits.text import segmentation

    if method == "auto":
        return lambda text: "\n".join(segmentation.split_for_synthesis(text))
    return getattr(segmentation, method)


def plan_request(request: SynthesisRequest, symbol_version: str = "v2") -> list[SpeechItem | PauseItem]:
    """The ordered pieces and pauses of ``request.text``."""
    text = request.text.replace("\r", "")
    if not has_markup(text):
        pieces = preprocess_target(text, request.language, cut_function(request.cut_method))
        return [SpeechItem((Run(p),), request.language) for p in pieces]
    return _plan_markup(text, request)


def _plan_markup(text: str, request: SynthesisRequest) -> list[SpeechItem | PauseItem]:
    from gpt_sovits.text.markup import parse_markup
    from gpt_sovits.text.segmentation import split_for_synthesis

    pieces = [text] if request.cut_method == "cut0" else split_for_synthesis(text.replace("\n", " "))
    items: list[SpeechItem | PauseItem] = []
    for piece in pieces:
        runs: list[Run] = []
        for span in parse_markup(piece):
            if span.pause_s is not None or span.is_break:
                _flush(items, runs, request.language)
                items.append(PauseItem(span.pause_s if span.pause_s is not None else BREAK_PAUSE_S))
            elif span.text:
                runs.append(Run(span.text, span.emphasis, span.override, span.override_lang))
        _flush(items, runs, request.language)
    return items


def _flush(items: list, runs: list[Run], language: str) -> None:
    if any(r.text.strip(" ，,、") for r in runs):
        items.append(SpeechItem(tuple(runs), language))
    runs.clear()


def _group_runs(runs: tuple[Run, ...]) -> list[tuple[bool, list[Run]]]:
    groups: list[tuple[bool, list[Run]]] = []
    for run in runs:
        if groups and groups[-1][0] == run.emphasis:
            groups[-1][1].append(run)
        else:
            groups.append((run.emphasis, [run]))
    return groups


def run_features(runs: list[Run] | tuple[Run, ...], language: str, synth, final: bool) -> TextFeatures:
    """Phone ids and BERT features of consecutive runs (overrides give their phones directly)."""
    import torch

    from gpt_sovits.features.bert import zero_features
    from gpt_sovits.inference.textprep import text_features
    from gpt_sovits.text.symbols import phones_to_ids

    texts, ids, feats = [], [], []
    for i, run in enumerate(runs):
        last = i == len(runs) - 1
        if run.override is not None:
            run_ids = list(phones_to_ids(list(run.override), synth.symbol_version))
            texts.append(run.text)
            ids += run_ids
            feats.append(zero_features(len(run_ids)))
            continue
        chunk = run.text if len(runs) == 1 else run.text.strip()
        if not chunk.strip() or set(chunk.strip()) <= set(" ，,、"):
            continue
        if last:
            chunk = ensure_final_punctuation(chunk, language) if final else _soft_end(chunk)
        f = text_features(chunk, language, synth.symbol_version, synth.bert, getattr(synth, "polyphone_model", None))
        texts.append(f.norm_text)
        ids += list(f.phone_ids)
        feats.append(f.bert)
    if not ids:
        from gpt_sovits.errors import TextError

        raise TextError("A marked-up passage contains nothing to pronounce.")
    return TextFeatures("".join(r.text for r in runs), "".join(texts), tuple(ids), torch.cat(feats, dim=1))


def _soft_end(text: str) -> str:
    return text if text[-1] in SPLITS else text + RUN_JOIN_MARK
