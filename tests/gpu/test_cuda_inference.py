"""Synthesis on a CUDA GPU against the exact mode on the CPU (which the golden tests hold equal to upstream).

Run on a machine with an NVIDIA GPU: ``pytest -m gpu`` (bench/gpu_check.sh does this first). Without CUDA
these tests are skipped with that reason (tests/conftest.py).
"""

import numpy as np
import pytest
import torch

from gpt_sovits.inference import SynthesisRequest, Synthesizer
from tests.conftest import TINY_GPT, TINY_SOVITS

pytestmark = pytest.mark.gpu

TEXTS = {
    "zh": ("今天天气很好，我们去公园散步吧！明天见。", "zh"),
    "en": ("Hello world. This is a tiny test, isn't it?", "en"),
    "mixed": ("我今天用GPT模型做了一个test，效果不错。", "zh"),
}


def _request(ref, text, lang, **kw):
    base = {"text": text, "language": lang, "ref_audio": ref, "ref_text": "这是参考音频。", "ref_language": "zh",
            "top_k": 1, "top_p": 1.0, "temperature": 1.0, "cut_method": "cut5", "noise_scale": 0.0, "seed": 42}
    return SynthesisRequest(**{**base, **kw})


def _snr_db(reference: np.ndarray, other: np.ndarray) -> float:
    n = min(len(reference), len(other))
    noise = float(np.mean((reference[:n] - other[:n]) ** 2)) + 1e-20
    return 10 * np.log10(float(np.mean(reference[:n] ** 2)) / noise)


def _load(tiny_v2, device, precision):
    return Synthesizer.from_files(tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS, tiny_v2, device=device,
                                  precision=precision)


@pytest.fixture(scope="module")
def cpu_results(tiny_v2, speech_wav):
    exact = _load(tiny_v2, "cpu", "exact")
    return {case: exact.synthesize_all(_request(speech_wav, text, lang)) for case, (text, lang) in TEXTS.items()}


@pytest.mark.parametrize("precision, min_snr_db", [("exact", 40.0), ("fast", 15.0)])
def test_cuda_keeps_the_tokens_of_the_exact_mode(tiny_v2, speech_wav, cpu_results, precision, min_snr_db):
    """exact on the GPU: float32; fast on the GPU: float32 GPT (CUDA graphs) and a float16 vocoder. Both
    must say the same tokens as the CPU's exact mode, piece by piece, with audio close to it."""
    synth = _load(tiny_v2, "cuda", precision)
    assert synth.precisions.gpt == "fp32" and synth.precisions.vocoder == ("fp32" if precision == "exact" else "fp16")
    assert synth.gpt.static_steps is not None  # CUDA graphs in both modes
    for case, (text, lang) in sorted(TEXTS.items()):
        result = synth.synthesize_all(_request(speech_wav, text, lang))
        expected = cpu_results[case]
        assert [c.tokens for c in result.chunks] == [c.tokens for c in expected.chunks], case
        for got, want in zip(result.chunks, expected.chunks, strict=True):
            assert np.isfinite(got.audio).all()
            assert _snr_db(want.audio, got.audio) > min_snr_db, case


@pytest.fixture(scope="module")
def fast_cuda(tiny_v2):
    """The fast mode with a float16 GPT, as it was before measurements put the fast mode's GPT back in
    float32 on CUDA: the batches, streaming and graph tests run the reduced-precision step too."""
    from gpt_sovits.devices import PrecisionPlan

    return Synthesizer.from_files(tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS, tiny_v2, device="cuda",
                                  plan=PrecisionPlan("fast", "fp16", "fp16", True, True))


def test_batched_pieces_on_cuda_keep_the_tokens_of_single_pieces(fast_cuda, speech_wav):
    request = _request(speech_wav, "今天天气很好。我们去公园散步吧。明天见！晚上的月亮又大又圆。", "zh", top_k=5, seed=3)
    fast_cuda.batch_pieces = 1
    single = fast_cuda.synthesize_all(request)
    fast_cuda.batch_pieces = 4
    batched = fast_cuda.synthesize_all(request)
    assert [c.tokens for c in batched.chunks] == [c.tokens for c in single.chunks]
    for a, b in zip(single.chunks, batched.chunks, strict=True):
        assert _snr_db(a.audio, b.audio) > 20


def test_streaming_on_cuda_gives_finite_parts(fast_cuda, speech_wav):
    parts = list(fast_cuda.synthesize(_request(speech_wav, "今天天气很好，我们去公园散步吧。", "zh"), stream=True))
    assert parts and all(np.isfinite(p.audio).all() for p in parts)
    assert sum(len(p.audio) for p in parts) > 0


def test_cuda_memory_is_released_between_requests(fast_cuda, speech_wav):
    request = _request(speech_wav, "今天天气很好，我们去公园散步吧。", "zh")
    fast_cuda.synthesize_all(request)
    torch.cuda.synchronize()
    before = torch.cuda.memory_allocated()
    for _ in range(3):
        fast_cuda.synthesize_all(request)
    torch.cuda.synchronize()
    assert torch.cuda.memory_allocated() <= before + 8 * 2**20


@pytest.mark.parametrize("top_k", [1, 15])
def test_cuda_graph_steps_say_the_tokens_of_the_dynamic_step(fast_cuda, top_k):
    from gpt_sovits.models.t2s.batch_decoding import generate_batch
    from gpt_sovits.models.t2s.static_step import use_static_steps

    gpt = fast_cuda.gpt
    g = torch.Generator().manual_seed(0)
    items = [(torch.randint(0, 700, (n,), generator=g), torch.randn(1024, n, generator=g) * 0.1,
              torch.randint(0, 1024, (20 + n,), generator=g)) for n in (9, 14, 23)]
    kw = {"top_k": top_k, "seed": 7, "early_stop_num": 80}
    try:
        use_static_steps(gpt, True)
        graphed = [gpt.generate(*item, **kw) for item in items]
        graphed_batch = generate_batch(gpt, items, **{**kw, "seed": [1, 2, 3]})
        assert any(step.graph is not None for step in gpt.static_steps.values())
        use_static_steps(gpt, False)
        dynamic = [gpt.generate(*item, **kw) for item in items]
        dynamic_batch = generate_batch(gpt, items, **{**kw, "seed": [1, 2, 3]})
    finally:
        use_static_steps(gpt, True)
    for (a, ai), (b, bi) in zip(graphed + graphed_batch, dynamic + dynamic_batch, strict=True):
        assert torch.equal(a.cpu(), b.cpu()) and ai == bi
