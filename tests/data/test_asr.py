"""transcribe_voice: fills only empty texts; without a backend it says how to install one or type the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpt_sovits.data import asr
from gpt_sovits.data.asr import AsrUnavailableError, transcribe_voice
from gpt_sovits.data.manifest import ManifestEntry
from gpt_sovits.data.transcripts import read_transcripts, write_transcripts
from gpt_sovits.errors import ModelNotFoundError, StudioError


class FakeRecogniser:
    def __init__(self, answers: dict[str, str]):
        self.answers = answers
        self.calls: list[tuple[str, str | None]] = []

    def transcribe(self, audio_path: Path, language: str | None) -> str:
        assert audio_path.is_file()
        self.calls.append((audio_path.name, language))
        return self.answers.get(audio_path.name, "")


def _blank_all_but_first(voice) -> list[ManifestEntry]:
    entries = read_transcripts(voice)
    blanked = [entries[0]] + [ManifestEntry(e.audio_path, e.speaker, e.language, "") for e in entries[1:]]
    write_transcripts(voice, blanked)
    return blanked


def test_without_a_backend_the_message_says_how_to_install_or_type(voice, monkeypatch):
    monkeypatch.setattr(asr.importlib.util, "find_spec", lambda name: None)
    _blank_all_but_first(voice)
    before = voice.path("transcripts.list").read_bytes()
    with pytest.raises(AsrUnavailableError) as info:
        transcribe_voice(voice)
    message = str(info.value)
    assert "pip install faster-whisper" in message and "pip install funasr" in message
    assert "type or paste" in message
    with pytest.raises(AsrUnavailableError, match="faster-whisper is not installed"):
        transcribe_voice(voice, backend="faster-whisper")
    with pytest.raises(StudioError, match="Unknown speech recognition backend 'siri'"):
        transcribe_voice(voice, backend="siri")
    assert voice.path("transcripts.list").read_bytes() == before


def test_installed_backend_without_a_model_is_not_downloaded(voice, tmp_path, monkeypatch):
    monkeypatch.setattr(asr, "installed_backends", lambda: ["faster-whisper"])
    _blank_all_but_first(voice)
    with pytest.raises(ModelNotFoundError, match=r"no model was found in .*asr/faster-whisper\*/"):
        transcribe_voice(voice, pretrained_dir=tmp_path)
    model = tmp_path / "asr" / "faster-whisper-small"
    model.mkdir(parents=True)
    (model / "model.bin").write_bytes(b"x")
    assert asr.find_model_dir("faster-whisper", tmp_path) == model


def test_only_missing_texts_are_filled(voice):
    entries = _blank_all_but_first(voice)
    answers = {e.name: f"line|{i}\nnext" for i, e in enumerate(entries)}
    answers[entries[-1].name] = "   "  # nothing recognised
    fake = FakeRecogniser(answers)
    report = transcribe_voice(voice, backend=fake, language="en")
    assert [c[0] for c in fake.calls] == [e.name for e in entries[1:]]  # the typed text was not even sent
    assert all(lang == "en" for _, lang in fake.calls)
    after = read_transcripts(voice)
    assert after[0] == entries[0]
    for i, entry in enumerate(after[1:-1], start=1):
        assert entry.text == f"line/{i} next" and entry.language == "en"
    assert after[-1].text == ""
    assert report.kept == 1 and len(report.filled) == len(entries) - 2
    assert report.failed == [(entries[-1].name, "no speech was recognised; type the text")]
    # a second run asks only about the one still empty
    again = FakeRecogniser({})
    transcribe_voice(voice, backend=again)
    assert [c[0] for c in again.calls] == [entries[-1].name]
