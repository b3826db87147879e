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

import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from gpt_sovits.errors import ConfigError, StudioError
from gpt_sovits.fileio import resolve_inside, write_text_atomic

VOICE_NAME_RE = re.compile(r"^[\w][\w .\-]{0,63}$", re.UNICODE)
SUBFOLDERS = ("recordings", "clips", "references", "features", "models/gpt", "models/sovits",
              "cache/references", "outputs")
CONSENT_STATEMENT = "This is my voice, or I have the speaker's permission to clone it."


def check_voice_name(name: str) -> str:
    """Return the trimmed name or raise ConfigError saying what is allowed."""
    name = (name or "").strip()
    if not VOICE_NAME_RE.match(name) or name in (".", "..") or name.endswith("."):
        raise ConfigError(
            f"{name!r} is not a usable voice name: use 1–64 letters, digits, spaces, '-', '_' or '.', "
            "starting with a letter or digit."
        )
    return name


@dataclass(frozen=True)
class Voice:
    """One voice folder inside the workspace."""

    name: str
    root: Path

    def path(self, *parts: str) -> Path:
        """A path inside this voice's folder (parts are fixed names chosen by code, or checked)."""
        return resolve_inside(Path(*parts), [self.root])

    @property
    def meta_path(self) -> Path:
        return self.root / "voice.json"

    def read_meta(self) -> dict:
        try:
            return json.loads(self.meta_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"name": self.name}
        except ValueError as e:
            raise StudioError(f"The settings of voice {self.name!r} are damaged ({e}); fix or delete voice.json.") from e

    def update_meta(self, **changes) -> dict:
        meta = self.read_meta()
        meta.update(changes)
        write_text_atomic(self.meta_path, json.dumps(meta, ensure_ascii=False, indent=2))
        return meta

    def log(self, action: str, **details) -> None:
        """Append one line to the voice's activity log."""
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "action": action, **details}
        with open(self.root / "log.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def read_log(self) -> list[dict]:
        path = self.root / "log.jsonl"
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    # consent ------------------------------------------------------------------------------
    @property
    def has_consent(self) -> bool:
        return bool(self.read_meta().get("consent", {}).get("given"))

    def give_consent(self, given: bool = True) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        self.update_meta(consent={"given": bool(given), "statement": CONSENT_STATEMENT, "at": stamp})
        self.log("consent", given=bool(given))

    def require_consent(self, action: str) -> None:
        if not self.has_consent:
            raise StudioError(
                f"Before {action} voice {self.name!r}, confirm on the Voice data tab: \"{CONSENT_STATEMENT}\""
            )


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
