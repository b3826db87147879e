"""The API in front of the real engine (tiny random models): AstrBot, SillyTavern and OpenAI clients, bad pickles."""

from __future__ import annotations

import os
import pickle
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import BASE_URL, make_voice, read_wav, write_reference
from tests.conftest import TINY_GPT, TINY_SOVITS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real(tiny_v2, tmp_path_factory):
    import torch

    from gpt_sovits.api.app import create_app
    from gpt_sovits.api.options import ApiOptions
    from gpt_sovits.config import StudioSettings

    torch.set_num_threads(2)
    workspace = tmp_path_factory.mktemp("api-real") / "workspace"
    write_reference(workspace / "refs" / "ref.wav")
    make_voice(workspace, "Alice")
    settings = StudioSettings(pretrained_dir=tiny_v2, workspace_dir=workspace)
    with TestClient(create_app(settings, ApiOptions(device="cpu")), base_url=BASE_URL) as client:
        client.workspace = workspace
        yield client


def _check_speech(data: bytes) -> np.ndarray:
    audio, sr = read_wav(data)
    assert sr == 32000 and audio.ndim == 1 and len(audio) > 3200
    assert np.all(np.isfinite(audio)) and float(np.abs(audio).max()) > 1e-3
    return audio


def test_astrbot_sequence(real):
    r = real.get(f"/set_gpt_weights?weights_path={quote(TINY_GPT)}")
    assert r.status_code == 200 and r.json() == {"message": "success"}, r.text
    r = real.get(f"/set_sovits_weights?weights_path={quote(TINY_SOVITS)}")
    assert r.status_code == 200 and r.json() == {"message": "success"}, r.text
    query = {"text": "你好", "ref_audio_path": "refs/ref.wav", "prompt_text": "你好世界", "prompt_lang": "zh",
             "aux_ref_audio_paths": "", "text_lang": "zh", "top_k": 5, "top_p": 1.0, "temperature": 1.0,
             "text_split_method": "cut3", "batch_size": 1, "batch_threshold": 0.75, "split_bucket": True,
             "speed_factor": 1, "fragment_interval": 0.3, "streaming_mode": False, "seed": -1,
             "parallel_infer": True, "repetition_penalty": 1.35, "media_type": "wav"}
    lowered = "&".join(f"{k}={quote(str(v).lower() if k != 'text' else v)}" for k, v in query.items())
    r = real.get("/tts?" + lowered)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "audio/wav"
    _check_speech(r.content)


def test_malicious_pickle_is_refused_and_nothing_runs(real):
    marker = real.workspace / "pwned.txt"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    models = real.workspace / "models"
    models.mkdir(exist_ok=True)
    (models / "evil.ckpt").write_bytes(pickle.dumps({"state_dict": Evil()}))
    import torch

    torch.save({"weight": Evil()}, models / "evil_zip.pth")
    before = real.get("/health").json()["models"]
    found = f"{os.system.__module__}.system"
    r = real.get("/set_gpt_weights", params={"weights_path": "models/evil.ckpt"})
    assert r.status_code == 400 and r.json() == {
        "message": "change gpt weight failed",
        "Exception": f"Refused evil.ckpt: it holds code or Python objects ({found}) that a model file never needs; "
                     "nothing in it was run. Only use model files from sources you trust."}, r.text
    r = real.get("/set_sovits_weights", params={"weights_path": "models/evil_zip.pth"})
    assert r.status_code == 400 and r.json() == {
        "message": "change sovits weight failed",
        "Exception": f"Refused evil_zip.pth: it holds code or Python objects ({found}) that a model file never "
                     "needs; nothing in it was run. Only use model files from sources you trust."}, r.text
    assert not marker.exists()
    assert real.get("/health").json()["models"] == before


def test_sillytavern_openai_and_a_repeat_concurrently(real):
    silly = {"text": "你好", "prompt_text": "Alice", "ref_audio_path": "./参考音频/Alice.wav", "text_lang": "zh",
             "prompt_lang": "zh", "text_split_method": "cut5", "batch_size": 1, "media_type": "ogg",
             "streaming_mode": "true"}
    openai = {"model": "tts-1", "input": "你好", "voice": "Alice", "response_format": "wav"}
    fixed = {"text": "你好", "text_lang": "zh", "voice": "Alice", "seed": 7, "media_type": "wav"}
    calls = [("post", "/", silly), ("post", "/v1/audio/speech", openai), ("post", "/tts", fixed),
             ("post", "/tts", fixed)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda c: getattr(real, c[0])(c[1], json=c[2]), calls))
    for answer in answers:
        assert answer.status_code == 200, answer.text
    assert answers[0].content[:4] == b"OggS"
    _check_speech(answers[0].content)
    _check_speech(answers[1].content)
    first, second = _check_speech(answers[2].content), _check_speech(answers[3].content)
    assert np.array_equal(first, second)  # same seed, same audio: concurrent requests do not disturb each other


def test_streamed_wav_has_the_same_length_as_the_whole_answer(real):
    """streaming_mode with wav streams parts made while the GPT runs; the same seed gives the same tokens,
    so the streamed audio is as long as the whole answer's and close to it."""
    params = {"text": "你好，今天天气很好。我们去散步吧。", "text_lang": "zh", "voice": "Alice", "seed": 11,
              "media_type": "wav", "text_split_method": "cut5"}
    whole = _check_speech(real.post("/tts", json=params).content)
    r = real.post("/tts", json={**params, "streaming_mode": True})
    assert r.status_code == 200
    pcm = np.frombuffer(r.content[44:], dtype="<i2").astype(np.float32) / 32768
    assert len(pcm) == len(whole)
    assert np.all(np.isfinite(pcm)) and float(np.abs(pcm).max()) > 1e-3
