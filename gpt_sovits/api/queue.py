"""One engine, one worker thread, a bounded line of waiting requests.

The synthesizer is not safe to share between threads (models, reference cache, RNG), so every
synthesis and every model swap runs on a single worker thread, one after another. Requests wait
in a bounded queue; when it is full the caller gets HTTP 503 at once instead of piling up.
Results travel back to the event loop chunk by chunk, so streaming starts with the first piece.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from gpt_sovits.api.schemas import ApiError
from gpt_sovits.inference.request import AudioChunk, SynthesisRequest

logger = logging.getLogger(__name__)

ModelPair = tuple[Path, Path]  # (GPT file, SoVITS file)
POLL_S = 0.5
DELIVERIES = ("whole", "pieces", "parts")


class Engine(Protocol):
    """What the API needs from a synthesizer (gpt_sovits.inference.Synthesizer fits; tests use fakes)."""

    def synthesize(self, request: SynthesisRequest, stream: bool = False, batch: bool = True) -> Iterator[AudioChunk]:
        ...


EngineLoader = Callable[[Path, Path], Engine]


@dataclass
class _Job:
    loop: asyncio.AbstractEventLoop
    results: asyncio.Queue
    models: tuple[Path | None, Path | None] | None = None  # None parts: the selected model when the job runs
    request: SynthesisRequest | None = None  # None: only load ``models`` (and select them)
    delivery: str = "whole"  # see EngineHost.synthesize
    force_reload: bool = False
    cancelled: threading.Event = field(default_factory=threading.Event)

    def emit(self, kind: str, item: Any = None) -> None:
        try:
            self.loop.call_soon_threadsafe(self.results.put_nowait, (kind, item))
        except RuntimeError:  # the event loop is gone: nobody is listening any more
            self.cancelled.set()


class EngineHost:
    """Owns the engine; runs jobs one at a time on its worker thread.

    ``loader(gpt, sovits)`` builds an engine (normally ``Synthesizer.from_files``); it is
    called lazily, on the first request, and again when a different model pair is needed.
    A failed load leaves the previous engine in place.
    """

    def __init__(self, loader: EngineLoader, default_models: ModelPair, max_waiting: int = 8):
        self._loader = loader
        self.selected: ModelPair = default_models
        self._loaded: ModelPair | None = None
        self._engine: Engine | None = None
        self._jobs: queue.Queue[_Job] = queue.Queue(maxsize=max_waiting)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.busy = False

    @property
    def waiting(self) -> int:
        return self._jobs.qsize()

    @property
    def loaded_models(self) -> ModelPair | None:
        return self._loaded

    # ----- called from the event loop ---------------------------------------------------------
    async def synthesize(self, request: SynthesisRequest, models: tuple[Path | None, Path | None] | None = None,
                         delivery: str = "whole") -> AsyncIterator[AudioChunk]:
        """Queue ``request`` and yield its chunks as the worker produces them (ApiError 503 when full).

        ``delivery``: ``"whole"`` (the answer is sent at the end: pieces may share GPT batches),
        ``"pieces"`` (each piece as soon as it is ready) or ``"parts"`` (pieces in parts while the
        GPT runs: the first audio after a fraction of a second).
        """
        if delivery not in DELIVERIES:
            raise ValueError(f"delivery must be one of {', '.join(DELIVERIES)}, got {delivery!r}")
        job = self._submit(request=request, models=models, delivery=delivery)
        try:
            while True:
                kind, item = await job.results.get()
                if kind == "chunk":
                    yield item
                elif kind == "error":
                    raise item
                else:
                    return
        finally:
            job.cancelled.set()

    async def select_models(self, gpt: Path | None = None, sovits: Path | None = None, force: bool = False) -> None:
        """Load a new model pair (the current one where None) and use it from now on; raises on failure.

        ``force`` reloads even an unchanged pair (files rewritten on disk).
        """
        job = self._submit(models=(gpt, sovits), force=force)
        kind, item = await job.results.get()
        if kind == "error":
            raise item

    def close(self) -> None:
        """Stop the worker after the job it is running (queued jobs are dropped)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _submit(self, request: SynthesisRequest | None = None, models=None, force: bool = False,
                delivery: str = "whole") -> _Job:
        self._ensure_worker()
        job = _Job(asyncio.get_running_loop(), asyncio.Queue(), models=models, request=request, force_reload=force,
                   delivery=delivery)
        try:
            self._jobs.put_nowait(job)
        except queue.Full as e:
            raise ApiError(f"The server is busy ({self._jobs.maxsize} requests are already waiting); "
                           "try again in a moment.", status=503) from e
        return job

    def _ensure_worker(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._work, name="tts-engine", daemon=True)
                self._thread.start()

    # ----- the worker thread --------------------------------------------------------------------
    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                job = self._jobs.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if job.cancelled.is_set():
                continue
            self.busy = True
            try:
                self._run(job)
            except Exception as e:  # handed to the waiting request, which turns it into a response
                job.emit("error", e)
            finally:
                self.busy = False

    def _run(self, job: _Job) -> None:
        gpt, sovits = job.models or (None, None)
        pair = (gpt or self.selected[0], sovits or self.selected[1])
        if job.request is None:
            if job.force_reload:
                self._loaded = None
            self._engine_for(pair)
            self.selected = pair
            job.emit("end")
            return
        engine = self._engine_for(pair)
        stream, batch = job.delivery == "parts", job.delivery == "whole"
        for chunk in engine.synthesize(job.request, stream=stream, batch=batch):
            if job.cancelled.is_set():
                logger.info("A client went away; its synthesis was stopped.")
                return
            job.emit("chunk", chunk)
        job.emit("end")

    def _engine_for(self, pair: ModelPair) -> Engine:
        pair = (Path(pair[0]), Path(pair[1]))
        if self._engine is None or self._loaded != pair:
            logger.info("Loading GPT %s and SoVITS %s", pair[0].name, pair[1].name)
            engine = self._loader(*pair)
            self._engine, self._loaded = engine, pair
        return self._engine
