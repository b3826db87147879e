"""Reduced-precision copies of the GPT for faster CPU decoding (batch-1 decoding reads every weight per token).

* ``"bf16"``: every weight, the activations and the KV cache in bfloat16 (logits and sampling stay float32).
* ``"fp16"``: the transformer's linear layers keep float16 weights and run in float16; everything between
  them (LayerNorm, attention, residuals, KV cache, embeddings, output head) stays float32.
* ``"int8"``: weight-only int8 for the transformer's linear layers (symmetric, one scale per output row),
  bfloat16 activations inside those matmuls (torch's ``_weight_int8pack_mm`` CPU kernel; a prefill of more
  than ``INT8_KERNEL_MAX_ROWS`` positions multiplies by the dequantised weight in float32); the KV cache,
  attention, residuals, LayerNorm, embeddings and the output head stay float32 (attention over a bfloat16
  cache ran at half the speed of float32 on an AMD EPYC). A quarter of the fp32 weight bytes per token:
  the fastest path where memory bandwidth limits, as it does for batch-1 decoding on a CPU.

Both change the numbers slightly, so long greedy runs can drift from fp32 after a while; the benchmark
(bench/bench_models.py) reports the token agreement.  The returned model is for decoding only.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F

from gpt_sovits.errors import ConfigError
from gpt_sovits.models.t2s.model import Text2SemanticModel

PRECISIONS = ("fp32", "bf16", "fp16", "int8")
INT8_KERNEL_MAX_ROWS = 16  # more positions per sequence go through the dequantised float32 weight


def _fp16_linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    return F.linear(x.half(), weight, bias).float()


def _pack_int8(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    w = weight.detach().float()
    scales = (w.abs().amax(dim=1) / 127.0).clamp_min(1e-12)
    q = torch.round(w / scales[:, None]).clamp_(-127, 127).to(torch.int8).contiguous()
    return q, scales.to(torch.bfloat16)


def _int8_linear(x: torch.Tensor, packed: tuple[torch.Tensor, torch.Tensor], bias: torch.Tensor) -> torch.Tensor:
    q, scales = packed
    if x.dim() > 1 and x.shape[-2] > INT8_KERNEL_MAX_ROWS:
        # Many positions per sequence (the prompt's prefill): the int8 kernel is built for a few rows and
        # runs this about 1.6x slower than float32; the dequantised weight (same values) in float32 is
        # faster. Decided per sequence, so a batch of sequences takes the path each would take alone.
        return F.linear(x, q.float() * scales.float()[:, None], bias)
    flat = x.reshape(-1, x.shape[-1]).to(torch.bfloat16)
    out = torch._weight_int8pack_mm(flat, q, scales)
    return torch.add(bias, out.view(*x.shape[:-1], q.shape[0]))  # float32 bias + bf16 product -> float32


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
    if precision == "int8":
        if not hasattr(torch, "_weight_int8pack_mm"):
            raise ConfigError(f"int8 decoding needs torch._weight_int8pack_mm, missing in torch {torch.__version__}")
        packed = []
        for wq, bq, wo, bo, w1, b1, w2, b2, *norms in out.packed_layers():
            pairs = [(_pack_int8(w), b.detach().float()) for w, b in ((wq, bq), (wo, bo), (w1, b1), (w2, b2))]
            packed.append((*(t for pair in pairs for t in pair), *norms))
        try:  # the kernel exists, but may refuse this device or layout: find out now, not mid-sentence
            (qkv, scales), bias = packed[0][0], packed[0][1]
            _int8_linear(torch.zeros(1, 1, qkv.shape[1], device=qkv.device), (qkv, scales), bias)
        except RuntimeError as e:
            raise ConfigError(f"int8 decoding does not run here: {e}") from e
        out.step_weights = packed
        out.step_linear = _int8_linear
    if out.step_weights is not None:
        _drop_float_linears(out)
    return out


def pack_float32(model: Text2SemanticModel, compiled: bool = True) -> bool:
    """In place: decode the float32 CPU ``model`` through faster CPU code, freeing its plain transformer
    linears, so the model is for decoding only from then on.

    With ``compiled``, the decoding step runs as one compiled function (t2s/cpu_step.py) for batches of up to
    4 sequences, with the layers' weights stacked; the prefill and larger batches use oneDNN products on those
    same weights. Otherwise, or where the compiled step fails its check here, the products run through
    oneDNN-packed weights (models/cpu_matmul.py). True when the model changed; False (model unchanged) when
    neither passes its self-test here."""
    from gpt_sovits.models.cpu_matmul import pack_weight, packed_linear, packs_correctly, plain_linear

    if model.step_weights is not None:
        return False  # already decoding through its own weights
    if compiled:
        from gpt_sovits.models.t2s.cpu_step import compiled_step_for

        step = compiled_step_for(model)
        if step is not None:
            model.step_weights = step.layers
            model.step_linear = plain_linear
            model.step_kernel = step
            _drop_float_linears(model)
            return True
    layers = model.packed_layers()
    if not packs_correctly(layers[0][0], layers[0][1]):
        return False
    packed = []
    for wq, bq, wo, bo, w1, b1, w2, b2, *norms in layers:
        packed.append((pack_weight(wq), bq, pack_weight(wo), bo, pack_weight(w1), b1, pack_weight(w2), b2, *norms))
    model.step_weights = packed
    model.step_linear = packed_linear
    _drop_float_linears(model)
    return True


def _drop_float_linears(model: Text2SemanticModel) -> None:
    """Free the float32 transformer linear weights of a copy that decodes with its own packed ones
    (300 MB at the official size); the copy can no longer run :meth:`forward` (training)."""
    for layer in model.h.layers:
        for module, name in ((layer.self_attn, "in_proj_weight"), (layer.self_attn.out_proj, "weight"),
                             (layer.linear1, "weight"), (layer.linear2, "weight")):
            setattr(module, name, torch.nn.Parameter(torch.empty(0), requires_grad=False))
