"""The engine host: the studio, the API and the CLI share it; HuBERT/BERT load once; progress and cancellation."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from gpt_sovits.inference import SynthesisRequest
from tests.conftest import TINY_GPT, TINY_SOVITS

pytestmark = pytest.mark.usefixtures("one_torch_thread")
FIVE_PIECES = "今天天气很好。我们去公园散步吧！真的很开心。明天见。再见。"


@pytest.fixture
def host(monkeypatch):
    """A fresh process-wide engine host for one test (closed afterwards)."""
    from gpt_sovits.inference import engine

    monkeypatch.setattr(engine, "_shared", None)
    yield engine.engine_host()
    engine.engine_host().close()


@pytest.fixture
def feature_loads(monkeypatch) -> list[str]:
    """Names of the HuBERT/BERT extractors as they are loaded from disk."""
    from gpt_sovits.features.bert import BertFeatureExtractor
    from gpt_sovits.features.hubert import HubertFeatureExtractor

    loads: list[str] = []
    for cls in (HubertFeatureExtractor, BertFeatureExtractor):
        original = cls.load

        def counted(*args, _original=original, _name=cls.__name__, **kwargs):
            loads.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(cls, "load", counted)
    return loads


def test_studio_api_and_cli_share_one_host_and_load_hubert_bert_once(host, feature_loads, tiny_v2, tmp_path,
                                                                     speech_wav):
    from fastapi.testclient import TestClient

    from gpt_sovits.api.app import create_app
    from gpt_sovits.api.options import ApiOptions
    from gpt_sovits.cli import main
    from gpt_sovits.config import StudioSettings
    from gpt_sovits.ui.services import StudioServices

    gpt, sovits = tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS
    other_gpt = tmp_path / "other-gpt.ckpt"  # a second pair: another GPT file
    shutil.copy(gpt, other_gpt)
    workspace = tmp_path / "ws"
    settings = StudioSettings(pretrained_dir=tiny_v2, workspace_dir=workspace)
    services = StudioServices(settings)
    services.create_voice("Anna")
    services.set_consent("Anna", True)
    shutil.copy(speech_wav, workspace / "ref.wav")
    seen = []

    # the studio's Synthesize tab (its service function, not the browser)
    request = SynthesisRequest(text="你好。", language="zh", ref_audio=workspace / "ref.wav", seed=1)
    outputs = list(services.synthesis.run("Anna", str(gpt), str(sovits), request))
    assert outputs[-1].duration_s > 0 and services.engine is host
    seen.append(host.loaded_models)
    # the API's /tts, with another GPT selected: a model switch
    with TestClient(create_app(settings, ApiOptions(gpt_path=other_gpt)), base_url="http://127.0.0.1") as client:
        r = client.get("/tts", params={"text": "hi.", "text_lang": "en", "ref_audio_path": "ref.wav"})
        assert r.status_code == 200, r.text
        assert client.app.state.api.host is host
    seen.append(host.loaded_models)
    # the command line, back to the first pair
    out = tmp_path / "cli.wav"
    assert main(["synthesize", "--gpt", str(gpt), "--sovits", str(sovits), "--ref-audio", str(speech_wav),
                 "--text", "好。", "--lang", "zh", "--out", str(out), "--pretrained", str(tiny_v2),
                 "--seed", "2"]) == 0
    assert out.is_file()
    seen.append(host.loaded_models)
    assert seen == [(gpt, sovits), (other_gpt, sovits), (gpt, sovits)]
    assert sorted(feature_loads) == ["BertFeatureExtractor", "HubertFeatureExtractor"]  # once each, for 3 pairs


def test_progress_events_reach_the_readers_thread(host, tiny_v2, speech_wav):
    host.configure(pretrained_dir=tiny_v2)
    request = SynthesisRequest(text=FIVE_PIECES, language="zh", ref_audio=speech_wav, cut_method="cut5", seed=4)
    events = []
    chunks = list(host.synthesize(request, (tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS), delivery="pieces",
                                  on_event=lambda e: events.append((e, threading.current_thread()))))
    n = len(chunks)
    assert n >= 3 and {c.pieces for c in chunks} == {n}
    assert [(e.done, e.total) for e, _ in events] == [(i, n) for i in range(1, n + 1)]
    assert {t for _, t in events} == {threading.current_thread()}
    assert events[0][0].seconds_left is not None and events[-1][0].seconds_left == 0


def test_a_cancelled_synthesis_stops_within_one_piece(host, tiny_v2, speech_wav):
    host.configure(pretrained_dir=tiny_v2)
    models = (tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS)
    host.select_models(*models).result()
    engine = host.engine
    rendered = []
    original = engine.render_piece

    def counting(*args, **kwargs):
        rendered.append(1)
        return original(*args, **kwargs)

    engine.render_piece = counting
    try:
        request = SynthesisRequest(text=FIVE_PIECES * 2, language="zh", ref_audio=speech_wav, cut_method="cut5",
                                   seed=5)
        job = host.synthesize(request, models, delivery="pieces")
        reader = iter(job)
        next(reader)
        job.cancel()
        with pytest.raises(Exception, match="cancelled"):
            list(reader)
        host.call(lambda: None)
    finally:
        del engine.render_piece
    assert 1 <= len(rendered) <= 2  # the piece read, and at most the one under way when it was cancelled


def test_a_switch_to_another_sovits_shares_the_feature_extractors(host, feature_loads, tiny_v2, tmp_path):
    host.configure(pretrained_dir=tiny_v2)
    other = tmp_path / "other.pth"
    shutil.copy(tiny_v2 / TINY_SOVITS, other)
    first = host.select_models(tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS).result()
    a = host.engine
    assert host.select_models(sovits=other).result() == (first[0], other)
    b = host.engine
    assert b.hubert is a.hubert and b.bert is a.bert and b.sovits is not a.sovits and b.gpt is a.gpt
    assert b.cache is a.cache is host.references
    assert len(feature_loads) == 2
    assert isinstance(Path(first[0]), Path)
