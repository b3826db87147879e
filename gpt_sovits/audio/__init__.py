"""Audio: waveform I/O, resampling, spectrograms and other signal processing.

Submodules are imported only when used; this file re-exports the spectrogram helpers.
"""

from gpt_sovits.audio.spectrogram import linear_spectrogram, mel_spectrogram

__all__ = ["linear_spectrogram", "mel_spectrogram"]
