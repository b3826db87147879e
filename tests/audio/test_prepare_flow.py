"""Issue 6 end to end on one minute of noisy speech-like audio: load, assess, denoise, normalise, slice."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gpt_sovits.audio.denoise import denoise
from gpt_sovits.audio.io import load_audio, save_wav
from gpt_sovits.audio.processing import normalize_loudness
from gpt_sovits.audio.quality import assess_quality
from gpt_sovits.audio.reference import rank_references
from gpt_sovits.audio.slicer import SlicerSettings, slice_audio, write_clips
from tests.fixtures.synthetic_speech import make_recording

SR = 32000


def test_one_minute_of_raw_voice_becomes_bounded_clips(tmp_path: Path) -> None:
    rec = make_recording(60.0, SR, speech_rms_dbfs=-26.0, noise_rms_dbfs=-44.0, seed=21)
    save_wav(tmp_path / "raw.wav", rec.audio, SR)
    audio, sr = load_audio(tmp_path / "raw.wav", target_sr=SR)
    assert sr == SR and audio.size == rec.audio.size

    before = assess_quality(audio, SR)
    assert any("noise is loud" in w for w in before.warnings)
    cleaned = denoise(audio, SR, strength=0.9)
    after = assess_quality(cleaned, SR)
    assert after.snr_db > before.snr_db + 8.0
    assert not any("noise is loud" in w for w in after.warnings)

    level = normalize_loudness(cleaned, SR, target_dbfs=-20.0)
    settings = SlicerSettings()
    result = slice_audio(level, SR, settings)
    assert result.clips
    assert all(settings.min_clip_s <= c.duration_s <= settings.max_clip_s for c in result.clips)
    covered = np.zeros(level.size, dtype=bool)
    for c in result.clips:
        covered[c.start : c.end] = True
    assert np.sum(covered & rec.speech_mask) >= 0.9 * np.sum(rec.speech_mask)

    paths = write_clips(result, tmp_path / "clips", "raw")
    assert [load_audio(p)[0].size for p in paths] == [c.audio.size for c in result.clips]
    best = rank_references(result.clips, SR)[0]
    assert best.score > 0.5 and 3.0 <= result.clips[best.index].duration_s <= 10.0
