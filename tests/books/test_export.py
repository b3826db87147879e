"""Export of a 3-chapter book made with the tiny models, read back and measured independently of the export code.

Levels are measured here with numpy, scipy (4x oversampled true peak) and pyloudnorm, on files decoded with
soundfile where it can (WAV, FLAC, MP3) and PyAV for the M4B; the export's own report is only compared to them.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from gpt_sovits.books import containers
from gpt_sovits.books.export import BookMeta, ExportChapter, ExportLine, ExportOptions, export_book
from tests.conftest import TINY_GPT, TINY_SOVITS

pytestmark = pytest.mark.usefixtures("one_torch_thread")

AAC_FRAME = 1024
SR = 44100
TEXTS = [["Hello there.", "It is a fine day."], ["The second chapter."], ["The end."]]
PAUSE_S = 0.4


@pytest.fixture(scope="module")
def book(tiny_v2, speech_wav, tmp_path_factory):
    """Three chapters (two lines, one, one), rendered with the tiny models into WAV takes."""
    from gpt_sovits.inference import SynthesisRequest, Synthesizer

    synth = Synthesizer.from_files(tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS, tiny_v2, device="cpu",
                                   cache_dir=tmp_path_factory.mktemp("refcache"))
    folder = tmp_path_factory.mktemp("takes")
    chapters = []
    for c, texts in enumerate(TEXTS):
        lines = []
        for i, text in enumerate(texts):
            result = synth.synthesize_all(SynthesisRequest(text=text, language="en", ref_audio=speech_wav,
                                                           ref_text="", ref_language="en", seed=10 * c + i))
            path = folder / f"{c}-{i}.wav"
            sf.write(path, result.audio, result.sample_rate, subtype="PCM_16")
            lines.append(ExportLine(path, text, PAUSE_S))
        chapters.append(ExportChapter(f"Chapter {c + 1}", tuple(lines)))
    cover = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (32, 32), (200, 30, 30)).save(cover, format="PNG")
    cover_path = folder / "cover.png"
    cover_path.write_bytes(cover.getvalue())
    meta = BookMeta("A Tiny Book", author="Ann Author", narrator="Ned Narrator", language="en", cover_path=cover_path)
    return chapters, meta


@pytest.fixture(scope="module")
def exported(book, tmp_path_factory):
    chapters, meta = book
    out = tmp_path_factory.mktemp("export")
    seen = []
    report = export_book(chapters, meta, out, ExportOptions(formats=("m4b", "mp3", "wav", "flac")),
                         on_progress=lambda f, msg: seen.append(f))
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    return out, report


def expected_chapter_samples(chapter: ExportChapter, head_s=0.75, tail_s=2.0) -> int:
    """Head tone + each line at 44.1 kHz + the pauses between lines + tail tone, from the takes themselves."""
    total = round(head_s * SR) + round(tail_s * SR)
    for i, line in enumerate(chapter.lines):
        info = sf.info(str(line.audio_path))
        total += round(info.frames * SR / info.samplerate)
        if i < len(chapter.lines) - 1:
            total += round(line.pause_after_s * SR)
    return total


def decode_m4b(path: Path) -> tuple[np.ndarray, list[dict]]:
    import av

    with av.open(str(path)) as container:
        chapters = container.chapters()
        stream = container.streams.audio[0]
        audio = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(stream)])
        return audio[: stream.duration].astype(np.float64), chapters


def levels(audio: np.ndarray, sr: int) -> dict:
    audio = np.asarray(audio, dtype=np.float64)
    over = resample_poly(audio, 4, 1)
    window, hop = sr // 2, sr // 10
    floor = min(np.sqrt(np.mean(audio[s : s + window] ** 2)) for s in range(0, audio.size - window, hop))
    return {"rms": 20 * np.log10(np.sqrt(np.mean(audio**2))), "true_peak": 20 * np.log10(np.abs(over).max()),
            "floor": 20 * np.log10(floor), "lufs": pyloudnorm.Meter(sr).integrated_loudness(audio)}


def assert_acx(lv: dict, name: str) -> None:
    assert -23.0 <= lv["rms"] <= -18.0, (name, lv)
    assert lv["true_peak"] <= -3.0, (name, lv)
    assert -100.0 < lv["floor"] <= -60.0, (name, lv)  # room tone: quiet, but not digital silence
    assert np.isfinite(lv["lufs"]), (name, lv)  # ACX sets no LUFS window; podcast loudness is tested below


def test_m4b_has_sample_exact_chapters_tags_and_cover(exported, book):
    from mutagen.mp4 import MP4

    out, _ = exported
    chapters, meta = book
    m4b = out / "A Tiny Book.m4b"
    audio, marks = decode_m4b(m4b)
    assert [m["metadata"]["title"] for m in marks] == ["Chapter 1", "Chapter 2", "Chapter 3"]
    starts = np.cumsum([0] + [expected_chapter_samples(c) for c in chapters])
    for mark, start in zip(marks, starts, strict=False):
        assert abs(float(mark["start"] * mark["time_base"]) * SR - start) <= AAC_FRAME
    assert abs(audio.size - starts[-1]) <= AAC_FRAME
    mp4 = MP4(m4b)
    assert mp4.tags["©nam"] == ["A Tiny Book"] and mp4.tags["©ART"] == ["Ann Author"]
    assert mp4.tags["©nrt"] == ["Ned Narrator"] and mp4.tags["©wrt"] == ["Ned Narrator"]
    assert bytes(mp4.tags["covr"][0]) == meta.cover_path.read_bytes()
    assert [round(c.start * SR) for c in mp4.chapters] == pytest.approx(list(starts[:3]), abs=AAC_FRAME)
    assert mp4.info.sample_rate == SR


def mp3_frame_headers(data: bytes) -> list[tuple[int, int]]:
    """(bit rate kbps, sample rate) of every MPEG-1 Layer III frame, walking the file frame by frame."""
    rates = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
    pos = 0
    if data[:3] == b"ID3":  # skip the tag: its size is four 7-bit groups
        pos = 10 + sum(b << (7 * (3 - i)) for i, b in enumerate(data[6:10]))
    frames = []
    while pos + 4 <= len(data) and data[pos] == 0xFF and data[pos + 1] & 0xFE == 0xFA:
        kbps, sr = rates[data[pos + 2] >> 4], [44100, 48000, 32000][(data[pos + 2] >> 2) & 3]
        frames.append((kbps, sr))
        pos += 144 * kbps * 1000 // sr + ((data[pos + 2] >> 1) & 1)
    assert pos == len(data), "the file must be MP3 frames to its end"
    return frames


def test_mp3s_are_192k_cbr_at_44k(exported):
    from mutagen.mp3 import MP3, BitrateMode

    out, _ = exported
    mp3s = sorted(out.glob("*.mp3"))
    assert [p.name for p in mp3s] == ["01 - Chapter 1.mp3", "02 - Chapter 2.mp3", "03 - Chapter 3.mp3"]
    for path in mp3s:
        frames = mp3_frame_headers(path.read_bytes())
        assert len(frames) > 50 and set(frames[1:]) == {(192, SR)}  # frame 0 is LAME's Info frame
        info = MP3(path).info
        assert info.bitrate_mode == BitrateMode.CBR and info.sample_rate == SR and info.channels == 1


def test_every_file_is_inside_the_acx_window(exported, book):
    out, report = exported
    for path in sorted(out.glob("0*.*")):
        if path.suffix in (".wav", ".flac", ".mp3"):
            audio, sr = sf.read(path, dtype="float64")
            assert sr == SR
            assert_acx(levels(audio, sr), path.name)
    audio, marks = decode_m4b(out / "A Tiny Book.m4b")
    bounds = [int(m["start"] * m["time_base"] * SR) for m in marks] + [audio.size]
    for i in range(3):
        assert_acx(levels(audio[bounds[i] : bounds[i + 1]], SR), f"m4b chapter {i + 1}")
    # The report agrees with these independent numbers.
    wav = levels(sf.read(out / "01 - Chapter 1.wav", dtype="float64")[0], SR)
    row = next(r for r in report.files if r.name == "01 - Chapter 1.wav")
    assert row.rms_db == pytest.approx(wav["rms"], abs=0.05)
    assert row.loudness_lufs == pytest.approx(wav["lufs"], abs=0.05)
    assert row.true_peak_db == pytest.approx(wav["true_peak"], abs=0.1)


def test_report_beside_the_files(exported):
    out, report = exported
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["passed"] is True and data["target"] == "acx"
    assert len(data["files"]) == 3 * 3 + 3  # wav, flac, mp3 per chapter + 3 chapters of the m4b
    for row in data["files"]:
        assert {"rms_db", "loudness_lufs", "true_peak_db", "noise_floor_db", "duration_s", "sample_rate",
                "bit_rate_kbps", "passed"} <= row.keys()
    mp3_row = next(r for r in data["files"] if r["format"] == "mp3")
    assert mp3_row["constant_bit_rate"] and round(mp3_row["bit_rate_kbps"]) == 192
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "result: **PASS**" in md and "03 - Chapter 3.flac" in md
    assert (out / "A Tiny Book.srt").read_text(encoding="utf-8").startswith("1\n00:00:00,750 --> ")
    assert (out / "02 - Chapter 2.vtt").read_text(encoding="utf-8").startswith("WEBVTT\n\n00:00:00.750 --> ")


def test_exporting_twice_gives_identical_files(exported, book, tmp_path):
    chapters, meta = book
    out, _ = exported
    export_book(chapters, meta, tmp_path, ExportOptions(formats=("m4b", "mp3", "wav", "flac")))
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), name


@pytest.mark.parametrize("mode", ["split", "warn"])
def test_chapter_over_the_limit_is_split_or_warned(book, tmp_path, mode):
    chapters, meta = book
    limit_s = expected_chapter_samples(chapters[0]) / SR - 0.5  # chapter 1 is just too long
    options = ExportOptions(formats=("wav",), long_chapters=mode, max_chapter_s=limit_s, subtitles=False)
    report = export_book(chapters[:1], meta, tmp_path, options)
    wavs = sorted(tmp_path.glob("*.wav"))
    assert len(report.warnings) == 1 and "Chapter 1" in report.warnings[0]
    if mode == "split":
        assert [p.name for p in wavs] == ["01 - Chapter 1 (part 1).wav", "02 - Chapter 1 (part 2).wav"]
        assert all(sf.info(str(p)).duration <= limit_s for p in wavs) and report.passed
    else:
        assert [p.name for p in wavs] == ["01 - Chapter 1.wav"] and sf.info(str(wavs[0])).duration > limit_s
        assert not report.passed and "longer than" in report.files[0].problems[0]


@pytest.mark.parametrize("formats", [("mp3",), ("m4b",)])
def test_interrupted_export_leaves_no_file_under_the_final_name(book, tmp_path, monkeypatch, formats):
    chapters, meta = book
    real_mux, calls = containers._mux, []

    def failing_mux(container, packets):
        calls.append(1)
        if len(calls) == 3:  # some packets are already in the file
            raise KeyboardInterrupt
        real_mux(container, packets)

    monkeypatch.setattr(containers, "_mux", failing_mux)
    with pytest.raises(KeyboardInterrupt):
        export_book(chapters, meta, tmp_path, ExportOptions(formats=formats, subtitles=False))
    leftovers = [p.name for p in tmp_path.iterdir()]
    assert not any(name.endswith((".mp3", ".m4b", ".partial", ".json")) for name in leftovers), leftovers
