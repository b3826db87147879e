"""Optional speech recognition to fill in missing transcripts.

Two backends can be used when their package *and* a local copy of their model are installed:
faster-whisper and FunASR. Nothing is installed or downloaded here; without a backend the
error says how to add one, and the user can always type the text instead.

Models are looked for in ``<pretrained>/asr/<backend>*/`` unless a folder is given.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from gpt_sovits.data.events import EventCallback, emit
from gpt_sovits.data.manifest import ManifestEntry, clean_field_text, resolve_audio_path
from gpt_sovits.data.transcripts import TRANSCRIPTS_FILE, read_transcripts, write_transcripts
from gpt_sovits.data.workspace import Voice
from gpt_sovits.errors import ModelNotFoundError, StudioError

logger = logging.getLogger(__name__)

# backend name -> (importable module, pip package, a file that marks a usable model folder)
BACKENDS = {
    "faster-whisper": ("faster_whisper", "faster-whisper", "model.bin"),
    "funasr": ("funasr", "funasr", "config.yaml"),
}
TYPE_INSTEAD = "You can also type or paste each clip's text on the Voice data tab (or edit transcripts.list)."


class AsrUnavailableError(StudioError):
    """No speech-recognition backend (or its model) is installed."""


class Transcriber(Protocol):
    """Anything that turns one audio file into text."""

    def transcribe(self, audio_path: Path, language: str | None) -> str: ...


def installed_backends() -> list[str]:
    """Names of the backends whose Python package is importable."""
    return [name for name, (module, _, _) in BACKENDS.items() if importlib.util.find_spec(module) is not None]


def _install_hint() -> str:
    choices = " or ".join(f"`pip install {pkg}`" for _, pkg, _ in BACKENDS.values())
    return f"No speech recognition is installed. Install one with {choices}, and put its model in pretrained/asr/. "


def find_model_dir(backend: str, search_root: Path) -> Path:
    """The first folder ``<search_root>/asr/<backend>*`` holding a model; ModelNotFoundError otherwise."""
    marker = BACKENDS[backend][2]
    asr_root = Path(search_root) / "asr"
    candidates = sorted(asr_root.glob(f"{backend}*")) if asr_root.is_dir() else []
    for folder in candidates:
        if (folder / marker).is_file():
            return folder
    raise ModelNotFoundError(
        f"{backend} is installed but no model was found in {asr_root}/{backend}*/ (a folder with {marker}). "
        f"Copy a model there; nothing is downloaded automatically. {TYPE_INSTEAD}"
    )


class _FasterWhisper:
    def __init__(self, model_dir: Path, device: str):
        from faster_whisper import WhisperModel

        compute = "float16" if device.startswith("cuda") else "int8"
        self.model = WhisperModel(str(model_dir), device="cuda" if device.startswith("cuda") else "cpu",
                                  compute_type=compute, local_files_only=True)  # fmt: skip

    def transcribe(self, audio_path: Path, language: str | None) -> str:
        segments, _ = self.model.transcribe(str(audio_path), language=language, beam_size=5, vad_filter=False)
        return "".join(s.text for s in segments)


class _FunAsr:
    def __init__(self, model_dir: Path, device: str):
        from funasr import AutoModel

        self.model = AutoModel(model=str(model_dir), device=device, disable_update=True, disable_pbar=True)

    def transcribe(self, audio_path: Path, language: str | None) -> str:
        result = self.model.generate(input=str(audio_path))
        return "".join(r.get("text", "") for r in result)


def load_transcriber(backend: str | None, model_dir: Path | None, search_root: Path, device: str = "cpu") -> Transcriber:
    """Open a backend by name (None: the first installed one). Raises AsrUnavailableError or ModelNotFoundError."""
    if backend is not None and backend not in BACKENDS:
        raise StudioError(f"Unknown speech recognition backend {backend!r}; choose {', '.join(BACKENDS)}.")
    available = installed_backends()
    if backend is None:
        if not available:
            raise AsrUnavailableError(_install_hint() + TYPE_INSTEAD)
        backend = available[0]
    elif backend not in available:
        raise AsrUnavailableError(
            f"{backend} is not installed: run `pip install {BACKENDS[backend][1]}` and put its model in "
            f"pretrained/asr/. {TYPE_INSTEAD}"
        )
    folder = Path(model_dir) if model_dir is not None else find_model_dir(backend, search_root)
    logger.info("Speech recognition: %s with the model in %s", backend, folder)
    return (_FasterWhisper if backend == "faster-whisper" else _FunAsr)(folder, device)


@dataclass
class TranscribeReport:
    """Clips given text now, clips that already had text, and clips that got none (with why)."""

    filled: list[str] = field(default_factory=list)
    kept: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


def transcribe_voice(
    voice: Voice,
    backend: str | Transcriber | None = None,
    language: str | None = None,
    *,
    model_dir: Path | None = None,
    pretrained_dir: Path | None = None,
    device: str = "cpu",
    on_event: EventCallback | None = None,
) -> TranscribeReport:
    """Fill every empty transcript of ``voice`` by speech recognition; existing text is never changed.

    ``backend``: a backend name, a ready Transcriber, or None for the first installed backend.
    ``language`` (zh, en, ...) is passed to the recogniser and stored on the filled rows; by default each
    row keeps its own. The list is saved after every clip, so an interrupted run keeps what it did.
    """
    from gpt_sovits.config import PROJECT_ROOT

    entries = read_transcripts(voice)
    todo = [i for i, e in enumerate(entries) if not e.text.strip()]
    report = TranscribeReport(kept=len(entries) - len(todo))
    if not todo:
        emit(on_event, "transcribe", 0, 0, None, "every clip already has text")
        return report
    if isinstance(backend, str) or backend is None:
        backend = load_transcriber(backend, model_dir, Path(pretrained_dir or PROJECT_ROOT / "pretrained"), device)
    manifest_path = voice.path(TRANSCRIPTS_FILE)
    for done, index in enumerate(todo, start=1):
        entry = entries[index]
        lang = language or entry.language
        text = clean_field_text(backend.transcribe(resolve_audio_path(entry, manifest_path), lang) or "")
        if text:
            entries[index] = ManifestEntry(entry.audio_path, entry.speaker, lang, text)
            write_transcripts(voice, entries)
            report.filled.append(entry.name)
        else:
            report.failed.append((entry.name, "no speech was recognised; type the text"))
        emit(on_event, "transcribe", done, len(todo), entry.name, text or "no speech recognised")
    voice.log("transcribe", filled=len(report.filled), failed=len(report.failed))
    return report
