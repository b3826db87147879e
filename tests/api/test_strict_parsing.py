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
        assert body == {"message": "The URL is 900,022 bytes long; this server accepts at most 131,072 "
                                   "(send long texts in a POST body)."}
        # Past the parser's limit the answer is JSON too, unless the reset of the unread rest overtakes it.
        assert _raw_get(port, "/tts?text=" + "a" * 1_300_000) in ((400, {"message": TOO_LARGE_MESSAGE}), None)
        assert httpx.get(f"http://127.0.0.1:{port}/health").json()["status"] == "ok"
