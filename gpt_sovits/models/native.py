"""Our native checkpoint format: safetensors weights plus JSON metadata.

A native checkpoint is one ``.safetensors`` file whose header metadata holds a
single JSON document under the key ``"gpt_sovits"``:

    {"format_version": 1, "kind": "sovits" | "gpt" | ..., "model_version": "v2", "config": {...}, "info": "..."}

Loading never unpickles anything, so a native file cannot run code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch

from gpt_sovits.errors import CheckpointError

NATIVE_FORMAT_VERSION = 1
METADATA_KEY = "gpt_sovits"
NATIVE_SUFFIX = ".safetensors"


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


def load_native(path: Path) -> NativeCheckpoint:
    """Read a native checkpoint; raise CheckpointError for anything else."""
    from safetensors import SafetensorError, safe_open
    from safetensors.torch import load_file

    path = Path(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            raw_meta = (f.metadata() or {}).get(METADATA_KEY)
        weights = load_file(str(path))
    except (OSError, ValueError, RuntimeError, SafetensorError) as e:
        raise CheckpointError(f"{path.name} is not a readable safetensors file: {e}") from e
    if raw_meta is None:
        raise CheckpointError(f"{path.name} is a safetensors file without GPT-SoVITS Studio metadata.")
    meta = json.loads(raw_meta)
    if meta.get("format_version", 0) > NATIVE_FORMAT_VERSION:
        raise CheckpointError(
            f"{path.name} was written by a newer version of the studio (format {meta['format_version']}); please update."
        )
    return NativeCheckpoint(
        kind=meta["kind"],
        model_version=meta["model_version"],
        config=meta.get("config", {}),
        weights=weights,
        info=meta.get("info", ""),
        extra=meta.get("extra", {}),
    )
