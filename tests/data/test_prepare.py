"""Dataset preparation with tiny random models: consistent files, resumable, every bad clip named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import soundfile as sf

from gpt_sovits.data.events import DatasetError, PrepareEvent
from gpt_sovits.data.feature_files import (
    SEMANTIC_HEADER,
    DatasetLayout,
    load_tensor,
    read_phones_table,
    read_semantic_table,
)
from gpt_sovits.data.manifest import ManifestEntry
from gpt_sovits.data.prepare import prepare_dataset
from gpt_sovits.data.stages import expected_hubert_frames
from gpt_sovits.data.transcripts import read_transcripts, write_transcripts
from gpt_sovits.data.workspace import Workspace
from gpt_sovits.errors import ModelNotFoundError
from gpt_sovits.text.symbols import phones_to_ids


class StopAfter(Exception):
    pass


def _mtimes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_prepared_files_are_consistent(prepared_template):
    root, report, events = prepared_template
    voice = Workspace(root).voice("alice")
    layout = DatasetLayout(voice.path("features"))
    entries = read_transcripts(voice)
    names = [e.name for e in entries]
    assert report.items == len(entries) and [s.stage for s in report.stages] == ["text", "audio", "semantic"]
    assert all(s.made == len(entries) and s.reused == 0 for s in report.stages)

    rows = read_phones_table(layout.phones_tsv)
    assert [r.name for r in rows] == names
    assert layout.semantic_tsv.read_text(encoding="utf-8").split("\n")[0] == SEMANTIC_HEADER
    semantic = read_semantic_table(layout.semantic_tsv)
    assert list(semantic) == names
    total_s = 0.0
    for entry, row in zip(entries, rows, strict=True):
        assert row.phones and len(phones_to_ids(row.phones, "v2")) == len(row.phones)
        bert = load_tensor(layout.bert(row.name))
        if entry.language == "zh":
            assert row.word2ph is not None and sum(row.word2ph) == len(row.phones) == len(row.norm_text) + sum(
                n - 1 for n in row.word2ph
            )
            assert tuple(bert.shape) == (1024, len(row.phones))
        else:
            assert row.word2ph is None and bert is None
        info = sf.info(str(layout.wav32k(row.name)))
        assert info.samplerate == 32000 and info.subtype == "PCM_16"
        clip = sf.info(str(voice.path(entry.audio_path)))
        assert abs(info.frames - clip.frames * 32000 / clip.samplerate) <= 1
        total_s += info.duration
        hubert = load_tensor(layout.hubert(row.name))
        assert hubert.shape[:2] == (1, 768)
        assert abs(hubert.shape[2] - expected_hubert_frames(info.frames)) <= 2
        codes = semantic[row.name]
        assert len(codes) == hubert.shape[2] // 2 and all(0 <= c < 1024 for c in codes)
    assert report.audio_s == pytest.approx(total_s)
    # events: a start and one event per clip for each stage, then "done"; counters never go backwards
    per_stage = [e for e in events if e.stage == "audio"]
    assert [e.done for e in per_stage] == list(range(len(entries) + 1))
    assert {e.item for e in per_stage if e.item} == set(names)
    assert events[-1].stage == "done"


@pytest.mark.slow
def test_interrupted_run_resumes_without_redoing_finished_clips(voice, tiny_v2):
    layout = DatasetLayout(voice.path("features"))
    n = len(read_transcripts(voice))

    def stop_in_audio_stage(event: PrepareEvent) -> None:
        if event.stage == "audio" and event.done == 1 and event.item:
            raise StopAfter()

    with pytest.raises(StopAfter):
        prepare_dataset(voice, tiny_v2, device="cpu", on_event=stop_in_audio_stage)
    assert not layout.phones_tsv.exists()  # the run did not get to the end
    assert len(list((layout.root / "hubert").iterdir())) == 1
    before = _mtimes(layout.root)

    report = prepare_dataset(voice, tiny_v2, device="cpu")
    counts = {s.stage: (s.made, s.reused) for s in report.stages}
    assert counts == {"text": (0, n), "audio": (n - 1, 1), "semantic": (n, 0)}
    after = _mtimes(layout.root)
    assert all(after[path] == stamp for path, stamp in before.items())  # nothing finished was rewritten

    again = prepare_dataset(voice, tiny_v2, device="cpu")
    assert all(s.made == 0 for s in again.stages)
    assert _mtimes(layout.root).keys() == after.keys()


@pytest.mark.slow
def test_edited_text_changed_clip_and_damaged_file_redo_only_their_items(prepared_voice, tiny_v2):
    voice = prepared_voice
    layout = DatasetLayout(voice.path("features"))
    entries = read_transcripts(voice)
    entries[0] = ManifestEntry(entries[0].audio_path, entries[0].speaker, "en", "A different sentence now.")
    write_transcripts(voice, entries)
    clip = voice.path(entries[1].audio_path)
    os.utime(clip, ns=(clip.stat().st_atime_ns, clip.stat().st_mtime_ns + 10**9))  # the clip changed
    layout.hubert(entries[2].name).write_bytes(b"not a tensor")
    report = prepare_dataset(voice, tiny_v2, device="cpu")
    counts = {s.stage: s.made for s in report.stages}
    assert counts == {"text": 1, "audio": 2, "semantic": 2}
    assert load_tensor(layout.hubert(entries[2].name)) is not None
    assert not layout.bert(entries[0].name).exists()  # now English: a stale Chinese BERT file would mislead training
    assert read_phones_table(layout.phones_tsv)[0].norm_text.startswith("A different sentence")


def test_every_bad_clip_is_named_before_the_next_stage(prepared_voice, tiny_v2):
    voice = prepared_voice
    entries = read_transcripts(voice)
    silent = voice.path("clips", "quiet.wav")
    sf.write(silent, [0.0] * 32000, 32000, subtype="PCM_16")
    entries.append(ManifestEntry("clips/quiet.wav", "alice", "zh", "安静。"))
    write_transcripts(voice, entries)
    events: list[PrepareEvent] = []
    with pytest.raises(DatasetError) as info:
        prepare_dataset(voice, tiny_v2, device="cpu", on_event=events.append)
    assert any(p.startswith("quiet.wav:") and "silent" in p for p in info.value.problems)
    assert "1 of" in info.value.problems[0]
    assert not any(e.stage == "semantic" for e in events)  # stopped before the next stage
    # the good clips were finished and are reused once the bad one is removed
    # a clip with no text yet is left out with a notice naming it
    kept = [*entries[:-2], ManifestEntry(entries[-2].audio_path, "alice", entries[-2].language, "")]
    write_transcripts(voice, kept)
    events.clear()
    report = prepare_dataset(voice, tiny_v2, device="cpu", on_event=events.append)
    assert {s.stage: (s.made, s.reused) for s in report.stages}["audio"] == (0, len(entries) - 2)
    skips = [e for e in events if e.stage == "skip"]
    assert [e.item for e in skips] == [entries[-2].name] and "no text" in skips[0].describe()
    assert "line" not in skips[0].describe()


def test_transcript_problems_are_reported_before_any_work(voice, tiny_v2):
    entries = read_transcripts(voice)
    entries[0] = ManifestEntry(entries[0].audio_path, "alice", "zh", "")
    entries.append(ManifestEntry("clips/gone.wav", "alice", "zh", "不在这里。"))
    entries.append(ManifestEntry("../../outside.wav", "alice", "zh", "外面。"))
    write_transcripts(voice, entries)
    with pytest.raises(DatasetError) as info:
        prepare_dataset(voice, tiny_v2, device="cpu")
    assert "gone.wav" in str(info.value) and entries[0].name not in str(info.value)  # no text: skipped, no error
    entries[0] = ManifestEntry(entries[0].audio_path, "alice", "ja", "こんにちは")
    write_transcripts(voice, entries)
    with pytest.raises(DatasetError) as info:
        prepare_dataset(voice, tiny_v2, device="cpu")
    text = str(info.value)
    assert "not supported yet" in text and "gone.wav: the audio file clips/gone.wav is missing" in text
    assert "outside.wav" in text and "outside the folders" in text
    assert not voice.path("features", "hubert").exists()


def test_missing_pretrained_models_are_named(voice, tmp_path):
    with pytest.raises(ModelNotFoundError, match="SoVITS generator is missing.*download --version v2"):
        prepare_dataset(voice, tmp_path / "empty", device="cpu")
