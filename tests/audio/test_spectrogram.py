"""Spectrogram conventions against the upstream-made golden arrays."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gpt_sovits.audio import linear_spectrogram, mel_spectrogram
from gpt_sovits.audio.spectrogram import mel_filterbank


@pytest.fixture(scope="module")
def golden(golden_dir):
    return dict(np.load(golden_dir / "sovits_v2_tiny_io.npz"))


def test_linear_spectrogram_matches_golden(golden):
    spec = linear_spectrogram(golden["wav_32k"])
    assert spec.shape == (1, 1025, 100)
    ref = golden["spec"]
    np.testing.assert_allclose(spec.numpy(), ref, rtol=1e-4, atol=1e-5 * float(np.abs(ref).max()))


def test_window_is_the_periodic_hann_of_upstream(golden):
    from gpt_sovits.audio.spectrogram import _hann_window

    np.testing.assert_allclose(_hann_window(2048).numpy(), golden["hann_window"], atol=1e-7)


def test_mel_filterbank_matches_librosa_slaney(golden):
    basis = mel_filterbank()
    np.testing.assert_allclose(basis.numpy(), golden["mel_basis"], rtol=1e-5, atol=1e-8)


def test_mel_spectrogram_matches_golden(golden):
    mel = mel_spectrogram(golden["wav_32k"])
    assert mel.shape == (1, 128, 100)
    np.testing.assert_allclose(mel.numpy(), golden["mel"], atol=1e-4, rtol=1e-4)


def test_input_forms_agree(golden):
    wav = golden["wav_32k"]
    a = linear_spectrogram(wav)
    b = linear_spectrogram(torch.from_numpy(wav)[None])
    c = linear_spectrogram(wav.astype(np.float64))
    torch.testing.assert_close(a, b)
    torch.testing.assert_close(a, c)


@pytest.mark.parametrize("n", [1408, 1999, 32000, 40001])
def test_frame_count_is_length_over_hop(n):
    spec = linear_spectrogram(torch.randn(n) * 0.1)
    assert spec.shape == (1, 1025, n // 640)


def test_rejects_integer_audio():
    with pytest.raises(ValueError, match="floating-point"):
        linear_spectrogram(np.zeros(4000, dtype=np.int16))


def test_spectrograms_after_inference_mode_still_support_autograd():
    """Cached windows and filters made during inference must not break a later training step."""
    import torch

    from gpt_sovits.audio.spectrogram import linear_spectrogram, mel_spectrogram

    with torch.inference_mode():
        linear_spectrogram(torch.randn(1, 8000))
        mel_spectrogram(torch.randn(1, 8000))
    wav = torch.randn(1, 8000, requires_grad=True)
    (linear_spectrogram(wav).sum() + mel_spectrogram(wav).sum()).backward()
    assert wav.grad is not None and torch.isfinite(wav.grad).all()
