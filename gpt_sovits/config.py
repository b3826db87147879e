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

from gpt_sovits.devices import DEFAULT_PRECISION, PRECISION_MODES  # noqa: F401  (re-exported)
from gpt_sovits.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_UI_PORT = 7860
DEFAULT_API_PORT = 9880
UI_LANGUAGES = ("en", "zh")
# The rate every official SoVITS model (v1 to v2ProPlus) speaks at and the clips are stored at; a loaded
# model states its own in its config (``SoVITSConfig.sampling_rate``), which inference follows.
MODEL_SAMPLE_RATE_HZ = 32000
# Model files by kind: upstream's GPT checkpoints and SoVITS weights, and our native format for both.
NATIVE_MODEL_SUFFIX = ".safetensors"
UPSTREAM_MODEL_SUFFIX = {"gpt": ".ckpt", "sovits": ".pth"}
MODEL_SUFFIXES = {kind: (suffix, NATIVE_MODEL_SUFFIX) for kind, suffix in UPSTREAM_MODEL_SUFFIX.items()}




@dataclass(frozen=True)
class QcSettings:
    """Take checks and the re-roll policy (gpt_sovits.qc); every limit is documented in README.md.

    Speaking rates are phones per second of articulation (speech with pauses under
    ``pause_bridge_s`` counted in); the window comes from the voice's clips or reference when they
    are known (``rate_tolerance`` either side), else from the default window below.
    """

    enabled: bool = True
    rerolls: int = 3  # a failing take is synthesized again with a new seed up to this many times
    default_rate_low: float = 6.0  # phones/s when nothing is known about the voice
    default_rate_high: float = 18.0
    rate_tolerance: float = 1.45  # learnt window: rate / tolerance .. rate * tolerance
    tokens_per_phone_low: float = 1.0
    tokens_per_phone_high: float = 6.0
    max_leading_silence_s: float = 1.0
    max_trailing_silence_s: float = 1.5
    max_inner_silence_s: float = 1.5
    max_clipped_fraction: float = 0.001
    max_loudness_gap_db: float = 8.0
    min_repeat_s: float = 0.8  # a stretch of audio said again at least this long is a repetition
    asr: bool = False  # ASR round trip (needs faster-whisper or FunASR and a model in pretrained/asr/)
    max_error_rate: float = 0.35  # character (zh) or word (en) error rate of the round trip
    speaker: bool = False  # speaker similarity with the v2Pro speaker encoder, when present
    min_speaker_similarity: float = 0.5

    def problems(self) -> list[str]:
        """Every invalid value, as sentences (empty when all is well)."""
        out = []
        if not 0 <= int(self.rerolls) <= 10:
            out.append(f"qc.rerolls must be between 0 and 10, got {self.rerolls}")
        pairs = (("default_rate_low", "default_rate_high"), ("tokens_per_phone_low", "tokens_per_phone_high"))
        for low, high in pairs:
            if not 0 < getattr(self, low) < getattr(self, high):
                out.append(f"qc.{low} must be above 0 and below qc.{high}")
        if self.rate_tolerance < 1:
            out.append(f"qc.rate_tolerance must be at least 1, got {self.rate_tolerance}")
        for name in ("max_leading_silence_s", "max_trailing_silence_s", "max_inner_silence_s", "max_loudness_gap_db",
                     "min_repeat_s", "max_clipped_fraction"):
            if not getattr(self, name) > 0:
                out.append(f"qc.{name} must be above 0, got {getattr(self, name)}")
        for name in ("max_error_rate", "min_speaker_similarity"):
            if not 0 <= getattr(self, name) <= 1:
                out.append(f"qc.{name} must be between 0 and 1, got {getattr(self, name)}")
        return out

    @classmethod
    def from_mapping(cls, values: dict) -> QcSettings:
        """Settings from a YAML mapping; unknown names are errors."""
        if not isinstance(values, dict):
            raise ConfigError("qc must hold a mapping of check settings")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError([f"unknown setting 'qc.{name}'" for name in unknown])
        defaults, typed, problems = cls(), {}, []
        for name, value in values.items():
            kind = type(getattr(defaults, name))
            if kind is bool and not isinstance(value, bool):
                problems.append(f"qc.{name} must be true or false, got {value!r}")
                continue
            try:
                typed[name] = kind(value)
            except (TypeError, ValueError):
                problems.append(f"qc.{name} must be a number, got {value!r}")
        if problems:
            raise ConfigError(problems)
        return cls(**typed)


@dataclass(frozen=True)
class StudioSettings:
    """Where the studio keeps its files and how it serves the UI."""

    pretrained_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "pretrained")
    workspace_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "workspace")
    host: str = "127.0.0.1"
    port: int = DEFAULT_UI_PORT
    ui_language: str = "en"
    precision: str = DEFAULT_PRECISION  # one of PRECISION_MODES (what each means: devices.precision_plan)
    qc: QcSettings = field(default_factory=QcSettings)

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
        problems += self.qc.problems()
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
    if "qc" in values:
        values["qc"] = QcSettings.from_mapping(values["qc"] or {})
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

    data = dataclasses.asdict(settings)
    data = {k: str(v) if isinstance(v, Path) else v for k, v in data.items()}
    write_text_atomic(Path(path), yaml.safe_dump(data, sort_keys=True, allow_unicode=True))
