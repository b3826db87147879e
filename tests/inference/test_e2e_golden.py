"""The synthesis engine reproduces upstream's whole inference path (golden e2e_v2_tiny)."""

import json

import numpy as np
import pytest

from gpt_sovits.inference import SynthesisRequest, Synthesizer, to_int16
from gpt_sovits.inference.plan import plan_request
from gpt_sovits.inference.textprep import text_features

PROMPT = "你好，这是一个测试。"
CASES = {
    "zh": ("今天天气很好，我们去公园散步吧！明天见。", "zh"),
    "en": ("Hello world. This is a tiny test, isn't it?", "en"),
    "mixed": ("我今天用GPT模型做了一个test，效果不错。", "zh"),
}


@pytest.fixture(scope="module")
def e2e(golden_dir):
    folder = golden_dir / "e2e_v2_tiny"
    return folder, np.load(folder / "e2e_io.npz"), json.loads((folder / "e2e_meta.json").read_text())


@pytest.fixture(scope="module")
def synth(e2e, golden_dir):
    folder = e2e[0]
    return Synthesizer.from_files(folder / "gpt_v2_tiny.ckpt", golden_dir / "sovits_v2_tiny.pth", folder, device="cpu",
                                  precision="exact")


def _request(folder, text, lang):
    return SynthesisRequest(
        text=text, language=lang, ref_audio=folder / "ref_24k.wav", ref_text=PROMPT, ref_language="zh",
        top_k=1, top_p=1.0, temperature=1.0, repetition_penalty=1.35, cut_method="cut5", speed=1.0,
        fragment_interval_s=0.3, noise_scale=0.0, seed=42,
    )


def test_reference_prompt_matches_golden(synth, e2e):
    folder, io, _ = e2e
    ref = synth.prepare_reference(folder / "ref_24k.wav", PROMPT, "zh")
    np.testing.assert_array_equal(ref.prompt_semantic.numpy(), io["prompt_semantic"])
    np.testing.assert_array_equal(np.array(ref.prompt_phone_ids), io["prompt_phone_ids"])
    np.testing.assert_allclose(ref.prompt_bert.numpy(), io["prompt_bert"], atol=2e-4)
    np.testing.assert_allclose(ref.refer_specs[0].numpy(), io["ref_spec"], atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("case", sorted(CASES))
def test_case_matches_golden(synth, e2e, case):
    folder, io, meta = e2e
    text, lang = CASES[case]
    request = _request(folder, text, lang)
    fragments = meta["summary"]["cases"][case]["fragments"]
    items = plan_request(request, synth.symbol_version)
    assert len(items) == len(fragments)
    for j, item in enumerate(items):
        feats = text_features(item.text, lang, "v2", synth.bert)
        assert feats.norm_text == fragments[j]["norm_text"]
        np.testing.assert_array_equal(np.array(feats.phone_ids), io[f"{case}_f{j}_phone_ids"])
        np.testing.assert_allclose(feats.bert.numpy(), io[f"{case}_f{j}_bert"], atol=2e-4)
    result = synth.synthesize_all(request)
    for j, chunk in enumerate(result.chunks):
        assert chunk.tokens == int(io[f"{case}_f{j}_gpt_idx"])
        expected = io[f"{case}_f{j}_fragment"]
        np.testing.assert_allclose(chunk.audio[: len(expected)], expected, atol=1e-4)
        assert not chunk.audio[len(expected):].any() and len(chunk.audio) == len(expected) + 9600
    out = to_int16(result.audio)
    assert out.shape == io[f"{case}_out_int16"].shape
    assert np.abs(out.astype(np.int32) - io[f"{case}_out_int16"]).max() <= 8
    assert result.sample_rate == int(io[f"{case}_out_sr"])


def test_fast_mode_keeps_upstreams_tokens(e2e, golden_dir):
    """The "fast" mode (the float32 GPT, a bf16 vocoder where the CPU has it) on the same cases: every piece
    has upstream's token count, and the audio stays within bf16 distance of upstream's."""
    folder, io, _ = e2e
    fast = Synthesizer.from_files(folder / "gpt_v2_tiny.ckpt", golden_dir / "sovits_v2_tiny.pth", folder, device="cpu",
                                  precision="fast")
    for case in sorted(CASES):
        text, lang = CASES[case]
        result = fast.synthesize_all(_request(folder, text, lang))
        for j, chunk in enumerate(result.chunks):
            assert chunk.tokens == int(io[f"{case}_f{j}_gpt_idx"]), (case, j)
            expected = io[f"{case}_f{j}_fragment"]
            error = chunk.audio[: len(expected)] - expected
            snr = 10 * np.log10(np.sum(expected**2) / max(float(np.sum(error**2)), 1e-20))
            assert snr > 30, f"{case} piece {j}: {snr:.1f} dB"  # measured 40 dB with the bf16 vocoder
