"""Resampling, framing, loudness normalisation, peak limiting and upstream's per-clip blend."""

from __future__ import annotations

import numpy as np
import pytest

from gpt_sovits.audio.processing import (
    active_rms_dbfs,
    blend_peak_normalize,
    frame_rms,
    limit_peaks,
    normalize_loudness,
    peak_dbfs,
    resample,
    rms_dbfs,
)
from gpt_sovits.errors import AudioError
from tests.fixtures.synthetic_speech import make_recording

SR = 32000


def test_frame_rms_matches_librosa_constant_padding() -> None:
    librosa = pytest.importorskip("librosa")
    x = np.random.default_rng(0).standard_normal(10007).astype(np.float32)
    ours = frame_rms(x, 1280, 320)
    ref = librosa.feature.rms(y=x, frame_length=1280, hop_length=320, center=True, pad_mode="constant")[0]
    assert ours.shape == ref.shape == (1 + 10007 // 320,)
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-6)


def test_resample_matches_librosa_default() -> None:
    librosa = pytest.importorskip("librosa")
    x = np.random.default_rng(1).standard_normal(32000).astype(np.float32) * 0.1
    ours = resample(x, 32000, 16000)
    ref = librosa.resample(x, orig_sr=32000, target_sr=16000)
    assert ours.shape == ref.shape == (16000,)
    np.testing.assert_allclose(ours, ref, atol=1e-6)
    assert resample(x, 16000, 16000) is not None and resample(x, 16000, 16000).size == x.size


def test_resample_refuses_bad_rates() -> None:
    with pytest.raises(AudioError, match="positive"):
        resample(np.zeros(10, dtype=np.float32), 0, 16000)


def test_levels_in_dbfs() -> None:
    sine = np.sin(2 * np.pi * 100 * np.arange(SR) / SR).astype(np.float32) * 0.5
    assert peak_dbfs(sine) == pytest.approx(-6.02, abs=0.01)
    assert rms_dbfs(sine) == pytest.approx(-9.03, abs=0.01)
    assert rms_dbfs(np.zeros(100, dtype=np.float32)) == -120.0


def test_active_rms_ignores_pauses() -> None:
    rec = make_recording(30.0, SR, speech_rms_dbfs=-24.0, noise_rms_dbfs=None, long_silence_every=1, seed=1)
    speech_level = rms_dbfs(rec.audio[rec.speech_mask])
    assert rms_dbfs(rec.audio) < speech_level - 2.0  # the pauses drag the plain RMS down
    assert active_rms_dbfs(rec.audio, SR) == pytest.approx(speech_level, abs=1.0)


@pytest.mark.parametrize("target", [-26.0, -20.0, -16.0])
def test_normalize_loudness_reaches_target_under_ceiling(target: float) -> None:
    rec = make_recording(20.0, SR, speech_rms_dbfs=-35.0, noise_rms_dbfs=-70.0, seed=2)
    out = normalize_loudness(rec.audio, SR, target_dbfs=target, ceiling_dbfs=-1.0)
    assert out.dtype == np.float32 and out.shape == rec.audio.shape
    assert active_rms_dbfs(out, SR) == pytest.approx(target, abs=1.0)
    assert peak_dbfs(out) <= -1.0 + 1e-3


def test_normalize_loudness_refuses_silence() -> None:
    with pytest.raises(AudioError, match="silent"):
        normalize_loudness(np.zeros(SR, dtype=np.float32), SR)


def test_limit_peaks_is_smooth_and_leaves_quiet_audio_alone() -> None:
    t = np.arange(SR) / SR
    x = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    x[SR // 2 : SR // 2 + 400] *= 4.0  # a loud burst
    out = limit_peaks(x, SR, ceiling_dbfs=-3.0)
    ceiling = 10 ** (-3 / 20)
    assert np.max(np.abs(out)) <= ceiling + 1e-6
    np.testing.assert_array_equal(out[: SR // 4], x[: SR // 4])  # far from the burst: untouched
    gain = out[SR // 2 - 200 : SR // 2 + 600] / np.where(np.abs(x[SR // 2 - 200 : SR // 2 + 600]) > 0.05,
                                                       x[SR // 2 - 200 : SR // 2 + 600], np.nan)  # fmt: skip
    assert np.nanmin(gain) > 0.2  # gain reduced, not zeroed
    quiet = x * 0.1
    np.testing.assert_array_equal(limit_peaks(quiet, SR), quiet)


def test_blend_peak_normalize_matches_upstream_formula_and_quirk() -> None:
    x = np.array([0.1, -0.4, 0.2], dtype=np.float32)
    np.testing.assert_allclose(blend_peak_normalize(x), x / 0.4 * 0.9 * 0.25 + 0.75 * x, rtol=1e-6)
    loud = np.array([0.5, -2.0, 1.0], dtype=np.float32)
    once = loud / 2.0
    np.testing.assert_allclose(blend_peak_normalize(loud), once / 2.0 * 0.9 * 0.25 + 0.75 * once, rtol=1e-6)
    assert blend_peak_normalize(np.zeros(4, dtype=np.float32)).tolist() == [0.0] * 4
