"""Reduced-precision copies of the GPT for faster CPU decoding (batch-1 decoding reads every weight per token).

* ``"bf16"``: every weight, the activations and the KV cache in bfloat16 (logits and sampling stay float32).
* ``"fp16"``: the transformer's linear layers keep float16 weights and run in float16; everything between
  them (LayerNorm, attention, residuals, KV cache, embeddings, output head) stays float32.

Both change the numbers slightly, so long greedy runs can drift from fp32 after a while; the benchmark
(bench/bench_models.py) reports the token agreement.  The returned model is for decoding only.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F

from gpt_sovits.models.t2s.model import Text2SemanticModel

PRECISIONS = ("fp32", "bf16", "fp16")


def _fp16_linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    return F.linear(x.half(), weight, bias).float()


def to_reduced_precision(model: Text2SemanticModel, precision: str) -> Text2SemanticModel:
    """A decoding-only copy of ``model`` in ``precision`` (one of PRECISIONS); ``model`` is left unchanged."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    out = copy.deepcopy(model).eval()
    if precision == "bf16":
        return out.to(torch.bfloat16)
    if precision == "fp16":
        packed = []
        for layer in out.packed_layers():
            linears = [t.detach().half().contiguous() for t in layer[:8]]
            packed.append((*linears, *layer[8:]))
        out.step_weights = packed
        out.step_linear = _fp16_linear
    return out
