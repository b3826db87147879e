"""Headless Chromium through Playwright, using Debian's browser (no browser download)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.conftest import REPO_ROOT, skip_or_fail

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = REPO_ROOT / "test-artifacts"


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    skip_or_fail("Chromium not found (Debian: apt-get install chromium; .ci/run installs it)")
    raise AssertionError("unreachable")


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
