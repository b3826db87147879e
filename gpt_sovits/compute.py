"""One long-lived thread for the heavy numeric work of an interactive process.

PyTorch on the CPU parallelises with OpenMP, and OpenMP keeps one team of worker threads per
thread that starts parallel work. A web UI runs each click on whichever pool thread is free, so
several teams appear; once there are more team threads than cores, the GNU OpenMP runtime stops
spinning between parallel regions and every small matrix product pays for waking its team: token
generation measured about twice as slow. Running all model work on this one thread keeps a
single team. Results come back to the calling thread; so do ``on_event`` progress callbacks,
because UI progress objects only work on the thread that handles the click.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

logger = logging.getLogger(__name__)

_ITEM, _EVENT, _DONE, _ERROR = "item", "event", "done", "error"


class _Cancelled(Exception):
    """Raised inside a job whose caller's event callback failed."""


class ComputeThread:
    """Runs functions and generators one at a time on a single daemon thread (started on first use)."""

    def __init__(self, name: str = "compute"):
        self.name = name
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._running: str | None = None

    @property
    def is_current(self) -> bool:
        """True when called from the compute thread itself."""
        return threading.current_thread() is self._thread

    def call(self, fn: Callable[..., Any], /, *args, **kwargs) -> Any:
        """``fn(*args, **kwargs)`` on the compute thread; its result, or its exception re-raised here.

        A callable ``on_event`` keyword argument is called here (on the caller's thread) with each
        event ``fn`` reports, while ``fn`` runs. If it raises, ``fn`` is stopped at its next event
        (the event call raises there too), and the callback's exception is raised here once ``fn``
        has ended, so the compute thread is free again.
        """
        if self.is_current:
            return fn(*args, **kwargs)
        channel: queue.SimpleQueue = queue.SimpleQueue()
        cancel = threading.Event()
        relay = kwargs.get("on_event")
        if callable(relay):

            def report(event) -> None:
                if cancel.is_set():
                    raise _Cancelled("the caller stopped listening to this job's events")
                channel.put((_EVENT, event))

            kwargs["on_event"] = report

        def job() -> None:
            try:
                channel.put((_DONE, fn(*args, **kwargs)))
            except BaseException as e:  # re-raised on the caller's thread
                channel.put((_ERROR, e))

        self._submit(job, fn)
        failure: BaseException | None = None
        while True:
            kind, value = channel.get()
            if kind == _EVENT:
                if failure is None:
                    try:
                        relay(value)
                    except BaseException as e:  # stop the job, then raise this once it has ended
                        failure = e
                        cancel.set()
            elif failure is not None:
                raise failure
            elif kind == _DONE:
                return value
            else:
                raise value

    def iterate(self, fn: Callable[..., Iterator], /, *args, **kwargs) -> Iterator:
        """Run the generator ``fn(*args, **kwargs)`` on the compute thread and yield its items here.

        The generator runs ahead of the consumer (its items wait in a queue), so the work goes on
        while the caller handles an item. Closing the returned iterator (or dropping the last
        reference to it) stops the generator before its next item.
        """
        if self.is_current:
            yield from fn(*args, **kwargs)
            return
        channel: queue.SimpleQueue = queue.SimpleQueue()
        stop = threading.Event()

        def job() -> None:
            try:
                items = fn(*args, **kwargs)
                try:
                    while not stop.is_set():
                        try:
                            item = next(items)
                        except StopIteration:
                            break
                        channel.put((_ITEM, item))
                finally:
                    close = getattr(items, "close", None)
                    if close is not None:
                        close()
                channel.put((_DONE, None))
            except BaseException as e:  # re-raised on the caller's thread
                channel.put((_ERROR, e))

        self._submit(job, fn)
        try:
            while True:
                kind, value = channel.get()
                if kind == _ITEM:
                    yield value
                elif kind == _DONE:
                    return
                else:
                    raise value
        finally:
            stop.set()

    def spawn(self, fn: Callable[..., Any], /, *args, **kwargs) -> None:
        """Queue ``fn(*args, **kwargs)`` on the compute thread and return at once; a failure is logged."""

        def job() -> None:
            try:
                fn(*args, **kwargs)
            except Exception:
                logger.exception("Background job %s failed", getattr(fn, "__name__", fn))

        self._submit(job, fn)

    @property
    def running(self) -> str | None:
        """The name of the function whose job runs now (None when idle), to tell a waiting user why."""
        return self._running

    def _submit(self, job: Callable[[], None], fn: Callable | None = None) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name=self.name, daemon=True)
                self._thread.start()
        self._jobs.put((getattr(fn, "__name__", None) or "job", job))

    def _work(self) -> None:
        while True:
            name, job = self._jobs.get()
            self._running = name
            try:
                job()
            finally:
                self._running = None


_shared = ComputeThread()


def compute_thread() -> ComputeThread:
    """The process's compute thread (the UI runs model work here)."""
    return _shared
