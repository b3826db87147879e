"""Our native checkpoint format: safetensors weights plus JSON metadata.

A native checkpoint is one ``.safetensors`` file whose header metadata holds a
single JSON document under the key ``"gpt_sovits"``:

    {"format_version": 1, "kind": "sovits" | "gpt" | ..., "model_version": "v2", "config": {...}, "info": "..."}

Loading never unpickles anything, so a native file cannot run code.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import torch

from gpt_sovits.errors import CheckpointError, ModelNotFoundError, plain_line

logger = logging.getLogger(__name__)

NATIVE_FORMAT_VERSION = 1
METADATA_KEY = "gpt_sovits"


@dataclass
class NativeCheckpoint:
    """Weights and the description needed to rebuild the model that owns them."""

    kind: str
    model_version: str
    config: dict
    weights: dict[str, torch.Tensor]
    info: str = ""
    extra: dict = field(default_factory=dict)


def save_native(checkpoint: NativeCheckpoint, path: Path) -> None:
    """Write ``checkpoint`` atomically as safetensors with JSON metadata."""
    from safetensors.torch import save

    from gpt_sovits.fileio import write_bytes_atomic

    meta = {
        "format_version": NATIVE_FORMAT_VERSION,
        "kind": checkpoint.kind,
        "model_version": checkpoint.model_version,
        "config": checkpoint.config,
        "info": checkpoint.info,
        "extra": checkpoint.extra,
    }
    tensors = {k: v.detach().contiguous().cpu() for k, v in checkpoint.weights.items()}
    write_bytes_atomic(Path(path), save(tensors, metadata={METADATA_KEY: json.dumps(meta)}))


def _read_file(path: Path, name: str) -> tuple[str | None, dict[str, torch.Tensor]]:
    """The raw metadata string and the tensors; CheckpointError for anything safetensors cannot read."""
    from safetensors import SafetensorError, safe_open
    from safetensors.torch import load_file

    try:
        with safe_open(str(path), framework="pt") as f:
            raw_meta = (f.metadata() or {}).get(METADATA_KEY)
        weights = load_file(str(path))
    except FileNotFoundError as e:
        raise ModelNotFoundError(f"model file not found: {name}") from e
    except (OSError, ValueError, RuntimeError, TypeError, SafetensorError) as e:
        logger.debug("safetensors could not read %s: %s", name, plain_line(e, 300))
        raise CheckpointError(f"{name} is not a readable safetensors file: {_safetensors_problem(e)}.") from e
    return raw_meta, weights


def _safetensors_problem(error: Exception) -> str:
    text = str(error).lower()
    if "too large" in text or "too small" in text or "incomplete" in text or "out of bounds" in text:
        return "it is truncated or its header gives impossible sizes"
    if "header" in text or "json" in text or "deserializ" in text:
        return "its header is damaged"
    return "it is damaged or not a safetensors file"


def _metadata(raw_meta: str | None, name: str) -> dict:
    if raw_meta is None:
        raise CheckpointError(f"{name} is a safetensors file without GPT-SoVITS Studio metadata.")
    try:
        meta = json.loads(raw_meta)
    except ValueError as e:
        raise CheckpointError(f"{name} has damaged GPT-SoVITS Studio metadata: it is not valid JSON.") from e
    if not isinstance(meta, dict):
        raise CheckpointError(f"{name} has damaged GPT-SoVITS Studio metadata: expected a JSON object, "
                              f"found {_json_type(meta)}.")
    missing = [key for key in _REQUIRED if key not in meta]
    if missing:
        raise CheckpointError(f"{name} has incomplete GPT-SoVITS Studio metadata: {', '.join(missing)} missing.")
    wrong = [f"{key} should be {_JSON_NAMES[kind]}, not {_json_type(meta[key])}"
             for key, kind in _TYPES.items() if key in meta and not _is(meta[key], kind)]
    if wrong:
        raise CheckpointError(f"{name} has damaged GPT-SoVITS Studio metadata: {'; '.join(wrong)}.")
    return meta


_REQUIRED = ("kind", "model_version")
_TYPES = {"format_version": int, "kind": str, "model_version": str, "config": dict, "info": str, "extra": dict}
_JSON_NAMES = {int: "a whole number", str: "text", dict: "an object"}


def _is(value: object, kind: type) -> bool:
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def load_native(path: Path) -> NativeCheckpoint:
    """Read a native checkpoint; CheckpointError (a ModelError) naming the file and the problem otherwise."""
    path = Path(path)
    name = plain_line(path.name, 120)
    raw_meta, weights = _read_file(path, name)
    meta = _metadata(raw_meta, name)
    if meta.get("format_version", 0) > NATIVE_FORMAT_VERSION:
        raise CheckpointError(
            f"{name} was written by a newer version of the studio (format {meta['format_version']}); please update."
        )
    if not weights:
        raise CheckpointError(f"{name} holds no weights.")
    return NativeCheckpoint(
        kind=meta["kind"],
        model_version=meta["model_version"],
        config=meta.get("config", {}),
        weights=weights,
        info=meta.get("info", ""),
        extra=meta.get("extra", {}),
    )
