"""Set-up shared by both fine-tunes: the voice's folders, the device, precision and pretrained files."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import torch

from gpt_sovits.training.layout import DatasetLayout
from gpt_sovits.training.options import TrainingOptions
from gpt_sovits.training.precision import Precision, choose_precision

logger = logging.getLogger(__name__)

STATE_FOLDER = "training"
PROGRESS_FILE = "progress.jsonl"
CANCEL_FILE = "CANCEL"
LOG_FILE = "train.log"


@dataclass(frozen=True)
class RunFolders:
    """Where one voice's run of one kind reads and writes.

    ``models`` = workspace/<voice>/models/<kind>/ (final native and upstream files);
    ``state`` = models/<kind>/training/ (checkpoints, progress.jsonl, train.log, CANCEL).
    """

    name: str
    dataset: DatasetLayout
    models: Path
    state: Path

    @property
    def progress(self) -> Path:
        return self.state / PROGRESS_FILE

    @property
    def cancel(self) -> Path:
        return self.state / CANCEL_FILE

    @property
    def log(self) -> Path:
        return self.state / LOG_FILE


def voice_folders(workspace: Path, voice: str, kind: str, check_consent: bool = True) -> RunFolders:
    """The folders of ``voice`` in ``workspace`` for ``kind`` ("sovits" or "gpt")."""
    from gpt_sovits.data.workspace import Workspace

    v = Workspace(Path(workspace)).voice(voice)
    if check_consent:
        v.require_consent("training")
    models = v.path("models", kind)
    return RunFolders(v.name, DatasetLayout.detect(v.path("features")), models, models / STATE_FOLDER)


def log_to_voice(workspace: Path, voice: str, action: str, **details) -> None:
    from gpt_sovits.data.workspace import Workspace

    Workspace(Path(workspace)).voice(voice).log(action, **details)


def pick_device(options: TrainingOptions) -> tuple[str, Precision]:
    """Device string and precision for a run (threads limited when asked)."""
    from gpt_sovits.devices import choose_device

    if options.num_threads:
        torch.set_num_threads(options.num_threads)
    device = choose_device(options.device).device
    if device == "mps":
        device = "cpu"  # training on Apple GPUs is not supported; the CPU is slower but works
    return device, Precision(device, choose_precision(device, options.precision))




def grad_norm(parameters) -> float:
    """L2 norm of all gradients (inf or nan when one is not finite)."""
    grads = [p.grad.detach().float().norm() for p in parameters if p.grad is not None]
    if not grads:
        return 0.0
    return float(torch.stack(grads).norm())
