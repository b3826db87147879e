"""Upstream api_v2 compatibility against a fake engine: parameters, lenient parsing, media types, streaming."""

from __future__ import annotations

import shutil
import struct

import numpy as np
import pytest

from gpt_sovits.api.schemas import ApiError, parse_tts_params
from tests.api.conftest import FAKE_SAMPLES, level_of, read_wav

ASTRBOT_QUERY = ("text={text}&ref_audio_path=ref.wav&prompt_text=你好世界&prompt_lang=zh&aux_ref_audio_paths="
                 "&text_lang=zh&top_k=5&top_p=1.0&temperature=1.0&text_split_method=cut3&batch_size=1"
                 "&batch_threshold=0.75&split_bucket=true&speed_factor=1&fragment_interval=0.3"
                 "&streaming_mode=false&seed=-1&parallel_infer=true&repetition_penalty=1.35&media_type=wav")


def test_lenient_parsing_of_sloppy_clients():
    p = parse_tts_params({"text": "hi", "text_lang": "EN", "prompt_lang": "ZH", "top_k": "5", "top_p": "0.8",
                          "seed": "42", "streaming_mode": "ture", "split_bucket": "True", "parallel_infer": "1",
                          "aux_ref_audio_paths": "", "speed_factor": 1, "batch_size": "1"}, 100)
    assert (p.text_lang, p.prompt_lang, p.top_k, p.top_p, p.seed) == ("en", "zh", 5, 0.8, 42)
    assert p.streaming is True and p.aux_ref_audio_paths == ()
    assert parse_tts_params({"text": "a", "text_lang": "zh", "streaming_mode": 0}, 10).streaming is False
    assert parse_tts_params({"text": "a", "text_lang": "zh", "streaming_mode": "3"}, 10).streaming is True
    defaults = parse_tts_params({"text": "a", "text_lang": "zh"}, 10)
    assert (defaults.top_k, defaults.text_split_method, defaults.media_type, defaults.repetition_penalty,
            defaults.fragment_interval, defaults.seed) == (15, "cut5", "wav", 1.35, 0.3, -1)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ApiError) as info:
        parse_tts_params({"text": "", "top_k": "many", "streaming_mode": "maybe", "media_type": "midi"}, 10)
    text = str(info.value)
    for fragment in ("text is required", "top_k", "streaming_mode", "media_type", "text_lang is required"):
        assert fragment in text


@pytest.mark.parametrize("lang,word", [("ja", "Japanese"), ("all_ko", "Korean"), ("yue", "Cantonese")])
def test_unsupported_languages_get_a_clear_400(fake_client, lang, word):
    r = fake_client.get("/tts", params={"text": "x", "text_lang": lang, "ref_audio_path": "ref.wav"})
    assert r.status_code == 400 and word in r.json()["message"]


