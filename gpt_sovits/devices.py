"""Choose where models run (CUDA fp16 or CPU fp32) and report the hardware.

Nothing here runs at import: torch is imported inside the functions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

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


# CPU feature flags (from /proc/cpuinfo) that make oneDNN's bfloat16 kernels fast.
BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The CPU feature flags the kernel reports (empty where /proc/cpuinfo is absent)."""
    try:
        text = cpuinfo.read_text(encoding="ascii", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def cpu_vendor(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's vendor string ("GenuineIntel", "AuthenticAMD", ...), or "" where it cannot be read."""
    try:
        for line in cpuinfo.read_text(encoding="ascii", errors="replace").splitlines():
            if line.startswith("vendor_id"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    import platform  # Windows: "AMD64 Family 25 Model 97 Stepping 2, AuthenticAMD"

    return platform.processor().rpartition(",")[2].strip()


def cpu_has_fast_bf16() -> bool:
    """True when this CPU runs bfloat16 convolutions natively (AMX or AVX512-BF16) and oneDNN is on."""
    import torch

    return torch.backends.mkldnn.is_available() and bool(cpu_flags() & set(BF16_CPU_FLAGS))


# ----- precision policy: the one place that decides what "exact" and "fast" mean -----------------
# A user sees one knob. "exact": float32 everywhere, upstream's numbers (the golden tests check this
# mode), and the default. "fast": the GPT stays float32 on every device, so fast says exact's tokens (the
# same words, pauses and length); only the vocoder (and on CUDA HuBERT and BERT) runs in 16-bit floats,
# which changes the samples slightly. An int8 GPT was faster on some CPUs but said other tokens than
# float32 on most pieces of random test models (17-30%, bench/bench_agreement.py, bench/RESULTS.md), and on
# x86 CPUs not made by Intel the compiled float32 step (models/t2s/cpu_step.py) is faster than it; int8
# stays available to benchmarks (GPT_PRECISIONS) but no mode uses it.
PRECISION_MODES = ("exact", "fast")
DEFAULT_PRECISION = "exact"
PRECISION_HELP = ("exact (default): float32 everywhere, upstream's numbers; fast: the same float32 GPT (the same "
                  "tokens as exact) with a bfloat16 vocoder on CPUs with AVX512-BF16 or AMX and a float16 vocoder, "
                  "HuBERT and BERT on CUDA (slightly different samples); on other CPUs fast equals exact")
GPT_PRECISIONS = ("fp32", "bf16", "fp16", "int8")
VOCODER_PRECISIONS = ("fp32", "bf16", "fp16")


@dataclass(frozen=True)
class PrecisionPlan:
    """What each network runs in for one precision mode on one device.

    ``gpt``: one of GPT_PRECISIONS (models/t2s/quantize.py); ``vocoder``: one of VOCODER_PRECISIONS;
    ``features_half``: HuBERT and BERT in float16 (CUDA only); ``cuda_graphs``: the GPT's decode step is
    replayed as a CUDA graph (same tokens as the plain step, tests/gpu).
    """

    mode: str
    gpt: str
    vocoder: str
    features_half: bool
    cuda_graphs: bool

    def __post_init__(self) -> None:
        from gpt_sovits.errors import ConfigError

        if self.gpt not in GPT_PRECISIONS or self.vocoder not in VOCODER_PRECISIONS:
            raise ConfigError(f"unknown precisions: GPT {self.gpt!r}, vocoder {self.vocoder!r}")


def check_precision_mode(mode: str) -> str:
    """``mode`` when it is one of PRECISION_MODES, else a ConfigError naming them."""
    from gpt_sovits.errors import ConfigError

    if mode not in PRECISION_MODES:
        raise ConfigError(f"precision must be one of {', '.join(PRECISION_MODES)}, got {mode!r}")
    return mode


def precision_plan(mode: str, device: str) -> PrecisionPlan:
    """The precisions of ``mode`` ("exact" or "fast") on ``device`` ("cpu", "cuda", "cuda:N", "mps").

    The fast mode keeps the GPT in float32 everywhere, so it says exact's tokens. On CUDA its decode step
    with CUDA graphs is bound by kernel latency, not by weight bytes (H200: 399 tokens/s float32 against 348
    float16, bench/RESULTS.md); on a CPU the int8 GPT said other tokens on most test pieces (module note
    above). The vocoder runs in float16 on CUDA and in bfloat16 on CPUs that compute it natively.
    """
    check_precision_mode(mode)
    on_cuda = device.startswith("cuda")
    if mode == "exact":
        return PrecisionPlan(mode, "fp32", "fp32", False, on_cuda)
    if on_cuda:
        return PrecisionPlan(mode, "fp32", "fp16", True, True)
    vocoder = "bf16" if device == "cpu" and cpu_has_fast_bf16() else "fp32"
    return PrecisionPlan(mode, "fp32", vocoder, False, False)
