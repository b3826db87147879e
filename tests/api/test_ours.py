"""Voices, SillyTavern's and OpenAI's request shapes, the bounded queue, and a real uvicorn server (fake engine)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    BASE_URL,
    FAKE_SAMPLES,
    FakeEngine,
    fake_app,
    free_port,
    level_of,
    make_voice,
    read_wav,
    running_server,
)


def test_voices_and_speakers_list_only_usable_voices(fake_client, dirs):
    workspace, _ = dirs
    make_voice(workspace, "Alice")
    make_voice(workspace, "NoConsent", consent=False)
    voices = {v["id"]: v for v in fake_client.get("/voices").json()["voices"]}
    assert set(voices) == {"Alice", "NoConsent"}
    assert voices["Alice"]["reference_text"] == "你好世界。" and voices["Alice"]["consent"] is True
    assert all("/" not in str(value) for v in voices.values() for value in v.values())  # no server paths
    assert fake_client.get("/speakers").json() == [{"name": "Alice", "voice_id": "Alice"}]


def test_voice_parameter_uses_the_voice_reference_and_models(dirs):
    workspace, pretrained = dirs
    make_voice(workspace, "Bob", models={"gpt": "models/gpt/bob.ckpt"})
    (workspace / "Bob" / "models" / "gpt").mkdir(parents=True)
    (workspace / "Bob" / "models" / "gpt" / "bob.ckpt").write_bytes(b"x")
    make_voice(workspace, "Shy", consent=False)
    loads, engine = [], FakeEngine()
    with TestClient(fake_app(dirs, engine, loads=loads), base_url=BASE_URL) as client:
        r = client.get("/tts", params={"text": "hi", "text_lang": "en", "voice": "Bob"})
        assert r.status_code == 200, r.text
        sent = engine.requests[-1]
        assert sent.ref_audio.name == "ref.wav" and "Bob" in sent.ref_audio.parts and sent.ref_text == "你好世界。"
        assert loads[-1] == ("bob.ckpt", "s2G2333k.pth")
        assert client.get("/tts", params={"text": "hi", "text_lang": "en", "voice_id": "Shy"}).status_code == 403
        assert client.get("/tts", params={"text": "hi", "text_lang": "en", "voice": "Nobody"}).status_code == 404
        assert client.get("/tts", params={"text": "hi", "text_lang": "en", "voice": "../Bob"}).status_code == 404


def test_sillytavern_request_shape(fake_client, dirs):
    make_voice(dirs[0], "Alice")
    body = {"text": "hello there", "prompt_text": "Alice", "ref_audio_path": "./参考音频/Alice.wav",
            "text_lang": "en", "prompt_lang": "zh", "text_split_method": "cut5", "batch_size": 1,
            "media_type": "ogg", "streaming_mode": "true"}
    r = fake_client.post("/", json=body)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "audio/ogg" and r.content[:4] == b"OggS"
    audio, sr = read_wav(r.content)
    assert sr == 32000 and abs(float(np.median(audio)) - level_of("hello there")) < 0.05
    sent = fake_client.engine.requests[-1]
    assert sent.ref_text == "你好世界。" and sent.cut_method == "cut5"  # the voice's transcript, not its id


def test_openai_speech_shape(fake_client, dirs):
    make_voice(dirs[0], "Alice")
    body = {"model": "tts-1", "input": "Good morning", "voice": "Alice", "response_format": "wav", "speed": 1.1}
    r = fake_client.post("/v1/audio/speech", json=body)
    assert r.status_code == 200, r.text
    audio, sr = read_wav(r.content)
    assert sr == 32000 and len(audio) == FAKE_SAMPLES
    assert fake_client.engine.requests[-1].speed == 1.1
    r = fake_client.post("/v1/audio/speech", json={**body, "response_format": "pcm"})
    assert r.status_code == 200 and len(r.content) == 2 * FAKE_SAMPLES * 24000 // 32000  # OpenAI's pcm: 24 kHz
    r = fake_client.post("/v1/audio/speech", json={"input": "Good morning", "voice": "Alice"})
    assert r.status_code == 200 and r.headers["content-type"] == "audio/mpeg"  # OpenAI's default: mp3
    r = fake_client.post("/v1/audio/speech", json={**body, "response_format": "opus"})
    assert r.status_code == 200 and r.content[:4] == b"OggS"
    r = fake_client.post("/v1/audio/speech", json={**body, "voice": "alloy"})
    assert r.status_code == 404 and "alloy" in r.json()["error"]["message"]
    r = fake_client.post("/v1/audio/speech", json={**body, "response_format": "midi"})
    assert r.status_code == 400 and "response_format" in r.json()["error"]["message"]


def test_fifty_concurrent_requests_are_served_or_refused_never_mixed(dirs):
    engine = FakeEngine(delay_s=0.03)
    with TestClient(fake_app(dirs, engine, max_waiting=8), base_url=BASE_URL) as client:
        def one(i: int):
            text = f"request {i}"
            r = client.get("/tts", params={"text": text, "text_lang": "en", "ref_audio_path": "ref.wav",
                                           "media_type": "raw"})
            return i, r.status_code, r.content if r.status_code == 200 else r.json()["message"]

        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(one, range(50)))
        served = [(i, body) for i, status, body in results if status == 200]
        refused = [body for _, status, body in results if status == 503]
        assert len(served) + len(refused) == 50
        assert len(served) >= 9 and all("busy" in m for m in refused)
        for i, body in served:
            samples = np.frombuffer(body, "<i2")
            assert len(samples) == FAKE_SAMPLES and np.allclose(samples / 32768, level_of(f"request {i}"), atol=1e-3)
        assert engine.max_active == 1  # one synthesis at a time
        assert client.get("/health").json()["waiting"] == 0


@pytest.mark.slow
def test_real_uvicorn_server_on_loopback(dirs):
    import uvicorn

    port = free_port()
    app = fake_app(dirs, port=port)
    with running_server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, workers=1)):
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/health").json()["status"] == "ok"
        r = httpx.get(f"{base}/tts", params={"text": "hi", "text_lang": "en", "ref_audio_path": "ref.wav"})
        assert r.status_code == 200 and read_wav(r.content)[1] == 32000
        with httpx.stream("GET", f"{base}/tts", params={"text": "a, b", "text_lang": "en",
                                                        "ref_audio_path": "ref.wav", "streaming_mode": 1}) as s:
            parts = list(s.iter_bytes())
        assert b"".join(parts)[:4] == b"RIFF" and len(b"".join(parts)) == 44 + 4 * FAKE_SAMPLES


def test_queue_is_bounded_and_a_failed_load_keeps_the_old_engine(tmp_path):
    import asyncio
    from pathlib import Path

    from gpt_sovits.errors import CheckpointError
    from gpt_sovits.inference.engine import EngineHost
    from gpt_sovits.inference.jobs import QueueFullError
    from gpt_sovits.inference.request import AudioChunk, SynthesisRequest

    gate = threading.Event()

    class Blocking:
        def synthesize(self, request, stream=False, batch=True):
            gate.wait(10)
            yield AudioChunk(0, request.text, np.zeros(10, np.float32))

    def loader(gpt, sovits):
        if gpt.name == "bad.ckpt":
            raise CheckpointError("bad.ckpt tries to run code")
        return Blocking()

    host = EngineHost(loader, (Path("a.ckpt"), Path("b.pth")), depth=3)
    request = SynthesisRequest(text="x", ref_audio=tmp_path / "r.wav")

    async def scenario():
        async def consume():
            return [c async for c in host.synthesize(request)]

        tasks = [asyncio.create_task(consume())]
        await asyncio.sleep(0.2)  # the worker takes the first job and blocks in it
        tasks += [asyncio.create_task(consume()) for _ in range(3)]
        await asyncio.sleep(0.05)
        with pytest.raises(QueueFullError) as info:
            await consume()
        assert info.value.status == 503
        gate.set()
        done = await asyncio.gather(*tasks)
        assert [len(chunks) for chunks in done] == [1, 1, 1, 1]
        with pytest.raises(CheckpointError):
            await host.select_models(gpt=Path("bad.ckpt")).wait()
        assert host.loaded_models == (Path("a.ckpt"), Path("b.pth")) and host.selected[0].name == "a.ckpt"

    try:
        asyncio.run(scenario())
    finally:
        host.close()


def test_openai_speech_carries_the_take_checks_and_upstream_routes_do_not(fake_client, dirs):
    import json

    make_voice(dirs[0], "Alice")
    r = fake_client.post("/v1/audio/speech", json={"input": "Good morning, friend", "voice": "Alice",
                                                   "response_format": "wav"})
    assert r.status_code == 200, r.text
    checks = json.loads(r.headers["X-Take-Checks"])
    assert checks["checked"] == 2  # the fake engine's two pieces
    # the fake engine's pieces are constant levels: flat tops, so both are flagged as clipped
    assert checks["passed"] is False and [f["piece"] for f in checks["flagged"]] == [0, 1]
    assert all("clipping" in f["reasons"] for f in checks["flagged"])
    r = fake_client.post("/tts", json={"text": "Good morning", "text_lang": "en", "voice": "Alice",
                                       "media_type": "wav"})
    assert r.status_code == 200 and "X-Take-Checks" not in r.headers
