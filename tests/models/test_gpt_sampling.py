"""Sampling primitives, seeded decoding, the KV cache and the reduced-precision copies of the GPT."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gpt_sovits.models.t2s.cache import KVCache
from gpt_sovits.models.t2s.layers import prefill_mask
from gpt_sovits.models.t2s.loading import load_gpt
from gpt_sovits.models.t2s.quantize import to_reduced_precision
from gpt_sovits.models.t2s.sampling import (
    SamplingOptions,
    apply_repetition_penalty,
    apply_top_k,
    apply_top_p,
    sample_token,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def io(golden_dir):
    return np.load(golden_dir / "gpt_v2_tiny_io.npz")


@pytest.fixture(scope="module")
def model(golden_dir):
    return load_gpt(golden_dir / "gpt_v2_tiny_fp32.ckpt")


def test_repetition_penalty_divides_positive_and_multiplies_negative():
    logits = torch.tensor([[2.0, -2.0, 3.0, -1.0]])
    seen = torch.tensor([[True, True, False, False]])
    out = apply_repetition_penalty(logits, seen, 2.0)
    assert out.tolist() == [[1.0, -4.0, 3.0, -1.0]]
    assert apply_repetition_penalty(logits, seen, 1.0) is logits


def test_top_p_drops_the_token_that_crosses_the_threshold():
    probs = torch.tensor([[0.5, 0.3, 0.15, 0.05]])
    out = apply_top_p(probs.log(), 0.7)
    # cumulative 0.5, 0.8, ... : the second token crosses 0.7 and is dropped too (no right shift)
    assert torch.isfinite(out).tolist() == [[True, False, False, False]]
    assert torch.isfinite(apply_top_p(probs.log(), 0.1)).sum() == 1  # the best token always stays


def test_top_k_keeps_ties_with_the_pivot():
    out = apply_top_k(torch.tensor([[1.0, 3.0, 3.0, 2.0]]), 1)
    assert torch.isfinite(out).tolist() == [[False, True, True, False]]
    assert torch.isfinite(apply_top_k(torch.tensor([[1.0, 2.0]]), 50)).all()


def test_sample_token_follows_the_distribution_and_the_seed():
    logits = torch.log(torch.tensor([[0.6, 0.3, 0.1, 1e-9]]))
    seen = torch.zeros(1, 4, dtype=torch.bool)
    opts = SamplingOptions(top_k=3, top_p=1.0, temperature=1.0, repetition_penalty=1.0)
    g = torch.Generator().manual_seed(0)
    draws = [int(sample_token(logits, seen, opts, g)[0]) for _ in range(3000)]
    freq = np.bincount(draws, minlength=4) / len(draws)
    np.testing.assert_allclose(freq[:3], [0.6, 0.3, 0.1], atol=0.03)
    assert freq[3] == 0  # outside the top 3


def test_seeded_sampling_is_reproducible(model, io):
    kwargs = dict(top_k=15, top_p=0.9, temperature=1.2, early_stop_num=60)
    a, ia = model.generate(io["phone_ids"], io["bert"], io["prompt_semantic"], seed=123, **kwargs)
    b, ib = model.generate(io["phone_ids"], io["bert"], io["prompt_semantic"], seed=123, **kwargs)
    c, _ = model.generate(io["phone_ids"], io["bert"], io["prompt_semantic"], seed=124, **kwargs)
    assert torch.equal(a, b) and ia == ib
    assert not torch.equal(a, c)
    new = a[0, io["prompt_semantic"].shape[1]:]
    assert len(new) >= 11 and int(new.max()) < 1024  # EOS is never kept


def test_eos_is_impossible_in_the_first_eleven_steps(model, io):
    head = model.logits
    bonus = torch.zeros(1025)
    bonus[1024] = 1000.0  # EOS overwhelmingly likely at every step
    model.logits = lambda hidden: head(hidden) + bonus
    try:
        tokens, idx = model.generate(io["phone_ids"], io["bert"], io["prompt_semantic"], top_k=1)
    finally:
        del model.logits
    assert idx == 11 and tokens.shape[1] == io["prompt_semantic"].shape[1] + 11


def test_cache_growth_gives_the_same_tokens(model, io):
    ref, _ = model.generate(io["phone_ids"], io["bert"], io["prompt_semantic"], top_k=1)
    small = model.new_cache(batch=1, capacity=4)
    original = model.new_cache
    model.new_cache = lambda batch, capacity: small
    try:
        out, _ = model.generate(io["phone_ids"], io["bert"], io["prompt_semantic"], top_k=1)
    finally:
        del model.new_cache
    assert model.new_cache == original
    assert torch.equal(ref, out) and small.capacity >= out.shape[1] + 37 - 1


def test_cache_reserve_keeps_content():
    cache = KVCache(n_layer=2, batch=1, n_head=2, head_dim=4, capacity=3)
    cache.k[:, :, :, :3] = torch.arange(3.0).view(1, 1, 1, 3, 1)
    cache.length = 3
    cache.reserve(10)
    assert cache.capacity >= 10
    assert torch.equal(cache.k[0, 0, 0, :3, 0], torch.arange(3.0))


def test_prefill_equals_full_forward(model, io):
    phones = torch.from_numpy(io["phone_ids"])
    bert = torch.from_numpy(io["bert"])
    prompt = torch.from_numpy(io["prompt_semantic"])
    with torch.inference_mode():
        xy = torch.cat([model.embed_text(phones, bert), model.embed_audio(prompt)], dim=1)
        mask = prefill_mask(phones.shape[1], prompt.shape[1])
        full = model(xy, mask)
        cache = model.new_cache(1, xy.shape[1])
        half = 45
        first = model.prefill(xy[:, :half], mask[:half, :half], cache)
        second = model.prefill(xy[:, half:], mask[half:], cache)
    torch.testing.assert_close(torch.cat([first, second], dim=1), full, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("precision", ["bf16", "fp16", "int8"])
def test_reduced_precision_stays_close(model, io, precision):
    fast = to_reduced_precision(model, precision)
    assert model.ar_predict_layer.weight.dtype == torch.float32  # the original is untouched
    n_prompt = io["prompt_semantic"].shape[1]
    ref, _ = model.generate(io["phone_ids"], io["bert"], io["prompt_semantic"], top_k=1)
    out, _ = fast.generate(io["phone_ids"], io["bert"], io["prompt_semantic"], top_k=1)
    # The first generated tokens must agree; later ones may drift once a near-tie flips.
    assert torch.equal(ref[0, n_prompt : n_prompt + 5], out[0, n_prompt : n_prompt + 5])
    with pytest.raises(ValueError):
        to_reduced_precision(model, "int3")


def test_batched_generation_matches_one_by_one(model, io):
    from gpt_sovits.models.t2s.batch_decoding import generate_batch

    phones, bert, prompt = io["phone_ids"], io["bert"], io["prompt_semantic"]
    items = [
        (phones, bert, prompt),
        (phones[:, 18:], bert[:, :, 18:], None),  # prompt-free, shorter text
        (phones[:, :30], bert[:, :, :30], prompt[:, :25]),  # shorter text and prompt
    ]
    for kwargs in (dict(top_k=1), dict(top_k=1, early_stop_num=15), dict(top_k=1, repetition_penalty=1.0)):
        batch = generate_batch(model, items, **kwargs)
        for (p, b, pr), (tokens, idx) in zip(items, batch, strict=True):
            ref_tokens, ref_idx = model.generate(p, b, pr, **kwargs)
            assert idx == ref_idx
            assert torch.equal(tokens, ref_tokens)



@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_batched_sampling_with_a_seed_and_limit_per_sentence_matches_one_by_one(model, io, precision):
    """Per-sentence seeds draw each sentence's own random numbers: the batch samples what generate() would."""
    from gpt_sovits.models.t2s.batch_decoding import generate_batch

    gpt = model if precision == "fp32" else to_reduced_precision(model, precision)
    phones, bert, prompt = io["phone_ids"], io["bert"], io["prompt_semantic"]
    items = [(phones, bert, prompt), (phones[:, 18:], bert[:, :, 18:], None), (phones[:, :30], bert[:, :, :30], prompt)]
    seeds, limits = [11, 12, 13], [40, 25, 60]
    kwargs = dict(top_k=15, temperature=1.0)
    batch = generate_batch(gpt, items, early_stop_num=limits, seed=seeds, **kwargs)
    for (p, b, pr), seed, limit, (tokens, idx) in zip(items, seeds, limits, batch, strict=True):
        ref_tokens, ref_idx = gpt.generate(p, b, pr, early_stop_num=limit, seed=seed, **kwargs)
        assert torch.equal(tokens, ref_tokens) and idx == ref_idx
    with pytest.raises(ValueError, match="one seed per sentence"):
        generate_batch(gpt, items, seed=[1, 2], **kwargs)


