"""How usable a recording is for voice cloning: levels, speech time, noise, clipping, in plain words.

Levels come from 30 ms frames every 10 ms. The noise floor is the mean power of the quietest 10 %
of frames, so a recording with no pause at all gets a pessimistic (too high) noise floor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import binary_closing

from gpt_sovits.audio.processing import SILENCE_DBFS, frame_rms, peak_dbfs

FRAME_HOP_S = 0.010
FRAME_WIN_S = 0.030
MIN_SPEECH_S = 30.0
MAX_SPEECH_S = 600.0
MIN_SNR_DB = 20.0
MAX_CLIPPING_RATIO = 0.001
MIN_SPEECH_DBFS = -35.0
MIN_SAMPLE_RATE_HZ = 16000
MAX_SNR_DB = 100.0


@dataclass(frozen=True)
class QualityReport:
    """Measurements of one recording and the warnings they lead to (plain sentences)."""

    sample_rate_hz: int
    duration_s: float
    speech_s: float
    rms_dbfs: float  # level of the speech frames
    peak_dbfs: float
    noise_floor_dbfs: float
    snr_db: float
    clipping_ratio: float  # fraction of samples at full scale or on a flattened peak
    warnings: tuple[str, ...]
    channels: int = 1  # of the file (the measurements are of its mono mix)


@dataclass(frozen=True)
class _Levels:
    power: np.ndarray  # [n_frames] mean square per frame
    speech: np.ndarray  # [n_frames] bool, frames above the speech threshold
    noise_power: float


def _db(power: float | np.ndarray) -> float | np.ndarray:
    return 10.0 * np.log10(np.maximum(power, 10 ** (SILENCE_DBFS / 10)))


def _levels(audio: np.ndarray, sr: int) -> _Levels:
    hop = max(1, round(sr * FRAME_HOP_S))
    power = frame_rms(audio, max(hop, round(sr * FRAME_WIN_S)), hop) ** 2
    if power.size == 0:
        return _Levels(power, np.zeros(0, dtype=bool), 0.0)
    quiet = np.sort(power)[: max(1, power.size // 10)]
    noise_power = float(np.mean(quiet))
    noise_db, loud_db = float(_db(noise_power)), float(_db(np.percentile(power, 95)))
    # Halfway between noise and loud speech in dB, but never more than 25 dB above the noise.
    threshold_db = noise_db + float(np.clip(0.5 * (loud_db - noise_db), 3.0, 25.0))
    return _Levels(power, _db(power) > threshold_db, noise_power)


def _closed_speech(levels: _Levels) -> np.ndarray:
    if not levels.speech.any():
        return levels.speech
    return binary_closing(levels.speech, structure=np.ones(21, dtype=bool), border_value=0) | levels.speech


def _snr(levels: _Levels) -> tuple[float, float]:
    noise_db = float(_db(levels.noise_power))
    if not levels.speech.any():
        return 0.0, noise_db
    signal = max(float(np.mean(levels.power[levels.speech])) - levels.noise_power, 1e-20)
    snr = float(_db(signal)) - noise_db if levels.noise_power > 0 else MAX_SNR_DB
    return min(snr, MAX_SNR_DB), noise_db


def speech_frames(audio: np.ndarray, sr: int) -> np.ndarray:
    """[n] -> [1 + n // hop] bool mask of 10 ms frames holding speech (gaps under 0.2 s filled)."""
    return _closed_speech(_levels(np.asarray(audio, dtype=np.float32), sr))


def estimate_snr_db(audio: np.ndarray, sr: int) -> tuple[float, float]:
    """(SNR in dB, noise floor in dBFS): speech-frame power over the quietest-frame power."""
    return _snr(_levels(np.asarray(audio, dtype=np.float32), sr))


def clipping_ratio(audio: np.ndarray, min_run: int = 4) -> float:
    """Fraction of samples at full scale (|x| ≥ 0.999) or on a flat peak plateau of ≥ ``min_run`` samples."""
    mag = np.abs(np.asarray(audio, dtype=np.float32))
    if mag.size == 0:
        return 0.0
    at_full_scale = mag >= 0.999
    peak = float(mag.max())
    plateau = np.zeros_like(at_full_scale)
    if peak > 0.1:
        on_peak = (mag == peak).astype(np.int8)
        # A sample is on a plateau when it lies inside a run of >= min_run equal peak samples.
        runs = np.convolve(on_peak, np.ones(min_run, dtype=np.int8), mode="full")
        starts = np.flatnonzero(runs[min_run - 1 :] == min_run)
        for offset in range(min_run):
            plateau[np.minimum(starts + offset, mag.size - 1)] = True
    return float(np.mean(at_full_scale | plateau))


def _warnings(r: QualityReport) -> tuple[str, ...]:
    out = []
    if r.speech_s < MIN_SPEECH_S:
        out.append(f"Only {r.speech_s:.0f} s of speech was found; at least 30 s is needed and about a minute works "
                   "best. Add more recordings.")  # fmt: skip
    if r.speech_s > MAX_SPEECH_S:
        out.append(f"There are {r.speech_s / 60:.1f} minutes of speech. More than 10 minutes makes preparation and "
                   "training slow for little gain; consider keeping the best 5-10 minutes.")  # fmt: skip
    if r.speech_s > 0 and r.snr_db < MIN_SNR_DB:
        out.append(f"The background noise is loud (signal-to-noise about {r.snr_db:.0f} dB; 30 dB or more is ideal). "
                   "Turn on noise reduction or record in a quieter room.")  # fmt: skip
    if r.clipping_ratio > MAX_CLIPPING_RATIO:
        out.append(f"{100 * r.clipping_ratio:.2f}% of the samples are clipped (distorted because the input was too "
                   "loud). Record again with the input gain lowered.")  # fmt: skip
    if r.speech_s > 0 and r.rms_dbfs < MIN_SPEECH_DBFS:
        out.append(f"The voice is quiet ({r.rms_dbfs:.0f} dBFS). It will be normalised, but the noise grows with it; "
                   "record closer to the microphone if you can.")  # fmt: skip
    if r.sample_rate_hz < MIN_SAMPLE_RATE_HZ:
        out.append(f"The sample rate is {r.sample_rate_hz} Hz; 16000 Hz or more is recommended.")
    return tuple(out)


def assess_quality(audio: np.ndarray, sr: int, channels: int = 1) -> QualityReport:
    """Measure mono [n] audio at ``sr`` (the mix of a file's ``channels``) and explain any problem found."""
    audio = np.asarray(audio, dtype=np.float32)
    levels = _levels(audio, sr)
    hop = max(1, round(sr * FRAME_HOP_S))
    snr, noise_db = _snr(levels)
    speech_rms = float(_db(np.mean(levels.power[levels.speech]))) if levels.speech.any() else SILENCE_DBFS
    report = QualityReport(
        sample_rate_hz=int(sr),
        duration_s=audio.size / sr,
        speech_s=float(np.sum(_closed_speech(levels))) * hop / sr,
        rms_dbfs=speech_rms,
        peak_dbfs=peak_dbfs(audio),
        noise_floor_dbfs=noise_db,
        snr_db=snr,
        clipping_ratio=clipping_ratio(audio),
        warnings=(),
        channels=int(channels),
    )
    return QualityReport(**{**report.__dict__, "warnings": _warnings(report)})
