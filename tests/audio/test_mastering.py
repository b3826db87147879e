"""Mastering on speech-like audio: targets reached (measured here with pyloudnorm and scipy), no clipping,
room tone under the floor, determinism, and option checks."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample_poly

from gpt_sovits.audio.loudness import measure
from gpt_sovits.audio.mastering import MASTER_SAMPLE_RATE_HZ as SR
from gpt_sovits.audio.mastering import MasteringOptions, loudness_target, master_chapter, problems_against, room_tone
from gpt_sovits.errors import AudioError, ConfigError
from tests.fixtures.synthetic_speech import make_recording


@pytest.fixture(scope="module")
def lines():
    a = make_recording(duration_s=4.0, sample_rate=32000, long_silence_every=0, seed=1).audio
    b = make_recording(duration_s=3.0, sample_rate=24000, long_silence_every=0, seed=2).audio
    return [(a * 0.2, 32000), (b * 3.0, 24000)]  # one quiet line, one that clips at the source


def true_peak(x):
    return 20 * np.log10(np.abs(resample_poly(np.asarray(x, np.float64), 4, 1)).max())


def test_acx_master_is_inside_the_window(lines):
    out = master_chapter(lines, [0.7, 0.7], loudness_target("acx"))
    x = out.audio.astype(np.float64)
    assert -23 <= 20 * np.log10(np.sqrt(np.mean(x**2))) <= -18
    assert true_peak(x) <= -3.0 and np.abs(x).max() < 1.0
    head = x[: int(0.5 * SR)]
    assert -75 < 20 * np.log10(np.sqrt(np.mean(head**2))) <= -60  # room tone, not digital silence
    assert out.spans[0][0] == round(0.75 * SR) and out.spans[1][0] - out.spans[0][1] == round(0.7 * SR)
    assert x.size - out.spans[1][1] == 2 * SR  # the tail tone replaces the last pause
    assert not problems_against(measure(out.audio, SR), loudness_target("acx"))


def test_podcast_master_reaches_minus_16_lufs(lines):
    out = master_chapter(lines, [0.5, 0.5], loudness_target("podcast"))
    lufs = pyloudnorm.Meter(SR).integrated_loudness(out.audio.astype(np.float64))
    assert lufs == pytest.approx(-16.0, abs=0.5)
    assert true_peak(out.audio) <= -1.0


def test_none_target_only_limits(lines):
    out = master_chapter(lines, [0.5, 0.5], loudness_target("none"))
    assert out.gain_db == 0.0 and true_peak(out.audio) <= -1.0  # the clipping line is held under the ceiling


def test_same_input_same_samples_and_chapters_differ_in_tone(lines):
    one = master_chapter(lines, [0.5, 0.5], loudness_target("acx"), chapter_index=1)
    again = master_chapter(lines, [0.5, 0.5], loudness_target("acx"), chapter_index=1)
    other = master_chapter(lines, [0.5, 0.5], loudness_target("acx"), chapter_index=2)
    assert np.array_equal(one.audio, again.audio) and not np.array_equal(one.audio, other.audio)
    tone = room_tone(SR, -70.0, seed=5)
    assert np.array_equal(tone, room_tone(SR, -70.0, seed=5))
    assert 20 * np.log10(np.sqrt(np.mean(tone.astype(np.float64) ** 2))) == pytest.approx(-70.0, abs=0.01)


def test_bad_options_and_silence_are_refused(lines):
    with pytest.raises(ConfigError, match="head must last 0.5-1 s.*tail must last 1-5 s"):
        master_chapter(lines, [0.5, 0.5], loudness_target("acx"), MasteringOptions(head_tone_s=2, tail_tone_s=9))
    with pytest.raises(ConfigError, match="Unknown loudness target 'loud'"):
        loudness_target("loud")
    with pytest.raises(AudioError, match="no sound"):
        master_chapter([(np.zeros(8000, np.float32), 16000)], [0.5], loudness_target("acx"))
