"""The speaker encoder's front end and building blocks checked against hand computations of SPEC-upstream
(4.4 Kaldi fbank, 6.3 ERes2NetV2), not against our own output. The golden data has nothing for the
speaker encoder (shared/golden/README.md: "Not here: the speaker-verification model")."""

from __future__ import annotations

import math

import numpy as np
import torch

from gpt_sovits.models.sv import build_speaker_encoder, kaldi_fbank
from gpt_sovits.models.sv.eres2netv2 import AttentionalFusion

RATE, FRAME, SHIFT, FFT, BINS = 16000, 400, 160, 512, 80


def _mel(hz):
    return 1127.0 * np.log(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def _hand_fbank_frame(wav: np.ndarray, index: int) -> np.ndarray:
    """One frame of Kaldi's log-mel fbank, written from the spec: DC removal, pre-emphasis 0.97,
    Povey window, 512-point power spectrum, 80 triangular mel bins from 20 Hz to Nyquist, natural log."""
    x = wav[index * SHIFT: index * SHIFT + FRAME].astype(np.float64)
    x = x - x.mean()
    x = np.concatenate([[x[0] - 0.97 * x[0]], x[1:] - 0.97 * x[:-1]])
    n = np.arange(FRAME)
    x = x * (0.5 - 0.5 * np.cos(2 * np.pi * n / (FRAME - 1))) ** 0.85
    power = np.abs(np.fft.rfft(x, FFT)) ** 2  # 257 bins
    low, high = _mel(20.0), _mel(RATE / 2)
    step = (high - low) / (BINS + 1)
    fft_mel = _mel(np.arange(FFT // 2) * RATE / FFT)  # Kaldi leaves the Nyquist bin out
    energies = np.empty(BINS)
    for b in range(BINS):
        left, centre, right = low + b * step, low + (b + 1) * step, low + (b + 2) * step
        weights = np.clip(np.minimum((fft_mel - left) / (centre - left), (right - fft_mel) / (right - centre)), 0, None)
        energies[b] = weights @ power[: FFT // 2]
    return np.log(np.maximum(energies, np.finfo(np.float32).eps))


def test_fbank_matches_a_hand_computation_of_kaldis_recipe():
    rng = np.random.default_rng(7)
    t = np.arange(RATE) / RATE
    wav = (0.3 * np.sin(2 * np.pi * 220 * t) + 0.002 * rng.standard_normal(RATE)).astype(np.float32)
    feats = kaldi_fbank(torch.from_numpy(wav))[0].double().numpy()
    assert feats.shape == (1 + (RATE - FRAME) // SHIFT, BINS)  # snip_edges: whole frames only
    for index in (0, 17, 97):
        np.testing.assert_allclose(feats[index], _hand_fbank_frame(wav, index), rtol=0, atol=2e-3)
    # a 220 Hz tone puts its energy in the bin whose triangle holds 220 Hz
    centres = [700 * (math.exp((_mel(20.0) + (b + 1) * (_mel(8000.0) - _mel(20.0)) / 81) / 1127) - 1) for b in range(80)]
    assert abs(centres[int(np.argmax(feats[50]))] - 220) < 60


def _bn(x, bn: torch.nn.BatchNorm2d):
    shape = (1, -1, 1, 1)
    return (x - bn.running_mean.view(shape)) / torch.sqrt(bn.running_var.view(shape) + bn.eps) * bn.weight.view(
        shape) + bn.bias.view(shape)


def _conv1x1(x, conv: torch.nn.Conv2d):
    return torch.einsum("oc,bchw->bohw", conv.weight[:, :, 0, 0], x) + conv.bias.view(1, -1, 1, 1)


def test_attentional_fusion_is_the_specs_formula():
    # AFF(x, y): a = 1 + tanh(BN(conv1x1(SiLU(BN(conv1x1(cat(x, y))))))), out = x*a + y*(2 - a), ratio 4
    torch.manual_seed(0)
    aff = AttentionalFusion(16, r=4).eval()
    with torch.no_grad():
        for module in aff.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.2, 0.2)
        conv_a, bn_a, _, conv_b, bn_b = aff.local_att
        assert conv_a.weight.shape == (4, 32, 1, 1) and conv_b.weight.shape == (16, 4, 1, 1)
        x, y = torch.randn(2, 16, 5, 7), torch.randn(2, 16, 5, 7)
        h = _bn(_conv1x1(torch.cat([x, y], 1), conv_a), bn_a)
        h = h * torch.sigmoid(h)  # SiLU
        a = 1 + torch.tanh(_bn(_conv1x1(h, conv_b), bn_b))
        torch.testing.assert_close(aff(x, y), x * a + y * (2 - a), rtol=1e-5, atol=1e-5)


def test_pooled_features_are_the_fused_map_flattened_and_averaged_over_time():
    # forward3: fused stage-3/4 map [B, 2048, 10, T'] -> flatten channels x frequency -> mean over time
    torch.manual_seed(1)
    model = build_speaker_encoder(num_blocks=(1, 1, 1, 1)).eval()
    seen = {}
    model.fuse34.register_forward_hook(lambda module, args, out: seen.setdefault("map", out))
    with torch.no_grad():
        pooled = model.pooled_features(torch.randn(1, 40, 80))
    fused = seen["map"]
    assert fused.shape[1:3] == (2048, 10)  # 64 * 8 * 4 channels, 80 / 8 frequency rows
    by_hand = torch.stack([fused[0, c // 10, c % 10, :].mean() for c in range(0, 20480, 997)])
    torch.testing.assert_close(pooled[0, ::997], by_hand, rtol=1e-5, atol=1e-6)
    # the activation is a ReLU clipped at 20 (Hardtanh(0, 20)) everywhere
    clipped = [m for m in model.modules() if isinstance(m, torch.nn.Hardtanh)]
    assert clipped and all((m.min_val, m.max_val) == (0.0, 20.0) for m in clipped)
