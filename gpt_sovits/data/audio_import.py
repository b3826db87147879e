"""Bring the user's recordings into a voice: copy, check, clean, slice, and list the clips.

The originals are copied into ``recordings/`` and never moved or changed. A file that cannot be
used gets its own error in the report and leaves the workspace as it was; the other files go on.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gpt_sovits.audio.quality import QualityReport
from gpt_sovits.data.events import EventCallback, emit
from gpt_sovits.data.manifest import LANGUAGE_CODES, ManifestEntry
from gpt_sovits.data.transcripts import read_transcripts, write_transcripts
from gpt_sovits.data.workspace import Voice
from gpt_sovits.errors import ConfigError, StudioError

logger = logging.getLogger(__name__)

CLIP_SAMPLE_RATE_HZ = 32000
LOUDNESS_TARGET_DBFS = -20.0


@dataclass(frozen=True)
class DroppedClip:
    """A piece of speech left out because it was shorter than the slicer's minimum."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class FileReport:
    """What happened to one input file. ``error`` is set (and nothing was added) when it was unusable."""

    source: Path
    recording: Path | None = None
    quality: QualityReport | None = None
    clips: tuple[Path, ...] = ()
    dropped: tuple[DroppedClip, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class AudioImportReport:
    """One FileReport per input, in order."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def clips(self) -> list[Path]:
        return [c for f in self.files for c in f.clips]

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if not f.ok]


def _unique_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``stem_2.ext``, ``stem_3.ext``... when that name is taken."""
    candidate = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem}_{n}{suffix}"
        n += 1
    return candidate


def _copy_into(source: Path, folder: Path) -> Path:
    """Copy ``source`` into ``folder`` under a free name, through a temporary file (never half a file)."""
    folder.mkdir(parents=True, exist_ok=True)
    safe_name = "".join(c if c.isalnum() or c in "-_." else "_" for c in source.name).lstrip(".") or "recording"
    target = _unique_path(folder, safe_name)
    fd, tmp = tempfile.mkstemp(prefix=".import.", suffix=".partial", dir=folder)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _clean(audio: np.ndarray, denoise_strength: float | None) -> np.ndarray:
    from gpt_sovits.audio.denoise import denoise
    from gpt_sovits.audio.processing import normalize_loudness

    if denoise_strength:
        audio = denoise(audio, CLIP_SAMPLE_RATE_HZ, strength=denoise_strength)
    return normalize_loudness(audio, CLIP_SAMPLE_RATE_HZ, target_dbfs=LOUDNESS_TARGET_DBFS)


def _slice(audio: np.ndarray, slice_: bool, warnings: list[str], settings=None):
    from gpt_sovits.audio.slicer import Clip, SliceResult, SlicerSettings, slice_audio

    if slice_:
        return slice_audio(audio, CLIP_SAMPLE_RATE_HZ, settings)
    settings = settings or SlicerSettings()
    whole = Clip(audio=audio, start=0, end=audio.size, sample_rate=CLIP_SAMPLE_RATE_HZ)
    if whole.duration_s > settings.max_clip_s:
        warnings.append(f"kept whole at {whole.duration_s:.1f} s, longer than the {settings.max_clip_s:.0f} s "
                        "clips training handles best; consider slicing it")  # fmt: skip
    return SliceResult(clips=[whole], dropped=[], resplit=0)


def _import_one(voice: Voice, source: Path, denoise_strength: float | None, slice_: bool,
                slicer=None) -> FileReport:
    from gpt_sovits.audio.io import load_audio
    from gpt_sovits.audio.quality import assess_quality
    from gpt_sovits.audio.slicer import write_clips

    # Decode the original first: a file that cannot be used never enters the workspace.
    audio, _ = load_audio(source, CLIP_SAMPLE_RATE_HZ)
    quality = assess_quality(audio, CLIP_SAMPLE_RATE_HZ)
    warnings = list(quality.warnings)
    result = _slice(_clean(audio, denoise_strength), slice_, warnings, slicer)
    if not result.clips:
        raise StudioError(f"{source.name}: no clip of speech long enough was found "
                          f"({len(result.dropped)} piece(s) too short); record longer sentences.")  # fmt: skip
    recording = _copy_into(source, voice.path("recordings"))
    clips = write_clips(result, voice.path("clips"), recording.stem)
    dropped = tuple(DroppedClip(c.start_s, c.end_s) for c in result.dropped)
    return FileReport(source, recording, quality, tuple(clips), dropped, tuple(warnings))


def _add_to_transcripts(voice: Voice, clips: tuple[Path, ...], language: str) -> None:
    entries = read_transcripts(voice)
    listed = {e.name for e in entries}
    entries += [ManifestEntry(f"clips/{c.name}", voice.name, language, "") for c in clips if c.name not in listed]
    write_transcripts(voice, entries)


def prepare_audio(
    voice: Voice,
    files: list[str | Path],
    denoise_strength: float | None = None,
    slice: bool = True,
    *,
    language: str = "zh",
    slicer=None,
    on_event: EventCallback | None = None,
) -> AudioImportReport:
    """Copy ``files`` into ``recordings/``, clean and slice each into 32 kHz clips in ``clips/``, and add
    one transcript row per clip with empty text (``language`` as given).

    ``denoise_strength`` in (0, 1] turns on stationary noise reduction; ``slicer`` (a
    :class:`~gpt_sovits.audio.slicer.SlicerSettings`) replaces the default cut settings. Unusable files are reported
    one by one in the result (``FileReport.error``); they add nothing to the workspace.
    """
    if denoise_strength is not None and not 0.0 <= denoise_strength <= 1.0:
        raise ConfigError(f"Noise reduction strength must be between 0 and 1, got {denoise_strength}.")
    if language not in LANGUAGE_CODES:
        raise ConfigError(f"Unknown language {language!r}; use one of {', '.join(LANGUAGE_CODES)}.")
    report = AudioImportReport()
    total = len(files)
    for done, raw in enumerate(files, start=1):
        source = Path(raw)
        try:
            file_report = _import_one(voice, source, denoise_strength, slice, slicer)
            _add_to_transcripts(voice, file_report.clips, language)
        except StudioError as e:
            logger.warning("Could not use %s: %s", source.name, e)
            file_report = FileReport(source, error=str(e))
        report.files.append(file_report)
        message = file_report.error or f"{len(file_report.clips)} clip(s)"
        voice.log("import-audio", source=source.name, clips=len(file_report.clips), error=file_report.error)
        emit(on_event, "import", done, total, source.name, message)
    return report
