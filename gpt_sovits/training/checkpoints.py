"""Training-state checkpoints: everything a run needs to continue exactly where it stopped.

A checkpoint is one ``state-e<epoch>-s<step>.pt`` file (torch.save format, readable with
``weights_only=True``) holding models, optimizers, schedulers, the loss scaler, the epoch and step
counters and the random-number states. It is written to a temporary file and renamed (fileio's
atomic write), so a crash or SIGKILL leaves the previous checkpoint whole and never a truncated one.
"""

from __future__ import annotations

import io
import logging
import pickle
import random
import re
from pathlib import Path

import numpy as np
import torch

from gpt_sovits.fileio import write_bytes_atomic

logger = logging.getLogger(__name__)

STATE_FORMAT = 1
STATE_RE = re.compile(r"^state-e(\d+)-s(\d+)\.pt$")


def state_name(epoch: int, step: int) -> str:
    return f"state-e{epoch:04d}-s{step:09d}.pt"


def list_states(folder: Path) -> list[Path]:
    """Checkpoint files in ``folder``, oldest first (by epoch, then step)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = STATE_RE.match(path.name)
        if match:
            found.append(((int(match.group(1)), int(match.group(2))), path))
    return [p for _, p in sorted(found)]


def rng_state() -> dict:
    """Python, NumPy and torch (CPU and CUDA) random states, in types weights_only loading accepts."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    state = {
        "python": random.getstate(),
        "numpy": [kind, torch.from_numpy(np.asarray(keys).copy()), int(pos), int(has_gauss), float(gauss)],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, pos, has_gauss, gauss_np = state["numpy"]
    np.random.set_state((kind, keys.numpy(), pos, has_gauss, gauss_np))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_state(folder: Path, state: dict, keep: int) -> Path:
    """Write ``state`` (must hold ``epoch`` and ``step``) atomically, then delete all but the newest ``keep``."""
    buffer = io.BytesIO()
    torch.save({"format": STATE_FORMAT, **state, "rng": rng_state()}, buffer)
    path = Path(folder) / state_name(int(state["epoch"]), int(state["step"]))
    write_bytes_atomic(path, buffer.getvalue())
    for old in list_states(folder)[:-keep]:
        if old != path:
            old.unlink(missing_ok=True)
    return path


def remove_stale_partials(folder: Path) -> None:
    """Delete temporary files left by a write that was killed before its rename."""
    folder = Path(folder)
    if folder.is_dir():
        for path in folder.glob(".state-*.partial"):
            path.unlink(missing_ok=True)


def load_latest_state(folder: Path) -> tuple[dict, Path] | None:
    """The newest readable checkpoint (older ones are tried if it cannot be read), or None."""
    for path in reversed(list_states(folder)):
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except (OSError, RuntimeError, EOFError, ValueError, pickle.UnpicklingError) as e:
            logger.warning("cannot read checkpoint %s (%s); trying an older one", path.name, e)
            continue
        if isinstance(state, dict) and state.get("format") == STATE_FORMAT:
            return state, path
        logger.warning("%s is not a training checkpoint of this studio; skipping it", path.name)
    return None


def optimizer_to(optimizer: torch.optim.Optimizer, device: torch.device | str) -> None:
    """Move loaded optimizer moments to the parameters' device."""
    for state in optimizer.state.values():
        for key, value in state.items():
            if isinstance(value, torch.Tensor) and key != "step":
                state[key] = value.to(device)
