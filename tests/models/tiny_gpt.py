"""Random tiny GPTs and inputs for decoding tests (not the golden ones: other seeds and sizes)."""

import copy

import torch

from gpt_sovits.models.t2s.config import UPSTREAM_V2_CONFIG
from gpt_sovits.models.t2s.loading import build_gpt


def random_gpt(seed: int, dim: int = 64, layers: int = 3, heads: int = 4):
    """A random GPT of width ``dim`` with sharper logits than the random init's, so decoding follows the model."""
    config = copy.deepcopy(UPSTREAM_V2_CONFIG)
    config["model"].update({"embedding_dim": dim, "hidden_dim": dim, "head": heads, "n_layer": layers,
                            "linear_units": 2 * dim})
    torch.manual_seed(seed)
    model = build_gpt(config).eval()
    with torch.no_grad():
        model.ar_predict_layer.weight.mul_(8.0)
    return model


def gpt_inputs(seed: int, n_text: int, n_prompt: int):
    """(phone ids [n_text], BERT features [1024, n_text], prompt tokens [n_prompt]) drawn from ``seed``."""
    g = torch.Generator().manual_seed(seed)
    return (torch.randint(0, 700, (n_text,), generator=g), torch.randn(1024, n_text, generator=g) * 0.1,
            torch.randint(0, 1024, (n_prompt,), generator=g))


def assert_decodes_alike(plain, other, seed: int, batch_sizes=(3,)) -> None:
    """``other`` (a faster copy of ``plain``) says the same tokens: three inputs greedy and seeded-sampled,
    and batches of ``batch_sizes`` sentences with one seed each."""
    from gpt_sovits.models.t2s.batch_decoding import generate_batch

    for case in range(3):
        phones, bert, prompt = gpt_inputs(seed * 10 + case, 7 + 5 * case, 12 + 9 * case)
        for kw in ({"top_k": 1}, {"top_k": 15, "seed": case}):
            want = plain.generate(phones, bert, prompt, early_stop_num=50, **kw)
            got = other.generate(phones, bert, prompt, early_stop_num=50, **kw)
            assert torch.equal(got[0], want[0]) and got[1] == want[1], (case, kw)
    for n in batch_sizes:
        items = [gpt_inputs(seed + i, 6 + 3 * i, 10 + 4 * i) for i in range(n)]
        kw = {"top_k": 5, "seed": list(range(1, n + 1)), "early_stop_num": 40}
        for (a, ai), (b, bi) in zip(generate_batch(plain, items, **kw), generate_batch(other, items, **kw),
                                    strict=True):
            assert torch.equal(a, b) and ai == bi, n
