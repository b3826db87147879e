"""The compiled float32 CPU decoding step (models/t2s/cpu_step.py) against PyTorch's step.

Random models of other sizes and seeds than ../shared/golden, including head widths that are not powers of
two; the step's hidden state and cache within rounding, and the same tokens when decoding (greedy, sampled,
batches within and beyond what the compiled step takes).
"""

import copy

import pytest
import torch

from gpt_sovits.models.cpu_matmul import packed_linear, plain_linear
from gpt_sovits.models.t2s import cpu_step
from gpt_sovits.models.t2s.quantize import pack_float32
from tests.models.tiny_gpt import assert_decodes_alike, random_gpt

pytestmark = [
    pytest.mark.usefixtures("one_torch_thread"),
    pytest.mark.skipif(cpu_step.kernel() is None, reason=f"numba cannot compile here: {cpu_step.unavailable_reason()}"),
]


def compiled_copy(model):
    out = copy.deepcopy(model)
    assert pack_float32(out)
    assert isinstance(out.step_kernel, cpu_step.CompiledStep) and out.step_linear is plain_linear
    assert out.h.layers[0].linear1.weight.numel() == 0  # the plain linears were freed
    return out


@pytest.mark.parametrize("seed, dim, layers, heads", [(31, 64, 2, 4), (32, 48, 3, 4), (33, 40, 2, 5), (34, 64, 2, 2)])
def test_compiled_step_matches_pytorch_step(seed, dim, layers, heads):
    """Batches of 1 and 3 rows, one row with masked keys, over a cache that grows mid-way."""
    plain = random_gpt(seed, dim, layers, heads)
    compiled = compiled_copy(plain)
    g = torch.Generator().manual_seed(seed)
    for rows in (1, 3):
        caches = [m.new_cache(batch=rows, capacity=4) for m in (plain, compiled)]
        start = torch.randn(rows, 3, dim, generator=g)
        allowed = torch.ones(3, 3, dtype=torch.bool).tril()
        for m, cache in zip((plain, compiled), caches, strict=True):
            m.prefill(start, allowed, cache)
        mask = torch.ones(rows, 1, 1, 12, dtype=torch.bool)
        mask[-1, ..., 0] = False  # the last row's first key is padding
        for _ in range(8):  # past the capacity of 4: the cache grows
            x = torch.randn(rows, 1, dim, generator=g)
            n = caches[0].length + 1
            want = plain.step(x, caches[0], key_mask=mask[..., :n] if rows > 1 else None)
            got = compiled.step(x, caches[1], key_mask=mask[..., :n] if rows > 1 else None)
            torch.testing.assert_close(got, want, atol=2e-5, rtol=2e-5)
        assert caches[0].length == caches[1].length == 11
        torch.testing.assert_close(caches[1].k[:, :, :, :11], caches[0].k[:, :, :, :11], atol=2e-5, rtol=2e-5)
        torch.testing.assert_close(caches[1].v[:, :, :, :11], caches[0].v[:, :, :, :11], atol=2e-5, rtol=2e-5)


@pytest.mark.parametrize("seed, dim, layers, heads", [(41, 64, 3, 4), (42, 96, 2, 8), (43, 48, 4, 2)])
def test_compiled_gpt_decodes_the_tokens_of_the_plain_one(seed, dim, layers, heads):
    plain = random_gpt(seed, dim, layers, heads)
    compiled = compiled_copy(plain)
    # a batch the compiled step takes (3 rows) and one beyond MAX_ROWS (PyTorch's step on the stacked weights)
    assert_decodes_alike(plain, compiled, seed, batch_sizes=(3, cpu_step.MAX_ROWS + 2))


def test_without_numba_the_onednn_packing_is_used(monkeypatch):
    monkeypatch.setattr(cpu_step, "kernel", lambda: None)
    model = random_gpt(5, 32, 2, 4)
    assert pack_float32(model)
    assert model.step_kernel is None and model.step_linear is packed_linear


def test_a_disagreeing_compiled_step_is_refused(monkeypatch):
    monkeypatch.setattr(cpu_step, "_self_test", lambda model, compiled: 0.5)
    model = random_gpt(6, 32, 2, 4)
    assert cpu_step.compiled_step_for(model) is None
    assert pack_float32(model) and model.step_kernel is None and model.step_linear is packed_linear


def test_a_nan_input_stays_visible():
    """No fast-math assumption hides a NaN: it comes out as NaN, as from PyTorch's step."""
    model = compiled_copy(random_gpt(7, 32, 2, 4))
    cache = model.new_cache(batch=1, capacity=4)
    model.prefill(torch.randn(1, 2, 32), torch.ones(2, 2, dtype=torch.bool).tril(), cache)
    x = torch.randn(1, 1, 32)
    x[0, 0, 3] = float("nan")
    assert torch.isnan(model.step(x, cache)).all()


