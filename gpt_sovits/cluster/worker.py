"""The work of one Ray actor: one engine host that renders batches of book lines.

Plain Python (no Ray import): ``gpt_sovits.cluster.render`` wraps :class:`LineWorker` with
``ray.remote``. Voice models and reference clips come as bytes (from Ray's object store) and are
written once into a folder of the actor, keyed by their content, unless the driver says its paths
are shared by every machine.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from gpt_sovits.devices import DEFAULT_PRECISION
from gpt_sovits.fileio import write_bytes_atomic

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerSettings:
    """How an actor loads its engine (the same for every actor of a render)."""

    pretrained_dir: Path
    device: str = "auto"
    precision: str = DEFAULT_PRECISION
    threads: int = 1
    batch_pieces: int = 4


def materialize(files: dict[str, bytes], folder: Path) -> dict[str, Path]:
    """Write each driver path's bytes under ``folder/<sha256>/<name>``; {driver path: local path}."""
    local = {}
    for original, data in files.items():
        digest = hashlib.sha256(data).hexdigest()[:32]
        path = folder / digest / Path(original).name
        if not path.is_file():
            write_bytes_atomic(path, data)
        local[original] = path
    return local


class LineWorker:
    """Holds one engine host (models loaded on the first batch, then kept) and renders batches."""

    def __init__(self, settings: WorkerSettings, files: dict | None = None):
        import torch

        from gpt_sovits.books.synthesis import EngineLines
        from gpt_sovits.inference.engine import EngineHost, LoadSettings

        torch.set_num_threads(max(1, settings.threads))
        self._folder = Path(tempfile.mkdtemp(prefix="gpt-sovits-ray-"))
        self._paths = materialize(_fetch(files or {}), self._folder) if files else {}
        self.host = EngineHost(settings=LoadSettings(pretrained_dir=Path(settings.pretrained_dir),
                                                     device=settings.device, precision=settings.precision))
        self.lines = EngineLines(self.host, batch_pieces=settings.batch_pieces)
        logger.info("Line worker %d ready (%d files from the object store)", os.getpid(), len(self._paths))

    def pid(self) -> int:
        return os.getpid()

    def render(self, requests: list) -> list:
        """The RenderedTakes of ``requests`` (LineRequests with the driver's paths), in order."""
        return list(self.lines([self._local(r) for r in requests]))

    def _local(self, request):
        if not self._paths:
            return request
        v = request.voice
        voice = replace(v, ref_audio=self._paths.get(str(v.ref_audio), v.ref_audio),
                        gpt_path=self._paths.get(str(v.gpt_path), v.gpt_path),
                        sovits_path=self._paths.get(str(v.sovits_path), v.sovits_path))
        return replace(request, voice=voice)


def _fetch(files: dict) -> dict[str, bytes]:
    """Bytes of each file; values may be Ray object references (resolved here, in the actor)."""
    refs = {k: v for k, v in files.items() if not isinstance(v, bytes)}
    if not refs:
        return files
    import ray

    values = ray.get(list(refs.values()))
    return {**files, **dict(zip(refs.keys(), values, strict=True))}
