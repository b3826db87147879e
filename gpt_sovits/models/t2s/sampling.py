"""Choosing the next semantic token from logits, in upstream's exact order of operations.

Order: repetition penalty (on every distinct token seen so far, prompt included) -> top-p -> temperature
-> top-k -> softmax -> "exponential race" draw (argmax of probs / Exp(1) noise, a categorical sample).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class SamplingOptions:
    """Decoding knobs; upstream's WebUI/API defaults."""

    top_k: int = 15
    top_p: float = 1.0
    temperature: float = 1.0
    repetition_penalty: float = 1.35


def apply_repetition_penalty(logits: torch.Tensor, seen: torch.Tensor, penalty: float) -> torch.Tensor:
    """logits [..., V], seen bool [..., V]: seen positive logits / penalty, seen negative ones * penalty."""
    if penalty == 1.0:
        return logits
    penalised = torch.where(logits < 0, logits * penalty, logits / penalty)
    return torch.where(seen, penalised, logits)


def apply_top_p(logits: torch.Tensor, top_p: float) -> torch.Tensor:
    """Drop (to -inf) every token past the cumulative probability ``top_p``; the most likely always stays.

    Unlike the common convention, the token whose cumulative probability first exceeds ``top_p`` is dropped too.
    """
    if top_p >= 1.0:
        return logits
    sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
    cumulative = torch.softmax(sorted_logits, dim=-1).cumsum(dim=-1)
    drop_sorted = cumulative > top_p
    drop_sorted[..., 0] = False
    drop = drop_sorted.scatter(-1, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))


def apply_top_k(logits: torch.Tensor, top_k: int) -> torch.Tensor:
    """Keep logits >= the k-th largest (ties with it survive), the rest -> -inf."""
    k = max(1, min(int(top_k), logits.shape[-1]))
    pivot = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < pivot, float("-inf"))


def sample_token(
    logits: torch.Tensor,
    seen: torch.Tensor,
    options: SamplingOptions,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """logits [B, V] float32, seen bool [B, V] -> (sampled ids [B], argmax of the penalised logits [B])."""
    logits = apply_repetition_penalty(logits, seen, options.repetition_penalty)
    penalised_argmax = logits.argmax(dim=-1)
    logits = apply_top_p(logits, options.top_p)
    logits = logits / max(options.temperature, 1e-5)
    logits = apply_top_k(logits, options.top_k)
    probs = torch.softmax(logits, dim=-1)
    race = torch.empty_like(probs).exponential_(1.0, generator=generator)
    return (probs / race).argmax(dim=-1), penalised_argmax
