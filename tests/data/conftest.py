"""Fixtures for the data tests: a voice with transcribed clips, made once and copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from gpt_sovits.audio.io import save_wav
from gpt_sovits.data.manifest import ManifestEntry
from gpt_sovits.data.workspace import Voice, Workspace
from tests.fixtures.synthetic_speech import make_recording

TEXTS = [("zh", "你好，世界。"), ("en", "Hello there, how are you?"), ("zh", "今天天气很好，我们去公园吧。")]


@pytest.fixture(autouse=True, scope="session")
def _few_threads():
    torch.set_num_threads(2)


def write_recording(path: Path, seconds: float, sr: int = 44100, seed: int = 1) -> Path:
    rec = make_recording(seconds, sr, noise_rms_dbfs=-50.0, long_silence_every=0, seed=seed)
    save_wav(path, rec.audio, sr)
    return path


@pytest.fixture(scope="session")
def recording(tmp_path_factory) -> Path:
    """About 14 s of speech-like audio at 44.1 kHz."""
    return write_recording(tmp_path_factory.mktemp("rec") / "take one.wav", 14.0)


@pytest.fixture(scope="session")
def transcribed_template(tmp_path_factory, recording) -> Path:
    """A workspace holding voice 'alice' with sliced clips and a text for each (zh and en)."""
    from gpt_sovits.data.audio_import import prepare_audio
    from gpt_sovits.data.transcripts import read_transcripts, write_transcripts

    root = tmp_path_factory.mktemp("template") / "ws"
    voice = Workspace(root).create_voice("alice")
    second = write_recording(root.parent / "take two.flac", 6.0, sr=22050, seed=2)
    report = prepare_audio(voice, [recording, second])
    assert all(f.ok for f in report.files), [f.error for f in report.files]
    entries = read_transcripts(voice)
    assert len(entries) >= 3
    filled = [ManifestEntry(e.audio_path, e.speaker, *TEXTS[i % len(TEXTS)]) for i, e in enumerate(entries)]
    write_transcripts(voice, filled)
    return root


@pytest.fixture
def voice(tmp_path, transcribed_template) -> Voice:
    """A fresh copy of the transcribed template voice."""
    root = tmp_path / "ws"
    shutil.copytree(transcribed_template, root)
    return Workspace(root).voice("alice")


@pytest.fixture(scope="session")
def prepared_template(tmp_path_factory, transcribed_template, tiny_v2):
    """The template voice after one full prepare_dataset run: (workspace root, report, events)."""
    from gpt_sovits.data.prepare import prepare_dataset

    root = tmp_path_factory.mktemp("prepared") / "ws"
    shutil.copytree(transcribed_template, root)
    events = []
    report = prepare_dataset(Workspace(root).voice("alice"), tiny_v2, device="cpu", on_event=events.append)
    return root, report, events


@pytest.fixture
def prepared_voice(tmp_path, prepared_template) -> Voice:
    """A fresh copy of the voice whose features are already prepared."""
    root = tmp_path / "ws"
    shutil.copytree(prepared_template[0], root)
    return Workspace(root).voice("alice")
