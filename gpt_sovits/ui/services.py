"""What the UI needs from the rest of the studio, handed to build_app() as one object.

Each method calls the engine (data/, audio/, inference/, training/, pretrained) and returns plain
values the tabs put into widgets. A few small steps the engine does not offer yet (deleting one
clip, checking transcript rows for likely mistakes) live here, marked as such.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gpt_sovits import pretrained
from gpt_sovits.compute import compute_thread
from gpt_sovits.config import StudioSettings
from gpt_sovits.data.workspace import Voice, Workspace
from gpt_sovits.errors import StudioError

logger = logging.getLogger(__name__)

PREVIEW_SAMPLE_RATE_HZ = 32000
PREVIEW_MAX_S = 30.0
# Speaking rates outside these bounds usually mean the text does not belong to the clip.
MAX_CHARS_PER_S = {"zh": 9.0, "en": 25.0}
MIN_CHARS_PER_S = {"zh": 0.8, "en": 2.0}


@dataclass(frozen=True)
class ClipInfo:
    """One clip of a voice with its transcript row."""

    name: str
    path: Path
    duration_s: float
    language: str
    text: str


@dataclass
class StudioServices:
    """Engine-facing operations the tabs call; tests can pass their own settings."""

    settings: StudioSettings
    settings_path: Path | None = None
    _synthesis: object = field(default=None, init=False, repr=False)
    _jobs: dict = field(default_factory=dict, init=False, repr=False)  # voice name -> running TrainingJob

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.settings.workspace_dir)

    @property
    def synthesis(self):
        """The synthesis service (one cached Synthesizer), made on first use."""
        if self._synthesis is None:
            from gpt_sovits.ui.synthesis import SynthesisService

            self._synthesis = SynthesisService(self)
        return self._synthesis

    # ----- models ------------------------------------------------------------------------------
    def model_status_rows(self, version: str) -> list[list[str]]:
        """One row per asset: path, role, state, detail."""
        return [
            [s.asset.path, s.asset.role, s.state.value, s.detail]
            for s in pretrained.version_status(version, self.settings.pretrained_dir)
        ]

    def download_models(
        self, version: str, mirror: str, progress: Callable[[str, int, int | None], None] | None = None
    ) -> pretrained.DownloadReport:
        """Fetch the missing official files of ``version``."""
        return pretrained.download_version(version, self.settings.pretrained_dir, mirror=mirror, progress=progress)

    # ----- settings ----------------------------------------------------------------------------
    def save_settings(self, **changes) -> StudioSettings:
        """Validate and store changed settings (language, precision and take checks apply at once, folders at
        the next start)."""
        from gpt_sovits.config import save_settings

        values = {k: (Path(v).expanduser().resolve() if k.endswith("_dir") else v) for k, v in changes.items()}
        updated = dataclasses.replace(self.settings, **values).validate()
        if self.settings_path is not None:
            save_settings(updated, self.settings_path)
        self.settings = dataclasses.replace(self.settings, ui_language=updated.ui_language,
                                            precision=updated.precision, qc=updated.qc)
        return updated

    # ----- voices ------------------------------------------------------------------------------
    def voice_names(self) -> list[str]:
        return self.workspace.list_voices()

    def voice(self, name: str | None) -> Voice:
        """The chosen voice; a readable error when none is chosen."""
        if not name:
            raise StudioError("Choose a voice at the top of the page, or create one on the Voice data tab.")
        return self.workspace.voice(name)

    def create_voice(self, name: str) -> str:
        self.settings.workspace_dir.mkdir(parents=True, exist_ok=True)
        return self.workspace.create_voice(name).name

    def rename_voice(self, old: str, new: str) -> str:
        self.voice(old)
        return self.workspace.rename_voice(old, new).name

    def delete_voice(self, name: str) -> None:
        self.voice(name)
        self.workspace.delete_voice(name)

    def set_consent(self, name: str, given: bool) -> None:
        self.voice(name).give_consent(given)

    def log_rows(self, name: str | None) -> list[list[str]]:
        """The voice's activity log, newest first: time, action, details."""
        if not name:
            return []
        rows = []
        for entry in reversed(self.voice(name).read_log()):
            details = ", ".join(f"{k}={v}" for k, v in entry.items() if k not in ("time", "action") and v is not None)
            rows.append([entry.get("time", ""), entry.get("action", ""), details])
        return rows

    def recordings(self, name: str | None) -> list[str]:
        if not name:
            return []
        folder = self.voice(name).path("recordings")
        return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))

    # ----- audio -------------------------------------------------------------------------------
    def analyse_recording(self, path: Path):
        """(QualityReport, audio [n] at 32 kHz) of one uploaded file; AudioError when unusable."""
        from gpt_sovits.audio.io import load_audio
        from gpt_sovits.audio.quality import assess_quality

        audio, sr = load_audio(path, PREVIEW_SAMPLE_RATE_HZ)
        return assess_quality(audio, sr), audio

    def preview_cleaning(self, path: Path, denoise_strength: float, slicer) -> tuple[np.ndarray, np.ndarray, list]:
        """(before, after, cut points in s) of the first PREVIEW_MAX_S seconds of ``path`` at 32 kHz."""
        from gpt_sovits.audio.denoise import denoise
        from gpt_sovits.audio.io import load_audio
        from gpt_sovits.audio.processing import normalize_loudness
        from gpt_sovits.audio.slicer import slice_audio
        from gpt_sovits.data.audio_import import LOUDNESS_TARGET_DBFS

        audio, sr = load_audio(path, PREVIEW_SAMPLE_RATE_HZ)
        before = audio[: int(PREVIEW_MAX_S * sr)]
        after = denoise(before, sr, strength=denoise_strength) if denoise_strength > 0 else before
        after = normalize_loudness(after, sr, target_dbfs=LOUDNESS_TARGET_DBFS)
        cuts = [c.start_s for c in slice_audio(after, sr, slicer).clips]
        return before, after, cuts

    def clean_and_slice(self, name: str, files: list[Path], denoise_strength: float, language: str,
                        slicer=None, on_event=None):
        """Copy, clean and slice ``files`` into the voice's clips (data.prepare_audio); the import report."""
        from gpt_sovits.data.audio_import import prepare_audio

        voice = self.voice(name)
        if not files:
            raise StudioError("Add recordings on the Voice data tab first (upload files or record).")
        return prepare_audio(voice, files, denoise_strength or None, True, language=language, slicer=slicer,
                             on_event=on_event)

    def clips(self, name: str | None) -> list[ClipInfo]:
        """The voice's clips in transcript order (clips missing from the list are appended)."""
        import soundfile as sf

        from gpt_sovits.data.transcripts import read_transcripts

        if not name:
            return []
        voice = self.voice(name)
        folder = voice.path("clips")
        out, seen = [], set()
        for entry in read_transcripts(voice):
            path = folder / entry.name
            if path.is_file():
                out.append(ClipInfo(entry.name, path, sf.info(str(path)).duration, entry.language, entry.text))
                seen.add(entry.name)
        for path in sorted(folder.glob("*.wav")):
            if path.name not in seen:
                out.append(ClipInfo(path.name, path, sf.info(str(path)).duration, "", ""))
        return out

    def clip_path(self, name: str | None, clip: str | None) -> Path:
        if not clip:
            raise StudioError("Choose a clip first.")
        path = self.voice(name).path("clips", Path(clip).name)
        if not path.is_file():
            raise StudioError(f"The clip {clip} no longer exists; refresh the list.")
        return path

    def delete_clip(self, name: str, clip: str) -> None:
        """Remove one clip file and its transcript row (not offered by data/ yet)."""
        from gpt_sovits.data.transcripts import read_transcripts, write_transcripts

        voice = self.voice(name)
        path = self.clip_path(name, clip)
        write_transcripts(voice, [e for e in read_transcripts(voice) if e.name != path.name])
        path.unlink()
        voice.log("delete-clip", clip=path.name)

    # ----- transcripts -------------------------------------------------------------------------
    def save_transcripts(self, name: str, rows: list[list[str]]) -> list[str]:
        """Store edited (clip, language, text) rows; returns warnings for empty or suspicious rows."""
        from gpt_sovits.data.manifest import ManifestEntry, clean_field_text, normalize_language
        from gpt_sovits.data.transcripts import read_transcripts, write_transcripts

        voice = self.voice(name)
        by_name = {e.name: e for e in read_transcripts(voice)}
        durations = {c.name: c.duration_s for c in self.clips(name)}
        entries, warnings = [], []
        for clip, language, text in rows:
            old = by_name.get(str(clip))
            if old is None:
                raise StudioError(f"The clip {clip} is not in this voice's list any more; refresh the table.")
            entry = ManifestEntry(old.audio_path, old.speaker, normalize_language(str(language or "zh")),
                                  clean_field_text(str(text or "")))
            entries.append(entry)
            warnings += _row_warnings(entry, durations.get(entry.name, 0.0))
        write_transcripts(voice, entries)
        voice.log("edit-transcripts", rows=len(entries), empty=sum(not e.text for e in entries))
        return warnings

    def asr_backends(self) -> list[str]:
        from gpt_sovits.data.asr import installed_backends

        return installed_backends()

    def transcribe(self, name: str, on_event=None):
        from gpt_sovits.data.asr import transcribe_voice

        return compute_thread().call(transcribe_voice, self.voice(name), None,
                                     pretrained_dir=self.settings.pretrained_dir, on_event=on_event)

    # ----- fine-tuning -------------------------------------------------------------------------
    def prepare_dataset(self, name: str, version: str, on_event=None):
        from gpt_sovits.data.prepare import prepare_dataset

        voice = self.voice(name)
        voice.require_consent("training on")
        return compute_thread().call(prepare_dataset, voice, self.settings.pretrained_dir, version, on_event=on_event)

    def trained_models(self, name: str | None) -> list[list[str]]:
        """Rows (kind, file, size MB, modified) of the voice's fine-tuned models."""
        import time

        if not name:
            return []
        rows = []
        for kind in ("sovits", "gpt"):
            for path in sorted(self.voice(name).path("models", kind).glob("*")):
                if path.is_file() and path.suffix in (".pth", ".ckpt", ".safetensors"):
                    stat = path.stat()
                    rows.append([kind.upper() if kind == "gpt" else "SoVITS", path.name, f"{stat.st_size / 1e6:.1f}",
                                 time.strftime("%Y-%m-%d %H:%M", time.localtime(stat.st_mtime))])
        return rows

    # ----- training (gpt_sovits.training) --------------------------------------------------------
    def start_training(self, name: str, kind: str, epochs: int, batch_size: int, max_steps: int = 0):
        """Start a SoVITS or GPT fine-tune of ``name`` as a subprocess; one run per voice at a time."""
        from gpt_sovits.training import TrainingOptions
        from gpt_sovits.training.jobs import start_training_job

        voice = self.voice(name)
        voice.require_consent("training on")
        running = self._jobs.get(voice.name)
        if running is not None and running.poll() is None:
            raise StudioError(f"{running.kind} training of {voice.name!r} is still running; wait or cancel it.")
        options = TrainingOptions(epochs=epochs or None, batch_size=batch_size or None, max_steps=max_steps or None)
        job = start_training_job(kind, voice.name, self.settings.workspace_dir, self.settings.pretrained_dir, options)
        self._jobs[voice.name] = job
        return job

    @staticmethod
    def follow_training(job, poll_s: float = 1.0):
        """Yield the job's progress events as they are written, until the subprocess ends."""
        import time

        seen = 0
        while True:
            finished = job.poll() is not None
            events = job.events()
            yield from events[seen:]
            seen = len(events)
            if finished:
                return
            time.sleep(poll_s)

    @staticmethod
    def training_outcome(job) -> str:
        """A readable summary of a finished job: the models made, a cancel, or the error."""
        last = job.latest()
        kind = "SoVITS" if job.kind == "sovits" else "GPT"
        if last is not None and last.get("event") == "done":
            files = ", ".join(Path(f).name for f in last.get("files", []))
            return f"✅ {kind} training finished: {files}. Choose the new model on the Synthesize tab."
        if last is not None and last.get("event") == "cancelled":
            return f"⏹ {kind} training cancelled at step {last.get('step')}; its checkpoint is kept."
        if last is not None and last.get("event") == "error":
            raise StudioError(f"{kind} training stopped: {last.get('message')}")
        tail = " / ".join(job.log_text().strip().splitlines()[-3:])
        raise StudioError(f"{kind} training ended with exit code {job.poll()}. Last lines of its log: {tail}")

    def cancel_training(self, name: str) -> None:
        job = self._jobs.get(self.voice(name).name)
        if job is None or job.poll() is not None:
            raise StudioError("No training of this voice is running.")
        job.cancel()


def _row_warnings(entry, duration_s: float) -> list[str]:
    """Likely mistakes in one transcript row (our own check; data/ offers none yet)."""
    if not entry.text:
        return [f"{entry.name}: no text yet; type what is said, or delete the clip."]
    chars = len(entry.text.replace(" ", "")) if entry.language == "zh" else len(entry.text)
    rate = chars / duration_s if duration_s > 0 else 0.0
    high, low = MAX_CHARS_PER_S.get(entry.language, 25.0), MIN_CHARS_PER_S.get(entry.language, 0.8)
    if rate > high:
        return [f"{entry.name}: {chars} characters for {duration_s:.1f} s of audio is very fast; "
                "check that the text belongs to this clip."]  # fmt: skip
    if duration_s > 0 and rate < low:
        return [f"{entry.name}: only {chars} characters for {duration_s:.1f} s of audio; is part of the text missing?"]
    return []
