"""Speaker-embedding front end for v2Pro/v2ProPlus: Kaldi fbank and the 20480-d vector."""

from __future__ import annotations

import torch

from gpt_sovits.models.sv.eres2netv2 import ERes2NetV2

SV_SAMPLE_RATE_HZ = 16000
FBANK_BINS = 80
SPEAKER_EMBEDDING_DIM = 20480


def kaldi_fbank(wav16k: torch.Tensor) -> torch.Tensor:
    """Log-mel filterbank [B, frames, 80] of 16 kHz audio [N] or [B, N] in [-1, 1].

    Kaldi conventions (25 ms frames, 10 ms shift, Povey window, pre-emphasis 0.97,
    DC removal, 512-point FFT, power spectrum, no dither), as upstream's ``sv.py``.
    frames = 1 + (N - 400) // 160.
    """
    from torchaudio.compliance import kaldi

    batch = wav16k.unsqueeze(0) if wav16k.dim() == 1 else wav16k
    feats = [
        kaldi.fbank(item.unsqueeze(0).float(), num_mel_bins=FBANK_BINS, sample_frequency=SV_SAMPLE_RATE_HZ, dither=0.0)
        for item in batch
    ]
    return torch.stack(feats).to(wav16k.dtype if wav16k.is_floating_point() else torch.float32)


@torch.no_grad()
def speaker_embedding(model: ERes2NetV2, wav16k: torch.Tensor) -> torch.Tensor:
    """The 20480-d speaker vector [B, 20480] that v2Pro's ``sv_emb`` layer consumes."""
    param = next(model.parameters())
    fbank = kaldi_fbank(wav16k.to(param.device)).to(param.dtype)
    return model.pooled_features(fbank)
