"""The SoVITS generator (upstream ``SynthesizerTrn``) for v1, v2, v2Pro and v2ProPlus.

Submodules, in upstream's state-dict order: ``enc_p`` (content encoder with
MRTE), ``dec`` (vocoder), ``enc_q`` (posterior encoder, training only), ``flow``,
``ref_enc`` (timbre encoder), ``ssl_proj`` (50 Hz -> 25 Hz), ``quantizer``, and
for the Pro versions ``sv_emb``, ``ge_to512``, ``prelu``.

Shapes: ``ge`` is the global timbre vector [B, gin, 1]; Pro models mix a
20480-d speaker-verification embedding into it and feed MRTE a 512-d
projection of it (``ge_to512``), while flow and vocoder see the gin-wide ``ge``.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from gpt_sovits.models.sovits.config import MRTE_GE_CHANNELS, SPEAKER_EMBEDDING_DIM, SoVITSConfig
from gpt_sovits.models.sovits.decoder import HiFiGANGenerator
from gpt_sovits.models.sovits.encoders import SSL_CHANNELS, ContentEncoder, PosteriorEncoder, StyleEncoder, length_mask
from gpt_sovits.models.sovits.flow import CouplingFlow
from gpt_sovits.models.sovits.quantizer import ResidualVectorQuantizer

CODEBOOK_SIZE = 1024


def slice_segments(x: torch.Tensor, starts: torch.Tensor, size: int) -> torch.Tensor:
    """Cut ``size`` frames from every item: x [B,C,T], starts [B] -> [B,C,size]."""
    return torch.stack([x[i, :, int(s) : int(s) + size] for i, s in enumerate(starts)])


def random_segment_starts(lengths: torch.Tensor, size: int) -> torch.Tensor:
    """Uniform start frames in [0, length - size] per item (upstream's rand_slice_segments)."""
    highest = lengths - size + 1
    return (torch.rand(lengths.shape[0], device=lengths.device) * highest).to(torch.long)


class SoVITSGenerator(nn.Module):
    """SoVITS generator; ``.version`` names the variant, ``.config`` holds the settings."""

    def __init__(self, config: SoVITSConfig):
        super().__init__()
        c = config
        self.config = c
        self.version = c.version
        self.is_pro = c.is_pro
        self.enc_p = ContentEncoder(
            c.inter_channels,
            c.hidden_channels,
            c.filter_channels,
            c.n_heads,
            c.n_layers,
            c.kernel_size,
            c.p_dropout,
            c.n_symbols,
        )
        self.dec = HiFiGANGenerator(
            c.inter_channels,
            c.resblock,
            c.resblock_kernel_sizes,
            c.resblock_dilation_sizes,
            c.upsample_rates,
            c.upsample_initial_channel,
            c.upsample_kernel_sizes,
            gin_channels=c.gin_channels,
        )
        self.enc_q = PosteriorEncoder(c.spec_channels, c.inter_channels, c.hidden_channels, 5, 1, 16, c.gin_channels)
        self.flow = CouplingFlow(c.inter_channels, c.hidden_channels, 5, 1, 4, gin_channels=c.gin_channels)
        self.ref_enc = StyleEncoder(c.reference_bins, c.gin_channels)
        if c.semantic_frame_rate not in ("25hz", "50hz"):
            raise ValueError(f"semantic_frame_rate must be '25hz' or '50hz', got {c.semantic_frame_rate!r}")
        stride = 2 if c.semantic_frame_rate == "25hz" else 1
        self.ssl_proj = nn.Conv1d(SSL_CHANNELS, SSL_CHANNELS, stride, stride=stride)
        self.quantizer = ResidualVectorQuantizer(dimension=SSL_CHANNELS, n_q=1, bins=CODEBOOK_SIZE)
        if self.is_pro:
            self.sv_emb = nn.Linear(SPEAKER_EMBEDDING_DIM, c.gin_channels)
            self.ge_to512 = nn.Linear(c.gin_channels, MRTE_GE_CHANNELS)
            self.prelu = nn.PReLU(num_parameters=c.gin_channels)

    # ----- timbre -------------------------------------------------------------------------
    def _timbre(self, spec: torch.Tensor, mask: torch.Tensor, sv: torch.Tensor | None, trace: dict | None):
        """ge [B,gin,1] of one reference spectrogram [B,F,T] (mask [B,1,T])."""
        ge = self.ref_enc(spec[:, : self.config.reference_bins] * mask, mask)
        _record(trace, "ge_ref_each", ge)
        if self.is_pro:
            if sv is None:
                raise ValueError(f"SoVITS {self.version} needs a speaker embedding [B,{SPEAKER_EMBEDDING_DIM}] per reference")
            proj = self.sv_emb(sv)
            _record(trace, "sv_proj_each", proj)
            ge = self.prelu(ge + proj.unsqueeze(-1))
        _record(trace, "ge_each", ge)
        return ge

    def _text_condition(self, ge: torch.Tensor | None) -> torch.Tensor | None:
        """What MRTE receives: ge itself (v1/v2) or its 512-d projection (Pro)."""
        if ge is None or not self.is_pro:
            return ge
        return self.ge_to512(ge.transpose(1, 2)).transpose(1, 2)

    def reference_embedding(
        self,
        refer_specs: list[torch.Tensor] | torch.Tensor | None,
        sv_emb: list[torch.Tensor] | torch.Tensor | None = None,
        trace: dict | None = None,
    ) -> torch.Tensor | None:
        """Mean timbre vector ge [1,gin,1] of reference spectrograms [1,F,T_i] (None without references)."""
        if refer_specs is None:
            return None
        specs = [refer_specs] if isinstance(refer_specs, torch.Tensor) else list(refer_specs)
        if not specs:
            return None
        if sv_emb is None:
            svs = [None] * len(specs)
        else:
            svs = [sv_emb] if isinstance(sv_emb, torch.Tensor) and sv_emb.dim() == 2 else list(sv_emb)
            if len(svs) != len(specs):
                raise ValueError(f"got {len(svs)} speaker embeddings for {len(specs)} reference spectrograms")
        each = []
        for spec, sv in zip(specs, svs, strict=True):
            mask = torch.ones(spec.shape[0], 1, spec.shape[2], dtype=spec.dtype, device=spec.device)
            each.append(self._timbre(spec, mask, sv, trace))
        return torch.stack(each, 0).mean(0)

    # ----- inference ----------------------------------------------------------------------
    @torch.no_grad()
    def extract_latent(self, ssl: torch.Tensor) -> torch.Tensor:
        """HuBERT features [B,768,T50] -> semantic codes [B,1,T50//2] (25 Hz)."""
        codes = self.quantizer.encode(self.ssl_proj(ssl))
        return codes.transpose(0, 1)

    def _upsample_codes(self, quantized: torch.Tensor) -> torch.Tensor:
        if self.config.semantic_frame_rate == "25hz":
            quantized = F.interpolate(quantized, size=quantized.shape[-1] * 2, mode="nearest")
        return quantized

    @torch.no_grad()
    def decode(
        self,
        codes: torch.Tensor,
        phone_ids: torch.Tensor,
        refer_specs: list[torch.Tensor] | torch.Tensor | None,
        noise_scale: float = 0.5,
        speed: float = 1.0,
        noise: torch.Tensor | None = None,
        sv_emb: list[torch.Tensor] | None = None,
        trace: dict | None = None,
    ) -> torch.Tensor:
        """Waveform [1,1,640*frames] from codes [1,1,Tc], phone ids [1,Tt] and reference specs [1,1025,Tr].

        frames = 2*Tc at speed 1, else int(2*Tc / speed) + 1. ``noise`` [1,inter,frames]
        replaces the Gaussian draw; ``sv_emb`` (Pro only) holds one [1,20480] per reference;
        ``trace``, when a dict, receives the intermediate tensors.
        """
        ge = self.reference_embedding(refer_specs, sv_emb, trace)
        _record(trace, "ge", ge)
        ge_text = self._text_condition(ge)
        if self.is_pro and ge_text is not None:
            _record(trace, "ge512", ge_text.transpose(1, 2))
        y_lengths = torch.tensor([codes.shape[2] * 2], device=codes.device)
        text_lengths = torch.tensor([phone_ids.shape[-1]], device=phone_ids.device)
        quantized = self._upsample_codes(self.quantizer.decode(codes))
        _record(trace, "quantized", quantized)
        x, y_mask, parts = self.enc_p.encode(quantized, y_lengths, phone_ids, text_lengths, ge_text)
        for name, value in parts.items():
            _record(trace, name, value)
        x, m_p, logs_p, y_mask = self.enc_p.project(x, y_mask, speed)
        if noise is None:
            noise = torch.randn_like(m_p)
        z_p = m_p + noise * torch.exp(logs_p) * noise_scale
        z = self.flow(z_p, y_mask, g=ge, reverse=True)
        dec_in = z * y_mask
        for name, value in (("x", x), ("m_p", m_p), ("logs_p", logs_p), ("y_mask", y_mask), ("z", z)):
            _record(trace, name, value)
        _record(trace, "dec_in", dec_in)
        return self.dec(dec_in, g=ge)

    # ----- training -----------------------------------------------------------------------
    def forward(self, ssl, y, y_lengths, text, text_lengths, sv_emb: torch.Tensor | None = None):
        """Training pass, returning what upstream returns.

        ssl [B,768,T50], y linear spectrogram [B,1025,T], text [B,Tt], sv_emb [B,20480] (Pro) ->
        (wave_slice [B,1,segment*640], commit_loss, slice_starts [B], y_mask, y_mask,
        (z, z_p, m_p, logs_p, m_q, logs_q), quantized [B,768,T]).
        """
        if self.enc_q is None:
            raise RuntimeError(
                "this SoVITS generator has no posterior encoder (enc_q): it was loaded from an inference "
                "export; start fine-tuning from a pretrained s2G file instead"
            )
        y_mask = length_mask(y_lengths, y.shape[2], y.dtype)
        ge = self._timbre(y, y_mask, sv_emb, None)
        ge_text = self._text_condition(ge)
        with torch.autocast(device_type=ssl.device.type, enabled=False):
            if self.config.freeze_quantizer:
                self.ssl_proj.eval()
                self.quantizer.eval()
            projected = self.ssl_proj(ssl.float())
            quantized, _, commit_loss, _ = self.quantizer(projected, layers=[0])
        quantized = self._upsample_codes(quantized)
        _, m_p, logs_p, _ = self.enc_p(quantized, y_lengths, text, text_lengths, ge_text)
        z, m_q, logs_q, y_mask = self.enc_q(y, y_lengths, g=ge)
        z_p = self.flow(z, y_mask, g=ge)
        starts = random_segment_starts(y_lengths, self.config.segment_size)
        wave = self.dec(slice_segments(z, starts, self.config.segment_size), g=ge)
        return wave, commit_loss, starts, y_mask, y_mask, (z, z_p, m_p, logs_p, m_q, logs_q), quantized


def _record(trace: dict | None, name: str, value) -> None:
    """Store ``value`` under ``name`` (appending a per-reference list for ``*_each``)."""
    if trace is None or value is None:
        return
    if name.endswith("_each"):
        trace.setdefault(name, []).append(value)
    else:
        trace[name] = value
