"""Mastering of long-form speech: join lines with pauses and room tone, bring to a loudness target, limit.

A chapter is mastered as: head room tone, line, pause, line, …, line, tail room tone, at 44.1 kHz mono. The
speech is scaled until the level the target asks for is reached (ACX: the RMS of the whole file; podcast: the
integrated loudness of ITU-R BS.1770, measured with pyloudnorm), its true peaks (4x oversampled) are held under
a ceiling by a smooth look-ahead limiter, and a low, seeded noise is laid under everything, so pauses sound
like a quiet room rather than digital silence and the same input always gives the same samples.

All audio is mono float32 of shape [n_samples] in [-1, 1].
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gpt_sovits.audio.loudness import Measurement, measure, true_peak_envelope, true_peak_runs
from gpt_sovits.audio.processing import limit_peaks, resample
from gpt_sovits.errors import AudioError, ConfigError

logger = logging.getLogger(__name__)

MASTER_SAMPLE_RATE_HZ = 44100
MAX_GAIN_DB = 60.0  # more would turn a near-silent take into loud noise
LINE_FADE_S = 0.01  # fade at both ends of a line: no click where it meets the room tone
LIMITER_RELEASE_MS = 10.0
BLOCK_SAMPLES = 1 << 20  # the limiter and the level work through a chapter this many samples at a time


@dataclass(frozen=True)
class LoudnessTarget:
    """What a delivery must measure. ``aim`` is "rms" (whole-file RMS), "lufs" (BS.1770) or "none"."""

    name: str
    aim: str
    aim_db: float
    rms_range_db: tuple[float, float] | None
    lufs_range: tuple[float, float] | None
    true_peak_max_db: float
    noise_floor_max_db: float | None
    limiter_ceiling_db: float  # below true_peak_max_db: headroom for the overshoot of lossy codecs
    max_chapter_s: float | None


TARGETS = {
    "acx": LoudnessTarget("acx", "rms", -20.0, (-23.0, -18.0), None, -3.0, -60.0, -4.0, 120 * 60.0),
    "podcast": LoudnessTarget("podcast", "lufs", -16.0, None, (-17.0, -15.0), -1.0, None, -2.0, None),
    "none": LoudnessTarget("none", "none", 0.0, None, None, -0.1, None, -1.0, None),
}


def loudness_target(name: str) -> LoudnessTarget:
    """The target called ``name`` (acx, podcast or none)."""
    try:
        return TARGETS[name]
    except KeyError:
        raise ConfigError(f"Unknown loudness target {name!r}; choose one of: {', '.join(TARGETS)}.") from None


@dataclass(frozen=True)
class MasteringOptions:
    """Room tone lengths and level, and the seed of its noise."""

    head_tone_s: float = 0.75
    tail_tone_s: float = 2.0
    room_tone_db: float = -70.0
    seed: int = 0

    def validate(self) -> None:
        problems = []
        if not 0.5 <= self.head_tone_s <= 1.0:
            problems.append(f"the room tone at the head must last 0.5-1 s, not {self.head_tone_s} s")
        if not 1.0 <= self.tail_tone_s <= 5.0:
            problems.append(f"the room tone at the tail must last 1-5 s, not {self.tail_tone_s} s")
        if not -90.0 <= self.room_tone_db <= -62.0:
            problems.append(f"the room tone level must be between -90 and -62 dB, not {self.room_tone_db} dB")
        if problems:
            raise ConfigError(problems)


@dataclass(frozen=True)
class MasteredAudio:
    """A mastered chapter: ``audio`` [n] at ``sample_rate``; ``spans`` the (start, end) sample of each line."""

    audio: np.ndarray
    sample_rate: int
    spans: tuple[tuple[int, int], ...]
    gain_db: float


# ----- checking -----


def problems_against(m: Measurement, target: LoudnessTarget) -> list[str]:
    """What in ``m`` breaks ``target``, as sentences; empty when it passes."""
    problems = []
    if target.rms_range_db and not target.rms_range_db[0] <= m.rms_db <= target.rms_range_db[1]:
        lo, hi = target.rms_range_db
        problems.append(f"RMS {m.rms_db:.1f} dB is outside {lo:g} to {hi:g} dB")
    if target.lufs_range and not target.lufs_range[0] <= m.loudness_lufs <= target.lufs_range[1]:
        lo, hi = target.lufs_range
        problems.append(f"loudness {m.loudness_lufs:.1f} LUFS is outside {lo:g} to {hi:g} LUFS")
    if m.true_peak_db > target.true_peak_max_db:
        problems.append(f"true peak {m.true_peak_db:.1f} dBTP is above {target.true_peak_max_db:g} dBTP")
    if target.noise_floor_max_db is not None and m.noise_floor_db > target.noise_floor_max_db:
        problems.append(f"noise floor {m.noise_floor_db:.1f} dB is above {target.noise_floor_max_db:g} dB")
    return problems


# ----- mastering -----


def room_tone(n_samples: int, level_db: float, seed: int) -> np.ndarray:
    """[n] of soft, slightly darkened noise whose RMS is exactly ``level_db``; the same for the same seed."""
    from scipy.signal import lfilter

    if n_samples <= 0:
        return np.zeros(0, dtype=np.float32)
    white = np.random.default_rng(seed).standard_normal(n_samples, dtype=np.float32)
    # A one-pole low-pass tilts the spectrum like the hum of a quiet room instead of a hiss.
    tone = lfilter(np.array([0.3], np.float32), np.array([1.0, -0.7], np.float32), white).astype(np.float32)
    tone *= np.float32(10 ** (level_db / 20) / np.sqrt(_sum_squares(tone) / n_samples))
    return tone


def _sum_squares(audio: np.ndarray) -> float:
    return sum(float(np.dot(b, b)) for b in (audio[i : i + BLOCK_SAMPLES].astype(np.float64)
                                                for i in range(0, audio.size, BLOCK_SAMPLES)))


def _clean_edges(line: np.ndarray) -> np.ndarray:
    """Remove the line's DC offset and fade its ends in and out, so joins and pauses do not click."""
    if line.size == 0:
        return line
    out = line - np.float32(line.mean(dtype=np.float64))
    n = min(int(LINE_FADE_S * MASTER_SAMPLE_RATE_HZ), out.size // 2)
    if n:
        ramp = (0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n, dtype=np.float64))).astype(np.float32)
        out[:n] *= ramp
        out[out.size - n :] *= ramp[::-1]
    return out


