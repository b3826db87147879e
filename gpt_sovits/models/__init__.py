"""Neural networks of GPT-SoVITS (tensors in, tensors out) and their checkpoint readers.

Public entry points (imported lazily, so importing this package stays cheap):

- ``load_sovits(path, device="cpu")``: SoVITS generator from an upstream ``.pth`` or native file.
- ``load_gpt(path, device="cpu")``: GPT text-to-semantic model from an upstream ``.ckpt`` or native file.
"""

from __future__ import annotations


def load_sovits(path, device="cpu"):
    """Load a SoVITS generator in eval mode, float32 (see gpt_sovits.models.checkpoint)."""
    from gpt_sovits.models.checkpoint import load_sovits as _load

    return _load(path, device=device)


def load_gpt(path, device="cpu"):
    """Load a GPT text-to-semantic model in eval mode, float32 (see gpt_sovits.models.t2s)."""
    from gpt_sovits.models.t2s.loading import load_gpt as _load

    return _load(path, device=device)


__all__ = ["load_sovits", "load_gpt"]
