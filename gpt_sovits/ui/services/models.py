"""Pretrained models for the Models tab: what is there, and fetching what is missing."""

from __future__ import annotations

from collections.abc import Callable

from gpt_sovits import pretrained


class ModelServices:
    settings: object

    def model_status_rows(self, version: str) -> list[list[str]]:
        """One row per asset: path, role, state, detail."""
        return [
            [s.asset.path, s.asset.role, s.state.value, s.detail]
            for s in pretrained.version_status(version, self.settings.pretrained_dir)
        ]

    def download_models(
        self, version: str, mirror: str, progress: Callable[[str, int, int | None], None] | None = None
    ) -> pretrained.DownloadReport:
        """Fetch the missing official files of ``version``."""
        return pretrained.download_version(version, self.settings.pretrained_dir, mirror=mirror, progress=progress)
