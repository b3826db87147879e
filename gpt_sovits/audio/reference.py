"""Choosing the reference clip for zero-shot synthesis, and trimming one that is too long.

A good reference is 3-10 s long (upstream refuses anything else), clean (high SNR, not clipped),
mostly voiced, and a complete phrase: it starts and ends in silence rather than mid-word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gpt_sovits.audio.processing import frame_rms
from gpt_sovits.audio.quality import clipping_ratio, estimate_snr_db, speech_frames
from gpt_sovits.errors import AudioError

MIN_REFERENCE_S = 3.0
MAX_REFERENCE_S = 10.0
EDGE_S = 0.1  # length of the start and end checked for silence
EDGE_QUIET_DB = 25.0  # an edge is "silent" when this far below the clip's loud frames,
EDGE_NOISE_DB = 6.0  # ... or this close to the clip's noise floor,
EDGE_MIN_DROP_DB = 10.0  # ... but always at least this far below the loud frames
KEPT_PAUSE_S = 0.2  # silence kept around a trimmed phrase
_F0_RANGE_HZ = (70.0, 400.0)


@dataclass(frozen=True)
class ReferenceScore:
    """One candidate's score in [0, 1] (higher is better), its measurements, and what cost it points."""

    index: int
    score: float
    duration_s: float
    snr_db: float
    voiced_ratio: float
    clipping_ratio: float
    starts_quiet: bool
    ends_quiet: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class TrimmedReference:
    """``audio`` [n] = source[start:end]; ``notice`` explains a trim in plain words (None when untouched)."""

    audio: np.ndarray
    start: int
    end: int
    sample_rate: int
    notice: str | None


def voiced_ratio(audio: np.ndarray, sr: int) -> float:
    """Fraction of all 40 ms frames (every 20 ms) that are loud (within 30 dB of the loudest) and have a
    clear pitch (normalised autocorrelation peak > 0.5 at a lag of 70-400 Hz)."""
    win, hop = int(0.04 * sr), int(0.02 * sr)
    if audio.size < win:
        return 0.0
    frames = np.lib.stride_tricks.sliding_window_view(audio.astype(np.float64), win)[::hop]
    energy = np.sum(frames**2, axis=1)
    active = energy > energy.max() * 1e-3
    if not active.any():
        return 0.0
    frames = frames[active] - frames[active].mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(frames, n=2 * win, axis=1)
    acf = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, :win]
    lo, hi = int(sr / _F0_RANGE_HZ[1]), min(win - 1, int(sr / _F0_RANGE_HZ[0]))
    peak = acf[:, lo : hi + 1].max(axis=1) / np.maximum(acf[:, 0], 1e-12)
    return float(np.sum(peak > 0.5) / active.size)


