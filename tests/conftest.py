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


@pytest.fixture(scope="module")
def one_torch_thread():
    """For modules of tiny models: they gain nothing from threads, and one thread stays fast on a busy
    machine. Use with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


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


# ----- tiny random models, made once and reused while the code that writes them is unchanged -----
TINY_CACHE = REPO_ROOT / ".cache" / "tiny-pretrained"
TINY_GPT = "gsv-v2final-pretrained/s1bert25hz-5kh-longer-epoch=12-step=369668.ckpt"
TINY_SOVITS = "gsv-v2final-pretrained/s2G2333k.pth"


def _tiny_code_hash() -> str:
    import hashlib

    h = hashlib.sha256()
    for folder in ("gpt_sovits/models", "gpt_sovits/devtools"):
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def tiny_pretrained_dir(version: str = "v2") -> Path:
    """A folder of tiny random models for ``version`` (made on first use, then cached under .cache/)."""
    import shutil

    from gpt_sovits.devtools.tiny_pretrained import make_tiny_pretrained
    from gpt_sovits.pretrained import is_version_ready

    folder = TINY_CACHE / f"{version}-{_tiny_code_hash()}"
    if not is_version_ready(version, folder, for_training=True):
        for stale in TINY_CACHE.glob(f"{version}-*"):  # models written by older code
            if stale != folder:
                shutil.rmtree(stale, ignore_errors=True)
        make_tiny_pretrained(folder, version=version, seed=0)
    return folder


@pytest.fixture(scope="session")
def tiny_v2() -> Path:
    """Tiny random v2 models in the official layout (GPT at TINY_GPT, SoVITS at TINY_SOVITS)."""
    return tiny_pretrained_dir("v2")


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory) -> Path:
    """A 5 s speech-like 24 kHz WAV usable as a reference clip."""
    import soundfile as sf

    from tests.fixtures.synthetic_speech import make_recording

    rec = make_recording(duration_s=5.0, sample_rate=24000, long_silence_every=0, seed=3)
    path = tmp_path_factory.mktemp("ref") / "ref.wav"
    sf.write(path, rec.audio, 24000, subtype="PCM_16")
    return path


def pytest_collection_modifyitems(config, items):
    """Tests marked ``gpu`` run only where CUDA works (``pytest -m gpu`` on such a machine); elsewhere they
    are skipped with that reason."""
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu_items:
        return
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU (run `pytest -m gpu` on a machine with one; bench/gpu_check.sh)")
    for item in gpu_items:
        item.add_marker(skip)
