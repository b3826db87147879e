"""The data commands of `python -m gpt_sovits`: prepare-audio, transcribe, prepare-dataset."""

from __future__ import annotations

from gpt_sovits.cli import main
from gpt_sovits.data import asr
from gpt_sovits.data.transcripts import read_transcripts
from gpt_sovits.data.workspace import Workspace


def test_prepare_audio_creates_the_voice_and_reports_each_file(tmp_path, recording, capsys):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    ws = tmp_path / "ws"
    code = main(["prepare-audio", str(recording), str(bad), "--voice", "dave", "--workspace", str(ws),
                 "--denoise", "0.5", "--lang", "en"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1  # one file was not used
    assert "Created voice 'dave'" in out and "--consent" in out
    assert f"{recording.name}: " in out and "notes.txt: NOT USED: notes.txt is not an audio file" in out
    voice = Workspace(ws).voice("dave")
    assert not voice.has_consent
    entries = read_transcripts(voice)
    assert entries and all(e.language == "en" and e.text == "" for e in entries)

    code = main(["prepare-audio", str(recording), "--voice", "dave", "--workspace", str(ws), "--no-slice",
                 "--consent"])  # fmt: skip
    assert code == 0 and voice.has_consent
    assert len(read_transcripts(voice)) == len(entries) + 1


def test_bad_input_exits_with_code_2_and_a_message(tmp_path, capsys):
    code = main(["prepare-audio", "x.wav", "--voice", "../evil", "--workspace", str(tmp_path)])
    assert code == 2 and "not a usable voice name" in capsys.readouterr().err
    code = main(["prepare-dataset", "--voice", "nobody", "--workspace", str(tmp_path)])
    assert code == 2 and "no voice named 'nobody'" in capsys.readouterr().err


def test_transcribe_without_a_backend_says_how_to_get_one(voice, monkeypatch, capsys):
    monkeypatch.setattr(asr, "installed_backends", lambda: [])
    entries = read_transcripts(voice)
    from gpt_sovits.data.manifest import ManifestEntry
    from gpt_sovits.data.transcripts import write_transcripts

    write_transcripts(voice, [ManifestEntry(entries[0].audio_path, "alice", "zh", "")] + entries[1:])
    code = main(["transcribe", "--voice", "alice", "--workspace", str(voice.root.parent)])
    err = capsys.readouterr().err
    assert code == 2 and "pip install faster-whisper" in err and "type or paste" in err


def test_prepare_dataset_command_reuses_prepared_features(prepared_voice, tiny_v2, capsys):
    code = main(["prepare-dataset", "--voice", "alice", "--workspace", str(prepared_voice.root.parent),
                 "--pretrained", str(tiny_v2), "--device", "cpu"])  # fmt: skip
    out = capsys.readouterr().out
    n = len(read_transcripts(prepared_voice))
    assert code == 0 and f"[audio {n}/{n}]" in out and "already prepared" in out
    assert f"{n} clips" in out and f"audio: 0 made, {n} reused" in out
