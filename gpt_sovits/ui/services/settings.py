"""The Settings tab's one operation: validate and store changed settings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from gpt_sovits.config import StudioSettings


class SettingsServices:
    settings: StudioSettings
    settings_path: Path | None

    def save_settings(self, **changes) -> StudioSettings:
        """Validate and store changed settings (language, precision and take checks apply at once, folders at
        the next start)."""
        from gpt_sovits.config import save_settings

        values = {k: (Path(v).expanduser().resolve() if k.endswith("_dir") else v) for k, v in changes.items()}
        updated = dataclasses.replace(self.settings, **values).validate()
        if self.settings_path is not None:
            save_settings(updated, self.settings_path)
        self.settings = dataclasses.replace(self.settings, ui_language=updated.ui_language,
                                            precision=updated.precision, qc=updated.qc)
        return updated
