"""Workspace voices for a book: the reference clip, its text and the models a voice.json names.

Resolved as the HTTP API's ``voice=`` does: the reference and models stored in the voice's
voice.json (paths relative to the voice folder, or inside the workspace or pretrained folder);
a voice without models of its own speaks with the pretrained v2 models. Each voice also has an
identity (what decides its sound) that goes into every take's content key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from gpt_sovits import pretrained
from gpt_sovits.data.workspace import Workspace
from gpt_sovits.errors import ModelNotFoundError, StudioError, UnsafePathError
from gpt_sovits.fileio import resolve_inside
from gpt_sovits.text.language import LANGUAGES

IDENTITY_HEAD_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class ResolvedVoice:
    """Everything a render needs to speak with one voice."""

    name: str
    ref_audio: Path
    ref_text: str
    ref_language: str
    gpt_path: Path
    sovits_path: Path

    @property
    def models(self) -> tuple[Path, Path]:
        return self.gpt_path, self.sovits_path

    def identity(self, pretrained_dir: Path) -> dict:
        """What decides this voice's sound, for the content keys of its takes."""
        feature_files = sorted(p for d in (pretrained.hubert_dir(pretrained_dir), pretrained.bert_dir(pretrained_dir))
                               for p in d.glob("*") if p.is_file())
        return {"reference": file_identity(self.ref_audio, whole=True), "ref_text": self.ref_text,
                "ref_language": self.ref_language, "gpt": file_identity(self.gpt_path),
                "sovits": file_identity(self.sovits_path),
                "features": [file_identity(p) for p in feature_files]}


_IDENTITIES: dict[tuple, str] = {}


def file_identity(path: Path, whole: bool = False) -> str:
    """``name:size:sha256`` of a file's first 4 MB (all of it with ``whole``); remembered per mtime."""
    path = Path(path)
    stat = path.stat()
    memo = (str(path), stat.st_size, stat.st_mtime_ns, whole)
    if memo not in _IDENTITIES:
        h = hashlib.sha256()
        with path.open("rb") as f:
            h.update(f.read() if whole else f.read(IDENTITY_HEAD_BYTES))
        _IDENTITIES[memo] = f"{path.name}:{stat.st_size}:{h.hexdigest()[:24]}"
    return _IDENTITIES[memo]


def resolve_voice(workspace_dir: Path, pretrained_dir: Path, name: str) -> ResolvedVoice:
    """The voice ``name`` of the workspace, ready to render (StudioError saying what is missing)."""
    if not name:
        raise StudioError("No voice is chosen for this book: set the narrator voice first.")
    workspace = Workspace(Path(workspace_dir))
    try:
        voice = workspace.voice(name)
    except StudioError as e:
        choices = ", ".join(workspace.list_voices()) or "none yet"
        raise StudioError(f"The voice {name!r} does not exist in the workspace (voices: {choices}).") from e
    voice.require_consent("narrating a book with")
    meta = voice.read_meta()
    ref = meta.get("reference") or {}
    if not ref.get("audio"):
        raise StudioError(f"Voice {name!r} has no reference clip yet; choose one on the Synthesize tab first.")
    roots = [voice.root, Path(workspace_dir), Path(pretrained_dir)]
    ref_audio = _inside(str(ref["audio"]), roots, f"the reference clip of voice {name!r}")
    models = meta.get("models") or {}
    gpt = _model(models.get("gpt"), roots, pretrained_dir, pretrained.ROLE_GPT, name)
    sovits = _model(models.get("sovits"), roots, pretrained_dir, pretrained.ROLE_SOVITS, name)
    language = str(ref.get("language") or "auto")
    return ResolvedVoice(name, ref_audio, str(ref.get("text") or ""),
                         language if language in LANGUAGES else "auto", gpt, sovits)


def _model(raw, roots: list[Path], pretrained_dir: Path, role: str, voice: str) -> Path:
    if raw:
        return _inside(str(raw), roots, f"the {role.split()[0]} model of voice {voice!r}")
    from gpt_sovits.pretrained import asset_file

    return asset_file(Path(pretrained_dir), "v2", role)


def _inside(raw: str, roots: list[Path], what: str) -> Path:
    for root in roots:
        try:
            path = resolve_inside(raw, [root])
        except UnsafePathError:
            continue
        if path.is_file():
            return path
    raise ModelNotFoundError(f"{what[0].upper()}{what[1:]} ({raw}) is missing or outside the workspace; choose it "
                             "again in the studio.")