def _edges_quiet(audio: np.ndarray, sr: int) -> tuple[bool, bool]:
    """Whether the first and last EDGE_S are silent: EDGE_QUIET_DB below the loud frames, or (in a noisy
    clip) at most EDGE_NOISE_DB above its noise floor (the mean of its quietest 10 % of frames)."""
    hop = max(1, sr // 100)
    levels = frame_rms(audio, 3 * hop, hop)
    if levels.size == 0 or levels.max() <= 0:
        return False, False
    loud = np.percentile(levels, 95)
    floor = float(np.mean(np.sort(levels)[: max(1, levels.size // 10)]))
    limit = min(max(loud * 10 ** (-EDGE_QUIET_DB / 20), floor * 10 ** (EDGE_NOISE_DB / 20)),
                loud * 10 ** (-EDGE_MIN_DROP_DB / 20))  # fmt: skip
    edge = max(1, int(EDGE_S * 100))
    return bool(levels[:edge].max() < limit), bool(levels[-edge:].max() < limit)


def score_reference(
    audio: np.ndarray, sr: int, index: int = 0, min_s: float = MIN_REFERENCE_S, max_s: float = MAX_REFERENCE_S
) -> ReferenceScore:
    """Score one mono [n] candidate (see module docstring for what counts)."""
    audio = np.asarray(audio, dtype=np.float32)
    duration = audio.size / sr
    snr, _ = estimate_snr_db(audio, sr)
    voiced, clipped = voiced_ratio(audio, sr), clipping_ratio(audio)
    starts_quiet, ends_quiet = _edges_quiet(audio, sr)
    reasons = []
    if duration < min_s:
        reasons.append(f"too short ({duration:.1f} s; at least {min_s:.0f} s needed)")
    elif duration > max_s:
        reasons.append(f"too long ({duration:.1f} s); it would have to be trimmed to {max_s:.0f} s")
    if snr < 25:
        reasons.append(f"noisy (signal-to-noise {snr:.0f} dB)")
    if voiced < 0.4:
        reasons.append(f"little voiced speech ({100 * voiced:.0f}% of the clip)")
    if clipped > 1e-4:
        reasons.append(f"clipped ({100 * clipped:.2f}% of samples)")
    if not (starts_quiet and ends_quiet):
        reasons.append("does not start and end in silence (may cut a word)")
    duration_f = 0.0 if duration < min_s else (0.3 if duration > max_s else 1.0)
    clip_f = max(0.0, 1.0 - 100 * clipped) if clipped > 1e-4 else 1.0
    snr_f = float(np.clip((snr - 10.0) / 30.0, 0.0, 1.0))
    voiced_f = float(np.clip(voiced / 0.5, 0.0, 1.0))
    edge_f = (starts_quiet + ends_quiet) / 2
    score = duration_f * clip_f * (0.45 * snr_f + 0.3 * voiced_f + 0.25 * edge_f)
    return ReferenceScore(index, score, duration, snr, voiced, clipped, starts_quiet, ends_quiet, tuple(reasons))


def rank_references(
    clips: Sequence[np.ndarray | object], sr: int, min_s: float = MIN_REFERENCE_S, max_s: float = MAX_REFERENCE_S
) -> list[ReferenceScore]:
    """Score every clip (arrays [n], or objects with an ``audio`` array such as slicer Clips), best first."""
    scores = [score_reference(np.asarray(getattr(c, "audio", c)), sr, i, min_s, max_s) for i, c in enumerate(clips)]
    return sorted(scores, key=lambda s: (-s.score, s.index))


def pick_reference(
    clips: Sequence[np.ndarray | object], sr: int, min_s: float = MIN_REFERENCE_S, max_s: float = MAX_REFERENCE_S
) -> ReferenceScore | None:
    """The best clip that starts and ends in silence (never one that may cut a word), or None."""
    whole = [s for s in rank_references(clips, sr, min_s, max_s) if s.starts_quiet and s.ends_quiet]
    return whole[0] if whole else None


def _pause_runs(audio: np.ndarray, sr: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """10 ms speech mask [n_frames] and the (first, last+1) frames of each pause between phrases."""
    speech = speech_frames(audio, sr)
    edges = np.diff(np.concatenate(([1], speech.astype(np.int8), [1])))
    starts, ends = np.flatnonzero(edges == -1), np.flatnonzero(edges == 1)
    return speech, list(zip(starts.tolist(), ends.tolist(), strict=True))


def _best_window(speech: np.ndarray, pauses: list[tuple[int, int]], lo: int, hi: int) -> tuple[int, int] | None:
    """The frame window [a, b) with lo <= b - a <= hi starting and ending in pauses that holds the most speech."""
    keep = int(KEPT_PAUSE_S * 100)
    starts = [max(p0, p1 - keep) for p0, p1 in pauses]
    ends = [min(p1, p0 + keep) for p0, p1 in pauses]
    cumulative = np.concatenate(([0], np.cumsum(speech)))
    best, best_speech = None, -1
    for a in starts:
        for b in ends:
            if lo <= b - a <= hi and cumulative[b] - cumulative[a] > best_speech:
                best, best_speech = (a, b), cumulative[b] - cumulative[a]
    return best


def trim_reference(
    audio: np.ndarray, sr: int, min_s: float = MIN_REFERENCE_S, max_s: float = MAX_REFERENCE_S
) -> TrimmedReference:
    """Return a 3-10 s reference: untouched when it fits, else the window of whole phrases with the most speech.

    Too-short audio raises AudioError (there is nothing to trim). With no pause to cut at, the
    max_s window holding the most speech is used and the notice says so.
    """
    audio = np.asarray(audio, dtype=np.float32)
    duration = audio.size / sr
    if duration < min_s:
        raise AudioError(f"The reference audio is {duration:.1f} s long; it must be {min_s:.0f}-{max_s:.0f} s. "
                         "Choose or record a longer clip.")  # fmt: skip
    if duration <= max_s:
        return TrimmedReference(audio, 0, audio.size, sr, None)
    hop = max(1, round(sr * 0.01))  # the frame hop of speech_frames
    speech, pauses = _pause_runs(audio, sr)
    window = _best_window(speech, pauses, int(np.ceil(min_s * 100)), int(max_s * 100))
    how = "whole phrases"
    if window is None:
        span = int(max_s * 100)
        counts = np.convolve(speech.astype(np.int32), np.ones(span, dtype=np.int32), mode="valid")
        first = int(np.argmax(counts))
        window, how = (first, first + span), "the part with the most speech; with no pause to cut at, a word may be cut"
    start = window[0] * hop
    end = min(audio.size, window[1] * hop, start + int(max_s * sr))
    notice = (f"The reference audio was {duration:.1f} s; references must be {min_s:.0f}-{max_s:.0f} s, so "
              f"{(end - start) / sr:.1f} s from {start / sr:.1f} s to {end / sr:.1f} s was used ({how}).")  # fmt: skip
    return TrimmedReference(audio[start:end], start, end, sr, notice)
