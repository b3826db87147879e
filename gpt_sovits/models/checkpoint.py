"""SoVITS checkpoints: upstream GPT-SoVITS files in and out, and our native format.

Upstream files are ``torch.save`` zip archives, sometimes with the first two
bytes replaced by a version code ("00".."06"), holding a dict with ``weight``,
``config`` (a pickled ``utils.HParams`` object) and ``info``. They are read
without ever running pickled code: the archive's pickle is first scanned and
refused (UnsafeCheckpointError) if it names any global outside a short
allow-list, then loaded by torch's weights-only unpickler with one extra safe
class, our :class:`UpstreamHParams`, standing in for ``utils.HParams``.

Exports reproduce upstream's layout byte-for-byte where it matters: keys
``weight``/``config``/``info``, float16 tensors, no ``enc_q``, the config pickled
as ``utils.HParams``, and the header code "05"/"06" for v2Pro/v2ProPlus.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from gpt_sovits.config import NATIVE_MODEL_SUFFIX as NATIVE_SUFFIX
from gpt_sovits.errors import CheckpointError, ConfigError, plain_line
from gpt_sovits.models.archive import (
    UpstreamHParams,
    file_label,
    pickle_globals,
    read_upstream_archive,
    write_upstream_archive,
)
from gpt_sovits.models.fit import load_strict
from gpt_sovits.models.native import NativeCheckpoint, load_native, save_native
from gpt_sovits.models.sovits.builder import build_discriminator, build_sovits
from gpt_sovits.models.sovits.config import SoVITSConfig, make_config, to_upstream_config
from gpt_sovits.models.sovits.detect import detect_sovits_version, infer_model_settings
from gpt_sovits.models.sovits.discriminator import PERIODS_PRO, PERIODS_V2, MultiPeriodDiscriminator
from gpt_sovits.models.sovits.model import SoVITSGenerator

logger = logging.getLogger(__name__)

__all__ = [
    "ImportedSoVITS",
    "UpstreamHParams",
    "build_sovits",
    "export_sovits_discriminator_upstream",
    "export_sovits_upstream",
    "import_sovits",
    "load_sovits",
    "load_sovits_discriminator",
    "pickle_globals",
    "read_upstream_archive",
    "save_sovits_native",
    "write_random_sovits_pretrained",
    "write_upstream_archive",
]

_KNOWN_VERSIONS = ("v1", "v2", "v2Pro", "v2ProPlus")
_PRO_HEADERS = {"v2Pro": b"05", "v2ProPlus": b"06"}


# ----- SoVITS generator ------------------------------------------------------------------------
@dataclass
class ImportedSoVITS:
    """Weights as stored (dtype untouched), whole upstream-style config, detected version, info."""

    weights: dict[str, torch.Tensor]
    config: dict
    version: str
    info: str = ""
    header: bytes | None = None
    source: str = "upstream"
    extra: dict = field(default_factory=dict)
    name: str = "the SoVITS file"

    @property
    def has_posterior_encoder(self) -> bool:
        return any(k.startswith("enc_q.") for k in self.weights)


def _weights_of(obj: Any, name: str) -> dict[str, torch.Tensor]:
    if isinstance(obj, dict):
        for key in ("weight", "model"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not obj or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise CheckpointError(f"{name} holds no model weights (expected a dict with a 'weight' state dict)")
    return dict(obj)


def _config_dict(raw: Any) -> dict:
    if isinstance(raw, UpstreamHParams):
        return raw.to_dict()
    if isinstance(raw, dict):
        return {k: _config_dict(v) if isinstance(v, UpstreamHParams | dict) else v for k, v in raw.items()}
    return {}


def import_sovits(path: Path) -> ImportedSoVITS:
    """Read a SoVITS generator file (upstream .pth of any v1/v2/Pro kind, or native .safetensors)."""
    path = Path(path)
    name = file_label(path)
    if path.suffix == NATIVE_SUFFIX:
        native = load_native(path)
        if native.kind != "sovits":
            raise CheckpointError(f"{name} holds a {native.kind!r} model, not a SoVITS generator")
        try:
            version = detect_sovits_version(native.weights)
        except CheckpointError as e:
            raise CheckpointError(f"{name}: {e}") from e
        order = native.extra.get("key_order")
        if isinstance(order, list) and set(order) == set(native.weights):
            weights = {k: native.weights[k] for k in order}
        else:  # safetensors sorts keys; rebuild upstream's order from the architecture
            weights = _in_model_order(native.weights, version, native.config)
        return ImportedSoVITS(weights, native.config, version, native.info, source="native", extra=native.extra,
                              name=name)
    obj, header = read_upstream_archive(path)
    weights = _weights_of(obj, name)
    try:
        version = detect_sovits_version(weights, header)
    except CheckpointError as e:
        raise CheckpointError(f"{name}: {e}") from e
    config = _config_dict(obj.get("config") if isinstance(obj, dict) else None)
    model = dict(config.get("model") or {})
    if not model:
        logger.info("%s carries no model config; reading the architecture from tensor shapes", name)
        model = infer_model_settings(weights)
    model["version"] = version
    model["semantic_frame_rate"] = "25hz"  # upstream's loaders force this too
    config["model"] = model
    info = obj.get("info", "") if isinstance(obj, dict) else ""
    return ImportedSoVITS(weights, config, version, str(info), header=header, name=name)


def _in_model_order(weights: dict[str, torch.Tensor], version: str, config: dict) -> dict[str, torch.Tensor]:
    """Weights re-ordered as the architecture lists them (upstream's order); unknown keys last."""
    try:
        with torch.device("meta"):
            order = list(build_sovits(version, make_config(version, config)).state_dict())
    except (CheckpointError, ConfigError, ValueError, TypeError, KeyError, AttributeError) as e:
        logger.warning("cannot build SoVITS %s to order its weights (%s); keeping the stored order", version, e)
        return dict(weights)
    ordered = {k: weights[k] for k in order if k in weights}
    ordered.update((k, v) for k, v in weights.items() if k not in ordered)
    return ordered


def model_from_import(imported: ImportedSoVITS, device: str | torch.device = "cpu") -> SoVITSGenerator:
    """Build the generator an ImportedSoVITS describes and load its weights (float32, eval mode)."""
    try:
        config = make_config(imported.version, imported.config)
        with torch.device("meta"):
            model = build_sovits(imported.version, config)
    except (ConfigError, ValueError, TypeError, KeyError, AttributeError, RuntimeError) as e:
        raise CheckpointError(f"{imported.name} has an unusable SoVITS config: {plain_line(e, 200)}") from e
    if not imported.has_posterior_encoder:
        model.enc_q = None  # inference exports drop it; training starts from a pretrained file that has it
    load_strict(model, imported.weights, imported.name, f"SoVITS {imported.version} generator", assign=True)
    return model.to(device).eval()


def load_sovits(path: Path, device: str | torch.device = "cpu") -> SoVITSGenerator:
    """SoVITS generator from an upstream .pth or native .safetensors, float32 in eval mode (``.version`` set)."""
    return model_from_import(import_sovits(path), device)


def _weights_from(model_or_weights) -> dict[str, torch.Tensor]:
    if isinstance(model_or_weights, torch.nn.Module):
        return dict(model_or_weights.state_dict())
    return dict(model_or_weights)


def _version_of(model_or_weights, config, weights: dict[str, torch.Tensor]) -> str:
    """The version named by the model or config, else the one the weights show."""
    named = getattr(model_or_weights, "version", None)
    if named is None and isinstance(config, SoVITSConfig):
        named = config.version
    if named is None:
        named = (_config_dict(config).get("model") or {}).get("version")
    return named if named in _KNOWN_VERSIONS else detect_sovits_version(weights)


def _full_config(config: dict | SoVITSConfig | UpstreamHParams | None, version: str) -> dict:
    if isinstance(config, SoVITSConfig):
        full = to_upstream_config(config)
    else:
        full = _config_dict(config)
    model = dict(full.get("model") or {})
    model["version"] = version
    full["model"] = model
    return full


def save_sovits_native(model_or_weights, config, path: Path, info: str = "", version: str | None = None) -> None:
    """Write generator weights (dtypes kept) with their config to a native .safetensors file."""
    weights = _weights_from(model_or_weights)
    version = version or _version_of(model_or_weights, config, weights)
    full = _full_config(config, version)
    extra = {"key_order": list(weights)}  # safetensors stores keys sorted; keep upstream's order
    save_native(NativeCheckpoint("sovits", version, full, weights, info=info, extra=extra), Path(path))


def export_sovits_upstream(model_or_weights, config, path: Path, info: str = "0epoch_0iteration") -> None:
    """Write an upstream SoVITS_weights-style .pth: fp16, no enc_q, utils.HParams config, header for Pro."""
    weights = _weights_from(model_or_weights)
    version = _version_of(model_or_weights, config, weights)
    full = _full_config(config, version)
    exported = {k: v.detach().to("cpu", torch.float16).clone() for k, v in weights.items() if "enc_q" not in k}
    top = OrderedDict(weight=exported, config=UpstreamHParams(**full), info=info)
    write_upstream_archive(top, Path(path), header=_PRO_HEADERS.get(version))


# ----- discriminator ---------------------------------------------------------------------------
def load_sovits_discriminator(path: Path, device: str | torch.device = "cpu") -> MultiPeriodDiscriminator:
    """Discriminator from an upstream s2D/D_*.pth (``weight`` or ``model`` dict), float32."""
    path = Path(path)
    name = file_label(path)
    obj, _ = read_upstream_archive(path)
    weights = _weights_of(obj, name)
    indices = {int(k.split(".")[1]) for k in weights if k.startswith("discriminators.") and k.split(".")[1].isdigit()}
    if not indices:
        raise CheckpointError(f"{name} is not a SoVITS discriminator (no discriminators.* weights)")
    n_periods = max(indices)
    if n_periods not in (len(PERIODS_V2), len(PERIODS_PRO)):
        raise CheckpointError(f"{name}: unexpected number of period discriminators ({n_periods})")
    version = "v2" if n_periods == len(PERIODS_V2) else "v2Pro"
    with torch.device("meta"):
        model = build_discriminator(version)
    load_strict(model, weights, name, "discriminator", assign=True)
    return model.to(device)


def export_sovits_discriminator_upstream(model_or_weights, path: Path, dtype: torch.dtype = torch.float16) -> None:
    """Write a discriminator as upstream's pretrained s2D files are: ``{"weight": state_dict}``."""
    weights = {k: v.detach().to("cpu", dtype).clone() for k, v in _weights_from(model_or_weights).items()}
    write_upstream_archive({"weight": weights}, Path(path))


def write_random_sovits_pretrained(
    out_g: Path, out_d: Path, version: str, model_overrides: dict | None = None, seed: int = 0
) -> None:
    """Random generator (with enc_q) and discriminator in the official pretrained s2G/s2D layout (fp16)."""
    torch.manual_seed(seed)
    generator = build_sovits(version, model_overrides)
    discriminator = build_discriminator(version)
    weights = {k: v.detach().to(torch.float16).clone() for k, v in generator.state_dict().items()}
    full = _full_config(generator.config, version)
    top = OrderedDict(weight=weights, config=UpstreamHParams(**full), info="pretrained")
    write_upstream_archive(top, Path(out_g))
    export_sovits_discriminator_upstream(discriminator, Path(out_d))
