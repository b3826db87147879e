"""The API cannot be used to read files, run code or serve strangers: paths, tokens, hosts, CORS, sizes."""

from __future__ import annotations

import io
import os
import sys

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient

from tests.api.conftest import BASE_URL, fake_app

TOKEN = "s3cret-token-123"


@pytest.fixture()
def outside_file(tmp_path):
    secret = tmp_path / "secret" / "passwd.wav"
    secret.parent.mkdir()
    sf.write(secret, np.zeros(16000, np.float32) + 0.1, 16000)
    return secret


@pytest.mark.parametrize("raw", [
    "../secret/passwd.wav", "../../../../../../etc/passwd", "/etc/passwd", "ref.wav:evil", "ref.wav::$DATA",
    "..\\..\\secret\\passwd.wav" if os.name == "nt" else "../secret/./passwd.wav",
])
def test_traversal_in_reference_paths_is_refused(fake_client, raw):
    r = fake_client.get("/tts", params={"text": "x", "text_lang": "zh", "ref_audio_path": raw})
    assert r.status_code in (400, 403), r.text
    assert "message" in r.json() and fake_client.engine.calls == 0


def test_percent_encoded_dots_and_absolute_paths_outside(fake_client, outside_file, dirs):
    r = fake_client.get("/tts?text=x&text_lang=zh&ref_audio_path=%2e%2e%2fsecret%2fpasswd.wav")
    assert r.status_code == 403
    r = fake_client.get("/tts", params={"text": "x", "text_lang": "zh", "ref_audio_path": str(outside_file)})
    assert r.status_code == 403 and str(dirs[0]) not in r.json()["message"]  # server folders are not told
    r = fake_client.post("/tts", json={"text": "x", "text_lang": "zh", "ref_audio_path": "ref.wav",
                                       "aux_ref_audio_paths": [str(outside_file)]})
    assert r.status_code == 403
    assert fake_client.engine.calls == 0


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_symlink_out_of_the_workspace_is_refused(dirs, outside_file):
    workspace, _ = dirs
    (workspace / "link.wav").symlink_to(outside_file)
    (workspace / "models").mkdir()
    (workspace / "models" / "evil.ckpt").symlink_to(outside_file)
    with TestClient(fake_app(dirs), base_url=BASE_URL) as client:
        r = client.get("/tts", params={"text": "x", "text_lang": "zh", "ref_audio_path": "link.wav"})
        assert r.status_code == 403
        assert client.get("/set_gpt_weights", params={"weights_path": "models/evil.ckpt"}).status_code == 403


def test_model_paths_are_contained_too(fake_client, outside_file):
    evil = outside_file.with_suffix(".ckpt")
    evil.write_bytes(b"x")
    for raw in (str(evil), "../secret/passwd.ckpt", "../../etc/shadow"):
        r = fake_client.get("/set_gpt_weights", params={"weights_path": raw})
        assert r.status_code == 403, raw
    r = fake_client.get("/set_gpt_weights", params={"weights_path": "ref.wav"})
    assert r.status_code == 400 and "not a gpt model file" in r.json()["message"]


