"""load_audio / save_wav: formats, resampling, and a clear AudioError for every kind of bad input."""

from __future__ import annotations

import shutil
import struct
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from gpt_sovits.audio import io as audio_io
from gpt_sovits.audio.io import load_audio, probe_audio, save_wav
from gpt_sovits.errors import AudioError, StudioError


def _tone(sr: int, seconds: float = 1.0, freq: float = 220.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.mark.parametrize(("fmt", "subtype", "tol"), [("WAV", "PCM_16", 1e-4), ("FLAC", "PCM_24", 1e-6), ("OGG", "VORBIS", 0.05)])
def test_reads_common_formats(tmp_path: Path, fmt: str, subtype: str, tol: float) -> None:
    sr = 16000
    x = _tone(sr)
    path = tmp_path / f"a.{fmt.lower()}"
    sf.write(path, x, sr, format=fmt, subtype=subtype)
    y, got_sr = load_audio(path)
    assert got_sr == sr and y.dtype == np.float32 and y.ndim == 1
    assert abs(y.size - x.size) <= 2048
    n = min(x.size, y.size)
    assert np.sqrt(np.mean((y[:n] - x[:n]) ** 2)) < tol


def test_reads_mp3(tmp_path: Path) -> None:
    x = _tone(16000)
    sf.write(tmp_path / "a.mp3", x, 16000, format="MP3", subtype="MPEG_LAYER_III")
    y, sr = load_audio(tmp_path / "a.mp3")
    assert sr == 16000 and abs(y.size - x.size) <= 2048
    assert abs(np.sqrt(np.mean(y**2)) - np.sqrt(np.mean(x**2))) < 0.02


def test_stereo_is_mixed_to_mono(tmp_path: Path) -> None:
    x = _tone(16000)
    stereo = np.stack([x, 0.5 * x], axis=1)
    sf.write(tmp_path / "s.wav", stereo, 16000)
    y, _ = load_audio(tmp_path / "s.wav")
    np.testing.assert_allclose(y, 0.75 * x, atol=1e-4)


@pytest.mark.parametrize("sr", [11025, 22050, 44100, 48000, 96000])
def test_any_rate_is_resampled(tmp_path: Path, sr: int) -> None:
    sf.write(tmp_path / "r.wav", _tone(sr, 2.0, freq=440.0), sr)
    y, got_sr = load_audio(tmp_path / "r.wav", target_sr=32000)
    assert got_sr == 32000
    assert abs(y.size - 64000) <= 1
    spectrum = np.abs(np.fft.rfft(y[4000:-4000]))
    peak_hz = np.argmax(spectrum) * 32000 / (y.size - 8000)
    assert abs(peak_hz - 440.0) < 2.0


def test_save_wav_round_trip_is_int16_and_atomic(tmp_path: Path) -> None:
    x = _tone(32000, 0.5)
    path = tmp_path / "sub" / "out.wav"
    save_wav(path, x, 32000)
    info = sf.info(str(path))
    assert info.subtype == "PCM_16" and info.samplerate == 32000
    assert not list(path.parent.glob("*.partial"))
    y, _ = load_audio(path)
    assert np.max(np.abs(y - x)) < 1.0 / 32767 + 1e-6


def test_save_wav_clips_instead_of_wrapping(tmp_path: Path) -> None:
    x = np.array([0.0, 1.5, -2.0, 0.5] * 1000, dtype=np.float32)
    save_wav(tmp_path / "c.wav", x, 16000)
    y, _ = load_audio(tmp_path / "c.wav")
    assert y[1] > 0.99 and y[2] < -0.99


def test_save_wav_refuses_nan(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="NaN"):
        save_wav(tmp_path / "n.wav", np.array([0.1, np.nan], dtype=np.float32), 16000)


# ---- every kind of bad input gets its own clear message ----


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="not found"):
        load_audio(tmp_path / "nope.wav")


def test_zero_byte_file(tmp_path: Path) -> None:
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioError, match="0 bytes"):
        load_audio(tmp_path / "empty.wav")


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="folder"):
        load_audio(tmp_path)


def test_text_file_renamed_wav(tmp_path: Path) -> None:
    (tmp_path / "notes.wav").write_text("hello, this is not audio\n", encoding="utf-8")
    with pytest.raises(AudioError, match="not an audio file.*text"):
        load_audio(tmp_path / "notes.wav")


def test_png_renamed_wav(tmp_path: Path) -> None:
    (tmp_path / "pic.wav").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(AudioError, match="PNG image"):
        load_audio(tmp_path / "pic.wav")


def test_corrupt_header(tmp_path: Path) -> None:
    (tmp_path / "bad.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt \xff\xff\xff\x7f" + b"\x01\x02" * 200)
    with pytest.raises(AudioError, match="damaged"):
        load_audio(tmp_path / "bad.wav")


def test_random_bytes_are_not_audio(tmp_path: Path) -> None:
    (tmp_path / "noise.wav").write_bytes(b"\x00\x01" + np.random.default_rng(0).bytes(4000))
    with pytest.raises(AudioError, match="not a recognised audio file"):
        load_audio(tmp_path / "noise.wav")


