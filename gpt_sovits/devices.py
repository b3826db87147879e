"""Choose where models run (CUDA fp16 or CPU fp32) and report the hardware.

Nothing here runs at import: torch is imported inside the functions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeviceChoice:
    """A device and the precision models should use on it."""

    device: str  # "cuda", "cuda:1", "cpu", "mps"
    use_half: bool

    @property
    def dtype(self):
        import torch

        return torch.float16 if self.use_half else torch.float32


@dataclass(frozen=True)
class GpuInfo:
    """What a user needs to know about one GPU."""

    index: int
    name: str
    total_bytes: int
    free_bytes: int
    capability: tuple[int, int]


def choose_device(preference: str = "auto", half: bool | None = None) -> DeviceChoice:
    """Pick a device: ``auto`` prefers CUDA, then CPU. fp16 defaults to on for CUDA only.

    Raises StudioError when a CUDA device is asked for but none is usable.
    """
    import torch

    from gpt_sovits.errors import StudioError

    pref = preference.lower().strip()
    if pref == "auto":
        pref = "cuda" if torch.cuda.is_available() else "cpu"
    if pref.startswith("cuda"):
        if not torch.cuda.is_available():
            raise StudioError(
                "A CUDA GPU was requested but none is usable. Check the NVIDIA driver "
                "(run `python -m gpt_sovits doctor`) or choose the CPU."
            )
        index = int(pref.split(":", 1)[1]) if ":" in pref else 0
        if index >= torch.cuda.device_count():
            raise StudioError(f"GPU {index} does not exist; this computer has {torch.cuda.device_count()} GPU(s).")
    elif pref not in ("cpu", "mps"):
        raise StudioError(f"Unknown device {preference!r}; use auto, cpu, cuda or cuda:N.")
    use_half = pref.startswith("cuda") if half is None else bool(half and pref != "cpu")
    return DeviceChoice(device=pref, use_half=use_half)


def list_gpus() -> list[GpuInfo]:
    """Every visible CUDA GPU with its memory; an empty list without CUDA."""
    import torch

    if not torch.cuda.is_available():
        return []
    gpus = []
    for index in range(torch.cuda.device_count()):
        props = torch.cuda.get_device_properties(index)
        free, total = torch.cuda.mem_get_info(index)
        gpus.append(GpuInfo(index, props.name, int(total), int(free), (props.major, props.minor)))
    return gpus


def free_vram_bytes(device: str = "cuda") -> int | None:
    """Free memory on a CUDA device, or None for the CPU."""
    import torch

    if not device.startswith("cuda") or not torch.cuda.is_available():
        return None
    index = int(device.split(":", 1)[1]) if ":" in device else 0
    return int(torch.cuda.mem_get_info(index)[0])