def test_token_required_when_set(dirs):
    with TestClient(fake_app(dirs, token=TOKEN), base_url=BASE_URL) as client:
        assert client.get("/voices").status_code == 401
        assert client.get("/voices", headers={"Authorization": "Bearer wrong-token-456"}).status_code == 401
        assert client.get("/voices", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert client.get("/voices", params={"token": TOKEN}).status_code == 200
        r = client.get("/tts", params={"text": "x", "text_lang": "zh", "ref_audio_path": "ref.wav", "token": TOKEN})
        assert r.status_code == 200


def test_control_is_off_without_a_token_and_exit_needs_it(dirs):
    calls = []
    with TestClient(fake_app(dirs, shutdown=lambda: calls.append("exit")), base_url=BASE_URL) as client:
        assert client.get("/control", params={"command": "exit"}).status_code == 403
    assert calls == []
    with TestClient(fake_app(dirs, token=TOKEN, shutdown=lambda: calls.append("exit")), base_url=BASE_URL) as client:
        assert client.get("/control", params={"command": "exit"}).status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert client.get("/control", headers=auth).json() == {"message": "command is required"}
        assert client.get("/control", params={"command": "exit"}, headers=auth).status_code == 200
    assert calls == ["exit"]


def test_non_loopback_bind_needs_a_token(dirs):
    from gpt_sovits.cli import main
    from gpt_sovits.errors import ConfigError

    with pytest.raises(ConfigError, match="--token"):
        fake_app(dirs, host="0.0.0.0")
    assert main(["serve", "--host", "0.0.0.0", "--port", "1"]) == 2
    fake_app(dirs, host="0.0.0.0", token=TOKEN)  # allowed with a token


def test_foreign_host_header_is_refused_without_token(fake_client):
    r = fake_client.get("/voices", headers={"Host": "evil.example:9880"})
    assert r.status_code == 403 and "Host" in r.json()["message"]
    assert fake_client.get("/voices", headers={"Host": "localhost:9880"}).status_code == 200


def test_cors_only_for_given_origins(dirs):
    with TestClient(fake_app(dirs, cors_origins=("http://localhost:8000",)), base_url=BASE_URL) as client:
        pre = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
        ok = client.options("/", headers={"Origin": "http://localhost:8000", **pre})
        assert ok.headers.get("access-control-allow-origin") == "http://localhost:8000"
        bad = client.options("/", headers={"Origin": "http://evil.example", **pre})
        assert "access-control-allow-origin" not in bad.headers
    with TestClient(fake_app(dirs), base_url=BASE_URL) as client:
        r = client.get("/voices", headers={"Origin": "http://localhost:8000"})
        assert "access-control-allow-origin" not in r.headers


def test_oversized_inputs(dirs):
    with TestClient(fake_app(dirs, max_text_chars=50, max_body_bytes=2000, max_upload_bytes=1500),
                    base_url=BASE_URL) as client:
        r = client.get("/tts", params={"text": "x" * 51, "text_lang": "en", "ref_audio_path": "ref.wav"})
        assert r.status_code == 400 and "at most 50" in r.json()["message"]
        r = client.post("/tts", json={"text": "y" * 3000, "text_lang": "en", "ref_audio_path": "ref.wav"})
        assert r.status_code == 413

        def chunks():
            for _ in range(10):
                yield b"z" * 500

        r = client.post("/tts", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413
        r = client.post("/upload_ref_audio", files={"file": ("a.wav", b"R" * 1600, "audio/wav")})
        assert r.status_code == 413
        assert client.app.state.api.host.waiting == 0


def test_upload_gets_a_generated_name_and_must_be_audio(fake_client, dirs):
    workspace, _ = dirs
    buf = io.BytesIO()
    t = np.arange(32000 * 3) / 32000
    sf.write(buf, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 32000, format="WAV")
    r = fake_client.post("/upload_ref_audio", files={"file": ("../../evil name.wav", buf.getvalue(), "audio/wav")})
    assert r.status_code == 200, r.text
    rel = r.json()["ref_audio_path"]
    assert rel.startswith(".api_uploads/") and "evil" not in rel
    assert (workspace / rel).is_file() and not (workspace.parent / "evil name.wav").exists()
    r = fake_client.get("/tts", params={"text": "x", "text_lang": "zh", "ref_audio_path": rel})
    assert r.status_code == 200
    r = fake_client.post("/upload_ref_audio", files={"file": ("x.wav", b"\x7fELF not audio at all", "audio/wav")})
    assert r.status_code == 400 and "not usable audio" in r.json()["message"]
    # one-shot: multipart /tts with the clip and the fields together
    r = fake_client.post("/tts", data={"text": "hi", "text_lang": "en"},
                         files={"ref_audio": ("clip.wav", buf.getvalue(), "audio/wav")})
    assert r.status_code == 200, r.text


LONG_PATH = "a" * 10_000
LONG_NAME = "models/" + "b" * 300 + ".pth"
TOO_LONG = "The {what} path is 10000 characters long; a path may have at most 1024."
NAME_TOO_LONG = ("The {what} path has a name of 304 bytes ('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...'); a file or folder "
                 "name may have at most 255.")


@pytest.mark.parametrize(("route", "field", "what"), [
    ("/tts", "ref_audio_path", "reference audio"), ("/tts", "aux_ref_audio_paths", "aux reference audio"),
    ("/set_gpt_weights", "weights_path", "GPT weights"), ("/set_sovits_weights", "weights_path", "SoVITS weights"),
    ("/set_refer_audio", "refer_audio_path", "reference audio"),
])
def test_overlong_paths_are_a_400_with_a_message(fake_client, route, field, what):
    base = {"text": "x", "text_lang": "zh", "ref_audio_path": "ref.wav"} if route == "/tts" else {}
    for raw, expected in ((LONG_PATH, TOO_LONG), (LONG_NAME, NAME_TOO_LONG)):
        for send in ("get", "post"):
            if send == "get":
                r = fake_client.get(route, params={**base, field: raw})
            else:
                r = fake_client.post(route, json={**base, field: raw})
            assert r.status_code == 400, r.text
            assert r.json() == {"message": expected.format(what=what)}
    assert fake_client.engine.calls == 0


def test_unusable_home_folder_and_long_voice_names_are_not_500(fake_client):
    r = fake_client.get("/tts", params={"text": "x", "text_lang": "zh", "ref_audio_path": "~nobody-here-at-all/x.wav"})
    assert r.status_code == 400, r.text
    assert r.json() == {"message": "The reference audio path '~nobody-here-at-all/x.wav' cannot be used: it is not "
                                   "a usable file name."}
    r = fake_client.get("/tts", params={"text": "x", "text_lang": "zh", "voice": "v" * 10_000})
    assert r.status_code == 404
    assert r.json() == {"message": f"Unknown voice '{'v' * 77}...'; GET /voices lists the voices of this server."}
    r = fake_client.post("/v1/audio/speech", json={"input": "x", "voice": "v" * 300})
    assert r.status_code == 404 and len(r.json()["message"]) < 200
