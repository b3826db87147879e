"""Fixtures for the HTTP API tests: a fake engine (fast, deterministic) and tiny real models."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from gpt_sovits.api.app import create_app
from gpt_sovits.api.options import ApiOptions
from gpt_sovits.config import StudioSettings
from gpt_sovits.inference.request import AudioChunk

BASE_URL = "http://127.0.0.1"
FAKE_SAMPLES = 3200


def level_of(text: str) -> float:
    """The constant sample value the fake engine writes for ``text`` (so answers can be matched to requests)."""
    return round(0.05 + (sum(map(ord, text)) % 97) / 200.0, 3)


class FakeEngine:
    """Same interface as Synthesizer.synthesize; one or two pieces of a constant level, a short sleep each."""

    def __init__(self, delay_s: float = 0.0):
        self.delay_s = delay_s
        self.calls = 0
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        self.requests = []
        self.deliveries = []  # (stream, batch) per call

    def synthesize(self, request, stream=False, batch=True):
        with self._lock:
            self.calls += 1
            self.deliveries.append((stream, batch))
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.requests.append(request)
        try:
            if not Path(request.ref_audio).is_file():
                raise AssertionError("the API handed over a reference that does not exist")
            for index in range(2 if "," in request.text else 1):
                time.sleep(self.delay_s)
                yield AudioChunk(index, request.text, np.full(FAKE_SAMPLES, level_of(request.text), np.float32))
        finally:
            with self._lock:
                self.active -= 1


def write_reference(path: Path, seconds: float = 4.0, sr: int = 32000) -> Path:
    """A vowel-like synthetic clip (harmonics of 140 Hz with a slow tremolo)."""
    t = np.arange(int(seconds * sr)) / sr
    audio = sum(0.2 / k * np.sin(2 * np.pi * 140 * k * t) for k in range(1, 6)) * (0.7 + 0.3 * np.sin(2 * np.pi * 3 * t))
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, audio.astype(np.float32), sr, subtype="PCM_16")
    return path


def make_voice(workspace: Path, name: str, consent: bool = True, ref: str = "references/ref.wav",
               text: str = "你好世界。", language: str = "zh", models: dict | None = None) -> Path:
    folder = workspace / name
    if ref:
        write_reference(folder / ref)
    meta = {"name": name, "consent": {"given": consent}, "reference": {"audio": ref, "text": text,
                                                                        "language": language}}
    if models:
        meta["models"] = models
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "voice.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


@pytest.fixture()
def dirs(tmp_path) -> tuple[Path, Path]:
    """(workspace, pretrained) with a reference clip and two placeholder model files."""
    workspace, pretrained = tmp_path / "workspace", tmp_path / "pretrained"
    write_reference(workspace / "ref.wav")
    for name in ("gsv-v2final-pretrained/s1bert25hz-5kh-longer-epoch=12-step=369668.ckpt",
                 "gsv-v2final-pretrained/s2G2333k.pth", "other/custom.ckpt"):
        (pretrained / name).parent.mkdir(parents=True, exist_ok=True)
        (pretrained / name).write_bytes(b"placeholder")
    return workspace, pretrained


def fake_app(dirs, engine: FakeEngine | None = None, loads: list | None = None, shutdown=None, **options):
    workspace, pretrained = dirs
    engine = engine or FakeEngine()

    def loader(gpt, sovits):
        if loads is not None:
            loads.append((gpt.name, sovits.name))
        return engine

    settings = StudioSettings(pretrained_dir=pretrained, workspace_dir=workspace)
    return create_app(settings, ApiOptions(**options), engine_loader=loader, shutdown=shutdown)


@pytest.fixture()
def fake_client(dirs):
    from fastapi.testclient import TestClient

    engine = FakeEngine()
    with TestClient(fake_app(dirs, engine), base_url=BASE_URL) as client:
        client.engine = engine
        yield client


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    import io

    audio, sr = sf.read(io.BytesIO(data), dtype="float32")
    return audio, sr


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(config):
    """A real uvicorn server for ``config`` in a thread, started and stopped around the block."""
    import uvicorn

    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.time() + 20
        while not server.started and time.time() < deadline:
            time.sleep(0.05)
        assert server.started
        yield server
    finally:
        server.should_exit = True
        thread.join(timeout=10)
