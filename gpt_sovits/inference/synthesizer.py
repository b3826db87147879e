"""Synthesizer: the one inference path behind the UI, the HTTP API and the CLI.

text + ReferencePrompt -> per piece: GPT (semantic tokens) -> SoVITS decode -> audio,
yielded piece by piece so playback can start before the whole text is done.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from gpt_sovits import pretrained
from gpt_sovits.audio.processing import resample_sinc
from gpt_sovits.devices import DEFAULT_PRECISION, PrecisionPlan, precision_plan
from gpt_sovits.errors import ConfigError, ModelNotFoundError
from gpt_sovits.inference.reference import (
    PROMPT_PAD_SAMPLES,
    ReferenceCache,
    ReferencePrompt,
    fit_reference_length,
    load_reference_audio,
    reference_key,
    to_16k,
    to_model_rate_peak_limited,
)
from gpt_sovits.inference.request import (
    OUTPUT_SAMPLE_RATE_HZ,
    AudioChunk,
    SynthesisRequest,
    join_audio,
    real_time_factor,
)
from gpt_sovits.inference.textprep import TextFeatures, ensure_final_punctuation, text_features

logger = logging.getLogger(__name__)

EARLY_STOP_PER_MAX_SEC = 50  # upstream: early_stop_num = hz(50) * max_sec
# Runaway guard: natural speech needs about 2–3 semantic tokens per phone; a piece that
# needs far more is the model failing to stop (repeating or babbling), so we cut it.
MAX_TOKENS_PER_PHONE = 8
MAX_TOKENS_SLACK = 25
# 12 s: a piece of the default split (up to 80 characters) decodes in one pass, longer ones in bounded memory.
# Measured on a 10 s piece: one pass is 4-6% faster than two 8 s windows with their overlap, and the
# decode's peak memory stays under the models' loading peak (a 20 s window added 570 MB in bfloat16).
DECODE_WINDOW_FRAMES = 600
SV_RATE_HZ = 16000
# Streaming: confirmed tokens per part (the last size repeats). A short first part starts playback soon; the
# second is short too, so it is ready before the first has played on a CPU that decodes near real time
# (with 25 there, 2 AMD EPYC cores left 0.4-0.5 s of silence after the first 0.32 s); later parts are longer, as
# each part re-decodes some context and fewer parts cost less.
STREAM_PART_TOKENS = (12, 12, 25)


@dataclass
class SynthesisResult:
    """The whole output of one request."""

    sample_rate: int
    audio: np.ndarray  # float32 [N]
    chunks: list[AudioChunk]
    seed: int
    seconds_to_first_audio: float
    seconds_total: float
    notices: list[str] = field(default_factory=list)

    @property
    def real_time_factor(self) -> float:
        return real_time_factor(self.seconds_total, len(self.audio), self.sample_rate)

    @classmethod
    def of(cls, chunks: list[AudioChunk], seed: int, seconds_to_first_audio: float,
           seconds_total: float) -> SynthesisResult:
        """The result made of a request's chunks (joined in order)."""
        rate = chunks[0].sample_rate if chunks else OUTPUT_SAMPLE_RATE_HZ
        notices = [n for c in chunks for n in c.notices]
        return cls(rate, join_audio(c.audio for c in chunks), chunks, seed, seconds_to_first_audio, seconds_total,
                   notices)


