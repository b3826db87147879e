"""Writing mastered audio to delivery files: WAV, FLAC, MP3 (192 kbps CBR) and a chaptered M4B.

Encoding goes through PyAV (FFmpeg's libraries, bundled with the package: no program is started), with
FFmpeg's bit-exact mode so the same audio always gives the same bytes; tags and the cover are written with
mutagen. Every file is written under a temporary name in its folder and renamed when complete
(:func:`gpt_sovits.fileio.atomic_output`), so an interrupted export never leaves half a file under the final name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from gpt_sovits.errors import AudioError
from gpt_sovits.fileio import atomic_output

logger = logging.getLogger(__name__)

MP3_BIT_RATE = 192_000
M4B_BIT_RATE = 96_000
FRAME_SAMPLES = 1 << 14  # samples handed to the encoder at a time
_BITEXACT = {"fflags": "+bitexact"}


@dataclass(frozen=True)
class Tags:
    """What the player shows: ``title`` of this file, ``album`` (the book), author, narrator, track n of total."""

    title: str
    album: str
    author: str = ""
    narrator: str = ""
    language: str = ""
    track: int = 0
    total_tracks: int = 0
    cover: bytes | None = None


@dataclass(frozen=True)
class ChapterMark:
    """A chapter of the M4B: its title and first and last sample (exclusive) at the file's sample rate."""

    title: str
    start: int
    end: int


def cover_kind(data: bytes) -> str:
    """"jpeg" or "png" from the image's first bytes; anything else is refused with a clear message."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    raise AudioError("The cover must be a JPEG or PNG image.")


def _pcm16(audio: np.ndarray) -> np.ndarray:
    return np.round(np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16)


def write_pcm(path: Path, audio: np.ndarray, sample_rate: int, kind: str) -> None:
    """Write ``audio`` [n] as 16-bit WAV or FLAC (``kind`` "wav" / "flac") atomically."""
    import soundfile as sf

    with atomic_output(path) as tmp:
        sf.write(tmp, _pcm16(audio), sample_rate, subtype="PCM_16", format=kind.upper())


class _Encoder:
    """One PyAV output: a mono stream of ``codec`` at ``bit_rate``, fed float32 blocks."""

    def __init__(self, path: Path, container_format: str, codec: str, sample_rate: int, bit_rate: int,
                 options: dict[str, str] | None = None):
        import av

        self.sample_rate = sample_rate
        self.samples = 0
        self.container = av.open(str(path), "w", format=container_format, options={**_BITEXACT, **(options or {})})
        self.stream = self.container.add_stream(codec, rate=sample_rate, layout="mono")
        self.stream.bit_rate = bit_rate
        from av.codec.context import Flags

        self.stream.codec_context.flags |= Flags.bitexact

    def add(self, audio: np.ndarray) -> None:
        import av

        audio = np.ascontiguousarray(audio, dtype=np.float32)
        for start in range(0, audio.size, FRAME_SAMPLES):
            block = audio[start : start + FRAME_SAMPLES]
            frame = av.AudioFrame.from_ndarray(block[None, :], format="flt", layout="mono")
            frame.sample_rate = self.sample_rate
            frame.pts = self.samples
            self.samples += block.size
            _mux(self.container, self.stream.encode(frame))

    def close(self, chapters: Sequence[ChapterMark] = ()) -> None:
        _mux(self.container, self.stream.encode(None))
        if chapters:  # the MP4 muxer writes chapters with the index, at the end
            base = Fraction(1, self.sample_rate)
            self.container.set_chapters([
                {"id": i + 1, "start": c.start, "end": c.end, "time_base": base, "metadata": {"title": c.title}}
                for i, c in enumerate(chapters)
            ])
        self.container.close()

    def abort(self) -> None:
        try:
            self.container.close()
        except Exception:  # noqa: BLE001 - closing a broken encoder must not hide the error that broke it
            logger.debug("closing an aborted encoder failed", exc_info=True)


def _mux(container, packets) -> None:
    for packet in packets:
        container.mux(packet)


def _encode(path: Path, fmt: str, codec: str, audio: np.ndarray, sample_rate: int, bit_rate: int) -> None:
    encoder = _Encoder(path, fmt, codec, sample_rate, bit_rate)
    try:
        encoder.add(audio)
    except BaseException:
        encoder.abort()
        raise
    encoder.close()


def write_mp3(path: Path, audio: np.ndarray, sample_rate: int, tags: Tags) -> None:
    """Write ``audio`` [n] as a constant 192 kbps MP3 with ID3 tags, atomically."""
    with atomic_output(path) as tmp:
        _encode(tmp, "mp3", "libmp3lame", audio, sample_rate, MP3_BIT_RATE)
        _tag_mp3(tmp, tags)


def _tag_mp3(path: Path, tags: Tags) -> None:
    from mutagen.id3 import APIC, ID3, TALB, TCOM, TIT2, TLAN, TPE1, TRCK

    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TALB(encoding=3, text=tags.album))
    if tags.author:
        id3.add(TPE1(encoding=3, text=tags.author))
    if tags.narrator:
        id3.add(TCOM(encoding=3, text=tags.narrator))
    if tags.language:
        id3.add(TLAN(encoding=3, text=tags.language))
    if tags.track:
        id3.add(TRCK(encoding=3, text=f"{tags.track}/{tags.total_tracks}"))
    if tags.cover:
        mime = f"image/{cover_kind(tags.cover)}"
        id3.add(APIC(encoding=3, mime=mime, type=3, desc="Cover", data=tags.cover))
    id3.save(path, v2_version=3, padding=lambda info: 0)


def write_m4b(
    path: Path, chapters: Iterable[tuple[str, np.ndarray]], sample_rate: int, tags: Tags, bit_rate: int = M4B_BIT_RATE
) -> list[ChapterMark]:
    """Write the whole book as one AAC file with a chapter mark at the first sample of each chapter.

    ``chapters`` yields (title, audio [n]) one at a time, so a long book is never in memory at once. The file
    appears under ``path`` only when every chapter, the marks and the tags are written. Returns the marks.
    """
    marks: list[ChapterMark] = []
    with atomic_output(path) as tmp:
        # The movie's time scale in samples, so that chapter marks are sample-exact rather than milliseconds.
        encoder = _Encoder(tmp, "ipod", "aac", sample_rate, bit_rate, {"movie_timescale": str(sample_rate)})
        try:
            for title, audio in chapters:
                start = encoder.samples
                encoder.add(audio)
                marks.append(ChapterMark(title, start, encoder.samples))
        except BaseException:
            encoder.abort()
            raise
        encoder.close(marks)
        _tag_m4b(tmp, tags)
    return marks


def _tag_m4b(path: Path, tags: Tags) -> None:
    from mutagen.mp4 import MP4, MP4Cover

    mp4 = MP4(path)
    mp4.delete()
    mp4.tags = None
    mp4.add_tags()
    values = {"©nam": tags.title, "©alb": tags.album, "©ART": tags.author, "aART": tags.author,
              "©wrt": tags.narrator, "©nrt": tags.narrator, "©gen": "Audiobook"}
    for key, value in values.items():
        if value:
            mp4.tags[key] = [value]
    mp4.tags["stik"] = [2]  # media kind: audiobook
    if tags.cover:
        kind = MP4Cover.FORMAT_JPEG if cover_kind(tags.cover) == "jpeg" else MP4Cover.FORMAT_PNG
        mp4.tags["covr"] = [MP4Cover(tags.cover, imageformat=kind)]
    mp4.save()
