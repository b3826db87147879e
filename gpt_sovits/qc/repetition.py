"""Finding a stretch of a take that is said twice (the GPT looping back over its own tokens).

Each 40 ms step of speech becomes a vector of log band energies, normalised over the take. A repeat
shows as a diagonal of similar frames at some lag in the frames' self-similarity matrix; the
longest such diagonal (lag at least MIN_LAG_S) is the repeated stretch.
"""

from __future__ import annotations

import numpy as np

from gpt_sovits.qc.signal import FRAME_S, bridge_gaps, frame_samples

BANDS = 24
BAND_LOW_HZ, BAND_HIGH_HZ = 80.0, 4000.0  # the formants; white hiss above them drowns the likeness in noisy takes
SIMILAR = 0.6  # mean cosine similarity over SMOOTH_STEPS for two steps to count as "the same sound"
POOL_FRAMES = 2  # the search runs on 40 ms steps (two analysis frames): a quarter of the work of 20 ms
SMOOTH_STEPS = 3
MIN_LAG_S = 0.4
MAX_LAG_S = 12.0  # a loop of the GPT comes back within seconds; the cap keeps long takes linear in length


def band_features(audio: np.ndarray, sample_rate: int, hop: int) -> np.ndarray:
    """[steps, BANDS] log energies of consecutive ``hop``-sample steps in log-spaced bands: one Hann-windowed
    power-of-two FFT over the middle of each step (1024 of the 1280 samples of 40 ms at 32 kHz)."""
    n = audio.size // hop
    if n == 0:
        return np.zeros((0, BANDS), np.float32)
    size = 1 << (hop.bit_length() - 1)
    offset = (hop - size) // 2
    frames = audio[: n * hop].astype(np.float32).reshape(n, hop)[:, offset: offset + size]
    spectrum = np.fft.rfft(frames * np.hanning(size).astype(np.float32), axis=1)
    power = spectrum.real**2 + spectrum.imag**2
    freqs = np.fft.rfftfreq(size, 1.0 / sample_rate)
    edges = np.searchsorted(freqs, np.geomspace(BAND_LOW_HZ, min(BAND_HIGH_HZ, sample_rate / 2), BANDS + 1))
    edges = np.minimum(np.maximum.accumulate(np.maximum(edges, np.arange(BANDS + 1) + edges[0])), freqs.size - 1)
    bands = np.add.reduceat(power[:, : edges[-1]], edges[:-1], axis=1)  # bins edges[b] .. edges[b + 1] - 1
    return np.log10(bands + 1e-9)


def longest_repeat_s(audio: np.ndarray, sample_rate: int, speech: np.ndarray) -> float:
    """Seconds of the longest stretch of speech that is heard again at least MIN_LAG_S later.

    ``speech`` [frames] marks the speech frames (from :func:`gpt_sovits.qc.signal.analyse`); pauses
    (but not the short gaps between words) never count as repeated, however alike two silences are.
    """
    step_s = FRAME_S * POOL_FRAMES
    feats = band_features(audio, sample_rate, frame_samples(sample_rate) * POOL_FRAMES)
    n = min(len(feats), speech.size // POOL_FRAMES)
    min_lag = int(round(MIN_LAG_S / step_s))
    if n <= min_lag + SMOOTH_STEPS:
        return 0.0
    feats = feats[:n]
    speech = bridge_gaps(speech[: n * POOL_FRAMES]).reshape(n, POOL_FRAMES).any(1)
    feats = (feats - feats[speech].mean(0)) / (feats[speech].std(0) + 1e-6) if speech.any() else feats
    feats = (feats / (np.linalg.norm(feats, axis=1, keepdims=True) + 1e-9)).astype(np.float32)
    lags = min(n, int(round(MAX_LAG_S / step_s))) - min_lag
    diag = lag_diagonals(feats @ feats.T, min_lag, lags)  # [lags, n]: row k holds sim[i, i + min_lag + k]
    smooth = moving_average(diag, SMOOTH_STEPS)
    lagged = np.zeros(2 * n, bool)
    lagged[:n] = speech
    both_speech = speech[None, :] & np.lib.stride_tricks.as_strided(
        lagged[min_lag:], shape=diag.shape, strides=(lagged.strides[0], lagged.strides[0]))
    return longest_run(close_gaps((smooth >= SIMILAR) & both_speech)) * step_s


def lag_diagonals(sim: np.ndarray, min_lag: int, lags: int) -> np.ndarray:
    """[lags, n] view of the upper diagonals of ``sim`` [n, n] (``min_lag + lags <= n``): out[k, i] =
    sim[i, i + min_lag + k], zero where ``i + min_lag + k`` is past the end."""
    n = sim.shape[0]
    padded = np.zeros((n, 2 * n), sim.dtype)
    padded[:, :n] = sim
    flat = padded.ravel()
    step = flat.strides[0]
    return np.lib.stride_tricks.as_strided(flat[min_lag:], shape=(lags, n), strides=(step, (2 * n + 1) * step))


def moving_average(rows: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average of width ``width`` (odd) along the last axis, zeros beyond the ends."""
    half = width // 2
    sums = np.cumsum(np.pad(rows, ((0, 0), (half + 1, half))), axis=1, dtype=np.float32)
    return (sums[:, width:] - sums[:, :-width]) / width


def close_gaps(mask: np.ndarray) -> np.ndarray:
    """``mask`` [rows, n] with False gaps of one or two steps between True steps filled (a closing along the
    last axis), so one odd step does not split a repeated stretch in two."""
    def shifted(m: np.ndarray, by: int) -> np.ndarray:
        out = np.zeros_like(m)
        if by > 0:
            out[:, by:] = m[:, :-by]
        else:
            out[:, :by] = m[:, -by:]
        return out

    grown = mask | shifted(mask, 1) | shifted(mask, -1)
    return grown & shifted(grown, 1) & shifted(grown, -1) | mask


def longest_run(mask: np.ndarray) -> int:
    """Length of the longest run of True along the last axis of a 2-D boolean array."""
    if mask.size == 0:
        return 0
    counts = np.cumsum(mask, axis=1, dtype=np.int32)
    resets = np.maximum.accumulate(np.where(~mask, counts, 0), axis=1)
    return int((counts - resets).max())
