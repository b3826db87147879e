"""Reading and writing GPT checkpoints: upstream ``.ckpt`` files and our native safetensors.

Upstream export layout (``GPT_weights*/<name>-e<epoch>.ckpt`` and the official pretrained ``s1*.ckpt``):
a ``torch.save`` zip holding ``{"weight": OrderedDict("model.<key>" -> fp16 tensor), "config": dict,
"info": str}``.  Only plain containers and tensors are inside, so ``torch.load(weights_only=True)`` reads it
and refuses anything that would construct arbitrary objects.
"""

from __future__ import annotations

import copy
import logging
import os
import time
from collections import OrderedDict
from pathlib import Path

import torch

from gpt_sovits.config import NATIVE_MODEL_SUFFIX as NATIVE_SUFFIX
from gpt_sovits.errors import CheckpointError, ConfigError, ModelNotFoundError, plain_line
from gpt_sovits.models.archive import (
    HPARAMS_GLOBAL,
    archive_globals,
    file_label,
    not_an_archive,
    read_bytes,
    refuse_forbidden,
    stream_globals,
    torch_load_checked,
)
from gpt_sovits.models.fit import load_strict
from gpt_sovits.models.native import NativeCheckpoint, load_native, save_native
from gpt_sovits.models.t2s.config import UPSTREAM_V2_CONFIG, GPTConfig
from gpt_sovits.models.t2s.model import Text2SemanticModel

logger = logging.getLogger(__name__)

KEY_PREFIX = "model."
V1_PHONEME_VOCAB = 512  # v1 GPTs (s1longer.yaml); v2 and later use 732
NATIVE_KIND = "gpt"
ZIP_MAGIC = b"PK\x03\x04"
PICKLE_PROTO = b"\x80"  # every pickle of protocol >= 2 starts with this opcode (old torch files are pickles)


def build_gpt(config: dict) -> Text2SemanticModel:
    """A randomly initialised model from a full upstream config dict (``model`` + ``data`` sections)."""
    return Text2SemanticModel(GPTConfig.from_upstream(config), upstream_config=config)


def _sniff(head: bytes) -> str:
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(PICKLE_PROTO):
        return "pickle"
    if len(head) >= 4 and head[:1] == b"0" and head[1:2].isdigit() and head[2:4] == b"\x03\x04":
        return "sovits-header"  # upstream SoVITS exports overwrite "PK" with a two-digit version tag
    return "native"


def _torch_load(raw: bytes, kind: str, name: str) -> object:
    """Scan the pickle(s) for globals first (nothing is run), then let the weights-only unpickler read it."""
    referenced = archive_globals(raw, name) if kind == "zip" else (stream_globals(raw) or [])
    if HPARAMS_GLOBAL in referenced:
        raise CheckpointError(
            f"{name} is a SoVITS model (its config is an upstream HParams object), not a GPT model. "
            "Choose the GPT file (.ckpt) instead."
        )
    refuse_forbidden(referenced, name)
    return torch_load_checked(raw, name)


def _keys_shown(obj: dict) -> str:
    keys = [plain_line(k, 40) for k in list(obj)[:6]]
    return ", ".join(repr(k) for k in keys[:5]) + (", …" if len(obj) > 5 else "")


def _from_upstream_dict(obj: object, name: str) -> tuple[dict[str, torch.Tensor], dict, str]:
    if not isinstance(obj, dict):
        raise CheckpointError(f"{name} does not hold a GPT checkpoint (top level is {type(obj).__name__}).")
    if "weight" not in obj or "config" not in obj:
        hint = ""
        if "state_dict" in obj:
            hint = " It looks like a training-time Lightning checkpoint; use the exported file from GPT_weights*."
        raise CheckpointError(
            f"{name} is not a GPT checkpoint: expected 'weight' and 'config', found {_keys_shown(obj) or 'nothing'}."
            + hint
        )
    weight, config = obj["weight"], obj["config"]
    if not isinstance(config, dict) or "model" not in config:
        raise CheckpointError(f"{name} has no GPT 'model' config section; is it a SoVITS file?")
    if not isinstance(weight, dict) or not all(isinstance(v, torch.Tensor) for v in weight.values()):
        raise CheckpointError(f"{name}: 'weight' is not a mapping of tensors.")
    if not any(isinstance(k, str) and k.startswith(KEY_PREFIX + "ar_predict_layer") for k in weight):
        raise CheckpointError(f"{name} has no 'model.ar_predict_layer' weights; it is not a GPT model.")
    weights = OrderedDict((str(k).removeprefix(KEY_PREFIX), v) for k, v in weight.items())
    return weights, config, str(obj.get("info", ""))


