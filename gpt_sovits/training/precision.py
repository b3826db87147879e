"""Mixed precision on CUDA and the guard that skips steps whose losses are not finite."""

from __future__ import annotations

import contextlib
import logging
import math
from dataclasses import dataclass, field

import torch

from gpt_sovits.training.options import TrainingError

logger = logging.getLogger(__name__)

MAX_BAD_STEPS_IN_A_ROW = 10
LR_BACKOFF = 0.5


def choose_precision(device: str, requested: str = "auto") -> str:
    """"fp32", "fp16" or "bf16": auto picks bf16 on CUDA cards that support it, fp16 on other CUDA cards,
    fp32 elsewhere. Reduced precision is refused off CUDA."""
    on_cuda = device.startswith("cuda")
    if requested == "auto":
        if not on_cuda:
            return "fp32"
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if requested != "fp32" and not on_cuda:
        raise TrainingError(f"{requested} training needs a CUDA GPU; on {device} use --precision fp32 (or auto).")
    return requested


@dataclass
class Precision:
    """Autocast and loss scaling for one run; ``disable()`` falls back to fp32 for the rest of it."""

    device: str
    mode: str
    scaler: torch.amp.GradScaler = field(init=False)

    def __post_init__(self) -> None:
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.mode == "fp16")

    @property
    def dtype(self) -> torch.dtype | None:
        return {"fp16": torch.float16, "bf16": torch.bfloat16}.get(self.mode)

    def autocast(self):
        """Context in which the forward passes run."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type="cuda", dtype=self.dtype)

    def disable(self) -> None:
        self.mode = "fp32"
        self.scaler = torch.amp.GradScaler("cuda", enabled=False)

    def state_dict(self) -> dict:
        return {"mode": self.mode, "scaler": self.scaler.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        if state.get("mode") == "fp32" and self.mode != "fp32":
            self.disable()  # the run had already fallen back to fp32; keep it there
        if state.get("scaler") and self.scaler.is_enabled():
            self.scaler.load_state_dict(state["scaler"])


def all_finite(values: dict[str, torch.Tensor | float]) -> bool:
    """True when every loss value is a finite number."""
    for value in values.values():
        number = float(value.detach()) if isinstance(value, torch.Tensor) else float(value)
        if not math.isfinite(number):
            return False
    return True


@dataclass
class NonFiniteGuard:
    """Counts skipped steps and backs off: first turn reduced precision off, then halve the learning rates.

    ``on_bad`` returns a sentence for the progress log; after MAX_BAD_STEPS_IN_A_ROW bad steps in a row
    it raises TrainingError with advice.
    """

    skipped: int = 0
    in_a_row: int = 0
    backoffs: list[str] = field(default_factory=list)

    def on_good(self) -> None:
        self.in_a_row = 0

    def on_bad(self, precision: Precision, optimizers: list[torch.optim.Optimizer], what: str) -> str:
        self.skipped += 1
        self.in_a_row += 1
        if self.in_a_row > MAX_BAD_STEPS_IN_A_ROW:
            raise TrainingError(
                f"{self.in_a_row} training steps in a row gave {what}; the run was stopped. Check the dataset "
                "(silent or clipped clips, wrong transcripts), lower the learning rate, or start from the "
                "pretrained models again instead of resuming."
            )
        if precision.mode != "fp32":
            old = precision.mode
            precision.disable()
            action = f"{what}: step skipped; switched from {old} to fp32 for the rest of the run"
        else:
            for optimizer in optimizers:
                for group in optimizer.param_groups:
                    group["lr"] *= LR_BACKOFF
            action = f"{what}: step skipped; learning rates halved"
        self.backoffs.append(action)
        logger.warning(action)
        return action

    def state_dict(self) -> dict:
        return {"skipped": self.skipped, "in_a_row": self.in_a_row, "backoffs": list(self.backoffs)}

    def load_state_dict(self, state: dict) -> None:
        self.skipped = int(state.get("skipped", 0))
        self.in_a_row = int(state.get("in_a_row", 0))
        self.backoffs = list(state.get("backoffs", []))
