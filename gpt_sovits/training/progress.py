"""Structured progress (JSON lines) written by a training run, and the cancel request it honours.

Every line of the progress file is one JSON object with at least ``event`` and ``time``. Events:
``start`` (kind, voice, epochs, steps_per_epoch, batch_size, device, precision, resumed_from),
``step`` (epoch, step, losses, it_s, eta_s, vram_bytes, lr), ``epoch`` (epoch, losses),
``checkpoint`` (path), ``warning`` (message), ``cancelled``, ``done`` (files), ``error`` (message).
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from pathlib import Path

logger = logging.getLogger(__name__)


class ProgressWriter:
    """Appends one JSON object per line to ``path`` (nothing is written when ``path`` is None)."""

    def __init__(self, path: Path | None):
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def emit(self, event: str, **fields) -> None:
        record = {"event": event, "time": round(time.time(), 3), **fields}
        if self.path is None:
            return
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            f.flush()


def read_progress(path: Path) -> list[dict]:
    """All complete events in a progress file (a half-written last line is ignored); [] when absent."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    events = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        try:
            events.append(json.loads(line))
        except ValueError:
            continue
    return events


class CancelToken:
    """A cancel request: the file ``path`` exists, or SIGTERM/SIGINT arrived (after ``watch_signals``)."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path is not None else None
        self._flag = threading.Event()

    def request(self) -> None:
        self._flag.set()

    def requested(self) -> bool:
        return self._flag.is_set() or (self.path is not None and self.path.exists())

    def clear(self) -> None:
        self._flag.clear()
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def watch_signals(self) -> None:
        """Turn SIGTERM and SIGINT into a cancel request (main thread only)."""
        def handler(signum, _frame):
            logger.warning("signal %s received: stopping after the current step", signum)
            self._flag.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, handler)
