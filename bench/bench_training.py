"""Training step time and peak memory at the official model sizes, with random weights.

    python bench/bench_training.py [--device auto|cpu|cuda] [--precision auto|fp32|fp16|bf16]
                                   [--steps 2] [--seconds 4] [--sovits-batch 1] [--gpt-batch 4] [--threads N]

One SoVITS step = generator training pass, discriminator update and generator update (upstream's
order) on clips of ``--seconds`` seconds; one GPT step = teacher-forced loss and backward (the optimizer
step is included too, as if every batch stepped). The first step is a warm-up and is not timed. Peak
memory is the CUDA allocator's peak on a GPU, the process's peak resident size on the CPU.
"""

from __future__ import annotations

import argparse
import copy
import resource
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import machine_line  # noqa: E402
from gpt_sovits.audio.spectrogram import linear_spectrogram  # noqa: E402
from gpt_sovits.models.sovits import build_discriminator, build_sovits  # noqa: E402
from gpt_sovits.models.sovits.config import to_upstream_config  # noqa: E402
from gpt_sovits.models.t2s.config import UPSTREAM_V2_CONFIG  # noqa: E402
from gpt_sovits.models.t2s.loading import build_gpt  # noqa: E402
from gpt_sovits.training.gpt import GPTTrainer  # noqa: E402
from gpt_sovits.training.options import TrainingOptions  # noqa: E402
from gpt_sovits.training.precision import Precision, choose_precision  # noqa: E402
from gpt_sovits.training.sovits import SoVITSTrainer  # noqa: E402


class _Sized:
    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n


def sovits_batch(batch: int, seconds: float, device: str, pro: bool) -> dict:
    frames = int(seconds * 50)
    wav = torch.randn(batch, frames * 640) * 0.1
    out = {"ssl": torch.randn(batch, 768, frames), "spec": linear_spectrogram(wav), "wav": wav[:, None],
           "text": torch.randint(1, 700, (batch, int(seconds * 12))),
           "spec_lengths": torch.full((batch,), frames), "text_lengths": torch.full((batch,), int(seconds * 12))}
    if pro:
        out["sv"] = torch.randn(batch, 20480)
    return {k: v.to(device) for k, v in out.items()}


def gpt_batch(batch: int, seconds: float, device: str) -> dict:
    n_text, n_audio = int(seconds * 12), int(seconds * 25)
    out = {"phones": torch.randint(1, 700, (batch, n_text)), "phone_lens": torch.full((batch,), n_text),
           "semantic": torch.randint(0, 1024, (batch, n_audio)), "semantic_lens": torch.full((batch,), n_audio),
           "bert": torch.randn(batch, 1024, n_text)}
    return {k: v.to(device) for k, v in out.items()}


def _peak(device: str) -> float:
    if device.startswith("cuda"):
        return torch.cuda.max_memory_allocated() / 1024**3
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB -> GiB


def _time(trainer, batch: dict, steps: int, device: str, index_of_step: int) -> float:
    trainer.train_step(batch, index_of_step)  # warm-up
    if device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(steps):
        trainer.train_step(batch, index_of_step)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / steps


def bench_sovits(version: str, args, device: str, mode: str) -> tuple[float, float]:
    torch.manual_seed(0)
    g, d = build_sovits(version), build_discriminator(version)
    trainer = SoVITSTrainer(_Sized(args.sovits_batch), g, d, to_upstream_config(g.config), TrainingOptions(),
                            device, Precision(device, mode), args.sovits_batch, Path("."), "bench")
    batch = sovits_batch(args.sovits_batch, args.seconds, device, g.is_pro)
    seconds = _time(trainer, batch, args.steps, device, 0)
    return seconds, _peak(device)


def bench_gpt(args, device: str, mode: str) -> tuple[float, float]:
    torch.manual_seed(0)
    model = build_gpt(copy.deepcopy(UPSTREAM_V2_CONFIG))
    options = TrainingOptions(accumulate=1)
    trainer = GPTTrainer(_Sized(args.gpt_batch), model, options, device, Precision(device, mode), args.gpt_batch,
                         Path("."), "bench")
    seconds = _time(trainer, gpt_batch(args.gpt_batch, args.seconds, device), args.steps, device, 1)
    return seconds, _peak(device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--sovits-batch", type=int, default=1)
    parser.add_argument("--gpt-batch", type=int, default=4)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--only", default="gpt,v2,v2Pro,v2ProPlus", help="comma-separated subset")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    mode = choose_precision(device, args.precision)
    name = torch.cuda.get_device_name() if device.startswith("cuda") else f"CPU, {torch.get_num_threads()} threads"
    print(machine_line(args.threads, device))  # noqa: T201
    print(f"device: {name}; precision {mode}; clips {args.seconds:g} s; timed steps {args.steps} after 1 warm-up")
    print("| model | batch | s/step | items/s | peak memory (GiB) |")
    print("|---|---|---|---|---|")
    for what in args.only.split(","):
        if what == "gpt":
            seconds, peak = bench_gpt(args, device, mode)
            batch = args.gpt_batch
        else:
            seconds, peak = bench_sovits(what, args, device, mode)
            batch = args.sovits_batch
        label = "GPT v2 (24 layers)" if what == "gpt" else f"SoVITS {what} + D"
        print(f"| {label} | {batch} | {seconds:.2f} | {batch / seconds:.2f} | {peak:.2f} |", flush=True)


if __name__ == "__main__":
    main()
