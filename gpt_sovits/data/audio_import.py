"""Bring the user's recordings into a voice: copy, check, clean, slice, and list the clips.

The originals are copied into ``recordings/`` (under a short name) and never moved or changed. A
file whose bytes are already one of the voice's recordings is not copied again: its clips are made
anew in place (texts of clips that come out the same are kept). A file that cannot be used gets its
own error in the report and leaves the workspace as it was; the other files go on.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gpt_sovits.audio.quality import QualityReport
from gpt_sovits.audio.slicer import LONGEST_CLIP_S
from gpt_sovits.config import MODEL_SAMPLE_RATE_HZ as CLIP_SAMPLE_RATE_HZ
from gpt_sovits.data.clips import clips_of, short_stem
from gpt_sovits.data.events import EventCallback, emit
from gpt_sovits.data.manifest import LANGUAGE_CODES, ManifestEntry
from gpt_sovits.data.transcripts import read_transcripts, write_transcripts
from gpt_sovits.data.workspace import Voice
from gpt_sovits.errors import ConfigError, StudioError
from gpt_sovits.fileio import file_sha256

logger = logging.getLogger(__name__)

LOUDNESS_TARGET_DBFS = -20.0
PREVIEW_MAX_S = 30.0
NOISE_MARGIN_DB = 6.0  # the silence threshold stays this far above the measured noise floor
MAX_THRESHOLD_DBFS = -20.0  # ... but below the level of normalised speech


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
    resliced: bool = False  # the file was already one of the voice's recordings: its clips were made anew
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


@dataclass(frozen=True)
class CleanResult:
    """A recording after cleaning: the 32 kHz audio, its clips, the slicer settings used, and notes."""

    audio: np.ndarray = field(repr=False)
    slices: object  # audio.slicer.SliceResult
    slicer: object  # audio.slicer.SlicerSettings, with the silence threshold actually used
    warnings: tuple[str, ...] = ()

    @property
    def cuts_s(self) -> list[float]:
        return [c.start_s for c in self.slices.clips]


def _same_recording(voice: Voice, source: Path) -> Path | None:
    """The recording of ``voice`` with exactly the bytes of ``source``, if there is one."""
    folder = voice.path("recordings")
    if not folder.is_dir():
        return None
    if folder.resolve() in source.resolve().parents:
        return source.resolve()
    size, digest = source.stat().st_size, None
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith(".") and path.stat().st_size == size:
            digest = digest or file_sha256(source)
            if file_sha256(path) == digest:
                return path
    return None


def _copy_into(source: Path, folder: Path) -> Path:
    """Copy ``source`` into ``folder`` under a short free name, through a temporary file (never half a file)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, suffix = short_stem(source.name), "".join(c for c in source.suffix[:8] if c.isalnum() or c == ".")
    target, n = folder / f"{stem}{suffix}", 2
    while target.exists():
        target, n = folder / f"{stem}_{n}{suffix}", n + 1
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


def _threshold_above_noise(audio: np.ndarray, settings):
    """``settings`` with the silence threshold raised above the measured noise floor when the noise would
    otherwise count as sound (long pauses would then stay inside clips)."""
    from gpt_sovits.audio.quality import estimate_snr_db

    _, noise_dbfs = estimate_snr_db(audio, CLIP_SAMPLE_RATE_HZ)
    wanted = min(noise_dbfs + NOISE_MARGIN_DB, MAX_THRESHOLD_DBFS)
    if settings.threshold_db >= wanted:
        return settings
    logger.info("Silence threshold raised from %.0f to %.0f dBFS (noise floor %.0f dBFS)",
                settings.threshold_db, wanted, noise_dbfs)  # fmt: skip
    return dataclasses.replace(settings, threshold_db=round(wanted, 1))


def clean_and_slice(audio: np.ndarray, denoise_strength: float | None = None, slice_: bool = True,
                    slicer=None) -> CleanResult:
    """Clean 32 kHz mono ``audio`` (noise reduction when a strength is given, even loudness) and cut it at
    its pauses, with a silence threshold kept above the noise floor. The Clean & slice preview and the
    import both call this, so the preview shows exactly the clips an import makes."""
    from gpt_sovits.audio.slicer import Clip, SliceResult, SlicerSettings, slice_audio

    settings = slicer or SlicerSettings()
    cleaned = _clean(audio, denoise_strength)
    if not slice_:
        whole = Clip(audio=cleaned, start=0, end=cleaned.size, sample_rate=CLIP_SAMPLE_RATE_HZ)
        warnings = []
        if whole.duration_s > LONGEST_CLIP_S:
            warnings.append(f"kept whole at {whole.duration_s:.1f} s, longer than the {LONGEST_CLIP_S:g} s training "
                            "accepts: training will leave it out; slice it instead")  # fmt: skip
        elif whole.duration_s > settings.max_clip_s:
            warnings.append(f"kept whole at {whole.duration_s:.1f} s, longer than the {settings.max_clip_s:.0f} s "
                            "clips training handles best; consider slicing it")  # fmt: skip
        return CleanResult(cleaned, SliceResult(clips=[whole], dropped=[], resplit=0), settings, tuple(warnings))
    settings = _threshold_above_noise(cleaned, settings)
    return CleanResult(cleaned, slice_audio(cleaned, CLIP_SAMPLE_RATE_HZ, settings), settings)


