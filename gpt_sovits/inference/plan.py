"""From a request's text to an ordered plan of pieces to speak and pauses to insert.

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

    def render(self, synth, request: SynthesisRequest, reference, seed: int) -> tuple[np.ndarray, int]:
        """Audio of the piece followed by the fragment interval, and the number of tokens generated."""
        parts, tokens = [], 0
        groups = _group_runs(self.runs)
        for i, (emphasis, runs) in enumerate(groups):
            final = i == len(groups) - 1
            features = run_features(runs, self.language, synth, final)
            speed = emphasis_speed(request.speed, request.emphasis_strength) if emphasis else request.speed
            audio, n = synth.render_piece(features, reference, request, run_seed(seed, i), speed=speed)
            if emphasis:
                audio = emphasize(audio, OUTPUT_SAMPLE_RATE_HZ, request.emphasis_strength)
            parts.append(audio)
            tokens += n
        return _with_interval(crossfade_join(parts, OUTPUT_SAMPLE_RATE_HZ), request), tokens


def run_seed(seed: int, group: int) -> int:
    """The sampling seed of run group ``group`` of a piece whose seed is ``seed``."""
    return seed * 31 + group


def render_plain_batch(items: list[SpeechItem], synth, request: SynthesisRequest, reference,
                       seeds: list[int]) -> list[tuple[np.ndarray, int, bool]]:
    """What ``item.render(synth, request, reference, seed)`` gives for each plain (``streamable``) item,
    with the GPT decoding all of them together (one weight read per step serves every piece), and
    whether the runaway guard cut the piece."""
    if not all(item.streamable for item in items):
        raise ValueError("only plain pieces (no emphasis) can be rendered in a batch")
    features = [run_features(list(item.runs), item.language, synth, True) for item in items]
    rendered = synth.render_pieces(features, reference, request, [run_seed(s, 0) for s in seeds])
    return [(_with_interval(audio, request), n, cut) for audio, n, cut in rendered]


def _with_interval(audio: np.ndarray, request: SynthesisRequest) -> np.ndarray:
    silence = np.zeros(int(OUTPUT_SAMPLE_RATE_HZ * request.fragment_interval_s), np.float32)
    return np.concatenate([audio.astype(np.float32), silence])


@dataclass(frozen=True)
class PauseItem:
    seconds: float

    @property
    def text(self) -> str:
        return f"[pause:{self.seconds:g}]"

    def render(self, synth, request, reference, seed) -> tuple[np.ndarray, int]:
        return np.zeros(int(round(OUTPUT_SAMPLE_RATE_HZ * self.seconds)), np.float32), 0


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


def run_features(runs: list[Run], language: str, synth, final: bool) -> TextFeatures:
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
