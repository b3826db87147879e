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
