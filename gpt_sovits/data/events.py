"""Progress events and errors shared by the data-preparation steps.

Long steps report through a callback taking one :class:`PrepareEvent`, so the web UI, the CLI
and tests can all follow them. A callback may raise to stop the step; everything finished
until then stays on disk and is reused by the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gpt_sovits.errors import ConfigError


@dataclass(frozen=True)
class PrepareEvent:
    """One step of progress: ``done`` of ``total`` items of ``stage``; ``item`` names the clip, if any."""

    stage: str
    done: int
    total: int
    item: str | None = None
    message: str = ""

    def describe(self) -> str:
        """A one-line human-readable form, e.g. ``[audio 3/12] a.wav: prepared``."""
        where = f"[{self.stage} {self.done}/{self.total}]"
        text = f"{self.item}: {self.message}" if self.item else self.message
        return f"{where} {text}".rstrip()


EventCallback = Callable[[PrepareEvent], None]


class DatasetError(ConfigError):
    """The training set cannot be prepared; ``problems`` names every bad clip and what to do."""


def emit(on_event: EventCallback | None, stage: str, done: int, total: int, item: str | None = None,
         message: str = "") -> None:
    """Send an event to ``on_event`` when there is one."""
    if on_event is not None:
        on_event(PrepareEvent(stage, done, total, item, message))
