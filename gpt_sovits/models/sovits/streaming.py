"""Streaming SoVITS decoding: audio for a growing prefix of semantic tokens.

The GPT produces tokens one by one; playback can start long before it stops. SoVITS has
two kinds of parts:

* the content encoder (``enc_p``) uses attention over the whole sequence, so its output for a
  frame depends on every token; it is re-run on the whole prefix known so far (cheap: frames
  are 50 Hz), and the newest ``lookahead`` frames are held back because they still change
  when more tokens arrive;
* the flow and the vocoder are convolutions with a finite reach, so a window of frames can be
  decoded alone if it carries enough context on both sides (``FLOW_CONTEXT_FRAMES`` for the
  flow, ``context_frames`` for the vocoder) and the samples of the context are cut off.

:func:`decode_chunk` decodes one window; :class:`StreamDecoder` keeps the per-utterance state
(timbre vector, noise, position) and returns only the new samples on each call.
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

from gpt_sovits.models.sovits.inference_opt import STREAM_BUCKET_FRAMES, FastVocoder
from gpt_sovits.models.sovits.model import SoVITSGenerator

# Reach of the reverse flow: 4 couplings x 4 WaveNet layers x kernel 5 (dilation 1) = 32 frames a side.
FLOW_CONTEXT_FRAMES = 32
# The vocoder reaches about 12 frames a side (official v2 sizes); 12 reproduces a whole decode to ~1e-6.
DEFAULT_CONTEXT_FRAMES = 12
# Frames at the end of a prefix not emitted until more tokens arrive (the encoder still revises them).
DEFAULT_LOOKAHEAD_FRAMES = 8


def samples_per_frame(model: SoVITSGenerator) -> int:
    """Waveform samples per latent frame (640 at 32 kHz)."""
    return math.prod(model.config.upsample_rates)


def frames_for(model: SoVITSGenerator, n_tokens: int, speed: float = 1.0) -> int:
    """Output frames of ``n_tokens`` semantic tokens at ``speed`` (as :meth:`SoVITSGenerator.decode`)."""
    frames = n_tokens * (2 if model.config.semantic_frame_rate == "25hz" else 1)
    return frames if speed == 1 else int(frames / speed) + 1


@torch.inference_mode()
def encode_prefix(model: SoVITSGenerator, codes: torch.Tensor, phone_ids: torch.Tensor,
                  ge: torch.Tensor | None, speed: float = 1.0,
                  whole: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Prior statistics (m_p, logs_p), each [1, inter, frames], of the token prefix ``codes`` [1,1,Tc].

    ``phone_ids`` [1,Tt] are all phones of the piece; ``ge`` [1,gin,1] the timbre vector
    (:meth:`SoVITSGenerator.reference_embedding`). At speed 1 this equals what ``decode`` computes on
    the same tokens. Otherwise, with ``whole`` (``codes`` is the complete sequence) the frames are
    resampled exactly as ``decode`` does; without it at the fixed ratio ``speed`` (output frame j reads
    input position (j + 0.5) * speed - 0.5), so the frames of a prefix do not move as it grows (this
    grid differs from ``decode``'s by under one frame over the piece).
    """
    quantized = model._upsample_codes(model.quantizer.decode(codes))
    y_lengths = torch.tensor([quantized.shape[-1]], device=codes.device)
    text_lengths = torch.tensor([phone_ids.shape[-1]], device=codes.device)
    x, _, _ = model.enc_p.encode(quantized, y_lengths, phone_ids, text_lengths, model._text_condition(ge))
    if speed != 1 and whole:
        x = F.interpolate(x, size=frames_for(model, codes.shape[-1], speed), mode="linear")
    elif speed != 1:
        x = _resample_fixed(x, speed, frames_for(model, codes.shape[-1], speed))
    stats = model.enc_p.proj(x)
    m_p, logs_p = torch.split(stats, model.enc_p.out_channels, dim=1)
    return m_p, logs_p


def _resample_fixed(x: torch.Tensor, speed: float, n_out: int) -> torch.Tensor:
    """Linear resampling of [B,C,T] at a fixed ratio: frame j reads position (j + 0.5)*speed - 0.5."""
    n_in = x.shape[-1]
    pos = ((torch.arange(n_out, device=x.device, dtype=torch.float64) + 0.5) * speed - 0.5).clamp(0, n_in - 1)
    lo = pos.floor().long()
    hi = (lo + 1).clamp(max=n_in - 1)
    w = (pos - lo).to(x.dtype)
    return x[..., lo] * (1 - w) + x[..., hi] * w


