"""Decoding-only copies of the SoVITS generator that run faster.

:func:`optimize_for_inference` returns a new generator (the original is left untouched, so its
state dict still holds ``weight_g``/``weight_v`` and exports as before) in which:

* every weight-normalised convolution is replaced by a plain one holding ``g * v / ||v||``, so
  the norm is no longer recomputed on every call;
* the posterior encoder ``enc_q`` (training only) is dropped;
* the vocoder ``dec`` is replaced by :class:`FastVocoder`: the same network run as 2-D
  convolutions on [B, C, 1, T] tensors in channels-last layout (what oneDNN is fastest at on
  CPU), with in-place activations and the 1/num_kernels averaging folded into the next
  convolution's weights; optionally in bfloat16 (CPU with AMX/AVX512-BF16) or float16 (CUDA).

Everything before the vocoder (encoders, flow) stays in float32; only ``dec`` changes precision.
"""

from __future__ import annotations

import copy
import logging
import math

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils import skip_init

from gpt_sovits.devices import cpu_flags, cpu_has_fast_bf16  # noqa: F401  (re-exported)
from gpt_sovits.models.sovits.decoder import HiFiGANGenerator, ResBlock1, ResBlock2
from gpt_sovits.models.sovits.model import SoVITSGenerator
from gpt_sovits.models.sovits.modules import LRELU_SLOPE, WNConv1d, WNConv2d, WNConvTranspose1d

logger = logging.getLogger(__name__)

