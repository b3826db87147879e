"""A crowd of simultaneous requests waits its turn: all answered, memory flat; 503 + Retry-After only past the depth."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import BASE_URL, FakeEngine, fake_app, make_voice, read_wav, write_reference


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        import os

        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.slow
def test_a_hundred_simultaneous_requests_are_all_answered_and_memory_stays_flat(tiny_v2, tmp_path, monkeypatch):
    import torch

    from gpt_sovits.api.app import create_app
    from gpt_sovits.api.options import ApiOptions
    from gpt_sovits.config import StudioSettings
    from gpt_sovits.inference import engine

    monkeypatch.setattr(engine, "_shared", None)
    torch.set_num_threads(1)
    workspace = tmp_path / "workspace"
    write_reference(workspace / "ref.wav")
    settings = StudioSettings(pretrained_dir=tiny_v2, workspace_dir=workspace)
    deadline_s = 300.0
    with TestClient(create_app(settings, ApiOptions(queue_deadline_s=deadline_s)), base_url=BASE_URL) as client:
        def one(i: int):
            started = time.monotonic()
            r = client.get("/tts", params={"text": "hi.", "text_lang": "en", "ref_audio_path": "ref.wav",
                                           "seed": i, "top_k": 1})
            return r, time.monotonic() - started

        def crowd(n: int):
            with ThreadPoolExecutor(max_workers=n) as pool:
                return list(pool.map(one, range(n)))

        crowd(10)  # warm: models, caches and allocator pools reach their working size
        before = _rss_mb()
        results = crowd(100)
        after = _rss_mb()
        assert [r.status_code for r, _ in results] == [200] * 100, {r.status_code: r.text for r, _ in results}
        assert max(s for _, s in results) < deadline_s
        for r, _ in results:
            audio, sr = read_wav(r.content)
            assert sr == 32000 and audio.size > 0
        assert client.get("/health").json()["waiting"] == 0
    engine.engine_host().close()
    assert after - before < 150, f"memory grew by {after - before:.0f} MB over 100 requests"


def test_past_the_depth_a_request_gets_503_with_retry_after_and_our_routes_show_the_line(dirs):
    engine = FakeEngine(delay_s=0.0)
    gate, started = threading.Event(), threading.Event()
    original = engine.synthesize

    def held(request, stream=False, batch=True):
        started.set()
        gate.wait(10)
        yield from original(request, stream, batch)

    engine.synthesize = held
    with TestClient(fake_app(dirs, engine, max_waiting=3), base_url=BASE_URL) as client:
        params = {"text": "hello", "text_lang": "en", "ref_audio_path": "ref.wav"}
        with ThreadPoolExecutor(max_workers=4) as pool:
            first = pool.submit(client.get, "/tts", params=params)
            assert started.wait(10)
            waiting = [pool.submit(client.get, "/tts", params=params) for _ in range(3)]
            for _ in range(100):
                if client.get("/queue").json()["waiting"] == 3:
                    break
                time.sleep(0.02)
            line = client.get("/queue").json()
            assert line["running"] == "synthesis" and line["depth"] == 3
            assert [j["position"] for j in line["lineup"]] == [0, 1, 2]
            refused = client.get("/tts", params=params)
            assert refused.status_code == 503 and "busy" in refused.json()["message"]
            assert int(refused.headers["Retry-After"]) >= 1
            gate.set()
            assert [f.result().status_code for f in [first, *waiting]] == [200] * 4
        make_voice(dirs[0], "Alice")
        r = client.post("/v1/audio/speech", json={"input": "hi", "voice": "Alice", "response_format": "wav"})
        assert r.status_code == 200 and r.headers["X-Queue-Position"] == "0"
