"""Recordings and clips for the Voice data and Clean & slice tabs (the work is done in data/)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gpt_sovits.data import audio_import, clips
from gpt_sovits.errors import StudioError

PREVIEW_SAMPLE_RATE_HZ = audio_import.CLIP_SAMPLE_RATE_HZ
PREVIEW_MAX_S = audio_import.PREVIEW_MAX_S


class AudioServices:
    def recordings(self, name: str | None) -> list[str]:
        return clips.list_recordings(self.voice(name)) if name else []

    def delete_recordings(self, name: str, recordings: list[str]) -> tuple[list[str], list[str]]:
        """Remove recordings and the clips made from them: (recordings, clips) removed."""
        return clips.delete_recordings(self.voice(name), list(recordings or []))

    def analyse_recording(self, path: Path):
        """(QualityReport at the file's own rate, audio [n] at 32 kHz) of one uploaded file; AudioError when
        unusable."""
        return audio_import.assess_recording(Path(path))

    def preview_cleaning(self, path: Path, denoise_strength: float, slicer) -> tuple[np.ndarray, np.ndarray, list]:
        """(before, after, cut points in s) of the first PREVIEW_MAX_S seconds of ``path`` at 32 kHz."""
        before, result = audio_import.preview_clean(Path(path), denoise_strength or None, slicer)
        return before, result.audio, result.cuts_s

    def clean_and_slice(self, name: str, files: list[Path], denoise_strength: float, language: str,
                        slicer=None, on_event=None):
        """Clean and slice ``files`` into the voice's clips (a file already imported is sliced again, not
        copied twice; no files: the voice's recordings are sliced again); the import report."""
        voice = self.voice(name)
        files = files or [voice.path("recordings", r) for r in clips.list_recordings(voice)]
        if not files:
            raise StudioError("Add recordings on the Voice data tab first (upload files or record).")
        return audio_import.prepare_audio(voice, files, denoise_strength or None, True, language=language,
                                          slicer=slicer, on_event=on_event)

    def clips(self, name: str | None) -> list[clips.ClipInfo]:
        """The voice's clips in transcript order."""
        return clips.list_clips(self.voice(name)) if name else []

    def clip_path(self, name: str | None, clip: str | None) -> Path:
        return clips.clip_file(self.voice(name), clip)

    def delete_clips(self, name: str, names: list[str]) -> list[str]:
        return clips.delete_clips(self.voice(name), list(names or []))
