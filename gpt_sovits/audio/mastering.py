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

from gpt_sovits.audio.processing import SILENCE_DBFS, limit_peaks, resample, rms_dbfs, to_dbfs
from gpt_sovits.errors import AudioError, ConfigError

logger = logging.getLogger(__name__)

MASTER_SAMPLE_RATE_HZ = 44100
TRUE_PEAK_OVERSAMPLING = 4
NOISE_FLOOR_WINDOW_S = 0.5
MAX_GAIN_DB = 60.0  # more would turn a near-silent take into loud noise
LINE_FADE_S = 0.01  # fade at both ends of a line: no click where it meets the room tone
_TRUE_PEAK_BLOCK = 1 << 18  # samples per block of the oversampled peak search, to bound memory
_TRUE_PEAK_CONTEXT = 64  # input samples either side of a block: covers resample_poly's filter


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


@dataclass(frozen=True)
class Measurement:
    """Levels of one piece of audio, in dB relative to full scale (LUFS for loudness)."""

    duration_s: float
    sample_rate: int
    rms_db: float
    loudness_lufs: float
    true_peak_db: float
    noise_floor_db: float


# ----- measuring -----


def true_peak_envelope(audio: np.ndarray) -> np.ndarray:
    """[n] -> [n]: the highest magnitude of the 4x oversampled signal around each sample (BS.1770 true peak).

    Worked through in blocks so that hour-long chapters do not need a 4x copy in memory.
    """
    from scipy.signal import resample_poly  # deferred: scipy.signal is slow to import

    audio = np.asarray(audio, dtype=np.float32)
    up = TRUE_PEAK_OVERSAMPLING
    envelope = np.empty_like(audio)
    for start in range(0, audio.size, _TRUE_PEAK_BLOCK):
        stop = min(start + _TRUE_PEAK_BLOCK, audio.size)
        lo, hi = max(0, start - _TRUE_PEAK_CONTEXT), min(audio.size, stop + _TRUE_PEAK_CONTEXT)
        over = resample_poly(audio[lo:hi].astype(np.float64), up, 1)
        inner = np.abs(over[(start - lo) * up : (stop - lo) * up]).reshape(-1, up).max(axis=1)
        envelope[start:stop] = np.maximum(inner, np.abs(audio[start:stop]))
    return envelope


def true_peak_db(audio: np.ndarray) -> float:
    """Highest 4x-oversampled magnitude in dBTP."""
    return float(to_dbfs(true_peak_envelope(audio).max())) if np.size(audio) else SILENCE_DBFS


def noise_floor_db(audio: np.ndarray, sample_rate: int) -> float:
    """RMS of the quietest half-second window (hop 0.1 s) in dBFS: what ACX's noise-floor check reads."""
    window = max(1, int(sample_rate * NOISE_FLOOR_WINDOW_S))
    hop = max(1, sample_rate // 10)
    x = np.asarray(audio, dtype=np.float64)
    if x.size < window:
        return rms_dbfs(x)
    csum = np.concatenate(([0.0], np.cumsum(x * x)))
    starts = np.arange(0, x.size - window + 1, hop)
    energy = np.maximum(csum[starts + window] - csum[starts], 0.0) / window
    return float(to_dbfs(np.sqrt(energy.min())))


def integrated_loudness(audio: np.ndarray, sample_rate: int) -> float:
    """ITU-R BS.1770 integrated loudness in LUFS (pyloudnorm); SILENCE_DBFS for silence or very short audio."""
    import pyloudnorm  # deferred: only exports need it

    x = np.asarray(audio, dtype=np.float64)
    if x.size < int(0.4 * sample_rate):
        return SILENCE_DBFS
    value = float(pyloudnorm.Meter(sample_rate).integrated_loudness(x))
    return value if np.isfinite(value) else SILENCE_DBFS


def measure(audio: np.ndarray, sample_rate: int) -> Measurement:
    """All the levels a delivery report shows for ``audio`` [n]."""
    return Measurement(
        duration_s=np.size(audio) / sample_rate,
        sample_rate=sample_rate,
        rms_db=rms_dbfs(np.asarray(audio)),
        loudness_lufs=integrated_loudness(audio, sample_rate),
        true_peak_db=true_peak_db(audio),
        noise_floor_db=noise_floor_db(audio, sample_rate),
    )


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
    if n_samples <= 0:
        return np.zeros(0, dtype=np.float32)
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(n_samples)
    # A one-pole low-pass tilts the spectrum like the hum of a quiet room instead of a hiss.
    from scipy.signal import lfilter

    tone = lfilter([0.3], [1.0, -0.7], white)
    tone *= 10 ** (level_db / 20) / np.sqrt(np.mean(tone * tone))
    return tone.astype(np.float32)


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
        return integrated_loudness(audio, MASTER_SAMPLE_RATE_HZ)
    return rms_dbfs(audio)


def _limit(speech: np.ndarray, envelope: np.ndarray, gain_db: float, target: LoudnessTarget) -> np.ndarray:
    gain = np.float32(10 ** (gain_db / 20))  # the true-peak envelope scales with the gain
    return limit_peaks(speech * gain, MASTER_SAMPLE_RATE_HZ, target.limiter_ceiling_db, release_ms=10.0,
                       magnitude=envelope * gain)


def master_speech(speech: np.ndarray, target: LoudnessTarget, tone: np.ndarray) -> tuple[np.ndarray, float]:
    """Scale ``speech`` [n] to the target's level with the limiter in the loop, add ``tone`` [n].

    The limiter lowers the level a little, so the gain is corrected and tried again (a few rounds). Returns
    the mastered audio [n] and the gain used in dB.
    """
    if not np.any(speech):
        raise AudioError("The chapter has no sound in it; render its lines again before exporting.")
    gain_db = 0.0
    envelope = true_peak_envelope(speech)
    if target.aim != "none":
        for _ in range(6):
            level = _level(_limit(speech, envelope, gain_db, target) + tone, target)
            error = target.aim_db - level
            if abs(error) < 0.05:
                break
            gain_db = min(gain_db + error, MAX_GAIN_DB)
            if gain_db == MAX_GAIN_DB:
                logger.warning("Mastering gain capped at %.0f dB: the chapter is very quiet.", MAX_GAIN_DB)
                break
    out = _limit(speech, envelope, gain_db, target) + tone
    # The tone may add a hair to a limited peak: keep the ceiling exact.
    peak = float(true_peak_envelope(out).max())
    ceiling = 10 ** (target.limiter_ceiling_db / 20)
    if peak > ceiling:
        out *= np.float32(ceiling / peak)
    return out.astype(np.float32), gain_db


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
