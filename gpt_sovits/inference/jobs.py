"""One worker thread, one line of waiting jobs ordered by priority, and handles to follow or cancel a job.

PyTorch on the CPU parallelises with OpenMP, and OpenMP keeps one team of worker threads per
thread that starts parallel work. A web server runs each request on whichever pool thread is
free, so several teams appear; once there are more team threads than cores, the GNU OpenMP
runtime stops spinning between parallel regions and every small matrix product pays for waking
its team: token generation measured about twice as slow. Running all model work of the process
on this one thread keeps a single team (and the models, the reference cache and the random
generators are never shared between threads).

Results come back to the thread that submitted the job, and so do ``on_event`` progress
callbacks, because UI progress objects only work on the thread that handles the click. A job
submitted from a running asyncio loop is read with ``async for``; any other with ``for``.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import math
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from gpt_sovits.errors import StudioError

logger = logging.getLogger(__name__)

INTERACTIVE = 0  # a person waits for it: a click in the studio, an API request
TASK = 5  # a long task a person started: dataset preparation, transcription
BATCH = 10  # bulk work that may wait: an audiobook render
DEFAULT_DEPTH = 256
_ITEM, _EVENT, _DONE, _ERROR = "item", "event", "done", "error"
WAITING, RUNNING, FINISHED, CANCELLED = "waiting", "running", "finished", "cancelled"


class QueueFullError(StudioError):
    """The line of waiting jobs is full; ``retry_after_s`` estimates when a place frees up."""

    status = 503

    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class JobCancelled(StudioError):
    """The job was cancelled (by its caller, or because it waited past its deadline)."""


class Job:
    """A handle on one submitted job: read its items or result, see its place in line, cancel it."""

    def __init__(self, fn: Callable, args: tuple, kwargs: dict, *, name: str, priority: int, seq: int,
                 deadline: float | None, on_event: Callable | None, background: bool, line: JobQueue):
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.name, self.priority, self.seq, self.deadline = name, priority, seq, deadline
        self.state = WAITING
        self.value: Any = None
        self.started: float | None = None  # time.perf_counter() when the work began (the job may move it)
        self._line = line
        self._on_event = on_event
        self._cancel = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._channel: queue.SimpleQueue | asyncio.Queue | None = None
        if not background:
            try:
                self._loop = asyncio.get_running_loop()
                self._channel = asyncio.Queue()
            except RuntimeError:
                self._channel = queue.SimpleQueue()
        if on_event is not None:
            kwargs["on_event"] = self.report

    # ----- the caller's side -----------------------------------------------------------------------
    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def position(self) -> int | None:
        """Jobs ahead of this one in line (0: it runs next); None once it runs or has ended."""
        return self._line.position(self)

    def cancel(self) -> None:
        """Stop the job: a waiting job leaves the line at once, a running one stops at its next item or event."""
        if self.state in (FINISHED, CANCELLED):
            return
        self._cancel.set()
        if self._line.withdraw(self):
            self.state = CANCELLED
            self._put(_ERROR, JobCancelled(f"{self.name} was cancelled before it started."))

    def result(self) -> Any:
        """Wait for the job to end and return its value (its exception is raised here)."""
        for _ in self:
            pass
        return self.value

    async def wait(self) -> Any:
        """:meth:`result` for a job submitted from an asyncio loop."""
        async for _ in self:
            pass
        return self.value

    def __iter__(self) -> Iterator:
        if not isinstance(self._channel, queue.SimpleQueue):
            raise RuntimeError("this job was submitted from an asyncio loop: read it with 'async for'")
        failure: list[BaseException] = []
        try:
            while True:
                kind, value = self._channel.get()
                if self._received(kind, value, failure):
                    yield value
                elif kind != _EVENT:
                    return
        finally:
            self.cancel()  # closing the reader early stops the job (nothing happens to an ended one)

    async def __aiter__(self) -> AsyncIterator:
        if not isinstance(self._channel, asyncio.Queue):
            raise RuntimeError("this job was not submitted from an asyncio loop: read it with 'for'")
        failure: list[BaseException] = []
        try:
            while True:
                kind, value = await self._channel.get()
                if self._received(kind, value, failure):
                    yield value
                elif kind != _EVENT:
                    return
        finally:
            self.cancel()

    def _received(self, kind: str, value: Any, failure: list[BaseException]) -> bool:
        """Handle one message on the caller's thread: True for an item to hand out; raises errors."""
        if kind == _EVENT:
            if not failure and self._on_event is not None:
                try:
                    self._on_event(value)
                except BaseException as e:  # stop the job, then raise this once it has ended
                    failure.append(e)
                    self._cancel.set()
            return False
        if kind == _ITEM:
            return not failure
        if failure:
            raise failure[0]
        if kind == _ERROR:
            raise value
        self.value = value
        return False

    # ----- the worker's side -----------------------------------------------------------------------
    def report(self, event: Any) -> None:
        """Pass a progress event to the caller (the job's ``on_event``); raises once the job is cancelled."""
        if self.cancelled:
            raise JobCancelled(f"{self.name} was cancelled.")
        self._put(_EVENT, event)

    def _put(self, kind: str, value: Any) -> None:
        if self._channel is None:
            if kind == _ERROR and not isinstance(value, JobCancelled):
                logger.error("Background job %s failed", self.name, exc_info=value)
            return
        if self._loop is None:
            self._channel.put((kind, value))
            return
        try:
            self._loop.call_soon_threadsafe(self._channel.put_nowait, (kind, value))
        except RuntimeError:  # the event loop is gone: nobody is listening any more
            self._cancel.set()

    def _run(self) -> None:
        try:
            out = self.fn(*self.args, **self.kwargs)
            if inspect.isgenerator(out):
                try:
                    while not self.cancelled:
                        try:
                            item = next(out)
                        except StopIteration:
                            break
                        self._put(_ITEM, item)
                finally:
                    out.close()
                out = None
            if self.cancelled:
                raise JobCancelled(f"{self.name} was cancelled.")
            self.state = FINISHED
            self._put(_DONE, out)
        except BaseException as e:  # handed to the caller's thread
            self.state = CANCELLED if isinstance(e, JobCancelled) else FINISHED
            self._put(_ERROR, e)


