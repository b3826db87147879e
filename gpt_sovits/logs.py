"""Logging set-up for entry points (the library itself only creates loggers)."""

from __future__ import annotations

import logging
import sys


class _CurrentStderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of each record (it may be replaced later)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler.__init__ assigns it; we always follow sys.stderr
        pass


def configure_logging(verbose: bool = False) -> None:
    """Send log records to stderr in a short, readable format."""
    level = logging.DEBUG if verbose else logging.INFO
    handler = _CurrentStderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "urllib3", "jieba", "matplotlib", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
