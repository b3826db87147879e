"""Voices for the voice bar and the Voice data tab: list, create, rename, delete, consent, log."""

from __future__ import annotations

from gpt_sovits.data.workspace import Voice, Workspace
from gpt_sovits.errors import StudioError


class VoiceServices:
    settings: object
    workspace: Workspace

    def voice_names(self) -> list[str]:
        return self.workspace.list_voices()

    def voice(self, name: str | None) -> Voice:
        """The chosen voice; a readable error when none is chosen."""
        if not name:
            raise StudioError("Choose a voice at the top of the page, or create one on the Voice data tab.")
        return self.workspace.voice(name)

    def create_voice(self, name: str) -> str:
        self.settings.workspace_dir.mkdir(parents=True, exist_ok=True)
        return self.workspace.create_voice(name).name

    def rename_voice(self, old: str, new: str) -> str:
        self.voice(old)
        return self.workspace.rename_voice(old, new).name

    def delete_voice(self, name: str) -> None:
        self.voice(name)
        self.workspace.delete_voice(name)

    def set_consent(self, name: str, given: bool) -> None:
        self.voice(name).give_consent(given)

    def log_rows(self, name: str | None) -> list[list[str]]:
        """The voice's activity log, newest first: time, action, details."""
        return self.voice(name).log_rows() if name else []
