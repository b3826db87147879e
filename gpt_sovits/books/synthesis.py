"""Line synthesis through the engine host: the ``SynthesizeLines`` callable the renderer uses.

Consecutive lines with the same voice and settings share GPT batches: their plain pieces are
decoded together (``Synthesizer.render_planned``), each with its own seed, so a line gets
the take ``Synthesizer.synthesize`` would give its text with that seed. A line is one piece (the
line splitter already cut at the synthesizer's rule); markup pauses and emphasis are rendered as
``synthesize`` renders them. The silence after a line is not part of its take (``pause_after_s``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

from gpt_sovits.books.render import LineRequest, RenderedTake

logger = logging.getLogger(__name__)


class EngineLines:
    """Renders batches of lines as jobs of the engine host (batch priority: a click in the studio or an
    API request goes first between two batches); the host loads and keeps the models."""

    def __init__(self, host=None, cache_dir: Path | None = None, batch_pieces: int = 4):
        self.host = host
        self.cache_dir = cache_dir
        self.batch_pieces = batch_pieces

    def __call__(self, requests: list[LineRequest]) -> Iterator[RenderedTake]:
        from gpt_sovits.inference.engine import BATCH, engine_host

        host = self.host or engine_host()
        return host.iterate(self._render, host, requests, priority=BATCH)

    def _render(self, host, requests: list[LineRequest]) -> Iterator[RenderedTake]:
        """On the engine's worker: consecutive lines with one voice and the same settings form a group."""
        start = 0
        while start < len(requests):
            end = start + 1
            while (end < len(requests) and requests[end].voice == requests[start].voice
                   and requests[end].settings == requests[start].settings):
                end += 1
            synth = host.engine_for(requests[start].voice.models, self.cache_dir)
            yield from self._render_group(synth, requests[start:end])
            start = end

    def _render_group(self, synth, group: list[LineRequest]) -> Iterator[RenderedTake]:
        from gpt_sovits.inference import SynthesisRequest
        from gpt_sovits.inference.plan import plan_request

        first = group[0]
        voice, s = first.voice, first.settings
        base = SynthesisRequest(
            text="-", ref_audio=voice.ref_audio, language=first.language, ref_text=voice.ref_text,
            ref_language=voice.ref_language, top_k=s.top_k, top_p=s.top_p, temperature=s.temperature,
            repetition_penalty=s.repetition_penalty, speed=s.speed, seed=0, cut_method="cut0",
            fragment_interval_s=s.fragment_interval_s, noise_scale=s.noise_scale,
            emphasis_strength=s.emphasis_strength)
        reference = synth.prepare_reference(voice.ref_audio, voice.ref_text, voice.ref_language)
        # (line index, item, seed) in order: piece j of a line draws from seed + j, as synthesize does
        flat = [(li, item, req.seed + j) for li, req in enumerate(group)
                for j, item in enumerate(plan_request(replace(base, text=req.text, seed=req.seed).validate(),
                                                      synth.symbol_version))]
        remaining = [sum(1 for f in flat if f[0] == li) for li in range(len(group))]
        parts: list[list[np.ndarray]] = [[] for _ in group]
        state = {"tokens": [0] * len(group), "seconds": [0.0] * len(group), "notices": [[] for _ in group]}
        index = 0
        while index < len(flat):
            run = self._plain_run(flat, index)
            started = time.perf_counter()
            for li, audio, tokens, cut in self._render_run(flat, run, synth, base, reference):
                parts[li].append(audio)
                state["tokens"][li] += tokens
                state["seconds"][li] += (time.perf_counter() - started) / len(run)
                state["notices"][li] += [f"The line did not end naturally and was cut ({cut[:30]!r}); "
                                         "try another seed."] if cut else []
                remaining[li] -= 1
                if remaining[li] == 0:
                    yield self._take(group[li], parts[li], flat, li, base, state)
            index += len(run)

    def _plain_run(self, flat: list, index: int) -> list[int]:
        from gpt_sovits.inference.plan import SpeechItem

        run = [index]
        while (len(run) < self.batch_pieces and index + len(run) < len(flat)
               and all(isinstance(flat[i][1], SpeechItem) and flat[i][1].streamable
                       for i in (index, index + len(run)))):
            run.append(index + len(run))
        return run

    @staticmethod
    def _render_run(flat, run, synth, base, reference) -> Iterator[tuple[int, np.ndarray, int, str]]:
        from gpt_sovits.inference.plan import plan_piece

        pieces = [plan_piece(flat[i][1], i, flat[i][2], base, synth) for i in run]
        for i, chunk in zip(run, synth.render_planned(pieces, base, reference), strict=True):
            yield flat[i][0], chunk.audio, chunk.tokens, flat[i][1].text if chunk.cut else ""

    @staticmethod
    def _take(request: LineRequest, parts: list[np.ndarray], flat, li: int, base, state) -> RenderedTake:
        from gpt_sovits.inference.plan import SpeechItem
        from gpt_sovits.inference.request import OUTPUT_SAMPLE_RATE_HZ

        audio = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        last_item = [f[1] for f in flat if f[0] == li][-1]
        if isinstance(last_item, SpeechItem):  # the pause after a line is the book's, not the take's
            audio = audio[: max(0, len(audio) - int(OUTPUT_SAMPLE_RATE_HZ * base.fragment_interval_s))]
        return RenderedTake(request.key, audio.astype(np.float32), OUTPUT_SAMPLE_RATE_HZ, request.seed,
                            state["tokens"][li], state["seconds"][li], state["notices"][li])
