"""Turning synthesized float audio into the bytes an HTTP client asked for.

wav, flac, mp3 and ogg (Vorbis or Opus) are written by libsndfile through soundfile; aac is piped
through ffmpeg (argument list, no shell) and only when ffmpeg is on PATH; raw/pcm are bare
little-endian int16 samples. Every encoder takes mono float32 [n] in [-1, 1].
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import threading

import numpy as np

from gpt_sovits.errors import StudioError
from gpt_sovits.inference.request import to_int16

FFMPEG_TIMEOUT_S = 120
OPUS_RATE_HZ = 48000  # Opus only runs at 8/12/16/24/48 kHz
OPENAI_PCM_RATE_HZ = 24000  # OpenAI documents its raw "pcm" output as 24 kHz int16
VORBIS_STACK_BYTES = 16 * 1024 * 1024  # libvorbis needs a deep stack on long inputs

CONTENT_TYPES = {
    "wav": "audio/wav",
    "raw": "audio/raw",
    "pcm": "audio/pcm",
    "ogg": "audio/ogg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
}


class EncodingError(StudioError):
    """The requested output format cannot be produced here."""


def encode_audio(audio: np.ndarray, sample_rate: int, media_type: str) -> bytes:
    """Encode mono float32 audio [n] as a complete file (or raw int16 bytes for raw/pcm)."""
    if media_type in ("raw", "pcm"):
        return to_int16(audio).astype("<i2").tobytes()
    if media_type == "wav":
        return _soundfile_bytes(audio, sample_rate, "WAV", "PCM_16")
    if media_type == "flac":
        return _soundfile_bytes(audio, sample_rate, "FLAC", "PCM_16")
    if media_type == "mp3":
        return _soundfile_bytes(audio, sample_rate, "MP3", "MPEG_LAYER_III")
    if media_type == "ogg":
        return _in_big_stack(lambda: _soundfile_bytes(audio, sample_rate, "OGG", "VORBIS"))
    if media_type == "opus":
        from gpt_sovits.audio.processing import resample

        return _soundfile_bytes(resample(audio, sample_rate, OPUS_RATE_HZ), OPUS_RATE_HZ, "OGG", "OPUS")
    if media_type == "aac":
        return _ffmpeg_aac(audio, sample_rate)
    raise EncodingError(f"Unknown output format {media_type!r}; choose one of {', '.join(CONTENT_TYPES)}.")


def check_media_type(media_type: str, allowed: tuple[str, ...]) -> str:
    """Return ``media_type`` if it is allowed and can be produced here, else raise EncodingError."""
    if media_type not in allowed:
        raise EncodingError(f"media_type {media_type!r} is not supported; choose one of {', '.join(allowed)}.")
    if media_type == "aac" and shutil.which("ffmpeg") is None:
        raise EncodingError("aac output needs ffmpeg, which is not installed on this server; ask for wav or ogg.")
    return media_type


def wav_stream_header(sample_rate: int, channels: int = 1) -> bytes:
    """A 44-byte PCM-16 WAV header whose data length is 0, sent before streamed raw samples (as upstream)."""
    byte_rate = sample_rate * channels * 2
    return (
        b"RIFF" + struct.pack("<I", 36) + b"WAVE"
        + b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, sample_rate, byte_rate, channels * 2, 16)
        + b"data" + struct.pack("<I", 0)
    )


def _soundfile_bytes(audio: np.ndarray, sample_rate: int, fmt: str, subtype: str) -> bytes:
    import soundfile as sf

    buffer = io.BytesIO()
    data = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
    try:
        sf.write(buffer, data, sample_rate, format=fmt, subtype=subtype)
    except (sf.LibsndfileError, RuntimeError, ValueError) as e:
        raise EncodingError(f"Could not encode the audio as {fmt}/{subtype}: {e}") from e
    return buffer.getvalue()


def _in_big_stack(work):
    """Run ``work()`` in a thread with a large stack (libvorbis recurses deeply) and return its result."""
    result: dict = {}

    def run() -> None:
        try:
            result["value"] = work()
        except Exception as e:  # handed back to the caller's thread below
            result["error"] = e

    old = threading.stack_size(VORBIS_STACK_BYTES)
    try:
        thread = threading.Thread(target=run, name="ogg-encoder")
        thread.start()
    finally:
        threading.stack_size(old)
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def _ffmpeg_aac(audio: np.ndarray, sample_rate: int) -> bytes:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise EncodingError("aac output needs ffmpeg, which is not installed on this server; ask for wav or ogg.")
    argv = [ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", str(sample_rate), "-ac", "1",
            "-i", "pipe:0", "-c:a", "aac", "-b:a", "192k", "-vn", "-f", "adts", "pipe:1"]
    raw = to_int16(audio).astype("<i2").tobytes()
    try:
        proc = subprocess.run(argv, input=raw, capture_output=True, timeout=FFMPEG_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as e:
        raise EncodingError(f"ffmpeg took longer than {FFMPEG_TIMEOUT_S} s to encode aac.") from e
    if proc.returncode != 0 or not proc.stdout:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise EncodingError(f"ffmpeg could not encode aac: {detail[0]}")
    return proc.stdout
