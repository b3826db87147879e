"""The API on Ray Serve: 2 replicas (tiny models) answer 20 concurrent /tts requests; the token rule holds."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("ray", reason="Ray is an optional install (requirements-cluster.txt)")

from tests.api.conftest import read_wav, write_reference  # noqa: E402
from tests.conftest import TINY_GPT, TINY_SOVITS  # noqa: E402

pytestmark = pytest.mark.slow
TOKEN = "cluster-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(ray_local, tiny_v2, tmp_path_factory):
    from ray import serve

    from gpt_sovits.api.options import ApiOptions
    from gpt_sovits.cluster.serve import ServeOptions, run_api
    from gpt_sovits.config import StudioSettings

    workspace = tmp_path_factory.mktemp("serve") / "workspace"
    write_reference(workspace / "refs" / "ref.wav")
    port = _free_port()
    settings = StudioSettings(pretrained_dir=tiny_v2, workspace_dir=workspace)
    options = ApiOptions(port=port, token=TOKEN, device="cpu", gpt_path=tiny_v2 / TINY_GPT,
                         sovits_path=tiny_v2 / TINY_SOVITS).validate()
    run_api(settings, options, ServeOptions(replicas=2, cpus_per_replica=0.5), blocking=False)
    yield f"http://127.0.0.1:{port}"
    serve.shutdown()


def _tts(base: str, text: str, token: str | None) -> tuple[int, bytes]:
    body = json.dumps({"text": text, "text_lang": "en", "ref_audio_path": "refs/ref.wav", "prompt_lang": "en",
                       "prompt_text": "A reference.", "seed": 1}).encode()
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(f"{base}/tts", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=300) as r:  # noqa: S310 (a local test server)
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_two_replicas_answer_twenty_concurrent_requests_with_the_token_rule(served):
    status, body = _tts(served, "No token.", None)
    assert status == 401 and b"valid token is required" in body
    assert _tts(served, "Wrong token.", "nope")[0] == 401
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda i: _tts(served, f"Request {i}.", TOKEN), range(20)))
    assert [status for status, _ in answers] == [200] * 20, [b[:200] for _, b in answers]
    for _, data in answers:
        audio, sr = read_wav(data)
        assert sr == 32000 and len(audio) > 0
