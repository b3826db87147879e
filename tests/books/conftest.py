"""A workspace with one voice (a synthetic reference clip) and the tiny models, for render tests."""

from __future__ import annotations

import shutil

import pytest


def make_voice(workspace, name: str, speech_wav, language: str = "en"):
    from gpt_sovits.data.workspace import Workspace

    voice = Workspace(workspace).create_voice(name)
    shutil.copyfile(speech_wav, voice.root / "references" / "ref.wav")
    voice.update_meta(reference={"audio": "references/ref.wav", "text": "This is the reference.",
                                 "language": language})
    voice.give_consent()
    return voice


@pytest.fixture
def book_workspace(tmp_path, speech_wav):
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    make_voice(workspace, "narrator", speech_wav)
    return workspace


@pytest.fixture(scope="session")
def book_engine(tiny_v2):
    """Line synthesis through an engine host of its own with the tiny models (books.synthesis.EngineLines)."""
    from gpt_sovits.books.synthesis import EngineLines
    from gpt_sovits.inference.engine import EngineHost, LoadSettings

    host = EngineHost(settings=LoadSettings(pretrained_dir=tiny_v2, device="cpu"))
    yield EngineLines(host)
    host.close()
