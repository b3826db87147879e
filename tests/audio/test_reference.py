"""Reference picking: clean, voiced, whole-phrase 3-10 s clips rank first; long clips are trimmed at pauses."""

from __future__ import annotations

import numpy as np
import pytest

from gpt_sovits.audio.reference import rank_references, score_reference, trim_reference, voiced_ratio
from gpt_sovits.audio.slicer import slice_audio
from gpt_sovits.errors import AudioError
from tests.fixtures.synthetic_speech import make_recording

SR = 16000


def _phrase(seconds: float, noise_dbfs: float = -65.0, seed: int = 0) -> np.ndarray:
    """One sentence of about ``seconds`` with 0.3 s of quiet before and after."""
    rec = make_recording(seconds + 2.0, SR, noise_rms_dbfs=noise_dbfs, long_silence_every=0, seed=seed)
    a, b = rec.sentences[0]
    return rec.audio[max(0, a - int(0.3 * SR)) : b + int(0.3 * SR)]


@pytest.fixture(scope="module")
def candidates() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    good = _phrase(6.0, seed=1)
    while good.size < 3.5 * SR:  # make sure the sentence drawn is long enough to be a valid reference
        good = np.concatenate([good, _phrase(3.0, seed=2)])
    noisy = good + rng.standard_normal(good.size).astype(np.float32) * 0.03
    clipped = np.clip(good * 12, -1, 1)
    cut_mid_word = good[int(0.5 * SR) : -int(0.5 * SR)]
    hum = (0.1 * np.sign(np.sin(2 * np.pi * 3 * np.arange(good.size) / SR))).astype(np.float32)  # not speech
    hum += rng.standard_normal(good.size).astype(np.float32) * 0.05
    short = good[: int(1.5 * SR)]
    return {"good": good, "noisy": noisy, "clipped": clipped, "cut": cut_mid_word, "hum": hum, "short": short}


def test_voiced_ratio_separates_voice_from_noise(candidates) -> None:
    assert voiced_ratio(candidates["good"], SR) > 0.5
    noise = np.random.default_rng(1).standard_normal(5 * SR).astype(np.float32) * 0.1
    assert voiced_ratio(noise, SR) < 0.1


def test_clean_whole_phrase_ranks_first(candidates) -> None:
    names = list(candidates)
    ranking = rank_references([candidates[n] for n in names], SR)
    assert [names[r.index] for r in ranking][0] == "good"
    scores = {names[r.index]: r for r in ranking}
    assert scores["good"].starts_quiet and scores["good"].ends_quiet and scores["good"].reasons == ()
    assert scores["short"].score == 0.0 and "too short" in scores["short"].reasons[0]
    assert any("noisy" in r for r in scores["noisy"].reasons)
    assert any("clipped" in r for r in scores["clipped"].reasons)
    assert any("silence" in r for r in scores["cut"].reasons)
    assert all(scores["good"].score > scores[n].score for n in names if n != "good")
    assert [r.score for r in ranking] == sorted((r.score for r in ranking), reverse=True)


def test_ranks_slicer_clips() -> None:
    rec = make_recording(40.0, SR, noise_rms_dbfs=-60.0, seed=8)
    clips = slice_audio(rec.audio, SR).clips
    ranking = rank_references(clips, SR)
    assert len(ranking) == len(clips)
    best = clips[ranking[0].index]
    if any(3.0 <= c.duration_s <= 10.0 for c in clips):
        assert 3.0 <= best.duration_s <= 10.0


def test_long_clip_outscores_nothing_but_is_still_usable() -> None:
    long_take = make_recording(14.0, SR, noise_rms_dbfs=-65.0, long_silence_every=0, seed=2).audio
    s = score_reference(long_take, SR)
    assert 0.0 < s.score < 0.5 and "too long" in s.reasons[0]


def test_trim_keeps_a_clip_that_fits() -> None:
    clip = _phrase(5.0, seed=3)
    out = trim_reference(clip, SR)
    assert out.notice is None and out.start == 0 and out.end == clip.size
    np.testing.assert_array_equal(out.audio, clip)


def test_trim_refuses_too_short() -> None:
    with pytest.raises(AudioError, match=r"1\.0 s long; it must be 3-10 s"):
        trim_reference(np.ones(SR, dtype=np.float32) * 0.1, SR)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_trim_long_clip_cuts_at_pauses(seed: int) -> None:
    rec = make_recording(25.0, SR, noise_rms_dbfs=-60.0, long_silence_every=0, seed=seed)
    out = trim_reference(rec.audio, SR)
    assert 3.0 <= out.audio.size / SR <= 10.0
    np.testing.assert_array_equal(out.audio, rec.audio[out.start : out.end])
    assert out.notice is not None and "whole phrases" in out.notice
    # Neither edge falls inside a sentence.
    assert not rec.speech_mask[out.start] and not rec.speech_mask[out.end - 1]
    # It holds a good share of speech: at least 60 % of the window is sentence.
    assert rec.speech_mask[out.start : out.end].mean() > 0.6


def test_trim_without_pauses_takes_the_fullest_window() -> None:
    t = np.arange(15 * SR) / SR
    tone = (0.3 * np.sin(2 * np.pi * 180 * t)).astype(np.float32)
    tone[: 4 * SR] *= 0.0005  # quiet lead-in, but no pause later
    out = trim_reference(tone, SR)
    assert out.audio.size / SR == pytest.approx(10.0, abs=0.02)
    assert out.start >= int(3.5 * SR)
    assert "no pause" in out.notice
