"""Training as a subprocess: SIGKILL mid-epoch then --resume, and cancel through the CANCEL file."""

from __future__ import annotations

import os
import signal
import time

import pytest
import torch

from gpt_sovits.cli import build_parser
from gpt_sovits.training import TrainingOptions
from gpt_sovits.training.checkpoints import list_states
from gpt_sovits.training.jobs import start_training_job, training_argv

pytestmark = pytest.mark.slow
# 3 clips x 33 repeats = 99 items per epoch, 50 steps of 2: long enough to kill inside an epoch
OPTIONS = {"batch_size": 2, "accumulate": 1, "lr": 1e-3, "num_threads": 1, "save_every": 1, "device": "cpu"}


def _wait_for(job, predicate, timeout_s=240.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        events = job.events()
        if predicate(events):
            return events
        if job.poll() is not None:
            raise AssertionError(f"the job ended early (rc {job.poll()}):\n{job.log_text()[-3000:]}")
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the job")


def test_argv_is_a_list_without_shell(tmp_path):
    argv = training_argv("sovits", "my voice", tmp_path, tmp_path, TrainingOptions(epochs=3, resume=True))
    assert argv[1:4] == ["-m", "gpt_sovits", "train-sovits"] and "my voice" in argv and argv[-1] == "--resume"
    args = build_parser().parse_args(argv[3:])
    assert args.voice == "my voice" and args.epochs == 3 and args.resume and args.batch_size == "auto"


def test_gpt_argv_carries_the_optimizer(tmp_path):
    from gpt_sovits.training.commands import _options

    for name in ("adamw", "scaled_adam"):
        argv = training_argv("gpt", "v", tmp_path, tmp_path, TrainingOptions(optimizer=name))
        assert _options(build_parser().parse_args(argv[3:])).optimizer == name


def test_sigkill_mid_epoch_then_resume(voice_workspace, tiny_v2):
    job = start_training_job("gpt", "alice", voice_workspace, tiny_v2, TrainingOptions(epochs=3, **OPTIONS))
    _wait_for(job, lambda ev: any(e["event"] == "step" and e["epoch"] == 2 for e in ev))
    os.kill(job.process.pid, signal.SIGKILL)
    job.wait(30)
    states = list_states(job.folders.state)
    assert [p.name for p in states] == ["state-e0001-s000000050.pt"]
    for path in job.folders.state.iterdir():  # nothing half-written is left under a checkpoint name
        if path.suffix == ".pt":
            assert torch.load(path, weights_only=True)["epoch"] == 1

    resumed = start_training_job("gpt", "alice", voice_workspace, tiny_v2,
                                 TrainingOptions(epochs=3, resume=True, **OPTIONS))
    assert resumed.wait(300) == 0, resumed.log_text()[-3000:]
    events = resumed.events()
    resume = next(e for e in events if e["event"] == "resume")
    assert resume["epoch"] == 1 and resume["step"] == 50
    assert [e["epoch"] for e in events if e["event"] == "epoch"][-2:] == [2, 3]
    done = events[-1]
    assert done["event"] == "done" and done["step"] == 150
    assert all(os.path.isfile(f) for f in done["files"])
    assert "Trained 3 epochs" in resumed.log_text()


def test_cancel_file_stops_with_a_checkpoint(voice_workspace, tiny_v2):
    job = start_training_job("gpt", "alice", voice_workspace, tiny_v2, TrainingOptions(epochs=3, **OPTIONS))
    _wait_for(job, lambda ev: any(e["event"] == "step" for e in ev))
    job.cancel()
    assert job.wait(120) == 0, job.log_text()[-3000:]
    last = job.latest()
    assert last["event"] == "cancelled" and os.path.isfile(last["checkpoint"])
    assert "--resume" in job.log_text()
