"""Shared fixtures: the golden parity data and test isolation from the network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Tests never phone home and never download anything.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("GPT_SOVITS_SHARED", REPO_ROOT.parent / "shared"))
GOLDEN_DIR = SHARED_DIR / "golden"
NLTK_DIR = SHARED_DIR / "nltk_data"
SKIP_REASON_NO_SHARED = (
    f"golden parity data not found at {GOLDEN_DIR} (it ships beside the developers' checkout and in CI, "
    "not in a user's clone; set GPT_SOVITS_SHARED to its folder)"
)


REQUIRE_SHARED = os.environ.get("GPT_SOVITS_REQUIRE_SHARED") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason``; in CI (GPT_SOVITS_REQUIRE_SHARED=1) a missing prerequisite is a failure."""
    if REQUIRE_SHARED:
        pytest.fail("required in CI: " + reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def golden_dir() -> Path:
    """The folder ../shared/golden; tests that need it skip with a clear reason when absent."""
    if not GOLDEN_DIR.is_dir():
        skip_or_fail(SKIP_REASON_NO_SHARED)
    return GOLDEN_DIR


@pytest.fixture(scope="session")
def nltk_data_dir() -> Path:
    """The NLTK tagger data shipped in ../shared/nltk_data."""
    if not NLTK_DIR.is_dir():
        skip_or_fail(f"NLTK data not found at {NLTK_DIR}; " + SKIP_REASON_NO_SHARED)
    return NLTK_DIR
