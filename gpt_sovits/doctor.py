"""`python -m gpt_sovits doctor`: check the machine and say what to fix."""

from __future__ import annotations

import importlib.util
import platform
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from gpt_sovits import pretrained

MIN_PYTHON = (3, 10)
MAX_PYTHON = (3, 12)
MIN_FREE_DISK_BYTES = 5 * 10**9
REQUIRED_MODULES = ("torch", "torchaudio", "numpy", "soundfile", "transformers", "safetensors", "gradio", "yaml")


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool
    detail: str
    advice: str = ""
    required: bool = True


def check_python() -> Check:
    version = sys.version_info[:2]
    ok = MIN_PYTHON <= version <= MAX_PYTHON
    return Check(
        "Python",
        ok,
        f"{platform.python_version()} ({sys.executable})",
        "" if ok else "Install Python 3.10, 3.11 or 3.12 from python.org and run install.sh / install.bat again.",
    )


def check_packages() -> Check:
    missing = [m for m in REQUIRED_MODULES if importlib.util.find_spec(m) is None]
    return Check(
        "Python packages",
        not missing,
        "all installed" if not missing else "missing: " + ", ".join(missing),
        "" if not missing else "Run ./install.sh --no-launch (install.bat on Windows) to install them.",
    )


def check_torch() -> list[Check]:
    if importlib.util.find_spec("torch") is None:
        return [Check("PyTorch", False, "not installed", "Run ./install.sh --no-launch.")]
    import torch

    from gpt_sovits.devices import list_gpus

    checks = [Check("PyTorch", True, f"{torch.__version__}")]
    gpus = list_gpus()
    if gpus:
        for gpu in gpus:
            checks.append(
                Check(
                    f"GPU {gpu.index}",
                    True,
                    f"{gpu.name}, {gpu.total_bytes / 2**30:.1f} GiB VRAM ({gpu.free_bytes / 2**30:.1f} GiB free), CUDA {torch.version.cuda}",
                )
            )
    else:
        checks.append(
            Check(
                "GPU",
                False,
                "no CUDA GPU found: synthesis runs on the CPU (slower), fine-tuning will be very slow",
                "For an NVIDIA card install the current driver; on Windows reinstall with install.bat (CUDA wheels).",
                required=False,
            )
        )
    checks.append(check_cpu_speed())
    return checks


def check_cpu_speed() -> Check:
    """How this CPU runs synthesis: the float32 GPT's decoding step, and the "fast" mode's vocoder."""
    import torch

    from gpt_sovits.devices import cpu_has_fast_bf16
    from gpt_sovits.models.cpu_matmul import packing_wanted

    if not packing_wanted("cpu"):
        step = "float32 GPT through PyTorch's products"
    else:
        from gpt_sovits.models.t2s import cpu_step

        step = ("float32 GPT through the compiled step" if cpu_step.kernel() is not None
                else f"float32 GPT through packed oneDNN products (no compiled step: {cpu_step.unavailable_reason()})")
    bf16 = cpu_has_fast_bf16()
    parts = [f"{torch.get_num_threads()} threads", step,
             "fast mode: bf16 vocoder (AMX/AVX512-BF16)" if bf16 else "fast mode equals exact (no native bf16 on this CPU)"]
    return Check("CPU synthesis", True, ", ".join(parts), required=False)


def check_disk(path: Path) -> Check:
    path.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(path).free
    ok = free >= MIN_FREE_DISK_BYTES
    return Check(
        "Free disk",
        ok,
        f"{free / 1e9:.1f} GB free at {path}",
        "" if ok else "The weights need about 1 GB per version and training needs several GB: free some space.",
    )


def check_pretrained(pretrained_dir: Path) -> Check:
    ready = [v for v in pretrained.SUPPORTED_VERSIONS if pretrained.is_version_ready(v, pretrained_dir)]
    return Check(
        "Pretrained weights",
        bool(ready),
        ("ready: " + ", ".join(ready)) if ready else f"no complete model version in {pretrained_dir}",
        "" if ready else "Run `python -m gpt_sovits download --version v2` (or use the Models tab).",
    )


def check_ffmpeg() -> Check:
    path = shutil.which("ffmpeg")
    return Check(
        "ffmpeg",
        path is not None,
        path or "not found: mp3/m4a files other than those soundfile reads cannot be imported",
        "" if path else "Install ffmpeg (apt install ffmpeg / winget install ffmpeg) to import every audio format.",
        required=False,
    )


def run_checks(pretrained_dir: Path, workspace_dir: Path) -> list[Check]:
    """Every check, in the order shown to the user."""
    return [
        check_python(),
        check_packages(),
        *check_torch(),
        check_disk(workspace_dir),
        check_pretrained(pretrained_dir),
        check_ffmpeg(),
    ]


def format_report(checks: list[Check]) -> str:
    lines = []
    for c in checks:
        mark = "ok  " if c.ok else ("FAIL" if c.required else "warn")
        lines.append(f"[{mark}] {c.name}: {c.detail}")
        if not c.ok and c.advice:
            lines.append(f"       -> {c.advice}")
    failed = [c for c in checks if c.required and not c.ok]
    lines.append("All required checks passed." if not failed else f"{len(failed)} required check(s) failed.")
    return "\n".join(lines)