@torch.inference_mode()
def decode_chunk(model: SoVITSGenerator, m_p: torch.Tensor, logs_p: torch.Tensor, ge: torch.Tensor | None,
                 start_frame: int, end_frame: int | None = None, *, noise_scale: float = 0.5,
                 noise: torch.Tensor | None = None,
                 context_frames: int = DEFAULT_CONTEXT_FRAMES) -> torch.Tensor:
    """Waveform samples [(end_frame - start_frame) * 640] of output frames [start_frame, end_frame).

    ``m_p``/``logs_p`` [1, inter, F] come from :func:`encode_prefix`; ``end_frame`` defaults to F.
    ``noise`` [1, inter, >= F] is the standard-normal draw per frame (None: zeros, i.e. the
    deterministic mean, whatever ``noise_scale``). Only frames
    [start - context - 32, end + context + 32) go through the flow and
    [start - context, end + context) through the vocoder; with ``context_frames`` >= the vocoder's
    reach (12 for official sizes) the samples equal a whole-sequence decode up to float rounding.
    """
    total = m_p.shape[-1]
    end_frame = total if end_frame is None else end_frame
    if not 0 <= start_frame <= end_frame <= total:
        raise ValueError(f"frame range [{start_frame}, {end_frame}) is outside the {total} frames encoded")
    hop = samples_per_frame(model)
    if start_frame == end_frame:
        return m_p.new_zeros(0)
    dec_lo, dec_hi = max(0, start_frame - context_frames), min(total, end_frame + context_frames)
    flow_lo, flow_hi = max(0, dec_lo - FLOW_CONTEXT_FRAMES), min(total, dec_hi + FLOW_CONTEXT_FRAMES)
    m, logs = m_p[..., flow_lo:flow_hi], logs_p[..., flow_lo:flow_hi]
    z_p = m
    if noise is not None and noise_scale:
        if noise.shape[-1] < flow_hi:
            raise ValueError(f"noise covers {noise.shape[-1]} frames but frame {flow_hi - 1} is needed")
        z_p = m + noise[..., flow_lo:flow_hi].to(m) * torch.exp(logs) * noise_scale
    mask = torch.ones_like(z_p[:, :1])
    z = model.flow(z_p, mask, g=ge, reverse=True)[..., dec_lo - flow_lo : dec_hi - flow_lo]
    if isinstance(model.dec, FastVocoder):
        wav = model.dec(z, g=ge, finer_bucket=STREAM_BUCKET_FRAMES)[0, 0]
    else:
        wav = model.dec(z, g=ge)[0, 0]
    first = (start_frame - dec_lo) * hop
    return wav[first : first + (end_frame - start_frame) * hop].float()


class StreamDecoder:
    """Incremental decoding of one piece whose semantic tokens arrive over time.

    Usage::

        stream = StreamDecoder(model, phone_ids, ge, noise_scale=0.5, speed=1.0, generator=g)
        for codes in growing_prefixes:            # [1, 1, Tc], each a prefix of the next
            play(stream.push(codes))              # new samples only (may be empty)
        play(stream.push(all_codes, final=True))  # the rest; the stream is then closed

    The joined output has ``frames_for(model, Tc, speed) * 640`` samples. At speed 1 with
    ``noise_scale`` 0 it differs from ``model.decode`` on all tokens only through the encoder
    seeing a shorter prefix when earlier samples were emitted (``lookahead_frames`` bounds that).
    Noise is drawn per frame from ``generator`` as frames appear, so a seeded generator gives
    the same audio for the same tokens however they are chunked.
    """

    def __init__(self, model: SoVITSGenerator, phone_ids: torch.Tensor, ge: torch.Tensor | None, *,
                 noise_scale: float = 0.5, speed: float = 1.0, generator: torch.Generator | None = None,
                 lookahead_frames: int = DEFAULT_LOOKAHEAD_FRAMES, context_frames: int = DEFAULT_CONTEXT_FRAMES):
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self.model, self.phone_ids, self.ge = model, phone_ids, ge
        self.noise_scale, self.speed, self.generator = noise_scale, speed, generator
        self.lookahead_frames, self.context_frames = lookahead_frames, context_frames
        self.emitted_frames = 0
        self.closed = False
        self._noise = None

    def _noise_for(self, frames: int, like: torch.Tensor) -> torch.Tensor | None:
        if not self.noise_scale:
            return None
        have = 0 if self._noise is None else self._noise.shape[-1]
        if have < frames:
            extra = [torch.randn(like.shape[1], generator=self.generator, dtype=like.dtype) for _ in range(frames - have)]
            new = torch.stack(extra, dim=-1)[None].to(like.device)
            self._noise = new if self._noise is None else torch.cat([self._noise, new], dim=-1)
        return self._noise

    def push(self, codes: torch.Tensor, final: bool = False) -> torch.Tensor:
        """Samples [N] (float32) that became ready with the token prefix ``codes`` [1,1,Tc]."""
        if self.closed:
            raise RuntimeError("this stream was finished; start a new StreamDecoder for the next piece")
        # A piece decoded in one call uses decode()'s exact speed grid; a streamed one the fixed ratio.
        whole = final and self.emitted_frames == 0
        m_p, logs_p = encode_prefix(self.model, codes, self.phone_ids, self.ge, self.speed, whole=whole)
        total = m_p.shape[-1]
        ready = total if final else max(self.emitted_frames, min(total, total - self.lookahead_frames))
        ready = max(ready, self.emitted_frames)
        audio = decode_chunk(self.model, m_p, logs_p, self.ge, self.emitted_frames, ready,
                             noise_scale=self.noise_scale, noise=self._noise_for(total, m_p),
                             context_frames=self.context_frames)
        self.emitted_frames = ready
        self.closed = final
        return audio
