"""One line naming the machine a benchmark ran on, printed with every table (CPU model and the SIMD flags
that decide which kernels run, threads, torch, and the GPU when one is used)."""

from __future__ import annotations

import os
import platform
from pathlib import Path

FLAGS_OF_INTEREST = ("sse4_2", "fma", "avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16",
                     "amx_int8")


def cpu_description(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """CPU model and the SIMD flags of interest (Linux: /proc/cpuinfo; elsewhere what platform knows)."""
    model, flags = platform.processor() or platform.machine(), set()
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model in ("", platform.machine(), platform.processor()):
                model = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    present = [f for f in FLAGS_OF_INTEREST if f in flags]
    return f"{model}; flags: {' '.join(present) or 'unknown'}"


def machine_line(threads: int | None = None, device: str = "cpu") -> str:
    """'CPU: …; N logical CPUs; T threads; torch X' (+ the GPU's name on CUDA)."""
    parts = [f"CPU: {cpu_description()}", f"{os.cpu_count()} logical CPUs"]
    try:
        import torch

        parts.append(f"{threads or torch.get_num_threads()} torch threads; torch {torch.__version__}")
        if device.startswith("cuda") and torch.cuda.is_available():
            parts.append(f"GPU: {torch.cuda.get_device_name()}")
    except ImportError:
        pass
    return "; ".join(parts)
