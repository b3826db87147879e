"""Reading and writing audio files, with a clear AudioError for every kind of unusable input.

wav, flac, ogg/vorbis/opus, mp3 and aiff are read with soundfile (libsndfile). Other containers
(m4a, aac, webm, wma, ...) are decoded by ffmpeg when it is installed; it is called with an argument
list, never through a shell. Decoded audio is always mono float32 of shape [n_samples].
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from gpt_sovits.audio.processing import resample
from gpt_sovits.errors import AudioError
from gpt_sovits.fileio import write_bytes_atomic

logger = logging.getLogger(__name__)

MAX_DURATION_S = 60 * 60.0
MIN_SAMPLE_RATE_HZ = 8000
SILENT_PEAK = 1e-4  # about -80 dBFS: below this the file holds no usable sound
FFMPEG_TIMEOUT_S = 600

__all__ = ["AudioInfo", "load_audio", "probe_audio", "resample", "save_wav"]

# Leading bytes of formats, to tell "damaged audio" apart from "not audio at all".
_SOUNDFILE_MAGIC = {b"RIFF": "WAV", b"RF64": "WAV", b"FORM": "AIFF", b"fLaC": "FLAC", b"OggS": "OGG", b"ID3": "MP3"}
_FFMPEG_MAGIC = {b"\x1aE\xdf\xa3": "WebM/Matroska", b"0&\xb2u": "WMA", b"#!AMR": "AMR"}
_NOT_AUDIO_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive",
    b"\x7fELF": "a program",
}


@dataclass(frozen=True)
class AudioInfo:
    """What a file's header says, read without decoding the samples."""

    sample_rate: int
    frames: int
    channels: int
    format: str

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


def _sniff(head: bytes) -> tuple[str, str]:
    """Classify leading bytes: ("soundfile" | "ffmpeg" | "not_audio" | "text" | "unknown", description)."""
    for magic, name in _SOUNDFILE_MAGIC.items():
        if head.startswith(magic):
            return "soundfile", name
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "ffmpeg", "AAC (ADTS)"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "soundfile", "MP3"
    if head[4:8] == b"ftyp":
        return "ffmpeg", "MP4/M4A"
    for magic, name in _FFMPEG_MAGIC.items():
        if head.startswith(magic):
            return "ffmpeg", name
    for magic, name in _NOT_AUDIO_MAGIC.items():
        if head.startswith(magic):
            return "not_audio", name
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
            return "text", "a text file"
        except UnicodeDecodeError:
            pass
    return "unknown", "unknown data"


def _check_file(path: Path) -> tuple[str, str]:
    if not path.exists():
        raise AudioError(f"Audio file not found: {path}. Check the path and try again.")
    if path.is_dir():
        raise AudioError(f"{path} is a folder, not an audio file.")
    if path.stat().st_size == 0:
        raise AudioError(f"The audio file {path.name} is empty (0 bytes); it may not have finished copying.")
    with path.open("rb") as f:
        head = f.read(64)
    kind, what = _sniff(head)
    if kind in ("not_audio", "text"):
        raise AudioError(f"{path.name} is not an audio file: it looks like {what}. Choose a wav, flac, mp3 or ogg file.")
    return kind, what


def _check_header(name: str, info: AudioInfo, max_duration_s: float, min_sample_rate_hz: int) -> None:
    if info.sample_rate < min_sample_rate_hz:
        raise AudioError(
            f"{name} has a sample rate of {info.sample_rate} Hz, below the {min_sample_rate_hz} Hz minimum; "
            "such audio is too muffled for voice cloning. Record or export at 16 kHz or more."
        )
    if info.frames <= 0:
        raise AudioError(f"{name} contains no audio samples (the recording is empty).")
    if info.duration_s > max_duration_s:
        raise AudioError(
            f"{name} is {info.duration_s / 60:.1f} minutes long, more than the {max_duration_s / 60:.0f}-minute "
            "limit. Cut it into shorter files first."
        )


def probe_audio(path: str | Path) -> AudioInfo:
    """Read the header of a soundfile-readable file (no decoding). Raises AudioError."""
    path = Path(path)
    kind, what = _check_file(path)
    try:
        raw = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError) as e:
        raise _unreadable_error(path, kind, what, str(e)) from e
    return AudioInfo(sample_rate=int(raw.samplerate), frames=int(raw.frames), channels=int(raw.channels), format=raw.format)


def _unreadable_error(path: Path, kind: str, what: str, detail: str) -> AudioError:
    if kind == "soundfile":
        return AudioError(f"{path.name} looks like {what} audio but is damaged and cannot be read ({detail}).")
    if kind == "ffmpeg" or path.suffix.lower() in {".m4a", ".aac", ".mp4", ".webm", ".wma", ".amr", ".opus", ".mkv"}:
        return AudioError(
            f"{path.name} ({what if kind == 'ffmpeg' else path.suffix}) can only be decoded with ffmpeg, which is not "
            "installed. Install ffmpeg (https://ffmpeg.org) or convert the file to wav or flac."
        )
    return AudioError(f"{path.name} is not a recognised audio file ({detail}). Use wav, flac, mp3 or ogg.")