class JobQueue:
    """Runs jobs one at a time on a single daemon thread (started on first use), most urgent first.

    Lower ``priority`` runs first; equal priorities run in the order they came. At most ``depth``
    jobs wait; one more is refused with :class:`QueueFullError`. A job given ``deadline_s`` that
    is still waiting that many seconds after it was submitted is dropped with :class:`JobCancelled`.
    """

    def __init__(self, name: str = "engine", depth: int = DEFAULT_DEPTH):
        self.name = name
        self.depth = depth
        self._cond = threading.Condition()
        self._waiting: list[Job] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._running: Job | None = None
        self._stop = False
        self._mean_s = 1.0  # running mean of job durations, for Retry-After

    @property
    def is_current(self) -> bool:
        """True when called from the worker thread itself."""
        return threading.current_thread() is self._thread

    @property
    def running(self) -> str | None:
        """The name of the job that runs now (None when idle), to tell a waiting user why."""
        job = self._running
        return None if job is None else job.name

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def retry_after_s(self) -> int:
        """Whole seconds until the jobs waiting now have probably run (from the mean job duration)."""
        return max(1, min(3600, math.ceil(self._mean_s * (len(self._waiting) + 1))))

    def lineup(self) -> list[Job]:
        """The waiting jobs in the order they will run."""
        with self._cond:
            return sorted(self._waiting, key=_order)

    def position(self, job: Job) -> int | None:
        with self._cond:
            if job not in self._waiting:
                return None
            return sum(1 for other in self._waiting if _order(other) < _order(job))

    def withdraw(self, job: Job) -> bool:
        """Take a waiting job out of the line; False when it is not waiting (running or ended)."""
        with self._cond:
            if job in self._waiting:
                self._waiting.remove(job)
                return True
            return False

    def submit(self, fn: Callable, /, *args, priority: int = INTERACTIVE, deadline_s: float | None = None,
               name: str | None = None, on_event: Callable | None = None, background: bool = False,
               **kwargs) -> Job:
        """Queue ``fn(*args, **kwargs)`` and return its handle at once.

        ``fn`` may return a value (``job.result()``) or a generator, whose items the caller reads from
        the job as they come (the generator runs ahead of the reader; cancelling the job or closing
        the reader stops it before its next item). A callable ``on_event`` is passed to ``fn`` as its
        ``on_event`` keyword; the events ``fn`` reports reach it on the caller's thread while the
        caller reads the job. If it raises, ``fn`` is stopped at its next event and the exception is
        raised to the reader once ``fn`` has ended. ``background`` jobs have no reader: a failure is logged.
        """
        deadline = None if deadline_s is None else time.monotonic() + deadline_s
        job = Job(fn, args, kwargs, name=name or getattr(fn, "__name__", "job"), priority=priority,
                  seq=next(self._seq), deadline=deadline, on_event=on_event, background=background, line=self)
        with self._cond:
            if len(self._waiting) >= self.depth:
                retry = self.retry_after_s()
                raise QueueFullError(f"The server is busy ({len(self._waiting)} requests are already waiting); "
                                     f"try again in about {retry} s.", retry)
            self._waiting.append(job)
            self._ensure_worker()
            self._cond.notify()
        return job

    def call(self, fn: Callable, /, *args, priority: int = INTERACTIVE, **kwargs) -> Any:
        """``fn(*args, **kwargs)`` on the worker thread; its result, or its exception raised here.
        Called from the worker thread itself, it runs at once (a job never waits for itself)."""
        if self.is_current:
            return fn(*args, **kwargs)
        return self.submit(fn, *args, priority=priority, **kwargs).result()

    def iterate(self, fn: Callable[..., Iterator], /, *args, priority: int = INTERACTIVE, **kwargs) -> Iterator:
        """The items of the generator ``fn(*args, **kwargs)``, made on the worker thread."""
        if self.is_current:
            return fn(*args, **kwargs)
        return iter(self.submit(fn, *args, priority=priority, **kwargs))

    def spawn(self, fn: Callable, /, *args, priority: int = INTERACTIVE, **kwargs) -> Job:
        """Queue ``fn(*args, **kwargs)`` and return at once; a failure is logged."""
        return self.submit(fn, *args, priority=priority, background=True, **kwargs)

    def close(self) -> None:
        """Stop the worker after the job it is running; waiting jobs are cancelled."""
        with self._cond:
            self._stop = True
            waiting, self._waiting = self._waiting, []
            self._cond.notify_all()
        for job in waiting:
            job._cancel.set()
            job._put(_ERROR, JobCancelled("The engine was shut down before this job started."))
        if self._thread is not None and not self.is_current:
            self._thread.join(timeout=30)

    def _ensure_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop = False
            self._thread = threading.Thread(target=self._work, name=self.name, daemon=True)
            self._thread.start()

    def _next(self) -> Job | None:
        with self._cond:
            while not self._waiting and not self._stop:
                self._cond.wait()
            if self._stop:
                return None
            job = min(self._waiting, key=_order)
            self._waiting.remove(job)
            job.state = RUNNING
            job.started = time.perf_counter()
            self._running = job
            return job

    def _work(self) -> None:
        while (job := self._next()) is not None:
            started = time.monotonic()
            try:
                if job.deadline is not None and started > job.deadline:
                    job.state = CANCELLED
                    job._put(_ERROR, JobCancelled(f"{job.name} waited past its deadline and was dropped."))
                    continue
                job._run()
                self._mean_s = 0.8 * self._mean_s + 0.2 * (time.monotonic() - started)
            finally:
                self._running = None


def _order(job: Job) -> tuple[int, int]:
    return job.priority, job.seq