def assemble(
    lines: Sequence[tuple[np.ndarray, int]], pauses_s: Sequence[float], options: MasteringOptions
) -> tuple[np.ndarray, tuple[tuple[int, int], ...]]:
    """Lay the lines (audio [n_i] at their own rate) end to end at 44.1 kHz with the pause after each.

    Returns the speech [n] with zeros where room tone goes, and each line's (start, end) sample. The pause
    after the last line is replaced by the tail room tone.
    """
    sr = MASTER_SAMPLE_RATE_HZ
    parts: list[np.ndarray] = [np.zeros(round(options.head_tone_s * sr), dtype=np.float32)]
    spans = []
    cursor = parts[0].size
    for i, ((audio, rate), pause) in enumerate(zip(lines, pauses_s, strict=True)):
        speech = _clean_edges(resample(np.asarray(audio, dtype=np.float32), rate, sr))
        parts.append(speech)
        spans.append((cursor, cursor + speech.size))
        cursor += speech.size
        gap = options.tail_tone_s if i == len(lines) - 1 else max(0.0, float(pause))
        parts.append(np.zeros(round(gap * sr), dtype=np.float32))
        cursor += parts[-1].size
    return np.concatenate(parts), tuple(spans)


def _level(audio: np.ndarray, target: LoudnessTarget) -> float:
    if target.aim == "lufs":
        return measure(audio, MASTER_SAMPLE_RATE_HZ, true_peak=False).loudness_lufs
    return float(10 * np.log10(max(_sum_squares(audio) / max(audio.size, 1), 1e-12)))


