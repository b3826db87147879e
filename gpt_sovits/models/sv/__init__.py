"""Speaker verification (ERes2NetV2) for SoVITS v2Pro / v2ProPlus."""

from __future__ import annotations

from pathlib import Path

import torch

from gpt_sovits.models.sv.eres2netv2 import ERes2NetV2
from gpt_sovits.models.sv.features import SPEAKER_EMBEDDING_DIM, kaldi_fbank, speaker_embedding

__all__ = [
    "SPEAKER_EMBEDDING_DIM",
    "ERes2NetV2",
    "build_speaker_encoder",
    "kaldi_fbank",
    "load_speaker_encoder",
    "speaker_embedding",
]


def build_speaker_encoder(**overrides) -> ERes2NetV2:
    """ERes2NetV2 as GPT-SoVITS builds it (baseWidth 24, scale 4, expansion 4; 20480-d pooled output)."""
    settings = {"base_width": 24, "scale": 4, "expansion": 4, **overrides}
    return ERes2NetV2(**settings)


def load_speaker_encoder(path: Path, device: str | torch.device = "cpu", **overrides) -> ERes2NetV2:
    """Load ``pretrained_eres2netv2w24s4ep4.ckpt`` (a plain state dict), strictly, in eval mode, float32.

    ``overrides`` change the architecture (ERes2NetV2 arguments) for non-official files.
    """
    from gpt_sovits.errors import CheckpointError
    from gpt_sovits.models.checkpoint import read_upstream_archive

    path = Path(path)
    obj, _ = read_upstream_archive(path)
    state = obj.get("model", obj) if isinstance(obj, dict) else None
    if not isinstance(state, dict) or "layer3_ds.weight" not in state:
        raise CheckpointError(f"{path.name} is not an ERes2NetV2 speaker-verification checkpoint")
    with torch.device("meta"):
        model = build_speaker_encoder(**overrides)
    floats = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
    try:
        model.load_state_dict(floats, strict=True, assign=True)
    except RuntimeError as e:
        raise CheckpointError(f"{path.name} does not fit ERes2NetV2 (baseWidth 24, scale 4, expansion 4): {e}") from e
    return model.to(device).eval()
