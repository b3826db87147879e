"""Background-noise reduction by spectral gating (the noisereduce package).

Stationary mode learns one noise spectrum from the quietest tenth of the recording (hum, hiss, fans);
non-stationary mode tracks the noise with a sliding window (traffic, changing rooms) and is slower.
``strength`` is how much of the detected noise is removed: 0 leaves the audio unchanged, 1 removes all.
"""

from __future__ import annotations

import logging

import numpy as np

from gpt_sovits.audio.processing import frame_rms
from gpt_sovits.errors import AudioError, ConfigError

logger = logging.getLogger(__name__)

NOISE_BLOCK_S = 0.1
NOISE_FRACTION = 0.1
MIN_NOISE_BLOCKS = 5


def estimate_noise(audio: np.ndarray, sr: int, fraction: float = NOISE_FRACTION) -> np.ndarray | None:
    """The quietest ``fraction`` of 100 ms blocks of [n], concatenated in time order, or None when
    the audio is shorter than MIN_NOISE_BLOCKS blocks."""
    block = max(1, int(sr * NOISE_BLOCK_S))
    n_blocks = audio.size // block
    if n_blocks < MIN_NOISE_BLOCKS:
        return None
    blocks = audio[: n_blocks * block].reshape(n_blocks, block)
    levels = np.sqrt(np.mean(np.square(blocks, dtype=np.float64), axis=1))
    count = max(MIN_NOISE_BLOCKS, int(round(n_blocks * fraction)))
    quietest = np.sort(np.argsort(levels, kind="stable")[:count])
    return blocks[quietest].reshape(-1)


def denoise(
    audio: np.ndarray,
    sr: int,
    strength: float = 0.8,
    stationary: bool = True,
    noise: np.ndarray | None = None,
) -> np.ndarray:
    """Reduce background noise in mono [n] float audio; returns float32 [n].

    ``noise``: a sample of the noise alone (stationary mode); by default the quietest parts of ``audio``.
    """
    if not 0.0 <= strength <= 1.0:
        raise ConfigError(f"Noise reduction strength must be between 0 and 1, got {strength}.")
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        raise AudioError(f"Noise reduction needs mono audio of shape [n]; got shape {audio.shape}.")
    if strength == 0.0 or audio.size == 0:
        return audio.copy()
    if not np.all(np.isfinite(audio)):
        raise AudioError("Cannot reduce noise in audio that contains NaN or infinite samples.")
    import noisereduce  # deferred: a heavy import only needed here

    if stationary:
        noise = estimate_noise(audio, sr) if noise is None else np.asarray(noise, dtype=np.float32)
        if noise is not None and not np.any(frame_rms(noise, 512, 256) > 0):
            noise = None  # digital silence carries no noise profile; let noisereduce use the signal
        cleaned = noisereduce.reduce_noise(
            y=audio, sr=sr, stationary=True, y_noise=noise, prop_decrease=strength, n_jobs=1, use_tqdm=False
        )
    else:
        cleaned = noisereduce.reduce_noise(y=audio, sr=sr, stationary=False, prop_decrease=strength, n_jobs=1,
                                           use_tqdm=False)  # fmt: skip
    cleaned = np.asarray(cleaned, dtype=np.float32)
    if cleaned.shape != audio.shape:
        raise AudioError(f"Noise reduction changed the length from {audio.size} to {cleaned.size} samples.")
    return cleaned
