"""prepare_audio: good files become clips and transcript rows; each unusable file gets its own clear
error, and nothing already in the workspace is lost or changed."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from gpt_sovits.data.audio_import import prepare_audio
from gpt_sovits.data.events import PrepareEvent
from gpt_sovits.data.transcripts import read_transcripts, write_transcripts
from gpt_sovits.data.workspace import Workspace
from gpt_sovits.errors import ConfigError
from tests.data.conftest import write_recording


def _snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (but the log) with its SHA-256."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*") if p.is_file() and p.name != "log.jsonl"}  # fmt: skip


def test_recording_becomes_clips_and_empty_transcript_rows(tmp_path, recording):
    voice = Workspace(tmp_path / "ws").create_voice("bob")
    original = recording.read_bytes()
    events: list[PrepareEvent] = []
    report = prepare_audio(voice, [recording], denoise_strength=0.5, language="en", on_event=events.append)
    (file_report,) = report.files
    assert file_report.ok and file_report.quality is not None and file_report.quality.sample_rate_hz == 44100
    assert recording.read_bytes() == original  # the original is untouched
    assert file_report.recording.read_bytes() == original and file_report.recording.parent == voice.path("recordings")
    entries = read_transcripts(voice)
    assert [voice.path(e.audio_path) for e in entries] == list(file_report.clips)
    assert all(e.text == "" and e.language == "en" and e.speaker == "bob" for e in entries)
    for clip in file_report.clips:
        info = sf.info(str(clip))
        assert info.samplerate == 32000 and info.channels == 1 and 1.0 <= info.duration <= 12.0
    assert [(e.stage, e.done, e.total, e.item) for e in events] == [("import", 1, 1, recording.name)]

    # importing the same file again does not copy it twice: its clips are made anew in place
    rows = [e.__class__(e.audio_path, e.speaker, e.language, "kept?") for e in entries]
    write_transcripts(voice, rows)
    again = prepare_audio(voice, [recording], slice=False)
    (second,) = again.files
    assert second.resliced and second.recording == file_report.recording and len(second.clips) == 1
    assert list(voice.path("recordings").iterdir()) == [file_report.recording]
    assert not any(c.exists() for c in file_report.clips)
    assert [e.name for e in read_transcripts(voice)] == [second.clips[0].name]
    assert sf.info(str(second.clips[0])).duration == pytest.approx(14.0, abs=0.01)
    # the same slicing twice keeps the clip names and their texts
    third = prepare_audio(voice, [file_report.recording], slice=False).files[0]
    assert third.clips == second.clips and len(read_transcripts(voice)) == 1


def _bad_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, words its error must contain)."""
    folder.mkdir()
    zero = folder / "zero.wav"
    zero.write_bytes(b"")
    corrupt = folder / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(40)))
    text = folder / "notes.wav"
    text.write_text("this is not audio at all\n" * 20)
    png = folder / "picture.mp3"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    silent = folder / "silent.wav"
    sf.write(silent, np.zeros(32000 * 3, dtype=np.float32), 32000, subtype="PCM_16")
    empty = folder / "no_samples.wav"
    sf.write(empty, np.zeros(0, dtype=np.float32), 16000, subtype="PCM_16")
    low_rate = folder / "telephone.wav"
    sf.write(low_rate, np.sin(np.arange(4000 * 3) * 0.3).astype(np.float32) * 0.3, 4000, subtype="PCM_16")
    huge = folder / "all_day.wav"
    rate, frames = 8000, 8000 * 3700  # just over the one-hour limit
    header = (b"RIFF" + struct.pack("<I", 36 + frames * 2) + b"WAVEfmt "
              + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", frames * 2))
    with open(huge, "wb") as f:  # a sparse file: the samples take no disk space
        f.write(header)
        f.truncate(len(header) + frames * 2)
    return {
        "huge": (huge, "minutes long"),
        "zero": (zero, "empty (0 bytes)"),
        "corrupt": (corrupt, "damaged"),
        "text": (text, "not an audio file"),
        "png": (png, "PNG image"),
        "silent": (silent, "silent"),
        "empty": (empty, "no audio samples"),
        "low_rate": (low_rate, "4000 Hz"),
        "missing": (folder / "not_there.wav", "not found"),
    }


def test_each_unusable_file_gets_a_clear_error_and_nothing_is_lost(voice, tmp_path):
    before = _snapshot(voice.root)
    rows_before = read_transcripts(voice)
    bad = _bad_files(tmp_path / "bad")
    odd_rate = write_recording(tmp_path / "odd rate.wav", 7.0, sr=11025, seed=5)
    files = [path for path, _ in bad.values()] + [odd_rate]
    report = prepare_audio(voice, files)
    assert len(report.files) == len(files)
    for (name, (path, words)), file_report in zip(bad.items(), report.files, strict=False):
        assert file_report.source == path
        assert file_report.error is not None and words in file_report.error, (name, file_report.error)
        assert path.name in file_report.error, name
        assert file_report.recording is None and file_report.clips == ()
    good = report.files[-1]
    assert good.ok and good.clips and good.quality.sample_rate_hz == 11025  # the file's own rate
    after = _snapshot(voice.root)
    changed = {path for path, digest in before.items() if after.get(path) != digest}
    assert changed == {"transcripts.list"}  # nothing lost; the list only gained rows
    rows_after = read_transcripts(voice)
    assert rows_after[: len(rows_before)] == rows_before
    assert [voice.path(e.audio_path) for e in rows_after[len(rows_before) :]] == list(good.clips)
    added = set(after) - set(before)
    assert added == {str(good.recording.relative_to(voice.root))} | {
        str(c.relative_to(voice.root)) for c in good.clips
    }
    assert not list(voice.path("recordings").glob(".*partial"))
    log = [e for e in voice.read_log() if e["action"] == "import-audio"]
    assert sum(1 for e in log if e["error"]) == len(bad)


def test_settings_are_checked_first(voice, recording):
    with pytest.raises(ConfigError, match="between 0 and 1"):
        prepare_audio(voice, [recording], denoise_strength=1.5)
    with pytest.raises(ConfigError, match="Unknown language 'fr'"):
        prepare_audio(voice, [recording], language="fr")
    assert not list(voice.path("recordings").glob("take*_2*"))


def test_custom_slicer_settings_are_used(tmp_path):
    import soundfile as sf

    from gpt_sovits.audio.slicer import SlicerSettings
    from gpt_sovits.data.audio_import import prepare_audio
    from gpt_sovits.data.workspace import Workspace
    from tests.fixtures.synthetic_speech import make_recording

    rec = make_recording(duration_s=30.0, sample_rate=32000, seed=2)
    src = tmp_path / "rec.wav"
    sf.write(src, rec.audio, 32000)
    default = prepare_audio(Workspace(tmp_path / "w1").create_voice("A"), [src])
    short = prepare_audio(Workspace(tmp_path / "w2").create_voice("A"), [src],
                          slicer=SlicerSettings(max_clip_s=4.0, min_length_ms=1000))
    assert all(len(sf.read(c)[0]) <= 4.0 * 32000 for c in short.files[0].clips)
    assert len(short.files[0].clips) > len(default.files[0].clips)
