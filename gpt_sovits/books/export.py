"""Export a finished book: mastered chapters as WAV/FLAC/MP3, one chaptered M4B, subtitles and a report.

The export reads a small neutral description of the book (:class:`ExportChapter` of :class:`ExportLine`, and
:class:`BookMeta`), so it does not depend on how a project stores its takes. Each chapter is mastered once
(:mod:`gpt_sovits.audio.mastering`), written in every format asked for, and streamed into the M4B; then every
file is decoded again and measured for the delivery report (report.json and report.md beside the files).

Chapters longer than the target's limit (ACX: 120 minutes) are split at line boundaries or kept whole with a
warning, as :attr:`ExportOptions.long_chapters` says.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gpt_sovits.audio.mastering import (
    MASTER_SAMPLE_RATE_HZ,
    LoudnessTarget,
    MasteredAudio,
    MasteringOptions,
    loudness_target,
    master_chapter,
)
from gpt_sovits.books import containers, subtitles
from gpt_sovits.books.report import DeliveryReport, FileReport, report_file, report_m4b
from gpt_sovits.errors import AudioError, ConfigError
from gpt_sovits.fileio import write_text_atomic

logger = logging.getLogger(__name__)

FORMATS = ("m4b", "mp3", "wav", "flac")
LONG_CHAPTER_CHOICES = ("split", "warn")
ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True)
class ExportLine:
    """One rendered line: its audio file, its text (for subtitles) and the pause after it in seconds."""

    audio_path: Path
    text: str
    pause_after_s: float = 0.5


@dataclass(frozen=True)
class ExportChapter:
    title: str
    lines: tuple[ExportLine, ...]


@dataclass(frozen=True)
class BookMeta:
    title: str
    author: str = ""
    narrator: str = ""
    language: str = ""
    cover_path: Path | None = None


@dataclass(frozen=True)
class ExportOptions:
    """What to write: ``formats`` (m4b, mp3, wav, flac), the loudness ``target`` (acx, podcast, none), and what
    to do with a chapter longer than ``max_chapter_s`` (None: the target's limit): "split" or "warn"."""

    formats: tuple[str, ...] = ("m4b",)
    target: str = "acx"
    long_chapters: str = "split"
    max_chapter_s: float | None = None
    subtitles: bool = True
    mastering: MasteringOptions = field(default_factory=MasteringOptions)
    m4b_bit_rate: int = containers.M4B_BIT_RATE

    def validate(self) -> LoudnessTarget:
        problems = [f"unknown format {f!r} (choose from {', '.join(FORMATS)})" for f in self.formats if f not in FORMATS]
        if not self.formats:
            problems.append("choose at least one format")
        if self.long_chapters not in LONG_CHAPTER_CHOICES:
            problems.append(f"long chapters must be 'split' or 'warn', not {self.long_chapters!r}")
        if self.max_chapter_s is not None and self.max_chapter_s <= 0:
            problems.append("the chapter length limit must be positive")
        if problems:
            raise ConfigError(problems)
        self.mastering.validate()
        return loudness_target(self.target)

    def chapter_limit_s(self, target: LoudnessTarget) -> float | None:
        return self.max_chapter_s if self.max_chapter_s is not None else target.max_chapter_s


@dataclass(frozen=True)
class Part:
    """A chapter as exported: the whole chapter, or one piece of a split one."""

    number: int
    title: str
    lines: tuple[ExportLine, ...]


def safe_name(text: str, fallback: str = "untitled") -> str:
    """A file name from a title: no path separators, reserved or control characters, at most 80 characters."""
    name = re.sub(r'[\x00-\x1f<>:"/\\|?*]+', " ", text)
    name = re.sub(r"\s+", " ", name).strip(" .")[:80].strip(" .")
    return name or fallback


def _line_seconds(line: ExportLine) -> float:
    import soundfile as sf

    try:
        info = sf.info(str(line.audio_path))
    except (RuntimeError, OSError) as e:  # soundfile raises its LibsndfileError, a RuntimeError
        raise AudioError(f"The take of the line {line.text[:40]!r} cannot be read ({line.audio_path.name}).") from e
    return info.frames / info.samplerate


def plan_parts(chapters: Sequence[ExportChapter], limit_s: float | None, long_chapters: str,
               mastering: MasteringOptions) -> tuple[list[Part], list[str]]:
    """Number the chapters, splitting (or warning about) any longer than ``limit_s``. Returns (parts, warnings)."""
    parts: list[Part] = []
    warnings: list[str] = []
    tones = mastering.head_tone_s + mastering.tail_tone_s
    for chapter in chapters:
        if not chapter.lines:
            raise AudioError(f"The chapter {chapter.title!r} has no lines to export.")
        lengths = [_line_seconds(line) + line.pause_after_s for line in chapter.lines]
        total = tones + sum(lengths) - chapter.lines[-1].pause_after_s
        if limit_s is None or total <= limit_s:
            parts.append(Part(len(parts) + 1, chapter.title, chapter.lines))
            continue
        if long_chapters == "warn":
            warnings.append(f"Chapter {chapter.title!r} lasts {total / 60:.1f} minutes, more than the "
                            f"{limit_s / 60:g} minutes allowed; it was kept whole.")
            parts.append(Part(len(parts) + 1, chapter.title, chapter.lines))
            continue
        pieces = _split(chapter.lines, lengths, limit_s - tones)
        warnings.append(f"Chapter {chapter.title!r} lasts {total / 60:.1f} minutes, more than the "
                        f"{limit_s / 60:g} minutes allowed; it was split into {len(pieces)} parts.")
        for k, piece in enumerate(pieces, start=1):
            parts.append(Part(len(parts) + 1, f"{chapter.title} (part {k})", piece))
    return parts, warnings


def _split(lines: Sequence[ExportLine], lengths: Sequence[float], budget_s: float) -> list[tuple[ExportLine, ...]]:
    """Cut ``lines`` at line boundaries into runs that fit ``budget_s`` (a single longer line stands alone)."""
    pieces: list[tuple[ExportLine, ...]] = []
    current: list[ExportLine] = []
    used = 0.0
    for line, length in zip(lines, lengths, strict=True):
        speech = length - line.pause_after_s
        if current and used + speech > budget_s:
            pieces.append(tuple(current))
            current, used = [], 0.0
        current.append(line)
        used += length
    pieces.append(tuple(current))
    return pieces


def master_part(part: Part, target: LoudnessTarget, mastering: MasteringOptions) -> MasteredAudio:
    """Load the takes of ``part`` and master them into one chapter."""
    from gpt_sovits.audio.io import load_audio

    takes = []
    for line in part.lines:
        try:
            takes.append(load_audio(line.audio_path))
        except AudioError as e:
            raise AudioError(f"Chapter {part.title!r}, line {line.text[:40]!r}: {e}") from e
    try:
        return master_chapter(takes, [line.pause_after_s for line in part.lines], target, mastering, part.number)
    except AudioError as e:
        raise AudioError(f"Chapter {part.title!r}: {e}") from e


def _cover(meta: BookMeta) -> bytes | None:
    if meta.cover_path is None:
        return None
    try:
        data = Path(meta.cover_path).read_bytes()
    except OSError as e:
        raise AudioError(f"The cover image {Path(meta.cover_path).name} cannot be read: {e.strerror}.") from e
    containers.cover_kind(data)
    return data


@dataclass
class _Run:
    """The state of one export while it goes through the chapters."""

    parts: list[Part]
    meta: BookMeta
    out_dir: Path
    options: ExportOptions
    target: LoudnessTarget
    cover: bytes | None
    on_progress: ProgressFn
    written: list[tuple[Path, str, str]] = field(default_factory=list)  # (path, format, part title)
    extra: list[str] = field(default_factory=list)
    book_cues: list[subtitles.Cue] = field(default_factory=list)

    def tags(self, part: Part | None) -> containers.Tags:
        m = self.meta
        return containers.Tags(title=part.title if part else m.title, album=m.title, author=m.author,
                               narrator=m.narrator, language=m.language, track=part.number if part else 0,
                               total_tracks=len(self.parts), cover=self.cover)

    def chapters(self) -> Iterator[tuple[str, object]]:
        """Master each part, write its own files, and hand its audio on (to the M4B when one is made)."""
        offset_s = 0.0
        for i, part in enumerate(self.parts):
            self.on_progress(0.8 * i / len(self.parts), f"Mastering {part.title}")
            mastered = master_part(part, self.target, self.options.mastering)
            stem = f"{part.number:02d} - {safe_name(part.title)}"
            self._write_chapter_files(stem, part, mastered)
            texts = [line.text for line in part.lines]
            self._write_subtitles(stem, subtitles.cues_from_spans(texts, mastered.spans, mastered.sample_rate))
            self.book_cues += subtitles.cues_from_spans(texts, mastered.spans, mastered.sample_rate, offset_s)
            offset_s += mastered.audio.size / mastered.sample_rate
            yield part.title, mastered.audio

    def _write_chapter_files(self, stem: str, part: Part, mastered: MasteredAudio) -> None:
        for kind in ("wav", "flac", "mp3"):
            if kind not in self.options.formats:
                continue
            path = self.out_dir / f"{stem}.{kind}"
            if kind == "mp3":
                containers.write_mp3(path, mastered.audio, mastered.sample_rate, self.tags(part))
            else:
                containers.write_pcm(path, mastered.audio, mastered.sample_rate, kind)
            self.written.append((path, kind, part.title))

    def _write_subtitles(self, stem: str, cues: list[subtitles.Cue]) -> None:
        if not self.options.subtitles:
            return
        for suffix, render in ((".srt", subtitles.to_srt), (".vtt", subtitles.to_vtt)):
            write_text_atomic(self.out_dir / f"{stem}{suffix}", render(cues))
            self.extra.append(f"{stem}{suffix}")


def export_book(chapters: Sequence[ExportChapter], meta: BookMeta, out_dir: Path,
                options: ExportOptions = ExportOptions(), on_progress: ProgressFn | None = None) -> DeliveryReport:
    """Master and write the book into ``out_dir``; returns (and writes) the delivery report.

    ``on_progress(fraction, message)`` is called as the work goes on. Every file is written under a temporary
    name and renamed when complete; the same input gives the same audio every time.
    """
    target = options.validate()
    if not chapters:
        raise AudioError("The book has no chapters to export.")
    limit_s = options.chapter_limit_s(target)
    parts, warnings = plan_parts(chapters, limit_s, options.long_chapters, options.mastering)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    progress = on_progress or (lambda fraction, message: None)
    run = _Run(parts, meta, out_dir, options, target, _cover(meta), progress)
    marks: list[containers.ChapterMark] = []
    m4b_path = out_dir / f"{safe_name(meta.title, 'audiobook')}.m4b"
    if "m4b" in options.formats:
        marks = containers.write_m4b(m4b_path, run.chapters(), MASTER_SAMPLE_RATE_HZ, run.tags(None),
                                     options.m4b_bit_rate)
    else:
        for _ in run.chapters():
            pass
    if options.subtitles and "m4b" in options.formats:
        for suffix, render in ((".srt", subtitles.to_srt), (".vtt", subtitles.to_vtt)):
            write_text_atomic(m4b_path.with_suffix(suffix), render(run.book_cues))
            run.extra.append(m4b_path.with_suffix(suffix).name)
    rows = _measure(run, m4b_path if marks else None, marks, limit_s)
    report = DeliveryReport(meta.title, target.name, tuple(rows), tuple(warnings), tuple(run.extra))
    report.write(out_dir)
    progress(1.0, "Export finished: " + ("all files pass" if report.passed else "some files fail the target"))
    return report


def _measure(run: _Run, m4b_path: Path | None, marks: Sequence[containers.ChapterMark],
             limit_s: float | None) -> list[FileReport]:
    rows: list[FileReport] = []
    for i, (path, kind, part) in enumerate(run.written):
        run.on_progress(0.8 + 0.2 * i / max(1, len(run.written) + 1), f"Measuring {path.name}")
        rows.append(report_file(path, kind, part, run.target, limit_s))
    if m4b_path is not None:
        run.on_progress(0.98, f"Measuring {m4b_path.name}")
        rows += report_m4b(m4b_path, marks, run.target, limit_s)
    return rows
