"""Fine-tuning on a CUDA GPU with autocast: finite losses, reduced precision kept, VRAM reported, resume.

Run with ``pytest -m gpu`` on a machine with an NVIDIA GPU; skipped elsewhere (tests/conftest.py).
"""

import pytest
import torch

from gpt_sovits.training import TrainingOptions, train_gpt, train_sovits
from gpt_sovits.training.precision import choose_precision
from gpt_sovits.training.progress import read_progress
from tests.training.helpers import CancelAfter, make_voice

pytestmark = pytest.mark.gpu


@pytest.fixture()
def workspace(tmp_path, tiny_v2):
    ws = tmp_path / "workspace"
    make_voice(ws, "gpu", n_clips=4, seconds=2.0,
               sovits_path=tiny_v2 / "gsv-v2final-pretrained" / "s2G2333k.pth")
    return ws


def _check_run(progress_path, mode: str) -> list[dict]:
    events = read_progress(progress_path)
    steps = [e for e in events if e["event"] == "step"]
    assert steps, [e["event"] for e in events]
    for step in steps:
        assert all(abs(float(v)) < 1e6 for v in step["losses"].values()), step
        assert step["vram_bytes"] and step["vram_bytes"] > 0
    starts = [e for e in events if e["event"] == "start"]
    assert starts and all(e["precision"] == mode for e in starts), starts
    return events


@pytest.mark.parametrize("kind", ["sovits", "gpt"])
def test_finetune_on_cuda_with_autocast_then_resume(workspace, tiny_v2, kind):
    mode = choose_precision("cuda", "auto")
    assert mode in ("bf16", "fp16")
    train = train_sovits if kind == "sovits" else train_gpt
    options = {"batch_size": 2, "repeat_target": 4, "save_every": 1, "keep_checkpoints": 2, "seed": 11,
               "device": "cuda", "precision": "auto"}
    if kind == "gpt":
        options["accumulate"] = 1
    cancelled = train("gpu", workspace, tiny_v2, TrainingOptions(epochs=2, **options), cancel=CancelAfter(3))
    assert cancelled.cancelled and cancelled.checkpoint is not None
    resumed = train("gpu", workspace, tiny_v2, TrainingOptions(epochs=2, resume=True, **options))
    assert not resumed.cancelled and resumed.epochs_done == 2 and resumed.files
    assert cancelled.skipped_steps == 0 and resumed.skipped_steps == 0, "non-finite steps under autocast"
    events = _check_run(workspace / "gpu" / "models" / kind / "training" / "progress.jsonl", mode)
    assert any(e["event"] == "resume" for e in events)
    assert torch.cuda.max_memory_allocated() > 0
