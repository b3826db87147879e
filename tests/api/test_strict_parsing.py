"""Parsing that refuses mistakes instead of hiding them, and text with nothing to speak, over HTTP."""

from __future__ import annotations

import pytest

from gpt_sovits.text.frontend import NOTHING_TO_SPEAK as MESSAGE
from tests.api.conftest import make_voice


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
