"""Quality report measurements and warnings; noise reduction raises the estimated SNR and keeps the voice."""

from __future__ import annotations

import numpy as np
import pytest

from gpt_sovits.audio.denoise import denoise, estimate_noise
from gpt_sovits.audio.quality import assess_quality, clipping_ratio, estimate_snr_db, speech_frames
from gpt_sovits.errors import AudioError, ConfigError
from tests.fixtures.synthetic_speech import make_recording

SR = 32000


@pytest.fixture(scope="module")
def noisy() -> object:
    return make_recording(20.0, SR, noise_rms_dbfs=-38.0, seed=11)


def test_report_measures_levels_speech_and_noise() -> None:
    rec = make_recording(60.0, SR, speech_rms_dbfs=-20.0, noise_rms_dbfs=-60.0, seed=2)
    q = assess_quality(rec.audio, SR)
    true_speech_s = rec.speech_mask.sum() / SR
    assert q.sample_rate_hz == SR and q.duration_s == pytest.approx(60.0)
    assert abs(q.speech_s - true_speech_s) < 0.05 * true_speech_s
    assert q.noise_floor_dbfs == pytest.approx(-60.0, abs=1.5)
    assert q.rms_dbfs == pytest.approx(-20.0, abs=2.5)
    assert q.snr_db == pytest.approx(40.0, abs=4.0)
    assert q.clipping_ratio == 0.0
    assert q.warnings == ()


def test_speech_mask_follows_the_sentences() -> None:
    rec = make_recording(20.0, SR, noise_rms_dbfs=-50.0, seed=4)
    frames = speech_frames(rec.audio, SR)
    truth = rec.speech_mask[:: SR // 100][: frames.size]
    assert np.mean(frames[: truth.size] == truth) > 0.93


def test_snr_falls_as_noise_rises() -> None:
    snrs = [estimate_snr_db(make_recording(20.0, SR, noise_rms_dbfs=n, seed=1).audio, SR)[0] for n in (-60, -45, -30)]
    assert snrs[0] > snrs[1] + 10 > snrs[2] + 20


def test_warnings_for_short_noisy_clipped_quiet_and_low_rate() -> None:
    rec = make_recording(15.0, SR, speech_rms_dbfs=-20.0, noise_rms_dbfs=-30.0, seed=3)
    warnings = " ".join(assess_quality(rec.audio, SR).warnings)
    assert "30 s is needed" in warnings and "noise is loud" in warnings

    clipped = np.clip(rec.clean * 8, -1, 1)
    assert "clipped" in " ".join(assess_quality(clipped, SR).warnings)

    quiet = make_recording(40.0, SR, speech_rms_dbfs=-45.0, noise_rms_dbfs=-90.0, seed=3)
    assert "quiet" in " ".join(assess_quality(quiet.audio, SR).warnings)

    low_rate = make_recording(40.0, 8000, noise_rms_dbfs=-70.0, seed=3)
    assert "8000 Hz" in " ".join(assess_quality(low_rate.audio, 8000).warnings)


def test_long_recording_warning() -> None:
    rec = make_recording(15.0, 8000, noise_rms_dbfs=-70.0, long_silence_every=0, seed=6)
    long_take = np.tile(rec.audio, 70)  # 17.5 minutes, about two thirds of it speech
    report = assess_quality(long_take, 8000)
    assert report.speech_s > 600
    assert "minutes of speech" in " ".join(report.warnings)


def test_clipping_ratio_sees_flat_tops_below_full_scale() -> None:
    t = np.arange(SR) / SR
    sine = 0.5 * np.sin(2 * np.pi * 150 * t)
    assert clipping_ratio(sine) == 0.0
    flattened = np.clip(sine, -0.3, 0.3)  # clipped, then turned down
    assert clipping_ratio(flattened) > 0.3


def test_noise_estimate_takes_the_quietest_blocks(noisy) -> None:
    sample = estimate_noise(noisy.audio, SR)
    assert sample is not None and sample.size >= 0.1 * noisy.audio.size * 0.9
    assert np.sqrt(np.mean(sample**2)) == pytest.approx(10 ** (-38 / 20), rel=0.15)
    assert estimate_noise(noisy.audio[: SR // 4], SR) is None


@pytest.mark.parametrize("stationary", [True, False])
def test_denoising_raises_the_estimated_snr(noisy, stationary: bool) -> None:
    before, floor_before = estimate_snr_db(noisy.audio, SR)
    cleaned = denoise(noisy.audio, SR, strength=0.8, stationary=stationary)
    after, floor_after = estimate_snr_db(cleaned, SR)
    assert cleaned.shape == noisy.audio.shape and cleaned.dtype == np.float32
    assert after > before + 6.0
    assert floor_after < floor_before - 6.0


def test_stationary_denoising_keeps_the_voice(noisy) -> None:
    m = noisy.speech_mask
    cleaned = denoise(noisy.audio, SR, strength=0.8)
    corr = np.corrcoef(cleaned[m], noisy.clean[m])[0, 1]
    assert corr > 0.98
    level_change_db = 10 * np.log10(np.mean(cleaned[m] ** 2) / np.mean(noisy.clean[m] ** 2))
    assert abs(level_change_db) < 2.0


def test_strength_scales_the_reduction(noisy) -> None:
    silence = ~noisy.speech_mask
    levels = [np.mean(denoise(noisy.audio, SR, strength=s)[silence] ** 2) for s in (0.0, 0.5, 1.0)]
    assert levels[0] == pytest.approx(np.mean(noisy.audio[silence] ** 2))
    assert levels[0] > levels[1] > levels[2]


def test_denoise_rejects_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="between 0 and 1"):
        denoise(np.zeros(100, dtype=np.float32), SR, strength=1.5)
    with pytest.raises(AudioError, match="mono"):
        denoise(np.zeros((100, 2), dtype=np.float32), SR)
