"""Finding a stretch of a take that is said twice (the GPT looping back over its own tokens).

Each 20 ms speech frame becomes a vector of log band energies, normalised over the take. A repeat
shows as a diagonal of similar frames at some lag in the frames' self-similarity matrix; the
longest such diagonal (lag at least MIN_LAG_S) is the repeated stretch.
"""

from __future__ import annotations

import numpy as np

from gpt_sovits.qc.signal import FRAME_S, bridge_gaps, frame_samples

BANDS = 24
BAND_LOW_HZ, BAND_HIGH_HZ = 80.0, 7600.0
SIMILAR = 0.6  # mean cosine similarity over SMOOTH_FRAMES for two frames to count as "the same sound"
SMOOTH_FRAMES = 5
MIN_LAG_S = 0.4


def band_features(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """[frames, BANDS] log energies of 20 ms frames in log-spaced bands (Hann window, one FFT per frame)."""
    hop = frame_samples(sample_rate)
    n = audio.size // hop
    if n == 0:
        return np.zeros((0, BANDS), np.float32)
    frames = audio[: n * hop].reshape(n, hop) * np.hanning(hop).astype(np.float32)
    power = np.square(np.abs(np.fft.rfft(frames, axis=1))).astype(np.float32)
    freqs = np.fft.rfftfreq(hop, 1.0 / sample_rate)
    edges = np.geomspace(BAND_LOW_HZ, min(BAND_HIGH_HZ, sample_rate / 2), BANDS + 1)
    bins = np.clip(np.searchsorted(edges, freqs) - 1, -1, BANDS)
    valid = (bins >= 0) & (bins < BANDS)
    pool = np.zeros((freqs.size, BANDS), np.float32)
    pool[np.flatnonzero(valid), bins[valid]] = 1.0
    return np.log10(power @ pool + 1e-9)


def longest_repeat_s(audio: np.ndarray, sample_rate: int, speech: np.ndarray) -> float:
    """Seconds of the longest stretch of speech that is heard again at least MIN_LAG_S later.

    ``speech`` [frames] marks the speech frames (from :func:`gpt_sovits.qc.signal.analyse`); pauses
    (but not the short gaps between words) never count as repeated, however alike two silences are.
    """
    feats = band_features(audio, sample_rate)
    n = min(len(feats), speech.size)
    min_lag = int(round(MIN_LAG_S / FRAME_S))
    if n <= min_lag + SMOOTH_FRAMES:
        return 0.0
    feats, speech = feats[:n], bridge_gaps(speech[:n])
    feats = (feats - feats[speech].mean(0)) / (feats[speech].std(0) + 1e-6) if speech.any() else feats
    feats /= np.linalg.norm(feats, axis=1, keepdims=True) + 1e-9
    sim = feats @ feats.T  # [n, n]
    lags = np.arange(min_lag, n)
    cols = np.arange(n)[None, :] + lags[:, None]  # [lags, n]: row L holds sim[i, i + L]
    inside = cols < n
    cols = np.where(inside, cols, 0)
    diag = np.where(inside, sim[np.arange(n)[None, :], cols], 0.0)
    smooth = moving_average(diag, SMOOTH_FRAMES)
    both_speech = inside & speech[None, :] & speech[cols]
    same = (smooth >= SIMILAR) & both_speech
    return longest_run(same) * FRAME_S


def moving_average(rows: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average of width ``width`` (odd) along the last axis, zeros beyond the ends."""
    half = width // 2
    sums = np.cumsum(np.pad(rows, ((0, 0), (half + 1, half))), axis=1)
    return (sums[:, width:] - sums[:, :-width]) / width


def longest_run(mask: np.ndarray) -> int:
    """Length of the longest run of True along the last axis of a 2-D boolean array."""
    if mask.size == 0:
        return 0
    counts = np.cumsum(mask, axis=1)
    resets = np.maximum.accumulate(np.where(~mask, counts, 0), axis=1)
    return int((counts - resets).max())