# Log-mel comparisons ignore bins more than 60 dB (power) below the loudest one.
MEL_FLOOR_RATIO = 1e-6
# Vocoder window in bfloat16 on CPUs with AMX (see FastVocoder.set_window): 128 frames (2.56 s) keep the
# overlap with the official model's 14 frames of context a side at a fifth; its kernels build in about 1.5 s
# (once). Without AMX (AVX512-BF16) building costs about what it does in float32, and buckets do better.
VOCODER_WINDOW_FRAMES = 128
# Otherwise a pass runs at its length rounded up to 32 frames (0.64 s): at most 31 frames of padding, and
# about 30 shapes up to a 20 s piece whose kernels are built once each.
VOCODER_BUCKET_FRAMES = 32
# Streamed parts (models/sovits/streaming.py) round to 8 frames instead: their lengths repeat from part to part
# (the first part, the middle ones, a few last ones), so the finer rounding adds few shapes, and a part's
# padding is a larger share of its work (a middle part of 70 frames ran at 96).
STREAM_BUCKET_FRAMES = 8
DTYPE_NAMES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def default_vocoder_dtype(device: torch.device | str) -> torch.dtype:
    """float16 on CUDA, bfloat16 on a CPU with native bf16 support, float32 otherwise."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.float16
    if device.type == "cpu" and cpu_has_fast_bf16():
        return torch.bfloat16
    return torch.float32


# ----- weight-norm folding ----------------------------------------------------------------------
def _plain_conv(module: nn.Module) -> nn.Module:
    """A plain conv with the same geometry as weight-normalised ``module`` and its effective kernel."""
    with torch.no_grad():
        weight = module.normalised_weight().detach().clone()
    common = dict(stride=module.stride, padding=module.padding, dilation=module.dilation, groups=module.groups,
                  bias=module.bias is not None, device=weight.device, dtype=weight.dtype)
    if isinstance(module, WNConvTranspose1d):
        plain = skip_init(nn.ConvTranspose1d, module.in_channels, module.out_channels, module.kernel_size,
                          output_padding=module.output_padding, **common)
    else:
        kind = nn.Conv2d if isinstance(module, WNConv2d) else nn.Conv1d
        plain = skip_init(kind, module.in_channels, module.out_channels, module.kernel_size, **common)
    with torch.no_grad():
        plain.weight.copy_(weight)
        if module.bias is not None:
            plain.bias.copy_(module.bias)
    return plain


def fold_weight_norm(module: nn.Module) -> nn.Module:
    """Replace, in place, every weight-normalised conv below ``module`` by a plain one; returns ``module``.

    The state dict then holds ``weight`` instead of ``weight_g``/``weight_v``: use it on a copy.
    """
    for name, child in list(module.named_children()):
        if isinstance(child, WNConv1d | WNConv2d | WNConvTranspose1d):
            setattr(module, name, _plain_conv(child))
        else:
            fold_weight_norm(child)
    return module


def _effective_weight(conv: nn.Module) -> torch.Tensor:
    if isinstance(conv, WNConv1d | WNConv2d | WNConvTranspose1d):
        return conv.normalised_weight().detach()
    return conv.weight.detach()


def _as_2d(conv: nn.Module, scale: float = 1.0) -> nn.Module:
    """The 1-D (transposed) conv ``conv`` as a 2-D one over [B, C, 1, T], kernel scaled by ``scale``."""
    weight = _effective_weight(conv).unsqueeze(2) * scale
    bias = conv.bias is not None
    k = conv.kernel_size[0]
    if isinstance(conv, nn.ConvTranspose1d):
        out = skip_init(nn.ConvTranspose2d, conv.in_channels, conv.out_channels, (1, k), stride=(1, conv.stride[0]),
                                 padding=(0, conv.padding[0]), output_padding=(0, conv.output_padding[0]),
                                 groups=conv.groups, bias=bias)
    else:
        out = skip_init(nn.Conv2d, conv.in_channels, conv.out_channels, (1, k), stride=(1, conv.stride[0]),
                        padding=(0, conv.padding[0]), dilation=(1, conv.dilation[0]), groups=conv.groups, bias=bias)
    with torch.no_grad():
        out.weight.copy_(weight)
        if bias:
            out.bias.copy_(conv.bias.detach())
    return out


# ----- the vocoder --------------------------------------------------------------------------------
def fused_conv_available(device: torch.device | str, dtype: torch.dtype) -> bool:
    """True where oneDNN's conv+activation / conv+add kernels can run (CPU, float32 or bfloat16)."""
    return (torch.device(device).type == "cpu" and dtype in (torch.float32, torch.bfloat16)
            and torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_convolution_pointwise"))


def _geometry(conv: nn.Conv2d) -> tuple[list[int], list[int], list[int], int]:
    return list(conv.padding), list(conv.stride), list(conv.dilation), conv.groups


class _FastResBlock(nn.Module):
    """ResBlock1/ResBlock2 on [B, C, 1, T] channels-last tensors.

    With ``fused`` (see :func:`fused_conv_available`) oneDNN applies the inner leaky ReLU and the
    residual addition inside the convolutions, saving two passes over the activations per pair.
    """

    def __init__(self, block: ResBlock1 | ResBlock2):
        super().__init__()
        self.fused = False
        if isinstance(block, ResBlock1):
            self.convs1 = nn.ModuleList(_as_2d(c) for c in block.convs1)
            self.convs2 = nn.ModuleList(_as_2d(c) for c in block.convs2)
        else:
            self.convs1 = nn.ModuleList(_as_2d(c) for c in block.convs)
            self.convs2 = None

    def forward(self, x: torch.Tensor, valid: int | None = None) -> torch.Tensor:
        """x [B, C, 1, T] -> same shape. With ``valid``, positions from ``valid`` on are padding:
        they are zero on entry and kept zero before every convolution, as a shorter input would be."""
        if self.fused:
            return self._forward_fused(x, valid)
        for i, c1 in enumerate(self.convs1):
            t = c1(F.leaky_relu(x, LRELU_SLOPE))
            if self.convs2 is not None:
                t = self.convs2[i](F.leaky_relu_(_zero_tail(t, valid), LRELU_SLOPE))
            x = _zero_tail(t.add_(x), valid)
        return x

    def _forward_fused(self, x: torch.Tensor, valid: int | None) -> torch.Tensor:
        ops = torch.ops.mkldnn
        for i, c1 in enumerate(self.convs1):
            t = F.leaky_relu(x, LRELU_SLOPE)
            if self.convs2 is not None:
                t = ops._convolution_pointwise(t, c1.weight, c1.bias, *_geometry(c1), "leaky_relu", [LRELU_SLOPE], "")
                t = _zero_tail(t, valid)
                c1 = self.convs2[i]
            x = ops._convolution_pointwise.binary(t, x, c1.weight, c1.bias, *_geometry(c1), "add", None, None, [], None)
            x = _zero_tail(x, valid)
        return x


def _zero_tail(x: torch.Tensor, valid: int | None) -> torch.Tensor:
    """Zero the time steps of x [..., T] from ``valid`` on (in place); no-op when ``valid`` is None."""
    if valid is not None and valid < x.shape[-1]:
        x[..., valid:].zero_()
    return x


def _conv_reach(conv: nn.Module) -> float:
    """Input steps one output step of a stride-1 conv depends on, on either side."""
    k, d = conv.kernel_size[-1], conv.dilation[-1]
    return (k - 1) * d / 2


def vocoder_reach_frames(vocoder: FastVocoder) -> int:
    """Latent frames on either side that one output sample of ``vocoder`` depends on (rounded up, +1).

    Windows decoded with this much context on both sides join into the one-shot output.
    """
    reach = _conv_reach(vocoder.conv_pre)
    steps_per_frame = 1
    n = vocoder.num_kernels
    for i, up in enumerate(vocoder.ups):
        k, s, p = up.kernel_size[-1], up.stride[-1], up.padding[-1]
        reach += (max(p, k - 1 - p) / s + 1) / steps_per_frame
        steps_per_frame *= s
        blocks = vocoder.resblocks[i * n : (i + 1) * n]
        per_block = [sum(_conv_reach(c) for c in (*b.convs1, *(b.convs2 or ()))) for b in blocks]
        reach += max(per_block) / steps_per_frame
    reach += _conv_reach(vocoder.conv_post) / steps_per_frame
    return math.ceil(reach) + 1


class FastVocoder(nn.Module):
    """Inference form of :class:`HiFiGANGenerator` with identical inputs and outputs.

    ``forward(z [B,C,T] float32, g [B,gin,1] | None) -> waveform [B,1,T*prod(rates)] float32``.
    Runs in ``dtype`` inside (conditioning and input conv in float32). Leaky ReLU commutes with
    a positive scale, so each stage's average over its resblocks is folded into the next conv.

    :meth:`set_window` chooses the shapes a batch-1 call runs at: windows of a fixed number of frames
    overlapping by the vocoder's reach, and passes zero-padded (and masked) to a multiple of a bucket,
    so that oneDNN builds its kernels for a few shapes once instead of for every new sentence length.
    """

    def __init__(self, dec: HiFiGANGenerator, dtype: torch.dtype = torch.float32):
        super().__init__()
        self.dtype = dtype
        self.num_kernels = dec.num_kernels
        self.conv_pre = copy.deepcopy(dec.conv_pre)
        self.cond = copy.deepcopy(dec.cond) if hasattr(dec, "cond") else None
        n = dec.num_kernels
        self.ups = nn.ModuleList(_as_2d(up, 1.0 if i == 0 else 1.0 / n) for i, up in enumerate(dec.ups))
        self.resblocks = nn.ModuleList(_FastResBlock(b) for b in dec.resblocks)
        self.conv_post = _as_2d(dec.conv_post, 1.0 / n)
        for part in (self.ups, self.resblocks, self.conv_post):
            part.to(dtype=dtype, memory_format=torch.channels_last)
        self.set_fused(fused_conv_available(dec.conv_pre.weight.device, dtype))
        self.context_frames = vocoder_reach_frames(self)
        self.window_frames: int | None = None
        self.bucket_frames: int | None = None

    def set_fused(self, fused: bool) -> FastVocoder:
        """Use (or stop using) oneDNN's fused conv+activation/add kernels in the resblocks."""
        if fused and not fused_conv_available(self.conv_pre.weight.device, self.dtype):
            raise ValueError(f"fused oneDNN convolutions need a CPU build with oneDNN and float32/bfloat16, "
                             f"not {self.conv_pre.weight.device} / {self.dtype}")
        for block in self.resblocks:
            block.fused = fused
        return self

    def set_window(self, frames: int | None, bucket: int | None = None) -> FastVocoder:
        """Choose the shapes of the passes a batch-1 call runs; the samples stay those of one pass.

        ``frames``: an input longer than this runs in windows of exactly this many frames, overlapping
        by the vocoder's reach (None: any length in one pass). ``bucket``: a pass shorter than that is
        zero-padded, and masked, up to a multiple of ``bucket`` frames (at most ``frames``; None: each
        pass runs at its own length). oneDNN builds its kernels once per input shape, and that costs:
        about 0.1-0.3 s of a float32 decode at a length not seen before (AMD EPYC), 9 ms per frame in
        bfloat16 with AMX. Buckets keep the shapes few, so the kernels are built once and reused.
        """
        if frames is not None and frames <= 2 * self.context_frames:
            raise ValueError(f"a vocoder window needs more than twice the context of {self.context_frames} "
                             f"frames, got {frames}")
        if bucket is not None and bucket < 1:
            raise ValueError(f"a bucket must be at least one frame, got {bucket}")
        self.window_frames = frames
        self.bucket_frames = bucket
        return self

    def padded_length(self, frames: int, finer: int | None = None) -> int:
        """The frames a pass of ``frames`` input frames runs at (see :meth:`set_window`); ``finer``: a
        smaller bucket for this pass, used where passes are bucketed without windows."""
        bucket = self.bucket_frames
        if bucket is None:
            return frames
        if finer is not None and self.window_frames is None:
            bucket = min(bucket, finer)
        padded = -(-frames // bucket) * bucket
        return padded if self.window_frames is None else min(padded, max(frames, self.window_frames))

    def forward(self, x: torch.Tensor, g: torch.Tensor | None = None, finer_bucket: int | None = None) -> torch.Tensor:
        """``finer_bucket``: see :meth:`padded_length` (streamed parts pass STREAM_BUCKET_FRAMES)."""
        size, total = self.window_frames, x.shape[-1]
        if x.shape[0] != 1:
            return self._run(x, g)
        if size is None or total <= size:
            return self._run_padded(x, g, finer_bucket)
        ctx = self.context_frames
        hop = math.prod(up.stride[-1] for up in self.ups)
        parts = []
        start = 0
        while start < total:
            lo = max(0, start - ctx)
            # a window reaching the end emits up to the end; others keep ``ctx`` frames of right context
            end = total if lo + size >= total else lo + size - ctx
            wav = self._run_padded(x[..., lo : lo + size], g)
            parts.append(wav[..., (start - lo) * hop : (end - lo) * hop])
            start = end
        return torch.cat(parts, dim=-1)

    def _run_padded(self, x: torch.Tensor, g: torch.Tensor | None, finer: int | None = None) -> torch.Tensor:
        """One pass over x [1, C, T] at :meth:`padded_length` (T); returns the samples of the T frames."""
        frames = x.shape[-1]
        padded = self.padded_length(frames, finer)
        if padded == frames:
            return self._run(x, g)
        hop = math.prod(up.stride[-1] for up in self.ups)
        return self._run(F.pad(x, (0, padded - frames)), g, frames)[..., : frames * hop]

    def _run(self, x: torch.Tensor, g: torch.Tensor | None, valid: int | None = None) -> torch.Tensor:
        """One pass; with ``valid``, frames from ``valid`` on are padding, masked before every conv."""
        x = self.conv_pre(x)
        if g is not None and self.cond is not None:
            x = x + self.cond(g)
        x = _zero_tail(x.to(self.dtype), valid).unsqueeze(2).contiguous(memory_format=torch.channels_last)
        n = self.num_kernels
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu_(x, LRELU_SLOPE) if i else F.leaky_relu(x, LRELU_SLOPE))
            valid = None if valid is None else valid * up.stride[-1]
            x = _zero_tail(x, valid)
            blocks = self.resblocks[i * n : (i + 1) * n]
            total = blocks[0](x, valid)
            for block in blocks[1:]:
                total = total.add_(block(x, valid))
            x = total  # the 1/n average lives in the next conv's weights
        x = self.conv_post(F.leaky_relu_(x))
        return torch.tanh(x.float()).squeeze(2)


# ----- the whole generator ------------------------------------------------------------------------
def resolve_dtype(dtype: torch.dtype | str | None, device: torch.device | str) -> torch.dtype:
    """``None`` -> :func:`default_vocoder_dtype`; names "fp32"/"bf16"/"fp16" or a torch dtype otherwise."""
    if dtype is None:
        return default_vocoder_dtype(device)
    if isinstance(dtype, str):
        if dtype not in DTYPE_NAMES:
            raise ValueError(f"unknown vocoder precision {dtype!r}; choose one of {', '.join(DTYPE_NAMES)}")
        return DTYPE_NAMES[dtype]
    if dtype not in DTYPE_NAMES.values():
        raise ValueError(f"unsupported vocoder dtype {dtype}; use float32, bfloat16 or float16")
    return dtype


def optimize_for_inference(model: SoVITSGenerator, dtype: torch.dtype | str | None = None) -> SoVITSGenerator:
    """A decoding-only copy of ``model``: weight norm folded, ``enc_q`` dropped, fast vocoder.

    ``dtype`` is the vocoder precision: ``None`` picks float16 on CUDA, bfloat16 on a CPU with
    AMX/AVX512-BF16 and float32 otherwise (see :func:`default_vocoder_dtype`). ``decode``,
    ``extract_latent`` and ``reference_embedding`` keep their signatures; ``forward`` (training)
    and exporting are not available on the copy. ``model`` itself is not modified.
    """
    device = next(model.parameters()).device
    vocoder_dtype = resolve_dtype(dtype, device)
    dec, enc_q = model.dec, model.enc_q
    try:  # copy everything except the two parts that are rebuilt or dropped
        model.dec, model.enc_q = None, None
        out = copy.deepcopy(model)
    finally:
        model.dec, model.enc_q = dec, enc_q
    out.eval()
    fold_weight_norm(out)
    out.dec = FastVocoder(dec, vocoder_dtype).to(device).eval()
    out.dec.set_fused(fused_conv_available(device, vocoder_dtype))
    if device.type == "cpu" and vocoder_dtype == torch.bfloat16 and "amx_bf16" in cpu_flags():
        window = max(VOCODER_WINDOW_FRAMES, 4 * out.dec.context_frames)  # AMX: 9 ms per frame to build
        out.dec.set_window(window, bucket=window)
    elif device.type == "cpu":  # the caller bounds the length (memory)
        out.dec.set_window(None, bucket=VOCODER_BUCKET_FRAMES)
    out.inference_dtype = vocoder_dtype
    for p in out.parameters():
        p.requires_grad_(False)
    logger.info("SoVITS %s prepared for inference on %s (vocoder in %s)", model.version, device, vocoder_dtype)
    return out


def waveform_agreement(reference: torch.Tensor, test: torch.Tensor) -> dict[str, float]:
    """How close ``test`` is to ``reference`` (waveforms of equal length, any shape).

    Returns ``snr_db`` (reference energy over error energy), ``max_abs`` (largest sample error)
    and ``mel_l1``: mean absolute difference of the 128-bin natural-log mel spectrograms, both
    floored 60 dB below the reference's loudest bin so that near-silent bins do not dominate.
    """
    from gpt_sovits.audio.spectrogram import linear_spectrogram, spectrogram_to_mel

    ref, out = reference.detach().float().reshape(-1).cpu(), test.detach().float().reshape(-1).cpu()
    if ref.shape != out.shape:
        raise ValueError(f"waveforms differ in length: {ref.numel()} vs {out.numel()}")
    err = out - ref
    noise = float(err.pow(2).sum())
    snr = float("inf") if noise == 0 else 10 * torch.log10(ref.pow(2).sum() / noise).item()
    mels = [spectrogram_to_mel(linear_spectrogram(w)).exp() for w in (ref, out)]
    floor = mels[0].max() * MEL_FLOOR_RATIO
    mel_l1 = (mels[1].clamp(min=floor).log() - mels[0].clamp(min=floor).log()).abs().mean().item()
    return {"snr_db": snr, "max_abs": float(err.abs().max()), "mel_l1": mel_l1}
