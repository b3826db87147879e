"""Tell which SoVITS version a set of weights belongs to, from content only.

Order of evidence (SPEC-upstream.md §2.3-2.4, "recommended robust detection"):
the two-byte header code when present, then the tensors themselves: the
speaker-embedding layer marks the Pro family, a first upsampling kernel of 20
(or a 768-wide decoder) marks v2ProPlus, and the phoneme table has 322 rows in
v1 and 732 afterwards. File size is never used.
"""

from __future__ import annotations

import re

import torch

from gpt_sovits.errors import CheckpointError
from gpt_sovits.models.sovits.config import PRO_VERSIONS

HEADER_CODES = {
    b"00": "v1",
    b"01": "v2",
    b"02": "v3",
    b"03": "v3 LoRA",
    b"04": "v4 LoRA",
    b"05": "v2Pro",
    b"06": "v2ProPlus",
}
UNSUPPORTED = ("v3", "v3 LoRA", "v4 LoRA", "v4")
SYMBOL_ROWS = {322: "v1", 732: "v2"}


def describe_foreign_weights(keys: list[str]) -> str | None:
    """A hint when the weights are clearly not a SoVITS generator, else None."""
    if any(k.startswith("model.ar_") or k.startswith("model.h.layers.") for k in keys):
        return "it looks like a GPT (text-to-semantic) checkpoint; load it as the GPT model instead"
    if any(k.startswith("discriminators.") for k in keys):
        return "it holds a SoVITS discriminator (s2D), not the generator (s2G)"
    if any(k.startswith(("cfm.", "bridge.", "wns1.")) for k in keys):
        return "it is a SoVITS v3/v4 model, which this studio does not support"
    return None


def detect_sovits_version(weights: dict[str, torch.Tensor], header: bytes | None = None) -> str:
    """Version ("v1", "v2", "v2Pro", "v2ProPlus") of generator weights; CheckpointError otherwise."""
    keys = list(weights)
    hint = describe_foreign_weights(keys)
    header_version = HEADER_CODES.get(header) if header else None
    if header_version in UNSUPPORTED:
        raise CheckpointError(f"this SoVITS file is marked {header_version}, which this studio does not support")
    if hint is not None:
        raise CheckpointError(f"not a SoVITS v1/v2/v2Pro/v2ProPlus generator: {hint}")
    if "enc_p.text_embedding.weight" not in weights or "dec.conv_pre.weight" not in weights:
        raise CheckpointError(
            "not a SoVITS generator: the weights lack enc_p.text_embedding and dec.conv_pre "
            "(expected a GPT-SoVITS s2G / SoVITS_weights .pth file)"
        )
    rows = int(weights["enc_p.text_embedding.weight"].shape[0])
    if rows not in SYMBOL_ROWS:
        raise CheckpointError(f"unexpected phoneme table size {rows} (expected 322 for v1 or 732 for v2)")
    if "sv_emb.weight" in weights:
        version = "v2ProPlus" if _is_pro_plus(weights) else "v2Pro"
        if rows != 732:
            raise CheckpointError("inconsistent SoVITS file: a Pro model must use the 732-symbol phoneme table")
    else:
        version = SYMBOL_ROWS[rows]
    if header_version in PRO_VERSIONS and version != header_version:
        raise CheckpointError(f"inconsistent SoVITS file: header says {header_version} but the weights are {version}")
    return version


def _is_pro_plus(weights: dict[str, torch.Tensor]) -> bool:
    first_up = weights.get("dec.ups.0.weight_v")
    if first_up is not None and int(first_up.shape[-1]) == 20:
        return True
    return int(weights["dec.conv_pre.weight"].shape[0]) == 768


def _count_layers(weights: dict[str, torch.Tensor], prefix: str) -> int:
    pattern = re.compile(re.escape(prefix) + r"\.(\d+)\.")
    indices = {int(m.group(1)) for k in weights if (m := pattern.match(k))}
    return max(indices) + 1 if indices else 0


def infer_model_settings(weights: dict[str, torch.Tensor]) -> dict:
    """Model-section settings that can be read off tensor shapes (for files without a config)."""
    w = weights
    hidden = int(w["enc_p.ssl_proj.weight"].shape[0])
    k_channels = int(w["enc_p.encoder_text.attn_layers.0.emb_rel_k"].shape[-1])
    n_ups = _count_layers(w, "dec.ups")
    n_blocks = _count_layers(w, "dec.resblocks")
    per_stage = n_blocks // n_ups if n_ups else 3
    settings = {
        "inter_channels": int(w["enc_p.proj.weight"].shape[0]) // 2,
        "hidden_channels": hidden,
        "filter_channels": int(w["enc_p.encoder_text.ffn_layers.0.conv_1.weight"].shape[0]),
        "n_heads": hidden // k_channels,
        "n_layers": _count_layers(w, "enc_p.encoder_text.attn_layers"),
        "kernel_size": int(w["enc_p.encoder_text.ffn_layers.0.conv_1.weight"].shape[-1]),
        "upsample_initial_channel": int(w["dec.conv_pre.weight"].shape[0]),
        "upsample_kernel_sizes": [int(w[f"dec.ups.{i}.weight_v"].shape[-1]) for i in range(n_ups)],
        "resblock_kernel_sizes": [int(w[f"dec.resblocks.{j}.convs1.0.weight_v"].shape[-1]) for j in range(per_stage)],
    }
    if "dec.cond.weight" in w:
        settings["gin_channels"] = int(w["dec.cond.weight"].shape[1])
    return settings
