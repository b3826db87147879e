"""The static decode step (fixed-capacity cache, CUDA graphs on a GPU) decodes as the dynamic step does.

On the CPU it runs eagerly, which checks everything but the graph capture (tests/gpu covers that).
"""

import copy

import pytest
import torch

from gpt_sovits.models.t2s.quantize import to_reduced_precision
from gpt_sovits.models.t2s.static_step import MAX_GRAPHS, capacity_bucket, static_step_for, use_static_steps
from tests.models.tiny_gpt import gpt_inputs, random_gpt

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def gpt():
    return random_gpt(11, dim=64, layers=3, heads=4)


def _static(model):
    return use_static_steps(copy.deepcopy(model))


@pytest.mark.parametrize("top_k, seed", [(1, None), (15, 5)])
def test_static_step_gives_the_tokens_of_the_dynamic_step(gpt, top_k, seed):
    static = _static(gpt)
    for case in range(3):
        phones, bert, prompt = gpt_inputs(case, 9 + 4 * case, 20 + 7 * case)
        kw = {"top_k": top_k, "seed": seed, "early_stop_num": 60}
        want, want_idx = gpt.generate(phones, bert, prompt, **kw)
        got, got_idx = static.generate(phones, bert, prompt, **kw)
        assert torch.equal(got, want) and got_idx == want_idx
    assert len(static.static_steps) >= 1


def test_static_step_in_batches_keeps_each_sequences_tokens(gpt):
    static = _static(gpt)
    items = [gpt_inputs(10 + i, 8 + 5 * i, 15 + 9 * i) for i in range(3)]
    kw = {"top_k": 5, "seed": [1, 2, 3], "early_stop_num": 40}
    from gpt_sovits.models.t2s.batch_decoding import generate_batch

    want = generate_batch(gpt, items, **kw)
    got = generate_batch(static, items, **kw)
    for (a, ai), (b, bi) in zip(want, got, strict=True):
        assert torch.equal(a, b) and ai == bi


def test_static_step_hidden_state_matches_the_dynamic_step(gpt):
    phones, bert, prompt = gpt_inputs(3, 12, 30)
    x = torch.cat([gpt.embed_text(phones[None], bert[None]), gpt.embed_audio(prompt[None])], dim=1)
    from gpt_sovits.models.t2s.layers import prefill_mask

    mask = prefill_mask(12, 30, "cpu")
    with torch.inference_mode():
        dynamic = gpt.new_cache(1, 64)
        gpt.prefill(x, mask, dynamic)
        static = static_step_for(use_static_steps(gpt), 1, 64)
        try:
            gpt.prefill(x, mask, static.cache)
            static.set_valid_keys(None)
            new = torch.randn(1, 1, 64)
            for _ in range(3):
                a = gpt.step(new, dynamic)
                b = static.run(new, static.cache.length)
                torch.testing.assert_close(b, a, atol=1e-5, rtol=1e-5)
                new = a * 0.5
        finally:
            use_static_steps(gpt, False)


def test_reduced_precision_copy_uses_static_steps_too(gpt):
    fp16 = use_static_steps(to_reduced_precision(gpt, "fp16"))
    plain = to_reduced_precision(gpt, "fp16")
    phones, bert, prompt = gpt_inputs(7, 10, 25)
    assert torch.equal(fp16.generate(phones, bert, prompt, top_k=1, early_stop_num=40)[0],
                       plain.generate(phones, bert, prompt, top_k=1, early_stop_num=40)[0])


def test_capacity_buckets_and_pool_bound(gpt):
    assert [capacity_bucket(n) for n in (1, 512, 513, 4096, 4097, 9000)] == [512, 512, 1024, 4096, 8192, 12288]
    model = _static(gpt)
    for batch in range(1, MAX_GRAPHS + 3):
        static_step_for(model, batch, 100)
    assert len(model.static_steps) == MAX_GRAPHS
    assert static_step_for(gpt, 1, 100) is None  # not enabled on the plain model