def _limit_into(out: np.ndarray, speech: np.ndarray, envelope: np.ndarray, tone: np.ndarray, gain_db: float,
                target: LoudnessTarget) -> np.ndarray:
    """out[:] = the limited, scaled speech plus the tone, worked through in blocks with enough margin that each
    block's gain curve is what the whole chapter's would be."""
    gain = np.float32(10 ** (gain_db / 20))  # the true-peak envelope scales with the gain
    margin = 3 * int(MASTER_SAMPLE_RATE_HZ * LIMITER_RELEASE_MS / 1000) + 2
    for start in range(0, speech.size, BLOCK_SAMPLES):
        stop = min(start + BLOCK_SAMPLES, speech.size)
        lo, hi = max(0, start - margin), min(speech.size, stop + margin)
        limited = limit_peaks(speech[lo:hi] * gain, MASTER_SAMPLE_RATE_HZ, target.limiter_ceiling_db,
                              LIMITER_RELEASE_MS, magnitude=envelope[lo:hi] * gain)
        np.add(limited[start - lo : stop - lo], tone[start:stop], out=out[start:stop])
    return out


def master_speech(speech: np.ndarray, target: LoudnessTarget, tone: np.ndarray) -> tuple[np.ndarray, float]:
    """Scale ``speech`` [n] to the target's level with the limiter in the loop, add ``tone`` [n].

    The limiter lowers the level a little, so the gain is corrected and tried again (a few rounds). Returns
    the mastered audio [n] and the gain used in dB.
    """
    if not np.any(speech):
        raise AudioError("The chapter has no sound in it; render its lines again before exporting.")
    gain_db = 0.0
    envelope = true_peak_envelope(speech)
    out = np.empty_like(speech)
    if target.aim != "none":
        for _ in range(6):
            error = target.aim_db - _level(_limit_into(out, speech, envelope, tone, gain_db, target), target)
            if abs(error) < 0.05:
                break
            gain_db = min(gain_db + error, MAX_GAIN_DB)
            if gain_db == MAX_GAIN_DB:
                logger.warning("Mastering gain capped at %.0f dB: the chapter is very quiet.", MAX_GAIN_DB)
                break
    _limit_into(out, speech, envelope, tone, gain_db, target)
    # The tone may add a hair to a limited peak: keep the ceiling exact.
    peak = max(float(true_peak_runs(out, i, min(i + BLOCK_SAMPLES, out.size)).max())
               for i in range(0, out.size, BLOCK_SAMPLES))
    ceiling = 10 ** (target.limiter_ceiling_db / 20)
    if peak > ceiling:
        out *= np.float32(ceiling / peak)
    return out, gain_db


def master_chapter(
    lines: Sequence[tuple[np.ndarray, int]],
    pauses_s: Sequence[float],
    target: LoudnessTarget,
    options: MasteringOptions = MasteringOptions(),
    chapter_index: int = 0,
) -> MasteredAudio:
    """Master one chapter from its lines (audio [n_i], sample rate) and the pause after each line.

    The room tone's seed is ``options.seed`` with the chapter index, so every chapter has its own noise and an
    export made twice is identical.
    """
    options.validate()
    if not lines:
        raise AudioError("The chapter has no lines to export.")
    speech, spans = assemble(lines, pauses_s, options)
    tone = room_tone(speech.size, options.room_tone_db, seed=options.seed * 100_003 + chapter_index)
    audio, gain_db = master_speech(speech, target, tone)
    return MasteredAudio(audio, MASTER_SAMPLE_RATE_HZ, spans, gain_db)
