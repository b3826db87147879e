"""Pretrained models for the Models tab: what is there, and fetching what is missing."""

from __future__ import annotations

from collections.abc import Callable

from gpt_sovits import pretrained


class ModelServices:
    settings: object

    def model_status_rows(self, version: str) -> list[list[str]]:
        """One row per asset: path, role, state, whether it is the official file, detail."""
        tiny = pretrained.tiny_model_files(self.settings.pretrained_dir)
        return [
            [s.asset.path, s.asset.role, s.state.value, provenance(s, tiny), s.detail]
            for s in pretrained.version_status(version, self.settings.pretrained_dir)
        ]

    def download_models(
        self, version: str, mirror: str, progress: Callable[[str, int, int | None], None] | None = None
    ) -> pretrained.DownloadReport:
        """Fetch the missing official files of ``version``."""
        return pretrained.download_version(version, self.settings.pretrained_dir, mirror=mirror, progress=progress)


RANDOM_TEST_MODEL = "⚠️ random test model, not the official weights"


def provenance(status: pretrained.AssetStatus, tiny_files: frozenset[str]) -> str:
    """Whether a present file is the official one: its registry checksum (first 8 KiB) and size match, only
    its size matches, nothing is known to check, or it is one of the tiny random models tests make."""
    asset = status.asset
    if status.state is not pretrained.AssetState.PRESENT:
        return ""
    if asset.path in tiny_files:
        return RANDOM_TEST_MODEL
    if asset.head_md5 is not None:
        return "✅ official (checksum matches)"
    if asset.size_bytes is not None:
        return "official size (no checksum to compare)"
    return "not verified (the registry has no size or checksum for it)"
