"""Sample-level processing: resampling, levels in dBFS, loudness normalisation and peak limiting.

All functions take and return mono float32 arrays of shape [n_samples] in the range [-1, 1].
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from gpt_sovits.errors import AudioError

logger = logging.getLogger(__name__)

SILENCE_DBFS = -120.0  # what we report for digital silence instead of -inf


def resample(audio: np.ndarray, sr_from: int, sr_to: int) -> np.ndarray:
    """Resample [n] -> [round(n·sr_to/sr_from)] with soxr's high-quality filter (librosa's default)."""
    if sr_from <= 0 or sr_to <= 0:
        raise AudioError(f"Sample rates must be positive, got {sr_from} Hz -> {sr_to} Hz.")
    audio = np.asarray(audio, dtype=np.float32)
    if sr_from == sr_to or audio.size == 0:
        return audio
    import soxr  # deferred: keeps `import gpt_sovits.audio` light

    return soxr.resample(audio, sr_from, sr_to, quality="HQ").astype(np.float32, copy=False)


def resample_sinc(wav, sr_from: int, sr_to: int):
    """torchaudio's Hann-windowed sinc resampler on a tensor [..., n].

    Every other path resamples with :func:`resample` (soxr). This one is kept only where upstream
    uses torchaudio and our output must match its (SPEC-upstream: the reference's 32 kHz
    spectrogram, the 16 kHz input of the speaker encoder); another filter changes the results.
    """
    import torchaudio.functional as AF  # deferred: torch is heavy

    return wav if sr_from == sr_to else AF.resample(wav, sr_from, sr_to)


def to_dbfs(amplitude: float | np.ndarray) -> float | np.ndarray:
    """Linear amplitude -> dBFS, with digital silence clamped to SILENCE_DBFS."""
    floor = 10 ** (SILENCE_DBFS / 20)
    return 20.0 * np.log10(np.maximum(np.abs(amplitude), floor))


def peak_dbfs(audio: np.ndarray) -> float:
    """Highest absolute sample in dBFS."""
    return float(to_dbfs(np.max(np.abs(audio)))) if audio.size else SILENCE_DBFS


def rms_dbfs(audio: np.ndarray) -> float:
    """Root-mean-square level of the whole array in dBFS."""
    if audio.size == 0:
        return SILENCE_DBFS
    return float(to_dbfs(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))))


def frame_rms(audio: np.ndarray, frame_length: int, hop_length: int) -> np.ndarray:
    """RMS of frames centred every ``hop_length`` samples, zero-padded by frame_length//2 at both ends.

    [n] -> [1 + n // hop_length]. This is the framing of upstream's slicer (and librosa's
    ``rms(center=True, pad_mode="constant")``).
    """
    half = frame_length // 2
    padded = np.pad(np.asarray(audio, dtype=np.float64), (half, half))
    n_frames = 1 + (padded.size - frame_length) // hop_length if padded.size >= frame_length else 0
    # A running sum of squares gives every frame's energy without materialising the frames.
    csum = np.concatenate(([0.0], np.cumsum(padded**2)))
    starts = np.arange(n_frames) * hop_length
    energy = csum[starts + frame_length] - csum[starts]
    return np.sqrt(np.maximum(energy, 0.0) / frame_length)


def active_rms_dbfs(audio: np.ndarray, sr: int, gate_db: float = 40.0) -> float:
    """RMS over the loud parts only: 50 ms frames within ``gate_db`` of the loudest frame.

    Long pauses would otherwise drag the level down and make normalisation over-amplify.
    """
    hop = max(1, sr // 100)
    frames = frame_rms(audio, hop * 5, hop)
    if frames.size == 0 or frames.max() <= 0:
        return SILENCE_DBFS
    loud = frames[frames >= frames.max() * 10 ** (-gate_db / 20)]
    return float(to_dbfs(np.sqrt(np.mean(loud**2))))


def limit_peaks(
    audio: np.ndarray, sr: int, ceiling_dbfs: float = -1.0, release_ms: float = 5.0, magnitude: np.ndarray | None = None
) -> np.ndarray:
    """Keep every sample at or below ``ceiling_dbfs`` with a smooth gain curve instead of hard clipping.

    The gain needed at each sample is spread over ±``release_ms`` (a minimum filter followed by a moving
    average no wider than it), so the curve is smooth yet never above what any sample needs.
    ``magnitude`` [n] is the level to hold under the ceiling (default ``|audio|``; mastering passes the
    true-peak envelope, the oversampled peak around each sample).
    """
    audio = np.asarray(audio, dtype=np.float32)
    ceiling = 10 ** (ceiling_dbfs / 20)
    magnitude = np.abs(audio) if magnitude is None else magnitude
    if audio.size == 0 or magnitude.max() <= ceiling:
        return audio
    half = max(1, int(sr * release_ms / 1000))
    needed = np.minimum(1.0, ceiling / np.maximum(magnitude, 1e-12))
    spread = minimum_filter1d(needed, size=2 * half + 1)
    smooth = uniform_filter1d(spread, size=half + 1)
    out = audio * np.minimum(smooth, needed).astype(np.float32)
    return np.clip(out, -ceiling, ceiling)


def normalize_loudness(
    audio: np.ndarray, sr: int, target_dbfs: float = -20.0, ceiling_dbfs: float = -1.0, max_gain_db: float = 40.0
) -> np.ndarray:
    """Scale [n] so that its active-speech RMS is ``target_dbfs``, then limit peaks to ``ceiling_dbfs``.

    The gain is capped at ``max_gain_db`` so near-silent input is not blown up into loud noise.
    """
    level = active_rms_dbfs(audio, sr)
    if level <= SILENCE_DBFS:
        raise AudioError("The audio is silent, so its loudness cannot be normalised.")
    gain_db = min(target_dbfs - level, max_gain_db)
    if gain_db == max_gain_db:
        logger.warning("Loudness gain capped at %.0f dB; the recording is very quiet.", max_gain_db)
    scaled = np.asarray(audio, dtype=np.float32) * np.float32(10 ** (gain_db / 20))
    return limit_peaks(scaled, sr, ceiling_dbfs)


def blend_peak_normalize(audio: np.ndarray, peak: float = 0.9, alpha: float = 0.25) -> np.ndarray:
    """Upstream's gentle normalisation: ``alpha`` of the peak-normalised signal plus (1-alpha) of the input.

    Matches tools/slice_audio.py per clip, including its quirk: when the input peak m exceeds 1 the
    clip is first divided by m and the blend then divides by the original m once more.
    """
    audio = np.asarray(audio, dtype=np.float32)
    m = float(np.max(np.abs(audio))) if audio.size else 0.0
    if m == 0.0:
        return audio
    if m > 1.0:
        audio = audio / m
    return (audio / m * (peak * alpha) + (1.0 - alpha) * audio).astype(np.float32)
