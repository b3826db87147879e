"""The plan is data: planned pieces carry their model inputs, seeds and limits; one piece can be redone alone;
the sampling knobs reach the GPT as one SamplingOptions; a request is validated once."""

from __future__ import annotations

import numpy as np
import pytest

from gpt_sovits.inference import SynthesisRequest, Synthesizer
from tests.conftest import TINY_GPT, TINY_SOVITS

pytestmark = pytest.mark.usefixtures("one_torch_thread")
TEXT = "今天天气很好。[pause:0.2]我们去[emph]公园[/emph]散步吧！"


@pytest.fixture(scope="module")
def synth(tiny_v2):
    return Synthesizer.from_files(tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS, tiny_v2, device="cpu",
                                  precision="exact", warm_up=False)


def _request(ref, **kw):
    return SynthesisRequest(**{"text": TEXT, "language": "zh", "ref_audio": ref, "ref_text": "这是参考。",
                               "ref_language": "zh", "seed": 40, "fragment_interval_s": 0.1, **kw})


def test_planned_pieces_carry_their_inputs_seeds_and_limits(synth, speech_wav):
    from gpt_sovits.inference import plan

    pieces = synth.plan(_request(speech_wav))
    assert [p.text for p in pieces] == ["今天天气很好。", "[pause:0.2]", "我们去公园散步吧！"]
    plain, pause, marked = pieces
    assert plain.plain and [p.seed for p in pieces] == [40, 41, 42]
    assert pause.pause_s == 0.2 and pause.runs == () and not pause.plain
    assert [r.emphasis for r in marked.runs] == [False, True, False] and not marked.plain
    assert [r.seed for r in marked.runs] == [42 * 31, 42 * 31 + 1, 42 * 31 + 2]
    run = plain.runs[0]
    assert run.seed == 40 * 31 and run.token_limit == synth.token_limit(len(run.features.phone_ids))
    assert run.features.bert.shape == (1024, len(run.features.phone_ids)) and plain.phone_ids
    assert marked.runs[1].speed < marked.runs[0].speed == 1.0
    assert not hasattr(plan.SpeechItem, "render")  # nothing in the plan calls back into the synthesizer


def test_a_piece_redone_with_its_seed_equals_the_piece_of_the_whole(synth, speech_wav):
    request = _request(speech_wav)
    whole = list(synth.synthesize(request, batch=False))
    assert [c.pieces for c in whole] == [3, 3, 3]
    for index in (0, 2):
        again = synth.synthesize_piece(request, index, request.seed + index)
        assert again.pieces == 3 and again.text == whole[index].text
        np.testing.assert_array_equal(again.audio, whole[index].audio)
    other = synth.synthesize_piece(request, 0, 12345)
    assert not np.array_equal(other.audio, whole[0].audio)
    with pytest.raises(Exception, match="no piece 4"):
        synth.synthesize_piece(request, 3, 1)


def test_sampling_options_reach_the_gpt_whole(synth, speech_wav, monkeypatch):
    from gpt_sovits.models.t2s.sampling import SamplingOptions

    seen = []
    original = type(synth.gpt).generate

    def spy(model, *args, **kwargs):
        seen.append(kwargs)
        return original(model, *args, **kwargs)

    monkeypatch.setattr(type(synth.gpt), "generate", spy)
    request = _request(speech_wav, text="你好。", top_k=7, top_p=0.9, temperature=0.8, repetition_penalty=1.2)
    synth.synthesize_all(request)
    assert seen and all(set(k) == {"sampling", "early_stop_num", "seed"} for k in seen)
    assert seen[0]["sampling"] == SamplingOptions(7, 0.9, 0.8, 1.2) == request.sampling


def test_a_request_is_validated_once_on_the_studios_path(tmp_path, tiny_v2, speech_wav, monkeypatch):
    import shutil

    from gpt_sovits.config import StudioSettings
    from gpt_sovits.text import frontend
    from gpt_sovits.ui.services import StudioServices

    checks = []
    original = frontend.require_words
    monkeypatch.setattr(frontend, "require_words", lambda text: (checks.append(text), original(text))[1])
    services = StudioServices(StudioSettings(pretrained_dir=tiny_v2, workspace_dir=tmp_path / "ws"))
    services.create_voice("Anna")
    services.set_consent("Anna", True)
    shutil.copy(speech_wav, tmp_path / "ref.wav")
    request = SynthesisRequest(text="你好。", language="zh", ref_audio=tmp_path / "ref.wav")  # seed -1: drawn
    outputs = list(services.synthesis.run("Anna", str(tiny_v2 / TINY_GPT), str(tiny_v2 / TINY_SOVITS), request))
    assert outputs[-1].request.seed >= 0
    assert checks == ["你好。"]  # the service checked it; the engine and the synthesizer trusted that
