"""Rendering a book on Ray actors: the same batches as a local render, takes written by the driver.

:class:`RayRenderJob` is a :class:`~gpt_sovits.books.render.RenderJob` whose lines without a take go,
``batch_lines`` at a time, to a pool of actors (one engine each: one GPU with ``num_gpus=1`` when the
cluster has GPUs, else ``threads`` CPU threads). Each actor has up to ``depth`` batches queued, so
its GPT never waits for the driver. Finished takes come back to the driver and are checked and
written by the same code as a local render (``RenderJob._keep_take``), so the store cannot tell a
cluster take from a local one, and a book may be started on one and finished on the other.

Faults: an actor that dies loses only its batches in flight; Ray restarts it (``max_restarts``) and
the driver sends those batches again, to whichever actor is free. A driver that dies leaves every
written take on disk; the next render (local or on Ray) skips them.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gpt_sovits.books.render import DEFAULT_BATCH_LINES, PlannedLine, RenderJob
from gpt_sovits.cluster.worker import LineWorker, WorkerSettings
from gpt_sovits.errors import StudioError

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # times one batch is sent before the render fails


@dataclass(frozen=True)
class RayOptions:
    """Where and how to render: ``address`` "auto", "local" or "ray://HOST:10001"."""

    address: str = "auto"
    actors: int = 0  # 0: one per GPU, or one per two CPUs without GPUs
    threads: int = 1  # CPU threads of each actor without a GPU
    depth: int = 2  # batches queued at each actor
    shared_files: bool = False  # voice files have the same paths on every machine: send none
    max_restarts: int = 2


def connect(address: str) -> None:
    """Join the Ray cluster at ``address`` (nothing when this process is connected already)."""
    import ray

    if ray.is_initialized():
        return
    studio = str(Path(__file__).resolve().parents[2])
    env = {"env_vars": {"PYTHONPATH": studio}}
    try:
        ray.init(address=None if address == "local" else address, runtime_env=env, include_dashboard=False,
                 logging_level=logging.WARNING)
    except ConnectionError as e:
        raise StudioError(f"Could not reach a Ray cluster at {address!r}: {e}. Start one with `ray start --head` "
                          "or name its address (ray://HOST:10001).") from e


def pool_size(options: RayOptions) -> tuple[int, float]:
    """(actors, GPUs per actor) from the cluster's resources."""
    import ray

    resources = ray.cluster_resources()
    gpus, cpus = int(resources.get("GPU", 0)), int(resources.get("CPU", 1))
    if gpus:
        return options.actors or gpus, 1.0
    return options.actors or max(1, cpus // 2), 0.0


@dataclass
class ActorPool:
    """The actors of a render and the object references of their files (kept, so a restarted actor finds them)."""

    actors: list
    files: dict

    def close(self) -> None:
        import ray

        for actor in self.actors:
            ray.kill(actor, no_restart=True)


def start_actors(settings: WorkerSettings, options: RayOptions, files: dict) -> ActorPool:
    """The pool of LineWorker actors; ``files`` {driver path: bytes} go through the object store once."""
    import ray

    count, gpus = pool_size(options)
    refs = {path: ray.put(data) for path, data in files.items()}
    remote = ray.remote(LineWorker).options(num_gpus=gpus, num_cpus=0 if gpus else settings.threads,
                                            max_restarts=options.max_restarts, max_task_retries=0)
    if gpus:
        settings = WorkerSettings(settings.pretrained_dir, "cuda", settings.precision, settings.threads,
                                  settings.batch_pieces)
    logger.info("Starting %d Ray actors (%s)", count, f"{gpus:g} GPU each" if gpus else "CPU")
    return ActorPool([remote.remote(settings, refs) for _ in range(count)], refs)


def voice_files(planned: list[PlannedLine]) -> dict[str, bytes]:
    """The bytes of every reference clip and model file the planned lines use."""
    paths = {str(p) for line in planned for p in (line.request.voice.ref_audio, *line.request.voice.models)}
    return {path: Path(path).read_bytes() for path in sorted(paths)}


class RayRenderJob(RenderJob):
    """A RenderJob whose batches run on Ray actors (``actors``: made by :func:`start_actors`).

    An actor whose batch failed is sent nothing until a probe (``pid``) answers: Ray is restarting it;
    an actor Ray gave up on is dropped. The failed batch goes back to the head of the line."""

    def __init__(self, project, planned, actors: list, depth: int = 2, batch_lines: int = DEFAULT_BATCH_LINES,
                 **kw):
        super().__init__(project, planned, synthesize_lines=self._reroll_lines, batch_lines=batch_lines, **kw)
        self.actors = actors
        self.depth = max(1, depth)
        self.sent = 0  # batches sent, retries included
        self.retried = 0
        self._load = [0] * len(actors)  # batches queued at each actor
        self._probes: dict = {}  # probe ref -> actor index (actors being restarted)
        self._gone: set[int] = set()  # actors Ray will not restart

    def _reroll_lines(self, requests: list) -> Iterator:
        """Re-rolls of a failing take (``RenderJob._keep_take``): rendered at once by the least busy actor."""
        import ray

        alive = [i for i in range(len(self.actors)) if i not in self._gone] or [0]
        index = min(alive, key=lambda i: self._load[i])
        return iter(ray.get(self.actors[index].render.remote(requests)))

    def _usable(self) -> list[int]:
        down = set(self._probes.values()) | self._gone
        return [i for i in range(len(self.actors)) if i not in down and self._load[i] < self.depth]

    def _render_todo(self, todo: list[PlannedLine]) -> None:
        import ray

        waiting = deque((todo[i:i + self.batch_lines], 1) for i in range(0, len(todo), self.batch_lines))
        flying: dict = {}  # object ref -> (actor index, batch, attempt)
        while waiting or flying:
            self._running.wait()
            while waiting and not self._cancelled.is_set() and self._usable():
                index = min(self._usable(), key=lambda i: self._load[i])
                batch, attempt = waiting.popleft()
                flying[self.actors[index].render.remote([p.request for p in batch])] = (index, batch, attempt)
                self._load[index] += 1
                self.sent += 1
            if not flying and (self._cancelled.is_set() or not self._probes):
                break
            done, _ = ray.wait([*flying, *self._probes], num_returns=1)
            if done[0] in self._probes:
                self._probed(done[0])
                continue
            index, batch, attempt = flying.pop(done[0])
            self._load[index] -= 1
            self._collect(done[0], index, batch, attempt, waiting)
        if waiting and not self._cancelled.is_set():
            raise StudioError("Every Ray worker of this render died; the finished takes are kept.")

    def _probed(self, probe) -> None:
        import ray

        index = self._probes.pop(probe)
        try:
            ray.get(probe)
        except ray.exceptions.ActorUnavailableError:  # still restarting: ask again in a moment
            time.sleep(0.2)
            self._probes[self.actors[index].pid.remote()] = index
        except ray.exceptions.RayActorError:
            logger.warning("Ray worker %d is gone for good; the others carry on", index)
            self._gone.add(index)

    def _collect(self, ref, index: int, batch: list[PlannedLine], attempt: int, waiting: deque) -> None:
        import ray

        try:
            takes = ray.get(ref)
        except (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError,
                ray.exceptions.OutOfMemoryError) as e:
            if attempt >= MAX_ATTEMPTS:
                raise StudioError(f"A batch of {len(batch)} lines failed on {attempt} Ray workers: {e}") from e
            logger.warning("A Ray worker died; its %d lines are sent again (%s)", len(batch), type(e).__name__)
            self.retried += 1
            if index not in self._probes.values() and index not in self._gone:
                self._probes[self.actors[index].pid.remote()] = index
            waiting.appendleft((batch, attempt + 1))
            return
        by_key = {p.request.key: p for p in batch}
        for take in takes:
            self._keep_take(take, by_key[take.key])


def render_book_on_ray(project, planned: list[PlannedLine], settings: WorkerSettings, options: RayOptions,
                       batch_lines: int = DEFAULT_BATCH_LINES, on_progress=None, qc_settings=None):
    """Connect, start the actors, render, and let the actors go; returns the RenderProgress."""
    connect(options.address)
    started = time.perf_counter()
    files = {} if options.shared_files else voice_files(planned)
    pool = start_actors(settings, options, files)
    try:
        job = RayRenderJob(project, planned, pool.actors, options.depth, batch_lines, on_progress=on_progress,
                           qc_settings=qc_settings)
        progress = job.run()
    finally:
        pool.close()
    logger.info("Ray render: %d batches sent (%d again) in %.1f s", job.sent, job.retried,
                time.perf_counter() - started)
    return progress