def test_iter_generate_yields_every_token_and_returns_generate_result(model, io):
    kwargs = dict(top_k=15, temperature=1.1, early_stop_num=40, seed=9)
    expected = model.generate(io["phone_ids"], io["bert"], io["prompt_semantic"], **kwargs)
    steps = model.iter_generate(io["phone_ids"], io["bert"], io["prompt_semantic"], **kwargs)
    yielded = []
    while True:
        try:
            yielded.append(next(steps))
        except StopIteration as done:
            tokens, idx = done.value
            break
    assert torch.equal(tokens, expected[0]) and idx == expected[1]
    n_prompt = io["prompt_semantic"].shape[1]
    assert yielded[: tokens.shape[1] - n_prompt] == tokens[0, n_prompt:].tolist()
    assert not torch.is_inference_mode_enabled()  # the mode does not leak out between steps


def test_iter_generate_stops_when_closed(model, io):
    calls = []
    steps = model.iter_generate(io["phone_ids"], io["bert"], io["prompt_semantic"], top_k=1,
                                on_step=lambda i, logits, token: calls.append(i))
    for _ in range(3):
        next(steps)
    steps.close()
    assert calls == [0, 1, 2]
    with pytest.raises(StopIteration):
        next(steps)


@pytest.mark.parametrize("precision", ["int8", "fp16"])
def test_reduced_copy_keeps_no_float_linear_weights(model, precision):
    """The decoding copy holds its packed weights only: the float32 linears are freed, the original keeps its own."""
    copy = to_reduced_precision(model, precision)
    before = sum(p.numel() for p in model.parameters())
    linears = sum(t.numel() for layer in model.packed_layers() for t in (layer[0], layer[2], layer[4], layer[6]))
    assert sum(p.numel() for p in copy.parameters()) == before - linears
    assert model.h.layers[0].linear1.weight.numel() > 0
