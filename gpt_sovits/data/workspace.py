"""The user's workspace: one folder per voice, with a fixed layout every part of the studio shares.

    workspace/<voice>/
        voice.json            name, consent, chosen reference clip and text, chosen models
        log.jsonl             what was done with this voice, one JSON object a line
        recordings/           the user's uploads and microphone takes, as given
        clips/                cleaned and sliced clips (32 kHz mono WAV)
        transcripts.list      upstream's manifest: path|speaker|lang|text
        references/           reference clips for zero-shot synthesis
        features/             dataset preparation output (phones, bert, hubert, wav32k, semantic, sv)
        models/gpt/, models/sovits/   fine-tuned weights (native and upstream formats)
        cache/references/     ReferencePrompt cache
        outputs/              synthesized audio
        pronunciations.txt    this voice's pronunciation dictionary

Voice names are restricted to letters, digits, space, '-', '_' and '.', and every path is
resolved inside the workspace, so a name can never reach another folder.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from gpt_sovits.data.voice import CONSENT_STATEMENT, Voice
from gpt_sovits.errors import ConfigError, StudioError
from gpt_sovits.fileio import resolve_inside

VOICE_NAME_RE = re.compile(r"^[\w][\w .\-]{0,63}$", re.UNICODE)
SUBFOLDERS = ("recordings", "clips", "references", "features", "models/gpt", "models/sovits",
              "cache/references", "outputs")
# Folders of the workspace that are not voices (audiobook projects live in workspace/books).
RESERVED_NAMES = ("books",)
__all__ = ["CONSENT_STATEMENT", "RESERVED_NAMES", "SUBFOLDERS", "Voice", "Workspace", "check_voice_name"]


def check_voice_name(name: str) -> str:
    """Return the trimmed name or raise ConfigError saying what is allowed."""
    name = (name or "").strip()
    if not VOICE_NAME_RE.match(name) or name in (".", "..") or name.endswith("."):
        raise ConfigError(
            f"{name!r} is not a usable voice name: use 1–64 letters, digits, spaces, '-', '_' or '.', "
            "starting with a letter or digit."
        )
    if name.casefold() in RESERVED_NAMES:
        raise ConfigError(f"{name!r} is the name of the studio's audiobook folder; choose another voice name.")
    return name


class Workspace:
    """All voices under one folder."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def voice(self, name: str) -> Voice:
        """An existing voice; StudioError if there is none of that name."""
        name = check_voice_name(name)
        root = resolve_inside(name, [self.root])
        if not (root / "voice.json").is_file():
            raise StudioError(f"There is no voice named {name!r}. Create it first.")
        return Voice(name, root)

    def list_voices(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "voice.json").is_file())

    def create_voice(self, name: str) -> Voice:
        name = check_voice_name(name)
        root = resolve_inside(name, [self.root])
        if root.exists():
            raise StudioError(f"A voice named {name!r} already exists.")
        for sub in SUBFOLDERS:
            (root / sub).mkdir(parents=True, exist_ok=True)
        voice = Voice(name, root)
        voice.update_meta(name=name, created=time.strftime("%Y-%m-%dT%H:%M:%S"), consent={"given": False})
        voice.log("created")
        return voice

    def rename_voice(self, old: str, new: str) -> Voice:
        voice = self.voice(old)
        new = check_voice_name(new)
        target = resolve_inside(new, [self.root])
        if target.exists():
            raise StudioError(f"A voice named {new!r} already exists.")
        voice.root.rename(target)
        renamed = Voice(new, target)
        renamed.update_meta(name=new)
        renamed.log("renamed", old=old)
        return renamed

    def delete_voice(self, name: str) -> None:
        voice = self.voice(name)
        shutil.rmtree(voice.root)
