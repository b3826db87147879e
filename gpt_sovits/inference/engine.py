"""The engine host: the one door to the models for the studio, the HTTP API, the CLI and the audiobook renderer.

It owns the process's compute worker (:class:`~gpt_sovits.inference.jobs.JobQueue`: one thread, so
one OpenMP team, jobs in order of priority), the loaded models (one GPT/SoVITS pair at a time;
HuBERT, BERT and the speaker encoder are loaded once and shared by every pair) and the reference
cache (shared by every pair: its keys name the models). Every synthesis is a :class:`Job`: read
its AudioChunks with ``for`` (or ``async for`` from an asyncio loop), see ``job.position`` while
it waits, ``job.cancel()`` it, and pass ``on_event`` to get a :class:`Progress` after each piece.

Typical use (the process shares one host, :func:`engine_host`)::

    host = engine_host()
    host.configure(pretrained_dir=settings.pretrained_dir, precision=settings.precision)
    for chunk in host.synthesize(request, (gpt_path, sovits_path), on_event=print):
        ...
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from gpt_sovits.devices import DEFAULT_PRECISION
from gpt_sovits.errors import ConfigError
from gpt_sovits.inference.jobs import BATCH, DEFAULT_DEPTH, INTERACTIVE, Job, JobQueue
from gpt_sovits.inference.reference import ReferenceCache
from gpt_sovits.inference.request import AudioChunk, SynthesisRequest

logger = logging.getLogger(__name__)

ModelPair = tuple[Path, Path]  # (GPT file, SoVITS file)
ModelChoice = tuple[Path | None, Path | None] | None  # None parts: the host's selected pair
DELIVERIES = ("whole", "pieces", "parts")


class Engine(Protocol):
    """What the host needs from an engine (gpt_sovits.inference.Synthesizer fits; tests use fakes)."""

    def synthesize(self, request: SynthesisRequest, stream: bool = False, batch: bool = True) -> Iterator[AudioChunk]:
        ...


EngineLoader = Callable[[Path, Path], Engine]


@dataclass(frozen=True)
class LoadSettings:
    """How the real models are loaded (see Synthesizer.from_files)."""

    pretrained_dir: Path | None = None
    device: str = "auto"
    precision: str = DEFAULT_PRECISION


@dataclass(frozen=True)
class Progress:
    """Piece ``done`` of ``total`` (0: unknown) is finished, after ``seconds`` of synthesis."""

    done: int
    total: int
    seconds: float
    text: str = ""

    @property
    def seconds_left(self) -> float | None:
        """Estimated time to the last piece, from the pace so far (None while unknown)."""
        if not self.total or not self.done:
            return None
        return self.seconds / self.done * max(0, self.total - self.done)


class EngineHost(JobQueue):
    """The models of the process and the one worker thread that runs them.

    ``loader(gpt, sovits)`` builds an engine (default: the real Synthesizer, with HuBERT and BERT
    shared across pairs); it is called on the worker thread when a job needs another pair, and a
    failed load leaves the previous engine in place. ``default_models``: the pair of jobs that name
    none (the API's selection).
    """

    def __init__(self, loader: EngineLoader | None = None, default_models: ModelPair | None = None, *,
                 depth: int = DEFAULT_DEPTH, settings: LoadSettings | None = None, name: str = "engine"):
        super().__init__(name, depth)
        self._loader = loader
        self.selected = default_models
        self.settings = settings or LoadSettings()
        self.references = ReferenceCache()
        self._engine: Engine | None = None
        self._key: tuple[ModelPair, LoadSettings] | None = None

    def configure(self, pretrained_dir: Path | None = None, device: str | None = None,
                  precision: str | None = None) -> None:
        """Change how models are loaded (None: unchanged); the next job that runs reloads them if needed."""
        changes = {"pretrained_dir": None if pretrained_dir is None else Path(pretrained_dir), "device": device,
                   "precision": precision}
        self.settings = dataclasses.replace(self.settings, **{k: v for k, v in changes.items() if v is not None})

    @property
    def loaded_models(self) -> ModelPair | None:
        return None if self._key is None else self._key[0]

    @property
    def engine(self) -> Engine | None:
        """The engine loaded now (None before the first job); use it only from a job."""
        return self._engine

    @property
    def busy(self) -> bool:
        return self.running is not None

    # ----- the callers' side ---------------------------------------------------------------------------
    def synthesize(self, request: SynthesisRequest, models: ModelChoice = None, *, delivery: str = "whole",
                   priority: int = INTERACTIVE, deadline_s: float | None = None, cache_dir: Path | None = None,
                   on_event: Callable[[Progress], None] | None = None) -> Job:
        """Queue ``request``; the job's items are its AudioChunks (QueueFullError when the line is full).

        ``delivery``: ``"whole"`` (pieces may share GPT batches), ``"pieces"`` (each piece as soon as
        it is ready) or ``"parts"`` (pieces in parts while the GPT runs: first audio after a fraction
        of a second). ``cache_dir``: a folder that keeps analysed references on disk (a voice's).
        ``on_event`` gets a :class:`Progress` after each piece, on the reader's thread.
        """
        if delivery not in DELIVERIES:
            raise ValueError(f"delivery must be one of {', '.join(DELIVERIES)}, got {delivery!r}")
        return self.submit(self._synthesis, request, models, delivery, cache_dir, priority=priority,
                           deadline_s=deadline_s, name="synthesis", on_event=on_event)

    def synthesize_all(self, request: SynthesisRequest, models: ModelChoice = None, **options):
        """Run :meth:`synthesize` to the end and join its pieces into a SynthesisResult."""
        from gpt_sovits.inference.synthesizer import SynthesisResult

        request = request.with_seed()
        start = time.perf_counter()
        chunks, first = [], None
        for chunk in self.synthesize(request, models, **options):
            first = time.perf_counter() - start if first is None else first
            chunks.append(chunk)
        return SynthesisResult.of(chunks, request.seed, first or 0.0, time.perf_counter() - start)

    def synthesize_piece(self, request: SynthesisRequest, index: int, seed: int, models: ModelChoice = None, *,
                         priority: int = INTERACTIVE, cache_dir: Path | None = None) -> Job:
        """Queue a redo of piece ``index`` of ``request`` with piece seed ``seed``; the job's result is its
        AudioChunk (``chunk.pieces`` tells how many pieces the request has now)."""
        return self.submit(self._piece, request, index, seed, models, cache_dir, priority=priority,
                           name="synthesize_piece")

    def batches(self, fn: Callable[[list], Iterator], items: list, *, size: int = 8, priority: int = BATCH,
                name: str = "batch") -> Iterator:
        """What ``fn(items[a:a + size])`` yields, for consecutive slices of ``items``, each slice one job at
        ``priority`` (so a click in the studio or an API request runs between two slices of a long batch).

        For bulk work such as an audiobook's thousands of lines: ``fn`` runs on the worker and may use
        :meth:`engine_for` (the loaded models; HuBERT/BERT shared) and ``Synthesizer.plan``/``render_planned``
        (consecutive plain pieces share GPT batches). The next slice is queued before this one is read,
        so the worker never waits for the reader; closing the iterator cancels what is still queued.
        """
        starts = iter(range(0, len(items), size))
        pending: collections.deque[Job] = collections.deque()

        def queue_next() -> None:
            start = next(starts, None)
            if start is not None:
                pending.append(self.submit(fn, items[start:start + size], priority=priority, name=name))

        try:
            queue_next()
            queue_next()
            while pending:
                yield from pending.popleft()
                queue_next()
        finally:
            for job in pending:
                job.cancel()

    def select_models(self, gpt: Path | None = None, sovits: Path | None = None, force: bool = False) -> Job:
        """Load a pair (the selected one where None) and select it for jobs that name none; ``force``
        reloads an unchanged pair (files rewritten on disk). The job's result is the pair."""
        return self.submit(self._select, gpt, sovits, force, name="load_models")

    def preload(self, models: ModelChoice) -> Job:
        """Load ``models`` in the background, so the next synthesis does not wait for it."""
        return self.spawn(self.engine_for, models, name="load_models")

    # ----- the worker's side ---------------------------------------------------------------------------
    def engine_for(self, models: ModelChoice = None, cache_dir: Path | None = None) -> Engine:
        """The engine for ``models`` (loaded when they or the load settings changed). Worker thread only."""
        gpt, sovits = models or (None, None)
        selected = self.selected or (None, None)
        gpt, sovits = gpt or selected[0], sovits or selected[1]
        if gpt is None or sovits is None:
            raise ConfigError("Choose a GPT and a SoVITS model first.")
        key = ((Path(gpt), Path(sovits)), self.settings)
        if self._engine is None or self._key != key:
            logger.info("Loading GPT %s and SoVITS %s", key[0][0].name, key[0][1].name)
            engine = (self._loader or self._load_synthesizer)(*key[0])
            self._engine, self._key = engine, key
        self.references.folder = Path(cache_dir) if cache_dir else None
        return self._engine

    def _load_synthesizer(self, gpt: Path, sovits: Path):
        from gpt_sovits.inference.synthesizer import Synthesizer

        s = self.settings
        if s.pretrained_dir is None:
            raise ConfigError("The engine has no pretrained folder (HuBERT, BERT) configured.")
        base = self._engine if isinstance(self._engine, Synthesizer) and self._key[1] == s else None
        if base is None:
            engine = Synthesizer.from_files(gpt, sovits, s.pretrained_dir, device=s.device, precision=s.precision)
        else:  # another pair: HuBERT, BERT and the speaker encoder stay loaded
            old_gpt, old_sovits = self._key[0]
            engine = base.with_models(gpt if gpt != old_gpt else None, sovits if sovits != old_sovits else None,
                                      s.pretrained_dir)
        engine.cache = self.references
        return engine

    def _select(self, gpt: Path | None, sovits: Path | None, force: bool) -> ModelPair:
        selected = self.selected or (None, None)
        pair = (gpt or selected[0], sovits or selected[1])
        if force:
            self._engine, self._key = None, None
        self.engine_for(pair)
        self.selected = self.loaded_models
        return self.selected

    def _piece(self, request: SynthesisRequest, index: int, seed: int, models: ModelChoice,
               cache_dir: Path | None) -> AudioChunk:
        return self.engine_for(models, cache_dir).synthesize_piece(request, index, seed)

    def _synthesis(self, request: SynthesisRequest, models: ModelChoice, delivery: str, cache_dir: Path | None,
                   on_event: Callable[[Progress], None] | None = None) -> Iterator[AudioChunk]:
        engine = self.engine_for(models, cache_dir)
        start = time.perf_counter()
        if self._running is not None:
            self._running.started = start  # timings describe the synthesis, not the loading before it
        for chunk in engine.synthesize(request, stream=delivery == "parts", batch=delivery == "whole"):
            yield chunk
            if on_event is not None and chunk.final:
                on_event(Progress(chunk.index + 1, chunk.pieces, time.perf_counter() - start, chunk.text))


_shared: EngineHost | None = None
_shared_lock = threading.Lock()


def engine_host() -> EngineHost:
    """The process's engine host (made on first use), shared by the studio, the API and the CLI."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = EngineHost()
        return _shared


__all__ = ["BATCH", "INTERACTIVE", "EngineHost", "LoadSettings", "Progress", "engine_host"]
