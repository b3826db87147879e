"""SoVITS model configuration: one frozen dataclass for every version.

The fields are upstream's ``SynthesizerTrn`` constructor arguments (the
``model`` section of ``s2.json`` plus ``spec_channels`` and ``segment_size``
derived from the ``data``/``train`` sections). Versions differ only in values:
see :func:`default_config`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from gpt_sovits.config import MODEL_SAMPLE_RATE_HZ
from gpt_sovits.errors import ConfigError

SOVITS_VERSIONS = ("v1", "v2", "v2Pro", "v2ProPlus")
PRO_VERSIONS = ("v2Pro", "v2ProPlus")
N_SYMBOLS = {"v1": 322, "v2": 732, "v2Pro": 732, "v2ProPlus": 732}
# v2 and later read only the first 704 linear bins (0 to about 11 kHz) of the reference.
REFERENCE_BINS_V2 = 704
SPEAKER_EMBEDDING_DIM = 20480
MRTE_GE_CHANNELS = 512


@dataclass(frozen=True)
class SoVITSConfig:
    """Hyper-parameters of the SoVITS generator (defaults: official v2, ``s2.json``)."""

    version: str = "v2"
    spec_channels: int = 1025
    sampling_rate: int = MODEL_SAMPLE_RATE_HZ  # the checkpoint's ``data.sampling_rate``: the rate it speaks at
    segment_size: int = 32
    inter_channels: int = 192
    hidden_channels: int = 192
    filter_channels: int = 768
    n_heads: int = 2
    n_layers: int = 6
    kernel_size: int = 3
    p_dropout: float = 0.1
    resblock: str = "1"
    resblock_kernel_sizes: tuple[int, ...] = (3, 7, 11)
    resblock_dilation_sizes: tuple[tuple[int, ...], ...] = ((1, 3, 5), (1, 3, 5), (1, 3, 5))
    upsample_rates: tuple[int, ...] = (10, 8, 2, 2, 2)
    upsample_initial_channel: int = 512
    upsample_kernel_sizes: tuple[int, ...] = (16, 16, 8, 2, 2)
    gin_channels: int = 512
    semantic_frame_rate: str = "25hz"
    freeze_quantizer: bool = True
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def is_pro(self) -> bool:
        return self.version in PRO_VERSIONS

    @property
    def n_symbols(self) -> int:
        return N_SYMBOLS[self.version]

    @property
    def reference_bins(self) -> int:
        return self.spec_channels if self.version == "v1" else REFERENCE_BINS_V2

    def to_model_dict(self) -> dict:
        """Upstream's ``model`` section (JSON-friendly lists), including ``version``."""
        out = {}
        for f in dataclasses.fields(self):
            if f.name in ("spec_channels", "sampling_rate", "segment_size", "extra"):
                continue
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = [list(v) if isinstance(v, tuple) else v for v in value]
            out[f.name] = value
        out.update(self.extra)
        return out


_FIELD_NAMES = {f.name for f in dataclasses.fields(SoVITSConfig)} - {"extra"}
# Keys upstream writes into the model section that do not change the network.
_IGNORED_KEYS = {"n_layers_q", "use_spectral_norm", "use_sdp", "n_speakers"}


def default_config(version: str) -> SoVITSConfig:
    """Official configuration of a version (``s2.json``, ``s2v2Pro.json``, ``s2v2ProPlus.json``)."""
    if version not in SOVITS_VERSIONS:
        raise ConfigError(f"unknown SoVITS version {version!r}; expected one of {', '.join(SOVITS_VERSIONS)}")
    if version in ("v1", "v2"):
        return SoVITSConfig(version=version)
    if version == "v2Pro":
        return SoVITSConfig(version=version, p_dropout=0.0, gin_channels=1024)
    return SoVITSConfig(
        version=version,
        p_dropout=0.0,
        gin_channels=1024,
        upsample_initial_channel=768,
        upsample_kernel_sizes=(20, 16, 8, 2, 2),
    )


def _as_tuple(value):
    if isinstance(value, list | tuple):
        return tuple(_as_tuple(v) for v in value)
    return value


def make_config(version: str, overrides: dict | None = None) -> SoVITSConfig:
    """Official ``version`` config with upstream-style ``model``-section keys overridden.

    ``overrides`` may also be a whole upstream config (with ``model``, ``data``,
    ``train`` sections); ``spec_channels``/``segment_size``/``sampling_rate`` are then derived from
    ``data.filter_length``, ``train.segment_size``, ``data.hop_length`` and ``data.sampling_rate``.
    """
    base = default_config(version)
    if not overrides:
        return base
    overrides = dict(overrides)
    if isinstance(overrides.get("model"), dict):
        full = overrides
        overrides = dict(full["model"])
        data, train = full.get("data") or {}, full.get("train") or {}
        if "filter_length" in data:
            overrides.setdefault("spec_channels", int(data["filter_length"]) // 2 + 1)
        if "sampling_rate" in data:
            overrides.setdefault("sampling_rate", int(data["sampling_rate"]))
        if "segment_size" in train and "hop_length" in data:
            overrides.setdefault("segment_size", int(train["segment_size"]) // int(data["hop_length"]))
    overrides.pop("version", None)
    extra = {k: overrides.pop(k) for k in list(overrides) if k in _IGNORED_KEYS}
    unknown = sorted(set(overrides) - _FIELD_NAMES)
    if unknown:
        raise ConfigError([f"unknown SoVITS model setting {k!r}" for k in unknown])
    values = {k: _as_tuple(v) for k, v in overrides.items()}
    return dataclasses.replace(base, extra={**base.extra, **extra}, **values)


# Sections upstream's exporter stores besides ``model`` (values of s2.json; unused by inference).
_DATA_SECTION = {
    "max_wav_value": 32768.0,
    "filter_length": 2048,
    "hop_length": 640,
    "win_length": 2048,
    "n_mel_channels": 128,
    "mel_fmin": 0.0,
    "mel_fmax": None,
    "add_blank": True,
    "n_speakers": 300,
    "cleaned_text": True,
}


def to_upstream_config(config: SoVITSConfig) -> dict:
    """A whole upstream-style config (``train``/``data``/``model`` sections) describing ``config``."""
    hop = _DATA_SECTION["hop_length"]
    data = dict(_DATA_SECTION, sampling_rate=config.sampling_rate, filter_length=(config.spec_channels - 1) * 2,
                win_length=(config.spec_channels - 1) * 2)
    model = config.to_model_dict()
    model.setdefault("n_layers_q", 3)
    model.setdefault("use_spectral_norm", False)
    return {
        "train": {"segment_size": config.segment_size * hop},
        "data": data,
        "model": model,
        "version": config.version,
    }
