"""The block-by-block level meter gives pyloudnorm's integrated loudness and whole-array levels."""

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample_poly

from gpt_sovits.audio.loudness import measure
from tests.fixtures.synthetic_speech import make_recording

SR = 44100


@pytest.mark.parametrize("duration_s", [1.08, 9.35])
def test_meter_matches_pyloudnorm_and_whole_array_levels_for_any_block_size(duration_s):
    x = (make_recording(duration_s=duration_s, sample_rate=SR, long_silence_every=0, seed=4).audio * 0.5)
    x = x.astype(np.float32)
    x64 = x.astype(np.float64)
    lufs = pyloudnorm.Meter(SR).integrated_loudness(x64)
    peak = 20 * np.log10(np.abs(resample_poly(x64, 4, 1)).max())
    window, hop = SR // 2, SR // 10
    floor = 20 * np.log10(min(np.sqrt(np.mean(x64[s : s + window] ** 2)) for s in range(0, x.size - window + 1, hop)))
    for block in (1 << 20, 4410, 1000, 777):
        m = measure(x, SR, block=block)
        assert m.loudness_lufs == pytest.approx(lufs, abs=1e-6)
        assert m.true_peak_db == pytest.approx(peak, abs=1e-3)
        assert m.noise_floor_db == pytest.approx(floor, abs=1e-6)
        assert m.rms_db == pytest.approx(10 * np.log10(np.mean(x64**2)), abs=1e-9)
        assert m.duration_s == x.size / SR


def test_silence_and_short_audio():
    m = measure(np.zeros(100, np.float32), SR)
    assert m.loudness_lufs == m.true_peak_db == m.rms_db == -120.0
