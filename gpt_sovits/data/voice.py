"""One voice folder and its ``voice.json``, read and written through typed records.

``voice.json`` holds the voice's name, the speaker's consent, and the defaults every client uses:
the chosen reference clip with its text and language, and the chosen GPT and SoVITS models. The
studio writes them and the HTTP API reads them through the same :class:`Voice`, so both agree on
the keys and on what an unset value means. Unknown keys are kept as they are.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from gpt_sovits.errors import StudioError
from gpt_sovits.fileio import resolve_inside, write_text_atomic

CONSENT_STATEMENT = "This is my voice, or I have the speaker's permission to clone it."
META_FILE = "voice.json"
LOG_FILE = "log.jsonl"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True)
class VoiceReference:
    """The reference clip a voice speaks with: ``audio`` relative to the voice folder (posix)."""

    audio: str
    text: str = ""
    language: str = "auto"
    chosen_by: str = "user"  # "user": picked in the studio; "auto": the automatic pick, last used

    @classmethod
    def from_meta(cls, raw) -> VoiceReference | None:
        if not isinstance(raw, dict) or not raw.get("audio"):
            return None
        chosen_by = "auto" if raw.get("chosen_by") == "auto" else "user"
        return cls(str(raw["audio"]), str(raw.get("text") or ""), str(raw.get("language") or "auto"), chosen_by)


@dataclass(frozen=True)
class VoiceModels:
    """The chosen models: paths relative to the voice folder when inside it, absolute otherwise ("" = none)."""

    gpt: str = ""
    sovits: str = ""

    @classmethod
    def from_meta(cls, raw) -> VoiceModels:
        raw = raw if isinstance(raw, dict) else {}
        return cls(str(raw.get("gpt") or ""), str(raw.get("sovits") or ""))

    @property
    def chosen(self) -> bool:
        return bool(self.gpt or self.sovits)


@dataclass(frozen=True)
class Consent:
    given: bool = False
    statement: str = CONSENT_STATEMENT
    at: str = ""

    @classmethod
    def from_meta(cls, raw) -> Consent:
        raw = raw if isinstance(raw, dict) else {}
        return cls(bool(raw.get("given")), str(raw.get("statement") or CONSENT_STATEMENT), str(raw.get("at") or ""))


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
        return self.root / META_FILE

    def read_meta(self) -> dict:
        """The raw ``voice.json`` (prefer the typed properties below)."""
        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"name": self.name}
        except ValueError as e:
            raise StudioError(f"The settings of voice {self.name!r} are damaged ({e}); fix or delete voice.json.") from e
        if not isinstance(meta, dict):
            raise StudioError(f"The settings of voice {self.name!r} are damaged (not a JSON object); fix or delete "
                              "voice.json.")  # fmt: skip
        return meta

    def update_meta(self, **changes) -> dict:
        meta = self.read_meta()
        meta.update(changes)
        write_text_atomic(self.meta_path, json.dumps(meta, ensure_ascii=False, indent=2))
        return meta

    # defaults for synthesis ---------------------------------------------------------------
    @property
    def reference(self) -> VoiceReference | None:
        return VoiceReference.from_meta(self.read_meta().get("reference"))

    def set_reference(self, audio: Path | str | None, text: str = "", language: str = "auto",
                      chosen_by: str = "user") -> None:
        """Store the reference (a file inside this voice's folder; ``chosen_by`` "user" or "auto"), or forget
        it when ``audio`` is None."""
        if audio is None:
            self.update_meta(reference=None)
            return
        path = self.path(str(audio)) if not Path(audio).is_absolute() else Path(audio).resolve()
        if self.root.resolve() not in path.parents:
            raise StudioError(f"The reference {Path(audio).name} is not a file of voice {self.name!r}.")
        relative = path.relative_to(self.root.resolve()).as_posix()
        self.update_meta(reference=asdict(VoiceReference(relative, text.strip(), language or "auto", chosen_by)))

    @property
    def models(self) -> VoiceModels:
        return VoiceModels.from_meta(self.read_meta().get("models"))

    def set_models(self, gpt: Path | str, sovits: Path | str) -> None:
        self.update_meta(models=asdict(VoiceModels(self._stored_path(gpt), self._stored_path(sovits))))

    def _stored_path(self, path: Path | str) -> str:
        resolved, root = Path(path).resolve(), self.root.resolve()
        return resolved.relative_to(root).as_posix() if root in resolved.parents else str(resolved)

    # consent ------------------------------------------------------------------------------
    @property
    def consent(self) -> Consent:
        return Consent.from_meta(self.read_meta().get("consent"))

    @property
    def has_consent(self) -> bool:
        return self.consent.given

    def give_consent(self, given: bool = True) -> None:
        self.update_meta(consent=asdict(Consent(bool(given), CONSENT_STATEMENT, _now())))
        self.log("consent", given=bool(given))

    def require_consent(self, action: str) -> None:
        if not self.has_consent:
            raise StudioError(
                f"Before {action} voice {self.name!r}, confirm on the Voice data tab: \"{CONSENT_STATEMENT}\""
            )

    # log ----------------------------------------------------------------------------------
    def log(self, action: str, **details) -> None:
        """Append one line to the voice's activity log."""
        entry = {"time": _now(), "action": action, **details}
        with open(self.root / LOG_FILE, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def read_log(self) -> list[dict]:
        path = self.root / LOG_FILE
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def log_rows(self) -> list[list[str]]:
        """The activity log, newest first, as rows (time, action, details)."""
        rows = []
        for entry in reversed(self.read_log()):
            details = ", ".join(f"{k}={v}" for k, v in entry.items() if k not in ("time", "action") and v is not None)
            rows.append([entry.get("time", ""), entry.get("action", ""), details])
        return rows
