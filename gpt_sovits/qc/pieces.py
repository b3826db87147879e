"""Checking the pieces of one synthesis and re-rolling the failing ones with a Synthesizer.

The Synthesize tab and the API use :class:`PieceChecker`; the book renderer can call
:func:`gpt_sovits.qc.checks.check_take` and :func:`gpt_sovits.qc.reroll.render_with_rerolls` directly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from gpt_sovits.config import QcSettings
from gpt_sovits.errors import StudioError
from gpt_sovits.inference.request import OUTPUT_SAMPLE_RATE_HZ
from gpt_sovits.qc.asr import AsrRoundTrip
from gpt_sovits.qc.checks import TakeContext, check_take, speech_loudness_db
from gpt_sovits.qc.rate import SpeakingRate, count_phones, rate_from_clip
from gpt_sovits.qc.report import TakeReport
from gpt_sovits.qc.reroll import Attempt, RerollResult, Take, render_with_rerolls
from gpt_sovits.qc.speaker import SpeakerSimilarity, load_speaker_embedder

logger = logging.getLogger(__name__)

CUT_NOTICE = "did not end naturally"  # the synthesizer's notice for a piece stopped by the runaway guard
NEIGHBOURS = 2


@dataclass
class OptionalModels:
    """The ASR recogniser and speaker encoder, loaded on first use and kept (or why they are missing)."""

    pretrained_dir: Path
    device: str = "cpu"
    _recognizer: object | None = None
    _asr_missing: str = ""
    _embedder: object | None = None
    _speaker_missing: str = ""
    _tried: set[str] = field(default_factory=set)

    def recognizer(self):
        if "asr" not in self._tried:
            self._tried.add("asr")
            from gpt_sovits.qc.asr import load_recognizer

            try:
                self._recognizer = load_recognizer(self.pretrained_dir, self.device)
            except StudioError as e:
                self._asr_missing = str(e)
        return self._recognizer, self._asr_missing

    def embedder(self, loaded=None):
        if loaded is not None:
            return loaded, ""
        if "speaker" not in self._tried:
            self._tried.add("speaker")
            self._embedder = load_speaker_embedder(self.pretrained_dir, self.device)
            if self._embedder is None:
                self._speaker_missing = ("the v2Pro speaker encoder (pretrained/sv/) is not downloaded; get it on "
                                         "the Models tab")
        return self._embedder, self._speaker_missing


def is_cut(notices: list[str]) -> bool:
    return any(CUT_NOTICE in n for n in notices)


class PieceChecker:
    """Checks the pieces of one request synthesized by ``synth`` and re-rolls failing ones.

    ``models``: optional checks' models (None: only the always-on checks run, and the optional ones
    that are switched on say they could not run).
    """

    def __init__(self, synth, request, settings: QcSettings, models: OptionalModels | None = None,
                 rate: SpeakingRate | None = None):
        from gpt_sovits.inference.plan import plan_request

        self.synth, self.request, self.settings, self.models = synth, request, settings, models
        self.items = plan_request(request, synth.symbol_version)
        self.rate = rate or rate_from_clip(request.ref_audio, request.ref_text, request.ref_language, settings,
                                           synth.symbol_version)
        self._reference = None
        self._speaker: SpeakerSimilarity | None = None
        self._phones: dict[int, int | None] = {}

    def is_speech(self, index: int) -> bool:
        return 0 <= index < len(self.items) and not self.items[index].text.startswith("[pause")

    def phones(self, index: int) -> int | None:
        """Phones of piece ``index`` (counted once: every take of a piece has the same text)."""
        if index not in self._phones:
            self._phones[index] = count_phones(self.items[index].text, self.request.language,
                                               self.synth.symbol_version)
        return self._phones[index]

    def context(self, neighbours: tuple[float, ...]) -> TakeContext:
        return TakeContext(rate=self.rate, speed=self.request.speed, neighbour_loudness_db=neighbours,
                           appended_silence_s=self.request.fragment_interval_s)

    def check(self, index: int, take: Take, neighbours: tuple[float, ...] = ()) -> TakeReport:
        """The report of one take of piece ``index``."""
        ctx = replace(self.context(neighbours), cut=take.cut)
        return check_take(take.audio, take.sample_rate, self.phones(index), take.tokens, ctx, self.settings,
                          extra=self._extra_checks(index), seed=take.seed)

    def check_all(self, takes: list[Take | None]) -> list[RerollResult | None]:
        """Check every speech piece (None for pauses) against its neighbours' loudness and re-roll the
        failing ones (``settings.rerolls`` times at most). The kept take of each piece is ``result.best``."""
        levels = [speech_loudness_db(t.audio, t.sample_rate, self.request.fragment_interval_s) if t else np.nan
                  for t in takes]
        results: list[RerollResult | None] = []
        for i, take in enumerate(takes):
            if take is None or not self.is_speech(i):
                results.append(None)
                continue
            around = tuple(levels[max(0, i - NEIGHBOURS): i] + levels[i + 1: i + 1 + NEIGHBOURS])
            first = Attempt(take, self.check(i, take, around))
            results.append(render_with_rerolls(lambda seed, i=i: self.render(i, seed),
                                               lambda t, i=i, a=around: self.check(i, t, a),
                                               take.seed, self.settings.rerolls, first=first))
        return results

    def render(self, index: int, seed: int) -> Take:
        """A new take of piece ``index`` drawn from piece seed ``seed`` (the synthesizer's one-piece path)."""
        chunk = self.synth.synthesize_piece(self.request, index, seed)
        return Take(chunk.audio, chunk.sample_rate, chunk.tokens, seed, is_cut(chunk.notices), chunk.seconds_to_compute)

    def reference(self):
        """The request's ReferencePrompt (from the synthesizer's cache)."""
        if self._reference is None:
            r = self.request
            self._reference = self.synth.prepare_reference(r.ref_audio, r.ref_text, r.ref_language, r.aux_ref_audio)
        return self._reference

    def _extra_checks(self, index: int) -> list:
        extra = []
        if self.settings.asr:
            recognizer, why = self.models.recognizer() if self.models else (None, "no models folder given")
            extra.append(AsrRoundTrip(recognizer, self.items[index].text, self.request.language,
                                      self.settings.max_error_rate, why or "no speech recognition is set up"))
        if self.settings.speaker:
            self._speaker = self._speaker or self._speaker_check()
            extra.append(self._speaker)
        return extra

    def _speaker_check(self) -> SpeakerSimilarity:
        loaded = getattr(self.synth, "sv", None)
        embedder, why = self.models.embedder(loaded) if self.models else (loaded, "no models folder given")
        if embedder is None:
            return SpeakerSimilarity(None, None, self.settings.min_speaker_similarity, why)
        prompt = self.reference()
        reference = prompt.sv_embs[0] if prompt.sv_embs else None
        if reference is None:
            from gpt_sovits.audio.io import load_audio

            audio, _ = load_audio(self.request.ref_audio, 16000)
            reference = embedder.embed(audio)
        return SpeakerSimilarity(embedder, np.asarray(reference), self.settings.min_speaker_similarity)


def check_chunks(chunks: list, request, settings: QcSettings, version: str = "v2") -> list[TakeReport | None]:
    """Reports (no re-rolls) of finished AudioChunks of ``request`` (None for pauses), each against its
    neighbours' loudness and the speaking rate of the request's reference."""
    from gpt_sovits.qc.checks import check_takes

    rate = rate_from_clip(request.ref_audio, request.ref_text, request.ref_language, settings, version)
    speech = [i for i, c in enumerate(chunks) if not c.text.startswith("[pause")]
    takes = [(chunks[i].audio, count_phones(chunks[i].text, request.language, version), chunks[i].tokens or None)
             for i in speech]
    context = TakeContext(rate=rate, speed=request.speed, appended_silence_s=request.fragment_interval_s)
    reports = check_takes(takes, chunks[0].sample_rate if chunks else OUTPUT_SAMPLE_RATE_HZ, context, settings, NEIGHBOURS,
                          cut=[is_cut(chunks[i].notices) for i in speech])
    out: list[TakeReport | None] = [None] * len(chunks)
    for i, report in zip(speech, reports, strict=True):
        out[i] = report
    return out


def checks_summary(reports: list[TakeReport | None]) -> dict:
    """A compact summary of a request's reports (the API's X-Take-Checks header): whether all passed, the
    flagged pieces (0-based) with their reasons, and how many pieces were checked."""
    flagged = [{"piece": i, "reasons": list(r.reasons)} for i, r in enumerate(reports) if r is not None and not r.passed]
    return {"passed": not flagged, "checked": sum(r is not None for r in reports), "flagged": flagged}