class Synthesizer:
    """Loaded models plus the reference cache; create once, call :meth:`synthesize` many times."""

    batch_pieces = 4  # plain pieces decoded together by the GPT when not streaming (1: one by one)

    def __init__(self, gpt, sovits, hubert, bert, sv=None, *, device: str | torch.device = "cpu",
                 cache_dir: Path | None = None, model_ids: tuple[str, ...] = ()):
        self.gpt = gpt
        self.sovits = sovits
        self.hubert = hubert
        self.bert = bert
        self.sv = sv
        self.device = torch.device(device)
        self.model_ids = list(model_ids)
        self.cache = ReferenceCache(cache_dir)
        self.reference_analyses = 0  # how many times a reference was analysed (not served from cache)
        self.last_cut_pieces: list[str] = []  # pieces stopped by the runaway guard in the current call
        self.polyphone_model = None  # optional g2pW model for Chinese polyphones (from_files finds it)
        self.precisions: PrecisionPlan | None = None  # the precisions from_files loaded the models in

    # ----- construction ---------------------------------------------------------------------
    @classmethod
    def from_files(cls, gpt_path: Path, sovits_path: Path, pretrained_dir: Path, *, device: str = "auto",
                   cache_dir: Path | None = None, precision: str = DEFAULT_PRECISION,
                   plan: PrecisionPlan | None = None, warm_up: bool = True) -> Synthesizer:
        """Load GPT, SoVITS, HuBERT, BERT (and the speaker encoder for Pro models) from files.

        ``precision`` is the one knob users see: ``"exact"`` (default; float32 everywhere, upstream's
        numbers) or ``"fast"``; what each means on each device is decided in one place,
        :func:`gpt_sovits.devices.precision_plan`. ``plan`` replaces that decision (benchmarks, tests).
        """
        from gpt_sovits.devices import choose_device
        from gpt_sovits.features.bert import BertFeatureExtractor
        from gpt_sovits.features.hubert import HubertFeatureExtractor
        from gpt_sovits.models import load_gpt, load_sovits

        choice = choose_device(device)
        for path, what in ((gpt_path, "GPT"), (sovits_path, "SoVITS")):
            if not Path(path).is_file():
                raise ModelNotFoundError(f"The {what} model file {path} does not exist.")
        chosen = plan
        plan = plan or precision_plan(precision, choice.device)
        pretrained_dir = Path(pretrained_dir)
        gpt, gpt_precision = _gpt_in(load_gpt(gpt_path, device=choice.device), plan.gpt, plan.cuda_graphs,
                                     fallback=chosen is None)
        sovits = _optimized(load_sovits(sovits_path, device=choice.device), plan.vocoder)
        hubert = HubertFeatureExtractor.load(pretrained.hubert_dir(pretrained_dir), choice.device, plan.features_half)
        bert = BertFeatureExtractor.load(pretrained.bert_dir(pretrained_dir), choice.device, plan.features_half)
        sv = None
        if getattr(sovits, "is_pro", False):
            from gpt_sovits.features.speaker import SpeakerEmbedder

            sv = SpeakerEmbedder.load(pretrained.speaker_encoder_path(pretrained_dir), choice.device)
        ids = (_file_id(gpt_path), _file_id(sovits_path), _file_id(pretrained.hubert_dir(pretrained_dir)),
               _file_id(pretrained.bert_dir(pretrained_dir)))
        from gpt_sovits.text.zh.g2pw import find_g2pw

        polyphone_model = find_g2pw(pretrained_dir)
        if polyphone_model is not None:
            ids = (*ids, _file_id(pretrained.g2pw_dir(pretrained_dir)))
        synth = cls(gpt, sovits, hubert, bert, sv, device=choice.device, cache_dir=cache_dir, model_ids=ids)
        synth.polyphone_model = polyphone_model
        synth.precisions = dataclasses.replace(plan, gpt=gpt_precision)
        if warm_up:
            synth.warm_up()
        return synth

    @torch.inference_mode()
    def warm_up(self) -> None:
        """Run every network and the text front ends once on tiny inputs, so the first real request
        does not pay for loading dictionaries, kernel selection and memory set-up (seconds on a CPU)."""
        from gpt_sovits.models.sovits.streaming import StreamDecoder

        start = time.perf_counter()
        # the text front ends (dictionaries, English tagger) and the resampler load on first use
        text_features("你好，world。", "auto", self.symbol_version, self.bert, self.polyphone_model)
        to_16k(np.zeros(24000, np.float32), 24000)
        self.bert.phone_features("你好。", [2, 2, 1])
        self.hubert.extract(np.zeros(16000, np.float32))
        phones = torch.tensor([[1, 2, 3, 4, 5, 6]], device=self.device)
        tokens, _ = self.gpt.generate(phones, torch.zeros(1, 1024, 6, device=self.device), None, top_k=1,
                                      early_stop_num=8, seed=0)
        dtype = self._sovits_dtype()
        spec = torch.zeros(1, self.sovits.config.spec_channels, 50, device=self.device, dtype=dtype)
        sv = [torch.zeros(1, 20480, device=self.device, dtype=dtype)] if getattr(self.sovits, "is_pro", False) else None
        codes = tokens.view(1, 1, -1).to(self.device)
        self.sovits.decode(codes, phones, [spec], noise_scale=0.0, sv_emb=sv)
        ge = self.sovits.reference_embedding([spec], sv)
        stream = StreamDecoder(self.sovits, phones, ge, noise_scale=0.0)
        stream.push(codes[..., : codes.shape[-1] // 2])
        stream.push(codes, final=True)
        logger.info("Models warmed up in %.2f s.", time.perf_counter() - start)

    def with_models(self, gpt_path: Path | None = None, sovits_path: Path | None = None,
                    pretrained_dir: Path | None = None) -> Synthesizer:
        """A Synthesizer with other GPT and/or SoVITS files, sharing the loaded HuBERT, BERT and speaker encoder.

        Pro SoVITS models need the speaker encoder: it is loaded from ``pretrained_dir`` when not loaded yet.
        """
        from gpt_sovits.models import load_gpt, load_sovits

        plan = self.precisions or precision_plan("exact", str(self.device))
        gpt = (_gpt_in(load_gpt(gpt_path, device=self.device), plan.gpt, plan.cuda_graphs)[0] if gpt_path is not None
               else self.gpt)
        sovits = (_optimized(load_sovits(sovits_path, device=self.device), plan.vocoder) if sovits_path
                  else self.sovits)
        sv = self.sv
        if getattr(sovits, "is_pro", False) and sv is None:
            if pretrained_dir is None:
                raise ModelNotFoundError("This SoVITS model (v2Pro) needs the speaker-verification network; "
                                         "give the pretrained folder.")
            from gpt_sovits.features.speaker import SpeakerEmbedder

            sv = SpeakerEmbedder.load(pretrained.speaker_encoder_path(pretrained_dir), self.device)
        ids = list(self.model_ids) or ["", "", "", ""]
        if gpt_path is not None:
            ids[0] = _file_id(gpt_path)
        if sovits_path is not None:
            ids[1] = _file_id(sovits_path)
        new = Synthesizer(gpt, sovits, self.hubert, self.bert, sv, device=self.device, model_ids=tuple(ids))
        new.polyphone_model = self.polyphone_model
        new.precisions = self.precisions
        new.cache = self.cache if sovits_path is None else ReferenceCache(self.cache.folder)
        return new

    @property
    def symbol_version(self) -> str:
        return "v1" if getattr(self.sovits, "version", "v2") == "v1" else "v2"

    @property
    def sample_rate(self) -> int:
        """The rate the loaded SoVITS model speaks at (its checkpoint's ``data.sampling_rate``)."""
        return self.sovits.config.sampling_rate

    @property
    def early_stop_num(self) -> int:
        return EARLY_STOP_PER_MAX_SEC * int(self.gpt.config.max_sec)

    # ----- references -----------------------------------------------------------------------
    def prepare_reference(self, ref_audio: Path, ref_text: str = "", ref_language: str = "auto",
                          aux_ref_audio: tuple[Path, ...] | list[Path] = ()) -> ReferencePrompt:
        """Analyse (or fetch from the cache) the reference clip(s) and prompt text."""
        paths = [Path(ref_audio), *map(Path, aux_ref_audio)]
        prompt_text = ensure_final_punctuation(ref_text.replace("\n", ""), ref_language) if ref_text.strip() else ""
        key = reference_key(paths, prompt_text, ref_language, self.model_ids + [self.symbol_version])
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        self.reference_analyses += 1
        notices: list[str] = []
        specs, svs = [], []
        prompt_semantic = None
        for i, path in enumerate(paths):
            audio, sr = load_reference_audio(path)
            if i == 0:
                audio, clip_notices = fit_reference_length(audio, sr)
                notices += clip_notices
                if prompt_text:
                    prompt_semantic = self._prompt_semantic(audio, sr)
            wav32 = to_model_rate_peak_limited(audio, sr, self.sample_rate)
            specs.append(self._spectrogram(wav32))
            if self.sv is not None:
                svs.append(self.sv.embed(resample_sinc(wav32, self.sample_rate, SV_RATE_HZ)))
        phones: tuple[int, ...] = ()
        bert = None
        norm = ""
        if prompt_text:
            feats = text_features(prompt_text, ref_language, self.symbol_version, self.bert, self.polyphone_model)
            phones, bert, norm = feats.phone_ids, feats.bert, feats.norm_text
        prompt = ReferencePrompt(key, prompt_semantic, phones, bert, norm, specs, svs or None, notices)
        self.cache.put(prompt)
        return prompt

    @torch.inference_mode()
    def _prompt_semantic(self, audio: np.ndarray, sr: int) -> torch.Tensor:
        wav16 = np.concatenate([to_16k(audio, sr), np.zeros(PROMPT_PAD_SAMPLES, dtype=np.float32)])
        ssl = self.hubert.extract(wav16).to(self.device, self._sovits_dtype())
        return self.sovits.extract_latent(ssl)[0, 0].cpu()

    @torch.inference_mode()
    def _spectrogram(self, wav32: torch.Tensor) -> torch.Tensor:
        from gpt_sovits.audio.spectrogram import linear_spectrogram

        return linear_spectrogram(wav32).cpu()

    def _sovits_dtype(self) -> torch.dtype:
        """The dtype of the SoVITS encoders (the fast vocoder may run in another precision)."""
        return self.sovits.ssl_proj.weight.dtype

    # ----- synthesis ------------------------------------------------------------------------
    def synthesize(self, request: SynthesisRequest, stream: bool = False, batch: bool = True) -> Iterator[AudioChunk]:
        """Yield one AudioChunk per piece of text (audio followed by the fragment interval).

        With ``stream``, plain pieces come in several parts as the GPT produces tokens (``final``
        marks the last part of a piece), so playback can start after a fraction of a second. Without
        it and with ``batch``, up to ``batch_pieces`` consecutive plain pieces share one GPT batch
        (about twice the throughput for long texts, but the first piece comes when the batch is done;
        each piece keeps its own seed and gets the same tokens, up to rounding in the batched products).
        Pieces are planned (:meth:`plan`) as they come, so the first audio does not wait for the last piece.
        """
        from gpt_sovits.inference.plan import piece_seed, plan_piece, plan_request

        request = request.validate().with_seed()
        reference = self.reference_for(request)
        items = plan_request(request, self.symbol_version)
        index = 0
        while index < len(items):
            start = time.perf_counter()
            self.last_cut_pieces = []
            count = len(self._plain_run(items, index)) if batch and not stream else 1
            pieces = [plan_piece(items[i], i, piece_seed(request.seed, i), request, self)
                      for i in range(index, index + max(count, 1))]
            if stream and pieces[0].plain:
                chunks = self._stream_planned(pieces[0], request, reference)
            else:
                chunks = self.render_planned(pieces, request, reference, start)
            for chunk in chunks:
                chunk.pieces = len(items)
                yield chunk
            index += len(pieces)

    def plan(self, request: SynthesisRequest) -> list:
        """Every piece of ``request`` with its model inputs (``PlannedPiece``: text, language, phone ids,
        BERT features, seeds, token limits): what :meth:`synthesize` will render, as plain data."""
        from gpt_sovits.inference.plan import piece_seed, plan_piece, plan_request

        request = request.validate()
        return [plan_piece(item, i, piece_seed(request.seed, i), request, self)
                for i, item in enumerate(plan_request(request, self.symbol_version))]

    def synthesize_piece(self, request: SynthesisRequest, index: int, seed: int) -> AudioChunk:
        """Piece ``index`` of ``request`` alone, drawn from piece seed ``seed`` (the studio's "regenerate",
        the audiobook's re-roll): with the seed the whole request gave that piece, the same audio."""
        from gpt_sovits.inference.plan import plan_piece, plan_request

        request = request.validate()
        items = plan_request(request, self.symbol_version)
        if not 0 <= index < len(items):
            raise ConfigError(f"There is no piece {index + 1}; the text has {len(items)}.")
        piece = plan_piece(items[index], index, seed, request, self)
        chunk = self.render_planned([piece], request, self.reference_for(request))[0]
        chunk.pieces = len(items)
        return chunk

    def reference_for(self, request: SynthesisRequest) -> ReferencePrompt:
        """The analysed reference of ``request`` (from the cache when it was analysed before)."""
        return self.prepare_reference(request.ref_audio, request.ref_text, request.ref_language,
                                      request.aux_ref_audio)

    def render_planned(self, pieces: list, request: SynthesisRequest, reference: ReferencePrompt,
                       start: float | None = None) -> list[AudioChunk]:
        """The AudioChunks of planned pieces (:meth:`plan`, ``plan.plan_piece``): one piece of any kind, or
        several plain ones, which the GPT decodes as one batch (each with its own seed: the audio it would
        get alone, up to rounding). ``chunk.cut`` tells that the runaway guard cut a piece."""
        start = time.perf_counter() if start is None else start
        self.last_cut_pieces = []
        if len(pieces) == 1:
            return [self._render_one(pieces[0], request, reference, start)]
        if not all(p.plain for p in pieces):
            raise ValueError("only plain pieces (no emphasis, no pause) can be rendered in a batch")
        return self._render_batch(pieces, request, reference, start)

    def _render_one(self, piece, request: SynthesisRequest, reference: ReferencePrompt, start: float) -> AudioChunk:
        from gpt_sovits.inference.plan import assemble

        audio, tokens = [], 0
        for run in piece.runs:
            run_audio, n = self.render_piece(run.features, reference, request, run.seed, speed=run.speed)
            audio.append(run_audio)
            tokens += n
        return self._chunk(piece.index, piece.text, assemble(piece, audio, request, self.sample_rate), tokens,
                           time.perf_counter() - start, reference, self.last_cut_pieces)

    def _render_batch(self, pieces: list, request: SynthesisRequest, reference: ReferencePrompt,
                      start: float) -> list[AudioChunk]:
        from gpt_sovits.inference.plan import assemble

        rendered = self.render_pieces([p.runs[0].features for p in pieces], reference, request,
                                      [p.runs[0].seed for p in pieces])
        share = (time.perf_counter() - start) / len(pieces)
        return [self._chunk(p.index, p.text, assemble(p, [audio], request, self.sample_rate), tokens, share, reference,
                            [p.text] if cut else [])
                for p, (audio, tokens, cut) in zip(pieces, rendered, strict=True)]

    def _plain_run(self, items: list, index: int) -> list[int]:
        """Indices of the plain pieces from ``index`` on (at most ``batch_pieces``) that can share a GPT batch."""
        run = []
        while index < len(items) and len(run) < self.batch_pieces and items[index].streamable:
            run.append(index)
            index += 1
        return run

    def _chunk(self, index: int, text: str, audio: np.ndarray, tokens: int, seconds: float,
               reference: ReferencePrompt, cut_texts: list[str], **fields) -> AudioChunk:
        chunk = AudioChunk(index, text, audio, self.sample_rate, tokens=tokens, seconds_to_compute=seconds, **fields)
        if index == 0 and fields.get("part", 0) == 0:
            chunk.notices = list(reference.notices)
        if chunk.final:
            chunk.cut = bool(cut_texts)
            chunk.notices += [f"Piece {index + 1} ({t[:30]!r}) did not end naturally and was cut; try another seed."
                              for t in cut_texts]
        return chunk

    def synthesize_all(self, request: SynthesisRequest) -> SynthesisResult:
        """Run :meth:`synthesize` to the end and join the pieces."""
        start = time.perf_counter()
        chunks: list[AudioChunk] = []
        first = None
        request = request.with_seed()
        for chunk in self.synthesize(request):
            if first is None:
                first = time.perf_counter() - start
            chunks.append(chunk)
        return SynthesisResult.of(chunks, request.seed, first or 0.0, time.perf_counter() - start)

    def _stream_planned(self, piece, request: SynthesisRequest, reference: ReferencePrompt) -> Iterator[AudioChunk]:
        from gpt_sovits.inference.plan import with_interval

        run = piece.runs[0]
        start = time.perf_counter()
        for part, (audio, tokens, final) in enumerate(self.stream_piece(run.features, reference, request, run.seed)):
            yield self._chunk(piece.index, piece.text, with_interval(audio, request, self.sample_rate) if final else audio, tokens,
                              time.perf_counter() - start, reference, self.last_cut_pieces, part=part, final=final)

    def stream_piece(self, features: TextFeatures, reference: ReferencePrompt, request: SynthesisRequest,
                     seed: int, part_tokens: tuple[int, ...] = STREAM_PART_TOKENS) -> Iterator[tuple[np.ndarray, int, bool]]:
        """Render one piece while the GPT runs: yields (audio part [N] float32, tokens so far, final).

        The GPT runs token by token in this thread; after ``part_tokens[0]`` confirmed tokens, then
        ``part_tokens[1]`` more and so on (the last size repeats), it pauses while the SoVITS stream
        decoder turns the new frames into audio. The parts joined equal a whole-piece decode up to small
        seams. Closing the iterator early (a client that hung up) stops the GPT there.
        """
        from gpt_sovits.models.sovits.streaming import StreamDecoder

        phone_ids, bert, prompt = self._gpt_inputs(features, reference)
        limit = self.token_limit(len(features.phone_ids))
        dtype = self._sovits_dtype()
        specs = [s.to(self.device, dtype) for s in reference.refer_specs]
        svs = [s.to(self.device, dtype) for s in reference.sv_embs] if reference.sv_embs else None
        target = torch.tensor(features.phone_ids, device=self.device)[None]
        with torch.inference_mode():
            ge = self.sovits.reference_embedding(specs, svs)
        decoder = StreamDecoder(self.sovits, target, ge, noise_scale=request.noise_scale, speed=request.speed,
                                generator=torch.Generator().manual_seed(seed))
        steps = self.gpt.iter_generate(phone_ids, bert, prompt, sampling=request.sampling, early_stop_num=limit,
                                       seed=seed)
        seen: list[int] = []
        sizes = list(part_tokens)
        next_part = sizes[0]
        try:
            while True:
                try:
                    seen.append(next(steps))
                except StopIteration as done:
                    tokens = done.value[0]
                    break
                confirmed = len(seen) - 1  # a step's token is kept once decoding goes on after it
                if confirmed == next_part:
                    sizes = sizes[1:] or sizes
                    next_part += sizes[0]
                    codes = torch.tensor(seen[:confirmed], device=self.device).view(1, 1, -1)
                    with torch.inference_mode():
                        audio = decoder.push(codes)
                    yield _limit_peak(audio.float().cpu().numpy()), confirmed, False
        finally:  # also when the listener stops early: the GPT goes no further
            steps.close()
        n_prompt = 0 if prompt is None else prompt.shape[-1]
        codes = tokens[:, n_prompt:].view(1, 1, -1).to(self.device)
        self._was_cut(codes.shape[-1], limit, features.text)
        with torch.inference_mode():
            audio = decoder.push(codes, final=True)
        yield _limit_peak(audio.float().cpu().numpy()), int(codes.shape[-1]), True

    def _gpt_inputs(self, features: TextFeatures, reference: ReferencePrompt):
        """GPT inputs: phone ids [1,T], BERT [1,1024,T] (prompt + target) and prompt tokens or None."""
        if reference.prompt_semantic is not None:
            phone_ids = list(reference.prompt_phone_ids) + list(features.phone_ids)
            bert = torch.cat([reference.prompt_bert, features.bert], dim=1)
            prompt = reference.prompt_semantic
        else:
            phone_ids, bert, prompt = list(features.phone_ids), features.bert, None
        return torch.tensor(phone_ids, device=self.device)[None], bert.to(self.device)[None], prompt

    def _decode_windowed(self, codes: torch.Tensor, phone_ids: torch.Tensor, specs, svs, noise_scale: float,
                         speed: float, seed: int) -> torch.Tensor:
        """SoVITS decode [N] of a whole piece, the flow and vocoder run over windows of at most
        DECODE_WINDOW_FRAMES frames (with enough context to equal a one-shot decode), which bounds memory."""
        from gpt_sovits.models.sovits.streaming import decode_chunk, encode_prefix

        ge = self.sovits.reference_embedding(specs, svs)
        m_p, logs_p = encode_prefix(self.sovits, codes, phone_ids, ge, speed, whole=True)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            noise = torch.randn_like(m_p)
        frames = m_p.shape[-1]
        # windows within one frame of each other in size: few vocoder input shapes (its kernels are built once
        # per shape) and no short tail
        n = max(1, -(-frames // DECODE_WINDOW_FRAMES))
        bounds = [k * frames // n for k in range(n + 1)]
        parts = [decode_chunk(self.sovits, m_p, logs_p, ge, start, end, noise_scale=noise_scale, noise=noise)
                 for start, end in zip(bounds, bounds[1:], strict=False)]
        return torch.cat(parts)

    def token_limit(self, n_phones: int) -> int:
        """The most semantic tokens one piece of ``n_phones`` phones may take (runaway guard)."""
        return min(self.early_stop_num, MAX_TOKENS_PER_PHONE * n_phones + MAX_TOKENS_SLACK)

    @torch.inference_mode()
    def render_piece(self, features: TextFeatures, reference: ReferencePrompt, request: SynthesisRequest,
                     seed: int, speed: float | None = None) -> tuple[np.ndarray, int]:
        """GPT + SoVITS for one piece of text: float32 audio [N] (no trailing silence), token count."""
        limit = self.token_limit(len(features.phone_ids))
        phone_ids, bert, prompt = self._gpt_inputs(features, reference)
        tokens, idx = self.gpt.generate(phone_ids, bert, prompt, sampling=request.sampling, early_stop_num=limit,
                                        seed=seed)
        pred, _ = self._kept_tokens(tokens, idx, limit, prompt, features.text)
        return self._decode_tokens(pred, features, reference, request, seed, speed), int(pred.shape[-1])

    @torch.inference_mode()
    def render_pieces(self, features: list[TextFeatures], reference: ReferencePrompt, request: SynthesisRequest,
                      seeds: list[int]) -> list[tuple[np.ndarray, int, bool]]:
        """:meth:`render_piece` for several pieces, their GPT decoding run as one batch: per piece
        (audio, token count, whether the runaway guard cut it).

        Each piece draws from its own seed, so it gets the tokens render_piece would give it (up to
        rounding in the batched products); a batch of 4 makes about twice the tokens per second.
        """
        from gpt_sovits.models.t2s.batch_decoding import generate_batch

        inputs = [self._gpt_inputs(f, reference) for f in features]
        limits = [self.token_limit(len(f.phone_ids)) for f in features]
        results = generate_batch(self.gpt, inputs, sampling=request.sampling, early_stop_num=limits, seed=seeds)
        out = []
        for f, (_, _, prompt), limit, (tokens, idx), seed in zip(features, inputs, limits, results, seeds, strict=True):
            pred, cut = self._kept_tokens(tokens, idx, limit, prompt, f.text)
            out.append((self._decode_tokens(pred, f, reference, request, seed, None), int(pred.shape[-1]), cut))
        return out

    def _kept_tokens(self, tokens: torch.Tensor, idx: int, limit: int, prompt, text: str) -> tuple[torch.Tensor, bool]:
        """The new tokens of a GPT result (upstream's rule) and whether the runaway guard cut the piece
        (then all new tokens are kept; upstream's early stop would drop the first, ``y[:, -idx:]``)."""
        n_prompt = 0 if prompt is None else prompt.shape[-1]
        if self._was_cut(tokens.shape[-1] - n_prompt, limit, text):
            return tokens[:, n_prompt:], True
        return (tokens[:, -idx:] if idx else tokens), False

    def _was_cut(self, n_new: int, limit: int, text: str) -> bool:
        """True (logged and remembered) when a piece made more tokens than ``limit``: the GPT never stopped.

        Counted from the tokens, not from ``idx``, which is 0 for every prompt-free piece."""
        if n_new <= limit:
            return False
        logger.warning("The model did not finish %r within %d tokens; the piece was cut there.", text, limit)
        self.last_cut_pieces.append(text)
        return True

    def _decode_tokens(self, pred: torch.Tensor, features: TextFeatures, reference: ReferencePrompt,
                       request: SynthesisRequest, seed: int, speed: float | None) -> np.ndarray:
        """SoVITS audio [N] float32 of semantic tokens ``pred`` [1, n], scaled down if it clips."""
        dtype = self._sovits_dtype()
        specs = [s.to(self.device, dtype) for s in reference.refer_specs]
        svs = [s.to(self.device, dtype) for s in reference.sv_embs] if reference.sv_embs else None
        target = torch.tensor(features.phone_ids, device=self.device)[None]
        wav = self._decode_windowed(pred[None].to(self.device), target, specs, svs, request.noise_scale,
                                    request.speed if speed is None else speed, seed)
        audio = wav.float().cpu().numpy()
        peak = float(np.abs(audio).max()) if audio.size else 0.0
        if peak > 1:
            audio = audio / peak
        return audio.astype(np.float32)


def _limit_peak(audio: np.ndarray) -> np.ndarray:
    """Streaming cannot divide a whole piece by its peak: clip each part to [-1, 1] instead."""
    return np.clip(audio, -1.0, 1.0).astype(np.float32)


def _gpt_in(gpt, precision: str, cuda_graphs: bool, fallback: bool = False):
    """(``gpt`` or its decoding copy in ``precision``, the precision used). With ``fallback``, a
    precision this machine cannot run gives float32 and a warning instead of an error. With
    ``cuda_graphs`` (on a GPU) it decodes with CUDA graphs of its step (models/t2s/static_step.py)."""
    from gpt_sovits.models.cpu_matmul import packing_wanted
    from gpt_sovits.models.t2s.quantize import pack_float32, to_reduced_precision
    from gpt_sovits.models.t2s.static_step import use_static_steps

    device = gpt.ar_predict_layer.weight.device
    on_gpu = cuda_graphs and device.type == "cuda"
    if precision != "fp32":
        try:
            return use_static_steps(to_reduced_precision(gpt, precision), on_gpu), precision
        except ConfigError as e:
            if not fallback:
                raise
            logger.warning("The %s GPT cannot run here (%s); using float32.", precision, e)
    if packing_wanted(device):
        pack_float32(gpt)  # the loaded model is ours alone, so it is packed in place
    return use_static_steps(gpt, on_gpu), "fp32"


def _optimized(sovits, precision: str | None):
    """The decoding-only fast copy of a loaded SoVITS generator (weight norm folded, fast vocoder)."""
    from gpt_sovits.models.sovits import optimize_for_inference

    return optimize_for_inference(sovits, precision)


def _file_id(path: Path) -> str:
    """A cheap identity of a model file or folder: name, size and modification time."""
    path = Path(path)
    if not path.exists():
        return str(path)
    files = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file())
    return ";".join(f"{p.name}:{p.stat().st_size}:{int(p.stat().st_mtime)}" for p in files)
