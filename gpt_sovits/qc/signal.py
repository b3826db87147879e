"""Frame-level analysis of one take: levels, where the speech is, pauses, loudness and clipping.

Everything here is plain numpy over 20 ms frames, so it costs a fraction of a millisecond per second
of audio (see bench/bench_qc.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FRAME_S = 0.02
SPEECH_BELOW_PEAK_DB = 35.0  # a frame is speech when within this many dB of the take's loud frames
SPEECH_FLOOR_DBFS = -55.0  # ... and above this absolute level
ABOVE_NOISE_DB = 8.0  # ... and this far above the take's noise floor
NOISE_CAP_DB = 15.0  # ... but the noise rule never asks more than this below the loud frames
PAUSE_BRIDGE_S = 0.3  # gaps shorter than this are part of articulation (stops, word joins)
CLIP_MIN_RUN_SAMPLES = 3  # clipping flattens the top: this many equal peak samples in a row
LEVEL_EPS = 1e-10


@dataclass(frozen=True)
class TakeSignal:
    """What the checks need to know about a take's waveform.

    ``speech`` [frames] bool marks speech frames; times are in seconds; levels in dBFS.
    """

    sample_rate: int
    duration_s: float
    frame_db: np.ndarray  # [frames] RMS level per 20 ms frame
    speech: np.ndarray  # [frames] bool
    leading_silence_s: float
    trailing_silence_s: float
    longest_pause_s: float  # longest non-speech stretch between the first and the last speech frame
    articulation_s: float  # speech frames plus pauses shorter than PAUSE_BRIDGE_S
    loudness_db: float  # RMS level of the speech frames (-inf when there is none)
    clipped_fraction: float  # share of samples inside flattened peaks

    @property
    def has_speech(self) -> bool:
        return bool(self.speech.any())


def finite_audio(audio: np.ndarray) -> np.ndarray:
    """``audio`` as float32 with NaN and infinities set to 0 (no copy when it already is clean float32)."""
    audio = np.asarray(audio, dtype=np.float32)
    if np.isfinite(audio).all():
        return audio
    return np.nan_to_num(audio, nan=0.0, posinf=0.0, neginf=0.0)


def frame_samples(sample_rate: int) -> int:
    return max(1, int(round(sample_rate * FRAME_S)))


def frame_levels(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """RMS level in dBFS of consecutive 20 ms frames of ``audio`` [N] (a partial last frame is dropped,
    unless it is the only one)."""
    hop = frame_samples(sample_rate)
    n = max(1, audio.size // hop)
    padded = audio[: n * hop] if audio.size >= hop else np.pad(audio, (0, hop - audio.size))
    power = np.mean(np.square(padded.reshape(n, hop), dtype=np.float64), axis=1)
    return 10.0 * np.log10(power + LEVEL_EPS)


def speech_frames(frame_db: np.ndarray) -> np.ndarray:
    """Frames loud enough to be speech: above SPEECH_FLOOR_DBFS, within SPEECH_BELOW_PEAK_DB of the
    95th-percentile frame (so one loud click does not make quiet speech "silence"), and ABOVE_NOISE_DB
    above the take's noise floor (its 5th-percentile frame; a model copies a noisy reference's hiss)
    unless that would cut into the loud part of the take."""
    if frame_db.size == 0:
        return np.zeros(0, bool)
    noise, top = np.percentile(frame_db, [5, 95])
    threshold = max(SPEECH_FLOOR_DBFS, top - SPEECH_BELOW_PEAK_DB, min(noise + ABOVE_NOISE_DB, top - NOISE_CAP_DB))
    return frame_db > threshold


def gap_lengths(speech: np.ndarray) -> np.ndarray:
    """Lengths in frames of the non-speech runs strictly between the first and last speech frames."""
    idx = np.flatnonzero(speech)
    if idx.size < 2:
        return np.zeros(0, int)
    steps = np.diff(idx) - 1
    return steps[steps > 0]


def bridge_gaps(speech: np.ndarray, max_gap_s: float = PAUSE_BRIDGE_S) -> np.ndarray:
    """``speech`` with non-speech runs shorter than ``max_gap_s`` between speech frames filled in."""
    out = speech.copy()
    idx = np.flatnonzero(speech)
    if idx.size < 2:
        return out
    limit = int(round(max_gap_s / FRAME_S))
    for start, step in zip(idx[:-1], np.diff(idx), strict=True):
        if 1 < step <= limit:
            out[start + 1: start + step] = True
    return out


def clipped_fraction(audio: np.ndarray) -> float:
    """Share of samples in runs of CLIP_MIN_RUN_SAMPLES or more at the take's own peak magnitude.

    Hard clipping (at 1.0, or anywhere before a later gain change) leaves flat tops of equal
    samples; a smooth waveform touches its peak at one or two samples only.
    """
    if audio.size == 0:
        return 0.0
    magnitude = np.abs(audio)
    peak = float(magnitude.max())
    if peak <= 1e-3:
        return 0.0
    at_peak = magnitude >= peak - max(peak * 1e-4, 1.0 / 32768)
    if int(at_peak.sum()) < CLIP_MIN_RUN_SAMPLES:
        return 0.0
    edges = np.diff(np.concatenate(([0], at_peak.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    runs = ends - starts
    return float(runs[runs >= CLIP_MIN_RUN_SAMPLES].sum()) / audio.size


def analyse(audio: np.ndarray, sample_rate: int, appended_silence_s: float = 0.0) -> TakeSignal:
    """Analyse ``audio`` [N] float; ``appended_silence_s`` of digital silence added after the take
    (the fragment interval) is not counted as trailing silence."""
    audio = finite_audio(audio)
    keep = audio.size - int(round(appended_silence_s * sample_rate))
    if appended_silence_s > 0 and keep > 0 and not np.any(audio[keep:]):
        audio = audio[:keep]
    frame_db = frame_levels(audio, sample_rate)
    speech = speech_frames(frame_db)
    idx = np.flatnonzero(speech)
    gaps = gap_lengths(speech)
    bridge = int(round(PAUSE_BRIDGE_S / FRAME_S))
    if idx.size:
        leading, trailing = idx[0] * FRAME_S, (speech.size - 1 - idx[-1]) * FRAME_S + (audio.size / sample_rate
                                                                                       - speech.size * FRAME_S)
        articulation = (idx.size + int(gaps[gaps < bridge].sum())) * FRAME_S
        power = np.power(10.0, frame_db[speech] / 10.0)
        loudness = float(10.0 * np.log10(power.mean() + LEVEL_EPS))
    else:
        leading = trailing = audio.size / sample_rate
        articulation, loudness = 0.0, float("-inf")
    return TakeSignal(sample_rate, audio.size / sample_rate, frame_db, speech, float(leading), float(max(trailing, 0)),
                      float(gaps.max(initial=0) * FRAME_S), float(articulation), loudness,
                      clipped_fraction(audio))
