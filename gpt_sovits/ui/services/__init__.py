"""What the UI needs from the rest of the studio, handed to build_app() as one object.

:class:`StudioServices` joins one small class per concern (one module each): models, settings,
voices, audio (recordings and clips), transcripts and training; synthesis lives in
:mod:`gpt_sovits.ui.synthesis`. Each method calls the engine (data/, audio/, inference/, training/,
pretrained) and returns plain values the tabs put into widgets; no domain rule lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gpt_sovits.config import StudioSettings
from gpt_sovits.data.workspace import Workspace
from gpt_sovits.ui.services.audio import PREVIEW_MAX_S, PREVIEW_SAMPLE_RATE_HZ, AudioServices
from gpt_sovits.ui.services.models import ModelServices
from gpt_sovits.ui.services.settings import SettingsServices
from gpt_sovits.ui.services.training import TrainingServices
from gpt_sovits.ui.services.transcripts import TranscriptServices
from gpt_sovits.ui.services.voices import VoiceServices

__all__ = ["PREVIEW_MAX_S", "PREVIEW_SAMPLE_RATE_HZ", "StudioServices"]


@dataclass
class StudioServices(VoiceServices, AudioServices, TranscriptServices, TrainingServices, ModelServices,
                     SettingsServices):
    """Engine-facing operations the tabs call; tests can pass their own settings."""

    settings: StudioSettings
    settings_path: Path | None = None
    _synthesis: object = field(default=None, init=False, repr=False)
    _jobs: dict = field(default_factory=dict, init=False, repr=False)  # voice name -> running TrainingJob

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.settings.workspace_dir)

    @property
    def engine(self):
        """The process's engine host: every model runs on its one worker thread, in order of priority."""
        return self.synthesis.host

    @property
    def synthesis(self):
        """The synthesis service (through the engine host), made on first use."""
        if self._synthesis is None:
            from gpt_sovits.ui.synthesis import SynthesisService

            self._synthesis = SynthesisService(self)
        return self._synthesis
