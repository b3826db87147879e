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
    assert "sliced again, not imported twice" in capsys.readouterr().out
    assert len(read_transcripts(voice)) == 1 and len(list(voice.path("recordings").iterdir())) == 1


def test_a_very_long_file_name_gives_short_readable_names(tmp_path, recording, capsys):
    long = tmp_path / ("朗读" * 2 + "a" * 232 + ".wav")  # 240 characters (248 bytes): clip names would not fit
    long.write_bytes(recording.read_bytes())
    code = main(["prepare-audio", str(long), "--voice", "erin", "--workspace", str(tmp_path / "ws")])
    assert code == 0, capsys.readouterr().out
    voice = Workspace(tmp_path / "ws").voice("erin")
    (kept,) = voice.path("recordings").iterdir()
    clips = sorted(voice.path("clips").iterdir())
    assert kept.read_bytes() == recording.read_bytes() and len(kept.name) <= 50 and kept.name.startswith("朗读朗读a")
    assert clips and all(len(c.name.encode()) < 100 and c.name.startswith(kept.stem + "_") for c in clips)


def _noisy_speech_with_long_pauses(path, sr=32000):
    """Speech-like sentences with 0.3 s gaps and a 4 s pause after every third, in loud noise (SNR ~12 dB);
    returns the ground-truth speech mask."""
    import numpy as np

    from gpt_sovits.audio.io import save_wav
    from tests.fixtures.synthetic_speech import make_recording

    rec = make_recording(60.0, sr, noise_rms_dbfs=None, long_silence_every=0, seed=3)
    parts, mask = [], []
    for i, (a, b) in enumerate(rec.sentences[:9]):
        gap = int(sr * (4.0 if i % 3 == 2 else 0.3))
        parts += [rec.clean[a:b], np.zeros(gap, np.float32)]
        mask += [np.ones(b - a, bool), np.zeros(gap, bool)]
    audio, mask = np.concatenate(parts), np.concatenate(mask)
    noise = np.random.default_rng(4).standard_normal(audio.size).astype(np.float32) * 10 ** (-32 / 20)
    save_wav(path, audio + noise, sr)
    return mask


def _longest_pause_s(mask, sr=32000) -> float:
    import numpy as np

    edges = np.flatnonzero(np.diff(np.concatenate([[1], mask.astype(np.int8), [1]])))
    runs = edges[1::2] - edges[::2]  # lengths of the runs of False
    return float(runs.max()) / sr if runs.size else 0.0


def test_a_noisy_recording_with_long_pauses_gives_clips_without_them(tmp_path, capsys):
    from gpt_sovits.audio.slicer import SlicerSettings
    from gpt_sovits.data.clips import CLIP_NAME_RE

    path = tmp_path / "noisy.wav"
    mask = _noisy_speech_with_long_pauses(path)
    assert _longest_pause_s(mask) >= 4.0
    code = main(["prepare-audio", str(path), "--voice", "fay", "--workspace", str(tmp_path / "ws")])
    out = capsys.readouterr().out
    assert code == 0 and "Turn on noise reduction" in out  # SNR about 12 dB
    clips = sorted(Workspace(tmp_path / "ws").voice("fay").path("clips").iterdir())
    assert len(clips) >= 3
    kept_s = SlicerSettings().max_sil_kept_ms / 1000
    for clip in clips:
        m = CLIP_NAME_RE.match(clip.name)
        inside = mask[int(m["start"]) : int(m["end"])]
        assert _longest_pause_s(inside) <= kept_s + 0.05, (clip.name, _longest_pause_s(inside))

    code = main(["prepare-audio", str(path), "--voice", "fay", "--workspace", str(tmp_path / "ws"), "--denoise", "0.8"])
    out = capsys.readouterr().out
    assert code == 0 and "noise reduction" not in out.lower()  # it is on: no advice to turn it on


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