def preview_clean(path: Path, denoise_strength: float | None, slicer=None,
                  max_s: float = PREVIEW_MAX_S) -> tuple[np.ndarray, CleanResult]:
    """(the original, cleaned and sliced) first ``max_s`` seconds of ``path`` at 32 kHz."""
    from gpt_sovits.audio.io import load_audio

    audio, _ = load_audio(path, CLIP_SAMPLE_RATE_HZ)
    before = audio[: int(max_s * CLIP_SAMPLE_RATE_HZ)]
    return before, clean_and_slice(before, denoise_strength, True, slicer)


def assess_recording(path: Path) -> tuple[QualityReport, np.ndarray]:
    """(quality report at the file's own sample rate and channel count, the audio at 32 kHz) of one file."""
    from gpt_sovits.audio.io import load_audio, probe_audio
    from gpt_sovits.audio.processing import resample
    from gpt_sovits.audio.quality import assess_quality
    from gpt_sovits.errors import AudioError

    audio, sr = load_audio(path)
    try:
        channels = probe_audio(path).channels
    except AudioError:  # read through ffmpeg: the mono mix is all we know
        channels = 1
    quality = assess_quality(audio, sr, channels)
    return quality, resample(audio, sr, CLIP_SAMPLE_RATE_HZ)


def _quality_warnings(quality: QualityReport, denoise_strength: float | None) -> list[str]:
    """The quality report's warnings, minus the advice to turn on noise reduction when it is on."""
    if not denoise_strength:
        return list(quality.warnings)
    return [w for w in quality.warnings if "noise reduction" not in w]


def _import_one(voice: Voice, source: Path, denoise_strength: float | None, slice_: bool,
                slicer=None) -> tuple[FileReport, dict[str, ManifestEntry]]:
    """Clean and slice one file into clips; a file already among the recordings is sliced again in place.
    Returns the report and the transcript rows of the clips it replaced."""
    from gpt_sovits.audio.slicer import write_clips

    # Decode the original first: a file that cannot be used never enters the workspace.
    quality, audio = assess_recording(source)
    result = clean_and_slice(audio, denoise_strength, slice_, slicer)
    warnings = _quality_warnings(quality, denoise_strength) + list(result.warnings)
    if not result.slices.clips:
        raise StudioError(f"{source.name}: no clip of speech long enough was found "
                          f"({len(result.slices.dropped)} piece(s) too short); record longer sentences.")  # fmt: skip
    existing = _same_recording(voice, source)
    replaced: dict[str, ManifestEntry] = {}
    if existing is not None:
        old = set(clips_of(voice, existing.name))
        replaced = {e.name: e for e in read_transcripts(voice) if e.name in old}
        for name in old:
            voice.path("clips", name).unlink(missing_ok=True)
    recording = existing or _copy_into(source, voice.path("recordings"))
    clips = write_clips(result.slices, voice.path("clips"), recording.stem)
    dropped = tuple(DroppedClip(c.start_s, c.end_s) for c in result.slices.dropped)
    report = FileReport(source, recording, quality, tuple(clips), dropped, tuple(warnings), existing is not None)
    return report, replaced


def _update_transcripts(voice: Voice, clips: tuple[Path, ...], replaced: dict[str, ManifestEntry],
                        language: str) -> None:
    """Rows for new clips (texts of same-named old clips kept); rows of replaced clips that are gone removed."""
    names = {c.name for c in clips}
    entries = [e for e in read_transcripts(voice) if e.name not in replaced or e.name in names]
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
            file_report, replaced = _import_one(voice, source, denoise_strength, slice, slicer)
            _update_transcripts(voice, file_report.clips, replaced, language)
        except StudioError as e:
            logger.warning("Could not use %s: %s", source.name, e)
            file_report = FileReport(source, error=str(e))
        report.files.append(file_report)
        message = file_report.error or f"{len(file_report.clips)} clip(s)"
        voice.log("reslice-audio" if file_report.resliced else "import-audio", source=source.name,
                  clips=len(file_report.clips), error=file_report.error)
        emit(on_event, "import", done, total, source.name, message)
    return report