def _read_soundfile(path: Path, name: str, max_duration_s: float, min_sample_rate_hz: int) -> tuple[np.ndarray, int]:
    info = probe_audio(path)
    _check_header(name, info, max_duration_s, min_sample_rate_hz)
    try:
        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as e:
        raise AudioError(f"{name} is damaged: its samples could not be decoded ({e}).") from e
    return data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0], int(sr)


def _read_ffmpeg(path: Path, ffmpeg: str, max_duration_s: float, min_sample_rate_hz: int) -> tuple[np.ndarray, int]:
    """Decode with ffmpeg into a temporary float WAV, stopping just past the duration limit."""
    with tempfile.TemporaryDirectory(prefix="gpt_sovits_decode_") as tmp:
        out = Path(tmp) / "decoded.wav"
        argv = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-i", str(path),
                "-t", f"{max_duration_s + 1:.3f}", "-vn", "-c:a", "pcm_f32le", "-f", "wav", str(out)]  # fmt: skip
        try:
            proc = subprocess.run(argv, capture_output=True, timeout=FFMPEG_TIMEOUT_S, check=False)  # noqa: S603
        except subprocess.TimeoutExpired as e:
            raise AudioError(f"ffmpeg took more than {FFMPEG_TIMEOUT_S} s to decode {path.name}.") from e
        if proc.returncode != 0 or not out.exists():
            detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            raise AudioError(f"ffmpeg could not decode {path.name} either: {detail[0]}")
        return _read_soundfile(out, path.name, max_duration_s, min_sample_rate_hz)


def load_audio(
    path: str | Path,
    target_sr: int | None = None,
    *,
    max_duration_s: float = MAX_DURATION_S,
    min_sample_rate_hz: int = MIN_SAMPLE_RATE_HZ,
    min_peak: float = SILENT_PEAK,
) -> tuple[np.ndarray, int]:
    """Load any audio file as (mono float32 [n_samples], sample_rate), resampled to ``target_sr`` if given.

    The duration limit is checked from the header before the samples are decoded. Raises AudioError
    for missing, empty, non-audio, damaged, silent (peak < ``min_peak``; pass 0 to allow silence), too
    long or too low-rate (< ``min_sample_rate_hz``) input.
    """
    path = Path(path)
    try:
        audio, sr = _read_soundfile(path, path.name, max_duration_s, min_sample_rate_hz)
    except AudioError as sf_error:
        ffmpeg = shutil.which("ffmpeg")
        cause = sf_error.__cause__
        if ffmpeg is None or not isinstance(cause, (sf.LibsndfileError, RuntimeError)):
            raise
        logger.info("soundfile cannot read %s (%s); decoding with ffmpeg", path.name, cause)
        try:
            audio, sr = _read_ffmpeg(path, ffmpeg, max_duration_s, min_sample_rate_hz)
        except AudioError as ff_error:
            raise AudioError(f"{sf_error} {ff_error}") from ff_error
    if not np.all(np.isfinite(audio)):
        raise AudioError(f"{path.name} contains invalid samples (NaN or infinity); re-export it as 16-bit WAV.")
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if audio.size == 0:
        raise AudioError(f"{path.name} contains no audio samples (the recording is empty).")
    if peak < min_peak:
        raise AudioError(
            f"{path.name} is silent (loudest sample {20 * np.log10(max(peak, 1e-12)):.0f} dBFS). "
            "Check that the microphone was on and the right input was selected."
        )
    if target_sr is not None and target_sr != sr:
        audio = resample(audio, sr, target_sr)
        sr = target_sr
    return audio, sr


def save_wav(path: str | Path, audio: np.ndarray, sr: int, subtype: str = "PCM_16") -> None:
    """Write [n] or [n, channels] float audio in [-1, 1] as WAV, atomically (16-bit PCM by default).

    Samples beyond ±1 are clipped (with a warning) rather than wrapped around.
    """
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim not in (1, 2) or audio.size == 0:
        raise AudioError(f"Cannot save audio of shape {audio.shape}: expected a non-empty [n] or [n, channels] array.")
    if not np.all(np.isfinite(audio)):
        raise AudioError("Cannot save audio that contains NaN or infinite samples.")
    if sr <= 0:
        raise AudioError(f"Cannot save audio with a sample rate of {sr} Hz.")
    if subtype.startswith("PCM") and np.max(np.abs(audio)) > 1.0:
        logger.warning("Clipping %d samples beyond full scale while saving %s", int(np.sum(np.abs(audio) > 1)), path)
        audio = np.clip(audio, -1.0, 1.0)
    buffer = io.BytesIO()
    sf.write(buffer, audio, sr, subtype=subtype, format="WAV")
    write_bytes_atomic(Path(path), buffer.getvalue())
