"""Typed, frozen settings; YAML only at the edges.

``StudioSettings`` describes where things live and how the studio serves itself.
``load_settings`` reads ``settings.yaml`` (if any), validates every field and
reports all problems at once through :class:`~gpt_sovits.errors.ConfigError`.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from gpt_sovits.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_UI_PORT = 7860
DEFAULT_API_PORT = 9880
UI_LANGUAGES = ("en", "zh")


# "fast": the quickest precisions measured to stay close to float32 (int8 GPT weights on a CPU,
# float16 on CUDA, bf16/fp16 vocoder); "exact": float32 everywhere, upstream's numbers.
PRECISION_MODES = ("fast", "exact")


@dataclass(frozen=True)
class StudioSettings:
    """Where the studio keeps its files and how it serves the UI."""

    pretrained_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "pretrained")
    workspace_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "workspace")
    host: str = "127.0.0.1"
    port: int = DEFAULT_UI_PORT
    ui_language: str = "en"
    precision: str = "fast"  # one of PRECISION_MODES (see Synthesizer.from_files)

    def validate(self) -> StudioSettings:
        """Return self when valid, else raise ConfigError listing every problem."""
        problems = []
        if not 1 <= int(self.port) <= 65535:
            problems.append(f"port must be between 1 and 65535, got {self.port}")
        if self.ui_language not in UI_LANGUAGES:
            problems.append(f"ui_language must be one of {', '.join(UI_LANGUAGES)}, got {self.ui_language!r}")
        if not self.host:
            problems.append("host must not be empty")
        if self.precision not in PRECISION_MODES:
            problems.append(f"precision must be one of {', '.join(PRECISION_MODES)}, got {self.precision!r}")
        if problems:
            raise ConfigError(problems)
        return self


def is_loopback_host(host: str) -> bool:
    """True when ``host`` only accepts connections from this computer."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def load_settings(path: Path | None = None, **overrides) -> StudioSettings:
    """Read settings from a YAML file (missing file = defaults), then apply overrides."""
    import yaml  # deferred: only needed at the edges

    values: dict = {}
    if path is not None and Path(path).is_file():
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as e:
            raise ConfigError(f"{path} is not valid YAML: {e}") from e
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path} must hold a mapping of setting names to values")
        values.update(loaded)
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name for f in dataclasses.fields(StudioSettings)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError([f"unknown setting {name!r}" for name in unknown])
    for name in ("pretrained_dir", "workspace_dir"):
        if name in values:
            values[name] = Path(values[name]).expanduser().resolve()
    if "port" in values:
        try:
            values["port"] = int(values["port"])
        except (TypeError, ValueError) as e:
            raise ConfigError(f"port must be a whole number, got {values['port']!r}") from e
    return StudioSettings(**values).validate()


def save_settings(settings: StudioSettings, path: Path) -> None:
    """Write settings as YAML atomically."""
    import yaml

    from gpt_sovits.fileio import write_text_atomic

    data = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}
    data = {k: str(v) if isinstance(v, Path) else v for k, v in data.items()}
    write_text_atomic(Path(path), yaml.safe_dump(data, sort_keys=True, allow_unicode=True))