def test_astrbot_query_returns_wav_of_the_engine_audio(fake_client):
    r = fake_client.get("/tts?" + ASTRBOT_QUERY.format(text="你好"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "audio/wav"
    audio, sr = read_wav(r.content)
    assert sr == 32000 and len(audio) == FAKE_SAMPLES
    assert np.allclose(audio, level_of("你好"), atol=1e-3)
    sent = fake_client.engine.requests[-1]
    assert (sent.top_k, sent.cut_method, sent.language, sent.ref_text) == (5, "cut3", "zh", "你好世界")


def test_post_json_with_aux_references_and_numbers_as_strings(fake_client):
    body = {"text": "hello", "text_lang": "en", "ref_audio_path": "ref.wav", "prompt_lang": "en",
            "aux_ref_audio_paths": ["ref.wav"], "temperature": "0.7", "speed_factor": "1.2"}
    r = fake_client.post("/tts", json=body)
    assert r.status_code == 200, r.text
    sent = fake_client.engine.requests[-1]
    assert sent.temperature == 0.7 and sent.speed == 1.2 and len(sent.aux_ref_audio) == 1


@pytest.mark.parametrize("media", ["raw", "ogg", "flac", "mp3"])
def test_media_types(fake_client, media):
    r = fake_client.get("/tts", params={"text": "abc", "text_lang": "en", "ref_audio_path": "ref.wav",
                                        "media_type": media})
    assert r.status_code == 200, r.text
    if media == "raw":
        samples = np.frombuffer(r.content, "<i2")
        assert len(samples) == FAKE_SAMPLES and abs(samples[0] / 32768 - level_of("abc")) < 1e-3
    else:
        audio, sr = read_wav(r.content)
        assert sr == 32000 and abs(float(np.median(audio)) - level_of("abc")) < 0.05


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="aac needs ffmpeg")
def test_aac_through_ffmpeg(fake_client):
    r = fake_client.get("/tts", params={"text": "abc", "text_lang": "en", "ref_audio_path": "ref.wav",
                                        "media_type": "aac"})
    assert r.status_code == 200 and r.headers["content-type"] == "audio/aac"
    assert r.content[:2] in (b"\xff\xf1", b"\xff\xf9")  # ADTS sync word


def test_aac_without_ffmpeg_is_a_clear_400(fake_client, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    r = fake_client.get("/tts", params={"text": "abc", "text_lang": "en", "ref_audio_path": "ref.wav",
                                        "media_type": "aac"})
    assert r.status_code == 400 and "ffmpeg" in r.json()["message"]


def test_streaming_wav_is_a_header_then_raw_pcm_per_piece(fake_client):
    r = fake_client.get("/tts", params={"text": "one, two", "text_lang": "en", "ref_audio_path": "ref.wav",
                                        "streaming_mode": "true"})
    assert r.status_code == 200
    head, pcm = r.content[:44], r.content[44:]
    assert head[:4] == b"RIFF" and head[8:12] == b"WAVE" and struct.unpack("<I", head[40:44])[0] == 0
    assert struct.unpack("<I", head[24:28])[0] == 32000
    assert len(pcm) == 2 * 2 * FAKE_SAMPLES  # two pieces of int16
    assert fake_client.engine.deliveries == [(True, False)]  # wav streams parts while the GPT runs


def test_how_each_answer_asks_for_its_audio(fake_client):
    """Whole answers let pieces share GPT batches; streamed files come piece by piece, unbatched."""
    params = {"text": "one, two", "text_lang": "en", "ref_audio_path": "ref.wav"}
    assert fake_client.get("/tts", params=params).status_code == 200
    assert fake_client.get("/tts", params={**params, "streaming_mode": "true", "media_type": "ogg"}).status_code == 200
    assert fake_client.engine.deliveries == [(False, True), (False, False)]


def test_errors_are_400_with_a_message(fake_client):
    r = fake_client.get("/tts", params={"text_lang": "zh", "ref_audio_path": "ref.wav"})
    assert r.status_code == 400 and "text is required" in r.json()["message"]
    r = fake_client.get("/tts", params={"text": "x", "text_lang": "zh", "ref_audio_path": "missing.wav"})
    assert r.status_code == 400 and "does not exist" in r.json()["message"]
    r = fake_client.get("/tts", params={"text": "x", "text_lang": "zh"})
    assert r.status_code == 400 and "ref_audio_path is required" in r.json()["message"]
    r = fake_client.get("/tts", params={"text": "x", "text_lang": "zh", "ref_audio_path": "ref.wav", "top_k": 0})
    assert r.status_code == 400 and "top_k" in r.json()["message"]
    r = fake_client.post("/tts", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["message"]


def test_set_weights_and_refer_audio(dirs):
    from fastapi.testclient import TestClient

    from tests.api.conftest import fake_app

    loads = []
    with TestClient(fake_app(dirs, loads=loads), base_url="http://127.0.0.1") as client:
        assert client.get("/set_gpt_weights").json() == {"message": "gpt weight path is required"}
        r = client.get("/set_gpt_weights", params={"weights_path": "other/custom.ckpt"})
        assert r.json() == {"message": "success"}
        r = client.get("/set_sovits_weights", params={"weights_path": "gsv-v2final-pretrained/s2G2333k.pth"})
        assert r.json() == {"message": "success"}
        assert loads == [("custom.ckpt", "s2G2333k.pth")]  # the same pair is not loaded twice
        r = client.get("/set_sovits_weights", params={"weights_path": "other/custom.ckpt"})
        assert r.status_code == 400 and "not a sovits model file" in r.json()["message"]
        assert client.get("/set_refer_audio", params={"refer_audio_path": "ref.wav"}).json() == {"message": "success"}
        r = client.get("/tts", params={"text": "x", "text_lang": "zh"})
        assert r.status_code == 200
        assert client.get("/health").json()["models"] == ["custom.ckpt", "s2G2333k.pth"]
