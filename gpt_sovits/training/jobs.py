"""Training as a background job: a subprocess started with an argv list (never a shell).

The child runs ``python -m gpt_sovits train-sovits|train-gpt ...``, appends JSON-line progress to
``models/<kind>/training/progress.jsonl`` and its readable log to ``train.log`` beside it. Cancelling
writes the ``CANCEL`` file there; the child sees it between steps, saves a checkpoint and exits 0
(``--resume`` continues later). The UI, the API and the CLI all use :class:`TrainingJob`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from gpt_sovits.config import PROJECT_ROOT
from gpt_sovits.fileio import write_text_atomic
from gpt_sovits.training.common import RunFolders, voice_folders
from gpt_sovits.training.options import TrainingOptions
from gpt_sovits.training.progress import read_progress

KINDS = {"sovits": "train-sovits", "gpt": "train-gpt"}


def training_argv(kind: str, voice: str, workspace: Path, pretrained_dir: Path,
                  options: TrainingOptions = TrainingOptions()) -> list[str]:
    """The command line of a training run of ``kind`` ("sovits" or "gpt")."""
    if kind not in KINDS:
        raise ValueError(f"kind must be 'sovits' or 'gpt', got {kind!r}")
    argv = [sys.executable, "-m", "gpt_sovits", KINDS[kind], "--voice", voice,
            "--workspace", str(workspace), "--pretrained", str(pretrained_dir)]
    flags = {"--epochs": options.epochs, "--batch-size": options.batch_size, "--save-every": options.save_every,
             "--keep": options.keep_checkpoints, "--device": options.device, "--precision": options.precision,
             "--lr": options.lr, "--seed": options.seed, "--repeat-target": options.repeat_target,
             "--max-steps": options.max_steps, "--threads": options.num_threads}
    for flag, value in flags.items():
        if value is not None:
            argv += [flag, str(value)]
    if kind == "sovits":
        argv += ["--text-lr-ratio", str(options.text_lr_ratio)]
    else:
        argv += ["--accumulate", str(options.accumulate), "--optimizer", options.optimizer]
    if options.resume:
        argv.append("--resume")
    return argv


@dataclass
class TrainingJob:
    """A running (or finished) training subprocess and the files it reports through."""

    kind: str
    voice: str
    process: subprocess.Popen
    folders: RunFolders

    def poll(self) -> int | None:
        """The exit code, or None while running."""
        return self.process.poll()

    def wait(self, timeout: float | None = None) -> int:
        return self.process.wait(timeout)

    def events(self) -> list[dict]:
        """Progress events of this run so far (see gpt_sovits.training.progress)."""
        return read_progress(self.folders.progress)

    def latest(self, event: str | None = None) -> dict | None:
        """The newest event (of type ``event`` when given)."""
        found = [e for e in self.events() if event is None or e.get("event") == event]
        return found[-1] if found else None

    def cancel(self) -> None:
        """Ask the run to stop after its current step, leaving a resumable checkpoint."""
        write_text_atomic(self.folders.cancel, "cancel requested\n")

    def terminate(self) -> None:
        """SIGTERM: handled like a cancel by the child (saves a checkpoint, then exits)."""
        if self.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def log_text(self) -> str:
        try:
            return self.folders.log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""


@dataclass(frozen=True)
class StoppedRun:
    """A run that stopped before it finished (cancelled or crashed) and can be continued from a checkpoint."""

    kind: str
    epoch: int  # epochs fully done in the checkpoint
    step: int  # global step of the checkpoint
    checkpoint: Path


def stopped_run(workspace: Path, voice: str, kind: str) -> StoppedRun | None:
    """The newest checkpoint of an unfinished ``kind`` run of ``voice`` (None: nothing to continue)."""
    from gpt_sovits.training.checkpoints import STATE_RE, list_states

    folders = voice_folders(Path(workspace), voice, kind, check_consent=False)
    states = list_states(folders.state)
    events = read_progress(folders.progress)
    if not states or (events and events[-1].get("event") == "done"):
        return None
    match = STATE_RE.match(states[-1].name)
    return StoppedRun(kind, int(match.group(1)), int(match.group(2)), states[-1])


def start_training_job(kind: str, voice: str, workspace: Path, pretrained_dir: Path,
                       options: TrainingOptions = TrainingOptions()) -> TrainingJob:
    """Start a training subprocess for ``voice`` and return at once (consent is checked first)."""
    folders = voice_folders(Path(workspace), voice, kind)
    folders.state.mkdir(parents=True, exist_ok=True)
    folders.cancel.unlink(missing_ok=True)
    if not options.resume:
        folders.progress.unlink(missing_ok=True)
    argv = training_argv(kind, folders.name, Path(workspace).resolve(), Path(pretrained_dir).resolve(), options)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("PYTHONUNBUFFERED", "1")
    with open(folders.log, "a", encoding="utf-8") as log:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   cwd=str(PROJECT_ROOT), env=env)
    return TrainingJob(kind, folders.name, process, folders)