def test_wav_with_no_samples(tmp_path: Path) -> None:
    sf.write(tmp_path / "nothing.wav", np.zeros(0, dtype=np.float32), 16000)
    with pytest.raises(AudioError, match="no audio samples"):
        load_audio(tmp_path / "nothing.wav")


def test_silent_audio(tmp_path: Path) -> None:
    sf.write(tmp_path / "quiet.wav", np.zeros(16000, dtype=np.float32), 16000)
    with pytest.raises(AudioError, match="silent"):
        load_audio(tmp_path / "quiet.wav")
    y, _ = load_audio(tmp_path / "quiet.wav", min_peak=0.0)  # allowed when asked for
    assert y.size == 16000


def test_nan_samples(tmp_path: Path) -> None:
    x = _tone(16000)
    x[100] = np.nan
    sf.write(tmp_path / "nan.wav", x, 16000, subtype="FLOAT")
    with pytest.raises(AudioError, match="NaN"):
        load_audio(tmp_path / "nan.wav")


@pytest.mark.parametrize("sr", [4000, 7999])
def test_too_low_sample_rate(tmp_path: Path, sr: int) -> None:
    sf.write(tmp_path / "low.wav", _tone(sr, freq=300.0), sr)
    with pytest.raises(AudioError, match=f"{sr} Hz.*8000 Hz"):
        load_audio(tmp_path / "low.wav", target_sr=32000)


def test_max_duration_setting(tmp_path: Path) -> None:
    sf.write(tmp_path / "three.wav", _tone(16000, 3.0), 16000)
    with pytest.raises(AudioError, match="limit"):
        load_audio(tmp_path / "three.wav", max_duration_s=2.0)
    assert load_audio(tmp_path / "three.wav", max_duration_s=4.0)[0].size == 48000


def _huge_sparse_wav(path: Path, sr: int, seconds: float) -> None:
    """A valid 16-bit mono WAV header claiming ``seconds`` of audio; the data is a sparse hole on disk."""
    data_bytes = int(sr * seconds) * 2
    header = b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, sr, sr * 2, 2, 16) + b"data" + struct.pack("<I", data_bytes)
    with path.open("wb") as f:
        f.write(header)
        f.truncate(len(header) + data_bytes)


def test_huge_file_is_refused_from_its_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.wav"
    _huge_sparse_wav(path, 8000, 61 * 60)
    assert probe_audio(path).duration_s == pytest.approx(61 * 60)

    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("the samples must not be decoded")

    monkeypatch.setattr(audio_io.sf, "read", no_decoding)
    start = time.perf_counter()
    with pytest.raises(AudioError, match="61.0 minutes.*60-minute limit"):
        load_audio(path)
    assert time.perf_counter() - start < 2.0


def test_m4a_without_ffmpeg_says_install_ffmpeg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The leading bytes of an MP4/M4A file ("ftyp" box); libsndfile cannot read it.
    (tmp_path / "voice.m4a").write_bytes(b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00M4A isomiso2" + bytes(500))
    monkeypatch.setattr(audio_io.shutil, "which", lambda name: None)
    with pytest.raises(AudioError, match="install.*ffmpeg|Install ffmpeg"):
        load_audio(tmp_path / "voice.m4a")


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in ffmpeg is a POSIX script")
def test_ffmpeg_fallback_flow_with_a_stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fake ffmpeg records its argv and writes a 48 kHz tone; load_audio must read and resample it."""
    fake = tmp_path / "ffmpeg"
    log = tmp_path / "argv.txt"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import sys, numpy as np, soundfile as sf\n"
        f"open({str(log)!r}, 'w').write('\\n'.join(sys.argv[1:]))\n"
        "sf.write(sys.argv[-1], 0.3 * np.sin(np.arange(96000) * 0.05), 48000, subtype='FLOAT', format='WAV')\n"
    )
    fake.chmod(0o755)
    (tmp_path / "voice.m4a").write_bytes(b"\x00\x00\x00\x20ftypM4A " + bytes(500))
    monkeypatch.setattr(audio_io.shutil, "which", lambda name: str(fake) if name == "ffmpeg" else None)
    y, sr = load_audio(tmp_path / "voice.m4a", target_sr=32000, max_duration_s=10.0)
    assert sr == 32000 and abs(y.size - 64000) <= 1
    argv = log.read_text().splitlines()
    assert argv[argv.index("-i") + 1] == str(tmp_path / "voice.m4a")
    assert float(argv[argv.index("-t") + 1]) == pytest.approx(11.0)
    with pytest.raises(AudioError, match="limit"):
        load_audio(tmp_path / "voice.m4a", max_duration_s=1.0)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_ffmpeg_decodes_what_soundfile_cannot(tmp_path: Path) -> None:
    import subprocess

    sf.write(tmp_path / "src.wav", _tone(44100, 2.0), 44100)
    m4a = tmp_path / "voice.m4a"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(tmp_path / "src.wav"), str(m4a)], check=True)
    y, sr = load_audio(m4a, target_sr=32000)
    assert sr == 32000 and abs(y.size - 64000) < 3000


def test_audio_error_is_a_studio_error() -> None:
    assert issubclass(AudioError, StudioError)
