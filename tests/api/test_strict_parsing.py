"""Parsing that refuses mistakes instead of hiding them, and text with nothing to speak, over HTTP."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from gpt_sovits.text.frontend import NOTHING_TO_SPEAK as MESSAGE
from tests.api.conftest import fake_app, free_port, make_voice, running_server


@pytest.mark.parametrize(("text", "lang"), [("...", "zh"), ("😀😀", "auto")])
def test_api_answers_400_with_the_message(fake_client, text, lang):
    r = fake_client.get("/tts", params={"text": text, "text_lang": lang, "ref_audio_path": "ref.wav"})
    assert r.status_code == 400 and r.json() == {"message": MESSAGE}
    r = fake_client.post("/tts", json={"text": text, "text_lang": lang, "ref_audio_path": "ref.wav",
                                       "prompt_lang": "zh"})
    assert r.status_code == 400 and r.json() == {"message": MESSAGE}
    assert fake_client.engine.calls == 0


def test_openai_route_says_so_too(fake_client, dirs):
    make_voice(dirs[0], "Alice")
    r = fake_client.post("/v1/audio/speech", json={"input": "🎉🎉", "voice": "Alice"})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == MESSAGE and r.json()["message"] == MESSAGE


# ----- the router's and the server's own refusals are JSON {"message": ...} too ---------------------
def test_unknown_routes_and_wrong_methods_answer_message(fake_client):
    r = fake_client.get("/nope")
    assert r.status_code == 404
    assert r.json() == {"message": "There is no route '/nope'; GET /docs lists the routes of this API."}
    r = fake_client.get("/v1/audio/speech")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert r.json() == {"message": "GET is not allowed on '/v1/audio/speech'; use POST."}
    r = fake_client.delete("/tts")
    assert r.status_code == 405 and r.json() == {"message": "DELETE is not allowed on '/tts'; use GET, POST."}


def _raw_get(port: int, target: str) -> tuple[int, dict] | None:
    """GET ``target`` over a plain socket (HTTP clients refuse URLs this long): (status, JSON body), or None
    when the connection was reset before any answer arrived."""
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        try:
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            while chunk := sock.recv(65536):
                answer += chunk
        except (BrokenPipeError, ConnectionResetError):  # the server answered and closed before reading it all
            if not answer:
                return None
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower(), head
    return int(head.split()[1]), json.loads(body)


@pytest.mark.slow
def test_huge_urls_get_a_json_answer_from_a_real_server(dirs):
    from gpt_sovits.api.server import TOO_LARGE_MESSAGE, server_config

    port = free_port()
    with running_server(server_config(fake_app(dirs, port=port), "127.0.0.1", port)):
        status, body = _raw_get(port, "/tts?text_lang=en&text=" + "a" * 900_000)
        assert status == 414
        assert body == {"message": "The URL is 900,022 bytes long; this server accepts at most 262,144 "
                                   "(send long texts in a POST body)."}
        # Past the parser's limit the answer is JSON too, unless the reset of the unread rest overtakes it.
        assert _raw_get(port, "/tts?text=" + "a" * 1_300_000) in ((400, {"message": TOO_LARGE_MESSAGE}), None)
        assert httpx.get(f"http://127.0.0.1:{port}/health").json()["status"] == "ok"


# ----- loose parsing that hid mistakes ------------------------------------------------------------------
TTS = {"text": "hello", "text_lang": "en", "ref_audio_path": "ref.wav"}


@pytest.mark.parametrize("value", [0, -1, "0", "-5"])
def test_batch_size_below_one_is_refused_naming_the_field(fake_client, value):
    for r in (fake_client.get("/tts", params={**TTS, "batch_size": value}),
              fake_client.post("/tts", json={**TTS, "batch_size": value})):
        assert r.status_code == 400
        assert r.json() == {"message": f"batch_size must be at least 1, not {int(value)}."}
    assert fake_client.engine.calls == 0


def test_other_compatibility_numbers_are_checked_too(fake_client):
    r = fake_client.post("/tts", json={**TTS, "batch_threshold": 2, "sample_steps": 0, "overlap_length": "x"})
    assert r.status_code == 400
    assert r.json() == {"message": "batch_threshold must be at most 1.0, not 2.0. sample_steps must be at least 1, "
                                   "not 0. overlap_length must be a whole number, not 'x'."}


def test_a_list_where_one_text_is_expected_is_refused(fake_client):
    r = fake_client.post("/tts", json={**TTS, "text": ["a", "b"]})
    assert r.status_code == 400 and r.json() == {"message": "text must be one value, not a list."}
    r = fake_client.post("/tts", json={**TTS, "text_lang": {"x": 1}})
    assert r.status_code == 400 and r.json() == {"message": "text_lang must be one value, not an object."}
    r = fake_client.post("/set_gpt_weights", json={"weights_path": ["a.ckpt", "b.ckpt"]})
    assert r.status_code == 400 and r.json() == {"message": "weights_path must be one value, not a list."}
    assert fake_client.engine.calls == 0
    # A repeated query parameter keeps its last value, as upstream's FastAPI query parameters do.
    r = fake_client.get("/tts?text=first&text=second&text_lang=en&ref_audio_path=ref.wav")
    assert r.status_code == 200 and fake_client.engine.requests[-1].text == "second"


def test_prompt_lang_is_required_with_prompt_text(fake_client, dirs):
    r = fake_client.get("/tts", params={**TTS, "prompt_text": "hello there"})
    assert r.status_code == 400
    assert r.json() == {"message": "prompt_lang is required with prompt_text (zh, en, auto or all_zh)."}
    r = fake_client.post("/tts", json={**TTS, "prompt_text": "hello there", "prompt_lang": ""})
    assert r.status_code == 400
    assert fake_client.engine.calls == 0
    assert fake_client.get("/tts", params=TTS).status_code == 200  # prompt-free: no prompt language needed
    make_voice(dirs[0], "Alice", language="zh")
    r = fake_client.get("/tts", params={"text": "hi", "text_lang": "en", "voice": "Alice", "prompt_text": "x"})
    assert r.status_code == 200  # the voice supplies the language of its transcript
    r = fake_client.get("/tts", params={**TTS, "prompt_text": "hello there", "prompt_lang": "EN"})
    assert r.status_code == 200 and fake_client.engine.requests[-1].ref_language == "en"


def test_lenient_values_upstream_accepted_still_work(fake_client):
    body = {**TTS, "top_k": "5", "seed": "7.0", "streaming_mode": "ture", "split_bucket": "True",
            "parallel_infer": 1, "aux_ref_audio_paths": "", "media_type": "", "text_split_method": "CUT3",
            "speed_factor": "", "batch_size": "2", "unknown_field": [1, 2]}
    r = fake_client.post("/tts", json=body)
    assert r.status_code == 200, r.text
    sent = fake_client.engine.requests[-1]
    assert (sent.top_k, sent.seed, sent.cut_method, sent.speed) == (5, 7, "cut3", 1.0)


# ----- /docs describes the real parameters -----------------------------------------------------------
def test_openapi_lists_the_parameters_of_every_route(fake_client):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no duplicate operation ids
        spec = fake_client.get("/openapi.json").json()
    get_tts = {p["name"]: p for p in spec["paths"]["/tts"]["get"]["parameters"]}
    assert get_tts["text"]["required"] and get_tts["text_lang"]["required"]
    assert not get_tts["prompt_lang"]["required"] and get_tts["batch_size"]["schema"]["minimum"] == 1
    assert get_tts["text_split_method"]["schema"]["enum"] == ["cut0", "cut1", "cut2", "cut3", "cut4", "cut5", "auto"]
    assert get_tts["streaming_mode"]["schema"]["type"] == "boolean"
    assert {"voice", "noise_scale", "emphasis_strength", "aux_ref_audio_paths"} <= set(get_tts)
    post_tts = spec["paths"]["/tts"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(post_tts["properties"]) == set(get_tts) and set(post_tts["required"]) == {"text", "text_lang"}
    speech = spec["paths"]["/v1/audio/speech"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(speech["required"]) == {"input", "voice"} and speech["properties"]["response_format"]["default"] == "mp3"
    for path in ("/set_gpt_weights", "/set_sovits_weights"):
        assert [p["name"] for p in spec["paths"][path]["get"]["parameters"]] == ["weights_path"]
    assert "file" in spec["paths"]["/upload_ref_audio"]["post"]["requestBody"]["content"]["multipart/form-data"][
        "schema"]["properties"]
    assert fake_client.get("/docs").status_code == 200


def test_openai_route_refuses_a_list_input_in_its_own_error_shape(fake_client):
    r = fake_client.post("/v1/audio/speech", json={"input": ["a", "b"], "voice": "Alice", "speed": "fast"})
    assert r.status_code == 400
    message = "input must be one value, not a list. speed must be a number, not 'fast'."
    assert r.json() == {"error": {"message": message, "type": "invalid_request_error", "code": 400},
                        "message": message}