def import_gpt(path: str | os.PathLike) -> tuple[dict[str, torch.Tensor], dict, str]:
    """Read an upstream ``.ckpt`` or native GPT file -> (weights without ``model.``, upstream config, info)."""
    path = Path(path)
    name = file_label(path)
    if not path.is_file():
        raise ModelNotFoundError(f"GPT model file not found: {name}")
    raw = read_bytes(path)
    kind = _sniff(raw[:8])
    if kind == "sovits-header":
        raise CheckpointError(f"{name} is a SoVITS model (it starts with a version tag), not a GPT model.")
    if kind != "native":
        return _from_upstream_dict(_torch_load(raw, kind, name), name)
    if path.suffix.lower() != NATIVE_SUFFIX:
        raise not_an_archive(name)
    native = load_native(path)
    if native.kind != NATIVE_KIND:
        raise CheckpointError(f"{name} holds a '{plain_line(native.kind, 40)}' model, not a GPT model.")
    if not isinstance(native.config.get("model"), dict):
        raise CheckpointError(f"{name} has no GPT 'model' config section in its metadata.")
    return OrderedDict(native.weights), native.config, native.info


def model_from_weights(weights: dict[str, torch.Tensor], config: dict, name: str = "checkpoint") -> Text2SemanticModel:
    """Build a float32 model from ``config`` and load ``weights`` strictly."""
    try:
        model = build_gpt(config)
    except (ConfigError, TypeError, ValueError, KeyError, AttributeError, RuntimeError) as e:
        raise CheckpointError(f"{name} has an unusable GPT config: {plain_line(e, 200)}") from e
    load_strict(model, dict(weights), name, "GPT model")
    return model


def load_gpt(path: str | os.PathLike, device: str | torch.device = "cpu") -> Text2SemanticModel:
    """Load a GPT model (upstream ``.ckpt`` or native ``.safetensors``) in eval mode, float32, on ``device``."""
    weights, config, info = import_gpt(path)
    model = model_from_weights(weights, config, file_label(path))
    logger.info("loaded GPT %s (%s, %d layers)", Path(path).name, info or "no info", model.config.n_layer)
    return model.to(device).eval()


def save_gpt_native(model: Text2SemanticModel, path: str | os.PathLike, info: str = "") -> None:
    """Write ``model`` as our native safetensors file (weights as they are, config as upstream's dict)."""
    path = Path(path)
    if path.suffix != NATIVE_SUFFIX:
        raise CheckpointError(f"native GPT files end in {NATIVE_SUFFIX}, got {path.name}")
    weights = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    version = "v1" if model.config.phoneme_vocab_size == V1_PHONEME_VOCAB else "v2"
    save_native(NativeCheckpoint(NATIVE_KIND, version, model.upstream_config, weights, info), path)


def _save_upstream(obj: dict, path: Path) -> None:
    """torch.save like upstream: a temp file named by the current time (its name is the zip's top folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f"{time.time():.6f}.pth"
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def upstream_weights(model: Text2SemanticModel) -> OrderedDict:
    """State dict in upstream's export form: ``model.``-prefixed keys, fp16 tensors."""
    return OrderedDict((KEY_PREFIX + k, v.detach().cpu().half()) for k, v in model.state_dict().items())


def export_gpt_upstream(model: Text2SemanticModel, path: str | os.PathLike, info: str = "GPT-e1") -> None:
    """Write ``{"weight", "config", "info"}`` exactly as upstream's GPT export (fp16, ``model.`` keys)."""
    _save_upstream({"weight": upstream_weights(model), "config": model.upstream_config, "info": info}, Path(path))


def write_random_gpt_pretrained(
    path: str | os.PathLike, model_overrides: dict | None = None, seed: int = 0, info: str = "random-pretrained"
) -> Text2SemanticModel:
    """Write an upstream-format ``s1*.ckpt`` holding a random model (s1longer-v2 config + ``model_overrides``).

    Returns the model (float32, eval) whose fp16-rounded weights were written.
    """
    overrides = dict(model_overrides or {})
    if "hidden_dim" in overrides and "embedding_dim" not in overrides:
        overrides["embedding_dim"] = overrides["hidden_dim"]
    config = copy.deepcopy(UPSTREAM_V2_CONFIG)
    config["model"].update(overrides)
    with torch.random.fork_rng(devices=[]):  # leave the caller's global RNG untouched
        torch.manual_seed(seed)
        model = build_gpt(config)
    with torch.no_grad():  # what a user loads is the fp16 file; keep the returned model identical to it
        for p in model.parameters():
            p.copy_(p.half().float())
    _save_upstream({"weight": upstream_weights(model), "config": config, "info": info}, Path(path))
    return model.eval()