def test_numba_threads_follow_torch_threads():
    import numba

    model = compiled_copy(random_gpt(8, 32, 2, 4))
    cache = model.new_cache(batch=1, capacity=4)
    model.prefill(torch.randn(1, 2, 32), torch.ones(2, 2, dtype=torch.bool).tril(), cache)
    model.step(torch.randn(1, 1, 32), cache)  # under the one_torch_thread fixture
    assert numba.get_num_threads() == 1 and torch.get_num_threads() == 1  # numba did not reset torch's pool


def test_the_switch_keeps_pytorch_s_step(monkeypatch):
    monkeypatch.setenv(cpu_step.DISABLE_ENV, "0")
    model = random_gpt(9, 32, 2, 4)
    assert cpu_step.compiled_step_for(model) is None
    assert pack_float32(model) and model.step_kernel is None and model.step_linear is packed_linear


def test_two_threads_decode_with_one_model():
    """Each thread has its own working memory: decoding at once gives what decoding alone gives."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.models.tiny_gpt import gpt_inputs

    model = compiled_copy(random_gpt(10, 48, 2, 4))
    inputs = [gpt_inputs(100 + i, 9 + 4 * i, 20 + 7 * i) for i in range(4)]
    alone = [model.generate(*x, top_k=1, early_stop_num=60)[0] for x in inputs]
    with ThreadPoolExecutor(2) as pool:
        together = list(pool.map(lambda x: model.generate(*x, top_k=1, early_stop_num=60)[0], inputs))
    assert all(torch.equal(a, b) for a, b in zip(alone, together, strict=True))


def test_one_numba_thread_where_numba_and_pytorch_have_separate_thread_pools(monkeypatch):
    monkeypatch.setattr(cpu_step.sys, "platform", "win32")
    assert cpu_step._threads() == 1
    monkeypatch.setattr(cpu_step.sys, "platform", "linux")
    assert cpu_step._threads() == min(torch.get_num_threads(), __import__("numba").config.NUMBA_NUM_THREADS)


def half_valued_gpt(seed: int, dim: int, layers: int, heads: int):
    """A random GPT whose weights are float16 numbers held in float32, as after loading a float16 checkpoint
    (the official and exported ones)."""
    model = random_gpt(seed, dim, layers, heads)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())
    return model


@pytest.mark.parametrize("seed, dim, layers, heads", [(51, 64, 2, 4), (52, 40, 3, 5)])
def test_float16_weights_give_the_float32_kernel_s_bits(seed, dim, layers, heads):
    """The kernel reading float16 bits computes exactly what it computes from the same numbers in float32:
    outputs and caches equal bit for bit, 1 and 3 rows, masked keys, a growing cache."""
    model = half_valued_gpt(seed, dim, layers, heads)
    cfg = model.config
    half = cpu_step.CompiledStep(model.packed_layers(), cfg.n_head, cfg.layer_norm_eps)
    full = cpu_step.CompiledStep(model.packed_layers(), cfg.n_head, cfg.layer_norm_eps, half_weights=False)
    assert half.half_weights and not full.half_weights
    assert all(half.kernel_arrays[i].itemsize == 2 for i in cpu_step.WEIGHT_MATRICES)
    g = torch.Generator().manual_seed(seed)
    for rows in (1, 3):
        caches = [model.new_cache(batch=rows, capacity=4) for _ in range(2)]
        start = torch.randn(rows, 3, dim, generator=g)
        for cache in caches:
            model.prefill(start, torch.ones(3, 3, dtype=torch.bool).tril(), cache)
        mask = torch.ones(rows, 1, 1, 12, dtype=torch.bool)
        mask[-1, ..., 0] = False
        for _ in range(8):
            x = torch.randn(rows, 1, dim, generator=g)
            n = caches[0].length + 1
            key_mask = mask[..., :n] if rows > 1 else None
            assert torch.equal(half(x, caches[0], key_mask), full(x, caches[1], key_mask))
        assert torch.equal(caches[0].k[:, :, :, :11], caches[1].k[:, :, :, :11])
        assert torch.equal(caches[0].v[:, :, :, :11], caches[1].v[:, :, :, :11])


def test_a_float16_valued_gpt_decodes_the_plain_tokens_from_half_the_bytes():
    plain = half_valued_gpt(53, 64, 3, 4)
    compiled = compiled_copy(plain)
    assert compiled.step_kernel.half_weights
    assert_decodes_alike(plain, compiled, 53, batch_sizes=(3,))


def test_weights_that_are_not_float16_numbers_stay_float32():
    model = half_valued_gpt(54, 32, 2, 4)
    with torch.no_grad():
        model.h.layers[1].linear2.weight[3, 5] += 1e-6  # one weight no float16 number equals
    assert not compiled_copy(model).step_kernel.half_weights
    assert not compiled_copy(random_gpt(55, 32, 2, 4)).step_kernel.half_weights  # float32 random weights
    broken = [torch.zeros(2, 3).numpy()]
    broken[0][1, 1] = float("nan")
    assert cpu_step._half_bits(broken) is None
