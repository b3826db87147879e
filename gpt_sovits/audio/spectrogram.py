"""Linear and mel spectrograms with the conventions of the SoVITS models.

Both follow upstream GPT-SoVITS exactly (SPEC-upstream.md §4): the waveform is
reflect-padded by (n_fft - hop) / 2 samples on each side, the STFT runs with
``center=False`` and a periodic Hann window, and the magnitude keeps a 1e-8
floor inside the square root. A signal of N samples gives ``N // hop`` frames.
The mel filters are Slaney-style (as librosa builds them by default), and the
mel spectrogram is the natural log of the filtered magnitude clamped at 1e-5.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from gpt_sovits.config import MODEL_SAMPLE_RATE_HZ as SAMPLE_RATE_HZ

N_FFT = 2048
HOP_SAMPLES = 640
WIN_SAMPLES = 2048
N_MELS = 128
MAGNITUDE_FLOOR = 1e-8
LOG_CLAMP = 1e-5

__all__ = [
    "SAMPLE_RATE_HZ",
    "N_FFT",
    "HOP_SAMPLES",
    "WIN_SAMPLES",
    "N_MELS",
    "linear_spectrogram",
    "mel_spectrogram",
    "spectrogram_to_mel",
    "mel_filterbank",
]


def _as_batch(wav: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Turn a 1-D or [B, N] waveform (numpy or torch) into a float32 tensor [B, N]."""
    x = torch.from_numpy(np.ascontiguousarray(wav)) if isinstance(wav, np.ndarray) else wav
    if x.dim() == 1:
        x = x.unsqueeze(0)
    elif x.dim() == 3 and x.shape[1] == 1:
        x = x.squeeze(1)
    if x.dim() != 2:
        raise ValueError(f"expected a waveform of shape [N] or [B, N], got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise ValueError(f"expected a floating-point waveform in [-1, 1], got dtype {x.dtype}")
    return x.float() if x.dtype == torch.float64 else x


@lru_cache(maxsize=8)
def _hann_window(win_length: int) -> torch.Tensor:
    # made outside inference mode: a cached inference tensor would break later training (autograd)
    with torch.inference_mode(False):
        return torch.hann_window(win_length, periodic=True)


def linear_spectrogram(
    wav: np.ndarray | torch.Tensor,
    n_fft: int = N_FFT,
    hop_length: int = HOP_SAMPLES,
    win_length: int = WIN_SAMPLES,
) -> torch.Tensor:
    """Magnitude spectrogram [B, n_fft // 2 + 1, N // hop_length] of a waveform [N] or [B, N].

    For the default 32 kHz settings a 1-D input gives [1, 1025, T].
    """
    x = _as_batch(wav)
    pad = (n_fft - hop_length) // 2
    x = torch.nn.functional.pad(x.unsqueeze(1), (pad, pad), mode="reflect").squeeze(1)
    window = _hann_window(win_length).to(device=x.device, dtype=x.dtype)
    stft = torch.stft(
        x,
        n_fft,
        hop_length=hop_length,
        win_length=win_length,
        window=window,
        center=False,
        normalized=False,
        onesided=True,
        return_complex=True,
    )
    parts = torch.view_as_real(stft)
    return torch.sqrt(parts.pow(2).sum(-1) + MAGNITUDE_FLOOR)


def _hz_to_slaney_mel(freq: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above."""
    freq = np.asarray(freq, dtype=np.float64)
    linear_step = 200.0 / 3.0
    log_start_hz = 1000.0
    log_start_mel = log_start_hz / linear_step
    log_step = np.log(6.4) / 27.0
    mel = freq / linear_step
    above = freq >= log_start_hz
    mel[above] = log_start_mel + np.log(freq[above] / log_start_hz) / log_step
    return mel


def _slaney_mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    linear_step = 200.0 / 3.0
    log_start_hz = 1000.0
    log_start_mel = log_start_hz / linear_step
    log_step = np.log(6.4) / 27.0
    freq = mel * linear_step
    above = mel >= log_start_mel
    freq[above] = log_start_hz * np.exp(log_step * (mel[above] - log_start_mel))
    return freq


@lru_cache(maxsize=8)
@torch.inference_mode(False)
def _mel_filterbank_cached(sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> torch.Tensor:
    bin_hz = np.linspace(0.0, sample_rate / 2.0, 1 + n_fft // 2)
    edges_mel = np.linspace(_hz_to_slaney_mel(np.array([fmin]))[0], _hz_to_slaney_mel(np.array([fmax]))[0], n_mels + 2)
    edges_hz = _slaney_mel_to_hz(edges_mel)
    widths = np.diff(edges_hz)
    offsets = edges_hz[:, None] - bin_hz[None, :]
    rising = -offsets[:-2] / widths[:-1, None]
    falling = offsets[2:] / widths[1:, None]
    filters = np.maximum(0.0, np.minimum(rising, falling))
    # Slaney area normalisation: every triangle integrates to about the same value.
    filters *= (2.0 / (edges_hz[2 : n_mels + 2] - edges_hz[:n_mels]))[:, None]
    return torch.from_numpy(filters.astype(np.float32))


def mel_filterbank(
    sample_rate: int = SAMPLE_RATE_HZ,
    n_fft: int = N_FFT,
    n_mels: int = N_MELS,
    fmin: float = 0.0,
    fmax: float | None = None,
) -> torch.Tensor:
    """Slaney mel filter matrix [n_mels, n_fft // 2 + 1] (librosa's default filters), float32."""
    fmax = sample_rate / 2.0 if fmax is None else float(fmax)
    return _mel_filterbank_cached(int(sample_rate), int(n_fft), int(n_mels), float(fmin), fmax).clone()


def spectrogram_to_mel(
    spec: torch.Tensor,
    sample_rate: int = SAMPLE_RATE_HZ,
    n_mels: int = N_MELS,
    fmin: float = 0.0,
    fmax: float | None = None,
) -> torch.Tensor:
    """Log-mel [B, n_mels, T] from a magnitude spectrogram [B, F, T] (F = n_fft // 2 + 1)."""
    n_fft = (spec.shape[-2] - 1) * 2
    basis = mel_filterbank(sample_rate, n_fft, n_mels, fmin, fmax).to(device=spec.device, dtype=spec.dtype)
    return torch.log(torch.clamp(torch.matmul(basis, spec), min=LOG_CLAMP))


def mel_spectrogram(
    wav: np.ndarray | torch.Tensor,
    sample_rate: int = SAMPLE_RATE_HZ,
    n_fft: int = N_FFT,
    hop_length: int = HOP_SAMPLES,
    win_length: int = WIN_SAMPLES,
    n_mels: int = N_MELS,
    fmin: float = 0.0,
    fmax: float | None = None,
) -> torch.Tensor:
    """Log-mel spectrogram [B, n_mels, N // hop_length] of a waveform [N] or [B, N]; [1, 128, T] by default."""
    spec = linear_spectrogram(wav, n_fft=n_fft, hop_length=hop_length, win_length=win_length)
    return spectrogram_to_mel(spec, sample_rate=sample_rate, n_mels=n_mels, fmin=fmin, fmax=fmax)
