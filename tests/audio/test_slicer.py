"""The silence slicer: upstream's cut rules on constructed signals, clip bounds and coverage on a 60 s recording."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from gpt_sovits.audio.slicer import SlicerSettings, _Frames, find_silence_slices, slice_audio, write_clips
from gpt_sovits.errors import AudioError, ConfigError
from tests.fixtures.synthetic_speech import make_recording

SR = 32000


def _build(*parts: tuple[str, float], sr: int = SR) -> np.ndarray:
    """Concatenate ("tone", seconds) and ("sil", seconds) parts; tones at -12 dBFS, silences at -70 dBFS noise."""
    rng = np.random.default_rng(1)
    out = []
    for kind, seconds in parts:
        n = int(round(seconds * sr))
        if kind == "tone":
            out.append(0.35 * np.sin(2 * np.pi * 200 * np.arange(n) / sr))
        else:
            out.append(rng.standard_normal(n) * 10 ** (-70 / 20))
    return np.concatenate(out).astype(np.float32)


def test_settings_in_frames_match_upstream_at_32k() -> None:
    f = _Frames.for_rate(SlicerSettings(), SR)
    assert (f.hop, f.win, f.min_length, f.min_interval, f.max_sil_kept) == (320, 1280, 400, 30, 50)
    assert f.threshold == pytest.approx(10 ** (-34 / 20))


@pytest.mark.parametrize(
    "kwargs",
    [dict(min_length_ms=200), dict(min_interval_ms=5), dict(max_sil_kept_ms=5), dict(threshold_db=3.0),
     dict(max_clip_s=1.5, min_clip_s=1.0), dict(min_clip_s=0.0), dict(hop_ms=0)],
)  # fmt: skip
def test_invalid_settings_are_refused(kwargs: dict) -> None:
    with pytest.raises(ConfigError):
        SlicerSettings(**kwargs)


def test_long_silences_are_cut_keeping_at_most_half_a_second() -> None:
    audio = _build(("sil", 2.0), ("tone", 5.0), ("sil", 2.0), ("tone", 5.0), ("sil", 2.0))
    ranges = find_silence_slices(audio, SR)
    assert len(ranges) == 2
    (a0, b0), (a1, b1) = (np.array(r) / SR for r in ranges)
    slack = 0.5 + 0.03  # max_sil_kept plus the RMS window's reach
    assert 2.0 - slack <= a0 <= 2.0 and 7.0 <= b0 <= 7.0 + slack
    assert 9.0 - slack <= a1 <= 9.0 and 14.0 <= b1 <= 14.0 + slack


def test_pause_shorter_than_min_interval_is_not_cut() -> None:
    audio = _build(("tone", 5.0), ("sil", 0.2), ("tone", 5.0))
    assert find_silence_slices(audio, SR) == [(0, audio.size)]


def test_no_cut_before_the_clip_reaches_min_length() -> None:
    audio = _build(("tone", 2.0), ("sil", 1.0), ("tone", 5.0))  # first part is under 4 s
    assert find_silence_slices(audio, SR) == [(0, audio.size)]


@pytest.mark.parametrize("pause_s", [0.4, 0.8])
def test_short_and_medium_pauses_are_cut_inside_the_pause(pause_s: float) -> None:
    audio = _build(("tone", 5.0), ("sil", pause_s), ("tone", 5.0))
    ranges = find_silence_slices(audio, SR)
    assert len(ranges) == 2
    end_first, start_second = ranges[0][1] / SR, ranges[1][0] / SR
    assert 5.0 - 0.03 <= end_first <= start_second <= 5.0 + pause_s + 0.03
    if pause_s <= 0.5:  # a single cut point when the pause is within max_sil_kept
        assert end_first == start_second


def test_pieces_are_exact_slices_of_the_source() -> None:
    rec = make_recording(30.0, SR, seed=3)
    result = slice_audio(rec.audio, SR)
    for clip in result.clips:
        np.testing.assert_array_equal(clip.audio, rec.audio[clip.start : clip.end])
    starts = [c.start for c in result.clips]
    assert starts == sorted(starts)
    assert all(a.end <= b.start for a, b in zip(result.clips, result.clips[1:], strict=False))


def _coverage(rec, clips) -> float:
    covered = np.zeros_like(rec.speech_mask)
    for c in clips:
        covered[c.start : c.end] = True
    return float(np.sum(covered & rec.speech_mask) / np.sum(rec.speech_mask))


@pytest.mark.parametrize("noise_dbfs", [None, -50.0, -42.0])
def test_sixty_seconds_give_bounded_clips_covering_the_speech(noise_dbfs: float | None) -> None:
    rec = make_recording(60.0, SR, noise_rms_dbfs=noise_dbfs, seed=7)
    settings = SlicerSettings()
    result = slice_audio(rec.audio, SR, settings)
    assert len(result.clips) >= 3
    assert all(settings.min_clip_s <= c.duration_s <= settings.max_clip_s for c in result.clips)
    assert _coverage(rec, result.clips) >= 0.90


def test_long_continuous_speech_is_split_at_its_quietest_points() -> None:
    # 30 s of tone with no pause, but with two brief dips where a split is natural.
    audio = _build(("tone", 30.0))
    dips = [int(9.0 * SR), int(19.5 * SR)]
    for d in dips:
        audio[d : d + 800] *= 0.05
    result = slice_audio(audio, SR, SlicerSettings(max_clip_s=12.0))
    assert result.resplit == 1
    assert [c.duration_s <= 12.0 for c in result.clips] == [True] * len(result.clips)
    cuts = [c.start for c in result.clips[1:]]
    assert len(cuts) == 2
    for cut, dip in zip(cuts, dips, strict=True):
        assert dip - 400 <= cut <= dip + 1200


def test_too_short_clips_are_dropped_and_reported() -> None:
    audio = _build(("tone", 5.0), ("sil", 3.0), ("tone", 0.5), ("sil", 3.0), ("tone", 5.0))
    result = slice_audio(audio, SR, SlicerSettings(min_length_ms=300))
    assert len(result.dropped) == 1
    assert result.dropped[0].duration_s < 1.0
    assert 8.0 - 0.6 <= result.dropped[0].start_s <= 8.0
    assert len(result.clips) == 2 and result.dropped_s < 1.6


def test_stereo_input_is_refused() -> None:
    with pytest.raises(AudioError, match="mono"):
        slice_audio(np.zeros((SR, 2), dtype=np.float32), SR)


def test_write_clips_uses_upstream_names_and_gentle_normalisation(tmp_path: Path) -> None:
    rec = make_recording(20.0, SR, seed=5)
    result = slice_audio(rec.audio, SR)
    paths = write_clips(result, tmp_path, "voice")
    assert len(paths) == len(result.clips)
    first = result.clips[0]
    assert paths[0].name == f"voice_{first.start:010d}_{first.end:010d}.wav"
    data, sr = sf.read(paths[0], dtype="float32")
    assert sr == SR and data.size == first.audio.size
    m = np.max(np.abs(first.audio))
    expected = first.audio / m * (0.9 * 0.25) + 0.75 * first.audio
    assert np.max(np.abs(data - expected)) < 2 / 32767
