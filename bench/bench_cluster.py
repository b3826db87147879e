"""Book rendering on a local Ray instance: lines per minute with 1 and 2 actors, and the scheduling
cost per line (run by hand).

    PYTHONPATH=. .venv/bin/python bench/bench_cluster.py [--lines 12] [--batch-lines 2] [--cpus 2]

Renders a one-chapter book of ``--lines`` short lines with the tiny random models (tests/conftest.py)
through ``gpt_sovits.cluster`` with 1, then 2 CPU actors (one torch thread each), each into a fresh
project. The scheduling cost is measured apart: the same driver loop with actors that answer each
batch at once with a short quiet take (take checks off), so what remains is Ray's round trip, the
transfer of the take and its write into the store, per line; and the round trip of an empty batch.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


class InstantWorker:
    """Answers a batch at once: 0.5 s of quiet noise per line (the driver's side is all that is measured)."""

    def render(self, requests: list) -> list:
        from gpt_sovits.books.render import RenderedTake

        rng = np.random.default_rng(0)
        return [RenderedTake(r.key, (rng.standard_normal(16000) * 0.01).astype(np.float32), 32000, r.seed, 10, 0.0)
                for r in requests]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                wanted = ("avx", "avx2", "avx512f", "avx512_bf16", "amx_bf16", "fma", "sse4_2")
                return " ".join(f for f in line.split(":", 1)[1].split() if f in wanted)
    except OSError:
        pass
    return ""


def make_book(workspace: Path, name: str, lines: int):
    from gpt_sovits.books.importing import pasted_text
    from gpt_sovits.books.project import BookStore

    project = BookStore(workspace).create(name)
    project.fill_from(pasted_text("Chapter 1\n" + "\n".join(f"Line number {i} is here." for i in range(lines))))
    project.set_metadata(narrator_voice="narrator", language="en")
    for seed, line in enumerate(ln for chapter in project.book.chapters for ln in chapter.lines):
        line.seed = seed  # the same seeds in every run: the same tokens to generate
    project.save()
    return project


def render(workspace, tiny, name, lines, actors, batch_lines, instant=False) -> tuple[float, int]:
    import ray

    from gpt_sovits.books.render import plan_lines
    from gpt_sovits.cluster.render import RayOptions, RayRenderJob, start_actors, voice_files
    from gpt_sovits.cluster.worker import WorkerSettings
    from gpt_sovits.config import QcSettings

    project = make_book(workspace, name, lines)
    planned = plan_lines(project, workspace, tiny)
    if instant:
        pool_actors = [ray.remote(InstantWorker).options(num_cpus=0).remote() for _ in range(actors)]
        ray.get([a.render.remote([]) for a in pool_actors])
        pool = None
    else:
        pool = start_actors(WorkerSettings(tiny, device="cpu"), RayOptions(actors=actors), voice_files(planned))
        pool_actors = pool.actors  # load the models first: the bench measures rendering, not loading
        ray.get([actor.render.remote([planned[0].request]) for actor in pool_actors])
    started = time.perf_counter()
    qc = QcSettings(enabled=False) if instant else QcSettings(rerolls=0)  # no re-rolls: the same work each run
    progress = RayRenderJob(project, planned, pool_actors, batch_lines=batch_lines, qc_settings=qc).run()
    seconds = time.perf_counter() - started
    for actor in pool_actors:
        ray.kill(actor, no_restart=True)
    return seconds, progress.rendered


def round_trip_ms(calls: int = 50) -> float:
    import ray

    actor = ray.remote(InstantWorker).options(num_cpus=0).remote()
    ray.get(actor.render.remote([]))
    started = time.perf_counter()
    for _ in range(calls):
        ray.get(actor.render.remote([]))
    ms = (time.perf_counter() - started) * 1000 / calls
    ray.kill(actor)
    return ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=12)
    parser.add_argument("--batch-lines", type=int, default=2)
    parser.add_argument("--cpus", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.path.insert(0, str(REPO))
    import ray
    import soundfile as sf

    from tests.books.conftest import make_voice
    from tests.conftest import tiny_pretrained_dir
    from tests.fixtures.synthetic_speech import make_recording

    tiny = tiny_pretrained_dir("v2")
    folder = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    try:
        workspace = folder / "workspace"
        workspace.mkdir()
        rec = make_recording(duration_s=5.0, sample_rate=24000, long_silence_every=0, seed=3)
        sf.write(folder / "ref.wav", rec.audio, 24000, subtype="PCM_16")
        make_voice(workspace, "narrator", folder / "ref.wav")
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
                 runtime_env={"env_vars": {"PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}})
        print(f"CPU: {cpu_model()} ({os.cpu_count()} logical CPUs; Ray given {args.cpus}); flags: {cpu_flags()}")
        print(f"Ray {ray.__version__}, {args.lines} lines, {args.batch_lines} lines per batch, tiny models")
        for actors in (1, 2):
            seconds, rendered = render(workspace, tiny, f"real-{actors}", args.lines, actors, args.batch_lines)
            print(f"{actors} actor(s): {rendered} lines in {seconds:.1f} s = {rendered * 60 / seconds:.1f} lines/min")
        lines = max(args.lines, 40)
        for actors in (1, 2):
            seconds, rendered = render(workspace, tiny, f"instant-{actors}", lines, actors, args.batch_lines, True)
            print(f"driver with {actors} instant actor(s): {seconds * 1000 / rendered:.1f} ms per line "
                  f"({rendered} lines, {args.batch_lines} per batch: Ray round trip, transfer, take written)")
        print(f"Ray round trip of an empty batch: {round_trip_ms():.1f} ms")
    finally:
        ray.shutdown()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
