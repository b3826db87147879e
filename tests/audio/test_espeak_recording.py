"""Issue 6's check on real synthetic speech: a 60 s espeak-ng recording with noise and long silences."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

from gpt_sovits.audio.denoise import denoise
from gpt_sovits.audio.io import load_audio, save_wav
from gpt_sovits.audio.processing import normalize_loudness
from gpt_sovits.audio.quality import estimate_snr_db
from gpt_sovits.audio.slicer import SlicerSettings, slice_audio
from tests.conftest import skip_or_fail

SR = 32000
SENTENCES = [
    ("en", "The quick brown fox jumps over the lazy dog near the river bank."),
    ("cmn-latn-pinyin", "jin1 tian1 tian1 qi4 hen3 hao3, wo3 men5 qu4 gong1 yuan2 san4 bu4 ba5."),
    ("en", "Every morning she walks to the small bakery at the end of the street."),
    ("en", "Reading a good book on a rainy afternoon is one of life's quiet pleasures."),
    ("cmn-latn-pinyin", "ming2 tian1 wo3 yao4 qu4 tu2 shu1 guan3 kan4 shu1."),
    ("en", "The train to the city leaves at seven, so please do not be late tomorrow."),
]


def _speak(tmp: Path, voice: str, text: str, index: int) -> np.ndarray:
    out = tmp / f"s{index}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(out), text], check=True, capture_output=True)
    audio, _ = load_audio(out, target_sr=SR)
    return audio


def _recording(tmp: Path) -> tuple[np.ndarray, np.ndarray]:
    """60 s: sentences separated by 0.6–3.5 s of silence, white noise at about −45 dBFS; and the speech mask."""
    rng = np.random.default_rng(4)
    total = 60 * SR
    clean = np.zeros(total, np.float32)
    pos, i = int(0.8 * SR), 0
    while True:
        voice, text = SENTENCES[i % len(SENTENCES)]
        speech = _speak(tmp, voice, text, i) * 0.5
        if pos + speech.size + SR // 2 > total:
            break
        clean[pos : pos + speech.size] = speech
        pos += speech.size + int(SR * (3.5 if i % 3 == 2 else rng.uniform(0.6, 1.2)))
        i += 1
    frame = SR // 100
    energy = np.sqrt(np.mean(clean[: total // frame * frame].reshape(-1, frame) ** 2, axis=1))
    mask = np.repeat(energy > 10 ** (-50 / 20), frame)
    mask = np.concatenate([mask, np.zeros(total - mask.size, bool)])
    noisy = clean + rng.standard_normal(total).astype(np.float32) * 10 ** (-45 / 20)
    return noisy.astype(np.float32), mask


def test_sixty_seconds_of_espeak_speech(tmp_path):
    if shutil.which("espeak-ng") is None:
        skip_or_fail("espeak-ng is not installed (Debian: apt-get install espeak-ng; .ci/run installs it)")
    noisy, mask = _recording(tmp_path)
    save_wav(tmp_path / "raw.wav", noisy, SR)
    audio, _ = load_audio(tmp_path / "raw.wav", target_sr=SR)

    snr_before, _ = estimate_snr_db(audio, SR)
    cleaned = denoise(audio, SR, strength=0.9)
    snr_after, _ = estimate_snr_db(cleaned, SR)
    assert snr_after > snr_before + 3.0, (snr_before, snr_after)

    level = normalize_loudness(cleaned, SR, target_dbfs=-20.0)
    settings = SlicerSettings()
    result = slice_audio(level, SR, settings)
    assert result.clips
    assert all(settings.min_clip_s <= c.duration_s <= settings.max_clip_s for c in result.clips)
    covered = np.zeros(level.size, dtype=bool)
    for clip in result.clips:
        covered[clip.start : clip.end] = True
    coverage = np.sum(covered & mask) / np.sum(mask)
    assert coverage >= 0.9, f"clips cover only {coverage:.1%} of the speech"
