"""Float32 matrix products on CPUs where PyTorch's default (Intel MKL) takes a slow path.

PyTorch multiplies float32 matrices with MKL, which runs its best kernels only on Intel CPUs. On an
AMD EPYC (AVX-512, 2 cores; bench/bench_cpu_matmul.py, numbers in bench/RESULTS.md) MKL streams a
decoding step's weights at about 11 GB/s where the memory gives 30, and multiplies 4-20 rows at a
third of the speed of oneDNN, the library PyTorch also ships for convolutions. oneDNN with its weights
reordered once into its blocked layout ("packed") reads them at 20-26 GB/s and gets 125-180 GFLOP/s on
those small products. Both compute in float32 (oneDNN's default strict math), so the results agree with
MKL's to rounding (about 1e-6 relative), as MKL's own results differ between CPUs.

The choice is fixed per machine, never timed at run time (a choice that flipped with the machine's
load would change outputs between runs): ``"auto"`` packs on every x86 CPU not made by Intel.
"""

from __future__ import annotations

import logging
import platform

import torch
import torch.nn.functional as F
from torch import nn

logger = logging.getLogger(__name__)

MATMUL_CHOICES = ("auto", "onednn", "mkl")
# oneDNN picks a weight layout from the expected number of rows; every hint from 2 up gives the same
# general layout, which is as fast as the one for 1 row on single rows and 2-3x faster on 2-16 rows.
PACK_ROWS_HINT = 4
# A packed product that differs from F.linear by more than this (relative to the output's scale) is
# treated as broken, and the weights stay as they are.
SELF_TEST_TOLERANCE = 1e-4


def onednn_available() -> bool:
    """True when this torch build has oneDNN and the packed-linear operators."""
    ops = torch.ops.mkldnn
    return (torch.backends.mkldnn.is_available() and hasattr(ops, "_linear_pointwise")
            and hasattr(ops, "_reorder_linear_weight"))


def packing_wanted(device: torch.device | str, dtype: torch.dtype = torch.float32, choice: str = "auto") -> bool:
    """Whether float32 linears on ``device`` should run through packed oneDNN weights (see module doc)."""
    from gpt_sovits.devices import cpu_vendor

    if choice not in MATMUL_CHOICES:
        raise ValueError(f"unknown CPU matmul choice {choice!r}; choose one of {', '.join(MATMUL_CHOICES)}")
    if torch.device(device).type != "cpu" or dtype != torch.float32 or choice == "mkl" or not onednn_available():
        return False
    if choice == "onednn":
        return True
    # "auto": x86 CPUs not made by Intel, where PyTorch's default is MKL on its slow path (elsewhere, e.g. on
    # ARM, PyTorch does not use MKL, and nothing was measured)
    return platform.machine().lower() in ("x86_64", "amd64") and cpu_vendor() != "GenuineIntel"


def pack_weight(weight: torch.Tensor) -> torch.Tensor:
    """A float32 weight [out, in] reordered into oneDNN's layout (an opaque tensor, inference only)."""
    return torch.ops.mkldnn._reorder_linear_weight(weight.detach().float().contiguous(), PACK_ROWS_HINT)


def packed_linear(x: torch.Tensor, packed: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """``F.linear(x, weight, bias)`` for x [..., in] with ``packed = pack_weight(weight)``: [..., out]."""
    flat = x.reshape(-1, x.shape[-1])
    out = torch.ops.mkldnn._linear_pointwise(flat, packed, bias, "none", [], "")
    return out.view(*x.shape[:-1], out.shape[-1])


def plain_linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """``F.linear`` through oneDNN on an unpacked float32 weight (many rows: a prefill; MKL elsewhere)."""
    if not onednn_available():
        return F.linear(x, weight, bias)
    flat = x.reshape(-1, x.shape[-1])
    out = torch.ops.mkldnn._linear_pointwise(flat.contiguous(), weight, bias, "none", [], "")
    return out.view(*x.shape[:-1], out.shape[-1])


def packs_correctly(weight: torch.Tensor, bias: torch.Tensor | None) -> bool:
    """Run one packed product against F.linear; False (and a log line) if oneDNN fails or disagrees."""
    x = torch.randn(3, weight.shape[1], generator=torch.Generator().manual_seed(0))
    try:
        with torch.inference_mode():
            got = packed_linear(x, pack_weight(weight), bias)
            want = F.linear(x, weight.detach().float(), bias)
    except RuntimeError as e:
        logger.warning("oneDNN products do not run here (%s); using PyTorch's default.", e)
        return False
    error = float((got - want).abs().max()) / max(float(want.abs().max()), 1e-12)
    if error > SELF_TEST_TOLERANCE:
        logger.warning("oneDNN products disagree with PyTorch's (relative error %.1e); using PyTorch's default.",
                       error)
        return False
    return True


class PackedLinear(nn.Module):
    """Inference-only stand-in for an ``nn.Linear`` in float32: same input and output, packed weights.

    The weight is not a parameter (it is not in ``state_dict`` and ``.to()`` does not move it): a
    module holding these is for decoding on the CPU it was packed on.
    """

    def __init__(self, linear: nn.Linear):
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.packed = pack_weight(linear.weight)
        self.bias = (None if linear.bias is None
                     else nn.Parameter(linear.bias.detach().float().clone(), requires_grad=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return packed_linear(x.float(), self.packed, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, packed for oneDNN"


def pack_linears(module: nn.Module) -> int:
    """Replace, in place, every float32 CPU ``nn.Linear`` below ``module`` by a :class:`PackedLinear`.

    Returns how many were replaced (0 when the first one fails the self-test: then nothing changes).
    """
    targets = [(parent, name, child) for parent in module.modules() for name, child in parent.named_children()
               if type(child) is nn.Linear and child.weight.dtype == torch.float32
               and child.weight.device.type == "cpu"]
    if not targets or not packs_correctly(targets[0][2].weight, targets[0][2].bias):
        return 0
    for parent, name, child in targets:
        setattr(parent, name, PackedLinear(child))
    # Weights loaded from safetensors are views of the memory-mapped file; one tensor left on the file keeps
    # all of it mapped (and counted in memory) beside the packed copies. Giving the rest their own memory
    # lets the mapping go.
    with torch.no_grad():
        for tensor in (*module.parameters(), *module.buffers()):
            tensor.data = tensor.data.clone()
    return len(targets)
