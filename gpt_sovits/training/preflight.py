"""Checks made before a run starts, so it fails in seconds with advice instead of after an hour.

Memory figures are generous estimates for the official model sizes with mixed precision; they have not
been measured on a GPU yet (run bench/bench_training.py on one and adjust MEMORY_MODEL).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from gpt_sovits.errors import DiskFullError
from gpt_sovits.training.options import GPT_MAX_BATCH, TrainingError

logger = logging.getLogger(__name__)

GB = 1024**3
MIN_SECONDS_WARN = 60.0  # less usable audio than this trains, but rarely sounds like the speaker
# (fixed cost, cost per batch item) in bytes of GPU memory at the official sizes with mixed precision
MEMORY_MODEL = {"sovits": (2.0 * GB, 1.0 * GB), "gpt": (1.5 * GB, 0.5 * GB)}
CPU_BATCH = {"sovits": 2, "gpt": 4}


@dataclass(frozen=True)
class DataSummary:
    """What is usable in a prepared dataset for one kind of training."""

    usable: int
    skipped: dict[str, str]
    seconds: float


def auto_batch_size(kind: str, free_bytes: int | None, n_items: int) -> int:
    """Upstream's rule: about one item per 2 GB of free GPU memory (GPT: at most 40 and at most a quarter
    of the items); on the CPU a small fixed batch."""
    if free_bytes is None:
        batch = CPU_BATCH[kind]
    else:
        batch = max(1, int(free_bytes // (2 * GB)))
    if kind == "gpt":
        batch = min(batch, GPT_MAX_BATCH, max(1, n_items // 4))
    return max(1, min(batch, max(1, n_items)))


def check_memory(kind: str, free_bytes: int | None, batch_size: int) -> None:
    """Refuse a batch that cannot fit in the free GPU memory (no check on the CPU)."""
    if free_bytes is None:
        return
    fixed, per_item = MEMORY_MODEL[kind]
    need_one = fixed + per_item
    if free_bytes < need_one:
        raise TrainingError(
            f"Only {free_bytes / GB:.1f} GB of GPU memory is free; {kind.upper()} training needs about "
            f"{need_one / GB:.1f} GB. Close other programs that use the GPU (including the synthesis tab's "
            "loaded models), or train on the CPU (much slower)."
        )
    fits = int((free_bytes - fixed) // per_item)
    if batch_size > fits:
        raise TrainingError(
            f"A batch of {batch_size} needs about {(fixed + per_item * batch_size) / GB:.1f} GB of GPU memory "
            f"but {free_bytes / GB:.1f} GB is free. Use --batch-size {max(1, fits)} or 'auto'."
        )


def check_data(kind: str, summary: DataSummary) -> list[str]:
    """Raise when nothing is usable; return warnings (too little audio, clips left out)."""
    if summary.usable == 0:
        reasons = "; ".join(f"{name}: {why}" for name, why in list(summary.skipped.items())[:5]) or "no clips"
        raise TrainingError(
            f"No clip of this voice can be used for {kind.upper()} training ({reasons}). Prepare the dataset "
            "again; clips must be 0.6–54 s long (slice long recordings into pieces of 3–10 s)."
        )
    warnings = []
    if summary.skipped:
        too_long = [n for n, why in summary.skipped.items() if "outside" in why]
        detail = f" ({len(too_long)} too long or too short: slice them into 3–10 s pieces)" if too_long else ""
        warnings.append(f"{len(summary.skipped)} clip(s) left out{detail}: " + ", ".join(list(summary.skipped)[:5]))
    if summary.seconds < MIN_SECONDS_WARN:
        warnings.append(
            f"Only {summary.seconds:.0f} s of usable audio. Training will run, but at least 1 minute "
            "(better 5–30 minutes) of clean speech gives a voice that sounds like the speaker."
        )
    return warnings


def check_disk(folder: Path, need_bytes: int) -> None:
    """Refuse to start when the checkpoints would not fit on the disk."""
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    if free < need_bytes:
        raise DiskFullError(
            f"Training needs about {need_bytes / GB:.1f} GB free in {folder} for its checkpoints, "
            f"but {free / GB:.1f} GB is free. Free some space, or keep fewer checkpoints."
        )


def checkpoint_bytes(n_parameters: int, keep: int) -> int:
    """Disk needed for ``keep`` checkpoints (+1 being written): fp32 weights and two Adam moments."""
    return n_parameters * 4 * 3 * (keep + 1) + 64 * 1024**2
