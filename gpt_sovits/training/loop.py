"""The epoch loop shared by both fine-tunes: resume, progress events, cancel, checkpoints, export."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import torch

from gpt_sovits.training.checkpoints import load_latest_state, remove_stale_partials, save_state, set_rng_state
from gpt_sovits.training.progress import CancelToken, ProgressWriter

logger = logging.getLogger(__name__)


class Trainer(Protocol):
    """What the loop needs from a SoVITS or GPT trainer."""

    kind: str
    steps_per_epoch: int

    def batches(self, epoch: int) -> Iterable[dict]: ...
    def train_step(self, batch: dict, index: int) -> dict[str, float] | None: ...
    def end_epoch(self) -> None: ...
    def learning_rate(self) -> float: ...
    def state_dict(self) -> dict: ...
    def load_state_dict(self, state: dict) -> None: ...
    def export(self, epoch: int, step: int) -> list[Path]: ...


@dataclass
class LoopSettings:
    epochs: int
    save_every: int
    keep: int
    state_dir: Path
    resume: bool
    device: str
    max_steps: int | None = None
    export_every_save: bool = False
    seed: int = 1234
    start_fields: dict = field(default_factory=dict)


@dataclass
class TrainingResult:
    """How a run ended: the exported files (empty when cancelled), counters and the last mean losses."""

    kind: str
    files: list[Path]
    epochs_done: int
    steps: int
    cancelled: bool
    checkpoint: Path | None
    losses: dict[str, float]
    skipped_steps: int = 0


def _vram(device: str) -> int | None:
    if device.startswith("cuda") and torch.cuda.is_available():
        return int(torch.cuda.max_memory_allocated())
    return None


class _Meter:
    """Running means of losses and the rate of steps in this process."""

    def __init__(self):
        self.sums: dict[str, float] = {}
        self.count = 0
        self.started = time.perf_counter()
        self.steps = 0

    def add(self, losses: dict[str, float]) -> None:
        self.count += 1
        for key, value in losses.items():
            self.sums[key] = self.sums.get(key, 0.0) + float(value)

    def means(self) -> dict[str, float]:
        return {k: round(v / max(self.count, 1), 6) for k, v in self.sums.items()}

    def rate(self) -> float:
        elapsed = time.perf_counter() - self.started
        return self.steps / elapsed if elapsed > 0 else 0.0


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _resume(trainer: Trainer, settings: LoopSettings, progress: ProgressWriter) -> tuple[int, int]:
    """(first epoch to run, global step) after loading the newest checkpoint when asked to."""
    remove_stale_partials(settings.state_dir)
    _seed_everything(settings.seed)  # a resumed run replaces these states with the checkpoint's
    if not settings.resume:
        return 1, 0
    loaded = load_latest_state(settings.state_dir)
    if loaded is None:
        progress.emit("warning", message="no checkpoint to resume from; starting from the pretrained models")
        return 1, 0
    state, path = loaded
    trainer.load_state_dict(state)
    set_rng_state(state["rng"])
    logger.info("resuming from %s (epoch %d done, step %d)", path.name, state["epoch"], state["step"])
    progress.emit("resume", checkpoint=str(path), epoch=int(state["epoch"]), step=int(state["step"]))
    return int(state["epoch"]) + 1, int(state["step"])


def _save(trainer: Trainer, settings: LoopSettings, progress: ProgressWriter, epoch: int, step: int,
          partial: bool = False) -> Path:
    path = save_state(settings.state_dir, {**trainer.state_dict(), "epoch": epoch, "step": step,
                                           "partial_epoch": partial}, settings.keep)
    progress.emit("checkpoint", path=str(path), epoch=epoch, step=step)
    return path


def run_loop(trainer: Trainer, settings: LoopSettings, progress: ProgressWriter, cancel: CancelToken) -> TrainingResult:
    """Train epochs until ``settings.epochs``; a cancel request saves a checkpoint and returns early.

    A cancel inside an epoch saves the weights reached so far with the epoch counted as not done,
    so ``resume`` runs that epoch again from its start.
    """
    first_epoch, step = _resume(trainer, settings, progress)
    total_steps = settings.epochs * trainer.steps_per_epoch
    progress.emit("start", kind=trainer.kind, epochs=settings.epochs, first_epoch=first_epoch,
                  steps_per_epoch=trainer.steps_per_epoch, device=settings.device, **settings.start_fields)
    meter, checkpoint, last_losses, epoch = _Meter(), None, {}, first_epoch - 1
    for epoch in range(first_epoch, settings.epochs + 1):
        epoch_meter = _Meter()
        for index, batch in enumerate(trainer.batches(epoch)):
            if cancel.requested():
                checkpoint = _save(trainer, settings, progress, epoch - 1, step, partial=True)
                progress.emit("cancelled", epoch=epoch, step=step, checkpoint=str(checkpoint))
                return TrainingResult(trainer.kind, [], epoch - 1, step, True, checkpoint, epoch_meter.means(),
                                      getattr(trainer, "skipped_steps", 0))
            losses = trainer.train_step(batch, index)
            step += 1
            meter.steps += 1
            if losses is None:
                continue
            epoch_meter.add(losses)
            rate = meter.rate()
            eta = (total_steps - step) / rate if rate > 0 else None
            progress.emit("step", epoch=epoch, epochs=settings.epochs, step=step, total_steps=total_steps,
                          losses={k: round(float(v), 5) for k, v in losses.items()}, it_s=round(rate, 3),
                          eta_s=None if eta is None else round(eta, 1), vram_bytes=_vram(settings.device),
                          lr=trainer.learning_rate())
            if settings.max_steps is not None and step >= settings.max_steps:
                break
        trainer.end_epoch()
        last_losses = epoch_meter.means()
        progress.emit("epoch", epoch=epoch, epochs=settings.epochs, step=step, losses=last_losses)
        logger.info("%s epoch %d/%d done (step %d): %s", trainer.kind, epoch, settings.epochs, step, last_losses)
        stop = settings.max_steps is not None and step >= settings.max_steps
        if epoch % settings.save_every == 0 or epoch == settings.epochs or stop:
            checkpoint = _save(trainer, settings, progress, epoch, step)
            if settings.export_every_save and epoch != settings.epochs and not stop:
                trainer.export(epoch, step)
        if stop:
            break
    files = trainer.export(epoch, step)
    progress.emit("done", epoch=epoch, step=step, files=[str(f) for f in files], losses=last_losses)
    return TrainingResult(trainer.kind, files, epoch, step, False, checkpoint, last_losses,
                          getattr(trainer, "skipped_steps", 0))
