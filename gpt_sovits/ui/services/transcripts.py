"""The Transcripts tab: store edited rows, fill empty ones with speech recognition."""

from __future__ import annotations

from gpt_sovits.data import clips
from gpt_sovits.inference.jobs import TASK


class TranscriptServices:
    def save_transcripts(self, name: str, rows: list[list[str]]) -> list[str]:
        """Store edited (clip, language, text) rows; returns warnings for empty or suspicious rows."""
        return clips.save_transcript_rows(self.voice(name), rows)

    def training_problems(self, name: str | None) -> dict[str, str]:
        """clip name -> why training would leave it out, for the clips training would not use."""
        if not name:
            return {}
        return {c.name: why for c in clips.list_clips(self.voice(name)) if (why := clips.training_problem(c))}

    def asr_backends(self) -> list[str]:
        from gpt_sovits.data.asr import installed_backends

        return installed_backends()

    def transcribe(self, name: str, on_event=None):
        from gpt_sovits.data.asr import transcribe_voice

        return self.engine.call(transcribe_voice, self.voice(name), None, priority=TASK,
                                pretrained_dir=self.settings.pretrained_dir, on_event=on_event)
